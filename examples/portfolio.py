"""Markowitz portfolio: how the optimal return reacts to the return forecasts.

Solves portfolio.kkt for eight assets with a factor-model covariance, prints
the optimal weights, and differentiates the optimal portfolio's expected
return mu @ w*(mu) with respect to the forecasts mu. The gradient has two
parts: the weights themselves (holding w fixed) and the re-balancing that a
change of mu causes. A directional central finite difference checks it.
"""

from pathlib import Path

import jax
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("portfolio.kkt"))

rng = np.random.default_rng(1)
n = 8
F = 0.15 * rng.normal(size=(n, 2))  # two risk factors
Sigma = F @ F.T + np.diag((0.05 + 0.1 * rng.random(n)) ** 2)
mu = 0.03 + 0.07 * rng.random(n)  # 3% to 10% expected return
params = dict(Sigma=Sigma, gamma=2.0, w_max=0.3)


def expected_return(mu):
    sol = layer(mu=mu, **params)
    return mu @ sol.w, sol


value_and_grad = jax.value_and_grad(expected_return, has_aux=True)

(ret, sol), grad = value_and_grad(mu)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
w = np.asarray(sol.w)
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective (return - gamma * risk) {float(sol.objective):.6f}")
print("mu     ", np.round(mu, 3))
print("weights", np.round(w, 3), f"(sum {w.sum():.6f})")
print(f"expected return {float(ret):.4%}, volatility {np.sqrt(w @ Sigma @ w):.4%}")
print("d return / d mu", np.round(np.asarray(grad), 4))
print("  of which re-balancing", np.round(np.asarray(grad) - w, 4))

direction = rng.normal(size=n)
h = 1e-5
(plus, _), _ = value_and_grad(mu + h * direction)
(minus, _), _ = value_and_grad(mu - h * direction)
fd = (plus - minus) / (2 * h)
analytic = grad @ direction
rel = float(abs(analytic - fd) / abs(fd))
print(f"directional derivative {float(analytic):.8f}, finite difference {float(fd):.8f}")
print(f"relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

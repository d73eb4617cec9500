"""Return maximisation under a volatility limit (an SOCP): the price of risk.

Ten assets with a two-factor risk model; portfolio_socp.kkt maximises the
expected return subject to a volatility cap that binds. The derivative of the
optimal return with respect to the cap sigma_max is the extra return one more
unit of volatility buys: it equals the dual of the `risk` constraint and is
checked against a central finite difference of the layer.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("portfolio_socp.kkt"))

rng = np.random.default_rng(5)
n, f = 10, 2
F = 0.12 * rng.normal(size=(n, f))
d = 0.05 + 0.15 * rng.random(n)
mu = 0.02 + 0.5 * np.sqrt(np.sum(F**2, axis=1) + d**2) * rng.random(n)  # riskier assets tend to pay more
volatility = lambda w: np.linalg.norm(np.concatenate([F.T @ w, d * w]))  # noqa: E731
equal = np.full(n, 1 / n)
sigma_max = 1.2 * volatility(equal)  # the equal-weight portfolio is feasible
assert sigma_max < volatility(np.eye(n)[np.argmax(mu)]), "the cap should bind"


def optimal_return(sigma_max):
    sol = layer(mu=mu, F=F, d=d, sigma_max=sigma_max)
    return sol.objective, sol


value_and_grad = jax.value_and_grad(optimal_return, has_aux=True)
(value, sol), grad = value_and_grad(jnp.asarray(sigma_max))
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
w = np.asarray(sol.w)
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"optimal expected return {float(value):.4%} at volatility {volatility(w):.4%} (cap {sigma_max:.4%})")
print(f"equal-weight portfolio: return {mu @ equal:.4%}, volatility {volatility(equal):.4%}")
print("weights", np.round(w, 3))
print(f"d return / d sigma_max = {float(grad):.6f}; dual of risk = {float(sol.duals['risk']):.6f}")

h = 1e-6
(plus, _), _ = value_and_grad(jnp.asarray(sigma_max + h))
(minus, _), _ = value_and_grad(jnp.asarray(sigma_max - h))
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"finite difference {float(fd):.6f}, relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

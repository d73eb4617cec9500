"""Sparse Poisson regression: tune the l1 weight on held-out deviance.

Draws counts from a log-linear model with three active features out of eight,
fits poisson.kkt (a smooth convex problem with an exp and an l1 penalty),
and differentiates the held-out Poisson negative log-likelihood with respect
to lam through the solver, checked against a central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("poisson.kkt"))

rng = np.random.default_rng(8)
n = 8
w_true = np.zeros(n)
w_true[[0, 2, 5]] = [1.0, 0.5, -0.7]  # feature 0 is a constant: a baseline rate of e


def sample(m):
    X = np.column_stack([np.ones(m), 0.5 * rng.normal(size=(m, n - 1))])
    return X, rng.poisson(np.exp(X @ w_true)).astype(float)


X, y = sample(150)
X_val, y_val = sample(500)


def validation_nll(lam):
    sol = layer(X=X, y=y, lam=lam)
    rates = X_val @ sol.w
    return jnp.mean(jnp.exp(rates) - y_val * rates), sol


value_and_grad = jax.value_and_grad(validation_nll, has_aux=True)
lam = jnp.asarray(5.0)
(nll, sol), grad = value_and_grad(lam)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f}; counts range {int(y.min())}..{int(y.max())}")
print("w     ", np.round(np.asarray(sol.w), 3))
print("w_true", w_true)

h = 1e-4
(plus, _), _ = value_and_grad(lam + h)
(minus, _), _ = value_and_grad(lam - h)
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"held-out NLL {float(nll):.5f}; d NLL / d lam = {float(grad):.6e} (finite difference {float(fd):.6e})")
print(f"relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

"""Lasso: fit a sparse contrast, then tune the penalty by gradient.

Solves lasso.kkt on synthetic data whose true coefficients are sparse and sum
to zero, prints the recovered support, and differentiates the validation error
of the fit with respect to the penalty weight lam (implicit differentiation
through the solver), checked against a central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("lasso.kkt"))

rng = np.random.default_rng(0)
m, n = 60, 12
x_true = np.zeros(n)
x_true[[1, 4, 7]] = [0.8, -0.5, -0.3]  # sparse, and sums to zero as the constraint demands
A, A_val = rng.normal(size=(m, n)), rng.normal(size=(m, n))
b = A @ x_true + 0.3 * rng.normal(size=m)
b_val = A_val @ x_true + 0.3 * rng.normal(size=m)


def validation_error(lam):
    sol = layer(A=A, b=b, lam=lam)
    return jnp.mean((A_val @ sol.x - b_val) ** 2), sol


value_and_grad = jax.value_and_grad(validation_error, has_aux=True)

lam = jnp.asarray(3.0)
(error, sol), grad = value_and_grad(lam)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f}")
print("x      ", np.round(np.asarray(sol.x), 3))
print("x_true ", x_true)
print("support", np.flatnonzero(np.abs(np.asarray(sol.x)) > 1e-6))

h = 1e-4
(plus, _), _ = value_and_grad(lam + h)
(minus, _), _ = value_and_grad(lam - h)
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"validation MSE {float(error):.5f}")
print(f"d MSE / d lam = {float(grad):.6e} (finite difference {float(fd):.6e})")
print(f"relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

"""Huber regression: outliers have bounded influence on the fit.

Fits huber.kkt to 80 observations of which 8 are gross outliers, compares the
coefficients with ordinary least squares, and computes the influence of every
observation on the first coefficient, d x_0 / d b, by implicit
differentiation: an outlier's influence is (near) zero, because it sits in
the linear part of the loss. A central finite difference checks it.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("huber.kkt"))

rng = np.random.default_rng(6)
m, n = 80, 4
A = np.column_stack([np.ones(m), rng.normal(size=(m, n - 1))])
x_true = np.array([1.0, 2.0, -1.0, 0.5])
b = A @ x_true + 0.2 * rng.normal(size=m)
outliers = rng.choice(m, size=8, replace=False)
b[outliers] += rng.choice([-1.0, 1.0], size=8) * rng.uniform(5, 10, size=8)
residual = b - A @ np.linalg.lstsq(A, b, rcond=None)[0]
scale = 1.4826 * np.median(np.abs(residual - np.median(residual)))  # MAD of the OLS residuals
params = dict(A=A, scale=scale, lam=1e-3)


def first_coefficient(b):
    sol = layer(b=b, **params)
    return sol.x[0], sol


value_and_grad = jax.value_and_grad(first_coefficient, has_aux=True)
(x0, sol), influence = value_and_grad(jnp.asarray(b))
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f}, noise scale (MAD) {scale:.3f}")
print("huber ", np.round(np.asarray(sol.x), 3))
print("OLS   ", np.round(np.linalg.lstsq(A, b, rcond=None)[0], 3))
print("truth ", x_true)
inliers = np.setdiff1d(np.arange(m), outliers)
influence = np.asarray(influence)
print(
    f"influence on x_0: mean |d x_0/d b_i| over inliers {np.abs(influence[inliers]).mean():.2e}, "
    f"over outliers {np.abs(influence[outliers]).mean():.2e}"
)

direction = rng.normal(size=m)
h = 1e-5
(plus, _), _ = value_and_grad(jnp.asarray(b + h * direction))
(minus, _), _ = value_and_grad(jnp.asarray(b - h * direction))
fd = (plus - minus) / (2 * h)
rel = float(abs(influence @ direction - fd) / abs(fd))
print(f"directional derivative {float(influence @ direction):.8f}, finite difference {float(fd):.8f}")
print(f"relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

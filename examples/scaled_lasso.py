"""Scaled lasso: estimate the coefficients and the noise level together.

Solves scaled_lasso.kkt with the universal penalty lam = sqrt(2 log(n) / m)
on data whose true noise level is 0.5, prints the support and the estimated
sigma, and differentiates the noise estimate sigma(lam) with respect to lam
(a larger penalty leaves more of the signal in the residual), checked against
a central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("scaled_lasso.kkt"))

rng = np.random.default_rng(7)
m, n, noise = 100, 20, 0.5
A = rng.normal(size=(m, n))
x_true = np.zeros(n)
x_true[[0, 3, 11]] = [2.0, -1.5, 1.0]
b = A @ x_true + noise * rng.normal(size=m)
lam = np.sqrt(2 * np.log(n) / m)


def noise_estimate(lam):
    sol = layer(A=A, b=b, lam=lam, m_obs=float(m))
    return sol.sigma, sol


value_and_grad = jax.value_and_grad(noise_estimate, has_aux=True)
(sigma, sol), grad = value_and_grad(jnp.asarray(lam))
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
x = np.asarray(sol.x)
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f} with lam = {lam:.4f}")
print("support", np.flatnonzero(np.abs(x) > 1e-6), "values", np.round(x[np.abs(x) > 1e-6], 3))
print(
    f"sigma {float(sigma):.4f} (true noise level {noise}; |Ax - b| / sqrt(m) = "
    f"{np.linalg.norm(A @ x - b) / np.sqrt(m):.4f})"
)

h = 1e-5
(plus, _), _ = value_and_grad(jnp.asarray(lam + h))
(minus, _), _ = value_and_grad(jnp.asarray(lam - h))
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"d sigma / d lam = {float(grad):.6f} (finite difference {float(fd):.6f}), relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

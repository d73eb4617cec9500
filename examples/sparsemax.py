"""Sparsemax: a projection onto the simplex that returns exact zeros.

Solves sparsemax.kkt for a score vector, compares with the closed form
(threshold tau, p = max(z - tau, 0)), checks the layer's Jacobian against the
known one (on the support S: I - 1 1'/|S|, zero elsewhere), and checks the
gradient of a squared loss against a central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("sparsemax.kkt"))

z = jnp.array([1.2, 0.9, 0.1, -0.4, 0.75, -1.0])
target = jnp.array([0.5, 0.3, 0.0, 0.0, 0.2, 0.0])


def closed_form(z):
    s = jnp.sort(z)[::-1]
    k = jnp.arange(1, z.size + 1)
    support = 1 + k * s > jnp.cumsum(s)
    size = jnp.sum(support)
    tau = (jnp.sum(jnp.where(support, s, 0.0)) - 1) / size
    return jnp.maximum(z - tau, 0.0)


def squared_loss(z):
    sol = layer(z=z)
    return jnp.sum((sol.p - target) ** 2), sol


value_and_grad = jax.value_and_grad(squared_loss, has_aux=True)
(loss, sol), grad = value_and_grad(z)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
p = np.asarray(sol.p)
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f}")
print("layer      ", np.round(p, 6))
print("closed form", np.round(np.asarray(closed_form(z)), 6))

support = p > 1e-6
S = jnp.asarray(support, dtype=float)
expected = jnp.diag(S) - jnp.outer(S, S) / S.sum()
jacobian = jax.jacfwd(lambda z: layer(z=z).p)(z)
jacobian_error = float(jnp.max(jnp.abs(jacobian - expected)))
print(f"support {np.flatnonzero(support)}; Jacobian max error {jacobian_error:.2e}")

direction = jnp.array([0.3, -1.0, 0.7, 0.2, -0.4, 0.5])
h = 1e-5
(plus, _), _ = value_and_grad(z + h * direction)
(minus, _), _ = value_and_grad(z - h * direction)
fd = (plus - minus) / (2 * h)
rel = float(abs(grad @ direction - fd) / abs(fd))
print(f"loss {float(loss):.6f}; gradient {np.round(np.asarray(grad), 5)}")
print(f"directional derivative {float(grad @ direction):.8f}, finite difference {float(fd):.8f}")
print(f"relative error {rel:.2e}")
if rel > 1e-4 or jacobian_error > 1e-6 or not np.allclose(p, closed_form(z), atol=1e-7):
    raise SystemExit("check failed")

"""Softmax as an optimization layer: its solution and Jacobian match the closed form.

softmax.kkt is the entropy-regularised argmax over the simplex, whose solution
is softmax(theta). This script checks the solution against jax.nn.softmax, the
layer's Jacobian (from implicit differentiation) against diag(p) - p p', and
the gradient of a cross-entropy loss against a central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("softmax.kkt"))

theta = jnp.array([2.0, 1.0, 0.1, -1.0, 0.5])
label = 2


def probabilities(theta):
    return layer(theta=theta).x


def cross_entropy(theta):
    sol = layer(theta=theta)
    return -jnp.log(sol.x[label]), sol


value_and_grad = jax.value_and_grad(cross_entropy, has_aux=True)
(loss, sol), grad = value_and_grad(theta)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
p = jax.nn.softmax(theta)
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f} (logsumexp(theta) = {float(jax.nn.logsumexp(theta)):.6f})")
print("layer  ", np.round(np.asarray(sol.x), 6))
print("softmax", np.round(np.asarray(p), 6))

jacobian = jax.jacfwd(probabilities)(theta)
jacobian_error = float(jnp.max(jnp.abs(jacobian - (jnp.diag(p) - jnp.outer(p, p)))))
print(f"Jacobian vs diag(p) - p p': max error {jacobian_error:.2e}")

print(f"cross-entropy for label {label}: {float(loss):.5f}")
print("gradient        ", np.round(np.asarray(grad), 6))
print("p - onehot(label)", np.round(np.asarray(p - jax.nn.one_hot(label, 5)), 6))
direction = jnp.array([0.3, -1.0, 0.7, 0.2, -0.4])
h = 1e-5
(plus, _), _ = value_and_grad(theta + h * direction)
(minus, _), _ = value_and_grad(theta - h * direction)
fd = (plus - minus) / (2 * h)
rel = float(abs(grad @ direction - fd) / abs(fd))
print(f"directional derivative {float(grad @ direction):.8f}, finite difference {float(fd):.8f}")
print(f"relative error {rel:.2e}")
if rel > 1e-4 or jacobian_error > 1e-6 or not jnp.allclose(sol.x, p, atol=1e-7):
    raise SystemExit("check failed")

"""Soft-margin SVM: tune the margin cost C by the gradient of a validation loss.

Solves svm.kkt on two overlapping Gaussian clouds, reports the hyperplane and
training accuracy, then differentiates a smooth validation loss (the logistic
loss of the held-out margins) with respect to C through the solver, and checks
it against a central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("svm.kkt"))

rng = np.random.default_rng(2)


def clouds(m):
    y = np.where(rng.random(m) < 0.5, 1.0, -1.0)
    X = rng.normal(size=(m, 2)) + np.outer(y, [1.0, 0.5])
    return X, y


X, y = clouds(80)
X_val, y_val = clouds(200)


def validation_loss(C):
    sol = layer(X=X, y=y, C=C)
    return jnp.mean(jax.nn.softplus(-y_val * (X_val @ sol.w + sol.b))), sol


value_and_grad = jax.value_and_grad(validation_loss, has_aux=True)

C = jnp.asarray(0.1)
(loss, sol), grad = value_and_grad(C)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
w, b = np.asarray(sol.w), float(sol.b)
margins = y * (X @ w + b)
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f}")
print(f"w = {np.round(w, 4)}, b = {b:.4f}, margin width 2/|w| = {2 / np.linalg.norm(w):.3f}")
print(f"training accuracy {np.mean(margins > 0):.1%}, support vectors {np.sum(margins < 1 + 1e-6)}")
print(f"validation accuracy {np.mean(y_val * (X_val @ w + b) > 0):.1%}")

h = 1e-5
(plus, _), _ = value_and_grad(C + h)
(minus, _), _ = value_and_grad(C - h)
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"validation loss {float(loss):.5f}")
print(f"d loss / d C = {float(grad):.6e} (finite difference {float(fd):.6e})")
print(f"relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

"""Multinomial logistic regression: differentiate held-out cross-entropy.

Three Gaussian classes in two dimensions (plus a constant feature for the
intercepts); multiclass.kkt fits one weight column per class. The script
prints the weights and the accuracy, then differentiates the held-out
cross-entropy with respect to the ridge weight lam, checked against a central
finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("multiclass.kkt"))

rng = np.random.default_rng(9)
centers = np.array([[0.0, 2.0], [-1.7, -1.0], [1.7, -1.0]])


def sample(m):
    labels = rng.integers(0, 3, size=m)
    X = np.column_stack([np.ones(m), centers[labels] + 1.2 * rng.normal(size=(m, 2))])
    return X, np.eye(3)[labels]


X, Y = sample(90)
X_val, Y_val = sample(300)


def validation_cross_entropy(lam):
    sol = layer(X=X, Y=Y, lam=lam)
    log_probabilities = jax.nn.log_softmax(X_val @ sol.W, axis=1)
    return -jnp.mean(jnp.sum(Y_val * log_probabilities, axis=1)), sol


value_and_grad = jax.value_and_grad(validation_cross_entropy, has_aux=True)
lam = jnp.asarray(1.0)
(loss, sol), grad = value_and_grad(lam)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
W = np.asarray(sol.W)
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f}")
print("W (rows: intercept, x1, x2; columns: classes):")
print(np.round(W, 3))
accuracy = lambda X, Y: np.mean(np.argmax(X @ W, axis=1) == np.argmax(Y, axis=1))  # noqa: E731
print(f"accuracy: training {accuracy(X, Y):.1%}, held-out {accuracy(X_val, Y_val):.1%}")

h = 1e-4
(plus, _), _ = value_and_grad(lam + h)
(minus, _), _ = value_and_grad(lam - h)
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"held-out cross-entropy {float(loss):.5f}")
print(f"d cross-entropy / d lam = {float(grad):.6e} (finite difference {float(fd):.6e})")
print(f"relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

"""Logistic regression: differentiate held-out log-loss with respect to the ridge weight.

Solves logistic.kkt (a smooth convex problem) on synthetic data drawn from a
known logistic model, prints the fitted weights next to the true ones, and
takes d (validation log-loss) / d lam through the solver, checked against a
central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("logistic.kkt"))

rng = np.random.default_rng(4)
n = 5
w_true, b_true = np.array([1.5, -2.0, 0.0, 0.5, 1.0]), -0.3


def sample(m):
    X = rng.normal(size=(m, n))
    y = (rng.random(m) < 1 / (1 + np.exp(-(X @ w_true + b_true)))).astype(float)
    return X, y


X, y = sample(100)
X_val, y_val = sample(400)


def validation_loss(lam):
    sol = layer(X=X, y=y, lam=lam)
    logits = X_val @ sol.w + sol.b
    return jnp.mean(jax.nn.softplus(logits) - y_val * logits), sol


value_and_grad = jax.value_and_grad(validation_loss, has_aux=True)

lam = jnp.asarray(0.01)
(loss, sol), grad = value_and_grad(lam)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f}")
print("w     ", np.round(np.asarray(sol.w), 3), f" b {float(sol.b):.3f}")
print("w_true", w_true, f" b {b_true:.3f}")

h = 1e-5
(plus, _), _ = value_and_grad(lam + h)
(minus, _), _ = value_and_grad(lam - h)
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"validation log-loss {float(loss):.5f}")
print(f"d loss / d lam = {float(grad):.6e} (finite difference {float(fd):.6e})")
print(f"relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

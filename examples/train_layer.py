"""Train a model with an optimization layer inside: learn return forecasts from observed portfolios.

An investor turns market signals f into expected returns mu = Theta f and
holds the Markowitz portfolio of portfolio.kkt for them. We observe the
signals and the portfolios she held, not Theta. Starting from Theta = 0, we
fit Theta by plain gradient descent on the squared distance between the
portfolios the model predicts and those observed: every step solves a batch
of QPs (jax.vmap) and differentiates through them (jax.grad, implicit
differentiation), all under one jax.jit.
"""

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("portfolio.kkt"))

rng = np.random.default_rng(13)
n_assets, n_signals, batch = 5, 3, 64
F = 0.2 * rng.normal(size=(n_assets, 2))
Sigma = jnp.asarray(F @ F.T + np.diag((0.1 + 0.1 * rng.random(n_assets)) ** 2))
theta_true = jnp.asarray(0.05 * rng.normal(size=(n_assets, n_signals)))
signals = jnp.asarray(rng.normal(size=(batch, n_signals)))


def portfolios(theta, signals):
    """The model: signals -> forecasts -> optimal portfolios, one QP per sample."""
    solve = lambda mu: layer(mu=mu, Sigma=Sigma, gamma=1.0, w_max=0.5)  # noqa: E731
    sol = jax.vmap(solve)(signals @ theta.T)
    return sol.w, sol.status


observed, status = portfolios(theta_true, signals)
if np.any(np.asarray(status) != kc.Status.SOLVED):
    raise SystemExit("a solve of the ground-truth portfolios failed")


def loss(theta):
    predicted, status = portfolios(theta, signals)
    return jnp.mean(jnp.sum((predicted - observed) ** 2, axis=1)), status


step = jax.jit(jax.value_and_grad(loss, has_aux=True))
theta = jnp.zeros_like(theta_true)
learning_rate = 0.02
start = time.perf_counter()
history = []
for iteration in range(101):
    (value, status), grad = step(theta)
    if np.any(np.asarray(status) != kc.Status.SOLVED):
        raise SystemExit(f"a solve failed at iteration {iteration}")
    history.append(float(value))
    if iteration % 10 == 0:
        print(f"iteration {iteration:3d}  loss {float(value):.3e}  |grad| {float(jnp.linalg.norm(grad)):.2e}")
    theta = theta - learning_rate * grad
print(f"{len(history)} steps of {batch} QPs each: {time.perf_counter() - start:.1f} s, compilation included")

# A shift of every forecast by the same amount leaves a fully invested portfolio unchanged,
# so Theta is identifiable only up to adding a constant to each column: compare centred columns.
centred = lambda theta: np.asarray(theta - theta.mean(axis=0))  # noqa: E731
print("learned Theta, centred:\n", np.round(centred(theta), 3))
print("hidden Theta, centred:\n", np.round(centred(theta_true), 3))
new_signals = jnp.asarray(rng.normal(size=(batch, n_signals)))
difference = portfolios(theta, new_signals)[0] - portfolios(theta_true, new_signals)[0]
held_out = float(jnp.mean(jnp.sum(difference**2, axis=1)))
print(f"loss went from {history[0]:.3e} to {history[-1]:.3e}; on new signals {held_out:.3e}")
if not (history[-1] < 1e-2 * history[0] and held_out < 1e-2 * history[0]):
    raise SystemExit("training did not reduce the loss enough")

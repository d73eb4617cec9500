"""Reference tracking with a bounded input: what would a stronger actuator buy?

A cart (double integrator, position and velocity, sampled at 0.1 s) follows
a sine-wave position reference for 3 s under an input bound that binds.
tracking.kkt plans the whole trajectory; the script prints the plan, and
differentiates the position tracking error with respect to the bound u_max,
checked against a central finite difference of the layer.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("tracking.kkt"))

dt, T = 0.1, 31
A = np.array([[1.0, dt], [0.0, 1.0]])
B = np.array([[0.5 * dt**2], [dt]])
t = dt * np.arange(T)
x_ref = np.vstack([np.sin(1.5 * t), 1.5 * np.cos(1.5 * t)])  # position and its velocity
params = dict(A=A, B=B, x0=np.zeros(2), x_ref=x_ref, q=np.array([3.0, 0.3]), r=0.01)


def tracking_error(u_max):
    sol = layer(u_max=u_max, **params)
    return jnp.sum((sol.x[0] - x_ref[0]) ** 2), sol


value_and_grad = jax.value_and_grad(tracking_error, has_aux=True)
u_max = jnp.asarray(2.5)
(error, sol), grad = value_and_grad(u_max)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
u = np.asarray(sol.u[0])
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"objective {float(sol.objective):.6f}")
print("position ", np.round(np.asarray(sol.x[0, ::5]), 3))
print("reference", np.round(x_ref[0, ::5], 3))
print("input    ", np.round(u[::5], 3))
print(f"steps at the input bound: {np.sum(np.abs(u) > float(u_max) - 1e-6)} of {u.size}")
print(f"position tracking error {float(error):.6f}; d error / d u_max = {float(grad):.6f}")

h = 1e-5
(plus, _), _ = value_and_grad(u_max + h)
(minus, _), _ = value_and_grad(u_max - h)
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"finite difference {float(fd):.6f}, relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

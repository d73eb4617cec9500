"""Resource allocation: the value of a later deadline.

Five jobs share a processor of total speed 10. The deadline is set to 1.25
times the shortest possible completion time, (sum_i sqrt(work_i))^2 / capacity,
so the problem is feasible, and energy is priced so that the deadline binds.
The script prints the speeds, and the derivative of the optimal net value
with respect to the deadline (the dual of `on_time`), checked against a
central finite difference of the layer.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("resource_allocation.kkt"))

work = np.array([1.0, 2.5, 0.5, 3.0, 1.5])
usable = np.array([3.0, 4.0, 1.5, 5.0, 2.5])
value = np.array([2.0, 1.0, 3.0, 1.5, 1.0])
capacity = 10.0
fastest = np.sum(np.sqrt(work)) ** 2 / capacity  # all capacity, split in proportion to sqrt(work)
deadline = 1.25 * fastest
params = dict(work=work, usable=usable, value=value, capacity=capacity, energy_price=0.3)


def net_value(deadline):
    sol = layer(deadline=deadline, **params)
    return sol.objective, sol


value_and_grad = jax.value_and_grad(net_value, has_aux=True)
(best, sol), grad = value_and_grad(jnp.asarray(deadline))
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
speed = np.asarray(sol.speed)
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"net value {float(best):.6f}")
print("speed ", np.round(speed, 4), f"(total {speed.sum():.4f} of {capacity})")
print("usable", usable)
print(f"completion time {np.sum(work / speed):.5f}, deadline {deadline:.5f} (fastest possible {fastest:.5f})")
print(f"d value / d deadline = {float(grad):.6f}; dual of on_time = {float(sol.duals['on_time']):.6f}")

h = 1e-5
(plus, _), _ = value_and_grad(jnp.asarray(deadline + h))
(minus, _), _ = value_and_grad(jnp.asarray(deadline - h))
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"finite difference {float(fd):.6f}, relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

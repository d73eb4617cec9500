"""Production planning (an LP): what does one more unit of demand cost, period by period?

A year of seasonal demand that peaks above the plant's capacity, so stock has
to be built ahead of the peak. inventory.kkt trades holding and backlog costs
against changes of the production rate and the peak rate. The script prints
the plan and differentiates the optimal cost with respect to each period's
demand, checking a directional derivative against a central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("inventory.kkt"))

T = 12
months = np.arange(T)
demand = 100 + 45 * np.sin(2 * np.pi * (months - 3) / T) + np.array([3, -2, 5, 0, -4, 2, 6, -1, 0, 3, -5, 1])
params = dict(stock0=20.0, capacity=130.0, hold=1.0, backlog=4.0, ramp=0.5, peak=2.0, max_backlog=30.0)
assert demand.max() > params["capacity"] and demand.sum() < T * params["capacity"]


def total_cost(demand):
    sol = layer(demand=demand, **params)
    return sol.objective, sol


value_and_grad = jax.value_and_grad(total_cost, has_aux=True)
(cost, sol), grad = value_and_grad(jnp.asarray(demand))
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
make = np.asarray(sol.make)
stock = params["stock0"] + np.cumsum(make - demand)
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"total cost {float(cost):.4f}")
print("demand", np.round(demand, 1))
print("make  ", np.round(make, 1))
print("stock ", np.round(stock, 1))
print("d cost / d demand", np.round(np.asarray(grad), 3))

direction = np.random.default_rng(10).normal(size=T)
h = 1e-4
(plus, _), _ = value_and_grad(jnp.asarray(demand + h * direction))
(minus, _), _ = value_and_grad(jnp.asarray(demand - h * direction))
fd = (plus - minus) / (2 * h)
rel = float(abs(grad @ direction - fd) / abs(fd))
print(f"directional derivative {float(grad @ direction):.8f}, finite difference {float(fd):.8f}")
print(f"relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

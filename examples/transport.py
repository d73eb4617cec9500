"""Transportation LP: the marginal cost of demand is the demand constraint's dual.

Ships goods from 3 warehouses to 6 stores placed at random on a map, with
cost per unit equal to the distance and more supply than demand in total.
Prints the shipping plan, then differentiates the total cost with respect to
every store's demand: the gradient equals the dual of `demand_met` (the price
of one more unit at each store), and a directional central finite difference
of the layer checks it.
"""

from pathlib import Path

import jax
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("transport.kkt"))

rng = np.random.default_rng(3)
warehouses, stores = rng.random((3, 2)), rng.random((6, 2))
cost = np.linalg.norm(warehouses[:, None, :] - stores[None, :, :], axis=-1)
demand = rng.uniform(10, 30, size=6)
supply = np.array([0.5, 0.3, 0.4]) * demand.sum()  # 120% of total demand
assert supply.sum() >= demand.sum()


def total_cost(demand):
    sol = layer(cost=cost, supply=supply, demand=demand)
    return sol.objective, sol


value_and_grad = jax.value_and_grad(total_cost, has_aux=True)

(value, sol), grad = value_and_grad(demand)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"total cost {float(value):.4f}")
print("shipping plan (warehouse x store):")
print(np.round(np.asarray(sol.ship), 2))
print("shipped from each warehouse", np.round(np.asarray(sol.ship).sum(axis=1), 2), "of", np.round(supply, 2))
print("d cost / d demand ", np.round(np.asarray(grad), 4))
print("dual of demand_met", np.round(np.asarray(sol.duals["demand_met"]), 4))

direction = rng.normal(size=6)
h = 1e-4
(plus, _), _ = value_and_grad(demand + h * direction)
(minus, _), _ = value_and_grad(demand - h * direction)
fd = (plus - minus) / (2 * h)
analytic = grad @ direction
rel = float(abs(analytic - fd) / abs(fd))
print(f"directional derivative {float(analytic):.8f}, finite difference {float(fd):.8f}")
print(f"relative error {rel:.2e}")
if rel > 1e-4 or not np.allclose(grad, sol.duals["demand_met"], atol=1e-6):
    raise SystemExit("gradient check failed")

"""Water-filling: the optimal power allocation and the value of more power.

Six channels with different noise levels share a power budget. The solution
of water_filling.kkt fills every channel up to a common water level L
(power_i = max(L - noise_i, 0)), and the marginal capacity of the budget is
1 / L, the dual of the budget constraint. The script checks both, and the
gradient of capacity with respect to the budget against a central finite
difference of the layer.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("water_filling.kkt"))

noise = np.array([0.5, 1.8, 1.0, 0.3, 2.5, 1.2])
total = 3.0


def capacity(total):
    sol = layer(noise=noise, total=total)
    return sol.objective, sol


value_and_grad = jax.value_and_grad(capacity, has_aux=True)
(value, sol), grad = value_and_grad(jnp.asarray(total))
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
power = np.asarray(sol.power)
active = power > 1e-6
level = np.mean((noise + power)[active])
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"capacity {float(value):.6f}")
print("noise   ", noise)
print("power   ", np.round(power, 5))
print(f"water level {level:.5f}; closed form power", np.round(np.maximum(level - noise, 0), 5))
print(
    f"d capacity / d total = {float(grad):.6f}; 1 / level = {1 / level:.6f}; "
    f"dual of budget = {float(sol.duals['budget']):.6f}"
)

h = 1e-5
(plus, _), _ = value_and_grad(jnp.asarray(total + h))
(minus, _), _ = value_and_grad(jnp.asarray(total - h))
fd = (plus - minus) / (2 * h)
rel = float(abs(grad - fd) / abs(fd))
print(f"finite difference {float(fd):.6f}, relative error {rel:.2e}")
if rel > 1e-4 or abs(float(grad) - 1 / level) > 1e-6:
    raise SystemExit("gradient check failed")

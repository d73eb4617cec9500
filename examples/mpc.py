"""Model predictive control: the optimal first input and its feedback gain.

Two lightly damped oscillators (4 states, 2 inputs, sampled at 0.2 s) start
away from rest; mpc.kkt plans 10 steps with bounded inputs. The script prints
the planned inputs, the Jacobian d u_0 / d x0 (the local linear feedback law
the MPC implements), and checks the gradient of the optimal cost with respect
to the initial state against a central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("mpc.kkt"))

# Continuous-time oscillators (position, velocity) x 2, each with its own input.
omega, damping, dt = np.array([1.0, 2.0]), 0.1, 0.2
Ac = np.zeros((4, 4))
for i, w in enumerate(omega):
    Ac[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = [[0.0, 1.0], [-(w**2), -2 * damping * w]]
Bc = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
A = np.asarray(jax.scipy.linalg.expm(Ac * dt))
B = np.linalg.solve(Ac, (A - np.eye(4)) @ Bc)  # zero-order hold
print("spectral radius of A:", np.round(np.max(np.abs(np.linalg.eigvals(A))), 4))

x0 = jnp.array([1.0, 0.0, -0.5, 0.5])
params = dict(A=A, B=B, rho=0.1, u_max=1.3)


def cost_and_first_input(x0):
    sol = layer(x0=x0, **params)
    return (sol.objective, sol.u[:, 0]), sol


# One forward-mode pass gives both the cost's gradient and the first input's Jacobian.
derivatives = jax.jacfwd(cost_and_first_input, has_aux=True)
(grad, gain), sol = derivatives(x0)
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"optimal cost {float(sol.objective):.6f}")
print("inputs u (rows: inputs, columns: steps):")
print(np.round(np.asarray(sol.u[:, :-1]), 3))
print("final state", np.round(np.asarray(sol.x[:, -1]), 4))
print("feedback gain d u_0 / d x0:")
print(np.round(np.asarray(gain), 3))
print("d cost / d x0", np.round(np.asarray(grad), 5))

direction = jnp.array([0.5, -1.0, 0.3, 0.8])
h = 1e-5
plus = derivatives(x0 + h * direction)[1].objective
minus = derivatives(x0 - h * direction)[1].objective
fd = (plus - minus) / (2 * h)
rel = float(abs(grad @ direction - fd) / abs(fd))
print(f"directional derivative {float(grad @ direction):.8f}, finite difference {float(fd):.8f}")
print(f"relative error {rel:.2e}")
if rel > 1e-4:
    raise SystemExit("gradient check failed")

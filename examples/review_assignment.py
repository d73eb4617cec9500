"""Reviewer assignment (an LP relaxation) that comes out integral.

Eight authors, each with a paper, review two papers each and every paper
gets two reviews; affinity is the match between a reviewer's and a paper's
topics. The constraint matrix is totally unimodular, so the LP optimum is a
0/1 assignment. By the envelope theorem the gradient of the optimal total
affinity with respect to the affinity matrix is the assignment itself; the
script checks that, and a directional central finite difference.
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import kktc as kc

jax.config.update("jax_enable_x64", True)

layer = kc.load(Path(__file__).with_name("review_assignment.kkt"))

rng = np.random.default_rng(11)
n, topics = 8, 3
expertise = rng.dirichlet(np.ones(topics), size=n)  # what each author knows (and writes about)
papers = np.clip(expertise + 0.2 * rng.normal(size=(n, topics)), 0, None)
affinity = expertise @ papers.T + 0.05 * rng.random((n, n))
load = 2.0


def total_affinity(affinity):
    sol = layer(affinity=affinity, load=load)
    return sol.objective, sol


value_and_grad = jax.value_and_grad(total_affinity, has_aux=True)
(best, sol), grad = value_and_grad(jnp.asarray(affinity))
if sol.status != kc.Status.SOLVED:
    raise SystemExit(f"solve failed: {kc.Status(int(sol.status)).name}")
assign = np.asarray(sol.assign)
integral = bool(np.allclose(assign, np.round(assign), atol=1e-5))
print(f"status {kc.Status(int(sol.status)).name} after {int(sol.iterations)} iterations")
print(f"total affinity {float(best):.5f}; integral solution: {integral}")
for reviewer in range(n):
    print(f"  reviewer {reviewer} reviews papers {np.flatnonzero(assign[reviewer] > 0.5)}")
gap = float(np.max(np.abs(np.asarray(grad) - assign)))
print(f"max |d total / d affinity - assign| = {gap:.2e}")

direction = rng.normal(size=(n, n))
h = 1e-5
(plus, _), _ = value_and_grad(jnp.asarray(affinity + h * direction))
(minus, _), _ = value_and_grad(jnp.asarray(affinity - h * direction))
fd = (plus - minus) / (2 * h)
analytic = jnp.sum(grad * direction)
rel = float(abs(analytic - fd) / abs(fd))
print(f"directional derivative {float(analytic):.8f}, finite difference {float(fd):.8f}")
print(f"relative error {rel:.2e}")
if rel > 1e-4 or gap > 1e-4 or not integral:
    raise SystemExit("check failed")

"""The QP interior point's first step is Mehrotra's start (as in CVXOPT), taken by the step's own solve."""

import jax.numpy as jnp
import numpy as np

from kktc.runtime._driver import RUNNING
from kktc.runtime._qp_ipm import QPData, QPInteriorPoint
from kktc.runtime._qp_rows import Pairs


def random_qp(n=8, m=12, p=3, seed=0):
    rng = np.random.default_rng(seed)
    B, G, A = rng.normal(size=(n, n)), rng.normal(size=(m, n)), rng.normal(size=(p, n))
    x0 = rng.normal(size=n)
    return QPData(*(jnp.asarray(v) for v in (B @ B.T, rng.normal(size=n), G, G @ x0 + rng.uniform(0.1, 1, m),
                                             A, A @ x0)))


def cvxopt_start(d: QPData):
    """The least-squares point of [[P, Gᵀ, Aᵀ], [G, −I, 0], [A, 0, 0]], δ = 1, shifted inside."""
    P, q, G, h, A, b = (np.asarray(v) for v in d)
    n, p = len(q), len(b)
    K = np.block([[P + G.T @ G + np.eye(n), A.T], [A, -np.eye(p)]])
    sol = np.linalg.solve(K, np.concatenate([-q + G.T @ h, b]))
    x, y = sol[:n], sol[n:]
    r = G @ x - h

    def inside(v):
        return v + (1 + max(-v)) * (max(-v) >= 0)

    return x, inside(-r), inside(r), y


def test_the_first_step_computes_the_start():
    solver = QPInteriorPoint(1e-9, 1e-11, 1e-10, Pairs(np.zeros(0, int), np.zeros(0, int)))
    problem = solver.setup(random_qp())
    state = solver.init(problem)
    status, residual = solver.check(state, problem)
    assert (int(status), float(residual)) == (RUNNING, np.inf)  # nothing measured before the start
    state = solver.step(state, problem)
    assert bool(state.started)
    for ours, theirs in zip(state.point, cvxopt_start(problem.scaled)):
        np.testing.assert_allclose(np.asarray(ours), theirs, rtol=1e-10, atol=1e-12)
    assert all(np.array_equal(a, b) for a, b in zip(state.start, state.point))  # kept for a restart
    assert float(state.best_residual) < np.inf

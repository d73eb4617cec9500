"""A primal-dual interior-point method for LPs and QPs (Mehrotra predictor-corrector).

    minimize ½ xᵀPx + qᵀx   subject to   Gx + s = h, s >= 0,   Ax = b

The step itself is shared with the smooth method (``_mehrotra``).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ._driver import RUNNING
from ._mehrotra import Linearization, dual_infeasible, mehrotra_direction, primal_infeasible, reduced_solver
from ._status import Status


class QPData(NamedTuple):
    P: jax.Array
    q: jax.Array
    G: jax.Array
    h: jax.Array
    A: jax.Array
    b: jax.Array


class QPState(NamedTuple):
    x: jax.Array
    s: jax.Array
    z: jax.Array  # λ, the inequality multipliers
    y: jax.Array  # ν, the equality multipliers


def extract(f, g, h, n: int, theta, dtype) -> QPData:
    """P, q, G, h, A, b of a quadratic f and affine g, h, by differentiating at z = 0."""
    zero = jnp.zeros((n,), dtype)
    fz = lambda z: f(z, theta)  # noqa: E731
    P = jax.hessian(fz)(zero)
    q = jax.grad(fz)(zero)
    G = jax.jacfwd(lambda z: g(z, theta))(zero)
    A = jax.jacfwd(lambda z: h(z, theta))(zero)
    return QPData(P, q, G, -g(zero, theta), A, -h(zero, theta))


class QPInteriorPoint:
    """Mehrotra's predictor-corrector method on the reduced (normal-equations-like) system."""

    def __init__(self, tol: float, reg: float, infeasibility_tol: float):
        self.tol = tol
        self.reg = reg
        self.inf_tol = infeasibility_tol

    def init(self, d: QPData) -> QPState:
        n, m = d.P.shape[0], d.G.shape[0]
        solve = reduced_solver(d.P, d.G, d.A, jnp.ones((m,), d.P.dtype), self.reg)
        sol = solve(jnp.concatenate([-d.q + d.G.T @ d.h, d.b]))
        x, y = sol[:n], sol[n:]
        s = d.h - d.G @ x
        s = s + jnp.maximum(0.0, 1.0 - jnp.min(s, initial=1.0))
        return QPState(x, s, jnp.ones((m,), d.P.dtype), y)

    def warm(self, d: QPData, w) -> QPState:
        """A start near a previous solution, pushed back into the interior."""
        x, z, y = w
        floor = jnp.sqrt(self.tol)
        return QPState(x, jnp.maximum(d.h - d.G @ x, floor), jnp.maximum(z, floor), y)

    def step(self, st: QPState, d: QPData) -> QPState:
        x, s, z, y = st
        lin = Linearization(
            d.P, d.P @ x + d.q + d.G.T @ z + d.A.T @ y, d.G, d.G @ x + s - d.h, d.A, d.A @ x - d.b
        )
        step = mehrotra_direction(lin, s, z, self.reg)
        alpha = 0.99 * step.alpha
        return QPState(x + alpha * step.dx, s + alpha * step.ds, z + alpha * step.dz, y + alpha * step.dy)

    def check(self, st: QPState, d: QPData) -> tuple[jax.Array, jax.Array]:
        x, s, z, y = st
        inf = lambda v: jnp.max(jnp.abs(v), initial=0.0)  # noqa: E731
        Px = d.P @ x
        objective = 0.5 * jnp.dot(x, Px) + jnp.dot(d.q, x)
        r_d = inf(Px + d.q + d.G.T @ z + d.A.T @ y) / (1 + inf(d.q) + inf(Px))
        r_p = jnp.maximum(inf(d.G @ x + s - d.h), inf(d.A @ x - d.b)) / (1 + inf(d.h) + inf(d.b))
        gap = jnp.dot(s, z) / (1 + jnp.abs(objective))
        residual = jnp.maximum(jnp.maximum(r_d, r_p), gap)
        solved = residual <= self.tol
        # The iterates diverge along a certificate when no solution exists.
        primal = primal_infeasible(d.G, d.h, d.A, d.b, z, y, self.inf_tol)
        dual = dual_infeasible(d.P, d.q, d.G, d.A, x, self.inf_tol)
        status = jnp.where(
            solved, Status.SOLVED,
            jnp.where(primal, Status.PRIMAL_INFEASIBLE,
                      jnp.where(dual, Status.DUAL_INFEASIBLE, RUNNING)),
        )
        return status.astype(jnp.int32), residual

    def result(self, st: QPState, d: QPData):
        return st.x, st.z, st.y

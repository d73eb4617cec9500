"""A primal-dual interior-point method for LPs and QPs (Mehrotra predictor-corrector).

    minimize ½ xᵀPx + qᵀx   subject to   Gx + s = h, s >= 0,   Ax = b

Each iteration factors the reduced system [[P + GᵀWG + δI, Aᵀ], [A, −δI]]
(W = diag(λ/s)) once, solves it for the predictor and the corrector, and
refines each solve once against the unregularised system.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.linalg import lu_factor, lu_solve

from ._driver import RUNNING
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


def _max_step(v: jax.Array, dv: jax.Array) -> jax.Array:
    """The largest α in (0, 1] with v + α dv >= 0."""
    ratios = jnp.where(dv < 0, -v / jnp.where(dv < 0, dv, -1), jnp.inf)
    return jnp.minimum(1.0, jnp.min(ratios, initial=jnp.inf))


class QPInteriorPoint:
    """Mehrotra's predictor-corrector method on the reduced (normal-equations-like) system."""

    def __init__(self, tol: float, reg: float, infeasibility_tol: float):
        self.tol = tol
        self.reg = reg
        self.inf_tol = infeasibility_tol

    def _matrix(self, d: QPData, w: jax.Array, reg: float) -> jax.Array:
        n, p = d.P.shape[0], d.A.shape[0]
        top = d.P + (d.G.T * w) @ d.G + reg * jnp.eye(n, dtype=d.P.dtype)
        return jnp.block([[top, d.A.T], [d.A, -reg * jnp.eye(p, dtype=d.P.dtype)]])

    def _solver(self, d: QPData, w: jax.Array):
        """A solve with the regularised factorization, refined once against the exact matrix."""
        exact = self._matrix(d, w, 0.0)
        lu = lu_factor(self._matrix(d, w, self.reg))

        def solve(rhs):
            sol = lu_solve(lu, rhs)
            return sol + lu_solve(lu, rhs - exact @ sol)

        return solve

    def init(self, d: QPData) -> QPState:
        n, m = d.P.shape[0], d.G.shape[0]
        solve = self._solver(d, jnp.ones((m,), d.P.dtype))
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
        n, m = d.P.shape[0], max(d.G.shape[0], 1)
        x, s, z, y = st
        r_d = d.P @ x + d.q + d.G.T @ z + d.A.T @ y
        r_p = d.G @ x + s - d.h
        r_e = d.A @ x - d.b
        solve = self._solver(d, z / s)

        def newton(r_c):
            rhs = jnp.concatenate([-r_d - d.G.T @ ((z * r_p - r_c) / s), -r_e])
            sol = solve(rhs)
            dx, dy = sol[:n], sol[n:]
            Gdx = d.G @ dx
            return dx, -r_p - Gdx, (z * Gdx + z * r_p - r_c) / s, dy

        mu = jnp.dot(s, z) / m
        dx_a, ds_a, dz_a, _ = newton(s * z)
        alpha_a = jnp.minimum(_max_step(s, ds_a), _max_step(z, dz_a))
        mu_a = jnp.dot(s + alpha_a * ds_a, z + alpha_a * dz_a) / m
        sigma = jnp.clip((mu_a / jnp.maximum(mu, 1e-300)) ** 3, 0.0, 1.0)
        dx, ds, dz, dy = newton(s * z + ds_a * dz_a - sigma * mu)
        alpha = 0.99 * jnp.minimum(_max_step(s, ds), _max_step(z, dz))
        alpha = jnp.minimum(alpha, 1.0)
        return QPState(x + alpha * dx, s + alpha * ds, z + alpha * dz, y + alpha * dy)

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
        # Farkas certificates: the iterates diverge along them when no solution exists.
        dual_ray = -(jnp.dot(d.h, z) + jnp.dot(d.b, y))
        primal_infeasible = (dual_ray > 0) & (
            inf(d.G.T @ z + d.A.T @ y) <= self.inf_tol * dual_ray
        ) & (dual_ray > 1 / self.inf_tol)
        descent = -jnp.dot(d.q, x)
        worst = jnp.maximum(jnp.maximum(inf(Px), inf(d.A @ x)), jnp.max(jnp.maximum(d.G @ x, 0.0), initial=0.0))
        dual_infeasible = (descent > 0) & (worst <= self.inf_tol * descent) & (descent > 1 / self.inf_tol)
        status = jnp.where(
            solved, Status.SOLVED,
            jnp.where(primal_infeasible, Status.PRIMAL_INFEASIBLE,
                      jnp.where(dual_infeasible, Status.DUAL_INFEASIBLE, RUNNING)),
        )
        return status.astype(jnp.int32), residual

    def result(self, st: QPState, d: QPData):
        return st.x, st.z, st.y

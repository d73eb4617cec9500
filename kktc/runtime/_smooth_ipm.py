"""A primal-dual interior-point method for smooth convex problems, with exact Hessians from JAX.

    minimize f(x)   subject to   g(x) + s = 0, s >= 0,   h(x) = 0

Each iteration linearizes at x (Hessian of the Lagrangian, Jacobians of g
and h), takes the shared Mehrotra step, and backtracks from the step to the
boundary until f, g and h are finite (the atoms' domains). Entries of x that
an atom's domain needs positive start at 1; their rows ``-x <= 0`` are
linear, so Newton steps keep ``s = x`` there and x stays interior.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._driver import RUNNING
from ._mehrotra import Linearization, mehrotra_direction, primal_infeasible
from ._status import Status

BACKTRACKS = 12


class SmoothState(NamedTuple):
    x: jax.Array
    s: jax.Array
    z: jax.Array  # λ
    y: jax.Array  # ν


class SmoothInteriorPoint:
    """The smooth method; ``data`` is the parameter pytree θ handed to f, g, h."""

    def __init__(self, f: Callable, g: Callable, h: Callable, n: int, positive: np.ndarray, dtype,
                 tol: float, reg: float, inf_tol: float):
        self.f, self.g, self.h = f, g, h
        self.n = n
        self.positive = jnp.asarray(positive)
        self.dtype = dtype
        self.tol = tol
        self.reg = reg
        self.inf_tol = inf_tol

    def _linearize(self, st: SmoothState, theta) -> tuple[Linearization, jax.Array]:
        x, s, z, y = st
        lagrangian = lambda v: self.f(v, theta) + z @ self.g(v, theta) + y @ self.h(v, theta)  # noqa: E731
        grad_f = jax.grad(self.f)(x, theta)
        G = jax.jacfwd(self.g)(x, theta)
        A = jax.jacfwd(self.h)(x, theta)
        H = jax.hessian(lagrangian)(x)
        lin = Linearization(H, grad_f + G.T @ z + A.T @ y, G, self.g(x, theta) + s, A, self.h(x, theta))
        return lin, grad_f

    def init(self, theta) -> SmoothState:
        x = jnp.where(self.positive, 1.0, 0.0).astype(self.dtype)
        g0 = self.g(x, theta)
        s = jnp.where(-g0 > 0, -g0, 1.0)
        m, p = g0.shape[0], self.h(x, theta).shape[0]
        return SmoothState(x, s, jnp.ones((m,), self.dtype), jnp.zeros((p,), self.dtype))

    def warm(self, theta, w) -> SmoothState:
        x, z, y = w
        floor = jnp.sqrt(self.tol)
        x = jnp.where(self.positive, jnp.maximum(x, floor), x)
        return SmoothState(x, jnp.maximum(-self.g(x, theta), floor), jnp.maximum(z, floor), y)

    def _finite_at(self, x, theta) -> jax.Array:
        values = (self.f(x, theta), self.g(x, theta), self.h(x, theta))
        return jnp.all(jnp.array([jnp.all(jnp.isfinite(v)) for v in values]))

    def step(self, st: SmoothState, theta) -> SmoothState:
        lin, _ = self._linearize(st, theta)
        d = mehrotra_direction(lin, st.s, st.z, self.reg)
        candidates = 0.99 * d.alpha * 0.5 ** jnp.arange(BACKTRACKS, dtype=self.dtype)
        ok = jax.vmap(lambda a: self._finite_at(st.x + a * d.dx, theta))(candidates)
        alpha = jnp.where(jnp.any(ok), candidates[jnp.argmax(ok)], 0.0)
        return SmoothState(st.x + alpha * d.dx, st.s + alpha * d.ds, st.z + alpha * d.dz, st.y + alpha * d.dy)

    def check(self, st: SmoothState, theta) -> tuple[jax.Array, jax.Array]:
        lin, grad_f = self._linearize(st, theta)
        inf = lambda v: jnp.max(jnp.abs(v), initial=0.0)  # noqa: E731
        objective = self.f(st.x, theta)
        r_d = inf(lin.r_d) / (1 + inf(grad_f))
        r_p = jnp.maximum(inf(lin.r_p), inf(lin.r_e)) / (1 + inf(st.s))
        gap = jnp.dot(st.s, st.z) / (1 + jnp.abs(objective))
        residual = jnp.maximum(jnp.maximum(r_d, r_p), gap)
        # g and h linearized at x: G v - h_lin <= 0, A v - b_lin = 0
        h_lin = lin.G @ st.x - (lin.r_p - st.s)
        b_lin = lin.A @ st.x - lin.r_e
        infeasible = primal_infeasible(lin.G, h_lin, lin.A, b_lin, st.z, st.y, self.inf_tol)
        status = jnp.where(residual <= self.tol, Status.SOLVED, jnp.where(infeasible, Status.PRIMAL_INFEASIBLE, RUNNING))
        return status.astype(jnp.int32), residual

    def result(self, st: SmoothState, theta):
        return st.x, st.z, st.y

"""A primal-dual interior-point method for smooth convex problems, with exact Hessians from JAX.

    minimize f(x)   subject to   g(x) + s = 0, s >= 0,   h(x) = 0

Each iteration linearizes at x (Hessian of the Lagrangian, Jacobians of g
and h) and takes the Newton step for the KKT residual with complementarity
aimed at σμ (σ from Mehrotra's predictor; no second-order corrector, so that
the step is a descent direction for the residual's norm). It backtracks from
the step to the boundary until that residual decreases enough, with f, g and
h finite (the atoms' domains): without this merit a nonlinear constraint (a
norm bound, say) lets the full step overshoot and the iterates cycle. The
target σμ is kept above the primal infeasibility: a slack that reaches 0
while g > 0 stalls the method. After PATIENCE steps of little progress (no
solution exists, typically) it takes Mehrotra's predictor-corrector step
unguarded, as far as the domain allows, so that the multipliers of an
infeasible problem diverge along the certificate check() recognises. Entries of x that an atom's domain needs
positive start at 1; their rows ``-x <= 0`` are linear, so Newton steps keep
``s = x`` there and x stays interior.
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
STALL, PATIENCE = 0.05, 10  # after PATIENCE steps that each gain under 5%, step unguarded
_NO_STALLS = np.int32(0)


class SmoothState(NamedTuple):
    x: jax.Array
    s: jax.Array
    z: jax.Array  # λ
    y: jax.Array  # ν
    stalls: jax.Array  # how many steps in a row reduced the merit by less than STALL


class SmoothInteriorPoint:
    """The smooth method; ``data`` is the parameter pytree θ handed to f, g, h."""

    def __init__(self, f: Callable, g: Callable, h: Callable, n: int, positive: np.ndarray, dtype,
                 tol: float, reg: float, inf_tol: float):
        self.f, self.g, self.h = f, g, h
        self.n = n
        self.positive = np.asarray(positive)  # numpy: the solver may be built inside a trace
        self.dtype = dtype
        self.tol = tol
        self.reg = reg
        self.inf_tol = inf_tol

    def _linearize(self, st: SmoothState, theta) -> tuple[Linearization, jax.Array]:
        x, s, z, y = st.x, st.s, st.z, st.y
        lagrangian = lambda v: self.f(v, theta) + z @ self.g(v, theta) + y @ self.h(v, theta)  # noqa: E731
        grad_f = jax.grad(self.f)(x, theta)
        G = jax.jacfwd(self.g)(x, theta)
        A = jax.jacfwd(self.h)(x, theta)
        H = jax.hessian(lagrangian)(x)
        lin = Linearization(H, grad_f + z @ G + y @ A, G, self.g(x, theta) + s, A, self.h(x, theta))
        return lin, grad_f

    def init(self, theta) -> SmoothState:
        x = jnp.where(self.positive, 1.0, 0.0).astype(self.dtype)
        g0 = self.g(x, theta)
        s = jnp.where(-g0 > 0, -g0, 1.0)
        m, p = g0.shape[0], self.h(x, theta).shape[0]
        return SmoothState(x, s, jnp.ones((m,), self.dtype), jnp.zeros((p,), self.dtype), _NO_STALLS)

    def warm(self, theta, w) -> SmoothState:
        x, z, y = w
        floor = jnp.sqrt(self.tol)
        x = jnp.where(self.positive, jnp.maximum(x, floor), x)
        return SmoothState(x, jnp.maximum(-self.g(x, theta), floor), jnp.maximum(z, floor), y, _NO_STALLS)

    def _merit(self, st: SmoothState, theta, target: jax.Array) -> jax.Array:
        """‖F‖² with complementarity aimed at ``target``; inf outside the atoms' domains."""
        x, s, z, y = st.x, st.s, st.z, st.y
        lagrangian = lambda v: self.f(v, theta) + z @ self.g(v, theta) + y @ self.h(v, theta)  # noqa: E731
        parts = (jax.grad(lagrangian)(x), self.g(x, theta) + s, self.h(x, theta), s * z - target)
        value = sum(jnp.sum(p * p) for p in parts)
        return jnp.where(jnp.isfinite(value) & jnp.isfinite(self.f(x, theta)), value, jnp.inf)

    def step(self, st: SmoothState, theta) -> SmoothState:
        lin, _ = self._linearize(st, theta)
        # complementarity must not vanish before feasibility: a slack at 0 with g > 0 stalls the method
        mu = jnp.dot(st.s, st.z) / max(st.s.shape[0], 1)
        infeasibility = jnp.max(jnp.abs(lin.r_p), initial=0.0) * jnp.max(st.z, initial=0.0)
        stalled = st.stalls >= PATIENCE
        floor = jnp.where(stalled, 0.0, jnp.minimum(mu, infeasibility))
        d = mehrotra_direction(lin, st.s, st.z, self.reg, corrector=stalled, floor=floor)

        def move(alpha):
            return SmoothState(st.x + alpha * d.dx, st.s + alpha * d.ds, st.z + alpha * d.dz,
                               st.y + alpha * d.dy, st.stalls)

        candidates = 0.99 * d.alpha * 0.5 ** jnp.arange(BACKTRACKS, dtype=self.dtype)
        merits = jax.vmap(lambda a: self._merit(move(a), theta, d.target))(candidates)
        current = self._merit(st, theta, d.target)
        # The longest step with sufficient decrease, else the best one tried. When that stalls
        # (as it does when no solution exists), Mehrotra's step as far as the domain allows,
        # unguarded: the multipliers of an infeasible problem then run off along the
        # certificate that check() recognises.
        decrease = merits <= (1 - 1e-4 * candidates) * current
        finite = jnp.isfinite(merits)
        guarded = jnp.where(jnp.any(decrease), jnp.argmax(decrease), jnp.argmin(merits))
        k = jnp.where(stalled, jnp.argmax(finite), guarded)
        stalls = jnp.where(merits[k] > (1 - STALL) * current, st.stalls + 1, 0)
        return move(jnp.where(finite[k], candidates[k], 0.0))._replace(stalls=stalls)

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
        combination = st.z @ lin.G + st.y @ lin.A
        infeasible = primal_infeasible(h_lin, b_lin, st.z, st.y, combination, self.inf_tol)
        status = jnp.where(residual <= self.tol, Status.SOLVED, jnp.where(infeasible, Status.PRIMAL_INFEASIBLE, RUNNING))
        return status.astype(jnp.int32), residual

    def finish(self, st: SmoothState, theta) -> SmoothState:
        return st

    def result(self, st: SmoothState, theta):
        return st.x, st.z, st.y

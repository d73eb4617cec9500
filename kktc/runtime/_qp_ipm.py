"""A primal-dual interior-point method for LPs and QPs (Mehrotra predictor-corrector).

    minimize ½ xᵀPx + qᵀx   subject to   Gx + s = h, s >= 0,   Ax = b

The data is equilibrated first (``_qp_scaling``) and the iterates live in the
scaled space; the stopping test is on the original data: relative primal
infeasibility, dual residual and duality gap. Chains whose two sides meet are
held as equalities (``_qp_rows``), and so are the rows of Ax = b: once scaled
they join G's rows (a sign-free multiplier, weight 1/δ in the reduced matrix),
so that every solve factors one matrix with no second block for A. That is the
system [[M, Aᵀ], [A, −δI]] with ν eliminated; at B = 128, n = 50 the compiled
program has 194 instead of 235 fused kernels and 31 instead of 58 products,
compiles ~1.5 s faster and runs 0.87× the time (B = 1: 0.76×). The step itself
is shared with the smooth method (``_mehrotra``). The finish step polishes the
active set (``_qp_polish``), once the residual is small and again at the end; a
solve that stalled starts over once, with its equality rows held tighter.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ._driver import FINISH, RUNNING
from ._jacobian import at_zero, jacobian
from ._mehrotra import (
    Linearization,
    Rows,
    dual_infeasible,
    mehrotra_direction,
    primal_infeasible,
    reduced_solver,
)
from ._qp_polish import polish
from ._qp_rows import Pairs, classify, from_rows, to_rows
from ._qp_scaling import Scaling, equilibrate
from ._reductions import inf_norm
from ._packing import select
from ._status import Status

#: The dual regularization δ of rows held as equalities, per float width (in the scaled problem),
#: follows the relative duality gap between these bounds: each step leaves Gx − h = δ·Δλ on them,
#: and a δ that stayed large while the gap closes would let the barrier lock in bounds before those
#: rows hold (QCAPRI). The gap, not μ: μ carries the objective's scale, and where it stays large
#: (QFORPLAN: μ ≈ 1e2 at a relative gap of 1e-7) δ stuck at its upper bound and so did the rows.
EQUALITY_REG = {8: (1e-10, 1e-6), 4: (1e-5, 1e-3)}
#: δ's upper bound once a stalled solve has started over. Neither bound suits every problem:
#: with 1e-9 from the start QPCBOEI2 is solved but QBEACONF, QBORE3D and QGROW22 are lost.
RESTART_EQUALITY_REG = {8: 1e-9, 4: 1e-4}


#: The relative gap below which the complementarity target stops falling, as a fraction of the
#: tolerance, per float width. Past it the weights λ/s only lose digits: the reduced solve's
#: error grows with them, and the dual residual with it. In float64 a random n = 100 QP reached
#: 1.0e-9 and then stalled for 30 steps; in float32 the dual residual jumps from 4e-5 to 5e-4
#: once the gap passes ~1e-6, and at 0.1·tol only 76 of 128 random n = 50 QPs were solved (all
#: 128 at 0.5·tol). The float64 floor stays far below the tolerance, as a floor biases
#: degenerate solutions by about √floor.
COMPLEMENTARITY_FLOOR = {8: 1e-3, 4: 0.5}


class QPData(NamedTuple):
    P: jax.Array
    q: jax.Array
    G: jax.Array
    h: jax.Array
    A: jax.Array
    b: jax.Array


class QPProblem(NamedTuple):
    """The data as given, as scaled (A's rows joined to G's, A empty), and the kinds of the rows."""

    original: QPData
    scaled: QPData
    scaling: Scaling
    rows: Rows  # of the scaled G: those of the original G, then A's, held as equalities
    equal: jax.Array  # per candidate pair: held as an equality


class Point(NamedTuple):
    x: jax.Array
    s: jax.Array
    z: jax.Array  # λ, the inequality multipliers
    y: jax.Array  # ν, the equality multipliers: none in the scaled problem (A's rows are G's)


class Products(NamedTuple):
    """The scaled data's products with a point: measured after a step, used by the next one."""

    Px: jax.Array
    Gx: jax.Array
    Gz: jax.Array  # Gᵀλ


def products_at(point: Point, d: QPData) -> Products:
    return Products(d.P @ point.x, d.G @ point.x, point.z @ d.G)


class QPState(NamedTuple):
    point: Point  # the current iterate (scaled)
    products: Products  # of the current iterate
    start: Point  # the starting point, kept for a restart
    start_products: Products  # of the starting point
    best: Point  # the iterate with the smallest residual so far: what the solve returns
    best_residual: jax.Array
    stalls: jax.Array  # steps since the best residual last fell
    primal_infeasible: jax.Array  # the current iterate certifies it (see ``_measure``)
    dual_infeasible: jax.Array
    polishes: jax.Array  # how often the finish step has run (``finish``)
    restarts: jax.Array  # 1 once the solve has started over (``finish``)


#: The residuals, per float width, at which the solve tries its finish step: polishing the active
#: set (``_qp_polish``). Where that reaches the tolerance the solve ends there, some iterations
#: early; where not, it iterates on to the next (and polishes once more at the end). On random
#: n = 100 QPs, with at most one correction, the polish succeeds from 1e-3 on 92 % of them and from
#: 1e-4 on 97 %, while the iterates need three to four more steps to the tolerance.
POLISH_FROM = {8: (1e-4,), 4: (1e-2,)}


#: Steps without a new best residual before the solve gives up as INACCURATE (keeping its best
#: iterate): in float32 the iterates can wander once rounding dominates the Newton steps.
PATIENCE = 30


def extract(f, g, h, n: int, theta, dtype) -> QPData:
    """P, q, G, h, A, b of a quadratic f and affine g, h, by differentiating at z = 0."""
    zero = jnp.zeros((n,), dtype)
    fz, gz, hz = (lambda z, c=c: c(z, theta) for c in (f, g, h))
    P = jacobian(jax.grad(fz), zero)
    G, A = jacobian(gz, zero), jacobian(hz, zero)
    q, g0, h0 = at_zero(lambda z: (jax.grad(fz)(z), gz(z), hz(z)), zero)
    return QPData(P, q, G, -g0, A, -h0)


class QPInteriorPoint:
    """Mehrotra's predictor-corrector method on the reduced (normal-equations-like) system."""

    def __init__(self, tol: float, reg: float, infeasibility_tol: float, pairs: Pairs):
        self.tol = tol
        self.reg = reg
        self.inf_tol = infeasibility_tol
        self.pairs = pairs

    def setup(self, d: QPData) -> QPProblem:
        rows, equal = classify(d.G, d.h, self.pairs)
        (P, q, G, h, A, b), scaling = equilibrate(*d)
        held = jnp.ones(b.shape, bool)
        rows = Rows(jnp.concatenate([rows.live, ~held]), jnp.concatenate([rows.equal, held]))
        scaled = QPData(P, q, jnp.concatenate([G, A]), jnp.concatenate([h, b]), A[:0], b[:0])
        return QPProblem(d, scaled, scaling, rows, equal)

    def init(self, pr: QPProblem) -> QPState:
        """Mehrotra's start (as in CVXOPT): the least-squares point, slacks and multipliers shifted inside."""
        d, rows = pr.scaled, pr.rows
        n = d.P.shape[0]
        held = rows.live | rows.equal
        w = jnp.where(held, 1.0, 0.0).astype(d.P.dtype)
        # δ = 1 keeps the point finite along directions no row or curvature bounds; so well
        # regularized a system needs no refinement (and a start no more digits)
        rhs = jnp.concatenate([-d.q + (w * d.h) @ d.G, d.b])
        sol = reduced_solver(d.P, d.G, d.A, w, 1.0, refinements=0)(rhs)
        x, y = sol[:n], sol[n:]
        r = jnp.where(held, d.G @ x - d.h, 0.0)  # z = Gx − h and s = −z solve the least-squares KKT system

        def inside(v):
            worst = jnp.max(jnp.where(rows.live, -v, -jnp.inf), initial=-jnp.inf)
            return jnp.where(rows.live, v + jnp.where(worst >= 0, 1 + worst, 0.0), 0.0)

        return self._start(Point(x, inside(-r), jnp.where(rows.equal, r, inside(r)), y), pr)

    def _start(self, point: Point, pr: QPProblem) -> QPState:
        products = products_at(point, pr.scaled)
        residual, primal, dual = self._measure(point, products, pr)
        zero = jnp.zeros((), jnp.int32)
        return QPState(point, products, point, products, point, residual, zero, primal, dual, zero, zero)

    def warm(self, pr: QPProblem, w) -> QPState:
        """A start near a previous solution (given unscaled), pushed back into the interior."""
        x, lam, y = w
        d, sc, rows = pr.scaled, pr.scaling, pr.rows
        floor = jnp.sqrt(self.tol)
        x = x / sc.D
        lam = from_rows(lam, _given(rows, sc), self.pairs, pr.equal)
        z = jnp.concatenate([sc.c * lam / sc.E, sc.c * y / sc.F])
        s = jnp.where(rows.live, jnp.maximum(d.h - d.G @ x, floor), 0.0)
        z = jnp.where(rows.live, jnp.maximum(z, floor), z)
        return self._start(Point(x, s, z, jnp.zeros_like(d.b)), pr)

    def step(self, st: QPState, pr: QPProblem) -> QPState:
        x, s, z, y = st.point
        Px, Gx, Gz = st.products
        d, rows = pr.scaled, pr.rows
        r_p = jnp.where(rows.live | rows.equal, Gx + s - d.h, 0.0)
        lin = Linearization(d.P, Px + d.q + Gz, d.G, r_p, d.A, jnp.zeros_like(d.b))
        objective = 0.5 * jnp.dot(x, Px) + jnp.dot(d.q, x)
        enough = COMPLEMENTARITY_FLOOR[x.dtype.itemsize] * self.tol * (pr.scaling.c + jnp.abs(objective))
        enough = enough / jnp.maximum(jnp.sum(rows.live, dtype=x.dtype), 1)
        lo, hi = EQUALITY_REG[x.dtype.itemsize]
        hi = jnp.where(st.restarts > 0, RESTART_EQUALITY_REG[x.dtype.itemsize], hi)
        relative_gap = jnp.sum(jnp.where(rows.live, s * z, 0.0)) / (pr.scaling.c + jnp.abs(objective))
        step = mehrotra_direction(lin, s, z, self.reg, floor=enough, rows=rows,
                                  equality_reg=jnp.clip(relative_gap, lo, hi), recentre=True)
        alpha = 0.99 * step.alpha
        point = Point(x + alpha * step.dx, s + alpha * step.ds, z + alpha * step.dz, y + alpha * step.dy)
        products = products_at(point, d)
        residual, primal, dual = self._measure(point, products, pr)
        better = residual < st.best_residual
        best = select(better, point, st.best)
        return st._replace(point=point, products=products, best=best,
                           best_residual=jnp.where(better, residual, st.best_residual),
                           stalls=jnp.where(better, 0, st.stalls + 1), primal_infeasible=primal,
                           dual_infeasible=dual)

    def finish(self, st: QPState, pr: QPProblem) -> QPState:
        """The best iterate polished on its active set (``_qp_polish``), where that lowers the residual."""

        def measure(point):
            point = Point(*point)
            return self._measure(point, products_at(point, pr.scaled), pr)[0]

        best, residual = polish(*pr.scaled, st.best, st.best_residual, pr.rows, measure, self.tol)
        st = st._replace(best=Point(*best), best_residual=residual, polishes=st.polishes + 1)
        stalled = (st.stalls >= PATIENCE) & (residual > self.tol) & (st.restarts == 0)
        # a stalled solve starts over from its starting point, holding its equality rows tighter
        restarted = st._replace(point=st.start, products=st.start_products,
                                stalls=jnp.zeros_like(st.stalls), restarts=jnp.ones_like(st.restarts))
        return select(stalled, restarted, st)

    def _measure(self, point: Point, products: Products,
                 pr: QPProblem) -> tuple[jax.Array, jax.Array, jax.Array]:
        """The relative residual of a point on the original data, and its certificates.

        The products with the original data are those with the scaled data (``products``), unscaled:
        the same sums, each term multiplied by one factor. Whether the point certifies primal or
        dual infeasibility: the iterates diverge along a certificate when no solution exists.
        """
        d, sc = pr.original, pr.scaling
        rows, m = _given(pr.rows, sc), sc.E.shape[0]
        x, lam, y = self._unscale(point, pr)
        s = point.s[:m] / sc.E
        Px, combination = products.Px / (sc.c * sc.D), products.Gz / (sc.c * sc.D)  # Gᵀλ + Aᵀν
        Gx, Ax = products.Gx[:m] / sc.E, products.Gx[m:] / sc.F
        objective = 0.5 * jnp.dot(x, Px) + jnp.dot(d.q, x)
        r_d = inf_norm(Px + d.q + combination) / (1 + inf_norm(Px, d.q, combination))
        r_g = jnp.where(rows.live | rows.equal, Gx + s - d.h, 0.0)
        r_p = inf_norm(r_g, Ax - d.b) / (1 + inf_norm(Gx, d.h, Ax, d.b))
        gap = jnp.sum(jnp.where(pr.rows.live, point.s * point.z, 0.0)) / sc.c / (1 + jnp.abs(objective))
        residual = jnp.maximum(jnp.maximum(r_d, r_p), gap)
        primal = primal_infeasible(d.h, d.b, lam, y, combination, self.inf_tol)
        dual = dual_infeasible(d.q, x, Px, Gx, Ax, self.inf_tol)
        return residual, primal, dual

    def check(self, st: QPState, pr: QPProblem) -> tuple[jax.Array, jax.Array]:
        residual = st.best_residual
        attempts = jnp.asarray(POLISH_FROM[residual.dtype.itemsize] + (0.0,), residual.dtype)  # 0: no more
        polish_now = residual <= attempts[jnp.minimum(st.polishes, attempts.shape[0] - 1)]
        verdicts = [
            (residual <= self.tol, Status.SOLVED),
            (polish_now, FINISH),
            (st.primal_infeasible, Status.PRIMAL_INFEASIBLE),
            (st.dual_infeasible, Status.DUAL_INFEASIBLE),
            (st.stalls >= PATIENCE, Status.INACCURATE),
        ]
        status = jnp.select([c for c, _ in verdicts], [v for _, v in verdicts], RUNNING)
        return status.astype(jnp.int32), residual

    def result(self, st: QPState, pr: QPProblem):
        """(x, λ, ν) of the best iterate, unscaled, λ for the original rows."""
        return self._unscale(st.best, pr)

    def _unscale(self, point: Point, pr: QPProblem):
        sc = pr.scaling
        m = sc.E.shape[0]
        lam = to_rows(sc.E * point.z[:m] / sc.c, _given(pr.rows, sc), self.pairs, pr.equal)
        return sc.D * point.x, lam, sc.F * point.z[m:] / sc.c


def _given(rows: Rows, sc: Scaling) -> Rows:
    """The kinds of the given G's rows (the solver's rows without A's)."""
    m = sc.E.shape[0]
    return Rows(rows.live[:m], rows.equal[:m])

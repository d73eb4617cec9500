"""One Mehrotra predictor-corrector step on a linearized KKT system.

Shared by the QP and the smooth interior-point methods. At a point with
slacks s > 0 and multipliers λ > 0 the Newton system

    H dx + Gᵀ dλ + Aᵀ dν = −r_d,   G dx + ds = −r_p,   A dx = −r_e,   λ∘ds + s∘dλ = −r_c

is reduced to [[H + GᵀWG + δI, Aᵀ], [A, −δI]] (W = diag(λ/s)), factored once,
and solved for the predictor (unrefined) and the corrector (refined twice).
The δ terms make it the Newton step of a proximal subproblem centred at the
current point (primal and dual proximal regularization): the step still
solves the original problem at convergence, and the matrix stays
nonsingular on degenerate problems (dependent rows, free directions).

Rows of G come in three kinds (``Rows``): inequalities with a slack, rows
held as equalities (a sign-free multiplier, weight 1/δ: the regularized
elimination of an equality), and rows switched off (multiplier 0).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._columns import times_columns, transposed_times_columns
from ._quasidefinite import quasidefinite_solver
from ._reductions import inf_norm
from ._packing import select

SHORT_STEP = 0.1  # a step to the boundary shorter than this recentres instead
REFINEMENTS = 2  # refinement steps of each solve against the unperturbed matrix


class Linearization(NamedTuple):
    """The KKT system linearized at the current point."""

    H: jax.Array  # Hessian of the Lagrangian (P for a QP)
    r_d: jax.Array  # ∇f + Gᵀλ + Aᵀν
    G: jax.Array  # Jacobian of g
    r_p: jax.Array  # g + s
    A: jax.Array  # Jacobian of h
    r_e: jax.Array  # h


class Rows(NamedTuple):
    """Per row of G: an inequality with a slack (``live``), an equality (``equal``), or neither (off)."""

    live: jax.Array
    equal: jax.Array


def all_live(m: int) -> Rows:
    return Rows(np.ones((m,), bool), np.zeros((m,), bool))


class Direction(NamedTuple):
    dx: jax.Array
    ds: jax.Array
    dz: jax.Array
    dy: jax.Array
    alpha: jax.Array  # the largest step keeping s and λ positive (at most 1)
    target: jax.Array  # the complementarity σμ the step aims at (λ∘s → σμ)


def max_step(v: jax.Array, dv: jax.Array) -> jax.Array:
    """The largest α in (0, 1] with v + α dv >= 0."""
    ratios = jnp.where(dv < 0, -v / jnp.where(dv < 0, dv, -1), jnp.inf)
    return jnp.minimum(1.0, jnp.min(ratios, initial=jnp.inf))


def reduced_solver(H, G, A, w, reg: float, refinements: int = REFINEMENTS):
    """Solve [[H + GᵀWG + δI, Aᵀ], [A, −δI]] (see ``_quasidefinite``)."""
    n, p = H.shape[0], A.shape[0]
    top = H + (G.T * w[None, :]) @ G
    a, b = jnp.full((n,), reg, H.dtype), jnp.full((p,), reg, H.dtype)
    return quasidefinite_solver(top, A, a, b, refinements, differentiable=False)


def mehrotra_direction(lin: Linearization, s: jax.Array, z: jax.Array, reg: float,
                       corrector: bool | jax.Array = True, floor: jax.Array | float = 0.0,
                       rows: Rows | None = None, equality_reg: float | jax.Array = 1.0,
                       recentre: bool = False) -> Direction:
    """The predictor-corrector direction and its step-to-boundary length.

    With ``corrector=False`` it is the plain Newton step for the residual with
    complementarity aimed at σμ (σ still from the predictor): a descent direction
    for that residual's norm, which a merit line search needs. ``floor`` is a
    lower bound on the target σμ. ``rows`` says which rows of G are
    inequalities (the default: all of them) and which equalities, held with
    the dual regularization ``equality_reg``. With ``recentre``, a step that
    would be shorter than SHORT_STEP aims at the central path instead.
    """
    n = lin.H.shape[0]
    live, equal = all_live(s.shape[0]) if rows is None else rows
    m = jnp.maximum(jnp.sum(live, dtype=s.dtype), 1)  # a float sum: see ``_reductions``
    s_live = jnp.where(live, s, 1.0)  # the other rows have no slack
    # dλ = w∘(G dx) + c: w = λ/s on inequalities, 1/δ on equalities, 0 on rows switched off
    w = jnp.where(live, z / s_live, jnp.where(equal, 1.0 / equality_reg, 0.0))
    solve = reduced_solver(lin.H, lin.G, lin.A, w, reg)

    def newton(*targets, refinements):
        """The Newton steps for several complementarity right-hand sides, from one solve.

        The right-hand sides are columns, solved together (see ``_columns`` for their products).
        """
        held = jnp.where(equal, lin.r_p / equality_reg, 0.0)
        cs = jnp.stack([jnp.where(live, (z * lin.r_p - r_c) / s_live, held) for r_c in targets], axis=1)
        k = len(targets)
        r_x = -lin.r_d[:, None] - transposed_times_columns(lin.G, cs)
        rhs = jnp.concatenate([r_x, jnp.tile(-lin.r_e[:, None], (1, k))])
        sol = solve(rhs, refinements)
        Gdx = times_columns(lin.G, sol[:n])
        return [direction(sol[:n, j], sol[n:, j], cs[:, j], Gdx[:, j]) for j in range(k)]

    def direction(dx, dy, c, Gdx):
        ds = jnp.where(live, -lin.r_p - Gdx, 0.0)
        dz = w * Gdx + c
        alpha = jnp.minimum(max_step(s_live, ds), max_step(jnp.where(live, z, 1.0), jnp.where(live, dz, 0.0)))
        return Direction(dx, ds, dz, dy, alpha, jnp.zeros_like(mu))

    sz = jnp.where(live, s * z, 0.0)
    mu = jnp.sum(sz) / m
    # the predictor only sets σ and the second-order term: it goes unrefined
    [affine] = newton(sz, refinements=0)
    a = affine.alpha
    mu_a = jnp.sum(jnp.where(live, (s + a * affine.ds) * (z + a * affine.dz), 0.0)) / m
    sigma = jnp.clip((mu_a / jnp.maximum(mu, jnp.finfo(s.dtype).tiny)) ** 3, 0.0, 1.0)
    target = jnp.maximum(sigma * mu, floor)
    second_order = jnp.where(corrector, affine.ds * affine.dz, 0.0)
    if not recentre:
        [step] = newton(sz + second_order - target, refinements=REFINEMENTS)
        return step._replace(target=target)
    # Badly centred (some λᵢsᵢ ≪ μ) the step to the boundary collapses; then aim at the
    # central path itself (σ = 1, no second-order term), as Gondzio's centrality correctors do.
    # Both steps come from one solve with two right-hand sides.
    centre = jnp.maximum(mu, floor)
    step, recentred = newton(sz + second_order - target, sz - centre, refinements=REFINEMENTS)
    step, recentred = step._replace(target=target), recentred._replace(target=centre)
    short = step.alpha < SHORT_STEP
    return select(short, recentred, step)


def primal_infeasible(h, b, z, y, combination, tol: float) -> jax.Array:
    """Farkas: λ >= 0, ν with Gᵀλ + Aᵀν ≈ 0 and hᵀλ + bᵀν < 0 (the multipliers diverge along it).

    ``combination`` is Gᵀλ + Aᵀν.
    """
    ray = -(jnp.dot(h, z) + jnp.dot(b, y))
    return (ray > 1 / tol) & (inf_norm(combination) <= tol * ray)


def dual_infeasible(q, x, Px, Gx, Ax, tol: float) -> jax.Array:
    """A direction x with Px ≈ 0, Ax ≈ 0, Gx <= 0 and qᵀx < 0 (the iterates diverge along it)."""
    descent = -jnp.dot(q, x)
    violation = jnp.max(jnp.maximum(Gx, 0.0), initial=0.0)
    worst = jnp.maximum(inf_norm(Px, Ax), violation)
    return (descent > 1 / tol) & (worst <= tol * descent)

"""Polish an interior-point QP solution: solve the KKT system of its active set exactly.

Near the optimum the interior point tells which inequalities hold with equality
(λᵢ > sᵢ). With those rows and the equalities held exactly and every other
multiplier zero, the optimality conditions are one linear system:

    P x + G_𝒜ᵀ λ_𝒜 + Aᵀ ν = −q,   G_𝒜 x = h_𝒜,   A x = b

Its solution has no barrier bias: complementarity is exact and the residuals
are at rounding level, where the interior-point iterates stall once the weights
λ/s span twenty orders of magnitude. The system is factored with a small
regularization δ (the active rows eliminated with weight 1/δ, as in the step)
and refined against the unregularized system, as OSQP polishes; a degenerate
active set (dependent rows, a singular P) still gets the least-change answer.
A polished point is kept only where its KKT residual is smaller.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from ._mehrotra import Rows, reduced_solver
from ._packing import select, while_loop

#: The regularization δ of the polishing factorization (in the scaled problem), per float width.
#: Refinement contracts the error by about δ·‖K⁻¹‖ per step; the active rows' weight 1/δ costs
#: eps/δ of P's digits in the factorization, which refinement takes back too.
POLISH_REG = {8: 1e-8, 4: 1e-4}
#: Refinement steps per polish. On random QPs two reach rounding level; Maros–Meszaros asks for more.
POLISH_REFINEMENTS = 3
#: Active sets tried per polish: the guessed one and corrections of it. Random QPs need at most two;
#: QETAMACR (Maros–Meszaros) needs three from where its iterates stall, five from a residual of 1e-4.
PASSES = 5


def polish(P, q, G, h, A, b, point, point_residual, rows: Rows, residual: Callable,
           tol) -> tuple[tuple, jax.Array]:
    """The point (x, s, λ, ν) of smallest ``residual`` among ``point`` and its polishes, and that residual.

    The first pass polishes the active set the iterate suggests (λᵢ > sᵢ). A row whose multiplier
    or slack is still converging (both near √μ) can be guessed wrong: each further pass corrects the
    last one's active set, as an active-set method would (rows with a negative multiplier leave,
    violated rows enter), until a polish reaches ``tol`` or PASSES are spent.
    """
    data = (P, q, G, h, A, b)
    x, s, z, y = point

    def more(carry):
        k, _, _, polished, _, _ = carry
        return (k < PASSES) & ~(polished <= tol)

    def attempt(carry):
        k, active, start, polished, best, best_residual = carry
        x, z, y = _solve_active(*data, *start, active)
        candidate = _feasible_side(G, h, rows, x, z, y)
        polished = residual(candidate)
        better = polished < best_residual  # False on NaN
        best = select(better, candidate, best)
        corrected = rows.equal | (rows.live & jnp.where(active, z >= 0, G @ x > h))
        return k + 1, corrected, (x, z, y), polished, best, jnp.where(better, polished, best_residual)

    guess = rows.equal | (rows.live & (z > s))
    never = jnp.full_like(point_residual, jnp.inf)
    start = (jnp.array(0), guess, (x, z, y), never, tuple(point), point_residual)
    *_, best, best_residual = while_loop(more, attempt, start)
    return best, best_residual


def _solve_active(P, q, G, h, A, b, x, z, y, active):
    """(x, λ, ν) solving the KKT system with the ``active`` rows held, from a nearby start."""
    reg = POLISH_REG[x.dtype.itemsize]
    n = x.shape[0]
    w = jnp.where(active, 1 / reg, 0.0)
    solve = reduced_solver(P, G, A, w, reg, refinements=0)

    def refine(_, point):
        x, z, y = point
        r_x = -(P @ x + q + z @ G + y @ A)
        r_z = jnp.where(active, h - G @ x, 0.0)
        r_y = b - A @ x
        # the regularized system in (dx, dz, dy), dz eliminated: dz = W(G dx − r_z)
        d = solve(jnp.concatenate([r_x + (w * r_z) @ G, r_y]))
        dx, dy = d[:n], d[n:]
        return x + dx, z + w * (G @ dx - r_z), y + dy

    return jax.lax.fori_loop(0, POLISH_REFINEMENTS, refine, (x, jnp.where(active, z, 0.0), y))


def _feasible_side(G, h, rows: Rows, x, z, y):
    """(x, s, λ, ν) with s and λ clipped to their signs: the residual then shows any violation."""
    s = jnp.where(rows.live, jnp.maximum(h - G @ x, 0.0), 0.0)
    z = jnp.where(rows.live, jnp.maximum(z, 0.0), jnp.where(rows.equal, z, 0.0))
    return x, s, z, y

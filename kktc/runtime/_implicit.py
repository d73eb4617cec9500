"""Implicit differentiation of a solution map, from the KKT residual alone.

Given ``solve: θ ↦ (w*, info)`` and the KKT residual (``compiler._kkt``)

    F(w, θ) = ( ∇f + J_gᵀλ + J_hᵀν,   h,   λ∘g ),   w = (z, λ, ν),

zero at (w*(θ), θ), the derivative is ``∂w*/∂θ = −(∂F/∂w)⁻¹ ∂F/∂θ`` (implicit
function theorem). It is written once, as a ``jax.custom_jvp`` around a
``lax.custom_linear_solve``, so forward mode, reverse mode (by transposition),
``vmap`` and higher derivatives all follow. This module never learns which
solver ran.

The Jacobian has the structure of every KKT system,

    ∂F/∂w = [[K, J_gᵀ, J_hᵀ], [J_h, 0, 0], [ΛJ_g, diag(g), 0]],   K = ∇²_zz L,

so dλ is eliminated through the diagonal block, leaving the quasi-definite
[[K + J_gᵀWJ_g, J_hᵀ], [J_h, 0]] with W = λ/(−g), an interior-point step's
matrix at the solution, factored by Cholesky (``_quasidefinite``). The
transposed system (reverse mode) reduces to the same matrix.

Degenerate points. At a weakly active constraint (λᵢ = gᵢ = 0) the row of
∂F/∂w for its complementarity vanishes. The ``"regularized"`` policy (the
only one so far) regularizes relative to each row's max-norm r: δ·r on dz in
the stationarity rows, −δ·r on dν in the equality rows, and the diagonal
min(gᵢ, 0) − δ·rᵢ in the complementarity rows. Non-degenerate systems change
by O(δ), and a vanished row gives a zero derivative for that multiplier — the
one-sided derivative that treats the constraint as inactive — instead of NaN.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from ._chunks import in_chunks, traced_once
from ._jacobian import jacobian
from ._quasidefinite import Factors, factor, solve_factored

POLICIES = ("regularized",)
#: Refinements against the whole Jacobian: at degenerate points two leave 0.5 %
#: (examples/image_reconstruction.py).
REFINEMENTS = 5


def _zero_tangent(x: jax.Array):
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.zeros_like(x)
    return np.zeros(x.shape, dtype=jax.dtypes.float0)


class _Jacobian(NamedTuple):
    """The regularized ∂F/∂w by blocks."""

    K: jax.Array  # ∇²_zz L plus δ·r on the diagonal
    Jg: jax.Array
    Jh: jax.Array
    lam: jax.Array  # λ, clipped at 0
    d: jax.Array  # the diagonal of the complementarity rows (< 0)
    e: jax.Array  # δ·r of the equality rows


def _amax(M: jax.Array, axis: int) -> jax.Array:
    return jnp.max(jnp.abs(M), axis=axis, initial=0.0)


def _row_scale(norms: jax.Array) -> jax.Array:
    r = jax.lax.stop_gradient(norms)
    return jnp.where(r > 0, r, 1.0)


def _jacobian(F, w, theta, delta: float) -> _Jacobian:
    z, lam, nu = w

    def stationarity_and_equality(v):
        blocks = F((v, lam, nu), theta)
        return blocks.stationarity, blocks.equality

    K, Jh = jacobian(stationarity_and_equality, z)
    JgT = jacobian(lambda v: F((z, v, nu), theta).stationarity, lam)
    g = jax.jvp(lambda v: F((z, v, nu), theta).complementarity, (lam,), (jnp.ones_like(lam),))[1]
    K, Jg = (K + K.T) / 2, JgT.T
    r_s = _row_scale(jnp.maximum(jnp.maximum(_amax(K, 1), _amax(JgT, 1)), _amax(Jh, 0)))
    r_c = _row_scale(jnp.maximum(jnp.abs(lam) * _amax(Jg, 1), jnp.abs(g)))  # the row [ΛJ_g, diag(g)]
    return _Jacobian(K + jnp.diag(delta * r_s), Jg, Jh, jnp.maximum(lam, 0.0),
                     jnp.minimum(g, 0.0) - delta * r_c, delta * _row_scale(_amax(Jh, 1)))


def _linear_solve(jacobian_at: Callable[[Any, Any], _Jacobian], w, theta, rhs: jax.Array) -> jax.Array:
    """The solution of J·dw = rhs, J = ``jacobian_at(w, θ)`` (rhs in F's block order, dw in w's).

    Eliminating dλ divides by the small diagonal of active rows, which costs
    digits (dλ = (b − λJ_g dz)/d cancels); refinement against the whole J
    restores them. ``custom_linear_solve`` never differentiates or transposes the
    solves themselves (it calls the transposed solve for a transpose, and ignores
    the solves' own tangents; only the product with J is differentiated, for
    higher derivatives). So each solve evaluates J, factors it and solves, all in
    one, in chunks of a vmapped batch (``_chunks``): a chunk's J and factors stay
    in cache, and reverse mode keeps w and θ for the backward instead of J and its
    factors for the whole batch. Against evaluating and factoring J for the whole
    batch first (one process, alternating calls): forward and backward 0.94–0.97×
    at B = 1024, n = 100 and B = 128, n = 50, a third of the page faults (20 000
    per call at B = 1024 instead of 67 000).
    """
    solve, transpose_solve = (in_chunks(_refined(jacobian_at, *pair), columns=2) for pair in
                              ((_eliminated, _times_J), (_eliminated_transposed, _times_J_transposed)))
    return jax.lax.custom_linear_solve(lambda v: _times_J(jacobian_at(w, theta), v), rhs,
                                       lambda _, b: solve(w, theta, b),
                                       lambda _, b: transpose_solve(w, theta, b))


def _factor_reduced(J: _Jacobian) -> Factors:
    """The factors of the reduced [[K + J_gᵀWJ_g, J_hᵀ], [J_h, −diag(e)]], W = λ/(−d)."""
    W = J.lam / -J.d
    M = J.K + J.Jg.T @ (W[:, None] * J.Jg)
    return factor(M, J.Jh, jnp.zeros(J.K.shape[:1], J.K.dtype), J.e, differentiable=False)


def _times_J(J: _Jacobian, v: jax.Array) -> jax.Array:
    n, m = J.K.shape[0], J.Jg.shape[0]
    dz, dl, dn = jnp.split(v, [n, n + m])
    return jnp.concatenate([J.K @ dz + dl @ J.Jg + dn @ J.Jh, J.Jh @ dz - J.e * dn,
                            J.lam * (J.Jg @ dz) + J.d * dl])


def _times_J_transposed(J: _Jacobian, v: jax.Array) -> jax.Array:
    return jax.linear_transpose(lambda u: _times_J(J, u), v)(v)[0]  # J is square: v has both shapes


def _eliminated(J: _Jacobian, factors: Factors, b: jax.Array) -> jax.Array:
    n, p = J.K.shape[0], J.Jh.shape[0]
    b_s, b_e, b_c = jnp.split(b, [n, n + p])
    sol = solve_factored(factors, jnp.concatenate([b_s - (b_c / J.d) @ J.Jg, b_e]))
    dz, dn = sol[:n], sol[n:]
    return jnp.concatenate([dz, (b_c - J.lam * (J.Jg @ dz)) / J.d, dn])


def _eliminated_transposed(J: _Jacobian, factors: Factors, v: jax.Array) -> jax.Array:
    n, m = J.K.shape[0], J.Jg.shape[0]
    v_z, v_l, v_n = jnp.split(v, [n, n + m])
    sol = solve_factored(factors, jnp.concatenate([v_z - (J.lam * v_l / J.d) @ J.Jg, v_n]))
    u_s, u_e = sol[:n], sol[n:]
    return jnp.concatenate([u_s, u_e, (v_l - J.Jg @ u_s) / J.d])


def _refined(jacobian_at, eliminated, times):
    """solve(w, θ, b): J at (w, θ) evaluated and factored, its solve refined against J."""
    def solve(w, theta, b: jax.Array) -> jax.Array:
        J = jax.lax.stop_gradient(jacobian_at(w, theta))
        factors = _factor_reduced(J)

        # the solve itself is the first pass, from 0: one copy of it in the compiled program
        def refine(_, x):
            return x + eliminated(J, factors, b - times(J, x))

        return jax.lax.fori_loop(0, 1 + REFINEMENTS, refine, jnp.zeros_like(b))
    return solve


def implicit(solve: Callable[[Any, Any], tuple[Any, Any]], F: Callable[[Any, Any], Any], delta: float):
    """Give ``solve`` the derivatives of the implicit function theorem on ``F``.

    Args:
        solve: (θ, start) ↦ (w, info). ``start`` (a warm start, or ``()``) does
            not move the solution, so it gets no derivative; neither does ``info``.
        F: the KKT residual (above), zero at (w, θ) for every θ.
        delta: the relative regularization of the Jacobian (see the module doc).

    Returns:
        A function with the same signature, differentiable in θ.
    """

    # under vmap on the CPU the solve runs item by item or in chunks (``_chunks``), and so does the
    # derivative's (``_linear_solve``); the Jacobian, evaluated by the solve, its transpose and the
    # product with J, is traced once for all three
    batched_solve = in_chunks(solve, iterative=True)
    jacobian_at = traced_once(lambda w, theta: _jacobian(F, w, theta, delta))

    @jax.custom_jvp
    def solution(theta, start):
        return batched_solve(theta, start)

    @solution.defjvp
    def solution_jvp(primals, tangents):
        (theta, start), (dtheta, _) = primals, tangents
        w, info = solution(theta, start)
        _, unravel = ravel_pytree(w)
        _, dF = jax.jvp(lambda t: ravel_pytree(F(w, t))[0], (theta,), (dtheta,))
        dw = _linear_solve(jacobian_at, w, theta, -dF)
        return (w, info), (unravel(dw), jax.tree_util.tree_map(_zero_tangent, info))

    return solution

"""Solve a regularized quasi-definite system by two Cholesky factorizations, with refinement.

    K = [[M + diag(a), Aᵀ], [A, −diag(b)]],   M symmetric positive semidefinite, a >= 0, b > 0

Both the interior-point step and the implicit derivative reduce to this matrix.
M + diag(a) = LLᵀ, the Schur complement S = diag(b) + (L⁻¹Aᵀ)ᵀ(L⁻¹Aᵀ); then
y = S⁻¹(Yᵀ L⁻¹r − t) and x = L⁻ᵀ(L⁻¹r − Yy) with Y = L⁻¹Aᵀ. Against LU on the
whole matrix this is about a third of the work, and it needs no pivoting: a
quasi-definite matrix is strongly factorizable (Vanderbei, 1995).

The factored diagonal is no smaller than the rounding level eps·|Mᵢᵢ| of each
diagonal entry of M: beside the huge weights of active rows a smaller one is
lost, and a degenerate problem (several optimal points) then meets a zero or
negative pivot. Where the factorization still breaks down, it is repeated with
(n + 1)·eps·|Mᵢᵢ|, the bound on the rounding of the pivots. Refinement against
K takes the extra regularization back out, where the residual shows it is needed.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.linalg import cho_solve, solve_triangular

from ._columns import times_columns
from ._reductions import all_finite


#: A solve is refined while its residual exceeds SETTLED·eps relative to the right-hand side. On
#: random QPs (n = 50) every unrefined step was within 1.1e3·eps (float64) and 1.2e2·eps (float32),
#: where refinement no longer lowers it; on Maros–Meszaros problems that need it (QGROW15,
#: QCAPRI) the residual is 1e-6 and each refinement lowers it by 2 to 4 times.
SETTLED = 1e4


class Factors(NamedTuple):
    """K factored: M + diag(a) = LLᵀ, Y = L⁻¹Aᵀ, and S⁻¹ (Y and S⁻¹ empty without rows in A)."""

    L: jax.Array
    Y: jax.Array
    S_inv: jax.Array


def factor(M: jax.Array, A: jax.Array, a: jax.Array, b: jax.Array, differentiable: bool = True) -> Factors:
    """The factors of K (see ``quasidefinite_solver`` for ``differentiable``)."""
    n, p = M.shape[0], A.shape[0]
    L = _factor(M, a, jnp.finfo(M.dtype).eps * jnp.abs(_diagonal(M)), differentiable)
    if not p:  # no zero-sized factorizations: XLA's constant folding cannot run LAPACK calls
        return Factors(L, jnp.zeros((n, 0), M.dtype), jnp.zeros((0, 0), M.dtype))
    Y = solve_triangular(L, A.T, lower=True)
    # S is p×p (p equality rows, few): its inverse makes each solve one product instead of two
    # more triangular solves, which cost more in call overhead than in work
    S = jnp.linalg.cholesky(Y.T @ Y + jnp.diag(b), symmetrize_input=False)
    return Factors(L, Y, cho_solve((S, True), jnp.eye(p, dtype=M.dtype)))


def solve_factored(f: Factors, rhs: jax.Array) -> jax.Array:
    """K⁻¹ rhs from K's factors, unrefined; ``rhs`` is [r; t], a vector or columns."""
    n, p = f.Y.shape
    r, t = rhs[:n], rhs[n:]
    u = solve_triangular(f.L, r, lower=True)
    if not p:
        return solve_triangular(f.L, u, lower=True, trans=1)
    y = f.S_inv @ (f.Y.T @ u - t)
    x = solve_triangular(f.L, u - f.Y @ y, lower=True, trans=1)
    return jnp.concatenate([x, y])


def quasidefinite_solver(M: jax.Array, A: jax.Array, a: jax.Array, b: jax.Array, refinements: int,
                         differentiable: bool = True) -> Callable[..., jax.Array]:
    """``solve(rhs, refinements=refinements)`` for K above; ``rhs`` is [r; t], a vector or columns.

    ``differentiable=False`` refactors a broken-down factorization in a loop (see ``_factor``),
    which reverse-mode autodiff cannot pass through.
    """
    n = M.shape[0]

    def times_K(sol):  # K @ sol, without forming K (a copy of M as large as the factorization's input)
        x, y = sol[:n], sol[n:]
        diagonal = lambda d, v: d.reshape(d.shape + (1,) * (v.ndim - 1)) * v  # noqa: E731  (diag(d) @ v)
        return jnp.concatenate([times_columns(M, x) + diagonal(a, x) + A.T @ y, A @ x - diagonal(b, y)])

    factors = factor(M, A, a, b, differentiable)

    def solve(rhs, refinements=refinements):
        if not refinements:
            return solve_factored(factors, rhs)
        # refine only while the residual is above rounding level: on well-conditioned steps a
        # refinement changes nothing, and under vmap the loop runs only while some item needs it
        settled = SETTLED * jnp.finfo(rhs.dtype).eps * jnp.max(jnp.abs(rhs))

        def unsettled(carry):
            k, _, residual = carry
            return (k == 0) | ((k <= refinements) & (jnp.max(jnp.abs(residual)) > settled))

        def refine(carry):
            k, sol, residual = carry
            sol = sol + solve_factored(factors, residual)
            return k + 1, sol, rhs - times_K(sol)

        # the solve itself is the first pass, from 0 with the residual rhs: one copy of the
        # solve and of the product with K in the compiled program instead of two
        return jax.lax.while_loop(unsettled, refine, (0, jnp.zeros_like(rhs), rhs))[1]

    return solve


def _diagonal(M: jax.Array) -> jax.Array:
    """M's diagonal, as every (n + 1)-th of its entries: a strided slice that XLA fuses into its
    consumers, where ``jnp.diagonal`` gathers with index arrays computed by kernels of their own
    (at B = 128, n = 50: 4 fewer kernels in a QP layer)."""
    n = M.shape[-1]
    return M.reshape(M.shape[:-2] + (n * n,))[..., :: n + 1]


def _cholesky(M: jax.Array, diagonal: jax.Array) -> jax.Array:
    """L, lower, the upper triangle left as it was (no triangular solve reads it); NaN on a breakdown.

    The primitive itself: ``jnp.linalg.cholesky`` would zero the upper triangle, a pass over the
    matrix that XLA turns into a transposing copy. LAPACK wants column-major input and XLA keeps
    arrays row-major: for a symmetric matrix the transpose is the same matrix, and in column-major
    it is the row-major array as it lies.
    """
    return jax.lax.linalg.cholesky_p.bind((M + jnp.diag(diagonal)).mT)


def _factor(M: jax.Array, a: jax.Array, rounding: jax.Array, differentiable: bool) -> jax.Array:
    """The Cholesky factor of M + diag(max(a, rounding)), rounding = eps·|Mᵢᵢ|.

    A pivot lost to rounding breaks the factorization down (NaN): then factor again with the bound
    on the pivots' rounding, (n + 1)·eps. Not always: refinement takes a larger floor out more
    slowly (four Maros–Meszaros problems stall with it).
    """
    L = _cholesky(M, jnp.maximum(a, rounding))
    broken = ~all_finite(_diagonal(L))  # a breakdown fills all of L with NaN
    larger = M.shape[-1] + 1
    # Both ways below pass Lᵀ: a row-major Lᵀ is the column-major L that LAPACK made and wants
    # back, where L itself would be copied out of the branch or loop and back again.
    if differentiable:
        retry = lambda: _cholesky(M, jnp.maximum(a, larger * rounding)).mT  # noqa: E731
        return jax.lax.cond(broken, retry, lambda: L.mT).mT

    # A loop of at most one pass, where reverse-mode autodiff is not needed: under vmap a batched
    # lax.cond becomes a select that runs both branches every time, while a loop runs its body
    # only when some item needs it. The floor is carried so that the body depends on the carry
    # (XLA would hoist a loop-invariant factorization out of the loop, and always run it).
    def again(carry):
        _, floor, _ = carry
        return False, larger * floor, _cholesky(M, jnp.maximum(a, larger * floor)).mT

    return jax.lax.while_loop(lambda carry: carry[0], again, (broken, rounding, L.mT))[2].mT

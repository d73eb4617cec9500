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

from typing import Callable

import jax
import jax.numpy as jnp
from jax.scipy.linalg import cho_solve, solve_triangular

from ._batch_cond import batch_cond

#: A solve is refined while its residual exceeds SETTLED·eps relative to the right-hand side. On
#: random QPs (n = 50) every unrefined step was within 1.1e3·eps (float64) and 1.2e2·eps (float32),
#: where refinement no longer lowers it; on Maros–Meszaros problems that need it (QGROW15,
#: QCAPRI) the residual is 1e-6 and each refinement lowers it by 2 to 4 times.
SETTLED = 1e4


def quasidefinite_solver(M: jax.Array, A: jax.Array, a: jax.Array, b: jax.Array, refinements: int,
                         differentiable: bool = True) -> Callable[..., jax.Array]:
    """``solve(rhs, refinements=refinements)`` for K above; ``rhs`` is [r; t], a vector or columns.

    ``differentiable=False`` checks for breakdown once per batch under ``vmap`` (see
    ``_batch_cond``), which reverse-mode autodiff cannot pass through.
    """
    n, p = M.shape[0], A.shape[0]

    def times_K(sol):  # K @ sol, without forming K (a copy of M as large as the factorization's input)
        x, y = sol[:n], sol[n:]
        diagonal = lambda d, v: d.reshape(d.shape + (1,) * (v.ndim - 1)) * v  # noqa: E731  (diag(d) @ v)
        return jnp.concatenate([M @ x + diagonal(a, x) + A.T @ y, A @ x - diagonal(b, y)])
    # under vmap batch_cond runs the second factorization only when an item broke down (a batched
    # predicate turns lax.cond into select, and every step would pay for both)
    L = _factor(M, a, jnp.finfo(M.dtype).eps * jnp.abs(jnp.diagonal(M)),
                jax.lax.cond if differentiable else batch_cond)
    if p:
        Y = solve_triangular(L, A.T, lower=True)
        # S is p×p (p equality rows, few): its inverse makes each solve one product instead of two
        # more triangular solves, which cost more in call overhead than in work
        S = jnp.linalg.cholesky(Y.T @ Y + jnp.diag(b), symmetrize_input=False)
        S_inv = cho_solve((S, True), jnp.eye(p, dtype=M.dtype))

    def factored(rhs):
        r, t = rhs[:n], rhs[n:]
        u = solve_triangular(L, r, lower=True)
        if not p:  # no zero-sized factorizations: XLA's constant folding cannot run LAPACK calls
            return solve_triangular(L, u, lower=True, trans=1)
        y = S_inv @ (Y.T @ u - t)
        x = solve_triangular(L, u - Y @ y, lower=True, trans=1)
        return jnp.concatenate([x, y])

    def solve(rhs, refinements=refinements):
        sol = factored(rhs)
        if not refinements:
            return sol
        # refine only while the residual is above rounding level: on well-conditioned steps a
        # refinement changes nothing, and under vmap the loop runs only while some item needs it
        settled = SETTLED * jnp.finfo(rhs.dtype).eps * jnp.max(jnp.abs(rhs))

        def unsettled(carry):
            k, _, residual = carry
            return (k < refinements) & (jnp.max(jnp.abs(residual)) > settled)

        def refine(carry):
            k, sol, residual = carry
            sol = sol + factored(residual)
            return k + 1, sol, rhs - times_K(sol)

        return jax.lax.while_loop(unsettled, refine, (0, sol, rhs - times_K(sol)))[1]

    return solve


def _cholesky(M: jax.Array, diagonal: jax.Array) -> jax.Array:
    # LAPACK wants column-major input and XLA keeps arrays row-major: for a symmetric matrix the
    # transpose is the same matrix, and in column-major it is the row-major array as it lies
    return jnp.linalg.cholesky((M + jnp.diag(diagonal)).mT, symmetrize_input=False)


def _factor(M: jax.Array, a: jax.Array, rounding: jax.Array, cond: Callable) -> jax.Array:
    """The Cholesky factor of M + diag(max(a, rounding)), rounding = eps·|Mᵢᵢ|.

    A pivot lost to rounding breaks the factorization down (NaN): then factor again with the bound
    on the pivots' rounding, (n + 1)·eps. Not always: refinement takes a larger floor out more
    slowly (four Maros–Meszaros problems stall with it). ``cond`` is ``lax.cond`` or ``batch_cond``.
    """
    L = _cholesky(M, jnp.maximum(a, rounding))
    # the branches return Lᵀ: a row-major Lᵀ is the column-major L that LAPACK made and wants
    # back, where L itself would be copied across the branch boundary and back again
    U = cond(~jnp.all(jnp.isfinite(L)), _second_try, lambda M, a, rounding, U: U, M, a, rounding, L.mT)
    return U.mT


def _second_try(M: jax.Array, a: jax.Array, rounding: jax.Array, U: jax.Array) -> jax.Array:
    return _cholesky(M, jnp.maximum(a, (M.shape[-1] + 1) * rounding)).mT

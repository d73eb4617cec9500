"""Implicit differentiation of a solution map, from the KKT residual alone.

Given ``solve: θ ↦ (w*, info)`` and ``F`` with ``F(w*(θ), θ) = 0``, the
derivative is ``∂w*/∂θ = −(∂F/∂w)⁻¹ ∂F/∂θ`` (implicit function theorem). It
is written once, as a ``jax.custom_jvp`` around a ``lax.custom_linear_solve``,
so forward mode, reverse mode (by transposition), ``vmap`` and higher
derivatives all follow. This module never learns which solver ran.

Degenerate points. At a weakly active constraint (λᵢ = gᵢ = 0) the row of
∂F/∂w for its complementarity vanishes. The ``"regularized"`` policy (the
only one so far) scales every row of ∂F/∂w to unit max-norm and adds δ·I:
non-degenerate systems change by O(δ), and a vanished row gives a zero
derivative for that multiplier — the one-sided derivative that treats the
constraint as inactive — instead of NaN.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from jax.scipy.linalg import lu_factor, lu_solve

POLICIES = ("regularized",)


def _zero_tangent(x: jax.Array):
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.zeros_like(x)
    return np.zeros(x.shape, dtype=jax.dtypes.float0)


def _linear_solve(J: jax.Array, rhs: jax.Array, delta: float) -> jax.Array:
    scale = jax.lax.stop_gradient(jnp.max(jnp.abs(J), axis=1))
    scale = jnp.where(scale > 0, scale, 1.0)
    Js = J / scale[:, None] + delta * jnp.eye(J.shape[0], dtype=J.dtype)
    lu = lu_factor(Js)
    return jax.lax.custom_linear_solve(
        lambda v: Js @ v,
        rhs / scale,
        solve=lambda _, b: lu_solve(lu, b),
        transpose_solve=lambda _, b: lu_solve(lu, b, trans=1),
    )


def implicit(solve: Callable[[Any, Any], tuple[Any, Any]], F: Callable[[Any, Any], Any], delta: float):
    """Give ``solve`` the derivatives of the implicit function theorem on ``F``.

    Args:
        solve: (θ, start) ↦ (w, info). ``start`` (a warm start, or ``()``) does
            not move the solution, so it gets no derivative; neither does ``info``.
        F: the residual, zero at (w, θ) for every θ.
        delta: the regularization of the scaled Jacobian (see the module doc).

    Returns:
        A function with the same signature, differentiable in θ.
    """

    @jax.custom_jvp
    def solution(theta, start):
        return solve(theta, start)

    @solution.defjvp
    def solution_jvp(primals, tangents):
        (theta, start), (dtheta, _) = primals, tangents
        w, info = solution(theta, start)
        flat_w, unravel = ravel_pytree(w)
        residual = lambda v, t: ravel_pytree(F(unravel(v), t))[0]  # noqa: E731
        _, dF = jax.jvp(lambda t: residual(flat_w, t), (theta,), (dtheta,))
        J = jax.jacfwd(residual)(flat_w, theta)
        dw = _linear_solve(J, -dF, delta)
        return (w, info), (unravel(dw), jax.tree_util.tree_map(_zero_tangent, info))

    return solution

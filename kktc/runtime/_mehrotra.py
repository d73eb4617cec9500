"""One Mehrotra predictor-corrector step on a linearized KKT system.

Shared by the QP and the smooth interior-point methods. At a point with
slacks s > 0 and multipliers λ > 0 the Newton system

    H dx + Gᵀ dλ + Aᵀ dν = −r_d,   G dx + ds = −r_p,   A dx = −r_e,   λ∘ds + s∘dλ = −r_c

is reduced to [[H + GᵀWG + δI, Aᵀ], [A, −δI]] (W = diag(λ/s)), factored once,
and solved for the predictor and the corrector; each solve is refined once
against the unregularized matrix.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.linalg import lu_factor, lu_solve


class Linearization(NamedTuple):
    """The KKT system linearized at the current point."""

    H: jax.Array  # Hessian of the Lagrangian (P for a QP)
    r_d: jax.Array  # ∇f + Gᵀλ + Aᵀν
    G: jax.Array  # Jacobian of g
    r_p: jax.Array  # g + s
    A: jax.Array  # Jacobian of h
    r_e: jax.Array  # h


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


def reduced_matrix(H, G, A, w, reg: float) -> jax.Array:
    n, p = H.shape[0], A.shape[0]
    top = H + (G.T * w[None, :]) @ G + reg * jnp.eye(n, dtype=H.dtype)
    return jnp.block([[top, A.T], [A, -reg * jnp.eye(p, dtype=H.dtype)]])


def reduced_solver(H, G, A, w, reg: float):
    """Solve with the regularized factorization, refined once against the exact matrix."""
    exact = reduced_matrix(H, G, A, w, 0.0)
    # δ no smaller than the rounding level of the elimination: beside the λ/s → ∞ of active
    # rows a smaller one is lost, and a degenerate problem (several optimal points) then meets
    # a zero pivot, or float32 a garbage one
    rounding = jnp.finfo(H.dtype).eps * jnp.max(jnp.abs(jnp.diagonal(exact)), initial=1.0)
    lu = lu_factor(reduced_matrix(H, G, A, w, jnp.maximum(reg, rounding)))

    def solve(rhs):
        sol = lu_solve(lu, rhs)
        return sol + lu_solve(lu, rhs - exact @ sol)

    return solve


def mehrotra_direction(lin: Linearization, s: jax.Array, z: jax.Array, reg: float,
                       corrector: bool | jax.Array = True, floor: jax.Array | float = 0.0) -> Direction:
    """The predictor-corrector direction and its step-to-boundary length.

    With ``corrector=False`` it is the plain Newton step for the residual with
    complementarity aimed at σμ (σ still from the predictor): a descent direction
    for that residual's norm, which a merit line search needs. ``floor`` is a
    lower bound on the target σμ.
    """
    n, m = lin.H.shape[0], max(lin.G.shape[0], 1)
    solve = reduced_solver(lin.H, lin.G, lin.A, z / s, reg)

    def newton(r_c):
        rhs = jnp.concatenate([-lin.r_d - lin.G.T @ ((z * lin.r_p - r_c) / s), -lin.r_e])
        sol = solve(rhs)
        dx, dy = sol[:n], sol[n:]
        Gdx = lin.G @ dx
        ds = -lin.r_p - Gdx
        dz = (z * Gdx + z * lin.r_p - r_c) / s
        return Direction(dx, ds, dz, dy, jnp.minimum(max_step(s, ds), max_step(z, dz)), jnp.zeros_like(mu))

    mu = jnp.dot(s, z) / m
    affine = newton(s * z)
    a = affine.alpha
    mu_a = jnp.dot(s + a * affine.ds, z + a * affine.dz) / m
    sigma = jnp.clip((mu_a / jnp.maximum(mu, jnp.finfo(s.dtype).tiny)) ** 3, 0.0, 1.0)
    target = jnp.maximum(sigma * mu, floor)
    second_order = jnp.where(corrector, affine.ds * affine.dz, 0.0)
    return newton(s * z + second_order - target)._replace(target=target)


def _inf(v: jax.Array) -> jax.Array:
    return jnp.max(jnp.abs(v), initial=0.0)


def primal_infeasible(G, h, A, b, z, y, tol: float) -> jax.Array:
    """Farkas: λ >= 0, ν with Gᵀλ + Aᵀν ≈ 0 and hᵀλ + bᵀν < 0 (the multipliers diverge along it)."""
    ray = -(jnp.dot(h, z) + jnp.dot(b, y))
    return (ray > 1 / tol) & (_inf(G.T @ z + A.T @ y) <= tol * ray)


def dual_infeasible(P, q, G, A, x, tol: float) -> jax.Array:
    """A direction x with Px ≈ 0, Ax ≈ 0, Gx <= 0 and qᵀx < 0 (the iterates diverge along it)."""
    descent = -jnp.dot(q, x)
    worst = jnp.maximum(jnp.maximum(_inf(P @ x), _inf(A @ x)), jnp.max(jnp.maximum(G @ x, 0.0), initial=0.0))
    return (descent > 1 / tol) & (worst <= tol * descent)

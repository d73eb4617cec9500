"""Ruiz equilibration of a QP, and the cost scaling, so that its KKT matrix has rows of norm ≈ 1.

    P̃ = c·DPD,  q̃ = c·Dq,  G̃ = EGD,  h̃ = Eh,  Ã = FAD,  b̃ = Fb

with D, E, F diagonal: x = Dx̃, slacks s = s̃/E, multipliers λ = Eλ̃/c, ν = Fν̃/c.
Maros–Meszaros problems mix entries from 1e-4 to 1e6; without this the reduced
system loses every digit in the first iterations.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

SWEEPS = 15
LIMITS = (1e-4, 1e4)  # how far one sweep may rescale (OSQP's bounds)


class Scaling(NamedTuple):
    D: jax.Array  # variables
    E: jax.Array  # rows of G
    F: jax.Array  # rows of A
    c: jax.Array  # the objective


def _correction(norms: jax.Array) -> jax.Array:
    return jnp.where(norms > 0, 1 / jnp.sqrt(jnp.clip(norms, *LIMITS)), 1.0)


def _amax(M: jax.Array, axis: int) -> jax.Array:
    return jnp.max(jnp.abs(M), axis=axis, initial=0.0)


def equilibrate(P, q, G, h, A, b) -> tuple[tuple, Scaling]:
    """The scaled data (P̃, q̃, G̃, h̃, Ã, b̃) and the scaling."""
    n, m, p = P.shape[0], G.shape[0], A.shape[0]

    def sweep(_, scales):
        D, E, F = scales
        Ps, Gs, As = D[:, None] * P * D[None, :], E[:, None] * G * D[None, :], F[:, None] * A * D[None, :]
        columns = jnp.maximum(jnp.maximum(_amax(Ps, 0), _amax(Gs, 0)), _amax(As, 0))
        return D * _correction(columns), E * _correction(_amax(Gs, 1)), F * _correction(_amax(As, 1))

    one = lambda k: jnp.ones((k,), P.dtype)  # noqa: E731
    D, E, F = jax.lax.fori_loop(0, SWEEPS, sweep, (one(n), one(m), one(p)))
    Ps, qs = D[:, None] * P * D[None, :], D * q
    size = jnp.maximum(jnp.mean(_amax(Ps, 0)) if n else 0.0, jnp.max(jnp.abs(qs), initial=0.0))
    c = jnp.where(size > 0, 1 / jnp.clip(size, *LIMITS), 1.0)
    scaled = (c * Ps, c * qs, E[:, None] * G * D[None, :], E * h, F[:, None] * A * D[None, :], F * b)
    return scaled, Scaling(D, E, F, c)

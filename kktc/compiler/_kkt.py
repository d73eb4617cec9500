"""The KKT residual F(w; θ), w = (z, λ, ν): the one contract between compiler and runtime.

    F(w; θ) = ( ∇f(z) + J_g(z)ᵀλ + J_h(z)ᵀν,   h(z),   λ ∘ g(z) )

It is a pure function of one parameter pytree θ (a dict of arrays by name).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax

from ._canonical import Canonical


class KKTBlocks(NamedTuple):
    """The three blocks of F."""

    stationarity: jax.Array
    equality: jax.Array
    complementarity: jax.Array


def kkt_residual(c: Canonical) -> Callable:
    """``F(w, θ)`` for a canonical problem, built generically by autodiff."""

    def F(w, theta) -> KKTBlocks:
        z, lam, nu = w
        grad_f = jax.grad(c.f)(z, theta)
        g, vjp_g = jax.vjp(lambda x: c.g(x, theta), z)
        h, vjp_h = jax.vjp(lambda x: c.h(x, theta), z)
        return KKTBlocks(grad_f + vjp_g(lam)[0] + vjp_h(nu)[0], h, lam * g)

    return F

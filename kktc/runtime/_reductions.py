"""Reductions as float maxima: XLA:CPU compiles them into small kernels.

XLA:CPU splits a reduction of booleans or integers over 32 or more entries into a windowed
reduction and a second reduction, and emits the window as a kernel of up to 300 kB of LLVM IR
(jaxlib 0.10.2): three ``all(isfinite(·))`` of 50 entries were a fifth of a QP's compiled code.
A float maximum stays one plain kernel, so "all finite?" and "all zero?" are asked through one.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def inf_norm(*vs: jax.Array, axis: int | None = None) -> jax.Array:
    """The largest |entry| of all of ``vs`` (along ``axis``): one reduction over them joined.

    NaN where any entry is NaN, inf where any is infinite.
    """
    joined = jnp.concatenate([jnp.ravel(v) for v in vs]) if axis is None else jnp.concatenate(vs, axis=axis)
    return jnp.max(jnp.abs(joined), axis=axis, initial=0.0)


def all_finite(*vs: jax.Array) -> jax.Array:
    return jnp.isfinite(inf_norm(*vs))

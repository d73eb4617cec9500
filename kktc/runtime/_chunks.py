"""Batched solves in chunks on the CPU.

Under ``jax.vmap`` an iterative solve runs as one batched loop: every item pays for the
iterations of the slowest, and each operation sweeps the whole batch's matrices through the
caches. On the CPU, solving a batch in chunks of CHUNK items one after another (``lax.map``)
lets a chunk stop at its own slowest item and keeps its data in cache: at B = 128, n = 50 the
forward took 0.75× the time of one batched loop (chunks of 8, 16 and 32 alike). On a GPU the
whole batch runs at once.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

CHUNK = 16


def in_chunks(solve: Callable[..., Any]) -> Callable[..., Any]:
    """``solve`` itself, whose ``vmap`` maps chunks of CHUNK items on the CPU."""
    if jax.default_backend() != "cpu":
        return solve

    @jax.custom_batching.custom_vmap
    def chunked(*args):
        return solve(*args)

    @chunked.def_vmap
    def rule(axis_size, in_batched, *args):
        def batched(x, b):
            return x if b else jnp.broadcast_to(x, (axis_size,) + jnp.shape(x))

        args = jax.tree_util.tree_map(batched, args, tuple(in_batched))
        if axis_size <= CHUNK:
            out = jax.vmap(solve)(*args)
        else:
            out = jax.lax.map(lambda a: solve(*a), args, batch_size=CHUNK)
        return out, jax.tree_util.tree_map(lambda _: True, out)

    return chunked

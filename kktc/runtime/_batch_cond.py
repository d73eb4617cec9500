"""``lax.cond`` whose rare branch stays rare under ``vmap``.

Under ``vmap`` a batched predicate turns ``lax.cond`` into ``select``: both branches run for
every item. For a branch that is rarely taken and costly (a second factorization, a restart)
that doubles the common case. ``batch_cond`` has its own batching rule (``custom_vmap``): the
whole batch runs the rare branch only when some item takes it, and then each item keeps its own
branch's answer. Reverse-mode autodiff cannot pass a ``custom_vmap``: use it only in code that is
not differentiated (the forward solves, which the implicit rule differentiates instead).
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp


def batch_cond(rare: jax.Array, taken: Callable, otherwise: Callable, *operands: Any) -> Any:
    """``lax.cond(rare, taken, otherwise, *operands)``; the functions must not close over traced values."""

    @jax.custom_batching.custom_vmap
    def cond(rare, *operands):
        return jax.lax.cond(rare, taken, otherwise, *operands)

    @cond.def_vmap
    def batched(size: int, in_batched, rare, *operands):
        rare_batched, operands_batched = in_batched[0], tuple(in_batched[1:])
        rare = rare if rare_batched else jnp.broadcast_to(rare, (size,))
        spread = lambda v, was: v if was else jnp.broadcast_to(v, (size, *jnp.shape(v)))  # noqa: E731
        operands = jax.tree_util.tree_map(spread, operands, operands_batched)
        common = jax.vmap(otherwise)(*operands)

        def mixed():
            pick = lambda a, b: jnp.where(rare.reshape(rare.shape + (1,) * (a.ndim - 1)), a, b)  # noqa: E731
            return jax.tree_util.tree_map(pick, jax.vmap(taken)(*operands), common)

        out = jax.lax.cond(jnp.any(rare), mixed, lambda: common)
        return out, jax.tree_util.tree_map(lambda _: True, out)

    return cond(rare, *operands)

"""``jnp.where`` over whole pytrees: one predicate picks every leaf from one of two states."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp


def select(pred: jax.Array, on_true: Any, on_false: Any) -> Any:
    """``on_true`` where ``pred`` holds, else ``on_false``, leaf by leaf (the two trees share a structure)."""
    return jax.tree_util.tree_map(lambda a, b: jnp.where(pred, a, b), on_true, on_false)

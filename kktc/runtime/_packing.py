"""Pytrees packed into one vector per dtype, for selects and loop carries.

XLA compiles one kernel per array that a select or a loop writes. Under ``vmap`` a loop whose
predicate is batched selects every carried array between the body's result and the carry, and
the solvers select whole states (the best iterate, a restart, the guard against non-finite
steps): with the QP state's 28 arrays that was half of the kernels of a batched QP layer. Packed,
each costs one kernel per dtype. At B = 128, n = 50 the forward's kernels fell from 256 to 204
and its compile time by a third, the results bit for bit the same.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp


class Packing(NamedTuple):
    """How a pytree's leaves lie in its packed vectors: one vector per dtype, leaves raveled in order."""

    tree: Any
    shapes: list
    groups: list  # per dtype: the indices of its leaves

    @staticmethod
    def of(tree: Any) -> Packing:
        leaves, structure = jax.tree_util.tree_flatten(tree)
        groups: dict = {}
        for i, leaf in enumerate(leaves):
            groups.setdefault(jnp.result_type(leaf), []).append(i)
        return Packing(structure, [jnp.shape(x) for x in leaves], list(groups.values()))

    def pack(self, tree: Any) -> tuple[jax.Array, ...]:
        leaves = jax.tree_util.tree_leaves(tree)
        return tuple(jnp.concatenate([jnp.ravel(leaves[i]) for i in group]) if len(group) > 1
                     else jnp.ravel(leaves[group[0]]) for group in self.groups)

    def unpack(self, packed: tuple[jax.Array, ...]) -> Any:
        leaves: list = [None] * len(self.shapes)
        for vector, group in zip(packed, self.groups):
            offset = 0
            for i in group:
                size = math.prod(self.shapes[i])
                leaves[i] = vector[offset:offset + size].reshape(self.shapes[i])
                offset += size
        return jax.tree_util.tree_unflatten(self.tree, leaves)


def select(pred: jax.Array, on_true: Any, on_false: Any) -> Any:
    """``on_true`` where ``pred`` holds, else ``on_false`` (two trees of one structure): one select per dtype."""
    packing = Packing.of(on_true)
    chosen = (jnp.where(pred, a, b) for a, b in zip(packing.pack(on_true), packing.pack(on_false)))
    return packing.unpack(tuple(chosen))


def while_loop(cond: Callable[[Any], jax.Array], body: Callable[[Any], Any], init: Any) -> Any:
    """``jax.lax.while_loop`` with its carry packed."""
    packing = Packing.of(init)
    out = jax.lax.while_loop(lambda packed: cond(packing.unpack(packed)),
                             lambda packed: packing.pack(body(packing.unpack(packed))), packing.pack(init))
    return packing.unpack(out)

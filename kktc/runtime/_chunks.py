"""Batched solves in chunks, or item by item, on the CPU.

Under ``jax.vmap`` an iterative solve runs as one batched loop: every item pays for the
iterations of the slowest, and each operation sweeps the whole batch's matrices through the
caches. On the CPU, solving a batch in chunks of CHUNK items one after another (``lax.map``)
lets a chunk stop at its own slowest item and keeps its data in cache: at B = 128, n = 50 the
forward took 0.75× the time of one batched loop (chunks of 8, 16 and 32 alike).

An iterative solve whose items each bring ITEM_BY_ITEM entries of data or more runs item by
item instead: every item stops at its own iteration count, and the compiled loop is the
unbatched one, whose kernels XLA compiles in about two thirds of the time (no batch axis in
any of them). QP layers of random problems (B = 128; one process, alternating calls, against
chunks of 16): n = 50 forward 0.98×, forward and backward 1.01×, compiled in ~2 s less;
B = 1024, n = 100 forward 0.785×. Below the threshold the work per kernel is too small to
carry a kernel's overhead alone: n = 40 ran 1.10× slower item by item, n = 30 1.29×, and
B = 1024, n = 10 2.1×. The fixed work around a solve (the backward's Jacobian, factorization
and refined solves) stays in chunks: item by item it made the backward slower (forward and
backward 1.065× at n = 50). On a GPU the whole batch runs at once.

The solve is traced once: JAX traces a custom vmap rule's function unbatched (in case nothing
batches it), and the rule then maps the function over items, which would trace it a second time
(``jax.jit`` does not reuse the first trace inside ``lax.map``: its cache key differs in the
abstract mesh). Both evaluate one recorded jaxpr instead: a QP layer at B = 128, n = 50 traced
in 1.4–1.7 s instead of 2.0–2.2 s.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import jax
import jax.numpy as jnp
from jax.extend.core import jaxpr_as_fun

CHUNK = 16
#: Entries of batched data per item (all arguments together) from which an iterative solve runs
#: item by item: n = 50 QPs have 5 560 (P, G, A, q, h, b), n = 40 ones 3 608.
ITEM_BY_ITEM = 4096


def in_chunks(solve: Callable[..., Any], iterative: bool = False,
              columns: int | None = None) -> Callable[..., Any]:
    """``solve`` itself, whose ``vmap`` maps chunks of CHUNK items on the CPU.

    Only the batched arguments are cut into chunks; the others are shared by every item, as
    ``vmap`` shares them. ``iterative=True`` (a solve that loops until its items converge) maps
    items one at a time where each brings ITEM_BY_ITEM entries or more. ``columns``, the index
    of an argument that holds right-hand sides: where it alone is batched (a Jacobian's columns
    for one problem), the whole batch is one ``vmap``, which does the work on the shared
    arguments (evaluating and factoring a matrix) once instead of once per chunk. JAX cannot
    transpose a custom vmap rule: ``solve`` must not need reverse mode.
    """
    if jax.default_backend() != "cpu":
        return solve
    solve = traced_once(solve)

    @jax.custom_batching.custom_vmap
    def chunked(*args):
        return solve(*args)

    @chunked.def_vmap
    def rule(axis_size, in_batched, *args):
        leaves, tree = jax.tree_util.tree_flatten(args)
        batched = jax.tree_util.tree_leaves(tuple(in_batched))

        def item(*items):  # solve on one item: its batched leaves given, the others shared by all
            it = iter(items)
            return solve(*jax.tree_util.tree_unflatten(tree, [next(it) if b else x
                                                               for x, b in zip(leaves, batched)]))

        items = [x for x, b in zip(leaves, batched) if b]
        if columns is not None and not any(jax.tree_util.tree_leaves(
                [b for i, b in enumerate(in_batched) if i != columns])):
            return _all_batched(jax.vmap(item)(*items))
        if iterative and sum(math.prod(x.shape[1:]) for x in items) >= ITEM_BY_ITEM:
            return _all_batched(jax.lax.map(lambda one: item(*one), items))
        whole = axis_size // CHUNK * CHUNK
        if not whole:
            return _all_batched(jax.vmap(item)(*items))
        # lax.map's own batch_size reshapes with -1, which fails on arrays of size 0 (no equalities)
        head = [x[:whole].reshape((whole // CHUNK, CHUNK) + x.shape[1:]) for x in items]
        out = jax.lax.map(lambda chunk: jax.vmap(item)(*chunk), head)
        out = jax.tree_util.tree_map(lambda y: y.reshape((whole,) + y.shape[2:]), out)
        if whole < axis_size:
            rest = jax.vmap(item)(*[x[whole:] for x in items])
            out = jax.tree_util.tree_map(lambda u, v: jnp.concatenate([u, v]), out, rest)
        return _all_batched(out)

    return chunked


def traced_once(fun: Callable[..., Any]) -> Callable[..., Any]:
    """``fun``, traced once per argument structure and types, then evaluated from its jaxpr.

    ``fun`` must not close over traced values: the jaxpr keeps what it closes over as constants,
    for every later call. kktc's solves close over static problem data and pure functions only.
    """
    recorded: dict[tuple, tuple] = {}

    def replay(*args):
        leaves, tree = jax.tree_util.tree_flatten(args)
        key = (tree, tuple(jax.typeof(x) for x in leaves))
        if key not in recorded:
            closed, shapes = jax.make_jaxpr(fun, return_shape=True)(*args)
            recorded[key] = jaxpr_as_fun(closed), jax.tree_util.tree_structure(shapes)
        evaluate, out_tree = recorded[key]
        return jax.tree_util.tree_unflatten(out_tree, evaluate(*leaves))

    return replay


def _all_batched(out):
    return out, jax.tree_util.tree_map(lambda _: True, out)

"""Pytrees packed into one vector per dtype: selects and loop carries see the same values as leaf by leaf."""

import jax
import jax.numpy as jnp
import numpy as np

from kktc.runtime._packing import Packing, select, while_loop


def tree(offset=0.0):
    return dict(point=(jnp.arange(3.0) + offset, jnp.zeros((0,))), matrix=jnp.eye(2) * (1 + offset),
                count=jnp.array(4, jnp.int32), flags=jnp.array([True, False]), scalar=jnp.array(2.5 + offset))


def same(a, b):
    leaves_a, leaves_b = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return (jax.tree_util.tree_structure(a) == jax.tree_util.tree_structure(b)
            and all(x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
                    for x, y in zip(leaves_a, leaves_b)))


def test_one_vector_per_dtype_and_back():
    packing = Packing.of(tree())
    packed = packing.pack(tree())
    assert sorted(str(v.dtype) for v in packed) == ["bool", "float64", "int32"]
    assert sum(v.size for v in packed) == 3 + 0 + 4 + 1 + 2 + 1
    assert same(packing.unpack(packed), tree())


def test_select_picks_whole_trees_and_batches_per_item():
    assert same(select(jnp.array(True), tree(0.0), tree(1.0)), tree(0.0))
    assert same(select(jnp.array(False), tree(0.0), tree(1.0)), tree(1.0))
    stacked = lambda *ts: jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *ts)  # noqa: E731
    on_true, on_false = stacked(tree(0.0), tree(2.0)), stacked(tree(1.0), tree(3.0))
    picked = jax.vmap(select)(jnp.array([True, False]), on_true, on_false)
    assert same(picked, stacked(tree(0.0), tree(3.0)))


def test_while_loop_matches_lax_under_vmap():
    def cond(c):
        return c["count"] < c["limit"]

    def body(c):
        return dict(c, count=c["count"] + 1, x=c["x"] * 2.0 + c["count"], flags=~c["flags"])

    def run(loop, limit):
        start = dict(count=jnp.array(0), limit=limit, x=jnp.arange(3.0), flags=jnp.array([True, False]))
        return loop(cond, body, start)

    limits = jnp.array([0, 3, 5])
    ours = jax.vmap(lambda k: run(while_loop, k))(limits)
    lax = jax.vmap(lambda k: run(jax.lax.while_loop, k))(limits)
    assert same(ours, lax)
    np.testing.assert_array_equal(ours["count"], [0, 3, 5])

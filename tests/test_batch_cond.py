"""``batch_cond``: lax.cond whose rare branch runs under vmap only when some item takes it."""

import jax
import jax.numpy as jnp
import numpy as np

from kktc.runtime._batch_cond import batch_cond


def test_unbatched_is_a_cond():
    assert float(batch_cond(jnp.array(True), lambda x: x + 1, lambda x: x - 1, jnp.array(1.0))) == 2.0
    assert float(batch_cond(jnp.array(False), lambda x: x + 1, lambda x: x - 1, jnp.array(1.0))) == 0.0


def test_each_item_keeps_its_own_branch():
    x, y = jnp.arange(4.0), jnp.array(1.0)  # y unbatched
    rare = x > 2
    got = jax.vmap(lambda r, x: batch_cond(r, lambda x, y: x * 10 + y, lambda x, y: x - y, x, y))(rare, x)
    np.testing.assert_array_equal(np.asarray(got), [-1.0, 0.0, 1.0, 31.0])


def test_no_item_takes_it_then_the_rare_branch_does_not_run():
    # count the rare branch's runs: a select would run it for every batch
    runs = []

    def taken(x):
        jax.debug.callback(lambda: runs.append(1))
        return x + 1

    f = jax.jit(jax.vmap(lambda r, x: batch_cond(r, taken, lambda x: x, x)))
    jax.block_until_ready(f(jnp.zeros(3, bool), jnp.arange(3.0)))
    assert runs == []
    jax.block_until_ready(f(jnp.array([False, True, False]), jnp.arange(3.0)))
    assert runs


def test_nested_vmap():
    x = jnp.arange(6.0).reshape(2, 3)
    f = jax.vmap(jax.vmap(lambda x: batch_cond(x > 4, lambda x: -x, lambda x: x, x)))
    np.testing.assert_array_equal(np.asarray(f(x)), [[0, 1, 2], [3, 4, -5]])

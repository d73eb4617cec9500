"""A vmapped batch larger than a chunk (``runtime/_chunks``) gives what item-by-item calls give.

The batch of 20 is one chunk of 16 and a rest of 4; the problem has no equality rows, so some
arrays have size 0 (once broke the chunking). Values, gradients and second derivatives (grad
of grad) under vmap must equal those of single calls, and so must values and gradients with
the solve mapped item by item (its threshold lowered to 0 for this small problem). A Jacobian's
columns are a batch too, one that shares the layer's data: forward mode over more columns than
a chunk must agree with reverse mode, and the columns are one vmap (the matrix factored once).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kktc as kc
from kktc.runtime import _chunks
from kktc.runtime._chunks import CHUNK

SOURCE = """
dim n
param q[n]
param h[n]
var x[n]
minimize sum_squares(x) + q @ x
subject to
    c: x <= h
"""


@pytest.fixture(scope="module")
def batch():
    layer = kc.parse(SOURCE)
    rng = np.random.default_rng(0)
    size = CHUNK + 4
    Q = jnp.asarray(rng.standard_normal((size, 5)))
    H = jnp.asarray(rng.uniform(0.0, 1.0, (size, 5)))
    return (lambda q, h: jnp.sum(layer(q=q, h=h).x ** 3)), Q, H


def test_values_gradients_and_second_derivatives_as_item_by_item(batch):
    loss, Q, H = batch
    second = jax.grad(lambda q, h: jnp.sum(jax.grad(loss)(q, h)))
    batched = [jax.vmap(loss)(Q, H), jax.vmap(jax.grad(loss))(Q, H), jax.vmap(second)(Q, H)]
    for i in (0, CHUNK - 1, CHUNK, Q.shape[0] - 1):  # both sides of the chunk boundary
        single = [loss(Q[i], H[i]), jax.grad(loss)(Q[i], H[i]), second(Q[i], H[i])]
        for got, want in zip(batched, single):
            np.testing.assert_allclose(got[i], want, rtol=1e-9, atol=1e-12)
    # the gradient of a batched loss is the batch of gradients
    total = jax.grad(lambda Q: jnp.sum(jax.vmap(loss)(Q, H)))(Q)
    np.testing.assert_allclose(total, batched[1], rtol=1e-9, atol=1e-12)


def test_item_by_item_as_single_calls(monkeypatch):
    monkeypatch.setattr(_chunks, "ITEM_BY_ITEM", 0)  # read when the vmap rule is traced
    layer = kc.parse(SOURCE)  # a layer of its own: traced under the lowered threshold only
    rng = np.random.default_rng(2)
    Q, H = jnp.asarray(rng.standard_normal((3, 5))), jnp.asarray(rng.uniform(0.0, 1.0, (3, 5)))
    loss = lambda q, h: jnp.sum(layer(q=q, h=h).x ** 3)  # noqa: E731
    values, grads = jax.vmap(jax.value_and_grad(loss, argnums=(0, 1)))(Q, H)
    for i in range(Q.shape[0]):
        value, grad = jax.value_and_grad(loss, argnums=(0, 1))(Q[i], H[i])
        np.testing.assert_allclose(values[i], value, rtol=1e-9, atol=1e-12)
        for got, want in zip(grads, grad):
            np.testing.assert_allclose(got[i], want, rtol=1e-9, atol=1e-12)


def test_jacobian_columns_in_chunks_as_reverse_mode():
    layer = kc.parse(SOURCE)
    rng = np.random.default_rng(1)
    size = 2 * CHUNK + 4  # tangent columns: two chunks and a rest, all solved with one factorization
    q, h = jnp.asarray(rng.standard_normal(size)), jnp.asarray(rng.uniform(0.0, 1.0, size))
    x_of = lambda q: layer(q=q, h=h).x  # noqa: E731
    np.testing.assert_allclose(jax.jacfwd(x_of)(q), jax.jacrev(x_of)(q), atol=1e-9)


def test_columns_alone_batched_are_one_vmap():
    """Where only the right-hand sides are batched, the shared matrix is factored once: no map over
    chunks, each of which would factor it again."""
    solve = _chunks.in_chunks(lambda A, b: jnp.linalg.solve(A, b), columns=1)
    A, b = jnp.eye(3) * 2.0, jnp.ones((2 * CHUNK + 4, 3))
    columns = jax.make_jaxpr(jax.vmap(solve, in_axes=(None, 0)))(A, b)
    items = jax.make_jaxpr(jax.vmap(solve))(jnp.broadcast_to(A, (b.shape[0], 3, 3)), b)
    assert "scan" not in str(columns) and "scan" in str(items)
    np.testing.assert_allclose(jax.vmap(solve, in_axes=(None, 0))(A, b), b / 2.0)

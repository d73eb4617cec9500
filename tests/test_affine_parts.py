"""The affine parts of a function read off at z = 0 (``runtime/_jacobian``): its Jacobian, as
``jax.jacfwd`` gives it, and its value at 0, as calling it gives, without products with the 0."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kktc.runtime._jacobian import at_zero, jacobian

jax.config.update("jax_enable_x64", True)

rng = np.random.default_rng(0)
P, G = jnp.asarray(rng.standard_normal((4, 4))), jnp.asarray(rng.standard_normal((3, 4)))
q, h = jnp.asarray(rng.standard_normal(4)), jnp.asarray(rng.standard_normal(3))

FUNCTIONS = {
    "quadratic's gradient": jax.grad(lambda z: 0.5 * z @ P @ z + q @ z + 1.0),
    "affine": lambda z: G @ z - h,
    "zero minus a value": lambda z: 2.0 * z[:3] - h,
    "sliced, scaled, summed": lambda z: jnp.concatenate([z[1:3] * 3.0 + h[:2], jnp.sum(z)[None] + q[0]]),
    "nonlinear in z": lambda z: jnp.exp(z[:3]) + jnp.cos(G @ z),
    "several outputs": lambda z: (G @ z - h, P.T @ z + q),
    "masked, then multiplied": lambda z: jnp.where(q > 0, z, 2.0) @ P,
    "masked by a scalar, sliced": lambda z: G[:, 1:] @ jnp.where(q[0] > 0, z, q)[1:] + h[0],
    "times a vector, then multiplied": lambda z: G @ (q * z),
    "scaled, sliced, multiplied": lambda z: P[:, 1:3] @ (jnp.where(q < 0, z, 1.0) * q)[1:3],
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_value_at_zero_as_called(name):
    fun, zero = FUNCTIONS[name], jnp.zeros(4)
    got, want = at_zero(fun, zero), fun(zero)
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jacobian_as_jacfwd(name):
    fun, zero = FUNCTIONS[name], jnp.zeros(4)
    for g, w in zip(jax.tree_util.tree_leaves(jacobian(fun, zero)),
                    jax.tree_util.tree_leaves(jax.jacfwd(fun)(zero))):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-15)


def test_masked_slices_multiply_without_the_identity():
    """A slice masked by jnp.where, or scaled entry by entry, keeps its closed form: no product of
    the identity with a matrix (the backward's ∂stationarity/∂λ was one, m²n flops per item)."""
    masked = lambda z: jnp.where(q > 0, z, 0.0) @ P + P @ (q * z)  # noqa: E731
    eqns = jax.make_jaxpr(lambda z: jacobian(masked, z))(jnp.zeros(4)).jaxpr.eqns
    matrix_products = [e for e in eqns if e.primitive.name == "dot_general"
                       and e.params["dimension_numbers"][0][0] and e.outvars[0].aval.ndim > 1]
    assert not matrix_products  # the value's two matrix–vector products at z remain


def test_no_products_with_the_zero():
    affine = lambda z: (jax.grad(lambda v: 0.5 * v @ P @ v + q @ v)(z), G @ z - h)  # noqa: E731
    eqns = jax.make_jaxpr(lambda z: at_zero(affine, z))(jnp.zeros(4)).jaxpr.eqns
    contracting = [e for e in eqns
                   if e.primitive.name == "dot_general" and e.params["dimension_numbers"][0][0]]
    assert not contracting  # what is left: q scaled by the cotangent 1

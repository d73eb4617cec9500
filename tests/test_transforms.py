"""JAX transformations through a layer: jit, vmap, grad, jvp, jacfwd, jacrev, hessian, and their compositions.

Each composition is compared with the same quantity computed another way
(a Python loop, central differences, or the other AD mode).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kktc as kc

LASSO = """
dim m, n
param A[m, n]
param b[m]
param lam nonneg
var x[n]
minimize 0.5 * sum_squares(A @ x - b) + lam * sum_squares(x)
subject to
    box: -1 <= x <= 1
    sum(x) == 0.5
"""

SOFTMAX = """
dim n
param theta[n]
var p[n]
maximize theta @ p + sum(entropy(p))
subject to
    simplex: sum(p) == 1
"""


@pytest.fixture(scope="module")
def qp():
    rng = np.random.default_rng(0)
    A = jnp.asarray(rng.standard_normal((12, 5)))
    b = jnp.asarray(rng.standard_normal(12))
    return kc.parse(LASSO), A, b


@pytest.fixture(scope="module")
def softmax():
    return kc.parse(SOFTMAX), jnp.asarray(np.random.default_rng(1).standard_normal(4))


def loss(layer, A, b, lam):
    sol = layer(A=A, b=b, lam=lam)
    return jnp.sum(sol.x * jnp.arange(1.0, 6.0)) + sol.objective


def central(f, x, eps=1e-6):
    x = np.asarray(x, float)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        out[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


def test_jit_matches_eager(qp):
    layer, A, b = qp
    eager = layer(A=A, b=b, lam=0.3)
    jitted = jax.jit(lambda A, b: layer(A=A, b=b, lam=0.3))(A, b)
    np.testing.assert_allclose(jitted.x, eager.x, atol=1e-12)
    assert int(jitted.status) == 0


def test_vmap_matches_loop(qp):
    layer, A, b = qp
    bs = jnp.stack([b, 2 * b, -b])
    batched = jax.vmap(lambda b: layer(A=A, b=b, lam=0.3))(bs)
    assert batched.x.shape == (3, 5) and batched.status.shape == (3,)
    for i in range(3):
        np.testing.assert_allclose(batched.x[i], layer(A=A, b=bs[i], lam=0.3).x, atol=1e-9)


def test_vmap_over_several_parameters(qp):
    layer, A, b = qp
    As = jnp.stack([A, 0.5 * A])
    lams = jnp.array([0.1, 1.0])
    batched = jax.vmap(lambda A, lam: layer(A=A, b=b, lam=lam).x)(As, lams)
    np.testing.assert_allclose(batched[1], layer(A=0.5 * A, b=b, lam=1.0).x, atol=1e-9)


def test_grad_matches_central_differences(qp):
    layer, A, b = qp
    g = jax.grad(lambda lam: loss(layer, A, b, lam))(0.3)
    fd = central(lambda lam: float(loss(layer, A, b, lam)), 0.3)
    np.testing.assert_allclose(g, fd, rtol=1e-5)


def test_jvp_equals_vjp(qp):
    layer, A, b = qp
    f = lambda b: layer(A=A, b=b, lam=0.3).x  # noqa: E731
    direction = jnp.asarray(np.random.default_rng(2).standard_normal(12))
    _, forward = jax.jvp(f, (b,), (direction,))
    reverse = jax.jacrev(f)(b) @ direction
    np.testing.assert_allclose(forward, reverse, atol=1e-9)


def test_jacfwd_equals_jacrev(qp):
    layer, A, b = qp
    f = lambda b: layer(A=A, b=b, lam=0.3).x  # noqa: E731
    np.testing.assert_allclose(jax.jacfwd(f)(b), jax.jacrev(f)(b), atol=1e-9)


def test_vmap_of_grad(qp):
    layer, A, b = qp
    lams = jnp.array([0.1, 0.5, 2.0])
    batched = jax.vmap(jax.grad(lambda lam: loss(layer, A, b, lam)))(lams)
    for i, lam in enumerate(lams):
        np.testing.assert_allclose(batched[i], jax.grad(lambda l: loss(layer, A, b, l))(lam), rtol=1e-9)


def test_grad_under_jit_under_vmap(qp):
    layer, A, b = qp
    bs = jnp.stack([b, -b])
    batched = jax.vmap(jax.jit(jax.grad(lambda b: loss(layer, A, b, 0.3))))(bs)
    np.testing.assert_allclose(batched[1], jax.grad(lambda b: loss(layer, A, b, 0.3))(-b), rtol=1e-9)


def test_hessian_matches_differences_of_grad(qp):
    layer, A, b = qp
    hess = jax.hessian(lambda lam: loss(layer, A, b, lam))(0.3)
    fd = central(lambda lam: float(jax.grad(lambda l: loss(layer, A, b, l))(lam)), 0.3, eps=1e-5)
    np.testing.assert_allclose(hess, fd, rtol=1e-4)


def test_smooth_layer_jacobian_is_softmax_jacobian(softmax):
    layer, theta = softmax
    jac = jax.jacobian(lambda t: layer(theta=t).p)(theta)
    np.testing.assert_allclose(jac, jax.jacobian(jax.nn.softmax)(theta), atol=1e-8)


def test_smooth_layer_hessian_of_objective_is_softmax_jacobian(softmax):
    # the optimal value is logsumexp(theta): its Hessian is the softmax Jacobian
    layer, theta = softmax
    hess = jax.hessian(lambda t: layer(theta=t).objective)(theta)
    np.testing.assert_allclose(hess, jax.jacobian(jax.nn.softmax)(theta), atol=1e-7)


def test_solution_is_a_pytree(qp):
    layer, A, b = qp
    sol = layer(A=A, b=b, lam=0.3)
    leaves, tree = jax.tree_util.tree_flatten(sol)
    rebuilt = jax.tree_util.tree_unflatten(tree, leaves)
    np.testing.assert_allclose(rebuilt.x, sol.x)
    assert isinstance(sol.duals["box"], tuple) and len(sol.duals["box"]) == 2


def test_warm_start_from_previous_solution(qp):
    layer, A, b = qp
    cold = layer(A=A, b=b, lam=0.3)
    warm = layer(A=A, b=1.01 * b, lam=0.3, warm_start=cold)
    reference = layer(A=A, b=1.01 * b, lam=0.3)
    assert int(warm.status) == 0
    np.testing.assert_allclose(warm.x, reference.x, atol=1e-7)


def test_float32_follows_inputs(qp):
    layer, A, b = qp
    sol = layer(A=A.astype(jnp.float32), b=b.astype(jnp.float32), lam=0.3)
    assert sol.x.dtype == jnp.float32 and int(sol.status) == 0
    np.testing.assert_allclose(sol.x, layer(A=A, b=b, lam=0.3).x, atol=1e-3)
    g = jax.grad(lambda lam: layer(A=A.astype(jnp.float32), b=b.astype(jnp.float32), lam=lam).objective)(
        jnp.float32(0.3)
    )
    assert g.dtype == jnp.float32 and np.isfinite(g)


def test_first_call_inside_an_outer_jit_leaks_no_tracer():
    # the solver is built during the first call; building it inside a trace must not capture tracers
    layer = kc.parse(SOFTMAX)
    theta = jnp.array([2.0, 1.0, 0.1])
    g = jax.jit(jax.grad(lambda t: layer(theta=t).p[0]))(theta)
    np.testing.assert_allclose(g, jax.jacobian(jax.nn.softmax)(theta)[0], atol=1e-8)
    np.testing.assert_allclose(layer(theta=theta).p, jax.nn.softmax(theta), atol=1e-8)

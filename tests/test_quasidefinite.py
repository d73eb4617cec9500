"""The quasi-definite solve shared by the interior-point step and the implicit derivative."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kktc.runtime._quasidefinite import quasidefinite_solver


def system(n, p, rank, seed):
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n, rank))
    M = B @ B.T  # psd, singular when rank < n
    A = rng.normal(size=(p, n))
    a, b = np.full(n, 1e-8), np.full(p, 1e-8)
    K = np.block([[M + np.diag(a), A.T], [A, -np.diag(b)]])
    return M, A, a, b, K, rng


@pytest.mark.parametrize("n, p, rank", [(6, 2, 6), (6, 0, 6), (8, 3, 4), (5, 5, 5)])
def test_solves_against_dense(n, p, rank):
    M, A, a, b, K, rng = system(n, p, rank, seed=n + p + rank)
    solve = quasidefinite_solver(*(jnp.asarray(v) for v in (M, A, a, b)), refinements=2)
    rhs = rng.normal(size=(n + p, 3))
    got = np.asarray(solve(jnp.asarray(rhs)))
    np.testing.assert_allclose(K @ got, rhs, atol=1e-7 * np.abs(K).max() * np.abs(got).max())
    np.testing.assert_allclose(np.asarray(solve(jnp.asarray(rhs[:, 0]))), got[:, 0], rtol=1e-6)


def test_refinement_removes_the_rounding_floor():
    # an active row with weight 1e12 beside a free direction: the floor eps·Mᵢᵢ is 1e-4 there
    M = np.diag([1e12, 1.0, 1e-6])
    M[0, 1] = M[1, 0] = 1.0
    A, a, b = np.zeros((0, 3)), np.zeros(3), np.zeros(0)
    solve = quasidefinite_solver(*(jnp.asarray(v) for v in (M, A, a, b)), refinements=2)
    rhs = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(np.asarray(solve(jnp.asarray(rhs))), np.linalg.solve(M, rhs), rtol=1e-9)


def test_breakdown_falls_back_to_a_larger_floor():
    B = np.random.default_rng(0).normal(size=(6, 3))
    M = B @ B.T * 1e8  # psd of rank 3: with the floor eps·Mᵢᵢ alone a pivot goes negative
    floor = np.finfo(float).eps * np.abs(np.diag(M))
    assert np.isnan(np.asarray(jnp.linalg.cholesky(jnp.asarray(M + np.diag(floor))))).any()
    A, a, b = np.zeros((0, 6)), np.zeros(6), np.zeros(0)
    solve = quasidefinite_solver(*(jnp.asarray(v) for v in (M, A, a, b)), refinements=2)
    rhs = M @ np.ones(6)  # consistent: a solution exists
    got = np.asarray(solve(jnp.asarray(rhs)))
    assert np.all(np.isfinite(got))
    assert np.linalg.norm(M @ got - rhs) <= 1e-6 * np.linalg.norm(rhs)


def test_batched_breakdown_check_matches_each_item():
    # under vmap the second factorization runs for the batch only when an item broke down, and
    # then only that item takes it: each answer equals the unbatched one
    B = np.random.default_rng(0).normal(size=(6, 3))
    Ms = np.stack([B @ B.T * 1e8, np.eye(6) + B @ B.T])  # the first breaks down, the second not
    rhs = np.einsum("bij,j->bi", Ms, np.ones(6))
    A, a, b = np.zeros((2, 0, 6)), np.zeros((2, 6)), np.zeros((2, 0))

    def solve(M, A, a, b, r):
        return quasidefinite_solver(M, A, a, b, refinements=2, differentiable=False)(r)

    batched = np.asarray(jax.vmap(solve)(*(jnp.asarray(v) for v in (Ms, A, a, b, rhs))))
    each = [np.asarray(solve(*(jnp.asarray(v[i]) for v in (Ms, A, a, b, rhs)))) for i in range(2)]
    np.testing.assert_array_equal(batched, np.stack(each))
    assert np.all(np.isfinite(batched))

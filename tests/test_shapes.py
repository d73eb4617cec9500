"""Shape inference: symbolic dims, NumPy's rules on concrete shapes, and shape errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kktc as kc

m, n, k = kc.dims("m n k")


# --- symbolic dims -------------------------------------------------------------------


def test_leaves_keep_symbolic_shapes():
    assert kc.Variable(n).shape == (n,)
    assert kc.Parameter((m, n)).shape == (m, n)
    assert kc.Variable().shape == ()


@pytest.mark.parametrize(
    "build, shape",
    [
        (lambda A, x, y, s: A + x, (m, n)),  # a row broadcast over the rows of A
        (lambda A, x, y, s: A * s, (m, n)),
        (lambda A, x, y, s: s - x, (n,)),
        (lambda A, x, y, s: kc.Variable((m, 1)) + kc.Variable((1, n)), (m, n)),
        (lambda A, x, y, s: kc.maximum(A, x, 0), (m, n)),
    ],
)
def test_broadcasting_with_dims(build, shape):
    A, x, y, s = kc.Variable((m, n)), kc.Variable(n), kc.Variable(m), kc.Variable()
    assert build(A, x, y, s).shape == shape


def test_matmul_with_dims():
    A, B, x, y = kc.Parameter((m, n)), kc.Parameter((n, k)), kc.Variable(n), kc.Variable(m)
    assert (A @ x).shape == (m,)
    assert (y @ A).shape == (n,)
    assert (A @ B).shape == (m, k)
    assert (x @ x).shape == ()
    assert (A.T @ y).shape == (n,)
    assert A.T.shape == (n, m)


def test_slicing_with_dims():
    x, A = kc.Variable(n), kc.Variable((m, n))
    assert x[1:].shape == (n - 1,)
    assert x[:-1].shape == (n - 1,)
    assert (x[1:] - x[:-1]).shape == (n - 1,)
    assert x[-2:].shape == (2,)
    assert x[0].shape == ()
    assert A[0, :].shape == (n,)
    assert A[:, 0].shape == (m,)
    assert A[1:, 2:].shape == (m - 1, n - 2)
    assert A[0].shape == (n,)


def test_symbolic_sizes_print_as_written():
    x = kc.Variable(n)
    assert str(x[1:].shape[0]) == "n - 1"
    assert str((m * n) + 1) == "m*n + 1"


def test_reshape_with_dims():
    A = kc.Variable((m, n))
    assert kc.reshape(A, (m * n,)).shape == (m * n,)
    assert kc.reshape(A, m * n).shape == (m * n,)
    assert kc.reshape(A, (n, m)).shape == (n, m)
    assert kc.reshape(kc.reshape(A, (m * n,)), (m, n)).shape == (m, n)


def test_stacking_with_dims():
    x, y, A, B = kc.Variable(n), kc.Variable(m), kc.Variable((m, n)), kc.Variable((m, k))
    assert kc.hstack(x, y).shape == (m + n,)
    assert kc.hstack(x, kc.Variable()).shape == (n + 1,)
    assert kc.vstack(x, x).shape == (2, n)
    assert kc.vstack(A, x).shape == (m + 1, n)
    assert kc.hstack(A, B).shape == (m, n + k)


def test_reductions_and_structure_with_dims():
    A, x, S = kc.Variable((m, n)), kc.Variable(n), kc.Variable((n, n))
    assert kc.sum(A).shape == ()
    assert kc.sum(A, axis=0).shape == (n,)
    assert kc.mean(A, axis=1).shape == (m,)
    assert kc.norm2(A, axis=-1).shape == (m,)
    assert kc.max(A, axis=0).shape == (n,)
    assert kc.cumsum(x).shape == (n,)
    assert kc.cumsum(A, axis=1).shape == (m, n)
    assert kc.diag(x).shape == (n, n)
    assert kc.diag(S).shape == (n,)
    assert kc.trace(S).shape == ()
    assert kc.dot(x, x).shape == ()
    assert kc.quad_form(x, kc.Parameter((n, n), psd=True)).shape == ()
    assert kc.quad_over_lin(A, kc.Variable()).shape == ()


# --- shape errors name both shapes --------------------------------------------------


@pytest.mark.parametrize(
    "build, shapes",
    [
        (lambda: kc.Variable(n) + kc.Variable(m), ["(n,)", "(m,)"]),
        (lambda: kc.Variable(n) * kc.Variable(m), ["(n,)", "(m,)"]),
        (lambda: kc.Variable((m, n)) - kc.Variable(m), ["(m, n)", "(m,)"]),
        (lambda: kc.Parameter((m, n)) @ kc.Variable(m), ["(m, n)", "(m,)"]),
        (lambda: kc.Variable(n) @ kc.Variable(n + 1), ["(n,)", "(n + 1,)"]),
        (lambda: kc.dot(kc.Variable(n), kc.Variable(m)), ["(n,)", "(m,)"]),
        (lambda: kc.reshape(kc.Variable((m, n)), (n, n)), ["(m, n)", "(n, n)"]),
        (lambda: kc.vstack(kc.Variable(n), kc.Variable(m)), ["(1, n)", "(1, m)"]),
        (lambda: kc.hstack(kc.Variable((m, n)), kc.Variable((n, n))), ["(m, n)", "(n, n)"]),
        (lambda: kc.quad_form(kc.Variable(n), kc.Parameter((m, m), psd=True)), ["(n,)", "(m, m)"]),
        (lambda: kc.maximum(kc.Variable(n), kc.Variable(m)), ["(n,)", "(m,)"]),
        (lambda: kc.Variable(n) <= kc.Variable(m), ["(n,)", "(m,)"]),
        (lambda: kc.Variable(n) == kc.Variable((m, n + 1)), ["(n,)", "(m, n + 1)"]),
    ],
)
def test_shape_errors_name_both_shapes(build, shapes):
    with pytest.raises(kc.ShapeError) as info:
        build()
    for shape in shapes:
        assert shape in str(info.value)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: kc.trace(kc.Variable((m, n))), r"square matrix, got \(m, n\)"),
        (lambda: kc.diag(kc.Variable((m, n))), r"vector or a square matrix, got \(m, n\)"),
        (lambda: kc.quad_over_lin(kc.Variable(n), kc.Variable(n)), r"scalar denominator, got shape \(n,\)"),
        (lambda: kc.Variable(n)[0, 0], r"1 dimension\(s\) but is indexed with 2"),
        (lambda: kc.Variable(3)[3], r"index 3 is out of range for an axis of size 3"),
        (lambda: kc.Variable(n)[::2], r"slice step needs a concrete size"),
        (lambda: kc.Variable() @ kc.Variable(n), r"needs non-scalar operands"),
        (lambda: kc.Minimize(kc.Variable(n)), r"has shape \(n,\); it must be a scalar"),
    ],
)
def test_other_shape_errors(build, match):
    with pytest.raises(kc.ShapeError, match=match):
        build()


# --- concrete shapes follow NumPy ------------------------------------------------------


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=4))
def test_broadcasting_follows_numpy(shapes):
    (sa, sb), result = shapes
    a, b = kc.Variable(sa), kc.Variable(sb)
    for expr in (a + b, a - b, a * b, a / kc.Parameter(sb), kc.maximum(a, b), kc.minimum(a, b)):
        assert expr.shape == result


@given(hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4), st.data())
def test_incompatible_shapes_raise(shape, data):
    other = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
    try:
        np.broadcast_shapes(shape, other)
    except ValueError:
        with pytest.raises(kc.ShapeError):
            kc.Variable(shape) + kc.Variable(other)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.sampled_from(["mm", "mv", "vm", "vv"]))
def test_matmul_follows_numpy(a, b, c, kind):
    sa, sb = {"mm": ((a, b), (b, c)), "mv": ((a, b), (b,)), "vm": ((b,), (b, c)), "vv": ((b,), (b,))}[kind]
    expected = (np.zeros(sa) @ np.zeros(sb)).shape
    assert (kc.Parameter(sa) @ kc.Variable(sb)).shape == expected


@given(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=5), st.data())
def test_indexing_follows_numpy(shape, data):
    key = data.draw(hnp.basic_indices(shape, allow_newaxis=False, allow_ellipsis=False))
    assert kc.Variable(shape)[key].shape == np.zeros(shape)[key].shape


@given(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4), st.data())
def test_reshape_follows_numpy(shape, data):
    size = int(np.prod(shape))
    divisor = data.draw(st.sampled_from([d for d in range(1, size + 1) if size % d == 0]))
    new = data.draw(st.sampled_from([(size,), (divisor, size // divisor)]))
    assert kc.reshape(kc.Variable(shape), new).shape == np.zeros(shape).reshape(new).shape


@given(st.lists(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), min_size=1, max_size=3))
def test_stacking_follows_numpy(shapes):
    for kc_stack, np_stack in ((kc.hstack, np.hstack), (kc.vstack, np.vstack)):
        try:
            expected = np_stack([np.zeros(s) for s in shapes]).shape
        except ValueError:
            with pytest.raises(kc.ShapeError):
                kc_stack(*(kc.Variable(s) for s in shapes))
        else:
            assert kc_stack(*(kc.Variable(s) for s in shapes)).shape == expected

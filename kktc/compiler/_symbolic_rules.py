"""The symbolic (SymPy) form of every smooth atom, and its adjoint rule.

``FORWARD[cls](node, *args)`` gives the atom's value from its arguments'
symbolic values; ``ADJOINT[cls](node, i, bar, args)`` gives what an output
adjoint ``bar`` contributes to argument ``i`` (a vector-Jacobian product), so
that gradients print as matrix algebra: ``Aᵀ(Ax − b)``, not entry by entry.
Non-smooth atoms are lowered away before this; in constant sub-expressions
(parameters only) they only need a forward form.
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from ..dsl import atoms as a
from . import _symbolic_algebra as alg
from ._symbolic_algebra import UnsupportedSymbolic, as_number, broadcast, hadamard, reduce_to


def _rational(p: float):
    return alg.number(p)


# --- helpers on shapes -----------------------------------------------------
def _resolve(bound, size, default):
    if bound is None:
        return default
    if isinstance(bound, int) and bound < 0:
        return alg.size(size) + bound
    return alg.size(bound)


def _range(part, size):
    """(start, stop) of an index entry along an axis of ``size``; None for a single int."""
    if isinstance(part, slice):
        if part.step not in (None, 1):
            raise UnsupportedSymbolic("slices with a step are not shown symbolically")
        return _resolve(part.start, size, sp.Integer(0)), _resolve(part.stop, size, alg.size(size))
    start = _resolve(part, size, None)
    return start, start + 1


def _selector(part, size):
    """The selector of one index entry, or None when the entry keeps the whole axis."""
    start, stop = _range(part, size)
    if isinstance(part, slice) and start == 0 and sp.simplify(stop - alg.size(size)) == 0:
        return None
    return alg.Selector(start, stop, alg.size(size))


def _selectors(node: a.Index):
    x = node.args[0]
    return [(_selector(part, s), isinstance(part, slice)) for part, s in zip(node.key, x.shape)]


def _times(S, x):
    return x if S is None else S * x


def _times_t(x, S):
    return x if S is None else x * S.T


def _index(node: a.Index, x):
    sel = _selectors(node)
    if len(sel) == 1:
        (S, keep), = sel
        return _times(S, x) if keep else as_number(S * x)
    (R, keep_r), (C, keep_c) = sel
    out = _times_t(_times(R, x), C)
    if keep_c and not keep_r:
        return out.T  # a row picked from a matrix is a (column) vector
    return out if keep_r or keep_c else as_number(out)


def _index_adjoint(node: a.Index, i, bar, args):
    sel = _selectors(node)
    if len(sel) == 1:
        (S, _), = sel
        return bar if S is None else S.T * bar
    (R, keep_r), (C, keep_c) = sel
    if keep_c and not keep_r:
        bar = bar.T
    out = bar if R is None else R.T * bar
    return out if C is None else out * C


def _matmul(node, x, y):
    a_, b_ = node.args
    if a_.ndim == 1 and b_.ndim == 1:
        return as_number(x.T * y)
    if a_.ndim == 1:
        return y.T * x
    return x * y


def _matmul_adjoint(node, i, bar, args):
    x, y = args
    a_, b_ = node.args
    if a_.ndim == 1 and b_.ndim == 1:
        return bar * (y if i == 0 else x)
    if a_.ndim == 1:  # (n,) @ (n, k) = yᵀx
        return y * bar if i == 0 else x * bar.T
    if b_.ndim == 1:  # (m, n) @ (n,)
        return bar * y.T if i == 0 else x.T * bar
    return bar * y.T if i == 0 else x.T * bar


def _sum(node, x):
    shape, axis = node.args[0].shape, node.axis
    if axis is None or len(shape) == 1:
        return reduce_to(x, shape, ())
    if axis == 0:
        return (alg.ones((1, shape[0])) * x).T
    return x * alg.ones((shape[1], 1))


def _sum_adjoint(node, i, bar, args):
    shape, axis = node.args[0].shape, node.axis
    if axis is None or len(shape) == 1:
        return bar * alg.ones(shape)
    if axis == 0:
        return alg.ones((shape[0], 1)) * bar.T
    return bar * alg.ones((1, shape[1]))


def _count(node) -> sp.Expr:
    shape = node.args[0].shape
    total = sp.Integer(1)
    for k, s in enumerate(shape):
        if node.axis is None or node.axis == k:
            total *= alg.size(s)
    return total


def _cumsum(node, x):
    if node.args[0].ndim != 1:
        raise UnsupportedSymbolic("cumsum of a matrix is not shown symbolically")
    return alg.LowerOnes(alg.size(node.args[0].shape[0])) * x


def _stack_vertically(node) -> bool:
    """vstack, and hstack of vectors (or scalars), stack along rows; hstack of matrices along columns."""
    return isinstance(node, a.VStack) or all(arg.ndim <= 1 for arg in node.args)


def _stack_length(node, arg) -> sp.Expr:
    if arg.ndim == 0:
        return sp.Integer(1)
    if isinstance(node, a.VStack):
        return sp.Integer(1) if arg.ndim == 1 else alg.size(arg.shape[0])
    return alg.size(arg.shape[0] if arg.ndim == 1 else arg.shape[1])


def _block(x):
    """A scalar as a 1×1 block."""
    return x if alg.is_matrix(x) else sp.ImmutableMatrix([[x]])


def _hstack(node, *xs):
    if _stack_vertically(node):
        return sp.BlockMatrix([[_block(x)] for x in xs])
    return sp.BlockMatrix([list(xs)])


def _vstack(node, *xs):
    rows = [[x.T] if arg.ndim == 1 else [_block(x)] for x, arg in zip(xs, node.args)]
    return sp.BlockMatrix(rows)


def _stack_adjoint(node, i, bar, args):
    start = sum((_stack_length(node, arg) for arg in node.args[:i]), sp.Integer(0))
    arg = node.args[i]
    stop = start + _stack_length(node, arg)
    if _stack_vertically(node):
        part = alg.Selector(start, stop, alg.size(node.shape[0])) * bar
        if arg.ndim == 0:
            return as_number(part)
        return part.T if isinstance(node, a.VStack) and arg.ndim == 1 else part
    return bar * alg.Selector(start, stop, alg.size(node.shape[1])).T


def _reshape(node, x):
    src, dst = node.args[0].shape, node.shape
    if len(src) == 1 and dst == (src[0], 1) or len(dst) == 1 and src == (dst[0], 1):
        return x
    if len(src) == 1 and dst == (1, src[0]) or len(dst) == 1 and src == (1, dst[0]):
        return x.T
    if src == dst:
        return x
    if len(src) == 2 and len(dst) == 1:
        return alg.Flatten(x)
    if len(src) == 1 and len(dst) == 2:
        return alg.Unflatten(x, alg.size(dst[0]), alg.size(dst[1]))
    raise UnsupportedSymbolic(f"reshape from {src} to {dst} is not shown symbolically")


def _reshape_adjoint(node, i, bar, args):
    src, dst = node.args[0].shape, node.shape
    if len(src) == 2 and len(dst) == 1 and 1 not in src:
        return alg.Unflatten(bar, alg.size(src[0]), alg.size(src[1]))
    if len(src) == 1 and len(dst) == 2 and 1 not in dst:
        return alg.Flatten(bar)
    transposed = len(src) == 1 and dst == (1, src[0]) or len(dst) == 1 and src == (1, dst[0])
    return bar.T if transposed else bar


def _norm2(node, x):
    if node.axis is not None:
        raise UnsupportedSymbolic("norm2 with axis= is not shown symbolically")
    return sp.sqrt(as_number(x.T * x)) if node.args[0].ndim == 1 else sp.sqrt(sp.Trace(x.T * x))


def _sum_squares(node, x):
    return _sum(a.Sum(node.args[0], axis=node.axis), hadamard(x, x))


def _logsumexp(node, x):
    return alg.elementwise(sp.log, _sum(a.Sum(node.args[0], axis=node.axis), alg.elementwise(sp.exp, x)))


def _logsumexp_adjoint(node, i, bar, args):
    (x,) = args
    weights = alg.elementwise(sp.exp, x)
    total = a.Sum(node.args[0], axis=node.axis)
    share = hadamard(bar, alg.power(_sum(total, weights), -1)) if node.shape else bar / _sum(total, weights)
    return hadamard(weights, _sum_adjoint(total, 0, share, args))


def _elementwise(func):
    return lambda node, x: alg.elementwise(func, x)


def _derivative(func):
    """Adjoint of an elementwise atom with derivative ``func``."""
    return lambda node, i, bar, args: hadamard(alg.elementwise(func, args[0]), bar)


def _binary_adjoint(node, i, bar, args):
    """Adjoint of elementwise a * b and a / b, summed back over broadcast axes."""
    x, y = args
    A, B = node.args
    out = node.shape
    if isinstance(node, a.Multiply):
        other, other_shape = (y, B.shape) if i == 0 else (x, A.shape)
        factor = broadcast(other, other_shape, out) if other_shape else other
    elif i == 0:
        factor = broadcast(alg.power(y, -1), B.shape, out) if B.shape else 1 / y
    else:
        factor = -hadamard(broadcast(x, A.shape, out), broadcast(alg.power(y, -2), B.shape, out)) if B.shape else (
            -broadcast(x, A.shape, out) / y**2)
    return reduce_to(hadamard(factor, bar), out, node.args[i].shape)


def _multiply(node, x, y):
    A, B = node.args
    if not A.shape or not B.shape:
        return x * y
    return hadamard(broadcast(x, A.shape, node.shape), broadcast(y, B.shape, node.shape))


def _divide(node, x, y):
    A, B = node.args
    if not B.shape:
        return x / y
    return hadamard(broadcast(x, A.shape, node.shape), broadcast(alg.power(y, -1), B.shape, node.shape))


def _add(node, x, y):
    return broadcast(x, node.args[0].shape, node.shape) + broadcast(y, node.args[1].shape, node.shape)


def _quad_form_adjoint(node, i, bar, args):
    x, P = args
    symmetric = getattr(node.args[1], "psd", False) or getattr(node.args[1], "symmetric", False)
    return 2 * bar * P * x if symmetric else bar * (P + P.T) * x


def _quad_over_lin_adjoint(node, i, bar, args):
    x, y = args
    if i == 0:
        return 2 * bar * x / y
    return -bar * as_number(x.T * x) / y**2


def _norm2_adjoint(node, i, bar, args):
    (x,) = args
    return bar * x / _norm2(node, x)


def opaque(node, *args):
    """A named function standing for an atom inside a constant (parameter-only) sub-expression."""
    if node.shape:
        raise UnsupportedSymbolic(f"`{node}` has no symbolic form")
    statics = [alg.number(float(v)) for v in node.static.values() if isinstance(v, int | float)]
    return sp.Function(node.name, commutative=True, real=True)(*args, *statics)


Forward = Callable[..., object]
Adjoint = Callable[..., object]

FORWARD: dict[type, Forward] = {
    a.Add: _add,
    a.Neg: lambda node, x: -x,
    a.Multiply: _multiply,
    a.Divide: _divide,
    a.MatMul: _matmul,
    a.Index: _index,
    a.Transpose: lambda node, x: x.T,
    a.Reshape: _reshape,
    a.Diag: lambda node, x: sp.DiagMatrix(x) if node.args[0].ndim == 1 else sp.DiagonalOf(x),
    a.Trace: lambda node, x: sp.Trace(x),
    a.HStack: _hstack,
    a.VStack: _vstack,
    a.Sum: _sum,
    a.Mean: lambda node, x: _sum(node, x) / _count(node),
    a.CumSum: _cumsum,
    a.Dot: lambda node, x, y: as_number(x.T * y) if node.args[0].ndim == 1 else sp.Trace(x.T * y),
    a.Square: lambda node, x: alg.power(x, 2),
    a.SumSquares: _sum_squares,
    a.QuadForm: lambda node, x, P: as_number(x.T * P * x),
    a.Power: lambda node, x: alg.power(x, _rational(node.p)),
    a.Exp: _elementwise(sp.exp),
    a.Log: _elementwise(sp.log),
    a.Sqrt: _elementwise(sp.sqrt),
    a.Entropy: _elementwise(lambda d: -d * sp.log(d)),
    a.InvPos: _elementwise(lambda d: 1 / d),
    a.Softplus: _elementwise(lambda d: sp.log(1 + sp.exp(d))),
    a.LogSumExp: _logsumexp,
    a.Norm2: _norm2,
    a.QuadOverLin: lambda node, x, y: as_number(x.T * x) / y,
    a.Abs: _elementwise(sp.Abs),
    a.Pos: _elementwise(lambda d: sp.Max(d, 0)),
}

ADJOINT: dict[type, Adjoint] = {
    a.Add: lambda node, i, bar, args: reduce_to(bar, node.shape, node.args[i].shape),
    a.Neg: lambda node, i, bar, args: -bar,
    a.Multiply: _binary_adjoint,
    a.Divide: _binary_adjoint,
    a.MatMul: _matmul_adjoint,
    a.Index: _index_adjoint,
    a.Transpose: lambda node, i, bar, args: bar.T,
    a.Reshape: _reshape_adjoint,
    a.Diag: lambda node, i, bar, args: sp.DiagonalOf(bar) if node.args[0].ndim == 1 else sp.DiagMatrix(bar),
    a.Trace: lambda node, i, bar, args: bar * sp.Identity(alg.size(node.args[0].shape[0])),
    a.HStack: _stack_adjoint,
    a.VStack: _stack_adjoint,
    a.Sum: _sum_adjoint,
    a.Mean: lambda node, i, bar, args: _sum_adjoint(node, i, bar, args) / _count(node),
    a.CumSum: lambda node, i, bar, args: alg.LowerOnes(alg.size(node.args[0].shape[0])).T * bar,
    a.Dot: lambda node, i, bar, args: bar * args[1 - i],
    a.Square: lambda node, i, bar, args: hadamard(2 * args[0], bar),
    a.SumSquares: lambda node, i, bar, args: hadamard(2 * args[0], _sum_adjoint(node, i, bar, args)),
    a.QuadForm: _quad_form_adjoint,
    a.Power: lambda node, i, bar, args: hadamard(
        _rational(node.p) * alg.power(args[0], _rational(node.p) - 1), bar),
    a.Exp: _derivative(sp.exp),
    a.Log: _derivative(lambda d: 1 / d),
    a.Sqrt: _derivative(lambda d: 1 / (2 * sp.sqrt(d))),
    a.Entropy: _derivative(lambda d: -sp.log(d) - 1),
    a.InvPos: _derivative(lambda d: -1 / d**2),
    a.Softplus: _derivative(lambda d: 1 / (1 + sp.exp(-d))),
    a.LogSumExp: _logsumexp_adjoint,
    a.Norm2: _norm2_adjoint,
    a.QuadOverLin: _quad_over_lin_adjoint,
}

#: Atoms that lowering always removes from the non-constant part of a problem.
LOWERED_AWAY = (a.Abs, a.Pos, a.Max, a.Min, a.Maximum, a.Minimum, a.Norm1, a.NormInf, a.Huber)

"""JAX evaluation of dsl expressions: one rule per atom class.

``evaluate(expr, values, bindings)`` maps every node to a ``jax.Array``:
leaves are looked up by identity in ``values``, sizes by name in ``bindings``.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from ..dsl import Constant, Expression, atoms as a
from ..dsl._size import Size, evaluate_shape


def _size(value: Any, bindings: dict[str, int]) -> int | None:
    if value is None:
        return None
    return value.evaluate(bindings) if isinstance(value, Size) else value


def _index(node: a.Index, bindings, x):
    key = []
    for part in node.key:
        if isinstance(part, slice):
            key.append(slice(_size(part.start, bindings), _size(part.stop, bindings), _size(part.step, bindings)))
        else:
            key.append(_size(part, bindings))
    return x[tuple(key)]


def _norm2(node, bindings, x):
    # the double where keeps the gradient finite (zero) at x = 0
    squares = jnp.sum(x * x, axis=node.axis)
    positive = squares > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, squares, 1)), 0)


def _huber(node, bindings, x):
    M = node.M
    ax = jnp.abs(x)
    return jnp.where(ax <= M, x * x, 2 * M * ax - M * M)


def _power(node, bindings, x):
    p = node.p
    if p == int(p):
        return x ** int(p)
    return jnp.power(x, p)


def _entropy(node, bindings, x):
    safe = jnp.where(x > 0, x, 1)
    return jnp.where(x > 0, -x * jnp.log(safe), 0)


def _quad_form(node, bindings, x, P):
    return x @ P @ x


def _hstack(node, bindings, *xs):
    return jnp.hstack(xs)


def _vstack(node, bindings, *xs):
    return jnp.vstack(xs)


def _cumsum(node, bindings, x):
    return jnp.cumsum(x, axis=node.axis)


Rule = Callable[..., jax.Array]

#: The JAX meaning of every atom, keyed by class.
RULES: dict[type, Rule] = {
    a.Add: lambda n, b, x, y: _broadcasting(jnp.add, x, y),
    a.Neg: lambda n, b, x: -x,
    a.Multiply: lambda n, b, x, y: _broadcasting(jnp.multiply, x, y),
    a.Divide: lambda n, b, x, y: _broadcasting(jnp.divide, x, y),
    a.MatMul: lambda n, b, x, y: x @ y,
    a.Index: _index,
    a.Transpose: lambda n, b, x: x.T,
    a.Reshape: lambda n, b, x: jnp.reshape(x, evaluate_shape(n.new_shape, b)),
    a.Diag: lambda n, b, x: jnp.diag(x),
    a.Trace: lambda n, b, x: jnp.trace(x),
    a.HStack: _hstack,
    a.VStack: _vstack,
    a.Sum: lambda n, b, x: jnp.sum(x, axis=n.axis),
    a.Mean: lambda n, b, x: jnp.mean(x, axis=n.axis),
    a.CumSum: _cumsum,
    a.Dot: lambda n, b, x, y: jnp.sum(x * y),
    a.Abs: lambda n, b, x: jnp.abs(x),
    a.Square: lambda n, b, x: x * x,
    a.Pos: lambda n, b, x: jnp.maximum(x, 0),
    a.Exp: lambda n, b, x: jnp.exp(x),
    a.Softplus: lambda n, b, x: jnp.logaddexp(x, 0),
    a.InvPos: lambda n, b, x: 1 / x,
    a.Log: lambda n, b, x: jnp.log(x),
    a.Sqrt: lambda n, b, x: jnp.sqrt(x),
    a.Entropy: _entropy,
    a.Power: _power,
    a.Huber: _huber,
    a.Maximum: lambda n, b, *xs: _fold(jnp.maximum, xs),
    a.Minimum: lambda n, b, *xs: _fold(jnp.minimum, xs),
    a.Norm1: lambda n, b, x: jnp.sum(jnp.abs(x), axis=n.axis),
    a.Norm2: _norm2,
    a.NormInf: lambda n, b, x: jnp.max(jnp.abs(x), axis=n.axis),
    a.SumSquares: lambda n, b, x: jnp.sum(x * x, axis=n.axis),
    a.Max: lambda n, b, x: jnp.max(x, axis=n.axis),
    a.Min: lambda n, b, x: jnp.min(x, axis=n.axis),
    a.LogSumExp: lambda n, b, x: jax.nn.logsumexp(x, axis=n.axis),
    a.QuadForm: _quad_form,
    a.QuadOverLin: lambda n, b, x, y: jnp.sum(x * x) / y,
}


def _broadcasting(op, x, y):
    """``op(x, y)`` with NumPy broadcasting made explicit (users may set rank promotion to raise)."""
    rank = max(x.ndim, y.ndim)
    return op(x.reshape((1,) * (rank - x.ndim) + x.shape), y.reshape((1,) * (rank - y.ndim) + y.shape))


def _fold(op, xs):
    out = xs[0]
    for x in xs[1:]:
        out = _broadcasting(op, out, x)
    return out


class Evaluator:
    """Evaluates expressions over one assignment of leaves; shared sub-expressions once.

    Args:
        values: leaf values keyed by ``id`` of the Variable or Parameter.
        bindings: dim values by name.
        dtype: the floating dtype for constants.
    """

    def __init__(self, values: dict[int, jax.Array], bindings: dict[str, int], dtype):
        self.values = values
        self.bindings = bindings
        self.dtype = dtype
        self.cache: dict[int, jax.Array] = {}

    def __call__(self, node: Expression) -> jax.Array:
        key = id(node)
        if key in self.cache:
            return self.cache[key]
        if isinstance(node, Constant):
            out = jnp.asarray(node.value, dtype=self.dtype)
        elif not node.args:
            out = self.values[key]
        else:
            out = RULES[type(node)](node, self.bindings, *(self(arg) for arg in node.args))
        self.cache[key] = out
        return out

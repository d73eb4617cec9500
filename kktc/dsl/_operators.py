"""Operator entry points shared by Python's operators and the parser.

Operations on two numeric constants fold to a constant, so ``1/2 * x`` from
Python (where 1/2 is folded by Python itself) and from a ``.kkt`` file build
the same tree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import ShapeError
from ._expression import Expression
from ._leaves import Constant, as_expression
from ._printer import format_operation
from ._size import broadcast_shapes, format_shape
from .atoms._arithmetic import Add, Divide, MatMul, Multiply, Neg


def _both_constant(a: Expression, b: Expression) -> bool:
    return isinstance(a, Constant) and isinstance(b, Constant)


def _fold(op, a: Constant, b: Constant, symbol: str) -> Constant:
    try:
        with np.errstate(all="raise"):
            return Constant(op(a.value, b.value))
    except (ValueError, FloatingPointError, ArithmeticError) as exc:
        raise ShapeError(f"cannot evaluate constant `{a} {symbol} {b}`: {exc}") from None


def _check_broadcast(a: Expression, symbol: str, b: Expression) -> None:
    """Name the operation as written (``a - b``, not ``a + -b``) when the shapes clash."""
    if broadcast_shapes(a.shape, b.shape) is None:
        raise ShapeError(
            f"cannot broadcast shapes {format_shape(a.shape)} and {format_shape(b.shape)} "
            f"in `{format_operation(a, symbol, b)}`"
        )


def add(a: Any, b: Any) -> Expression:
    a, b = as_expression(a), as_expression(b)
    _check_broadcast(a, "+", b)
    if _both_constant(a, b):
        return _fold(np.add, a, b, "+")
    return Add(a, b)


def neg(a: Any) -> Expression:
    a = as_expression(a)
    if isinstance(a, Constant):
        return Constant(-a.value)
    return Neg(a)


def sub(a: Any, b: Any) -> Expression:
    a, b = as_expression(a), as_expression(b)
    _check_broadcast(a, "-", b)
    return add(a, neg(b))


def multiply(a: Any, b: Any) -> Expression:
    a, b = as_expression(a), as_expression(b)
    _check_broadcast(a, "*", b)
    if _both_constant(a, b):
        return _fold(np.multiply, a, b, "*")
    return Multiply(a, b)


def divide(a: Any, b: Any) -> Expression:
    a, b = as_expression(a), as_expression(b)
    _check_broadcast(a, "/", b)
    if _both_constant(a, b):
        return _fold(np.divide, a, b, "/")
    return Divide(a, b)


def matmul(a: Any, b: Any) -> Expression:
    a, b = as_expression(a), as_expression(b)
    if _both_constant(a, b) and a.ndim and b.ndim:
        return _fold(np.matmul, a, b, "@")
    return MatMul(a, b)

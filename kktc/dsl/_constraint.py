"""Constraints: ``lhs == rhs`` and ``lhs <= rhs`` (``>=`` is stored flipped)."""

from __future__ import annotations

from typing import Any

from .._errors import ShapeError, Span
from ._expression import Expression
from ._leaves import Constant, as_expression
from ._size import Shape, broadcast_shapes, format_shape


class Constraint:
    """One elementwise comparison of two expressions, broadcast together.

    ``a >= b`` is stored as ``b <= a``; an equality with a constant on the left
    is stored with it on the right, so that Python's reflected operators and
    the parser build the same constraint.
    """

    __hash__ = object.__hash__

    def __init__(self, op: str, lhs: Any, rhs: Any):
        lhs, rhs = as_expression(lhs), as_expression(rhs)
        shape = broadcast_shapes(lhs.shape, rhs.shape)
        if shape is None:
            raise ShapeError(
                f"`{lhs} {op} {rhs}`: the two sides have shapes {format_shape(lhs.shape)} "
                f"and {format_shape(rhs.shape)}, which do not broadcast"
            )
        for name, value in (("op", op), ("lhs", lhs), ("rhs", rhs), ("shape", shape), ("span", None)):
            object.__setattr__(self, name, value)

    op: str
    lhs: Expression
    rhs: Expression
    shape: Shape
    span: Span | None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Constraint is immutable")

    @staticmethod
    def eq(lhs: Any, rhs: Any) -> Constraint:
        lhs, rhs = as_expression(lhs), as_expression(rhs)
        if isinstance(lhs, Constant) and not isinstance(rhs, Constant):
            lhs, rhs = rhs, lhs
        return Constraint("==", lhs, rhs)

    @staticmethod
    def le(lhs: Any, rhs: Any) -> Constraint:
        return Constraint("<=", lhs, rhs)

    def with_span(self, span: Span | None) -> Constraint:
        if self.span is None and span is not None:
            object.__setattr__(self, "span", span)
        return self

    @property
    def is_equality(self) -> bool:
        return self.op == "=="

    @property
    def key(self) -> tuple:
        return (self.op, self.lhs.structural_key, self.rhs.structural_key)

    def same_as(self, other: Constraint) -> bool:
        return isinstance(other, Constraint) and self.key == other.key

    def __bool__(self) -> bool:
        raise TypeError(
            "a constraint has no truth value. Python's chained comparison `a <= x <= b` "
            "needs two constraints: [a <= x, x <= b]"
        )

    def __str__(self) -> str:
        return f"{self.lhs} {self.op} {self.rhs}"

    def __repr__(self) -> str:
        return f"Constraint({self})"

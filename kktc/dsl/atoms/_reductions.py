"""Affine reductions: sum, mean, cumsum and dot."""

from __future__ import annotations

from typing import Any

from ..._errors import ShapeError
from .._leaves import as_expression
from .._properties import Sign
from .._size import Shape, format_shape
from .._expression import Atom
from ._arithmetic import _Product
from ._static import normalize_axis, reduce_shape


class _AxisAtom(Atom):
    """An atom with an optional ``axis=`` (None: over all entries)."""

    keywords = ("axis",)

    def __init__(self, x: Any, axis: Any = None):
        x = as_expression(x)
        super().__init__(x, axis=normalize_axis(axis, x.ndim, self.name))

    def _shape(self) -> Shape:
        return reduce_shape(self.args[0].shape, self.axis)


class Sum(_AxisAtom):
    """``sum(x, axis=None)``."""

    name = "sum"

    def _sign(self) -> Sign:
        return self.args[0].sign


class Mean(_AxisAtom):
    """``mean(x, axis=None)``."""

    name = "mean"

    def _sign(self) -> Sign:
        return self.args[0].sign


class CumSum(_AxisAtom):
    """``cumsum(x, axis=None)``: running sums; without an axis, over the flattened entries."""

    name = "cumsum"

    def _shape(self) -> Shape:
        shape = self.args[0].shape
        if self.axis is None and len(shape) > 1:
            raise ShapeError(f"`{self}`: cumsum of a {format_shape(shape)} array needs axis=")
        return shape

    def _sign(self) -> Sign:
        return self.args[0].sign


class Dot(_Product):
    """``dot(a, b)``: the inner product of two vectors (or same-shape arrays)."""

    name = "dot"

    def _shape(self) -> Shape:
        a, b = self.args
        if a.shape != b.shape or a.ndim == 0:
            raise ShapeError(
                f"`{self}`: dot needs two arrays of one shape, got "
                f"{format_shape(a.shape)} and {format_shape(b.shape)}"
            )
        return ()

"""Checks for static (non-expression) atom arguments: axes, exponents, shapes."""

from __future__ import annotations

import numbers
from typing import Any

from ..._errors import AtomError, ShapeError
from .._leaves import Constant
from .._size import Shape, Size, SizeLike


def static_number(value: Any, atom: str, what: str) -> float:
    """A plain number (a scalar constant from a .kkt file also counts)."""
    if isinstance(value, Constant) and value.shape == ():
        value = float(value.value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise AtomError(f"{atom}(): {what} must be a number, got `{value}`")


def static_int(value: Any, atom: str, what: str) -> int:
    if isinstance(value, Constant) and value.is_integer:
        value = int(value.value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise AtomError(f"{atom}(): {what} must be an integer, got `{value}`")


def static_size(value: Any, atom: str, what: str) -> SizeLike:
    if isinstance(value, Size):
        return value
    return static_int(value, atom, what)


def static_shape(value: Any, atom: str) -> Shape:
    entries = value if isinstance(value, tuple | list) else (value,)
    shape = tuple(static_size(v, atom, "a shape entry") for v in entries)
    if any(isinstance(s, int) and s < 0 for s in shape):
        raise ShapeError(f"{atom}(): shape entries must be non-negative, got {shape}")
    return shape


def normalize_axis(axis: Any, ndim: int, atom: str) -> int | None:
    """``None`` or an axis in ``range(ndim)`` (negative axes count from the end)."""
    if axis is None:
        return None
    axis = static_int(axis, atom, "axis")
    if not -ndim <= axis < ndim:
        raise AtomError(f"{atom}(): axis {axis} is out of range for a {ndim}-d argument")
    return axis


def reduce_shape(shape: Shape, axis: int | None) -> Shape:
    if axis is None:
        return ()
    axis %= len(shape)
    return shape[:axis] + shape[axis + 1 :]

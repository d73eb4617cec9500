"""Affine atoms that move entries around: indexing, transpose, reshape, diag, trace, stacking."""

from __future__ import annotations

from typing import Any

from ..._errors import AtomError, ShapeError
from .._expression import Atom, Expression
from .._leaves import Constant, as_expression
from .._properties import Sign
from .._size import Shape, SizeLike, format_shape, size_product
from ._static import static_shape, static_size

IndexEntry = Any  # an int or Size (picks one entry), or a slice of them


def _join_signs(args: tuple[Expression, ...]) -> Sign:
    sign = args[0].sign
    for a in args[1:]:
        sign = Sign.of(sign.is_nonneg and a.sign.is_nonneg, sign.is_nonpos and a.sign.is_nonpos)
    return sign


def _diagonal_sign(matrix: Expression) -> Sign:
    """The diagonal of a PSD matrix is nonnegative, of an NSD one nonpositive."""
    sign, definite = matrix.sign, matrix.definiteness
    return Sign.of(sign.is_nonneg or definite.is_nonneg, sign.is_nonpos or definite.is_nonpos)


def _slice_part(value: Any) -> SizeLike | None:
    if value is None:
        return None
    return static_size(value, "index", "a slice bound")


def _normalize_key(key: Any, ndim: int, expr: Expression) -> tuple[IndexEntry, ...]:
    entries = key if isinstance(key, tuple) else (key,)
    if len(entries) > ndim:
        raise ShapeError(
            f"`{expr}` has {ndim} dimension(s) but is indexed with {len(entries)} subscripts"
        )
    out: list[IndexEntry] = []
    for entry in entries:
        if isinstance(entry, slice):
            out.append(slice(_slice_part(entry.start), _slice_part(entry.stop), _slice_part(entry.step)))
        elif isinstance(entry, Expression) and not isinstance(entry, Constant):
            raise AtomError(f"`{expr}` is indexed by the expression `{entry}`; indices must be integers")
        else:
            out.append(static_size(entry, "index", "an index"))
    out.extend(slice(None, None, None) for _ in range(ndim - len(out)))
    return tuple(out)


def _resolve(bound: SizeLike | None, size: SizeLike, default: SizeLike) -> SizeLike:
    if bound is None:
        return default
    if isinstance(bound, int) and bound < 0:
        return size + bound
    return bound


def _slice_length(part: slice, size: SizeLike, expr: Expression) -> SizeLike:
    if all(isinstance(v, int | type(None)) for v in (part.start, part.stop, part.step)) and isinstance(size, int):
        return len(range(size)[part])
    if part.step not in (None, 1):
        raise ShapeError(f"`{expr}`: a slice step needs a concrete size, but this axis has size {size}")
    start = _resolve(part.start, size, 0)
    stop = _resolve(part.stop, size, size)
    length = stop - start
    if isinstance(length, int) and length < 0:
        raise ShapeError(f"`{expr}`: the slice {start}:{stop} is empty or reversed")
    return length


def _check_entry(entry: SizeLike, size: SizeLike, expr: Expression) -> None:
    if isinstance(entry, int) and isinstance(size, int) and not -size <= entry < size:
        raise ShapeError(f"`{expr}`: index {entry} is out of range for an axis of size {size}")


class Index(Atom):
    """``x[i]``, ``x[a:b]``, ``A[i, :]`` — NumPy basic indexing, 0-based, half-open slices."""

    name = "index"
    positional = ("key",)

    def __init__(self, x: Any, key: Any):
        x = as_expression(x)
        if x.ndim == 0:
            raise ShapeError(f"`{x}` is a scalar and cannot be indexed")
        super().__init__(x, key=_normalize_key(key, x.ndim, x))

    def _shape(self) -> Shape:
        x = self.args[0]
        shape: list[SizeLike] = []
        for entry, size in zip(self.key, x.shape):
            if isinstance(entry, slice):
                shape.append(_slice_length(entry, size, self))
            else:
                _check_entry(entry, size, self)
        return tuple(shape)

    def _sign(self) -> Sign:
        return self.args[0].sign


def index(x: Any, key: Any) -> Expression:
    return Index(x, key)


class Transpose(Atom):
    """``A.T``: reverses the axes (a no-op on vectors and scalars, as in NumPy)."""

    name = "transpose"

    def _shape(self) -> Shape:
        return tuple(reversed(self.args[0].shape))

    def _sign(self) -> Sign:
        return self.args[0].sign

    def _definiteness(self) -> Sign:
        return self.args[0].definiteness


def transpose(x: Any) -> Expression:
    x = as_expression(x)
    return x if x.ndim < 2 else Transpose(x)


class Reshape(Atom):
    """``reshape(x, shape)`` in C (row-major) order, as NumPy."""

    name = "reshape"
    positional = ("new_shape",)

    def __init__(self, x: Any, shape: Any):
        super().__init__(x, new_shape=static_shape(shape, "reshape"))

    def _shape(self) -> Shape:
        old = size_product(self.args[0].shape)
        new = size_product(self.new_shape)
        if old != new:
            raise ShapeError(
                f"`{self}`: cannot reshape {format_shape(self.args[0].shape)} "
                f"({old} entries) to {format_shape(self.new_shape)} ({new} entries)"
            )
        return self.new_shape

    def _sign(self) -> Sign:
        return self.args[0].sign


class Diag(Atom):
    """``diag(v)``: a vector to a diagonal matrix, or a square matrix to its diagonal."""

    name = "diag"

    def _shape(self) -> Shape:
        x = self.args[0]
        if x.ndim == 1:
            return (x.shape[0], x.shape[0])
        if x.ndim == 2 and x.shape[0] == x.shape[1]:
            return (x.shape[0],)
        raise ShapeError(f"`{self}`: diag takes a vector or a square matrix, got {format_shape(x.shape)}")

    def _sign(self) -> Sign:
        x = self.args[0]
        return x.sign if x.ndim == 1 else _diagonal_sign(x)

    def _definiteness(self) -> Sign:
        return self.args[0].sign  # a diagonal matrix is PSD when its entries are nonnegative


class Trace(Atom):
    """``trace(A)``: the sum of the diagonal of a square matrix."""

    name = "trace"

    def _shape(self) -> Shape:
        x = self.args[0]
        if x.ndim != 2 or x.shape[0] != x.shape[1]:
            raise ShapeError(f"`{self}`: trace takes a square matrix, got {format_shape(x.shape)}")
        return ()

    def _sign(self) -> Sign:
        return _diagonal_sign(self.args[0])


class HStack(Atom):
    """``hstack(a, b, ...)``: concatenate scalars and vectors, or matrices side by side (NumPy)."""

    name = "hstack"
    max_args = None

    def _shape(self) -> Shape:
        shapes = [a.shape or (1,) for a in self.args]  # NumPy's atleast_1d
        if any(len(s) > 2 for s in shapes):
            raise ShapeError(f"`{self}`: hstack takes scalars, vectors or matrices")
        axis = 0 if len(shapes[0]) == 1 else 1
        return _concatenate(self, shapes, axis)

    def _sign(self) -> Sign:
        return _join_signs(self.args)


class VStack(Atom):
    """``vstack(a, b, ...)``: stack scalars and vectors as rows, or matrices on top of each other (NumPy)."""

    name = "vstack"
    max_args = None

    def _shape(self) -> Shape:
        shapes = [(1,) * (2 - len(a.shape)) + a.shape for a in self.args]  # NumPy's atleast_2d
        if any(len(s) != 2 for s in shapes):
            raise ShapeError(f"`{self}`: vstack takes scalars, vectors or matrices")
        return _concatenate(self, shapes, 0)

    def _sign(self) -> Sign:
        return _join_signs(self.args)


def _concatenate(node: Atom, shapes: list[Shape], axis: int) -> Shape:
    first = shapes[0]
    total: SizeLike = 0
    for s in shapes:
        if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(s, first)) if i != axis):
            listed = ", ".join(format_shape(t) for t in shapes)
            raise ShapeError(f"`{node}`: {node.name} needs matching sizes off axis {axis}, got {listed}")
        total = total + s[axis]
    return first[:axis] + (total,) + first[axis + 1 :]

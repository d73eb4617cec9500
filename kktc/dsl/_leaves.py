"""Leaves of the expression DAG: Variable, Parameter and Constant."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .._errors import AtomError, ShapeError
from ._expression import Expression
from ._properties import Curvature, Sign
from ._size import Shape, Size, SizeLike


def as_shape(shape: Any) -> Shape:
    """Normalise ``n``, ``(m, n)`` or ``None``/``()`` to a shape tuple."""
    if shape is None:
        return ()
    if isinstance(shape, int | Size):
        shape = (shape,)
    try:
        entries = tuple(shape)
    except TypeError:
        raise ShapeError(f"a shape must be a size or a tuple of sizes, got {shape!r}") from None
    out: list[SizeLike] = []
    for s in entries:
        if isinstance(s, Size):
            out.append(s)
        elif isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0:
            out.append(int(s))
        else:
            raise ShapeError(f"shape entries must be dims or non-negative integers, got {s!r}")
    return tuple(out)


class Symbol(Expression):
    """A named leaf: a Variable or a Parameter.

    Unnamed symbols are told apart by identity, and named by the problem.
    """

    is_leaf_symbol = True
    attributes: tuple[str, ...] = ()
    kind: str = "symbol"

    def __init__(self, shape: Any = (), name: str | None = None, **attrs: bool):
        unknown = set(attrs) - set(self.attributes)
        if unknown:
            raise AtomError(
                f"{type(self).__name__} has no attribute {sorted(unknown)[0]!r}; "
                f"choose from {', '.join(self.attributes)}"
            )
        if name is not None and not name.isidentifier():
            raise AtomError(f"{name!r} is not a valid name")
        self._set(shape=as_shape(shape), name=name)
        self._set(**{a: bool(attrs.get(a, False)) for a in self.attributes})
        if attrs.get("nonneg") and attrs.get("nonpos"):
            raise AtomError(f"{self.kind} {name}: nonneg and nonpos together fix it to zero")
        self._set(sign=Sign.of(bool(attrs.get("nonneg")), bool(attrs.get("nonpos"))))

    @property
    def attrs(self) -> tuple[str, ...]:
        """The attributes that are set, in declaration order."""
        return tuple(a for a in self.attributes if getattr(self, a))

    def _static_key(self) -> tuple:
        ident = self.name if self.name is not None else id(self)
        return (ident, self.shape, self.attrs)

    def declaration_same_as(self, other: Symbol) -> bool:
        return type(self) is type(other) and self._static_key() == other._static_key()


class Variable(Symbol):
    """An optimization variable.

    >>> x = Variable(3, name="x", nonneg=True)
    """

    attributes = ("nonneg", "nonpos")
    kind = "var"
    curvature = Curvature.AFFINE


class Parameter(Symbol):
    """A problem parameter: a constant of known shape (and sign) whose value comes at call time.

    >>> lam = Parameter(name="lam", nonneg=True)
    """

    attributes = ("nonneg", "nonpos", "psd", "symmetric")
    kind = "param"
    curvature = Curvature.CONSTANT

    def __init__(self, shape: Any = (), name: str | None = None, **attrs: bool):
        super().__init__(shape, name, **attrs)
        if (self.psd or self.symmetric) and (len(self.shape) != 2 or self.shape[0] != self.shape[1]):
            word = "psd" if self.psd else "symmetric"
            raise ShapeError(
                f"param {name}: '{word}' needs a square matrix, got shape {self.shape}"
            )

    def _definiteness(self) -> Sign:
        return Sign.NONNEG if self.psd else Sign.UNKNOWN


class Constant(Expression):
    """A numeric constant (scalar or array)."""

    curvature = Curvature.CONSTANT

    def __init__(self, value: Any):
        array = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(array)):
            raise AtomError("constants must be finite (use a parameter for ±inf bounds)")
        array.setflags(write=False)
        self._set(value=array, shape=array.shape)
        self._set(sign=Sign.of(bool(np.all(array >= 0)), bool(np.all(array <= 0))))

    def _static_key(self) -> tuple:
        return (self.value.shape, self.value.tobytes())

    def _definiteness(self) -> Sign:
        M = self.value
        if not np.allclose(M, M.T):
            return Sign.UNKNOWN
        eig = np.linalg.eigvalsh((M + M.T) / 2)
        tol = 1e-10 * max(1.0, float(np.abs(eig).max(initial=0.0)))
        return Sign.of(bool(eig.min(initial=0.0) >= -tol), bool(eig.max(initial=0.0) <= tol))

    @property
    def is_integer(self) -> bool:
        return self.shape == () and float(self.value) == int(self.value)


def as_expression(value: Any) -> Expression:
    """Wrap numbers and arrays as constants; pass expressions through."""
    if isinstance(value, Expression):
        return value
    if isinstance(value, Size):
        raise AtomError(f"dim '{value}' can only be used in shapes, not as a value")
    try:
        return Constant(value)
    except (TypeError, ValueError):
        raise AtomError(f"cannot use {type(value).__name__} {value!r} in an expression") from None

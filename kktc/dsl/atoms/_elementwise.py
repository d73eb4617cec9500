"""Elementwise nonlinear atoms. Each states its sign, curvature and monotonicity."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._errors import AtomError, ShapeError
from .._expression import Atom, Expression
from .._properties import Curvature, Monotonicity, Sign
from .._size import Shape, broadcast_shapes, format_shape
from ._static import static_number

CONVEX, CONCAVE = Curvature.CONVEX, Curvature.CONCAVE
INCREASING, DECREASING = Monotonicity.INCREASING, Monotonicity.DECREASING


class _Elementwise(Atom):
    """One argument, applied entry by entry; the result has the argument's shape."""

    def _shape(self) -> Shape:
        return self.args[0].shape


class _EvenConvex(_Elementwise):
    """Convex, nonnegative and symmetric (|x|-like): monotone by the argument's sign."""

    def _sign(self) -> Sign:
        return Sign.NONNEG

    def _atom_curvature(self) -> Curvature:
        return CONVEX

    def _monotonicity(self, i: int) -> Monotonicity:
        return Monotonicity.by_sign(self.args[0].sign)


class Abs(_EvenConvex):
    """``abs(x)``: |x|."""

    name = "abs"


class Square(_EvenConvex):
    """``square(x)``: x²."""

    name = "square"


class Huber(_EvenConvex):
    """``huber(x, M=1)``: x² for |x| ≤ M, 2M|x| − M² beyond."""

    name = "huber"
    positional = ("M",)

    def __init__(self, x: Any, M: Any = 1.0):
        M = static_number(M, self.name, "M")
        if M < 0:
            raise AtomError(f"huber(): M must be nonnegative, got {M}")
        super().__init__(x, M=M)


class Pos(_Elementwise):
    """``pos(x)``: max(x, 0)."""

    name = "pos"

    def _sign(self) -> Sign:
        return Sign.of(True, self.args[0].sign.is_nonpos)  # pos of a nonpositive x is 0

    def _atom_curvature(self) -> Curvature:
        return CONVEX


class _PositiveConvexIncreasing(_Elementwise):
    """Nonnegative, convex and increasing (siblings, so that reflected ``==`` keeps operand order)."""

    def _sign(self) -> Sign:
        return Sign.NONNEG

    def _atom_curvature(self) -> Curvature:
        return CONVEX


class Exp(_PositiveConvexIncreasing):
    """``exp(x)``."""

    name = "exp"


class Softplus(_PositiveConvexIncreasing):
    """``softplus(x)``: log(1 + exp(x))."""

    name = "softplus"


class InvPos(_Elementwise):
    """``inv_pos(x)``: 1/x for x > 0."""

    name = "inv_pos"

    def _sign(self) -> Sign:
        return Sign.NONNEG

    def _atom_curvature(self) -> Curvature:
        return CONVEX

    def _monotonicity(self, i: int) -> Monotonicity:
        return DECREASING


class Log(_Elementwise):
    """``log(x)`` for x > 0."""

    name = "log"

    def _atom_curvature(self) -> Curvature:
        return CONCAVE


class Sqrt(_Elementwise):
    """``sqrt(x)`` for x ≥ 0."""

    name = "sqrt"

    def _sign(self) -> Sign:
        return Sign.NONNEG

    def _atom_curvature(self) -> Curvature:
        return CONCAVE


class Entropy(_Elementwise):
    """``entropy(x)``: −x log x for x ≥ 0."""

    name = "entropy"

    def _atom_curvature(self) -> Curvature:
        return CONCAVE

    def _monotonicity(self, i: int) -> Monotonicity:
        return Monotonicity.NONMONOTONE


class Power(_Elementwise):
    """``power(x, p)`` (also ``x ** p``).

    p = 1: x. Even integer p: x^p, convex, monotone by sign. Other p > 1: x^p for
    x ≥ 0, convex increasing. 0 < p < 1: concave increasing on x ≥ 0. p < 0:
    convex decreasing on x > 0. p = 0: the constant 1.
    """

    name = "power"
    positional = ("p",)

    def __init__(self, x: Any, p: Any):
        super().__init__(x, p=static_number(p, self.name, "the exponent p"))

    @property
    def is_even(self) -> bool:
        return self.p == int(self.p) and int(self.p) % 2 == 0 and self.p > 0

    def _sign(self) -> Sign:
        return self.args[0].sign if self.p == 1 else Sign.NONNEG

    def _atom_curvature(self) -> Curvature:
        p = self.p
        if p in (0, 1):
            return Curvature.AFFINE
        return CONCAVE if 0 < p < 1 else CONVEX

    def _monotonicity(self, i: int) -> Monotonicity:
        if self.is_even:
            return Monotonicity.by_sign(self.args[0].sign)
        return DECREASING if self.p < 0 else INCREASING


def power(x: Any, p: Any) -> Expression:
    """``power(x, p)``; a constant base folds to a constant."""
    from .._leaves import Constant, as_expression

    x = as_expression(x)
    if isinstance(x, Constant):
        p = static_number(p, "power", "the exponent p")
        with np.errstate(all="ignore"):
            return Constant(np.power(x.value, p))
    return Power(x, p)


class _Extremum(Atom):
    """``maximum``/``minimum`` of several expressions, broadcast together."""

    max_args = None

    def _shape(self) -> Shape:
        shape: Shape | None = self.args[0].shape
        for a in self.args[1:]:
            shape = broadcast_shapes(shape, a.shape) if shape is not None else None
        if shape is None:
            listed = ", ".join(format_shape(a.shape) for a in self.args)
            raise ShapeError(f"`{self}`: cannot broadcast shapes {listed}")
        return shape


class Maximum(_Extremum):
    """``maximum(a, b, ...)``: the elementwise maximum."""

    name = "maximum"

    def _sign(self) -> Sign:
        return Sign.of(
            any(a.sign.is_nonneg for a in self.args), all(a.sign.is_nonpos for a in self.args)
        )

    def _atom_curvature(self) -> Curvature:
        return CONVEX


class Minimum(_Extremum):
    """``minimum(a, b, ...)``: the elementwise minimum."""

    name = "minimum"

    def _sign(self) -> Sign:
        return Sign.of(
            all(a.sign.is_nonneg for a in self.args), any(a.sign.is_nonpos for a in self.args)
        )

    def _atom_curvature(self) -> Curvature:
        return CONCAVE

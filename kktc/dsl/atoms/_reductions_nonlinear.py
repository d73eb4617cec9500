"""Nonlinear reductions: norms, sum_squares, max/min, logsumexp, quad_form, quad_over_lin."""

from __future__ import annotations

from ..._errors import ShapeError
from .._expression import Atom
from .._leaves import Parameter
from .._properties import Curvature, Monotonicity, Sign
from .._size import Shape, format_shape
from ._reductions import _AxisAtom


class _Norm(_AxisAtom):
    """A norm over all entries, or along ``axis``: convex, nonnegative, monotone by sign."""

    def _sign(self) -> Sign:
        return Sign.NONNEG

    def _atom_curvature(self) -> Curvature:
        return Curvature.CONVEX

    def _monotonicity(self, i: int) -> Monotonicity:
        return Monotonicity.by_sign(self.args[0].sign)


class Norm1(_Norm):
    """``norm1(x, axis=None)``: the sum of absolute values."""

    name = "norm1"


class Norm2(_Norm):
    """``norm2(x, axis=None)``: the Euclidean norm (Frobenius for a matrix without axis)."""

    name = "norm2"


class NormInf(_Norm):
    """``norm_inf(x, axis=None)``: the largest absolute value."""

    name = "norm_inf"


class SumSquares(_Norm):
    """``sum_squares(x, axis=None)``: the sum of squared entries."""

    name = "sum_squares"


class _Extreme(_AxisAtom):
    """The largest or smallest entry: increasing, with the argument's sign.

    Max and Min are siblings, not parent and child: Python tries a subclass's
    reflected ``==`` first, which would flip ``max(a) == min(b)``.
    """

    def _sign(self) -> Sign:
        return self.args[0].sign


class Max(_Extreme):
    """``max(x, axis=None)``: the largest entry."""

    name = "max"

    def _atom_curvature(self) -> Curvature:
        return Curvature.CONVEX


class Min(_Extreme):
    """``min(x, axis=None)``: the smallest entry."""

    name = "min"

    def _atom_curvature(self) -> Curvature:
        return Curvature.CONCAVE


class LogSumExp(_AxisAtom):
    """``logsumexp(x, axis=None)``: log(sum(exp(x)))."""

    name = "logsumexp"

    def _sign(self) -> Sign:
        return Sign.of(self.args[0].sign.is_nonneg, False)

    def _atom_curvature(self) -> Curvature:
        return Curvature.CONVEX


class QuadForm(Atom):
    """``quad_form(x, P)``: xᵀPx, convex for a constant P known to be PSD (see ``definiteness``)."""

    name = "quad_form"
    min_args = max_args = 2

    def _shape(self) -> Shape:
        x, P = self.args
        n = x.shape[0] if x.ndim == 1 else None
        if n is None or P.shape != (n, n):
            raise ShapeError(
                f"`{self}`: quad_form needs a vector x of shape (n,) and P of shape (n, n), "
                f"got {format_shape(x.shape)} and {format_shape(P.shape)}"
            )
        return ()

    def _matrix(self) -> Sign:
        """Definiteness of P when it is constant (a parameter expression or a constant)."""
        P = self.args[1]
        return P.definiteness if P.curvature.is_constant else Sign.UNKNOWN

    def _sign(self) -> Sign:
        return self._matrix()

    def _atom_curvature(self) -> Curvature:
        P = self._matrix()
        return Curvature.of(P.is_nonneg, P.is_nonpos)

    def _monotonicity(self, i: int) -> Monotonicity:
        x, P = self.args
        if i == 1:
            return Monotonicity.of(x.sign.is_nonneg or x.sign.is_nonpos, False)
        xs, ps = x.sign, P.sign
        return Monotonicity.of(
            (xs.is_nonneg and ps.is_nonneg) or (xs.is_nonpos and ps.is_nonpos),
            (xs.is_nonneg and ps.is_nonpos) or (xs.is_nonpos and ps.is_nonneg),
        )

    def why_not_dcp(self) -> str | None:
        P = self.args[1]
        if not P.curvature.is_constant:
            return (
                f"its matrix `{P}` is not constant; "
                "quad_form(x, P) needs P built from parameters and constants"
            )
        if self._atom_curvature() is Curvature.UNKNOWN:
            fix = (
                f"declare it `param {P} psd`"
                if isinstance(P, Parameter)
                else "build it from psd parameters and PSD constants"
            )
            return f"its matrix `{P}` is not known to be positive semidefinite; {fix}"
        return None


class QuadOverLin(Atom):
    """``quad_over_lin(x, y)``: sum(x²)/y for a scalar y > 0."""

    name = "quad_over_lin"
    min_args = max_args = 2

    def _shape(self) -> Shape:
        if self.args[1].shape != ():
            raise ShapeError(
                f"`{self}`: quad_over_lin needs a scalar denominator, got shape "
                f"{format_shape(self.args[1].shape)}"
            )
        return ()

    def _sign(self) -> Sign:
        return Sign.NONNEG

    def _atom_curvature(self) -> Curvature:
        return Curvature.CONVEX

    def _monotonicity(self, i: int) -> Monotonicity:
        if i == 1:
            return Monotonicity.DECREASING
        return Monotonicity.by_sign(self.args[0].sign)

"""The arithmetic operators: + (and -), unary -, elementwise * and /, and @."""

from __future__ import annotations

from ..._errors import ShapeError
from .._expression import Atom, Expression
from .._properties import Curvature, Monotonicity, Sign
from .._size import Shape, broadcast_shapes, format_shape


def _schur(a: Sign, b: Sign) -> Sign:
    """Definiteness of an elementwise product (Schur product theorem: PSD ∘ PSD is PSD)."""
    return Sign.of(
        (a.is_nonneg and b.is_nonneg) or (a.is_nonpos and b.is_nonpos),
        (a.is_nonneg and b.is_nonpos) or (a.is_nonpos and b.is_nonneg),
    )


def _broadcast(op: str, a: Expression, b: Expression) -> Shape:
    shape = broadcast_shapes(a.shape, b.shape)
    if shape is None:
        raise ShapeError(
            f"cannot broadcast shapes {format_shape(a.shape)} and {format_shape(b.shape)} "
            f"in `{a} {op} {b}`"
        )
    return shape


class Add(Atom):
    """``a + b`` with NumPy broadcasting (``a - b`` is ``a + (-b)``)."""

    name = "add"
    min_args = max_args = 2

    def _shape(self) -> Shape:
        return _broadcast("+", *self.args)

    def _sign(self) -> Sign:
        return self.args[0].sign + self.args[1].sign

    def _definiteness(self) -> Sign:
        return self.args[0].definiteness + self.args[1].definiteness


class Neg(Atom):
    """``-a``."""

    name = "neg"

    def _shape(self) -> Shape:
        return self.args[0].shape

    def _sign(self) -> Sign:
        return -self.args[0].sign

    def _definiteness(self) -> Sign:
        return -self.args[0].definiteness

    def _monotonicity(self, i: int) -> Monotonicity:
        return Monotonicity.DECREASING


class _Product(Atom):
    """Bilinear operators: affine when one factor is constant, unknown otherwise."""

    symbol = "*"
    min_args = max_args = 2

    def _sign(self) -> Sign:
        return self.args[0].sign * self.args[1].sign

    def _atom_curvature(self) -> Curvature:
        a, b = self.args
        return Curvature.AFFINE if a.curvature.is_constant or b.curvature.is_constant else Curvature.UNKNOWN

    def _monotonicity(self, i: int) -> Monotonicity:
        return Monotonicity.by_sign(self.args[1 - i].sign)

    def why_not_dcp(self) -> str | None:
        a, b = self.args
        if self._atom_curvature() is Curvature.UNKNOWN:
            return (
                f"`{a}` and `{b}` are both non-constant, and a product of two "
                "non-constant expressions is neither convex nor concave"
            )
        return None


class Multiply(_Product):
    """Elementwise ``a * b`` with broadcasting."""

    name = "multiply"

    def _shape(self) -> Shape:
        return _broadcast("*", *self.args)

    def _definiteness(self) -> Sign:
        return _schur(self.args[0].definiteness, self.args[1].definiteness)


class Divide(Atom):
    """Elementwise ``a / b``: affine in ``a`` when ``b`` is constant."""

    name = "divide"
    min_args = max_args = 2

    def _shape(self) -> Shape:
        return _broadcast("/", *self.args)

    def _sign(self) -> Sign:
        return self.args[0].sign * self.args[1].sign

    def _definiteness(self) -> Sign:
        a, b = self.args
        one_entry = all(isinstance(d, int) and d == 1 for d in b.shape)
        return _schur(a.definiteness, b.sign) if one_entry else Sign.UNKNOWN

    def _atom_curvature(self) -> Curvature:
        return Curvature.AFFINE if self.args[1].curvature.is_constant else Curvature.UNKNOWN

    def _monotonicity(self, i: int) -> Monotonicity:
        a, b = self.args
        if i == 0:
            return Monotonicity.of(b.sign.is_nonneg, b.sign.is_nonpos)
        return Monotonicity.of(a.sign.is_nonpos, a.sign.is_nonneg)

    def why_not_dcp(self) -> str | None:
        if not self.args[1].curvature.is_constant:
            return f"the divisor `{self.args[1]}` is not constant; only division by a constant is DCP"
        return None


class MatMul(_Product):
    """The matrix product ``a @ b`` (NumPy rules for 1-D operands)."""

    name = "matmul"
    symbol = "@"

    def _shape(self) -> Shape:
        a, b = self.args
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(
                f"`{a} @ {b}`: the matrix product needs non-scalar operands "
                f"(got {format_shape(a.shape)} and {format_shape(b.shape)}); use * to scale"
            )
        if a.ndim > 2 or b.ndim > 2:
            raise ShapeError(f"`{a} @ {b}`: the matrix product takes vectors and matrices only")
        inner_a = a.shape[-1]
        inner_b = b.shape[0]
        if inner_a != inner_b:
            raise ShapeError(
                f"`{a} @ {b}`: inner sizes differ, {format_shape(a.shape)} @ {format_shape(b.shape)} "
                f"({inner_a} vs {inner_b})"
            )
        return a.shape[:-1] + b.shape[1:]

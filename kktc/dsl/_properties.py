"""Sign, curvature and monotonicity, and the rules that combine them."""

from __future__ import annotations

from enum import Enum


class Sign(Enum):
    """What is known about the sign of every entry of an expression."""

    ZERO = "zero"
    NONNEG = "nonnegative"
    NONPOS = "nonpositive"
    UNKNOWN = "unknown"

    @property
    def is_nonneg(self) -> bool:
        return self in (Sign.ZERO, Sign.NONNEG)

    @property
    def is_nonpos(self) -> bool:
        return self in (Sign.ZERO, Sign.NONPOS)

    @staticmethod
    def of(nonneg: bool, nonpos: bool) -> Sign:
        if nonneg and nonpos:
            return Sign.ZERO
        if nonneg:
            return Sign.NONNEG
        if nonpos:
            return Sign.NONPOS
        return Sign.UNKNOWN

    def __neg__(self) -> Sign:
        return Sign.of(self.is_nonpos, self.is_nonneg)

    def __add__(self, other: Sign) -> Sign:
        return Sign.of(self.is_nonneg and other.is_nonneg, self.is_nonpos and other.is_nonpos)

    def __mul__(self, other: Sign) -> Sign:
        if Sign.ZERO in (self, other):
            return Sign.ZERO
        same = (self.is_nonneg and other.is_nonneg) or (self.is_nonpos and other.is_nonpos)
        opposite = (self.is_nonneg and other.is_nonpos) or (self.is_nonpos and other.is_nonneg)
        return Sign.of(same, opposite)


class Curvature(Enum):
    """DCP curvature. CONSTANT and AFFINE count as both convex and concave."""

    CONSTANT = "constant"
    AFFINE = "affine"
    CONVEX = "convex"
    CONCAVE = "concave"
    UNKNOWN = "unknown"

    @property
    def is_constant(self) -> bool:
        return self is Curvature.CONSTANT

    @property
    def is_affine(self) -> bool:
        return self in (Curvature.CONSTANT, Curvature.AFFINE)

    @property
    def is_convex(self) -> bool:
        return self.is_affine or self is Curvature.CONVEX

    @property
    def is_concave(self) -> bool:
        return self.is_affine or self is Curvature.CONCAVE

    @property
    def is_dcp(self) -> bool:
        return self is not Curvature.UNKNOWN

    @staticmethod
    def of(convex: bool, concave: bool) -> Curvature:
        if convex and concave:
            return Curvature.AFFINE
        if convex:
            return Curvature.CONVEX
        if concave:
            return Curvature.CONCAVE
        return Curvature.UNKNOWN


class Monotonicity(Enum):
    """How an atom moves with one of its arguments."""

    INCREASING = "increasing"
    DECREASING = "decreasing"
    NONMONOTONE = "neither increasing nor decreasing"
    CONSTANT = "constant"  # both: e.g. a product with a zero factor

    @staticmethod
    def by_sign(sign: Sign) -> Monotonicity:
        """Monotonicity of |x|-like atoms: increasing where x >= 0, decreasing where x <= 0."""
        return Monotonicity.of(sign.is_nonneg, sign.is_nonpos)

    @staticmethod
    def of(increasing: bool, decreasing: bool) -> Monotonicity:
        if increasing and decreasing:
            return Monotonicity.CONSTANT
        if increasing:
            return Monotonicity.INCREASING
        if decreasing:
            return Monotonicity.DECREASING
        return Monotonicity.NONMONOTONE

    @property
    def increasing(self) -> bool:
        return self in (Monotonicity.INCREASING, Monotonicity.CONSTANT)

    @property
    def decreasing(self) -> bool:
        return self in (Monotonicity.DECREASING, Monotonicity.CONSTANT)


def compose(atom: Curvature, args: list[tuple[Curvature, Monotonicity]]) -> Curvature:
    """The DCP composition rule, written once (CVXPY's ``Atom.is_convex``).

    Args:
        atom: curvature of the atom as a function of its arguments.
        args: per argument, its curvature and the atom's monotonicity in it.

    Returns:
        The curvature of the composition.
    """
    if all(c.is_constant for c, _ in args):
        return Curvature.CONSTANT
    convex = atom.is_convex and all(arg_ok(c, m, want_convex=True) for c, m in args)
    concave = atom.is_concave and all(arg_ok(c, m, want_convex=False) for c, m in args)
    return Curvature.of(convex, concave)


def arg_ok(curv: Curvature, mono: Monotonicity, want_convex: bool) -> bool:
    """May an argument of curvature ``curv`` enter a convex (or concave) atom?"""
    if curv.is_affine:
        return True
    same = curv.is_convex if want_convex else curv.is_concave
    flipped = curv.is_concave if want_convex else curv.is_convex
    return (same and mono.increasing) or (flipped and mono.decreasing)

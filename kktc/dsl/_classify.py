"""The problem class (LP, QP, SOCP, smooth convex, NLP), decided from the atoms used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import atoms as a
from ._expression import Expression

if TYPE_CHECKING:
    from ._problem import Problem

#: Atoms whose epigraph is polyhedral: they keep an LP an LP.
PIECEWISE_LINEAR = (a.Abs, a.Pos, a.Max, a.Min, a.Maximum, a.Minimum, a.Norm1, a.NormInf)
#: Atoms that are quadratic in an affine argument.
QUADRATIC = (a.Square, a.SumSquares, a.QuadForm, a.Huber)
#: Atoms representable with second-order cones.
SECOND_ORDER = (a.Norm2, a.QuadOverLin, a.Sqrt, a.InvPos)
#: Smooth atoms beyond second-order cones (exponential cone and friends).
SMOOTH = (a.Exp, a.Log, a.Entropy, a.LogSumExp, a.Softplus)


def _family(node: Expression) -> str:
    if isinstance(node, a.Power):
        if node.p in (0, 1):
            return "affine"
        return "quadratic" if node.p == 2 else "soc"
    if isinstance(node, SMOOTH):
        return "smooth"
    if isinstance(node, SECOND_ORDER):
        return "soc"
    if isinstance(node, QUADRATIC):
        return "quadratic"
    if isinstance(node, PIECEWISE_LINEAR):
        return "pwl"
    return "affine"


def _families(expr: Expression, under_affine_only: bool, out: set[str]) -> None:
    """Collect atom families of the non-constant part of ``expr``.

    A quadratic atom reached through affine atoms only stays a QP objective
    term; anywhere else (inside a max, in a constraint) it needs cones.
    """
    if expr.curvature.is_constant:
        return
    family = _family(expr)
    if family == "quadratic" and not under_affine_only:
        family = "soc"
    out.add(family)
    for arg in expr.args:
        _families(arg, under_affine_only and family == "affine", out)


def classify(problem: Problem) -> str:
    if not problem.is_dcp():
        return "NLP"
    found: set[str] = set()
    _families(problem.objective.expr, True, found)
    for group in problem.constraints.values():
        for c in group:
            _families(c.lhs, False, found)
            _families(c.rhs, False, found)
    for label, family in (("smooth convex", "smooth"), ("SOCP", "soc"), ("QP", "quadratic")):
        if family in found:
            return label
    return "LP"

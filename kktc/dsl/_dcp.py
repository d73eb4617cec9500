"""Explaining DCP violations: which sub-expression breaks which rule, and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._errors import DCPError, Span
from ._constraint import Constraint
from ._expression import Atom, Expression
from ._properties import Curvature, Monotonicity, Sign, arg_ok

if TYPE_CHECKING:
    from ._problem import Problem


NONCONVEX_HINT = "compile with nonconvex=True to solve it as a nonlinear program (a local solution only)"


@dataclass(frozen=True)
class Violation:
    """One broken rule, at one place."""

    message: str
    span: Span | None
    hint: str | None = None


def _describe(c: Curvature) -> str:
    return {Curvature.CONSTANT: "constant", Curvature.AFFINE: "affine"}.get(c, c.value)


def lowest_violations(expr: Expression) -> list[tuple[Expression, str]]:
    """The lowest sub-expressions of unknown curvature, each with the reason.

    Like CVXPY's DCP error, descend through non-DCP arguments and report the
    nodes whose arguments all have known curvature.
    """
    if expr.curvature.is_dcp:
        return []
    bad_args = [a for a in expr.args if not a.curvature.is_dcp]
    if bad_args:
        found: list[tuple[Expression, str]] = []
        for a in bad_args:
            found.extend(v for v in lowest_violations(a) if all(v[0] is not f[0] for f in found))
        return found
    assert isinstance(expr, Atom)
    return [(expr, explain_atom(expr))]


def _requirement(want_convex: bool, mono: Monotonicity) -> str:
    if mono is Monotonicity.NONMONOTONE:
        return "affine"
    same, flipped = ("convex", "concave") if want_convex else ("concave", "convex")
    return same if mono.increasing else flipped


def explain_atom(node: Atom) -> str:
    """Why an atom whose arguments are all DCP still has unknown curvature."""
    own = node.why_not_dcp()
    if own:
        return own
    atom_curv = node._atom_curvature()
    if atom_curv is Curvature.AFFINE:
        return _explain_affine(node)
    parts = []
    want_convex = atom_curv is Curvature.CONVEX
    for i, arg in enumerate(node.args):
        mono = node._monotonicity(i)
        if not arg_ok(arg.curvature, mono, want_convex):
            parts.append(
                f"{node.name} is {atom_curv.value} and {mono.value} in this argument, so `{arg}` "
                f"would have to be {_requirement(want_convex, mono)}, but it is {_describe(arg.curvature)}"
            )
    return "; ".join(parts)


def _explain_affine(node: Atom) -> str:
    """An affine atom (sum, scaling, stacking…) of nonlinear arguments that do not fit together."""
    convex, concave = [], []
    for i, arg in enumerate(node.args):
        if arg.curvature.is_affine:
            continue
        mono = node._monotonicity(i)
        if mono is Monotonicity.NONMONOTONE:
            signless = [f"`{a}`" for a in node.args if a is not arg and a.sign is Sign.UNKNOWN]
            why = (
                f"the sign of {signless[0]} is unknown (declare it nonneg or nonpos)"
                if signless
                else "it is neither increasing nor decreasing in it"
            )
            return f"`{arg}` is {_describe(arg.curvature)}, and {why}"
        (convex if arg.curvature.is_convex == mono.increasing else concave).append(f"`{arg}`")
    return (
        f"it mixes convex {', '.join(convex)} with concave {', '.join(concave)}, "
        "and a mix of convex and concave terms is neither convex nor concave"
    )


def _expression_violations(expr: Expression, where: str) -> list[Violation]:
    return [
        Violation(
            f"{where} is not DCP: `{node}` has no known curvature because {reason}",
            node.span or expr.span,
        )
        for node, reason in lowest_violations(expr)
    ]


def _objective_violations(problem: Problem) -> list[Violation]:
    obj = problem.objective
    curv = obj.expr.curvature
    if not curv.is_dcp:
        return _expression_violations(obj.expr, "the objective")
    span = obj.span or obj.expr.span
    if obj.sense == "minimize" and not curv.is_convex:
        message = f"the objective is not DCP: minimize needs a convex expression, but `{obj.expr}` is concave"
        return [Violation(message, span, "did you mean maximize?")]
    if obj.sense == "maximize" and not curv.is_concave:
        message = f"the objective is not DCP: maximize needs a concave expression, but `{obj.expr}` is convex"
        return [Violation(message, span, "did you mean minimize?")]
    return []


def _constraint_violations(name: str, c: Constraint) -> list[Violation]:
    where = f"constraint '{name}'"
    found = _expression_violations(c.lhs, where) + _expression_violations(c.rhs, where)
    if found:
        return found
    span = c.span or c.lhs.span
    if c.is_equality:
        for side in (c.lhs, c.rhs):
            if not side.curvature.is_affine:
                return [
                    Violation(
                        f"{where} is not DCP: `{c}` is an equality, whose sides must be affine, but "
                        f"`{side}` is {_describe(side.curvature)}",
                        span,
                        "an equality with a nonlinear side is not convex; write an inequality "
                        "(convex <= concave) if that is what you mean",
                    )
                ]
        return []
    problems = []
    if not c.lhs.curvature.is_convex:
        problems.append(f"the left side `{c.lhs}` is {_describe(c.lhs.curvature)}")
    if not c.rhs.curvature.is_concave:
        problems.append(f"the right side `{c.rhs}` is {_describe(c.rhs.curvature)}")
    if not problems:
        return []
    flipped = c.lhs.curvature.is_concave and c.rhs.curvature.is_convex
    return [
        Violation(
            f"{where} is not DCP: `{c}` needs a convex left side and a concave right side, but "
            + " and ".join(problems),
            span,
            "did you mean >= ?" if flipped else None,
        )
    ]


def problem_violations(problem: Problem) -> list[Violation]:
    found = _objective_violations(problem)
    for name, group in problem.constraints.items():
        for c in group:
            found.extend(_constraint_violations(name, c))
    return found


def raise_if_not_dcp(problem: Problem) -> None:
    found = problem_violations(problem)
    if not found:
        return
    first = found[0]
    if len(found) == 1:
        raise DCPError(first.message, first.span, first.hint or NONCONVEX_HINT)
    lines = []
    for v in found:
        where = f"line {v.span.line}, col {v.span.column}: " if v.span else ""
        lines.append(f"  - {where}{v.message}" + (f" ({v.hint})" if v.hint else ""))
    raise DCPError(
        f"the problem is not DCP; {len(found)} rules are broken:\n" + "\n".join(lines),
        first.span,
        first.hint or NONCONVEX_HINT,
    )

"""Lowering: a DCP Problem to the canonical smooth form.

    minimize f(z; θ)  subject to  g(z; θ) <= 0,  h(z; θ) = 0

Non-smooth atoms become auxiliary variables with epigraph constraints
(``_lowering_rules``); everything stays a dsl expression, with symbolic dims,
so the symbolic KKT system and the JAX functions come from one lowered form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..dsl import Constant, Constraint, Expression, Problem, Variable
from ..dsl._expression import Atom
from ..dsl._size import Shape
from ._lowering_rules import OBJECTIVE_ONLY, RULES, domain_arguments


@dataclass(frozen=True)
class Row:
    """One vector constraint of the canonical form: ``expr <= 0`` or ``expr == 0``."""

    expr: Expression
    group: str | None  # the user's constraint name; None for auxiliary rows
    index: int  # position within the group (a chain has two)
    origin: str | None = None  # for auxiliary rows: the variable they were added for

    @property
    def shape(self) -> Shape:
        return self.expr.shape


@dataclass(frozen=True)
class Auxiliary:
    """An auxiliary variable and the atom it replaced."""

    variable: Variable
    replaces: Expression


@dataclass(frozen=True)
class Lowered:
    """The canonical problem. ``objective`` is minimised; ``value`` is the objective as written."""

    sense: str
    objective: Expression
    value: Expression
    variables: tuple[Variable, ...]
    auxiliaries: tuple[Auxiliary, ...]
    positive: tuple[Variable, ...]  # variables an atom's domain keeps positive (log, sqrt, …)
    inequalities: tuple[Row, ...]
    equalities: tuple[Row, ...]
    problem: Problem = field(repr=False)

    def name_of(self, v: Variable) -> str:
        return v.name if v.name is not None else self.problem.name_of(v)


class _Lowerer:
    def __init__(self, problem: Problem):
        self.taken = set(problem.variables) | set(problem.parameters)
        self.auxiliaries: list[Auxiliary] = []
        self.aux_rows: list[Row] = []
        self.positive: list[Variable] = []
        self.equal_rows: list[Row] = []
        self.origin: str | None = None  # the first auxiliary variable of the rule being applied
        self.memo: dict[int, Expression] = {}
        self.in_objective = True

    # Builder protocol used by the rules.
    def new(self, shape: Shape, replaces: Expression) -> Variable:
        stem = getattr(replaces, "name", "t")
        k = 1
        while f"{stem}_{k}" in self.taken:
            k += 1
        name = f"{stem}_{k}"
        self.taken.add(name)
        v = Variable(shape, name=name)
        self.auxiliaries.append(Auxiliary(v, replaces))
        self.origin = self.origin or name
        return v

    def at_most(self, lhs, rhs) -> None:
        c = Constraint.le(lhs, rhs)
        self.aux_rows.append(Row(difference(c.lhs, c.rhs), None, len(self.aux_rows), self.origin))

    def lower(self, expr: Expression) -> Expression:
        """``expr`` with every non-smooth atom (outside constant parts) replaced."""
        if expr.curvature.is_constant or not isinstance(expr, Atom):
            return expr
        key = id(expr)
        if key not in self.memo:
            args = tuple(self.lower(arg) for arg in expr.args)
            args = tuple(
                self.in_domain(arg, expr) if i in domain_arguments(expr) else arg for i, arg in enumerate(args)
            )
            node = expr.rebuild(args)
            rule = RULES.get(type(node))
            if type(node) in OBJECTIVE_ONLY and not self.in_objective:
                rule = None
            self.memo[key] = rule(node, self) if rule else node
        return self.memo[key]

    def in_domain(self, arg: Expression, atom: Expression) -> Expression:
        """A variable standing for ``arg`` that the solver keeps positive (the atom's domain).

        ``arg`` itself when it is a variable; else a new ``u`` with ``u == arg``
        (affine), ``u <= arg`` (concave) or ``u >= arg`` (convex) — DCP makes
        the inequality the exact direction.
        """
        if arg.curvature.is_constant:
            return arg
        if isinstance(arg, Variable):
            u = arg
        else:
            self.origin = None
            u = self.new(arg.shape, atom)
            if arg.curvature.is_affine:
                self.equal_rows.append(Row(difference(u, arg), None, len(self.equal_rows), self.origin))
            elif arg.curvature.is_concave:
                self.at_most(u, arg)
            else:
                self.at_most(arg, u)
        self.keep_positive(u)
        return u

    def keep_positive(self, u: Variable) -> None:
        """Mark ``u`` for the solver to start at 1 and keep interior, with the row ``-u <= 0``."""
        if all(u is not v for v in self.positive):
            self.positive.append(u)
            self.origin = f"{u.name}.domain"
            self.at_most(-u, 0)


def _is_zero(e: Expression) -> bool:
    return isinstance(e, Constant) and not e.value.any()


def difference(lhs: Expression, rhs: Expression) -> Expression:
    """``lhs - rhs``, without a zero side (so ``x >= 0`` reads ``-x <= 0``)."""
    if _is_zero(rhs) and (lhs.shape == rhs.shape or not rhs.shape):
        return lhs
    if _is_zero(lhs) and (lhs.shape == rhs.shape or not lhs.shape):
        return -rhs
    return lhs - rhs


def lower(problem: Problem) -> Lowered:
    """Lower a DCP problem (see the module docstring)."""
    lowerer = _Lowerer(problem)
    value = lowerer.lower(problem.objective.expr)
    objective = value if problem.objective.sense == "minimize" else -value
    lowerer.in_objective = False
    inequalities: list[Row] = []
    equalities: list[Row] = []
    for name, group in problem.constraints.items():
        for i, c in enumerate(group):
            row = Row(difference(lowerer.lower(c.lhs), lowerer.lower(c.rhs)), name, i)
            (equalities if c.is_equality else inequalities).append(row)
    return Lowered(
        sense=problem.objective.sense,
        objective=objective,
        value=value,
        variables=tuple(problem.variables.values()) + tuple(x.variable for x in lowerer.auxiliaries),
        auxiliaries=tuple(lowerer.auxiliaries),
        positive=tuple(lowerer.positive),
        inequalities=tuple(inequalities) + tuple(lowerer.aux_rows),
        equalities=tuple(equalities) + tuple(lowerer.equal_rows),
        problem=problem,
    )

"""Objectives and the Problem: what to optimize, over which variables, subject to what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .._errors import DimError, DuplicateNameError, ShapeError, Source, Span
from ._constraint import Constraint
from ._expression import Expression
from ._leaves import Parameter, Symbol, Variable, as_expression
from ._properties import Curvature
from ._size import Dim, Size, format_shape, shape_dims


@dataclass(frozen=True, eq=False)
class Objective:
    """``minimize expr`` or ``maximize expr``; the expression must be scalar."""

    sense: str
    expr: Expression
    span: Span | None = field(default=None, compare=False)

    def __post_init__(self):
        if self.sense not in ("minimize", "maximize"):
            raise ValueError(f"sense must be 'minimize' or 'maximize', not {self.sense!r}")
        if not self.expr.is_scalar:
            raise ShapeError(
                f"the objective `{self.expr}` has shape {format_shape(self.expr.shape)}; it must be "
                "a scalar (wrap it in sum(...) or a norm)",
                self.span or self.expr.span,
            )

    @property
    def key(self) -> tuple:
        return (self.sense, self.expr.structural_key)


def Minimize(expr: Any) -> Objective:
    """The objective ``minimize expr``."""
    return Objective("minimize", as_expression(expr))


def Maximize(expr: Any) -> Objective:
    """The objective ``maximize expr``."""
    return Objective("maximize", as_expression(expr))


ConstraintSpec = Constraint | Iterable[Constraint]


class Problem:
    """An optimization problem: an objective and named groups of constraints.

    Args:
        objective: ``Minimize(...)`` or ``Maximize(...)``.
        constraints: a list (groups are named ``c1, c2, …`` by position) or a dict
            from name to a constraint or a list of constraints.
        dims: dims to declare even if no shape uses them.
        declarations: variables and parameters to declare even if unused, in order.
        source: the text the problem was read from, for error messages.

    >>> import kktc as kc
    >>> x = kc.Variable(2, name="x")
    >>> p = kc.Problem(kc.Minimize(kc.sum_squares(x)), {"box": [x <= 1, -1 <= x]})
    >>> p.problem_class
    'QP'
    """

    def __init__(
        self,
        objective: Objective,
        constraints: Mapping[str, ConstraintSpec] | Iterable[ConstraintSpec] | None = None,
        *,
        dims: Iterable[Dim | Size] = (),
        declarations: Iterable[Symbol] = (),
        source: Source | None = None,
    ):
        if not isinstance(objective, Objective):
            raise TypeError("the objective must be kc.Minimize(expr) or kc.Maximize(expr)")
        self.objective = objective
        self.source = source
        groups = _named_groups(constraints)
        self._symbols = _collect_symbols(list(declarations), objective, groups)
        self._names = _assign_names(self._symbols)
        self.variables: dict[str, Variable] = {
            self._names[id(s)]: s for s in self._symbols if isinstance(s, Variable)
        }
        self.parameters: dict[str, Parameter] = {
            self._names[id(s)]: s for s in self._symbols if isinstance(s, Parameter)
        }
        self.dims: dict[str, Dim] = _collect_dims(dims, self._symbols, self._names)
        self.constraints: dict[str, tuple[Constraint, ...]] = {**groups, **_attribute_constraints(self.variables)}

    # --- naming ------------------------------------------------------------
    def name_of(self, symbol: Symbol) -> str:
        """The name of a variable or parameter of this problem."""
        return self._names[id(symbol)]

    @property
    def user_constraints(self) -> dict[str, tuple[Constraint, ...]]:
        """The constraint groups written by the user (not from variable attributes)."""
        return {k: v for k, v in self.constraints.items() if "." not in k}

    # --- analysis ----------------------------------------------------------
    @property
    def curvature(self) -> Curvature:
        """The curvature of the objective expression."""
        return self.objective.expr.curvature

    def is_dcp(self) -> bool:
        """Whether the problem follows the DCP rules (minimize convex / maximize concave, …)."""
        from ._dcp import problem_violations

        return not problem_violations(self)

    def check_dcp(self) -> None:
        """Raise :class:`kktc.DCPError` listing every rule the problem breaks."""
        from ._dcp import raise_if_not_dcp

        raise_if_not_dcp(self)

    @property
    def problem_class(self) -> str:
        """``"LP"``, ``"QP"``, ``"SOCP"``, ``"smooth convex"`` or ``"NLP"``, from the atoms used."""
        from ._classify import classify

        return classify(self)

    # --- identity ----------------------------------------------------------
    @property
    def key(self) -> tuple:
        """Structure with symbols known by their names in this problem (unnamed ones included)."""
        memo: dict[int, tuple] = {}
        expr = lambda e: _named_structure(e, self._names, memo)  # noqa: E731
        decls = sorted((self._names[id(s)], type(s).__name__, s.shape, s.attrs) for s in self._symbols)
        dims = sorted((d.name, d.default) for d in self.dims.values())
        cons = tuple(
            (name, tuple((c.op, expr(c.lhs), expr(c.rhs)) for c in group))
            for name, group in self.constraints.items()
        )
        return ((self.objective.sense, expr(self.objective.expr)), cons, tuple(decls), tuple(dims))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and self.key == other.key

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        from ._printer import format_problem

        return format_problem(self)

    def __repr__(self) -> str:
        return (
            f"Problem({self.objective.sense}, {len(self.variables)} variable(s), "
            f"{len(self.constraints)} constraint group(s), {self.problem_class})"
        )


def _named_groups(constraints: Any) -> dict[str, tuple[Constraint, ...]]:
    if constraints is None:
        return {}
    if isinstance(constraints, Constraint):
        constraints = [constraints]
    items = (
        list(constraints.items())
        if isinstance(constraints, Mapping)
        else [(f"c{i}", c) for i, c in enumerate(constraints, start=1)]
    )
    groups: dict[str, tuple[Constraint, ...]] = {}
    for name, spec in items:
        group = (spec,) if isinstance(spec, Constraint) else tuple(spec)
        for c in group:
            if not isinstance(c, Constraint):
                raise TypeError(
                    f"constraint {name!r} must be built with ==, <= or >=, got {type(c).__name__}"
                )
        if not isinstance(name, str) or not name.isidentifier():
            raise DuplicateNameError(f"constraint name {name!r} is not a valid name")
        if name in groups:
            raise DuplicateNameError(f"two constraints are named '{name}'", group[0].span)
        groups[name] = group
    return groups


def _named_structure(expr: Expression, names: dict[int, str], memo: dict[int, tuple]) -> tuple:
    """Like ``expr.structural_key``, but a symbol is its problem-given name, not its identity."""
    if id(expr) not in memo:
        if isinstance(expr, Symbol):
            memo[id(expr)] = (type(expr).__name__, names[id(expr)], expr.shape, expr.attrs)
        else:
            args = tuple(_named_structure(a, names, memo) for a in expr.args)
            memo[id(expr)] = (type(expr).__name__, expr._static_key(), args)
    return memo[id(expr)]


def _walk_symbols(exprs: Iterable[Expression]) -> list[Symbol]:
    found: dict[int, Symbol] = {}
    for expr in exprs:
        for leaf in expr.leaves():
            found.setdefault(id(leaf), leaf)
    return list(found.values())


def _collect_symbols(
    declared: list[Symbol], objective: Objective, groups: dict[str, tuple[Constraint, ...]]
) -> list[Symbol]:
    exprs = [objective.expr] + [side for g in groups.values() for c in g for side in (c.lhs, c.rhs)]
    symbols: dict[int, Symbol] = {id(s): s for s in declared}
    for s in _walk_symbols(exprs):
        symbols.setdefault(id(s), s)
    by_name: dict[str, Symbol] = {}
    for s in symbols.values():
        if s.name is None:
            continue
        other = by_name.setdefault(s.name, s)
        if other is not s:
            raise DuplicateNameError(
                f"two different symbols are both named '{s.name}' "
                f"({other.kind} of shape {format_shape(other.shape)} and "
                f"{s.kind} of shape {format_shape(s.shape)}); give each its own name",
                s.span,
            )
    return list(symbols.values())


def _assign_names(symbols: list[Symbol]) -> dict[int, str]:
    taken = {s.name for s in symbols if s.name is not None}
    names: dict[int, str] = {}
    counters = {"var": 0, "param": 0}
    for s in symbols:
        if s.name is not None:
            names[id(s)] = s.name
            continue
        while True:
            counters[s.kind] += 1
            candidate = f"{s.kind}{counters[s.kind]}"
            if candidate not in taken:
                break
        taken.add(candidate)
        names[id(s)] = candidate
    return names


def _collect_dims(declared: Iterable[Dim | Size], symbols: list[Symbol], names: dict[int, str]) -> dict[str, Dim]:
    dims: dict[str, Dim] = {}

    def add(dim: Dim) -> None:
        other = dims.setdefault(dim.name, dim)
        if other != dim:
            raise DimError(
                f"dim '{dim.name}' is declared twice with different defaults ({other.default} and {dim.default})"
            )

    for d in declared:
        add(d if isinstance(d, Dim) else _single_dim(d))
    for s in symbols:
        for d in shape_dims(s.shape):
            add(d)
    clash = set(dims) & set(names.values())
    if clash:
        raise DuplicateNameError(f"'{sorted(clash)[0]}' names both a dim and a variable or parameter")
    return dims


def _single_dim(size: Size) -> Dim:
    if size.dim is None:
        raise DimError(f"'{size}' is not a single dim")
    return size.dim


def _attribute_constraints(variables: dict[str, Variable]) -> dict[str, tuple[Constraint, ...]]:
    out: dict[str, tuple[Constraint, ...]] = {}
    for name, v in variables.items():
        if v.nonneg:
            out[f"{name}.nonneg"] = (Constraint.le(0, v).with_span(v.span),)
        if v.nonpos:
            out[f"{name}.nonpos"] = (Constraint.le(v, 0).with_span(v.span),)
    return out

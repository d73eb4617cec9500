"""The printer: expressions and problems back to .kkt text that parses to an equal problem."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .._errors import KktcError
from . import atoms as a
from ._constraint import Constraint
from ._expression import Atom, Expression
from ._leaves import Constant, Symbol
from ._size import Shape

# Precedence levels of the grammar, lowest first.
SUM, PRODUCT, UNARY, POWER, POSTFIX, PRIMARY = range(6)

Namer = Callable[[Symbol], str]


def _default_name(symbol: Symbol) -> str:
    return symbol.name if symbol.name is not None else f"<unnamed {symbol.kind}>"


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _array(value: np.ndarray) -> str:
    if value.ndim == 0:
        return _number(value)
    return "[" + ", ".join(_array(v) for v in value) + "]"


def _constant(c: Constant) -> tuple[str, int]:
    if c.shape == ():
        v = float(c.value)
        return _number(v), (UNARY if v < 0 or str(v).startswith("-") else PRIMARY)
    return _array(c.value), PRIMARY


def _index_part(part) -> str:
    if not isinstance(part, slice):
        return str(part)
    text = ("" if part.start is None else str(part.start)) + ":" + ("" if part.stop is None else str(part.stop))
    return text + (f":{part.step}" if part.step is not None else "")


def _shape_tuple(shape: Shape) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(str(s) for s in shape) + ")"


BINARY = {a.Add: ("+", SUM), a.Multiply: ("*", PRODUCT), a.Divide: ("/", PRODUCT), a.MatMul: ("@", PRODUCT)}


class _Printer:
    def __init__(self, namer: Namer):
        self.namer = namer

    def at(self, expr: Expression, level: int) -> str:
        """``expr`` as text that parses at precedence ``level`` or higher."""
        text, own = self.render(expr)
        return text if own >= level else f"({text})"

    def render(self, e: Expression) -> tuple[str, int]:
        if isinstance(e, Symbol):
            return self.namer(e), PRIMARY
        if isinstance(e, Constant):
            return _constant(e)
        assert isinstance(e, Atom)
        if type(e) in BINARY:
            return self.binary(e)
        if isinstance(e, a.Neg):
            inner = e.args[0]
            return "-" + (f"({self.at(inner, 0)})" if isinstance(inner, a.Neg) else self.at(inner, UNARY)), UNARY
        if isinstance(e, a.Power):
            return f"{self.at(e.args[0], POSTFIX)} ** {_number(e.p)}", POWER
        if isinstance(e, a.Index):
            return f"{self.at(e.args[0], POSTFIX)}[{', '.join(_index_part(p) for p in e.key)}]", POSTFIX
        if isinstance(e, a.Transpose):
            return f"{self.at(e.args[0], POSTFIX)}.T", POSTFIX
        return self.call(e), PRIMARY

    def binary(self, e: Atom) -> tuple[str, int]:
        symbol, level = BINARY[type(e)]
        left, right = e.args
        if isinstance(e, a.Add):
            if isinstance(right, a.Neg):
                return f"{self.at(left, SUM)} - {self.at(right.args[0], PRODUCT)}", SUM
            if isinstance(right, Constant) and right.shape == () and float(right.value) < 0:
                return f"{self.at(left, SUM)} - {_number(-float(right.value))}", SUM
        return f"{self.at(left, level)} {symbol} {self.at(right, level + 1)}", level

    def call(self, e: Atom) -> str:
        parts = [self.at(arg, 0) for arg in e.args]
        for name in e.positional:
            value = getattr(e, name)
            parts.append(_shape_tuple(value) if isinstance(value, tuple) else _number(value))
        for name in e.keywords:
            value = getattr(e, name)
            if value is not None:
                parts.append(f"{name}={value}")
        return f"{e.name}({', '.join(parts)})"


def format_expression(expr: Expression, namer: Namer = _default_name) -> str:
    return _Printer(namer).at(expr, 0)


def format_operation(a: Expression, symbol: str, b: Expression) -> str:
    """``a SYMBOL b`` as it would print, for errors raised before the node exists."""
    level = SUM if symbol in "+-" else PRODUCT
    printer = _Printer(_default_name)
    return f"{printer.at(a, level)} {symbol} {printer.at(b, level + 1)}"


def _shape_decl(shape: Shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]" if shape else ""


def _chain(group: tuple[Constraint, ...], show) -> str:
    """One constraint, or two written as a chained comparison that parses back in order."""
    if len(group) == 1:
        c = group[0]
        return f"{show(c.lhs)} {c.op} {show(c.rhs)}"
    if len(group) == 2:
        first, second = group
        for e0, op1, e1 in _orientations(first):
            for e1b, op2, e2 in _orientations(second):
                if e1.same_as(e1b):
                    return f"{show(e0)} {op1} {show(e1)} {op2} {show(e2)}"
    raise KktcError(
        f"a group of {len(group)} constraints cannot be written as one line of a .kkt file "
        "(only single comparisons and two-operator chains such as `lo <= x <= hi` can)"
    )


def _orientations(c: Constraint):
    """The ways ``lhs OP rhs`` text can produce ``c`` when parsed."""
    if c.op == "<=":
        return [(c.lhs, "<=", c.rhs), (c.rhs, ">=", c.lhs)]
    options = [(c.lhs, "==", c.rhs)]
    if Constraint.eq(c.rhs, c.lhs).same_as(c):
        options.append((c.rhs, "==", c.lhs))
    return options


def format_problem(problem) -> str:
    """The problem as .kkt text; parsing it gives an equal problem."""
    namer = problem.name_of
    show = lambda e: format_expression(e, namer)  # noqa: E731
    lines = []
    if problem.dims:
        items = [d.name if d.default is None else f"{d.name} = {d.default}" for d in problem.dims.values()]
        lines.append("dim " + ", ".join(items))
    for kind, table in (("param", problem.parameters), ("var", problem.variables)):
        for name, s in table.items():
            lines.append(" ".join([f"{kind} {name}{_shape_decl(s.shape)}", *s.attrs]).rstrip())
    lines.append("")
    lines.append(f"{problem.objective.sense} {show(problem.objective.expr)}")
    user = problem.user_constraints
    if user:
        lines.append("subject to")
        for position, (name, group) in enumerate(user.items(), start=1):
            label = "" if name == f"c{position}" else f"{name}: "
            lines.append(f"    {label}{_chain(group, show)}")
    return "\n".join(lines) + "\n"

"""The lark Transformer that turns a parse tree into dsl objects.

Every callback builds nodes through the same functions the Python API uses
(operators, atom classes, Problem), so a file and its Python twin are equal.
Errors raised while building a node get the node's source span.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any

import numpy as np
from lark import Token, Transformer_NonRecursive, v_args

from .._errors import (
    AtomError,
    DimError,
    DuplicateNameError,
    KktcError,
    ParseError,
    ShapeError,
    Source,
    Span,
    UnknownNameError,
)
from . import _operators as ops
from ._constraint import Constraint
from ._expression import Expression
from ._leaves import Constant, Parameter, Variable
from ._parser import Keyword, did_you_mean, is_token
from ._problem import Objective, Problem
from ._size import Dim, Size, SizeLike
from .atoms import CALLABLE, power, transpose
from .atoms._static import static_int

RESERVED = {"dim", "param", "var", "let", "minimize", "maximize", "subject", "to"}


def _located(method):
    """Attach the node's span to any kktc error its callback raises."""

    @functools.wraps(method)
    def wrapper(self, meta, children):
        try:
            result = method(self, meta, children)
        except KktcError as exc:
            raise exc.located(self.span(meta)) from None
        if isinstance(result, Expression | Constraint):
            result.with_span(self.span(meta))
        return result

    return wrapper


@v_args(meta=True)
class ProblemBuilder(Transformer_NonRecursive):
    """Builds a :class:`Problem` from a parse tree, resolving names in source order."""

    def __init__(self, source: Source):
        super().__init__()
        self.source = source
        self.scope: dict[str, Any] = {}
        self.spans: dict[str, Span] = {}
        self.dims: list[Dim] = []
        self.symbols: list[Any] = []

    def span(self, meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    def token_span(self, token: Token) -> Span:
        return Span(self.source, token.line, token.column, token.end_line, token.end_column)

    # --- declarations ------------------------------------------------------
    def declare(self, token: Token, value: Any) -> None:
        name = str(token)
        span = self.token_span(token)
        if name in RESERVED:
            raise ParseError(f"'{name}' is a reserved word and cannot be declared", span)
        if name in self.scope:
            first = self.spans[name]
            raise DuplicateNameError(
                f"'{name}' is already declared on line {first.line}; give each declaration its own name", span
            )
        self.scope[name] = value
        self.spans[name] = span

    @_located
    def dim_decl(self, meta, items):
        for token, default in items:
            dim = Dim(str(token), default)
            self.declare(token, Size.of(dim))
            self.dims.append(dim)

    @_located
    def dim_item(self, meta, children):
        token, default = children
        if default is None:
            return token, None
        value = float(default)
        if not (math.isfinite(value) and value == int(value) and value >= 0):
            raise DimError(f"the default of dim '{token}' must be a non-negative integer, got {default}")
        return token, int(value)

    def _symbol(self, cls, meta, children):
        token, shape, *attributes = children
        attrs = {str(a): True for a in attributes}
        allowed = cls.attributes
        for a in attrs:
            if a not in allowed:
                raise AtomError(f"'{a}' is not an attribute of {cls.kind}; choose from {', '.join(allowed)}")
        symbol = cls(shape or (), name=str(token), **attrs).with_span(self.span(meta))
        self.declare(token, symbol)
        self.symbols.append(symbol)

    @_located
    def param_decl(self, meta, children):
        self._symbol(Parameter, meta, children)

    @_located
    def var_decl(self, meta, children):
        self._symbol(Variable, meta, children)

    @_located
    def shape(self, meta, sizes):
        return tuple(sizes)

    @_located
    def size_name(self, meta, children):
        (token,) = children
        value = self.lookup(token)
        if not isinstance(value, Size):
            raise AtomError(f"'{token}' is not a dim; shapes are made of dims and integers")
        return value

    @_located
    def size_number(self, meta, children):
        return static_int(Constant(float(children[0])), "shape", "a size")

    @_located
    def size_add(self, meta, children):
        return children[0] + children[1]

    @_located
    def size_sub(self, meta, children):
        return children[0] - children[1]

    @_located
    def size_neg(self, meta, children):
        return -children[0]

    @_located
    def size_mul(self, meta, children):
        return children[0] * children[1]

    @_located
    def let_decl(self, meta, children):
        token, expr = children
        self.declare(token, expr)

    # --- objective and constraints -----------------------------------------
    @_located
    def objective(self, meta, children):
        sense, expr = children
        return Objective(str(sense), _expression(expr, "the objective"), self.span(meta))

    @_located
    def constraint_block(self, meta, children):
        return [c for c in children if not is_token(c, "SUBJECT_TO")]

    @_located
    def constraint(self, meta, children):
        name = str(children[0]) if is_token(children[0], "NAME") else None
        parts = children[1:] if name is not None else children
        if len(parts) > 5:
            raise ParseError("a chained comparison has at most two operators, e.g. `lo <= x <= hi`")
        group = []
        for i in range(0, len(parts) - 2, 2):
            lhs, op, rhs = parts[i], str(parts[i + 1]), parts[i + 2]
            lhs, rhs = _expression(lhs, "a constraint"), _expression(rhs, "a constraint")
            build = {"==": Constraint.eq, "<=": Constraint.le, ">=": lambda a, b: Constraint.le(b, a)}[op]
            group.append(build(lhs, rhs).with_span(self.span(meta)))
        return name, tuple(group), self.span(meta)

    def start(self, meta, children):
        objective = next(c for c in children if isinstance(c, Objective))
        block = next((c for c in children if isinstance(c, list)), [])
        groups: dict[str, tuple[Constraint, ...]] = {}
        lines: dict[str, int] = {}
        for position, (label, group, span) in enumerate(block, start=1):
            name = label or f"c{position}"
            if name in groups:
                how = "" if label else f" (an unnamed constraint is named c{position} by its position)"
                raise DuplicateNameError(
                    f"two constraints are named '{name}'{how}, here and on line {lines[name]}; "
                    "give each its own label",
                    span,
                )
            groups[name], lines[name] = group, span.line if span else 0
        return Problem(
            objective, groups, dims=self.dims, declarations=self.symbols, source=self.source
        )

    # --- expressions -------------------------------------------------------
    def lookup(self, token: Token) -> Any:
        name = str(token)
        if name in self.scope:
            return self.scope[name]
        hint = did_you_mean(name, list(self.scope)) or "declare it first, with dim, param, var or let"
        if name in CALLABLE:
            hint = f"'{name}' is an atom: call it as {name}(...)"
        raise UnknownNameError(f"unknown name '{name}'; {hint}", self.token_span(token))

    @_located
    def name(self, meta, children):
        return self.lookup(children[0])

    @_located
    def number(self, meta, children):
        value = float(children[0])
        if not math.isfinite(value):
            raise ParseError(f"the number {children[0]} is too large (it overflows a float64)")
        return Constant(value)

    @_located
    def add(self, meta, children):
        return _binary(children, ops.add, lambda a, b: a + b, "+")

    @_located
    def sub(self, meta, children):
        return _binary(children, ops.sub, lambda a, b: a - b, "-")

    @_located
    def mul(self, meta, children):
        return _binary(children, ops.multiply, lambda a, b: a * b, "*")

    @_located
    def div(self, meta, children):
        return _binary(children, ops.divide, None, "/")

    @_located
    def matmul(self, meta, children):
        return _binary(children, ops.matmul, None, "@")

    @_located
    def neg(self, meta, children):
        (x,) = children
        if isinstance(x, Size):
            return -x
        return ops.neg(_expression(x, "unary -"))

    @_located
    def pow(self, meta, children):
        base, _, exponent = children
        return power(_expression(base, "**"), exponent)

    @_located
    def transpose(self, meta, children):
        return transpose(_expression(children[0], ".T"))

    @_located
    def index(self, meta, children):
        target, key = children
        return _expression(target, "indexing")[tuple(key)]

    @_located
    def subscripts(self, meta, children):
        return list(children)

    @_located
    def slice(self, meta, children):
        step = children[2] if len(children) == 3 else None
        if isinstance(step, Constant) and step.shape == () and float(step.value) == 0:
            raise ShapeError("a slice step cannot be zero; use a positive step, or a negative one to reverse")
        return slice(*children)

    @_located
    def tuple(self, meta, children):
        return tuple(c for c in children if c is not None)

    @_located
    def array(self, meta, children):
        (items,) = children
        values = []
        for item in items:
            if not isinstance(item, Constant):
                raise AtomError(f"array literals hold numbers only, not `{item}`")
            values.append(item.value)
        try:
            return Constant(np.array(values, dtype=float))
        except ValueError:
            raise AtomError("the rows of an array literal must have equal lengths") from None

    @_located
    def array_items(self, meta, children):
        return list(children)

    @_located
    def arguments(self, meta, children):
        return list(children)

    @_located
    def keyword(self, meta, children):
        token, value = children
        return Keyword(str(token), value)

    @_located
    def call(self, meta, children):
        token, arguments = children
        name = str(token)
        atom = CALLABLE.get(name)
        if atom is None:
            hint = did_you_mean(name, list(CALLABLE))
            if name in self.scope:
                hint = hint or f"only atoms can be called; index with {name}[i] and multiply with *"
                message = f"'{name}' is declared in this file, not an atom; {hint}"
            else:
                hint = hint or f"the atoms are {', '.join(sorted(CALLABLE))}"
                message = f"unknown atom '{name}'; {hint}"
            raise AtomError(message, self.token_span(token))
        arguments = arguments or []
        positional = [a for a in arguments if not isinstance(a, Keyword)]
        keywords = {a.name: a.value for a in arguments if isinstance(a, Keyword)}
        return call_atom(name, atom, positional, keywords)


@functools.lru_cache(maxsize=None)
def _signature(atom: Any) -> inspect.Signature:
    return inspect.signature(atom)


def call_atom(name: str, atom: Any, positional: list, keywords: dict) -> Any:
    """Call an atom, turning a Python signature mismatch into an :class:`AtomError`."""
    signature = _signature(atom)
    try:
        signature.bind(*positional, **keywords)
    except TypeError as exc:
        params = ", ".join(
            p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default}"
            for p in signature.parameters.values()
        )
        raise AtomError(f"{name}({params}): {exc}") from None
    return atom(*positional, **keywords)


def _expression(value: Any, where: str) -> Expression:
    if isinstance(value, Expression):
        return value
    if isinstance(value, Size):
        raise AtomError(f"dim '{value}' can only be used in shapes, not as a value in {where}")
    raise AtomError(f"`{value}` cannot be used as a value in {where}")


def _binary(children: list, build, size_op, symbol: str) -> Any:
    a, b = children
    if isinstance(a, Size) or isinstance(b, Size):
        if size_op is None:
            raise AtomError(f"sizes can only be added, subtracted and multiplied, not combined with {symbol}")
        return size_op(_size(a), _size(b))
    return build(_expression(a, symbol), _expression(b, symbol))


def _size(value: Any) -> SizeLike:
    if isinstance(value, Size):
        return value
    return static_int(value, "size arithmetic", "an operand")

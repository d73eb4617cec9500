"""The immutable expression DAG: the base class every node shares."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from functools import cached_property
from typing import Any, ClassVar

from .._errors import AtomError, KktcError, Span
from ._properties import Curvature, Monotonicity, Sign, compose
from ._size import Shape, format_shape


class Expression:
    """A node of the expression DAG: knows its shape, sign and curvature.

    Nodes are immutable. ``==``, ``<=`` and ``>=`` build constraints, as in
    CVXPY, so structural equality is :meth:`same_as`, not ``==``.
    """

    __array_ufunc__ = None  # let NumPy arrays defer to our reflected operators
    __hash__ = object.__hash__

    args: tuple[Expression, ...] = ()
    shape: Shape
    sign: Sign
    curvature: Curvature
    span: Span | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _set(self, **fields: Any) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def with_span(self, span: Span | None) -> Expression:
        """Record where the node came from (only the first position sticks)."""
        if self.span is None and span is not None:
            object.__setattr__(self, "span", span)
        return self

    # --- structure ---------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def is_scalar(self) -> bool:
        return self.shape == ()

    @cached_property
    def definiteness(self) -> Sign:
        """What is known of the eigenvalues: NONNEG for a PSD matrix, NONPOS for NSD.

        A single entry c broadcasts to c·11ᵀ, PSD exactly when c >= 0, so its
        sign counts too; other non-square shapes have none.
        """
        square = self.ndim == 2 and self.shape[0] == self.shape[1]
        known = self._definiteness() if square else Sign.UNKNOWN
        if all(isinstance(d, int) and d == 1 for d in self.shape):
            known = Sign.of(known.is_nonneg or self.sign.is_nonneg, known.is_nonpos or self.sign.is_nonpos)
        return known

    def _definiteness(self) -> Sign:
        """Definiteness of a square matrix node, from its own facts (unknown unless overridden)."""
        return Sign.UNKNOWN

    @cached_property
    def structural_key(self) -> tuple:
        """A hashable structural identity (positions excluded).

        Not called ``key``: atoms store their static arguments as attributes,
        and ``Index.key`` (the subscript) would hide it.
        """
        return (type(self).__name__, self._static_key(), tuple(a.structural_key for a in self.args))

    def _static_key(self) -> tuple:
        return ()

    def same_as(self, other: Expression) -> bool:
        """Structural equality (``==`` builds a constraint instead)."""
        return isinstance(other, Expression) and self.structural_key == other.structural_key

    def leaves(self) -> list[Expression]:
        """Variables and parameters in first-appearance order, each once."""
        seen: dict[int, Expression] = {}
        stack = [self]
        visited: set[int] = set()
        while stack:
            node = stack.pop()
            if id(node) in visited:
                continue
            visited.add(id(node))
            if not node.args and node.is_leaf_symbol:
                seen.setdefault(id(node), node)
            stack.extend(reversed(node.args))
        return list(seen.values())

    is_leaf_symbol: ClassVar[bool] = False

    def __str__(self) -> str:
        from ._printer import format_expression

        return format_expression(self)

    def __repr__(self) -> str:
        return (
            f"Expression({self.curvature.name}, {self.sign.name}, {format_shape(self.shape)}: {self})"
        )

    def __iter__(self):
        raise TypeError("expressions are not iterable; index them with x[i]")

    def __bool__(self) -> bool:
        raise TypeError(
            "the truth value of an expression is undefined; "
            "write constraints with ==, <=, >= and give them to Problem"
        )

    # --- operators ---------------------------------------------------------
    def __add__(self, other):
        from ._operators import add

        return add(self, other)

    def __radd__(self, other):
        from ._operators import add

        return add(other, self)

    def __sub__(self, other):
        from ._operators import sub

        return sub(self, other)

    def __rsub__(self, other):
        from ._operators import sub

        return sub(other, self)

    def __neg__(self):
        from ._operators import neg

        return neg(self)

    def __pos__(self):
        return self

    def __mul__(self, other):
        from ._operators import multiply

        return multiply(self, other)

    def __rmul__(self, other):
        from ._operators import multiply

        return multiply(other, self)

    def __truediv__(self, other):
        from ._operators import divide

        return divide(self, other)

    def __rtruediv__(self, other):
        from ._operators import divide

        return divide(other, self)

    def __matmul__(self, other):
        from ._operators import matmul

        return matmul(self, other)

    def __rmatmul__(self, other):
        from ._operators import matmul

        return matmul(other, self)

    def __pow__(self, p):
        from .atoms import power

        return power(self, p)

    def __getitem__(self, key):
        from .atoms import index

        return index(self, key)

    @property
    def T(self) -> Expression:
        from .atoms import transpose

        return transpose(self)

    def __eq__(self, other):  # type: ignore[override]
        from ._constraint import Constraint

        return Constraint.eq(self, other)

    def __le__(self, other):
        from ._constraint import Constraint

        return Constraint.le(self, other)

    def __ge__(self, other):
        from ._constraint import Constraint

        return Constraint.le(other, self)

    def __lt__(self, other):
        raise AtomError("strict inequalities are not supported; use <= or >=")

    __gt__ = __lt__


class Atom(Expression, metaclass=ABCMeta):
    """A function applied to argument expressions.

    A subclass states only local facts: :meth:`_shape`, :meth:`_sign`,
    :meth:`_atom_curvature` and :meth:`_monotonicity`; the DCP composition rule
    is applied once, here. Static arguments (``axis``, ``p``, …) are named in
    ``positional`` / ``keywords`` so that printing and parsing agree.
    """

    name: ClassVar[str]
    positional: ClassVar[tuple[str, ...]] = ()
    keywords: ClassVar[tuple[str, ...]] = ()
    min_args: ClassVar[int] = 1
    max_args: ClassVar[int | None] = 1

    def __init__(self, *args: Any, **static: Any):
        from ._leaves import as_expression

        unexpected = sorted(set(static) - set(self.positional + self.keywords))
        if unexpected:
            raise AtomError(f"{self.name}() has no argument '{unexpected[0]}'")
        exprs = tuple(as_expression(a) for a in args)
        self._check_arity(len(exprs))
        self._build(exprs, static)

    def _build(self, args: tuple[Expression, ...], static: dict[str, Any]) -> None:
        self._set(args=args, **static)
        self._validate()
        self._set(shape=self._shape())
        self._set(sign=self._sign())
        curvature = compose(
            self._atom_curvature(),
            [(a.curvature, self._monotonicity(i)) for i, a in enumerate(args)],
        )
        self._set(curvature=curvature)

    def rebuild(self, args: tuple[Expression, ...]) -> Atom:
        """The same atom (same static arguments) over new arguments."""
        if len(args) == len(self.args) and all(x is y for x, y in zip(args, self.args)):
            return self
        node = object.__new__(type(self))
        node._build(tuple(args), self.static)
        return node

    def _check_arity(self, count: int) -> None:
        hi = self.max_args
        if count < self.min_args or (hi is not None and count > hi):
            want = (
                f"{self.min_args}"
                if hi == self.min_args
                else f"at least {self.min_args}"
                if hi is None
                else f"{self.min_args} to {hi}"
            )
            raise AtomError(f"{self.name}() takes {want} expression argument(s), got {count}")

    @property
    def static(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.positional + self.keywords}

    def _static_key(self) -> tuple:
        return tuple(_freeze(v) for v in self.static.values())

    # Local facts, overridden per atom.
    def _validate(self) -> None:
        """Raise a kktc error when arguments do not fit the atom."""

    @abstractmethod
    def _shape(self) -> Shape:
        """The shape of the result, from the arguments' shapes."""

    def _sign(self) -> Sign:
        return Sign.UNKNOWN

    def _atom_curvature(self) -> Curvature:
        return Curvature.AFFINE

    def _monotonicity(self, i: int) -> Monotonicity:
        return Monotonicity.INCREASING

    def why_not_dcp(self) -> str | None:
        """Why the atom itself has unknown curvature (e.g. a product of variables)."""
        return None


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, slice):
        return ("slice", value.start, value.stop, value.step)
    return value


def located(error: KktcError, node: Expression) -> KktcError:
    return error.located(node.span)

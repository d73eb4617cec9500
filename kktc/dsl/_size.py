"""Symbolic sizes: dims, and integer polynomials in dims.

A shape is a tuple whose entries are plain ``int`` or :class:`Size`. A size
that does not depend on any dim is always normalised to a plain ``int``, so
``Size`` objects only ever stand for truly symbolic sizes (``n``, ``T - 1``,
``m*n``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .._errors import DimError


@dataclass(frozen=True, order=True)
class Dim:
    """A named size, bound when a problem is compiled (or from a default)."""

    name: str
    default: int | None = None


Monomial = tuple[Dim, ...]  # sorted; () is the constant term


class Size:
    """An integer polynomial in dims, e.g. ``n``, ``T - 1`` or ``m*n``."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[Monomial, int]):
        object.__setattr__(self, "terms", tuple(sorted((m, c) for m, c in terms.items() if c != 0)))

    def __setattr__(self, name, value):
        raise AttributeError("Size is immutable")

    @staticmethod
    def of(dim: Dim) -> Size:
        return Size({(dim,): 1})

    @property
    def dims(self) -> tuple[Dim, ...]:
        found = {d for monomial, _ in self.terms for d in monomial}
        return tuple(sorted(found))

    @property
    def dim(self) -> Dim | None:
        """The dim when this size is exactly one dim, else None."""
        if len(self.terms) == 1 and len(self.terms[0][0]) == 1 and self.terms[0][1] == 1:
            return self.terms[0][0][0]
        return None

    def _as_dict(self) -> dict[Monomial, int]:
        return dict(self.terms)

    def __add__(self, other: SizeLike) -> SizeLike:
        total = self._as_dict()
        for monomial, coeff in _terms(other):
            total[monomial] = total.get(monomial, 0) + coeff
        return normalize(Size(total))

    __radd__ = __add__

    def __neg__(self) -> SizeLike:
        return normalize(Size({m: -c for m, c in self.terms}))

    def __sub__(self, other: SizeLike) -> SizeLike:
        return self + (-as_size(other))

    def __rsub__(self, other: SizeLike) -> SizeLike:
        return as_size(other) + (-self)

    def __mul__(self, other: SizeLike) -> SizeLike:
        product: dict[Monomial, int] = {}
        for m1, c1 in self.terms:
            for m2, c2 in _terms(other):
                monomial = tuple(sorted(m1 + m2))
                product[monomial] = product.get(monomial, 0) + c1 * c2
        return normalize(Size(product))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, int):
            return False  # a Size is never concrete (see normalize)
        return isinstance(other, Size) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(self.terms)

    def evaluate(self, bindings: dict[str, int]) -> int:
        """The integer value with every dim bound by name."""
        total = 0
        for monomial, coeff in self.terms:
            value = coeff
            for d in monomial:
                if d.name not in bindings:
                    raise DimError(f"dim '{d.name}' is not bound")
                value *= bindings[d.name]
            total += value
        return total

    def __str__(self) -> str:
        text = ""
        for monomial, coeff in sorted(self.terms, key=lambda t: (-len(t[0]), t[0])):
            factors = [d.name for d in monomial]
            magnitude = abs(coeff)
            if magnitude != 1 or not factors:
                factors.insert(0, str(magnitude))
            term = "*".join(factors)
            if not text:
                text = f"-{term}" if coeff < 0 else term
            else:
                text += f" - {term}" if coeff < 0 else f" + {term}"
        return text

    def __repr__(self) -> str:
        return f"Size({self})"


SizeLike = Union[int, Size]
Shape = tuple[SizeLike, ...]


def _terms(value: SizeLike) -> tuple[tuple[Monomial, int], ...]:
    return as_size(value).terms


def as_size(value: SizeLike) -> Size:
    if isinstance(value, Size):
        return value
    return Size({(): int(value)})


def normalize(size: Size) -> SizeLike:
    """Turn a dim-free size into a plain int."""
    if all(not monomial for monomial, _ in size.terms):
        return sum(c for _, c in size.terms)
    return size


def dims(spec: str) -> tuple[Size, ...]:
    """Symbolic dims from a space- or comma-separated spec.

    ``name=value`` gives a default.

    >>> m, n = dims("m n")
    >>> (k,) = dims("k=3")
    """
    result = []
    for item in spec.replace(",", " ").split():
        name, _, default = item.partition("=")
        if not name.isidentifier():
            raise DimError(f"'{name}' is not a valid dim name")
        result.append(Size.of(Dim(name, int(default) if default else None)))
    return tuple(result)


def format_size(size: SizeLike) -> str:
    return str(size)


def format_shape(shape: Shape) -> str:
    """``(m, n)``, ``(n,)`` or ``()`` — as NumPy writes shapes."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def shape_dims(shape: Shape) -> tuple[Dim, ...]:
    found: set[Dim] = set()
    for s in shape:
        if isinstance(s, Size):
            found.update(s.dims)
    return tuple(sorted(found))


def evaluate_shape(shape: Shape, bindings: dict[str, int]) -> tuple[int, ...]:
    return tuple(s.evaluate(bindings) if isinstance(s, Size) else s for s in shape)


def size_product(shape: Shape) -> SizeLike:
    total: SizeLike = 1
    for s in shape:
        total = total * s
    return total


def broadcast_shapes(a: Shape, b: Shape) -> Shape | None:
    """NumPy broadcasting with symbolic sizes; None when the shapes clash."""
    out: list[SizeLike] = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            return None
    return tuple(reversed(out))

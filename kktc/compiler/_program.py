"""Program: a checked, lowered problem that binds to concrete dims on demand.

This is what the compiler hands the runtime: parameter names and shapes,
dim inference, and per binding a :class:`Canonical` form and its KKT residual.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .._errors import DimError, ShapeError
from ..dsl import Problem
from ..dsl._size import Size, SizeLike, evaluate_shape, shape_dims
from ._canonical import Canonical, canonicalize
from ._kkt import kkt_residual
from ._lower import Lowered, lower


@dataclass(frozen=True)
class DualSlot:
    """Where one constraint of a named group sits: the inequality or equality rows, and which block."""

    equality: bool
    block: int


def _describe(name: str, shape: tuple) -> str:
    return f"{name}[{', '.join(str(s) for s in shape)}]" if shape else f"{name} (a scalar)"


class Program:
    """A DCP problem lowered once, bound to dims per call.

    Args:
        problem: the problem; it must be DCP unless ``nonconvex``.
        dims: dims bound at compile time, by name.
    """

    def __init__(self, problem: Problem, dims: dict[str, int] | None = None, nonconvex: bool = False):
        if not nonconvex:
            problem.check_dcp()
        dims = dict(dims or {})
        unknown = set(dims) - set(problem.dims)
        if unknown:
            raise DimError(f"unknown dim '{sorted(unknown)[0]}'; the problem's dims are {sorted(problem.dims) or 'none'}")
        self.problem = problem
        self.fixed = dims
        self.lowered: Lowered = lower(problem)
        self.parameters = {name: p.shape for name, p in problem.parameters.items()}
        self.variables = {name: v.shape for name, v in problem.variables.items()}
        self._check_every_dim_fixable()

    def _check_every_dim_fixable(self) -> None:
        fixable = set(self.fixed) | {d.name for d in self.problem.dims.values() if d.default is not None}
        for shape in self.parameters.values():
            fixable |= {s.dim.name for s in shape if isinstance(s, Size) and s.dim is not None}
        for name, dim in self.problem.dims.items():
            if name not in fixable:
                span = getattr(self.problem, "spans", {}).get(name)
                raise DimError(
                    f"dim '{name}' cannot be inferred: no parameter's shape fixes it and it has no default",
                    span,
                    f"bind it when compiling, e.g. kc.load(path, {name}=10), or declare `dim {name} = 10`",
                )

    def describe(self, name: str) -> str:
        """``A[m, n]``: how a parameter was declared."""
        return _describe(name, self.parameters[name])

    def infer_dims(self, shapes: dict[str, tuple[int, ...]]) -> dict[str, int]:
        """Dims from parameter shapes (plus compile-time bindings and defaults); checks every shape."""
        bound: dict[str, int] = dict(self.fixed)
        source: dict[str, str] = {k: "compile-time binding" for k in bound}
        for name, declared in self.parameters.items():
            actual = shapes[name]
            if len(actual) != len(declared):
                raise ShapeError(
                    f"parameter '{name}' has shape {actual}, but it is declared {self.describe(name)}"
                    f" with {len(declared)} dimension(s)"
                )
            for entry, size in zip(declared, actual):
                if isinstance(entry, Size) and entry.dim is not None:
                    d = entry.dim.name
                    if d in bound and bound[d] != size:
                        raise ShapeError(
                            f"parameter '{name}' has shape {actual}, so {d} = {size}, but {d} = {bound[d]} "
                            f"from {source[d]} (declared {self.describe(name)})"
                        )
                    bound.setdefault(d, size)
                    source.setdefault(d, f"parameter '{name}'")
        for d in self.problem.dims.values():
            if d.name not in bound and d.default is not None:
                bound[d.name] = d.default
        for name, declared in self.parameters.items():
            expected = evaluate_shape(declared, bound)
            if tuple(shapes[name]) != expected:
                raise ShapeError(
                    f"parameter '{name}' has shape {tuple(shapes[name])}, expected {expected} "
                    f"(declared {self.describe(name)} with {self._dims_text(declared, bound)})"
                )
        return bound

    def _dims_text(self, shape: tuple[SizeLike, ...], bound: dict[str, int]) -> str:
        names = sorted({d.name for d in shape_dims(shape)})
        return ", ".join(f"{n} = {bound[n]}" for n in names) or "no dims"

    @lru_cache(maxsize=32)
    def _canonical(self, key: tuple) -> Canonical:
        return canonicalize(self.lowered, dict(key))

    def canonical(self, bindings: dict[str, int]) -> Canonical:
        """The canonical form with these dims (cached per binding)."""
        return self._canonical(tuple(sorted(bindings.items())))

    def kkt(self, bindings: dict[str, int]):
        """F(w, θ) for these dims."""
        return kkt_residual(self.canonical(bindings))

    def dual_slots(self, canonical: Canonical) -> dict[str, tuple[DualSlot, ...]]:
        """Per user constraint name, where its multipliers are, in source order."""
        slots: dict[str, list[tuple[int, DualSlot]]] = {name: [] for name in self.problem.constraints}
        for equality, groups in ((False, canonical.row_groups), (True, canonical.eq_groups)):
            for block, (group, index) in enumerate(groups):
                if group is not None:
                    slots[group].append((index, DualSlot(equality, block)))
        return {name: tuple(s for _, s in sorted(found, key=lambda t: t[0])) for name, found in slots.items()}

"""The lowered problem with dims bound: pure JAX functions f, g, h of (z, θ).

``z`` stacks every variable (user and auxiliary) flattened in C order; ``θ``
is a dict of parameter arrays by name. Rows of ``g`` whose value is ``-inf``
(an infinite bound) are masked to the inactive constant ``-1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from ..dsl import Expression, atoms as a
from ..dsl._size import evaluate_shape
from ._evaluate import Evaluator
from ._lower import Lowered, Row


@dataclass(frozen=True)
class Block:
    """A named slice of a stacked vector, reshaped to ``shape``."""

    name: str
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return prod(self.shape)

    def take(self, vector: jax.Array) -> jax.Array:
        return vector[self.offset : self.offset + self.size].reshape(self.shape)


@dataclass(frozen=True)
class Layout:
    """How a stacked vector splits into named blocks."""

    blocks: tuple[Block, ...]

    @staticmethod
    def of(named_shapes: list[tuple[str, tuple[int, ...]]]) -> Layout:
        blocks, offset = [], 0
        for name, shape in named_shapes:
            blocks.append(Block(name, shape, offset))
            offset += prod(shape)
        return Layout(tuple(blocks))

    @property
    def size(self) -> int:
        return sum(b.size for b in self.blocks)


Fn = Callable[[jax.Array, dict], jax.Array]


@dataclass(frozen=True)
class Canonical:
    """``minimize f(z, θ) s.t. g(z, θ) <= 0, h(z, θ) = 0`` with concrete sizes.

    Attributes:
        variables: the layout of ``z`` (user variables first, then auxiliaries).
        inequalities, equalities: the layouts of ``g`` and ``h``, one block per row.
        quadratic: f is quadratic and g, h are affine in z (an LP/QP).
        positive: per entry of z, whether an atom's domain needs it positive
            (the solver starts those at 1 and keeps them interior).
        value: the objective as written (the maximum for ``maximize``).
    """

    f: Fn
    g: Fn
    h: Fn
    value: Fn
    variables: Layout
    inequalities: Layout
    equalities: Layout
    quadratic: bool
    positive: np.ndarray
    row_groups: tuple[tuple[str | None, int], ...]  # (group, index) per inequality row
    eq_groups: tuple[tuple[str | None, int], ...]

    @property
    def sizes(self) -> tuple[int, int, int]:
        return self.variables.size, self.inequalities.size, self.equalities.size


QUADRATIC_ATOMS = (a.Square, a.SumSquares, a.QuadForm)
LINEAR_COMBINATIONS = (a.Add, a.Neg, a.Multiply, a.Divide, a.Sum, a.Mean, a.Index, a.Reshape, a.Transpose,
                       a.HStack, a.VStack, a.CumSum, a.Trace, a.Diag, a.MatMul, a.Dot)


def is_quadratic(expr: Expression) -> bool:
    """Affine, or a nonnegative combination of quadratic atoms of affine arguments (DCP did the signs)."""
    c = expr.curvature
    if c.is_affine:
        return True
    if isinstance(expr, a.Power):
        return expr.p == 2 and expr.args[0].curvature.is_affine
    if isinstance(expr, QUADRATIC_ATOMS):
        return expr.args[0].curvature.is_affine
    if isinstance(expr, LINEAR_COMBINATIONS):
        return all(is_quadratic(arg) for arg in expr.args)
    return False


def _stack(parts: list[jax.Array], dtype) -> jax.Array:
    if not parts:
        return jnp.zeros((0,), dtype)
    return jnp.concatenate([jnp.ravel(p) for p in parts])


def _positive_mask(lowered: Lowered, variables: Layout) -> np.ndarray:
    mask = np.zeros(variables.size, dtype=bool)
    for v, block in zip(lowered.variables, variables.blocks):
        if any(v is u for u in lowered.positive):
            mask[block.offset : block.offset + block.size] = True
    mask.setflags(write=False)
    return mask


def canonicalize(lowered: Lowered, bindings: dict[str, int]) -> Canonical:
    """Bind dims and build the JAX functions of the canonical form."""
    variables = Layout.of([(lowered.name_of(v), evaluate_shape(v.shape, bindings)) for v in lowered.variables])
    params = lowered.problem.parameters

    def row_layout(rows: tuple[Row, ...]) -> Layout:
        return Layout.of([(f"{r.group}[{r.index}]", evaluate_shape(r.shape, bindings)) for r in rows])

    def evaluator(z: jax.Array, theta: dict) -> Evaluator:
        values = {id(v): b.take(z) for v, b in zip(lowered.variables, variables.blocks)}
        values.update({id(p): theta[name] for name, p in params.items()})
        return Evaluator(values, bindings, z.dtype)

    def f(z, theta):
        return evaluator(z, theta)(lowered.objective)

    def value(z, theta):
        return evaluator(z, theta)(lowered.value)

    def g(z, theta):
        ev = evaluator(z, theta)
        raw = _stack([jnp.broadcast_to(ev(r.expr), block.shape) for r, block in
                      zip(lowered.inequalities, row_layout(lowered.inequalities).blocks)], z.dtype)
        return jnp.where(raw == -jnp.inf, -1.0, raw)

    def h(z, theta):
        ev = evaluator(z, theta)
        return _stack([jnp.broadcast_to(ev(r.expr), block.shape) for r, block in
                       zip(lowered.equalities, row_layout(lowered.equalities).blocks)], z.dtype)

    quadratic = is_quadratic(lowered.objective) and all(
        r.expr.curvature.is_affine for r in lowered.inequalities + lowered.equalities
    )
    return Canonical(
        f=f, g=g, h=h, value=value,
        variables=variables,
        inequalities=row_layout(lowered.inequalities),
        equalities=row_layout(lowered.equalities),
        quadratic=quadratic,
        positive=_positive_mask(lowered, variables),
        row_groups=tuple((r.group, r.index) for r in lowered.inequalities),
        eq_groups=tuple((r.group, r.index) for r in lowered.equalities),
    )

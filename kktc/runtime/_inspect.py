"""layer.kkt: the KKT system of a compiled problem, symbolic and numeric.

The symbolic system comes from the compiler (SymPy, symbolic dims); the
numbers come from the very residual F(w, θ) the implicit-differentiation rule
differentiates, evaluated at a solution.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from ..compiler import kkt_residual
from ..compiler._labels import row_labels
from ..compiler._lowered_text import describe_lowered
from ..compiler._symbolic import SymbolicKKT

if TYPE_CHECKING:
    from ._layer import Layer
    from ._solution import Solution


@dataclass(frozen=True)
class KKTResidual:
    """F at a solution, block by block, each a dict from label to array.

    ``stationarity`` is ∇f + J_gᵀλ + J_hᵀν per variable; ``equality`` is h per
    equality row; ``complementarity`` is λ∘g per inequality row; ``inequality``
    is max(g, 0) (primal violation) and ``dual`` is max(−λ, 0) (dual violation).
    """

    stationarity: dict[str, np.ndarray]
    equality: dict[str, np.ndarray]
    complementarity: dict[str, np.ndarray]
    inequality: dict[str, np.ndarray]
    dual: dict[str, np.ndarray]

    def max_abs(self) -> float:
        """The largest entry of every block: 0 at an exact KKT point."""
        values = [np.max(np.abs(v), initial=0.0) for block in self.__dict__.values() for v in block.values()]
        return float(max(values, default=0.0))

    def __str__(self) -> str:
        lines = []
        for block, table in self.__dict__.items():
            if table:
                worst = ", ".join(f"{k}: {np.max(np.abs(v), initial=0.0):.2e}" for k, v in table.items())
                lines.append(f"{block:<16} {worst}")
        return "\n".join(lines)


@dataclass(frozen=True)
class KKTJacobian:
    """∂F/∂w at a solution, with the labels of its row and column blocks.

    Attributes:
        matrix: the dense Jacobian, rows (stationarity per variable, equalities,
            complementarity per inequality row) by columns (variables, λ per
            inequality row, ν per equality row).
        rows, cols: (label, start, stop) of every block.
    """

    matrix: np.ndarray
    rows: list[tuple[str, int, int]]
    cols: list[tuple[str, int, int]]


def _spans(labels: list[str], sizes: list[int], prefix: str = "") -> list[tuple[str, int, int]]:
    out, start = [], 0
    for label, size in zip(labels, sizes):
        out.append((prefix + label, start, start + size))
        start += size
    return out


class KKTView:
    """The KKT system of a layer's lowered problem (see LANGUAGE.md §5).

    ``print(layer.kkt)`` shows the four blocks; ``.latex()`` the same in LaTeX;
    ``.lowered`` the canonical problem; ``.residual`` and ``.jacobian`` the
    numbers at a solution.
    """

    def __init__(self, layer: Layer):
        self._layer = layer
        self._functions: dict[tuple, tuple] = {}

    @cached_property
    def symbolic(self) -> SymbolicKKT:
        return SymbolicKKT(self._layer.program.lowered)

    @property
    def blocks(self):
        return self.symbolic.blocks

    def __str__(self) -> str:
        return str(self.symbolic)

    def latex(self) -> str:
        return self.symbolic.latex()

    def _repr_latex_(self) -> str:
        return self.symbolic._repr_latex_()

    @property
    def lowered(self) -> LoweredView:
        return LoweredView(self._layer.program.lowered)

    # --- numbers at a solution ---------------------------------------------
    def _setup(self, params: dict[str, Any]):
        """The canonical form and jitted (residual, jacobian) for these parameters' dims and dtype."""
        theta, bindings, dtype = self._layer._validate(params)
        key = (tuple(sorted(bindings.items())), jnp.dtype(dtype).name)
        if key not in self._functions:
            c = self._layer.program.canonical(bindings)
            F = kkt_residual(c)

            def residual(w, theta):
                return F(w, theta), c.g(w[0], theta)

            def jacobian(w, theta):
                flat, unravel = ravel_pytree(w)
                return jax.jacfwd(lambda v: ravel_pytree(F(unravel(v), theta))[0])(flat)

            self._functions[key] = (c, jax.jit(residual), jax.jit(jacobian))
        c, residual, jacobian = self._functions[key]
        return c, residual, jacobian, theta, dtype

    def residual(self, sol: Solution, params: dict[str, Any] | None = None, /, **kwargs: Any) -> KKTResidual:
        """F(w, θ) at ``sol`` (one unbatched solution), per block and label."""
        c, residual, _, theta, dtype = self._setup({**(params or {}), **kwargs})
        z, lam, nu = (jnp.asarray(x, dtype) for x in sol.kkt_point)
        blocks, g = residual((z, lam, nu), theta)
        lowered = self._layer.program.lowered
        ineq = row_labels(lowered.inequalities)
        eq = row_labels(lowered.equalities)

        def split(layout, vector, labels):
            return {label: np.asarray(b.take(vector)) for label, b in zip(labels, layout.blocks)}

        return KKTResidual(
            stationarity=split(c.variables, blocks.stationarity, [b.name for b in c.variables.blocks]),
            equality=split(c.equalities, blocks.equality, eq),
            complementarity=split(c.inequalities, blocks.complementarity, ineq),
            inequality=split(c.inequalities, jnp.maximum(g, 0), ineq),
            dual=split(c.inequalities, jnp.maximum(-lam, 0), ineq),
        )

    def jacobian(self, sol: Solution, params: dict[str, Any] | None = None, /, **kwargs: Any) -> KKTJacobian:
        """∂F/∂w at ``sol``: the matrix the backward pass solves with."""
        c, _, jacobian, theta, dtype = self._setup({**(params or {}), **kwargs})
        matrix = jacobian(tuple(jnp.asarray(x, dtype) for x in sol.kkt_point), theta)
        lowered = self._layer.program.lowered
        ineq, eq = row_labels(lowered.inequalities), row_labels(lowered.equalities)
        var_names = [b.name for b in c.variables.blocks]
        var_sizes = [b.size for b in c.variables.blocks]
        ineq_sizes = [b.size for b in c.inequalities.blocks]
        eq_sizes = [b.size for b in c.equalities.blocks]
        rows = _spans(
            [f"∂L/∂{v}" for v in var_names] + eq + ineq, var_sizes + eq_sizes + ineq_sizes
        )
        cols = _spans(var_names + [f"λ_{k}" for k in ineq] + [f"ν_{k}" for k in eq], var_sizes + ineq_sizes + eq_sizes)
        return KKTJacobian(np.asarray(matrix), rows, cols)


class LoweredView:
    """The canonical problem: original and auxiliary variables, which atom each replaced, the rows."""

    def __init__(self, lowered):
        self.problem = lowered

    @property
    def variables(self) -> list[str]:
        return [self.problem.name_of(v) for v in self.problem.variables]

    @property
    def auxiliaries(self) -> dict[str, str]:
        """Auxiliary variable name -> the atom it replaced."""
        from ..dsl._printer import format_expression

        return {
            self.problem.name_of(a.variable): format_expression(a.replaces, self.problem.name_of)
            for a in self.problem.auxiliaries
        }

    def __str__(self) -> str:
        return describe_lowered(self.problem)

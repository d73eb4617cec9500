"""The symbolic KKT system of a lowered problem, in SymPy, with symbolic dims.

Built from the same lowered form the solver uses: the stationarity of the
Lagrangian comes from a reverse sweep over the expression DAG with one
adjoint rule per atom (``_symbolic_rules``), so it reads as matrix algebra.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..dsl import Constant, Expression, Parameter, Variable
from . import _symbolic_algebra as alg
from ._labels import row_labels
from ._lower import Lowered, Row
from ._symbolic_printing import Sum, to_latex, to_text
from ._symbolic_rules import ADJOINT, FORWARD, UnsupportedSymbolic, opaque


@dataclass(frozen=True)
class Equation:
    """One labelled (vector) equation or inequality: ``lhs RELATION 0``."""

    label: str
    lhs: Any
    relation: str  # "=", "<=", ">="

    def text(self) -> str:
        rel = {"=": "=", "<=": "≤", ">=": "≥"}[self.relation]
        return f"{to_text(self.lhs)} {rel} 0"

    def latex(self) -> str:
        rel = {"=": "=", "<=": r"\leq", ">=": r"\geq"}[self.relation]
        return f"{to_latex(self.lhs)} {rel} 0"


BLOCKS = ("stationarity", "primal feasibility", "dual feasibility", "complementary slackness")


@dataclass(frozen=True)
class Multiplier:
    """The multiplier of one canonical row: its symbol and the row it belongs to."""

    symbol: Any
    row: Row
    label: str
    equality: bool


class SymbolicKKT:
    """The KKT conditions of a lowered problem, block by block.

    Attributes:
        blocks: block name -> list of :class:`Equation` (stationarity, primal
            feasibility, dual feasibility, complementary slackness).
        multipliers: one :class:`Multiplier` per inequality and equality row.
        symbols: the SymPy symbol of every variable, parameter and dim, by name.
    """

    def __init__(self, lowered: Lowered):
        self.lowered = lowered
        self.symbols: dict[str, Any] = {}
        self._forward: dict[int, Any] = {}
        self.multipliers = self._multipliers()
        self.blocks = self._blocks()

    # --- symbols -------------------------------------------------------------
    def _leaf(self, node: Expression):
        if isinstance(node, Constant):
            v = node.value
            if v.ndim == 0:
                return alg.number(float(v))
            return sp.ImmutableMatrix(v.reshape(v.shape[0], -1)).applyfunc(lambda e: alg.number(float(e)))
        name = self.lowered.name_of(node) if isinstance(node, Variable) else self.lowered.problem.name_of(node)
        sym = alg.symbol(name, node.shape)
        self.symbols[name] = sym
        return sym

    def forward(self, node: Expression):
        """The SymPy value of a node (memoized)."""
        key = id(node)
        if key not in self._forward:
            if not node.args:
                self._forward[key] = self._leaf(node)
            else:
                rule = FORWARD.get(type(node), opaque)
                self._forward[key] = rule(node, *(self.forward(arg) for arg in node.args))
        return self._forward[key]

    def _multipliers(self) -> list[Multiplier]:
        out = []
        for equality, rows, greek in ((False, self.lowered.inequalities, "lambda"), (True, self.lowered.equalities, "nu")):
            for row, label in zip(rows, row_labels(rows)):
                out.append(Multiplier(alg.symbol(f"{greek}_{{{label}}}", row.shape), row, label, equality))
        return out

    # --- the system ----------------------------------------------------------
    def _sweep(self, root: Expression, bar) -> dict[int, Any]:
        """Adjoints of every node below ``root`` for the output adjoint ``bar`` (a reverse sweep)."""
        order: list[Expression] = []
        seen: set[int] = set()
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen and not node.curvature.is_constant:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((arg, False) for arg in node.args)
        adjoint: dict[int, Any] = {id(root): bar} if order else {}
        for node in reversed(order):
            bar = adjoint.get(id(node))
            if bar is None or not node.args:
                continue
            rule = ADJOINT.get(type(node))
            if rule is None:
                raise UnsupportedSymbolic(f"`{node}` has no symbolic derivative")
            args = [self.forward(arg) for arg in node.args]
            for i, arg in enumerate(node.args):
                if not arg.curvature.is_constant:
                    adjoint[id(arg)] = _plus(adjoint.get(id(arg)), rule(node, i, bar, args))
        return adjoint

    def _gradient_terms(self) -> dict[int, list]:
        """Per variable, the terms of ∂L/∂v in textbook order: ∇f, then Jgᵀλ, then Jhᵀν."""
        roots = [(self.lowered.objective, sp.Integer(1))] + [(m.row.expr, m.symbol) for m in self.multipliers]
        terms: dict[int, list] = {}
        for root, bar in roots:
            adjoint = self._sweep(root, bar)
            for v in self.lowered.variables:
                if id(v) in adjoint:
                    terms.setdefault(id(v), []).append(adjoint[id(v)])
        return terms

    def _blocks(self) -> dict[str, list[Equation]]:
        terms = self._gradient_terms()
        stationarity = []
        for v in self.lowered.variables:
            zero = sp.Integer(0) if v.shape == () else sp.ZeroMatrix(*alg.matrix_shape(v.shape))
            stationarity.append(Equation(f"∂L/∂{self.lowered.name_of(v)}", Sum(terms.get(id(v), [zero])), "="))
        primal, dual, slack = [], [], []
        for m in self.multipliers:
            value = self.forward(m.row.expr)
            if m.equality:
                primal.append(Equation(m.label, value, "="))
                continue
            primal.append(Equation(m.label, value, "<="))
            dual.append(Equation(to_text(m.symbol), m.symbol, ">="))
            slack.append(Equation(m.label, alg.hadamard(m.symbol, value) if alg.is_matrix(value) else m.symbol * value, "="))
        return dict(zip(BLOCKS, (stationarity, primal, dual, slack)))

    # --- display -------------------------------------------------------------
    def __str__(self) -> str:
        lines = []
        for block, equations in self.blocks.items():
            if not equations:
                continue
            lines.append(f"{block}:")
            width = max(len(e.label) for e in equations)
            lines.extend(f"  {e.label:<{width}}  {e.text()}" for e in equations)
        return "\n".join(lines)

    def latex(self) -> str:
        """The whole system as a LaTeX ``aligned`` environment."""
        rows = []
        for block, equations in self.blocks.items():
            if not equations:
                continue
            rows.append(rf"&\textbf{{{block}}} \\")
            rows.extend(rf"&{e.latex()} && ({latex_label(e.label)}) \\" for e in equations)
        return "\\begin{aligned}\n" + "\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"


def latex_label(label: str) -> str:
    """A row label in LaTeX that matplotlib's mathtext also renders."""
    if label.startswith("∂L/∂"):
        return r"\partial L / \partial " + _tex_word(label[len("∂L/∂"):])
    if label.startswith("λ_"):
        return r"\lambda_{" + _tex_word(label[2:]) + "}"
    return _tex_word(label)


def _tex_word(text: str) -> str:
    return r"\mathrm{" + text.replace("_", r"\_").replace(" ", r"\ ") + "}"


def _plus(total, term):
    return term if total is None else total + term


"""Printers for the symbolic KKT system: Unicode text for terminals, LaTeX for documents.

They make SymPy's matrix expressions read like a textbook: ``Aᵀ(A·x - b)``,
``λ_box`` for multipliers, ``exp(x)`` for elementwise functions, ``𝟙`` for the
all-ones vector, ``x∘y`` for the elementwise product.
"""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

GREEK = {"lambda": ("λ", r"\lambda"), "nu": ("ν", r"\nu")}


def _split(name: str) -> tuple[str, str]:
    base, _, sub = name.partition("_")
    return base, sub.strip("{}")


def _applied(printer, expr) -> str:
    """Print ``f(d)`` of an elementwise function with the argument's own text in place of ``d``."""
    lam = expr.function
    (dummy,) = lam.variables
    placeholder = sp.Symbol("ARGUMENT_PLACEHOLDER")
    body = printer._print(lam.expr.subs(dummy, placeholder))
    mark = printer._print(placeholder)
    argument = printer._print(expr.expr)
    wrapped = any(f"{left}{mark}{right}" in body for left, right in (("(", ")"), (r"\left(", r"\right)")))
    if not wrapped and not isinstance(expr.expr, (sp.MatrixSymbol, sp.Symbol)):
        argument = f"({argument})" if isinstance(printer, TextPrinter) else rf"\left({argument}\right)"
    return body.replace(mark, argument)


class TextPrinter(StrPrinter):
    """Unicode text."""

    def _print_Symbol(self, expr):
        base, sub = _split(expr.name)
        if base in GREEK and sub:
            return f"{GREEK[base][0]}_{sub}"
        return expr.name

    _print_MatrixSymbol = _print_Symbol
    _print_Dummy = _print_Symbol

    def _print_Transpose(self, expr):
        return f"{self.parenthesize(expr.arg, PRECEDENCE['Pow'])}ᵀ"

    def _print_MatMul(self, expr):
        coeff, factors = expr.as_coeff_matrices()
        texts = [self.parenthesize(f, PRECEDENCE["Mul"], strict=False) for f in factors]
        body = texts[0]
        for t in texts[1:]:
            glue = "" if body.endswith((")", "ᵀ")) or t.startswith("(") else "·"
            body += glue + t
        scalars = expr.args[: len(expr.args) - len(factors)]
        if coeff == -1 and len(scalars) == 1:
            return f"-{body}"
        if scalars:
            return f"{self._print(sp.Mul(*scalars))}·{body}" if coeff != 1 or len(scalars) > 1 else body
        return body

    def _print_HadamardProduct(self, expr):
        return "∘".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True) for a in expr.args)

    def _print_HadamardPower(self, expr):
        return f"{self.parenthesize(expr.base, PRECEDENCE['Pow'], strict=True)}^∘({self._print(expr.exp)})"

    def _print_ElementwiseApplyFunction(self, expr):
        return _applied(self, expr)

    def _print_OneMatrix(self, expr):
        return "𝟙ᵀ" if expr.shape[0] == 1 and expr.shape[1] != 1 else "𝟙"

    def _print_Mul(self, expr):
        return re.sub(r"(?<!\*)\*(?!\*)", "·", super()._print_Mul(expr)).replace("**", "^")

    def _print_Pow(self, expr, rational=False):
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_ZeroMatrix(self, expr):
        return "0"

    def _print_Identity(self, expr):
        return "I"

    def _print_Scalar(self, expr):
        return self._print(expr.args[0])

    def _print_Selector(self, expr):
        start, stop, _ = expr.args
        return f"S[{self._print(start)}:{self._print(stop)}]"

    def _print_LowerOnes(self, expr):
        return "L"

    def _print_Flatten(self, expr):
        return f"vec({self._print(expr.args[0])})"

    def _print_BlockMatrix(self, expr):
        rows = ["; ".join(self._print(b) for b in row) for row in expr.blocks.tolist()]
        return "[" + ("; ".join(rows) if expr.blocks.shape[1] == 1 else ", ".join(rows)) + "]"

    def _print_DiagMatrix(self, expr):
        return f"diag({self._print(expr.args[0])})"

    _print_DiagonalOf = _print_DiagMatrix

    def _print_Unflatten(self, expr):
        return f"mat({self._print(expr.args[0])})"

    def _print_Float(self, expr):
        value = float(expr)
        return str(int(value)) if value == int(value) else repr(value)


class TeXPrinter(LatexPrinter):
    """LaTeX (renders with matplotlib's mathtext)."""

    def _print_Symbol(self, expr, style="plain"):
        base, sub = _split(expr.name)
        if base in GREEK and sub:
            return GREEK[base][1] + "_{" + _tex_name(sub) + "}"
        return expr.name if len(expr.name) == 1 else _tex_name(expr.name)

    _print_MatrixSymbol = _print_Symbol
    _print_Dummy = _print_Symbol

    def _print_ElementwiseApplyFunction(self, expr):
        return _applied(self, expr)

    def _print_OneMatrix(self, expr):
        return r"\mathbf{1}^{T}" if expr.shape[0] == 1 and expr.shape[1] != 1 else r"\mathbf{1}"

    def _print_Scalar(self, expr):
        return self._print(expr.args[0])

    def _print_Selector(self, expr):
        start, stop, _ = expr.args
        return rf"S_{{{self._print(start)}:{self._print(stop)}}}"

    def _print_LowerOnes(self, expr):
        return "L"

    def _print_BlockMatrix(self, expr):
        column = expr.blocks.shape[1] == 1
        parts = [self._print(b) for row in expr.blocks.tolist() for b in row]
        return r"\left[" + ("; " if column else ", ").join(parts) + r"\right]"

    def _print_DiagMatrix(self, expr):
        return rf"\mathrm{{diag}}\left({self._print(expr.args[0])}\right)"

    _print_DiagonalOf = _print_DiagMatrix

    def _print_Flatten(self, expr):
        return rf"\mathrm{{vec}}\left({self._print(expr.args[0])}\right)"

    def _print_Unflatten(self, expr):
        return rf"\mathrm{{mat}}\left({self._print(expr.args[0])}\right)"

    def _print_HadamardPower(self, expr):
        return rf"{self.parenthesize(expr.base, PRECEDENCE['Pow'], strict=True)}^{{\circ {self._print(expr.exp)}}}"

    def _print_Float(self, expr):
        value = float(expr)
        return str(int(value)) if value == int(value) else repr(value)


def _tex_name(name: str) -> str:
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


@dataclass(frozen=True)
class Sum:
    """Terms added in a fixed order (SymPy would sort them): ∇f first, then Jgᵀλ, then Jhᵀν."""

    terms: tuple

    def __init__(self, terms):
        object.__setattr__(self, "terms", tuple(terms))

    @property
    def value(self):
        return functools.reduce(operator.add, self.terms)


def _joined(texts: list[str]) -> str:
    out = texts[0]
    for t in texts[1:]:
        out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def to_text(expr) -> str:
    if isinstance(expr, Sum):
        return _joined([to_text(t) for t in expr.terms])
    return TextPrinter().doprint(expr)


def to_latex(expr) -> str:
    if isinstance(expr, Sum):
        return _joined([to_latex(t) for t in expr.terms])
    return TeXPrinter().doprint(expr)

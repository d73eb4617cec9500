"""Numeric evaluation of the symbolic KKT expressions, independent of the JAX residual.

SymPy's ``lambdify`` has no NumPy form for Hadamard powers, elementwise
function application or our selectors, so this interprets the SymPy trees
directly with NumPy. Tests use it to check that the printed equations and
the residual the solver differentiates are the same function.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ._symbolic_algebra import Scalar
from ._symbolic_printing import Sum


class Evaluator:
    """Evaluate SymPy expressions with symbols bound by name (vectors as columns) and dims bound."""

    def __init__(self, values: dict[str, Any], dims: dict[str, int]):
        self.values = {k: np.asarray(v, float) for k, v in values.items()}
        self.dims = {sp.Symbol(k, integer=True, positive=True): v for k, v in dims.items()}
        self.bound: dict[Any, float] = {}  # dummies of elementwise functions, while applied

    def size(self, expr) -> int:
        return int(sp.sympify(expr).subs(self.dims))

    def __call__(self, expr) -> Any:
        if isinstance(expr, Sum):
            return sum(self(t) for t in expr.terms)
        method = getattr(self, f"_{type(expr).__name__}", None)
        if method is not None:
            return method(expr)
        if expr in self.bound:
            return self.bound[expr]
        if expr in self.dims:
            return float(self.dims[expr])
        if isinstance(expr, (sp.Symbol, sp.MatrixSymbol)):
            value = self.values[expr.name]
            return value.reshape(-1, 1) if value.ndim == 1 else value
        if isinstance(expr, sp.Number):
            return float(expr)
        if isinstance(expr, sp.MatrixBase):
            return np.array([[self(entry) for entry in row] for row in expr.tolist()], dtype=float)
        if isinstance(expr, AppliedUndef):
            return _OPAQUE[type(expr).__name__](*(self(a) for a in expr.args))
        if isinstance(expr, sp.Function):
            return _FUNCTIONS[type(expr)](*(self(a) for a in expr.args))
        raise TypeError(f"cannot evaluate {type(expr).__name__}: {expr}")

    def _MatAdd(self, e):
        return sum(self(a) for a in e.args)

    _Add = _MatAdd

    def _MatMul(self, e):
        out = 1.0
        for a in e.args:
            v = self(a)
            out = out @ v if np.ndim(out) == 2 and np.ndim(v) == 2 else out * v
        return out

    _Mul = _MatMul

    def _Pow(self, e):
        return self(e.base) ** self(e.exp)

    def _MatPow(self, e):
        return np.linalg.matrix_power(self(e.base), int(e.exp))

    def _Transpose(self, e):
        return self(e.arg).T

    def _HadamardProduct(self, e):
        out = 1.0
        for a in e.args:
            out = out * self(a)
        return out

    def _HadamardPower(self, e):
        return self(e.base) ** self(e.exp)

    def _OneMatrix(self, e):
        return np.ones((self.size(e.shape[0]), self.size(e.shape[1])))

    def _ZeroMatrix(self, e):
        return np.zeros((self.size(e.shape[0]), self.size(e.shape[1])))

    def _Identity(self, e):
        return np.eye(self.size(e.shape[0]))

    def _Scalar(self, e):
        return float(np.asarray(self(e.args[0])).reshape(-1)[0])

    def _Selector(self, e):
        start, stop, size = (self.size(a) for a in e.args)
        return np.eye(size)[start:stop]

    def _LowerOnes(self, e):
        return np.tril(np.ones((self.size(e.args[0]),) * 2))

    def _Flatten(self, e):
        return self(e.args[0]).reshape(-1, 1)

    def _Unflatten(self, e):
        return self(e.args[0]).reshape(self.size(e.args[1]), self.size(e.args[2]))

    def _Trace(self, e):
        return float(np.trace(self(e.arg)))

    def _DiagMatrix(self, e):
        return np.diag(self(e.args[0]).ravel())

    def _DiagonalOf(self, e):
        return np.diag(self(e.args[0])).reshape(-1, 1)

    def _BlockMatrix(self, e):
        return np.block([[self(b) for b in row] for row in e.blocks.tolist()])

    def _ElementwiseApplyFunction(self, e: ElementwiseApplyFunction):
        (d,) = e.function.variables
        argument = np.asarray(self(e.expr), float)
        out = np.empty_like(argument)
        outer = self.bound.get(d)
        for index in np.ndindex(argument.shape):
            self.bound[d] = float(argument[index])
            out[index] = self(e.function.expr)
        if outer is None:
            self.bound.pop(d, None)
        else:
            self.bound[d] = outer
        return out


def _huber(x, M=1.0):
    ax = np.abs(x)
    return np.sum(np.where(ax <= M, ax**2, 2 * M * ax - M**2))


#: The scalar-valued atoms that print as named functions (see _symbolic_rules.opaque).
_OPAQUE = {
    "max": np.max,
    "min": np.min,
    "norm1": lambda x: np.sum(np.abs(x)),
    "norm_inf": lambda x: np.max(np.abs(x)),
    "huber": _huber,
    "maximum": np.maximum,
    "minimum": np.minimum,
}

_FUNCTIONS = {
    sp.exp: np.exp,
    sp.log: np.log,
    sp.sqrt: np.sqrt,
    sp.Abs: np.abs,
    sp.Max: np.maximum,
    Scalar: lambda v: float(np.asarray(v).reshape(-1)[0]),
}

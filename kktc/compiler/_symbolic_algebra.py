"""SymPy building blocks for the symbolic KKT system, with symbolic dims.

Shapes map to SymPy as: ``()`` a scalar expression, ``(k,)`` a k×1 column
matrix expression, ``(m, n)`` an m×n matrix expression. A 1×1 matrix product
used as a number is wrapped in :class:`Scalar` so that it prints as itself
(``xᵀy``) and multiplies vectors like a number.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import MatrixExpr
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .._errors import KktcError
from ..dsl._size import Shape, Size, SizeLike


class Scalar(sp.Function):
    """A 1×1 matrix expression used as a number (prints as the expression)."""

    nargs = 1
    is_commutative = True


class Selector(MatrixExpr):
    """The 0/1 matrix S with ``S @ x == x[start:stop]`` (rows) for a vector of length ``size``.

    Prints as ``S[start:stop]``; its transpose embeds a slice back into the full vector.
    """

    def __new__(cls, start, stop, size):
        return super().__new__(cls, sp.sympify(start), sp.sympify(stop), sp.sympify(size))

    @property
    def shape(self):
        start, stop, size = self.args
        return (stop - start, size)

    def _entry(self, i, j, **kwargs):
        return sp.KroneckerDelta(i + self.args[0], j)


class LowerOnes(MatrixExpr):
    """The n×n lower-triangular matrix of ones: ``L @ x == cumsum(x)``."""

    def __new__(cls, size):
        return super().__new__(cls, sp.sympify(size))

    @property
    def shape(self):
        return (self.args[0], self.args[0])

    def _entry(self, i, j, **kwargs):
        return sp.Piecewise((1, i >= j), (0, True))


class Flatten(MatrixExpr):
    """The entries of an m×n matrix in row-major order, as an (mn)×1 column (NumPy's reshape)."""

    def __new__(cls, matrix):
        return super().__new__(cls, matrix)

    @property
    def shape(self):
        rows, cols = self.args[0].shape
        return (rows * cols, sp.Integer(1))

    def _entry(self, i, j, **kwargs):
        cols = self.args[0].shape[1]
        return self.args[0][i // cols, i % cols]


class Unflatten(MatrixExpr):
    """The inverse of :class:`Flatten`: an (mn)×1 column back to an m×n matrix, row by row."""

    def __new__(cls, column, rows, cols):
        return super().__new__(cls, column, sp.sympify(rows), sp.sympify(cols))

    @property
    def shape(self):
        return (self.args[1], self.args[2])

    def _entry(self, i, j, **kwargs):
        return self.args[0][i * self.args[2] + j, 0]


class UnsupportedSymbolic(KktcError):
    """The symbolic KKT view does not cover this expression (the numeric KKT still works)."""

    kind = "symbolic KKT"


def dim_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


def size(value: SizeLike) -> sp.Expr:
    """A kktc size (int or polynomial in dims) as a SymPy expression."""
    if not isinstance(value, Size):
        return sp.Integer(value)
    total = sp.Integer(0)
    for monomial, coeff in value.terms:
        term = sp.Integer(coeff)
        for d in monomial:
            term *= dim_symbol(d.name)
        total += term
    return total


def matrix_shape(shape: Shape) -> tuple[sp.Expr, sp.Expr]:
    if len(shape) == 1:
        return size(shape[0]), sp.Integer(1)
    if len(shape) == 2:
        return size(shape[0]), size(shape[1])
    raise UnsupportedSymbolic(f"the symbolic KKT system covers scalars, vectors and matrices, not shape {shape}")


def symbol(name: str, shape: Shape):
    """A scalar Symbol or a MatrixSymbol of the given shape."""
    if shape == ():
        return sp.Symbol(name, real=True)
    rows, cols = matrix_shape(shape)
    return sp.MatrixSymbol(name, rows, cols)


def ones(shape: Shape):
    rows, cols = matrix_shape(shape)
    return sp.OneMatrix(rows, cols)


def is_matrix(expr) -> bool:
    return isinstance(expr, MatrixExpr)


def as_number(expr):
    """A 1×1 matrix expression as a number."""
    return Scalar(expr) if is_matrix(expr) else expr


def broadcast(expr, source: Shape, target: Shape):
    """NumPy broadcasting of ``expr`` from ``source`` to ``target`` as matrix algebra."""
    if source == target:
        return expr
    if source == ():
        return expr * ones(target)
    if len(source) == 1 and len(target) == 2:
        if target[1] == source[0]:  # a row vector repeated down the rows
            return ones((target[0], 1)) * expr.T
        return expr * ones((1, target[1]))
    raise UnsupportedSymbolic(f"cannot show broadcasting from {source} to {target} symbolically")


def reduce_to(expr, source: Shape, target: Shape):
    """The adjoint of :func:`broadcast`: sum ``expr`` over the broadcast axes."""
    if source == target:
        return expr
    if target == ():
        left = ones((1, source[0])) if source else 1
        right = ones((source[1], 1)) if len(source) == 2 else None
        return as_number(left * expr * right if right is not None else left * expr)
    if len(source) == 2 and len(target) == 1:
        if source[1] == target[0]:
            return (ones((1, source[0])) * expr).T
        return expr * ones((source[1], 1))
    raise UnsupportedSymbolic(f"cannot show the sum from {source} to {target} symbolically")


def _ones_coefficient(expr):
    """c when ``expr`` is c·𝟙 (or 𝟙), else None."""
    if isinstance(expr, sp.OneMatrix):
        return sp.Integer(1)
    if isinstance(expr, sp.MatMul):
        matrices = [f for f in expr.args if f.is_Matrix]
        if len(matrices) == 1 and isinstance(matrices[0], sp.OneMatrix):
            return sp.Mul(*(f for f in expr.args if not f.is_Matrix))
    return None


def scale(c, y):
    """``c * y``, folding a number into an elementwise function (``-(−log(x) − 1)`` reads ``log(x) + 1``)."""
    if isinstance(y, ElementwiseApplyFunction) and not is_matrix(c) and not c.has(Scalar, ElementwiseApplyFunction):
        (d,) = y.function.variables
        return y.expr.applyfunc(sp.Lambda(d, sp.expand(c * y.function.expr)))
    return c * y


def hadamard(a, b):
    """Elementwise product; a number (or a multiple of 𝟙) times anything is ordinary scaling."""
    if not is_matrix(a):
        return scale(a, b)
    if not is_matrix(b):
        return scale(b, a)
    for x, y in ((a, b), (b, a)):
        c = _ones_coefficient(x)
        if c is not None and x.shape == y.shape:
            return scale(c, y)
    return sp.HadamardProduct(a, b)


def elementwise(func, x):
    """``func`` applied entry by entry (a plain call on a number)."""
    if not is_matrix(x):
        return func(x)
    d = sp.Dummy("d")
    return x.applyfunc(sp.Lambda(d, func(d)))


def number(value: float):
    """A float constant, exact when it is a short binary fraction (0.5 prints as 1/2)."""
    if abs(value * 64 - round(value * 64)) < 1e-12 * max(1.0, abs(value)):
        return sp.Rational(round(value * 64), 64)
    return sp.Float(value)


def power(x, p):
    if not is_matrix(x):
        return x**p
    return sp.HadamardPower(x, p)

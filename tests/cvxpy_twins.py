"""Twin expression trees: each node built in kktc and in cvxpy over twin leaves.

The generator behind ``test_analysis_vs_cvxpy``: a builder per atom makes a node
of a requested shape from children of the shapes it needs, so every tree is well
formed in both libraries. Where kktc differs from cvxpy on purpose, the builders
steer around it; the differences are listed in ``test_analysis_vs_cvxpy``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from hypothesis import strategies as st

import kktc as kc

cp = pytest.importorskip("cvxpy")

Shape = tuple[int, ...]

SIDES = (1, 2, 3, 4)
VECTORS: list[Shape] = [(n,) for n in SIDES]
MATRICES: list[Shape] = [(r, c) for r in SIDES for c in SIDES]
SHAPES: list[Shape] = [()] + VECTORS + MATRICES
#: Exponents where kktc and cvxpy agree (see test_analysis_vs_cvxpy for 6, 10).
POWERS = (2, 3, 4, 0.5, -1, 1, 1.5)
#: Tree depths, deep ones most often (hypothesis shrinks toward the first).
DEPTHS = st.sampled_from([1, 2, 3, 4, 4, 4])
#: Root shapes: a scalar (an objective) a third of the time.
ROOT_SHAPES = st.one_of(st.just(()), st.sampled_from(SHAPES), st.sampled_from(SHAPES))


@dataclass(frozen=True)
class Pair:
    """One node, built in kktc (``k``) and in cvxpy (``c``)."""

    k: kc.Expression
    c: object
    #: Built only where kktc's and cvxpy's definiteness rules coincide (compare them).
    definite: bool = False


def one_entry(shape: Shape) -> bool:
    return all(d == 1 for d in shape)


def assert_same_analysis(pair: Pair) -> None:
    k, c = pair.k, pair.c
    facts = {
        "shape": (tuple(k.shape), c.shape),
        "nonneg": (k.sign.is_nonneg, c.is_nonneg()),
        "nonpos": (k.sign.is_nonpos, c.is_nonpos()),
        "constant": (k.curvature.is_constant, c.is_constant()),
        "affine": (k.curvature.is_affine, c.is_affine()),
        "convex": (k.curvature.is_convex, c.is_convex()),
        "concave": (k.curvature.is_concave, c.is_concave()),
        "dcp": (k.curvature.is_dcp, c.is_dcp()),
    }
    if pair.definite:
        facts["psd"] = (k.definiteness.is_nonneg, c.is_psd())
        facts["nsd"] = (k.definiteness.is_nonpos, c.is_nsd())
    wrong = {name: v for name, v in facts.items() if v[0] != v[1]}
    assert not wrong, f"kktc vs cvxpy (kktc, cvxpy) {wrong}\n  kktc:  {k!r}\n  cvxpy: {c}"


def twin(k: kc.Expression, make_c: Callable[[], object], definite: bool = False) -> Pair:
    """Pair a kktc node with cvxpy's. kktc folds constant arithmetic: a folded node's twin is its value."""
    folded = isinstance(k, kc.Constant)
    return Pair(k, cp.Constant(k.value) if folded else make_c(), folded or definite)


def coinciding(k: kc.Expression, make_c: Callable[[], object], *args: Pair) -> Pair:
    """A node of an operation on which kktc's and cvxpy's definiteness rules coincide.

    They part on single entries: kktc counts one by its sign, cvxpy only constant ones.
    """
    return twin(k, make_c, all(a.definite for a in args) and not one_entry(k.shape))


# --- the generator ---------------------------------------------------------------


class Trees:
    """Draws twin expression trees of a requested shape; records every node it builds."""

    def __init__(self, draw: Callable):
        self.draw = draw
        self.nodes: list[Pair] = []
        self.symbols: dict[tuple, Pair] = {}
        self.constant_only = False

    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))

    def chance(self, p: float = 0.5) -> bool:
        return self.draw(st.integers(0, 99)) < 100 * p

    def node(self, k: kc.Expression, make_c: Callable[[], object], definite: bool = False) -> Pair:
        pair = twin(k, make_c, definite)
        self.nodes.append(pair)
        return pair

    def definite_node(self, k: kc.Expression, make_c: Callable[[], object], *args: Pair) -> Pair:
        pair = coinciding(k, make_c, *args)
        self.nodes.append(pair)
        return pair

    def known_definiteness(self, x: Pair) -> Pair:
        """Steer ``trace``/``diag``/``quad_form`` around nodes where the two rules part."""
        claims = x.c.is_psd() or x.c.is_nsd() or x.k.definiteness is not kc.Sign.UNKNOWN
        if claims and not x.definite:
            return self.symbol("param", x.k.shape, "psd")
        return x

    # --- nodes of a given shape ---
    def expr(self, shape: Shape, depth: int) -> Pair:
        if depth <= 0 or self.chance(0.1):
            return self.leaf(shape)
        # Shape-preserving elementwise atoms fit everywhere; weight the rest up so that
        # reductions, products and stacking show up as often.
        names = [name for name, b in BUILDERS.items() if b.fits(self, shape) for _ in range(b.weight)]
        return BUILDERS[self.pick(names)].build(self, shape, depth - 1)

    def constant_expr(self, shape: Shape, depth: int) -> Pair:
        """A tree of parameters and constants only (the constant side of a product)."""
        saved, self.constant_only = self.constant_only, True
        try:
            return self.expr(shape, depth)
        finally:
            self.constant_only = saved

    def factor(self, shape: Shape, depth: int) -> Pair:
        """A product operand: constant more often than not, so products stay DCP."""
        return self.constant_expr(shape, depth) if self.chance(0.6) else self.expr(shape, depth)

    def product_operands(self, sa: Shape, sb: Shape, depth: int) -> tuple[Pair, Pair]:
        if self.chance(0.5):
            return self.factor(sa, depth), self.expr(sb, depth)
        return self.expr(sa, depth), self.factor(sb, depth)

    # --- leaves ---
    def leaf(self, shape: Shape) -> Pair:
        kinds = ["param", "const"] if self.constant_only else ["var", "var", "param", "const"]
        kind = self.pick(kinds)
        if kind == "const":
            return self.constant(shape)
        attrs = ["", "nonneg", "nonpos"]
        if kind == "param" and len(shape) == 2 and shape[0] == shape[1]:
            attrs += ["psd", "symmetric"]
        return self.symbol(kind, shape, self.pick(attrs))

    def symbol(self, kind: str, shape: Shape, attr: str) -> Pair:
        # Two of each kind, so trees both reuse a symbol (x - x, x * x) and mix distinct ones.
        key = (kind, shape, attr, self.draw(st.integers(0, 1)))
        if key not in self.symbols:
            kc_cls, cp_cls = (kc.Variable, cp.Variable) if kind == "var" else (kc.Parameter, cp.Parameter)
            kc_attrs = {attr: True} if attr else {}
            cp_attrs = {{"psd": "PSD"}.get(attr, attr): True} if attr else {}
            # cvxpy knows no definiteness of a signed single entry that is not a constant.
            definite = not (one_entry(shape) and attr in ("nonneg", "nonpos"))
            pair = Pair(kc_cls(shape, **kc_attrs), cp_cls(shape, **cp_attrs), definite)
            self.symbols[key] = pair
            self.nodes.append(pair)
        return self.symbols[key]

    def constant(self, shape: Shape, sign: str | None = None) -> Pair:
        sign = sign or self.pick(["positive", "negative", "zero", "mixed"])
        size = math.prod(shape)
        magnitudes = self.draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=size, max_size=size))
        signs = {
            "positive": [1] * size,
            "negative": [-1] * size,
            "zero": [0] * size,
            "mixed": self.draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=size, max_size=size)),
        }[sign]
        value = (np.array(magnitudes) * np.array(signs)).reshape(shape)
        return self.node(kc.Constant(value), lambda: cp.Constant(value))

    def nonzero(self, pair: Pair) -> Pair:
        """Keep constant divisors away from zero (kktc would fold 1/0)."""
        if isinstance(pair.k, kc.Constant) and np.any(pair.k.value == 0):
            return self.constant(pair.k.shape, self.pick(["positive", "negative"]))
        return pair

    def operands(self, a: Pair, b: Pair) -> tuple:
        """The operands for kktc, sometimes a constant as a raw number or array (it wraps)."""
        ka, kb = a.k, b.k
        if isinstance(kb, kc.Constant) and not isinstance(ka, kc.Constant) and self.chance(0.5):
            kb = float(kb.value) if kb.shape == () else np.array(kb.value)
        elif isinstance(ka, kc.Constant) and not isinstance(kb, kc.Constant) and self.chance(0.5):
            ka = float(ka.value) if ka.shape == () else np.array(ka.value)
        return ka, kb


# --- builders: one per atom; each makes a node of the requested shape ------------------


@dataclass(frozen=True)
class Builder:
    """How to build one atom's node of a given shape, where the atom can make that shape."""

    fits: Callable[[Trees, Shape], bool]
    build: Callable[[Trees, Shape, int], Pair]
    weight: int


BUILDERS: dict[str, Builder] = {}


def builder(name: str, fits: Callable[[Trees, Shape], bool] = lambda g, s: True, weight: int = 3):
    def register(build):
        BUILDERS[name] = Builder(fits, build, weight)
        return build

    return register


def is_scalar(g, s):
    return s == ()


def is_matrix(g, s):
    return len(s) == 2


def not_scalar(g, s):
    return s != ()


ELEMENTWISE = {
    "abs": cp.abs,
    "square": cp.square,
    "pos": cp.pos,
    "exp": cp.exp,
    "softplus": cp.logistic,
    "inv_pos": cp.inv_pos,
    "log": cp.log,
    "sqrt": cp.sqrt,
    "entropy": cp.entr,
}


def _elementwise(name: str, cp_fn):
    @builder(name, weight=1)
    def build(g: Trees, shape: Shape, depth: int) -> Pair:
        x = g.expr(shape, depth)
        return g.node(getattr(kc, name)(x.k), lambda: cp_fn(x.c))


for _name, _fn in ELEMENTWISE.items():
    _elementwise(_name, _fn)


@builder("huber", weight=1)
def build_huber(g, shape, depth):
    x, M = g.expr(shape, depth), g.pick([0.5, 1.0, 2.0])
    return g.node(kc.huber(x.k, M), lambda: cp.huber(x.c, M))


@builder("power", weight=1)
def build_power(g, shape, depth):
    x, p = g.expr(shape, depth), g.pick(POWERS)
    if isinstance(x.k, kc.Constant):  # kktc evaluates a constant's power: keep it real
        x = g.constant(shape, "positive")
    k = x.k**p if g.chance(0.5) else kc.power(x.k, p)
    return g.node(k, lambda: cp.power(x.c, p))


@builder("neg", weight=1)
def build_neg(g, shape, depth):
    x = g.expr(shape, depth)
    return g.definite_node(-x.k, lambda: -x.c, x)


def broadcast_operands(g: Trees, shape: Shape) -> tuple[Shape, Shape]:
    """Two operand shapes that broadcast to ``shape`` (NumPy rules)."""
    options = [(shape, shape), (shape, ()), ((), shape)]
    if len(shape) == 1:
        options += [((1,), shape)]
    if len(shape) == 2:
        options += [(shape[1:], shape), (shape, shape[1:]), ((shape[0], 1), (1, shape[1]))]
    return g.pick(options)


@builder("add")
def build_add(g, shape, depth):
    sa, sb = broadcast_operands(g, shape)
    a, b = g.expr(sa, depth), g.expr(sb, depth)
    ka, kb = g.operands(a, b)
    return g.definite_node(ka + kb, lambda: a.c + b.c, a, b)


@builder("sub")
def build_sub(g, shape, depth):
    sa, sb = broadcast_operands(g, shape)
    a, b = g.expr(sa, depth), g.expr(sb, depth)
    ka, kb = g.operands(a, b)
    return g.definite_node(ka - kb, lambda: a.c - b.c, a, b)


@builder("multiply")
def build_multiply(g, shape, depth):
    sa, sb = broadcast_operands(g, shape)
    a, b = g.product_operands(sa, sb, depth)
    ka, kb = g.operands(a, b)
    return g.definite_node(ka * kb, lambda: cp.multiply(a.c, b.c), a, b)


@builder("divide")
def build_divide(g, shape, depth):
    sb = g.pick([(), shape])
    a, b = g.expr(shape, depth), g.nonzero(g.factor(sb, depth))
    ka, kb = g.operands(a, b)
    return g.node(ka / kb, lambda: a.c / b.c)


@builder("matmul", not_scalar)
def build_matmul(g, shape, depth):
    k = g.pick([1, 2, 3])
    if len(shape) == 1:
        sa, sb = g.pick([((shape[0], k), (k,)), ((k,), (k, shape[0]))])
    else:
        sa, sb = (shape[0], k), (k, shape[1])
    a, b = g.product_operands(sa, sb, depth)
    ka, kb = g.operands(a, b)
    return g.node(ka @ kb, lambda: a.c @ b.c)


@builder("inner", is_scalar)  # the scalar result of vector @ vector
def build_inner(g, shape, depth):
    n = g.pick([1, 2, 3])
    a, b = g.factor((n,), depth), g.expr((n,), depth)
    return g.node(a.k @ b.k, lambda: a.c @ b.c)


@builder("dot", is_scalar)
def build_dot(g, shape, depth):
    s = g.pick(VECTORS + MATRICES)
    a, b = g.product_operands(s, s, depth)
    # Not cp.vdot: it conjugates its first argument, and cvxpy's conj is nonmonotone, so
    # cvxpy rejects vdot(abs(x), p) but accepts vdot(p, abs(x)). For real arguments both are
    # sum(p * abs(x)), convex for p >= 0, as kktc says.
    return g.node(kc.dot(a.k, b.k), lambda: cp.sum(cp.multiply(a.c, b.c)))


def _cp_norm2(x, axis):
    if axis is None:
        return cp.norm(x, "fro") if x.ndim == 2 else cp.norm(x, 2)
    return cp.norm(x, 2, axis=axis)


REDUCTIONS = {
    "sum": lambda x, axis: cp.sum(x, axis=axis),
    "mean": lambda x, axis: cp.mean(x, axis=axis),
    "max": lambda x, axis: cp.max(x, axis=axis),
    "min": lambda x, axis: cp.min(x, axis=axis),
    "norm1": lambda x, axis: cp.norm1(x, axis=axis),
    "norm2": _cp_norm2,
    "norm_inf": lambda x, axis: cp.norm_inf(x, axis=axis),
    "sum_squares": lambda x, axis: cp.sum_squares(x, axis=axis),
    "logsumexp": lambda x, axis: cp.log_sum_exp(x, axis=axis),
}


def reduced_operand(g: Trees, shape: Shape) -> tuple[Shape, int | None]:
    """An argument shape and an axis whose reduction has ``shape``."""
    k = g.pick(SIDES)
    if shape == ():
        return g.pick([(g.pick(SHAPES), None), ((k,), 0), ((k,), -1)])
    (n,) = shape
    return g.pick([((k, n), 0), ((k, n), -2), ((n, k), 1), ((n, k), -1)])


def _reduction(name: str, cp_fn):
    @builder(name, lambda g, s: len(s) <= 1)
    def build(g: Trees, shape: Shape, depth: int) -> Pair:
        arg_shape, axis = reduced_operand(g, shape)
        x = g.expr(arg_shape, depth)
        atom = getattr(kc, name)
        k = atom(x.k) if axis is None and g.chance(0.5) else atom(x.k, axis=axis)
        return g.node(k, lambda: cp_fn(x.c, axis))


for _name, _fn in REDUCTIONS.items():
    _reduction(_name, _fn)


@builder("cumsum", not_scalar)
def build_cumsum(g, shape, depth):
    x = g.expr(shape, depth)
    axis = g.pick([None, 0]) if len(shape) == 1 else g.pick([0, 1, -1])
    # kktc's axis=None is the whole vector, which is cvxpy's default axis=0.
    return g.node(kc.cumsum(x.k, axis=axis), lambda: cp.cumsum(x.c, axis=0 if axis is None else axis))


@builder("trace", is_scalar)
def build_trace(g, shape, depth):
    n = g.pick(SIDES)
    x = g.known_definiteness(g.expr((n, n), depth))
    return g.node(kc.trace(x.k), lambda: cp.trace(x.c))


# Never 1x1: cvxpy takes a (1, 1) matrix for a vector.
@builder("diag", lambda g, s: len(s) in (1, 2) and s[0] > 1 and s[0] == s[-1])
def build_diag(g, shape, depth):
    n = shape[0]
    if len(shape) == 2:  # a vector to a diagonal matrix: PSD iff nonnegative, in both
        x = g.expr((n,), depth)
        return g.node(kc.diag(x.k), lambda: cp.diag(x.c), definite=True)
    x = g.known_definiteness(g.expr((n, n), depth))
    if x.c.is_nsd() and not x.c.is_nonpos():  # cvxpy gives diag(NSD) no sign
        x = g.symbol("param", (n, n), "psd")
    return g.node(kc.diag(x.k), lambda: cp.diag(x.c))


@builder("transpose", is_matrix)
def build_transpose(g, shape, depth):
    x = g.expr(shape[::-1], depth)
    k = x.k.T if g.chance(0.5) else kc.transpose(x.k)
    return g.definite_node(k, lambda: x.c.T, x)


@builder("reshape")
def build_reshape(g, shape, depth):
    same_size = [s for s in SHAPES if math.prod(s) == math.prod(shape)]
    x = g.expr(g.pick(same_size), depth)
    return g.node(kc.reshape(x.k, shape), lambda: cp.reshape(x.c, shape, order="C"))


def split(g: Trees, total: int) -> list[int]:
    """A random composition of ``total`` into positive parts."""
    parts = []
    while total:
        parts.append(g.draw(st.integers(1, total)))
        total -= parts[-1]
    return parts


@builder("vstack", is_matrix)
def build_vstack(g, shape, depth):
    rows, cols = shape
    pieces = []
    for r in split(g, rows):
        options = [(r, cols)] + ([(cols,)] if r == 1 else []) + ([()] if r == cols == 1 else [])
        pieces.append(g.expr(g.pick(options), depth))
    return g.node(kc.vstack(*(p.k for p in pieces)), lambda: cp.vstack([p.c for p in pieces]))


@builder("hstack", not_scalar)
def build_hstack(g, shape, depth):
    if len(shape) == 1:
        shapes = [g.pick([(), (1,)]) if n == 1 else (n,) for n in split(g, shape[0])]
    else:
        shapes = [(shape[0], n) for n in split(g, shape[1])]
    pieces = [g.expr(s, depth) for s in shapes]
    return g.node(kc.hstack(*(p.k for p in pieces)), lambda: cp.hstack([p.c for p in pieces]))


def index_key(g: Trees, shape: Shape) -> tuple[Shape, object]:
    """An argument shape and a NumPy basic index into it that gives ``shape``."""
    longest = max(SIDES)
    if shape == ():
        arg = g.pick(VECTORS + MATRICES)
        key = tuple(g.draw(st.integers(-n, n - 1)) for n in arg)
        return arg, key[0] if len(key) == 1 else key
    if len(shape) == 1:
        (n,) = shape
        k = g.draw(st.integers(n, longest))
        start = g.draw(st.integers(0, k - n))
        in_vector = ((k,), slice(start or None, None if start + n == k else start + n))
        row, col = g.draw(st.integers(0, k - 1)), g.draw(st.integers(-k, k - 1))
        in_matrix_row = ((k, n), g.pick([(row, slice(None)), row]))
        in_matrix_column = ((n, k), (slice(None), col))
        return g.pick([in_vector, in_matrix_row, in_matrix_column])
    m, n = shape
    arg = (g.draw(st.integers(m, longest)), g.draw(st.integers(n, longest)))
    i, j = g.draw(st.integers(0, arg[0] - m)), g.draw(st.integers(0, arg[1] - n))
    return arg, (slice(i, i + m), slice(j, j + n))


@builder("index")
def build_index(g, shape, depth):
    arg, key = index_key(g, shape)
    x = g.expr(arg, depth)
    return g.node(x.k[key], lambda: x.c[key])


def _extremum(name: str, cp_fn):
    @builder(name)
    def build(g: Trees, shape: Shape, depth: int) -> Pair:
        first, second = broadcast_operands(g, shape)
        shapes = [first, second] + ([g.pick([first, second])] if g.chance(0.3) else [])
        args = [g.expr(s, depth) for s in shapes]
        return g.node(getattr(kc, name)(*(a.k for a in args)), lambda: cp_fn(*(a.c for a in args)))


_extremum("maximum", cp.maximum)
_extremum("minimum", cp.minimum)


def psd_leaf(g: Trees, n: int) -> Pair:
    kind = g.pick(["psd param", "symmetric param", "psd", "nsd", "indefinite", "zero"])
    if kind.endswith("param"):
        return g.symbol("param", (n, n), kind.split()[0])
    entries = st.lists(st.sampled_from([-1.0, 0.0, 1.0, 2.0]), min_size=n * n, max_size=n * n)
    B = np.array(g.draw(entries)).reshape(n, n)
    P = {"psd": B @ B.T, "nsd": -B @ B.T, "indefinite": B + B.T, "zero": np.zeros((n, n))}[kind]
    return g.node(kc.Constant(P), lambda: cp.Constant(P))


def quad_form_matrix(g: Trees, n: int, depth: int) -> Pair:
    """P for quad_form: a leaf, a combination of leaves, or any symmetric constant expression."""
    kind = g.pick(["leaf", "combination", "expression"])
    if kind == "leaf" or depth <= 0:
        return psd_leaf(g, n)
    if kind == "combination":
        a, b = psd_leaf(g, n), psd_leaf(g, n)
        c = g.pick([2.0, 0.5, -1.0])
        return g.pick([
            g.definite_node(-a.k, lambda: -a.c, a),
            g.definite_node(a.k + b.k, lambda: a.c + b.c, a, b),
            g.definite_node(c * a.k, lambda: cp.multiply(c, a.c), a),
            g.definite_node(a.k.T, lambda: a.c.T, a),
        ])
    P = g.known_definiteness(g.constant_expr((n, n), depth))
    return P if P.c.is_hermitian() else psd_leaf(g, n)  # cvxpy refuses a non-symmetric P


@builder("quad_form", lambda g, s: s == () and not g.constant_only)
def build_quad_form(g, shape, depth):
    n = g.pick(SIDES)
    x = g.expr((n,), depth)
    if x.k.curvature.is_constant:  # cvxpy rewrites a constant x to x.T @ P @ x
        x = g.symbol("var", (n,), g.pick(["", "nonneg", "nonpos"]))
    P = quad_form_matrix(g, n, depth)
    return g.node(kc.quad_form(x.k, P.k), lambda: cp.quad_form(x.c, P.c))


@builder("quad_over_lin", is_scalar)
def build_quad_over_lin(g, shape, depth):
    x = g.expr(g.pick(SHAPES), depth)
    y = g.factor((), depth)
    return g.node(kc.quad_over_lin(x.k, y.k), lambda: cp.quad_over_lin(x.c, y.c))


# --- strategies ------------------------------------------------------------------


@st.composite
def trees(draw) -> tuple[Trees, Pair]:
    g = Trees(draw)
    root = g.expr(draw(ROOT_SHAPES), draw(DEPTHS))
    return g, root


@st.composite
def twin_trees(draw) -> tuple[Trees, Pair, Pair]:
    """Two trees of one shape over shared leaves, for constraints ``a <= b``, ``a == b``."""
    g = Trees(draw)
    shape = draw(ROOT_SHAPES)
    a = g.expr(shape, draw(DEPTHS) - 1)
    b = g.expr(shape, draw(DEPTHS) - 1)
    return g, a, b

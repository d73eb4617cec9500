"""kktc's expression analysis against CVXPY, on random expression trees over every atom.

Each tree is built twice, in kktc and in cvxpy (the independent reference), over
twin leaves: variables and parameters with sign attributes, PSD and symmetric
parameters, and constants of every sign. Every node must agree on shape, sign
(nonneg / nonpos), curvature (constant / affine / convex / concave) and DCP-ness;
whole problems (minimize, maximize, ``<=``, ``>=``, ``==``) must agree on ``is_dcp``.

Intentional differences from cvxpy, which the generator steers around rather
than weakening the assertions:

- kktc folds arithmetic on two numeric constants (``+ - * / @``, unary ``-``, and
  ``power`` of a constant) into one constant whose sign is that of its value;
  cvxpy keeps the tree (``1 + -1`` has unknown sign there). The cvxpy twin of a
  folded node is the folded constant.
- ``power(x, p)`` for an even p that is not a power of two (6, 10): kktc treats it
  as |x|^p (convex, monotone by the sign of x), cvxpy as x^p on x >= 0
  (increasing). Exponents are drawn from ``POWERS``, where the two agree.
- ``quad_form(x, P)`` with a constant x: cvxpy rewrites it to ``x.T @ P @ x`` and
  so drops the sign that P's definiteness gives; kktc keeps it. Here x is never
  constant.
- ``diag`` of a 1x1 matrix: cvxpy treats the (1, 1) matrix as a vector and returns
  a (1, 1) matrix; kktc follows NumPy and returns shape (1,). ``diag`` is never
  applied to a 1x1 matrix here.
- Definiteness (PSD / NSD), which sets the sign of ``trace``, ``diag`` and ``quad_form``
  and the curvature of ``quad_form``: kktc derives it soundly from PSD parameters,
  constants, ``-``, ``+``, elementwise ``*`` (Schur product), ``/`` by a scalar,
  transpose and ``diag`` of a vector, with any single entry counting by its sign.
  cvxpy passes it through every affine atom (so also ``P[0:1, 1:2]`` and
  ``cumsum(P)``, which is unsound), only knows it of constant scalars, misses
  ``P / 2``, and gives ``diag`` of an NSD matrix no sign. Nodes built from the
  operations where the two rules coincide are compared (``Pair.definite``);
  elsewhere ``trace``, ``diag`` and ``quad_form`` get a PSD parameter instead
  whenever either side claims a definiteness.
- ``dot(a, b)`` is compared with ``sum(multiply(a, b))``, not ``cp.vdot``: vdot
  conjugates its first argument, and cvxpy's conj is nonmonotone, so cvxpy
  rejects ``vdot(abs(x), p)`` while it accepts ``vdot(p, abs(x))``.
- ``cumsum(x)`` without an axis: kktc sums along the whole vector (and asks for an
  axis on matrices); cvxpy's default is axis=0 — the same thing for a vector.
- Parameters are constants of known sign and there is no DPP rule in kktc;
  cvxpy's ``is_dcp()`` (``dpp=False``) agrees.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pytest
from hypothesis import given

import kktc as kc

cp = pytest.importorskip("cvxpy")

from cvxpy_twins import (  # noqa: E402 - after the importorskip
    BUILDERS,
    ELEMENTWISE,
    POWERS,
    REDUCTIONS,
    Pair,
    Shape,
    assert_same_analysis,
    coinciding,
    one_entry,
    trees,
    twin,
    twin_trees,
)

# --- random trees: every node, and whole problems ---------------------------------------

OPERATORS = {"add", "sub", "neg", "multiply", "divide", "matmul", "inner", "index", "transpose"}


def test_every_atom_has_a_builder():
    callable_atoms = set(kc.dsl.CALLABLE)
    assert callable_atoms | OPERATORS == set(BUILDERS), "builders and atoms disagree"


@given(trees())
def test_every_node_matches_cvxpy(tree):
    g, _ = tree
    for pair in g.nodes:
        assert_same_analysis(pair)


def _objective_value(pair: Pair) -> tuple:
    if pair.k.shape == ():
        return pair.k, pair.c
    return kc.sum(pair.k), cp.sum(pair.c)


@given(trees())
def test_objective_is_dcp_matches_cvxpy(tree):
    _, root = tree
    k, c = _objective_value(root)
    for kc_sense, cp_sense in ((kc.Minimize, cp.Minimize), (kc.Maximize, cp.Maximize)):
        ours = kc.Problem(kc_sense(k)).is_dcp()
        theirs = cp.Problem(cp_sense(c)).is_dcp()
        assert ours == theirs, f"{kc_sense.__name__}({k!r}): kktc {ours}, cvxpy {theirs}"


@given(twin_trees())
def test_constraint_is_dcp_matches_cvxpy(trees_):
    _, a, b = trees_
    cases = {
        "a <= b": (a.k <= b.k, a.c <= b.c),
        "a >= b": (a.k >= b.k, a.c >= b.c),
        "a == b": (a.k == b.k, a.c == b.c),
        "a <= 0": (a.k <= 0, a.c <= 0),
        "0 <= b": (0 <= b.k, 0 <= b.c),
    }
    obj_k, obj_c = _objective_value(a)
    for name, (k_con, c_con) in cases.items():
        ours = kc.Problem(kc.Minimize(0), [k_con]).is_dcp()
        theirs = cp.Problem(cp.Minimize(0), [c_con]).is_dcp()
        assert ours == theirs, f"{name} with a={a.k!r}, b={b.k!r}: kktc {ours}, cvxpy {theirs}"
    ours = kc.Problem(kc.Minimize(obj_k), [a.k <= b.k, a.k == b.k]).is_dcp()
    theirs = cp.Problem(cp.Minimize(obj_c), [a.c <= b.c, a.c == b.c]).is_dcp()
    assert ours == theirs


# --- every atom on every sign and curvature, exhaustively ------------------------------
#
# The random trees test composition; this sweep makes sure each atom's local rules
# (sign, and monotonicity by argument sign) meet every argument class at least once.


def probes(shape: Shape) -> dict[str, Pair]:
    """One expression of each sign and curvature class, of the given shape."""
    size = math.prod(shape)
    ramp = np.arange(1.0, size + 1).reshape(shape)  # not symmetric: no definiteness
    x, y, pos = kc.Variable(shape), kc.Variable(shape), kc.Variable(shape, nonneg=True)
    cx, cy, cpos = cp.Variable(shape), cp.Variable(shape), cp.Variable(shape, nonneg=True)
    table = {
        "const+": (kc.Constant(ramp), lambda: cp.Constant(ramp)),
        "const-": (kc.Constant(-ramp), lambda: cp.Constant(-ramp)),
        "const0": (kc.Constant(0 * ramp), lambda: cp.Constant(0 * ramp)),
        "const±": (kc.Constant(ramp * (-1) ** ramp), lambda: cp.Constant(ramp * (-1) ** ramp)),
    }
    for attr in ("", "nonneg", "nonpos"):
        kw = {attr: True} if attr else {}
        suffix = {"": "", "nonneg": "+", "nonpos": "-"}[attr]
        table["param" + suffix] = (kc.Parameter(shape, **kw), lambda kw=kw: cp.Parameter(shape, **kw))
        table["affine" + suffix] = (kc.Variable(shape, **kw), lambda kw=kw: cp.Variable(shape, **kw))
    if len(shape) == 2 and shape[0] == shape[1]:
        table["param psd"] = (kc.Parameter(shape, psd=True), lambda: cp.Parameter(shape, PSD=True))
    table.update({
        "convex": (kc.exp(x) - 2.0, lambda: cp.exp(cx) - 2.0),
        "convex+": (kc.abs(x), lambda: cp.abs(cx)),
        "convex-": (-kc.sqrt(pos), lambda: -cp.sqrt(cpos)),
        "concave": (kc.log(x), lambda: cp.log(cx)),
        "concave+": (kc.sqrt(pos), lambda: cp.sqrt(cpos)),
        "concave-": (-kc.abs(x), lambda: -cp.abs(cx)),
        "unknown": (x * y, lambda: cp.multiply(cx, cy)),
        "unknown+": (kc.abs(x * y), lambda: cp.abs(cp.multiply(cx, cy))),
    })
    # cvxpy and kktc agree on the definiteness of each (none, but for psd and zero).
    return {name: twin(k, make_c, not one_entry(shape)) for name, (k, make_c) in table.items()}


VECTOR = (2,)


def _unary(kc_fn: Callable, cp_fn: Callable) -> Callable[[Pair], Pair]:
    return lambda x: twin(kc_fn(x.k), lambda: cp_fn(x.c))


ONES = np.ones(2)
UNARY: dict[str, Callable[[Pair], Pair]] = {
    **{name: _unary(getattr(kc, name), f) for name, f in ELEMENTWISE.items()},
    **{name: _unary(getattr(kc, name), lambda x, f=f: f(x, None)) for name, f in REDUCTIONS.items()},
    **{f"power {p}": _unary(lambda x, p=p: kc.power(x, p), lambda x, p=p: cp.power(x, p)) for p in POWERS},
    "huber": _unary(lambda x: kc.huber(x, 1.0), lambda x: cp.huber(x, 1.0)),
    "neg": _unary(lambda x: -x, lambda x: -x),
    "cumsum": _unary(kc.cumsum, lambda x: cp.cumsum(x, axis=0)),
    "index": _unary(lambda x: x[1], lambda x: x[1]),
    "reshape": _unary(lambda x: kc.reshape(x, (1, 2)), lambda x: cp.reshape(x, (1, 2), order="C")),
    "quad_over_lin x": _unary(lambda x: kc.quad_over_lin(x, 2.0), lambda x: cp.quad_over_lin(x, 2.0)),
    "quad_over_lin y": _unary(lambda y: kc.quad_over_lin(ONES, y[0]), lambda y: cp.quad_over_lin(ONES, y[0])),
    # A diagonal matrix is PSD iff its entries are nonnegative, in both: compare definiteness too.
    "diag": lambda x: twin(kc.diag(x.k), lambda: cp.diag(x.c), definite=True),
}
BINARY: dict[str, Callable[[Pair, Pair], Pair]] = {
    "add": lambda a, b: coinciding(a.k + b.k, lambda: a.c + b.c, a, b),
    "sub": lambda a, b: coinciding(a.k - b.k, lambda: a.c - b.c, a, b),
    "multiply": lambda a, b: coinciding(a.k * b.k, lambda: cp.multiply(a.c, b.c), a, b),
    "divide": lambda a, b: twin(a.k / b.k, lambda: a.c / b.c),
    "inner": lambda a, b: twin(a.k @ b.k, lambda: a.c @ b.c),
    "dot": lambda a, b: twin(kc.dot(a.k, b.k), lambda: cp.sum(cp.multiply(a.c, b.c))),
    "maximum": lambda a, b: twin(kc.maximum(a.k, b.k), lambda: cp.maximum(a.c, b.c)),
    "minimum": lambda a, b: twin(kc.minimum(a.k, b.k), lambda: cp.minimum(a.c, b.c)),
    "hstack": lambda a, b: twin(kc.hstack(a.k, b.k), lambda: cp.hstack([a.c, b.c])),
    "vstack": lambda a, b: twin(kc.vstack(a.k, b.k), lambda: cp.vstack([a.c, b.c])),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_atom_on_every_argument_class(name):
    for arg in probes(VECTOR).values():
        if name.startswith("power") and isinstance(arg.k, kc.Constant):
            continue  # kktc evaluates the power of a constant (0 ** -1 is no constant)
        assert_same_analysis(UNARY[name](arg))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_each_binary_atom_on_every_pair_of_argument_classes(name):
    left, right = probes(VECTOR), probes(VECTOR)
    for a in left.values():
        for b_name, b in right.items():
            if name == "divide" and b_name == "const0":
                continue  # kktc folds constant / 0 and refuses it
            assert_same_analysis(BINARY[name](a, b))


MATRIX_ATOMS = ["trace", "diag", "transpose", "neg", "add", "sub", "multiply", "matmul left", "matmul right"]


@pytest.mark.parametrize("name", MATRIX_ATOMS)
def test_each_matrix_atom_on_every_argument_class(name):
    vector = probes(VECTOR)
    for a in probes((2, 2)).values():
        if name == "trace":
            assert_same_analysis(twin(kc.trace(a.k), lambda: cp.trace(a.c)))
        elif name == "diag":
            assert_same_analysis(twin(kc.diag(a.k), lambda: cp.diag(a.c)))
        elif name == "transpose":
            assert_same_analysis(coinciding(a.k.T, lambda: a.c.T, a))
        elif name == "neg":
            assert_same_analysis(coinciding(-a.k, lambda: -a.c, a))
        elif name in ("add", "sub", "multiply"):
            for b in [*probes((2, 2)).values(), *probes(()).values()]:
                assert_same_analysis(BINARY[name](a, b))
                assert_same_analysis(BINARY[name](b, a))
        else:
            for b in vector.values():
                if name == "matmul left":
                    assert_same_analysis(twin(a.k @ b.k, lambda: a.c @ b.c))
                else:
                    assert_same_analysis(twin(b.k @ a.k, lambda: b.c @ a.c))


def quad_form_matrices() -> dict[str, Pair]:
    P, S = kc.Parameter((2, 2), psd=True), kc.Parameter((2, 2), symmetric=True)
    cP, cS = cp.Parameter((2, 2), PSD=True), cp.Parameter((2, 2), symmetric=True)
    psd, indefinite = np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([[1.0, 2.0], [2.0, 1.0]])
    # All built where kktc's and cvxpy's definiteness rules coincide, so compared too.
    return {
        "psd param": twin(P, lambda: cP, definite=True),
        "symmetric param": twin(S, lambda: cS, definite=True),
        "nsd": twin(-P, lambda: -cP, definite=True),
        "psd sum": twin(P + psd, lambda: cP + psd, definite=True),
        "psd scaled": twin(2.0 * P, lambda: cp.multiply(2.0, cP), definite=True),
        "psd const": twin(kc.Constant(psd), lambda: cp.Constant(psd), definite=True),
        "nsd const": twin(kc.Constant(-psd), lambda: cp.Constant(-psd), definite=True),
        "indefinite": twin(kc.Constant(indefinite), lambda: cp.Constant(indefinite), definite=True),
        "zero": twin(kc.Constant(np.zeros((2, 2))), lambda: cp.Constant(np.zeros((2, 2)))),
    }


def test_quad_form_on_every_argument_class():
    for x in probes(VECTOR).values():
        if x.k.curvature.is_constant:
            continue  # cvxpy rewrites it to x.T @ P @ x (see the module docstring)
        for P in quad_form_matrices().values():
            assert P.definite
            assert_same_analysis(P)
            assert_same_analysis(twin(kc.quad_form(x.k, P.k), lambda: cp.quad_form(x.c, P.c)))


# --- regressions the property tests found ----------------------------------------------


def test_pos_of_a_nonpositive_expression_is_zero():
    x = kc.Variable(2, nonpos=True)
    assert kc.pos(x).sign is kc.Sign.ZERO
    assert kc.pos(kc.Variable(2)).sign is kc.Sign.NONNEG


def test_stacking_scalars_follows_numpy():
    s, t = kc.Variable(), kc.Variable(2)
    assert kc.hstack(s, s).shape == (2,)
    assert kc.hstack(s, t).shape == (3,)
    assert kc.vstack(s, s).shape == (2, 1)

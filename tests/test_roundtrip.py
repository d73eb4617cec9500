"""Print → parse round trips: ``kc.read_text(str(p)) == p`` for random problems built in Python.

Hypothesis builds random well-formed problems (not necessarily DCP) from random
dims, parameters and variables with attributes, and random expressions over the
atoms of LANGUAGE.md §3, indexing, slicing, transpose, reshape, stacking, axis=
reductions, negative and array constants, named and unnamed constraints, and
chained two-sided comparisons.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kktc as kc
from kktc.dsl._printer import format_expression
from kktc.dsl._size import Size
from kktc.dsl.atoms import ALL

DIM_NAMES = ["m", "n", "k", "T"]
# Symbol names include atom names and attribute words, which are not reserved.
SYMBOL_NAMES = ["x", "y", "z", "u", "A", "B", "b", "lam", "P", "w", "mean", "nonneg", "s", None, None]
LABELS = ["box", "dyn", "budget", "lim", "to", "c7", "c1"]

scalars = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-3, -1e-7, 3.0, 1e16, 123456.789]),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.floats(allow_nan=False, allow_infinity=False),
)


def _concrete(shape) -> bool:
    """Known, non-empty: a zero-size array constant has no .kkt literal (``[]`` is not one)."""
    return all(isinstance(s, int) and s > 0 for s in shape)


# --- expression building blocks: each takes (draw, pick) and may raise KktcError -------------


def _binary(op):
    def build(draw, pick):
        return op(pick(), pick())

    return build


def _neg(draw, pick):
    return -pick()


def _pow(draw, pick):
    return pick() ** draw(st.sampled_from([2, 3, 0.5, -1, 1.5, 1, -0.5, 4]))


def _transpose(draw, pick):
    return pick().T


def _slice_bound(draw, size):
    options = [None, 0, 1, -1, 2]
    if isinstance(size, Size):
        options += [size, size - 1]
    return draw(st.sampled_from(options))


def _index(draw, pick):
    x = pick()
    if x.ndim == 0:
        return x
    key = []
    for size in x.shape[: draw(st.integers(1, x.ndim))]:
        kind = draw(st.sampled_from(["int", "slice", "step", "full"]))
        if kind == "int":
            key.append(draw(st.sampled_from([0, -1, 1])))
        elif kind == "slice":
            key.append(slice(_slice_bound(draw, size), _slice_bound(draw, size)))
        elif kind == "step" and isinstance(size, int):
            key.append(slice(None, None, draw(st.sampled_from([2, -1, 3]))))
        else:
            key.append(slice(None))
    return x[tuple(key) if len(key) > 1 or draw(st.booleans()) else key[0]]


def _reshape(draw, pick):
    x = pick()
    total = 1
    for s in x.shape:
        total = total * s
    if isinstance(total, int) and total > 1 and draw(st.booleans()):
        return kc.reshape(x, (1, total) if draw(st.booleans()) else (total, 1))
    if total == 1 and draw(st.booleans()):
        return kc.reshape(x, ())
    return kc.reshape(x, total)


def _stack(draw, pick):
    first = pick()
    parts = [first] + [pick() for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        parts = [first] * len(parts)  # same shapes, so stacking always fits
    return draw(st.sampled_from([kc.hstack, kc.vstack]))(*parts)


AXIS_ATOMS = ["sum", "mean", "max", "min", "norm1", "norm2", "norm_inf", "sum_squares", "logsumexp", "cumsum"]


def _reduce(draw, pick):
    x = pick()
    atom = kc.dsl.CALLABLE[draw(st.sampled_from(AXIS_ATOMS))]
    axis = draw(st.sampled_from([None, *range(-x.ndim, x.ndim)]))
    return atom(x) if axis is None else atom(x, axis=axis)


ELEMENTWISE = [
    "abs",
    "square",
    "pos",
    "exp",
    "log",
    "sqrt",
    "entropy",
    "inv_pos",
    "softplus",
    "diag",
    "trace",
]


def _elementwise(draw, pick):
    return kc.dsl.CALLABLE[draw(st.sampled_from(ELEMENTWISE))](pick())


def _with_number(draw, pick):
    x = pick()
    choice = draw(st.sampled_from(["huber", "power", "maximum", "minimum", "qol"]))
    if choice == "huber":
        return kc.huber(x, draw(st.sampled_from([1, 0.5, 2.0]))) if draw(st.booleans()) else kc.huber(x)
    if choice == "power":
        return kc.power(x, draw(st.sampled_from([2, 0.5, -1, 3.0])))
    if choice == "qol":
        return kc.quad_over_lin(x, pick())
    atom = kc.maximum if choice == "maximum" else kc.minimum
    return atom(x, *[pick() for _ in range(draw(st.integers(0, 2)))])


def _products(draw, pick):
    a, b = pick(), pick()
    if draw(st.booleans()):
        return kc.dot(a, b)
    if a.ndim == 1 and isinstance(a.shape[0], int) and draw(st.booleans()):
        b = np.eye(a.shape[0]) * draw(st.sampled_from([1.0, -1.0, 2.5]))
    return kc.quad_form(a, b)


def _array_leaf(draw, pick):
    """A constant operand of its own: a scalar, or an array shaped like a pool entry."""
    shape = pick().shape
    if not _concrete(shape) or draw(st.booleans()):
        return kc.Constant(draw(scalars))
    values = draw(st.lists(scalars, min_size=math.prod(shape), max_size=math.prod(shape)))
    return kc.Constant(np.array(values).reshape(shape))


def _constant(draw, pick):
    x = pick()
    if not _concrete(x.shape) or draw(st.booleans()):
        c = draw(scalars)
    else:
        c = np.array(draw(st.lists(scalars, min_size=math.prod(x.shape), max_size=math.prod(x.shape))))
        c = c.reshape(x.shape)
    op = draw(
        st.sampled_from([lambda a, b: a + b, lambda a, b: b - a, lambda a, b: a * b, lambda a, b: b * a])
    )
    return op(x, c)


BUILDERS = [
    _binary(lambda a, b: a + b),
    _binary(lambda a, b: a - b),
    _binary(lambda a, b: a * b),
    _binary(lambda a, b: a / b),
    _binary(lambda a, b: a @ b),
    _neg,
    _pow,
    _transpose,
    _index,
    _index,
    _reshape,
    _stack,
    _reduce,
    _reduce,
    _elementwise,
    _with_number,
    _products,
    _constant,
    _array_leaf,
]


@st.composite
def symbols(draw):
    """Dims, then parameters and variables of random shapes and attributes."""
    names = draw(st.lists(st.sampled_from(DIM_NAMES), unique=True, max_size=3))
    dims = [kc.dims(f"{d}=3" if draw(st.booleans()) else d)[0] for d in names]
    sizes = [1, 2, 3, *dims]
    if dims:
        sizes += [dims[0] + 1, 2 * dims[0]]
    out, used = [], set()
    for _ in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from(SYMBOL_NAMES))
        if name in used:
            name = None
        used.add(name)
        is_param = draw(st.booleans())
        shape = tuple(draw(st.lists(st.sampled_from(sizes), max_size=2)))
        attrs = {}
        sign = draw(st.sampled_from([None, None, "nonneg", "nonpos"]))
        if sign:
            attrs[sign] = True
        if is_param and len(shape) == 2 and draw(st.booleans()):
            shape = (shape[0], shape[0])
            attrs[draw(st.sampled_from(["psd", "symmetric"]))] = True
        cls = kc.Parameter if is_param else kc.Variable
        out.append(cls(shape, name=name, **attrs))
    return dims, out


@st.composite
def expression_pools(draw, leaves, steps=12):
    """Leaves plus expressions built from them; each node's operands come from the pool."""
    pool = list(leaves)

    def pick():
        return draw(st.sampled_from(pool))

    for _ in range(draw(st.integers(1, steps))):
        builder = draw(st.sampled_from(BUILDERS))
        try:
            pool.append(builder(draw, pick))
        except kc.KktcError:
            pass
    return pool


def _comparison(draw, a, b):
    # Constraint.eq, not `a == b`: when type(b) subclasses type(a) (Min of Max), Python
    # calls b.__eq__(a) first and builds `b == a`, which a chain can't print in order.
    op = draw(st.sampled_from(["<=", ">=", "=="]))
    return {"<=": lambda: a <= b, ">=": lambda: a >= b, "==": lambda: kc.Constraint.eq(a, b)}[op]()


@st.composite
def constraint_groups(draw, pool):
    groups: dict[str, object] = {}
    for position in range(1, draw(st.integers(0, 4)) + 1):
        a, b = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        try:
            if draw(st.booleans()):  # a chain `a OP b OP c`: two constraints sharing b
                c = draw(st.sampled_from(pool))
                group = [_comparison(draw, a, b), _comparison(draw, b, c)]
            else:
                group = _comparison(draw, a, b)
        except kc.KktcError:
            continue
        name = draw(st.sampled_from(LABELS)) if draw(st.booleans()) else f"c{position}"
        if name not in groups:
            groups[name] = group
    return groups


@st.composite
def problems(draw):
    dims, leaves = draw(symbols())
    pool = draw(expression_pools(leaves))
    objective = draw(st.sampled_from(pool))
    if not objective.is_scalar:
        objective = kc.sum(objective)
    sense = draw(st.sampled_from([kc.Minimize, kc.Maximize]))
    groups = draw(constraint_groups(pool))
    constraints = list(groups.values()) if all(k == f"c{i}" for i, k in enumerate(groups, 1)) else groups
    return kc.Problem(sense(objective), constraints, dims=dims, declarations=leaves)


@settings(max_examples=300)
@given(problems())
def test_problem_round_trip(problem):
    text = str(problem)
    parsed = kc.read_text(text, "printed.kkt")
    assert parsed == problem, text
    assert str(parsed) == text


@settings(max_examples=200)
@given(st.data())
def test_every_expression_round_trips(data):
    """Each expression of a random pool, printed inside a problem, parses back to itself."""
    dims, leaves = data.draw(symbols())
    pool = data.draw(expression_pools(leaves, steps=20))
    problem = kc.Problem(kc.Minimize(0), {f"e{i}": e == 0 for i, e in enumerate(pool)}, dims=dims)
    parsed = kc.read_text(str(problem))
    for i, expr in enumerate(pool):
        (back,) = parsed.constraints[f"e{i}"]
        text = format_expression(expr, problem.name_of)
        assert format_expression(back.lhs, parsed.name_of) == text
        assert parsed.constraints[f"e{i}"][0].lhs.shape == expr.shape, text
    assert parsed == problem


def test_lasso_from_language_md_round_trips():
    m, n = kc.dims("m n")
    A, b = kc.Parameter((m, n), name="A"), kc.Parameter(m, name="b")
    lam = kc.Parameter(name="lam", nonneg=True)
    x = kc.Variable(n, name="x")
    python = kc.Problem(
        kc.Minimize(0.5 * kc.sum_squares(A @ x - b) + lam * kc.norm1(x)),
        {"box": [-1 <= x, x <= 1], "c2": kc.sum(x) == 0},
    )
    text = """
    dim m, n
    param A[m, n]
    param b[m]
    param lam nonneg
    var x[n]
    let r = A @ x - b
    minimize 0.5 * sum_squares(r) + lam * norm1(x)
    subject to
        box: -1 <= x <= 1
        sum(x) == 0
    """
    parsed = kc.read_text("\n".join(line.strip() for line in text.splitlines()))
    assert parsed == python
    assert kc.read_text(str(python)) == python


@pytest.mark.parametrize(
    "text",
    [
        "var x\nminimize x - -x",
        "var x\nminimize -(-x)",
        "var x\nminimize (-x) ** 2 + -x ** 2",
        "var x\nminimize x ** -0.5 * -1",
        "var x[3]\nminimize sum(x[::-1]) + x[-1] + sum(x[1:]) + sum(x[:-1])",
        "dim T\nvar x[T + 1]\nminimize sum(x[1:T] - x[0:T - 1]) + x[T]",
        "dim n\nvar x[2*n]\nminimize sum(reshape(x, (n, 2)), axis=0)[1]",
        "var A[2, 3]\nminimize sum(A.T @ [1, -2]) + sum([[1, 2, 3]] @ A.T)",
        "var x[2]\nminimize sum(hstack(x, x)) + sum(vstack(x, -x), axis=-1)[0]",
        "var x[1]\nminimize reshape(x, ())",
        "dim n\nvar x[5 - n]\nminimize sum(x)",
        "var x\nminimize x\nsubject to\n    1 == x == 1\n    2 >= x >= -2\n    x <= 3 >= x",
        "var x\nminimize huber(x, 2) + maximum(x, 0, -x) + power(x, 3)",
    ],
)
def test_tricky_text_round_trips(text):
    problem = kc.read_text(text)
    assert kc.read_text(str(problem)) == problem


def test_unnamed_symbols_round_trip():
    x = kc.Variable(3)
    P = kc.Parameter((3, 3), psd=True)
    problem = kc.Problem(kc.Minimize(kc.quad_form(x, P)), [x >= 0])
    assert kc.read_text(str(problem)) == problem


def test_equality_tells_different_problems_apart():
    x, y = kc.Variable(3, name="x"), kc.Variable(3, name="y")
    first = kc.Problem(kc.Minimize(x[0] + y[0]))
    second = kc.Problem(kc.Minimize(x[0] + x[0]), declarations=[x, y])
    assert first != second
    assert kc.Problem(kc.Minimize(x[0]), declarations=[y]) != kc.Problem(kc.Minimize(x[1]), declarations=[y])


def test_group_that_is_not_a_chain_cannot_be_printed():
    x, y = kc.Variable(name="x"), kc.Variable(name="y")
    problem = kc.Problem(kc.Minimize(x), {"pair": [x <= 1, y <= 2]})
    with pytest.raises(kc.KktcError, match="cannot be written as one line"):
        str(problem)


def test_static_argument_names_do_not_shadow_expression_attributes():
    """An atom's static field (``axis``, ``p``, …) must not hide a base-class attribute."""
    reserved = set(dir(kc.Expression))
    for cls in ALL:
        assert not (set(cls.positional + cls.keywords) & reserved), cls

"""The errors of LANGUAGE.md §1: class, position, and what the message says.

Each file case checks the error class, ``err.span.line`` and ``err.span.column``
and the key words of the message; the Python twins raise the same class,
without a span. (A dim that nothing fixes is a compile-time error, tested with
the compiler.)
"""

from __future__ import annotations

import re
from textwrap import dedent

import pytest

import kktc as kc
from kktc.dsl._parser import _parse_line_ended, _syntax_error
from kktc.grammars._syntax_errors import EXAMPLES


def error_of(text: str, cls: type[kc.KktcError], match: str, line: int, column: int) -> kc.KktcError:
    """Parse (and DCP-check) ``text``; it must raise ``cls`` at ``line:column`` matching ``match``."""
    with pytest.raises(cls, match=match) as info:
        kc.read_text(dedent(text).strip("\n"), "bad.kkt").check_dcp()
    err = info.value
    assert err.span is not None, str(err)
    assert (err.span.line, err.span.column) == (line, column), str(err)
    return err


# --- rendering -----------------------------------------------------------------------------


def test_error_renders_file_line_column_source_and_caret():
    err = error_of("var x[3]\nvar y[2]\nminimize sum(x + y)", kc.ShapeError, "broadcast", 3, 14)
    head, source, caret = str(err).splitlines()[:3]
    assert head.startswith("bad.kkt:3:14: error: ")
    assert source.endswith("minimize sum(x + y)")
    assert caret.index("^") == source.index("x + y")
    assert caret.strip() == "^^^^^"


def test_caret_lines_up_under_tabs():
    err = error_of("var x\n\tminimize\tfoo(x)", kc.AtomError, "unknown atom 'foo'", 2, 11)
    source, caret = str(err).splitlines()[1:3]
    assert caret.expandtabs().index("^") == source.expandtabs().index("foo")


def test_errors_are_public_and_share_a_base():
    for cls in (
        kc.ParseError,
        kc.UnknownNameError,
        kc.ShapeError,
        kc.AtomError,
        kc.DuplicateNameError,
        kc.DimError,
        kc.DCPError,
    ):
        assert issubclass(cls, kc.KktcError)


# --- unknown names -------------------------------------------------------------------------


def test_unknown_name_suggests_a_close_declared_name():
    error_of(
        """
        param lambda_ nonneg
        var x[3]
        minimize lamda_ * norm1(x)
        """,
        kc.UnknownNameError,
        r"unknown name 'lamda_'; did you mean 'lambda_'\?",
        3,
        10,
    )


def test_unknown_name_without_a_close_match_says_to_declare_it():
    error_of("var x\nminimize x + y", kc.UnknownNameError, r"unknown name 'y'; declare it first", 2, 14)


def test_unknown_dim_in_a_shape():
    error_of("dim n\nvar x[m, n]\nminimize sum(x)", kc.UnknownNameError, r"unknown name 'm'", 2, 7)


def test_atom_used_as_a_name():
    error_of(
        "var x[3]\nminimize norm1", kc.UnknownNameError, r"'norm1' is an atom: call it as norm1\(", 2, 10
    )


def test_name_used_before_its_let():
    error_of("var x\nlet y = z + x\nlet z = x\nminimize y", kc.UnknownNameError, "unknown name 'z'", 2, 9)


# --- syntax errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, match, line, column",
    [
        pytest.param("var x\n", r"no objective: add a line `minimize EXPR`", 1, 6, id="missing objective"),
        pytest.param(
            "var x\nsubject to\n  x <= 1",
            r"no objective.*unexpected `subject`",
            2,
            1,
            id="constraints without objective",
        ),
        pytest.param(
            "var x\nminimize x\nvar y",
            r"declarations and `let` must come before the objective",
            3,
            1,
            id="declaration after objective",
        ),
        pytest.param(
            "var x\nminimize x\nsubject to\n  x >= 0\nvar y",
            r"`var` cannot come after the constraints",
            5,
            1,
            id="declaration after constraints",
        ),
        pytest.param(
            "var x\nminimize x\nsubject to\n  x >= 0\nmaximize x",
            r"`maximize` cannot come after the constraints",
            5,
            1,
            id="objective after constraints",
        ),
        pytest.param("var x\nminimize x\nmaximize x", r"only one objective", 3, 1, id="two objectives"),
        pytest.param(
            "var x\nminimize (x + 1",
            r"unbalanced parentheses or brackets: this `\(` is never closed",
            2,
            10,
            id="unclosed parenthesis",
        ),
        pytest.param(
            "var x[3]\nminimize sum(x[0]\nsubject to\n  x <= 1",
            r"this `\(` is never closed",
            2,
            13,
            id="unclosed call before constraints",
        ),
        pytest.param(
            "var x[3]\nminimize sum(x[0\n\n",
            r"this `\[` is never closed",
            2,
            15,
            id="unclosed bracket",
        ),
        pytest.param(
            "var x\nminimize x + 1)", r"unbalanced parentheses.*unexpected `\)`", 2, 15, id="extra )"
        ),
        pytest.param(
            "var x[3]\nminimize sum(x[0)",
            r"unbalanced parentheses.*expected `,`, `:` or `\]`",
            2,
            17,
            id="bracket closed by parenthesis",
        ),
        pytest.param(
            "var x\nminimize x\nsubject to\n  x < 1",
            r"strict inequality \(< or >\) is not allowed; use <= or >=",
            4,
            5,
            id="strict <",
        ),
        pytest.param(
            "var x\nminimize x\nsubject to\n  x > 1",
            r"strict inequality",
            4,
            5,
            id="strict >",
        ),
        pytest.param(
            "var x\nminimize x\nsubject to\n  x = 1",
            r"`=` is not a comparison: write an equality constraint with ==",
            4,
            5,
            id="single =",
        ),
        pytest.param(
            "var x\nminimize x\nsubject to\n  x",
            r"a constraint needs a comparison",
            4,
            4,
            id="no comparison",
        ),
        pytest.param(
            "var x\nminimize x\nx <= 1", r"constraints go after `subject to`", 3, 1, id="no subject to"
        ),
        pytest.param(
            "var x\nminimize 2 x",
            r"an operator \(\+, -, \*, /, @\) is missing",
            2,
            12,
            id="missing operator",
        ),
        pytest.param("var x\nminimize x +", r"an expression is missing here", 2, 13, id="dangling operator"),
        pytest.param(
            "var x\nminimise x",
            r"'minimise' does not start a statement; did you mean 'minimize'\?",
            2,
            1,
            id="misspelled keyword",
        ),
        pytest.param(
            "var x positive\nminimize x",
            r"unknown attribute: .*vars take nonneg, nonpos",
            1,
            7,
            id="unknown attribute",
        ),
        pytest.param("var\nminimize 0", r"a declaration needs a name", 1, 4, id="declaration without name"),
        pytest.param(
            "var x[]\nminimize 0", r"a shape is a bracketed list of dims or integers", 1, 7, id="empty shape"
        ),
        pytest.param("var x\nminimize x $ 2", r"unexpected character '\$'", 2, 12, id="bad character"),
    ],
)
def test_syntax_errors_say_what_was_expected(text, match, line, column):
    error_of(text, kc.ParseError, match, line, column)


def test_chain_of_three_comparisons():
    error_of(
        "var x\nminimize x\nsubject to\n  0 <= x <= 1 <= 2", kc.ParseError, "at most two operators", 4, 3
    )


def test_reserved_word_cannot_be_declared():
    error_of("var minimize\nminimize 0", kc.ParseError, r"'minimize' is a reserved word", 1, 5)


@pytest.mark.parametrize("label, example", [(label, ex) for label, exs in EXAMPLES.items() for ex in exs])
def test_every_labelled_example_is_classified_as_its_label(label, example):
    """The example lists beside the grammar stay honest: each fails, and gets its own label."""
    with pytest.raises(Exception) as info:
        _parse_line_ended(example)
    err = _syntax_error(info.value, kc.dsl._parser.Source(example, "x.kkt"))
    assert err.message.startswith(label), err.message


def test_number_too_large():
    error_of("var x\nminimize 1e400 * x", kc.ParseError, "the number 1e400 is too large", 2, 10)


def test_dim_default_must_be_a_non_negative_integer():
    error_of(
        "dim n = 2.5\nminimize 0", kc.DimError, "default of dim 'n' must be a non-negative integer", 1, 5
    )


# --- shapes --------------------------------------------------------------------------------


def test_shape_mismatch_names_both_shapes_and_the_subexpression():
    err = error_of(
        """
        dim m, n
        param A[m, n]
        param b[n]
        var x[n]
        minimize sum_squares(A @ x - b)
        """,
        kc.ShapeError,
        re.escape("cannot broadcast shapes (m,) and (n,) in `A @ x - b`"),
        5,
        22,
    )
    assert err.span.text == "A @ x - b"


def test_matmul_inner_size_mismatch():
    error_of(
        "param A[2, 3]\nvar x[2]\nminimize sum(A @ x)",
        kc.ShapeError,
        re.escape("`A @ x`: inner sizes differ, (2, 3) @ (2,)"),
        3,
        14,
    )


def test_constraint_sides_that_do_not_broadcast():
    error_of(
        "var x[3]\nvar y[2]\nminimize 0\nsubject to\n  x <= y",
        kc.ShapeError,
        re.escape("the two sides have shapes (3,) and (2,)"),
        5,
        3,
    )


def test_index_out_of_range():
    error_of("var x[3]\nminimize x[3]", kc.ShapeError, "index 3 is out of range for an axis of size 3", 2, 10)


def test_slice_step_zero():
    error_of("var x[3]\nminimize sum(x[::0])", kc.ShapeError, "slice step cannot be zero", 2, 16)


def test_non_scalar_objective():
    error_of(
        "var x[3]\nlet r = 2 * x\nminimize r",
        kc.ShapeError,
        re.escape("the objective `2 * x` has shape (3,); it must be a scalar (wrap it in sum"),
        3,
        1,
    )


# --- atoms: unknown, arity, keywords ---------------------------------------------------------


@pytest.mark.parametrize(
    "expr, match",
    [
        ("nrom2(x)", r"unknown atom 'nrom2'; did you mean 'norm2'\?"),
        ("frobnicate(x)", r"unknown atom 'frobnicate'; the atoms are .*norm2"),
        ("x(1)", r"'x' is declared in this file, not an atom"),
        ("abs(x, x)", re.escape("abs() takes 1 expression argument(s), got 2")),
        ("quad_form(x)", re.escape("quad_form() takes 2 expression argument(s), got 1")),
        ("sum()", r"missing a required argument: 'x'"),
        ("huber(x, 1, 2)", r"huber\(x, M=1.0\): too many positional arguments"),
        ("sum(x, axs=0)", r"unexpected keyword argument 'axs'"),
        ("abs(x, axis=0)", r"abs\(\) has no argument 'axis'"),
        ("sum(x, axis=1)", r"axis 1 is out of range for a 1-d argument"),
        ("power(x, x)", r"the exponent p must be a number, got `x`"),
    ],
)
def test_atom_errors(expr, match):
    error_of(f"var x[3]\nminimize sum({expr})", kc.AtomError, match, 2, 14)


# --- duplicate names -------------------------------------------------------------------------


def test_duplicate_declaration():
    error_of(
        "dim n\nvar x[n]\nparam x[n]\nminimize sum(x)",
        kc.DuplicateNameError,
        r"'x' is already declared on line 2; give each declaration its own name",
        3,
        7,
    )


def test_let_shadowing_a_variable():
    error_of(
        "var x\nlet x = 2 * x\nminimize x", kc.DuplicateNameError, "'x' is already declared on line 1", 2, 5
    )


def test_duplicate_constraint_labels():
    error_of(
        "var x\nminimize x\nsubject to\n  lim: x <= 1\n  lim: x >= -1",
        kc.DuplicateNameError,
        r"two constraints are named 'lim', here and on line 4; give each its own label",
        5,
        3,
    )


def test_label_that_clashes_with_an_automatic_name():
    error_of(
        "var x\nminimize x\nsubject to\n  c2: x <= 1\n  x >= -1",
        kc.DuplicateNameError,
        r"named 'c2' \(an unnamed constraint is named c2 by its position\)",
        5,
        3,
    )


# --- DCP -----------------------------------------------------------------------------------


def test_lowest_non_dcp_subexpressions_are_listed():
    err = error_of(
        """
        var x
        var y
        minimize abs(x * y) + sqrt(square(x)) + exp(x)
        """,
        kc.DCPError,
        r"2 rules are broken",
        3,
        14,
    )
    message = str(err)
    assert "`x * y` has no known curvature because `x` and `y` are both non-constant" in message
    assert "line 3, col 23: the objective is not DCP: `sqrt(square(x))`" in message
    assert "so `square(x)` would have to be concave, but it is convex" in message
    assert "`abs(x * y)`" not in message  # only the lowest offending sub-expressions
    assert "nonconvex=True" in message


def test_maximize_of_convex_suggests_minimize():
    error_of(
        "var x[3]\nmaximize sum_squares(x)",
        kc.DCPError,
        r"maximize needs a concave expression, but `sum_squares\(x\)` is convex"
        r"(.|\n)*did you mean minimize\?",
        2,
        1,
    )


def test_minimize_of_concave_suggests_maximize():
    error_of(
        "var x\nminimize log(x)", kc.DCPError, r"minimize needs a convex(.|\n)*did you mean maximize\?", 2, 1
    )


def test_equality_with_a_convex_side():
    error_of(
        "var x[3]\nminimize 0\nsubject to\n  ball: norm2(x) == 1",
        kc.DCPError,
        r"constraint 'ball' is not DCP: `norm2\(x\) == 1` is an equality, whose sides must be affine, "
        r"but `norm2\(x\)` is convex",
        4,
        3,
    )


def test_le_with_a_concave_left_side():
    error_of(
        "var x\nminimize x\nsubject to\n  sqrt(x) <= 2",
        kc.DCPError,
        r"needs a convex left side and a concave right side, but the left side `sqrt\(x\)` is "
        r"concave(.|\n)*did you mean >= \?",
        4,
        3,
    )


def test_product_with_a_parameter_of_unknown_sign():
    error_of(
        "param p\nvar x\nminimize p * square(x)",
        kc.DCPError,
        r"the sign of `p` is unknown \(declare it nonneg or nonpos\)",
        3,
        10,
    )


def test_quad_form_needs_a_psd_parameter():
    error_of(
        "param P[3, 3]\nvar x[3]\nminimize quad_form(x, P)",
        kc.DCPError,
        r"not known to be positive semidefinite; declare it `param P psd`",
        3,
        10,
    )


def test_dcp_error_inside_a_let_points_at_the_let():
    error_of(
        "var x\nlet r = sqrt(square(x))\nminimize r",
        kc.DCPError,
        r"`sqrt\(square\(x\)\)` has no known curvature",
        2,
        9,
    )


def test_error_spanning_lines_renders_its_first_line():
    err = error_of("var x[3]\nvar y[2]\nminimize sum(x +\n  y)", kc.ShapeError, "broadcast", 3, 14)
    head, source, caret = str(err).splitlines()[:3]
    assert source.endswith("minimize sum(x +")
    assert caret.index("^") == source.index("x +") and caret.strip() == "^^^"


# --- the same problems built in Python: same class, no span -----------------------------------


def python_error(build, cls, match):
    with pytest.raises(cls, match=match) as info:
        problem = build()
        if isinstance(problem, kc.Problem):
            problem.check_dcp()
    assert getattr(info.value, "span", None) is None, str(info.value)
    assert not str(info.value).startswith("<string>")


def test_python_shape_mismatch():
    m, n = kc.dims("m n")
    A, b, x = kc.Parameter((m, n), name="A"), kc.Parameter(n, name="b"), kc.Variable(n, name="x")
    python_error(
        lambda: A @ x - b, kc.ShapeError, re.escape("cannot broadcast shapes (m,) and (n,) in `A @ x - b`")
    )
    python_error(lambda: x <= kc.Variable(3), kc.ShapeError, "do not broadcast")


def test_python_non_scalar_objective():
    x = kc.Variable(3, name="x")
    python_error(lambda: kc.Minimize(2 * x), kc.ShapeError, re.escape("the objective `2 * x` has shape (3,)"))


def test_python_atom_errors():
    x = kc.Variable(3, name="x")
    python_error(lambda: kc.abs(x, x), kc.AtomError, "takes 1 expression argument")
    python_error(lambda: kc.abs(x, axis=0), kc.AtomError, "has no argument 'axis'")
    python_error(lambda: kc.sum(x, axis=1), kc.AtomError, "axis 1 is out of range")
    # Atoms with a Python signature reject unknown keywords the Python way (AtomError is a TypeError too).
    python_error(lambda: kc.sum(x, axs=0), TypeError, "unexpected keyword argument 'axs'")


def test_python_duplicate_names():
    (n,) = kc.dims("n")
    x1, x2 = kc.Variable(3, name="x"), kc.Variable(2, name="x")
    python_error(
        lambda: kc.Problem(kc.Minimize(kc.sum(x1) + kc.sum(x2))),
        kc.DuplicateNameError,
        "two different symbols are both named 'x'",
    )
    clash = kc.Variable(n, name="n")
    python_error(
        lambda: kc.Problem(kc.Minimize(kc.sum(clash))),
        kc.DuplicateNameError,
        "'n' names both a dim and a variable or parameter",
    )


def test_python_non_dcp():
    x, y = kc.Variable(name="x"), kc.Variable(name="y")
    python_error(
        lambda: kc.Problem(kc.Maximize(kc.square(x))), kc.DCPError, r"(.|\n)*did you mean minimize\?"
    )
    python_error(
        lambda: kc.Problem(kc.Minimize(x), {"ball": kc.square(x) == 1}),
        kc.DCPError,
        "constraint 'ball' is not DCP: `square\\(x\\) == 1` is an equality",
    )
    python_error(
        lambda: kc.Problem(kc.Minimize(x), [kc.sqrt(x) <= 2]),
        kc.DCPError,
        "the left side `sqrt\\(x\\)` is concave",
    )
    python_error(
        lambda: kc.Problem(kc.Minimize(kc.sqrt(kc.square(x)) + x * y)), kc.DCPError, "2 rules are broken"
    )

"""Parser robustness: any text either parses or raises a kktc error that renders.

Random text and random mutations (deletions, insertions of tokens or characters,
swaps, truncations) of a few realistic problems must never escape as a raw lark
or Python exception. Whatever does parse must also print back to itself.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kktc as kc

LASSO = """\
# lasso.kkt — sparse regression
dim m, n                 # symbolic sizes

param A[m, n]
param b[m]
param lam nonneg
var x[n]

let r = A @ x - b

minimize 0.5 * sum_squares(r) + lam * norm1(x)
subject to
    box: -1 <= x <= 1    # chained comparison
    sum(x) == 0
"""

LP = """\
dim n, k = 3
param c[n]
param G[k, n]
param h[k]
var x[n] nonneg
maximize -c @ x
s.t.
    ineq: G @ x <= h
    budget: sum(x) <= 1
    x[0] >= 0.25
"""

MPC = """\
# model predictive control with a horizon T
dim T, nx, nu
param A[nx, nx]
param B[nx, nu]
param x0[nx]
param Q[nx, nx] psd
param R[nu, nu] psd
var x[nx, T + 1]
var u[nu, T]

let dx = x[:, 1:] - (A @ x[:, :T] + B @ u)

minimize sum(quad_form(x[:, T], Q)) + sum_squares(u) + 0.1 * norm2(
    dx, axis=0
)[0]
subject to
    dynamics: dx == 0
    init: x[:, 0] == x0
    input: -1 <= u <= 1
    max(abs(u[0, 1:] - u[0, :T - 1])) <= 0.5
"""

PORTFOLIO = """\
dim n
param mu[n]
param Sigma[n, n] psd
param gamma nonneg
var w[n]
maximize mu @ w - gamma * quad_form(w, Sigma) + sum(entropy(w)) + min(log(w + 1))
subject to
    sum(w) == 1
    w >= 0
    norm_inf(w) <= 0.3 ** 2
    hstack(w, w.T)[0] <= minimum(w[1], 0.5, log(w[2] + 1))
"""

VALID = [LASSO, LP, MPC, PORTFOLIO]

TOKENS = [
    "dim",
    "param",
    "var",
    "let",
    "minimize",
    "maximize",
    "subject to",
    "s.t.",
    "nonneg",
    "nonpos",
    "psd",
    "symmetric",
    "x",
    "A",
    "n",
    "T",
    "sum",
    "norm2",
    "quad_form",
    "axis=",
    "axis",
    "=",
    "==",
    "<=",
    ">=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "@",
    "**",
    "^",
    ".T",
    ".",
    ",",
    ":",
    "(",
    ")",
    "[",
    "]",
    "0",
    "1",
    "-1",
    "2.5",
    ".5",
    "1e-3",
    "1e999",
    "1e",
    "#",
    "\n",
    "\n\n",
    "\t",
    "\r\n",
    " ",
    "box:",
    "é",
    "∑",
    "\x00",
    "\\",
    "'",
    '"',
    "$",
    "!",
    "&&",
    "()",
    "[]",
    "x[",
    "sum(",
    "let r =",
]


@st.composite
def mutated(draw):
    """A valid problem text with one to four random edits."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        size = len(text)
        i = draw(st.integers(0, size))
        j = draw(st.integers(i, min(size, i + 12)))
        kind = draw(st.sampled_from(["delete", "insert", "char", "swap", "truncate", "lines"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif kind == "char":
            text = text[:i] + draw(st.characters(codec="utf-8")) + text[j:]
        elif kind == "swap":
            k = draw(st.integers(j, size))
            text = text[:i] + text[j:k] + text[i:j] + text[k:]
        elif kind == "truncate":
            text = text[:i]
        elif text:
            lines = text.splitlines()
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


token_soup = st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join)


def check_text(text: str) -> None:
    """Parse; on failure the error is a KktcError that renders; on success, analyses work."""
    try:
        problem = kc.read_text(text, "fuzz.kkt")
    except kc.KktcError as err:
        check_error(err, text)
        return
    assert kc.read_text(str(problem)) == problem, str(problem)
    problem.problem_class  # noqa: B018 - must not raise
    try:
        problem.check_dcp()
    except kc.DCPError as err:
        check_error(err, text)


def check_error(err: kc.KktcError, text: str) -> None:
    rendered = str(err)
    assert rendered and err.message
    if err.span is not None:
        lines = max(1, len(text.splitlines()))
        assert 1 <= err.span.line <= lines + 1, rendered
        assert err.span.column >= 1, rendered
        assert rendered.startswith(f"fuzz.kkt:{err.span.line}:{err.span.column}: error: "), rendered


@pytest.mark.parametrize("text", VALID, ids=["lasso", "lp", "mpc", "portfolio"])
def test_valid_examples_parse(text):
    problem = kc.read_text(text, "example.kkt")
    assert kc.read_text(str(problem)) == problem
    problem.check_dcp()


@settings(max_examples=1000)
@given(mutated())
def test_mutations_parse_or_raise_kktc_errors(text):
    check_text(text)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_random_text_parses_or_raises_kktc_errors(text):
    check_text(text)


@settings(max_examples=300)
@given(token_soup)
def test_token_soup_parses_or_raises_kktc_errors(text):
    check_text(text)


@settings(max_examples=200)
@given(st.sampled_from(VALID), st.data())
def test_every_truncation_is_handled(text, data):
    check_text(text[: data.draw(st.integers(0, len(text)))])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n\t\n",
        "# only a comment",
        "# one\n# two\n\n   # three\n",
        "\ufeffvar x\nminimize x",
        "var x\nminimize x\x00",
        "var x[3]\nminimize sum(x[1:2:0])",
        "var x[3]\nminimize sum(x[::0])",
        "var x[3]\nminimize sum(x[1e400])",
        "var x[3]\nminimize sum(x[99999999999999999999999])",
        "var x[3]\nminimize sum(reshape(x, (1e30, 1)))",
        "dim n = 1e30\nvar x[n]\nminimize sum(x)",
        "dim n = 1e400\nvar x[n]\nminimize sum(x)",
        "dim n = 2.5\nminimize 0",
        "var x[1e30]\nminimize sum(x)",
        "var x\nminimize x ** 1e999",
        "var x\nminimize [[1, 2], [3]] @ x",
        "var x\nminimize [x]",
        "var x\nminimize sum((x, x))",
        "var x\nminimize ()",
        "var x\nminimize sum(x, axis=x)",
        "var x[2,2]\nminimize sum(x, axis=2.5)",
        "var x[2]\nminimize sum(x[x])",
        "var x[2]\nminimize x[0][0]",
        "dim n\nminimize n",
        "dim n\nvar x[n]\nminimize sum(x[n:n*n*n])",
        "var x\nlet y = y\nminimize x",
        "var x\nminimize x\nsubject to\n  c: x <= 1 <= 2 <= 3",
    ],
)
def test_edge_texts(text):
    check_text(text)


def test_read_empty_and_comment_files(tmp_path):
    for content in ["", "# nothing here\n"]:
        path = tmp_path / "empty.kkt"
        path.write_text(content)
        with pytest.raises(kc.ParseError, match="no objective") as info:
            kc.read(path)
        assert info.value.span.source.filename == str(path)


def test_read_binary_file(tmp_path):
    path = tmp_path / "model.kkt"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(kc.ParseError, match="binary"):
        kc.read(path)
    path.write_bytes(b"var x\nminimize x\xff\xfe")
    with pytest.raises(kc.ParseError, match="not UTF-8"):
        kc.read(path)


def test_read_file_with_byte_order_mark(tmp_path):
    path = tmp_path / "bom.kkt"
    path.write_bytes("\ufeffvar x\nminimize x\n".encode())
    assert kc.read(path) == kc.read_text("var x\nminimize x")


def test_read_directory_and_missing_path(tmp_path):
    with pytest.raises(kc.ParseError, match="directory"):
        kc.read(tmp_path)
    with pytest.raises(kc.ParseError, match="no such file"):
        kc.read(tmp_path / "missing.kkt")
    with pytest.raises(kc.ParseError, match="no such file"):
        kc.read(str(tmp_path / "missing.kkt"))


def test_read_file_reports_its_name(tmp_path):
    path = tmp_path / "bad.kkt"
    path.write_text("var x\nminimize y\n")
    with pytest.raises(kc.UnknownNameError) as info:
        kc.read(path)
    assert str(info.value).startswith(f"{path}:2:10: error: unknown name 'y'")

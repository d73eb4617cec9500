"""The example problems in examples/: they read, are DCP, cover every atom, and match their Python twins."""

from pathlib import Path

import pytest

import kktc as kc
from kktc.dsl import CALLABLE, Atom
from kktc.dsl.atoms import Power, Transpose

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = sorted(EXAMPLES.glob("*.kkt"))
NAMES = [f.stem for f in FILES]


def example(name: str) -> kc.Problem:
    return kc.read(EXAMPLES / f"{name}.kkt")


def _atom_names(expr, found: set[str]) -> None:
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Atom):
            found.add(node.name)
        stack.extend(node.args)


def atoms_used(problem: kc.Problem) -> set[str]:
    found: set[str] = set()
    _atom_names(problem.objective.expr, found)
    for group in problem.constraints.values():
        for c in group:
            _atom_names(c.lhs, found)
            _atom_names(c.rhs, found)
    return found


def test_there_are_enough_examples():
    assert len(FILES) >= 9
    for required in (
        "lasso",
        "portfolio",
        "svm",
        "transport",
        "logistic",
        "softmax",
        "sparsemax",
        "mpc",
        "portfolio_socp",
    ):
        assert required in NAMES


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_example_reads_and_is_dcp(path):
    problem = kc.read(path)
    problem.check_dcp()
    assert problem.is_dcp()
    assert problem.problem_class in ("LP", "QP", "SOCP", "smooth convex")


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_example_has_a_comment_header(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(f"# {path.name} — ")


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_example_dims_are_fixed_by_a_parameter_or_a_default(path):
    problem = kc.read(path)
    fixed = {
        size.dim.name
        for p in problem.parameters.values()
        for size in p.shape
        if isinstance(size, kc.dsl.Size) and size.dim is not None
    }
    for name, dim in problem.dims.items():
        assert dim.default is not None or name in fixed, f"{path.name}: nothing fixes dim '{name}'"


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_example_round_trips_through_the_printer(path):
    problem = kc.read(path)
    assert kc.read_text(str(problem), path.name) == problem


def test_examples_use_every_atom():
    used: set[str] = set()
    for path in FILES:
        used |= atoms_used(kc.read(path))
    # `power` and `transpose` are builder functions; they build Power and Transpose nodes.
    assert (Power.name, Transpose.name) == ("power", "transpose")
    assert all(atom.name == name for name, atom in CALLABLE.items() if isinstance(atom, type))
    missing = sorted(set(CALLABLE) - used)
    assert not missing, f"no example uses: {', '.join(missing)}"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("transport", "LP"),
        ("inventory", "LP"),
        ("lasso", "QP"),
        ("portfolio", "QP"),
        ("svm", "QP"),
        ("mpc", "QP"),
        ("portfolio_socp", "SOCP"),
        ("logistic", "smooth convex"),
        ("softmax", "smooth convex"),
    ],
)
def test_example_problem_class(name, expected):
    assert example(name).problem_class == expected


# --- Python twins -----------------------------------------------------------------------------


def lasso_twin() -> kc.Problem:
    m, n = kc.dims("m n")
    A = kc.Parameter((m, n), name="A")
    b = kc.Parameter(m, name="b")
    lam = kc.Parameter(name="lam", nonneg=True)
    x = kc.Variable(n, name="x")
    residual = A @ x - b
    return kc.Problem(
        kc.Minimize(0.5 * kc.sum_squares(residual) + lam * kc.norm1(x)),
        {"box": [-1 <= x, x <= 1], "c2": kc.sum(x) == 0},
    )


def portfolio_twin() -> kc.Problem:
    (n,) = kc.dims("n")
    mu = kc.Parameter(n, name="mu")
    Sigma = kc.Parameter((n, n), name="Sigma", psd=True)
    gamma = kc.Parameter(name="gamma", nonneg=True)
    w_max = kc.Parameter(name="w_max", nonneg=True)
    w = kc.Variable(n, name="w", nonneg=True)
    return kc.Problem(
        kc.Maximize(mu @ w - gamma * kc.quad_form(w, Sigma)),
        {"budget": kc.sum(w) == 1, "concentration": w <= w_max},
    )


def svm_twin() -> kc.Problem:
    m, n = kc.dims("m n")
    X = kc.Parameter((m, n), name="X")
    y = kc.Parameter(m, name="y")
    C = kc.Parameter(name="C", nonneg=True)
    w = kc.Variable(n, name="w")
    b = kc.Variable(name="b")
    margin = y * (X @ w + b)
    return kc.Problem(kc.Minimize(0.5 * kc.sum_squares(w) + C * kc.sum(kc.pos(1 - margin))))


def mpc_twin() -> kc.Problem:
    n, p, T = kc.dims("n p T=10")
    A = kc.Parameter((n, n), name="A")
    B = kc.Parameter((n, p), name="B")
    x0 = kc.Parameter(n, name="x0")
    rho = kc.Parameter(name="rho", nonneg=True)
    u_max = kc.Parameter(name="u_max", nonneg=True)
    x = kc.Variable((n, T), name="x")
    u = kc.Variable((p, T), name="u")
    return kc.Problem(
        kc.Minimize(kc.sum_squares(x) + rho * kc.sum_squares(u)),
        {
            "dynamics": x[:, 1:] == A @ x[:, :-1] + B @ u[:, :-1],
            "initial": x[:, 0] == x0,
            "input_limit": kc.norm_inf(u) <= u_max,
        },
    )


TWINS = {"lasso": lasso_twin, "portfolio": portfolio_twin, "svm": svm_twin, "mpc": mpc_twin}


@pytest.mark.parametrize("name", sorted(TWINS))
def test_python_twin_equals_the_file(name):
    twin = TWINS[name]()
    assert twin == example(name)
    assert example(name) == twin


@pytest.mark.parametrize("name", sorted(TWINS))
def test_python_twin_differs_when_changed(name):
    """Equality is not vacuous: the twin of one example differs from every other example."""
    twin = TWINS[name]()
    for other in TWINS:
        if other != name:
            assert twin != example(other)


def test_benchmark_problem_is_valid_and_uses_every_atom():
    """benchmarks/parse_speed.py times a generated problem; keep it readable, DCP and complete."""
    import importlib.util

    path = EXAMPLES.parent / "benchmarks" / "parse_speed.py"
    spec = importlib.util.spec_from_file_location("parse_speed", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.generate()
    assert 180 <= len(text.splitlines()) <= 240
    problem = kc.read_text(text, "parse_speed.kkt")
    problem.check_dcp()
    assert set(CALLABLE) <= atoms_used(problem)

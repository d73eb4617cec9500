"""The symbolic KKT system: it reads like a textbook, renders as LaTeX, and equals the residual F.

The agreement check evaluates the SymPy equations numerically (by our own
interpreter of the SymPy trees, kktc.compiler._symbolic_numeric) at random
points with random dims, and compares them with the JAX residual F that the
implicit-differentiation rule differentiates.
"""

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import kktc as kc
from kktc.compiler import Program, kkt_residual
from kktc.compiler._symbolic import SymbolicKKT
from kktc.compiler._symbolic_numeric import Evaluator
from kktc.dsl._size import evaluate_shape

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("examples").glob("*.kkt"))

#: One small problem per atom (and operator), each DCP, so that every adjoint rule is exercised.
ATOM_PROBLEMS = {
    "sum_mean_dot": "dim n\nparam c[n]\nvar x[n]\nminimize sum_squares(x) + dot(c, x) + mean(x) + sum(x)",
    "matrix_axis": "dim m, n\nparam C[m, n]\nvar X[m, n]\nminimize sum_squares(X - C) + sum(sum(X, axis=0)) "
    "+ sum(mean(X, axis=1)) + trace(X.T @ C)",
    "trace_diag": "dim n\nparam P[n, n] psd\nvar x[n]\nvar Y[n, n]\nminimize quad_form(x, P) + trace(Y) "
    "+ sum_squares(Y) + sum(diag(Y)) + sum_squares(diag(x) @ P)",
    "stacks_reshape": "dim n\nvar x[n]\nvar y[n]\nvar s\nminimize sum_squares(hstack(x, y)) + sum_squares(vstack(x, y) - 1) "
    "+ sum_squares(reshape(vstack(x, y), (2*n,))) + sum_squares(hstack(s, x) - 1) + sum_squares(vstack(s, s))",
    "cumsum_index": "dim n = 4\nparam c[n]\nvar x[n]\nminimize sum_squares(cumsum(x) - c) + square(x[0]) "
    "+ sum_squares(x[1:] - x[:-1])",
    "pwl": "dim n\nparam c[n]\nvar x[n]\nminimize norm1(x - c) + norm_inf(x) + max(x) - min(x) "
    "+ sum(pos(x)) + sum(abs(x)) + sum(maximum(x, c)) - sum(minimum(x, 0))",
    "huber_power": "dim n\nparam c[n]\nvar x[n]\nminimize sum(huber(x - c, 1.5)) + sum(power(x, 4)) + sum(x ** 2)",
    "smooth": "dim n\nparam c[n]\nvar x[n]\nminimize sum(exp(x)) + logsumexp(x) + sum(softplus(x - c)) "
    "+ sum(inv_pos(x)) - sum(log(x)) - sum(sqrt(x)) - sum(entropy(x)) + sum(power(x, 1.5)) + sum(power(x, -1))",
    "norms": "dim n\nparam c[n]\nvar x[n]\nvar t nonneg\nminimize norm2(x - c) + quad_over_lin(x, t) + t",
    "division_product": "dim n\nparam c[n] nonneg\nparam s nonneg\nvar x[n]\nminimize sum_squares(x / (1 + s)) "
    "+ sum(c * square(x)) + exp(s) * sum(x)",
    "logsumexp_axis": "dim m, n\nparam C[m, n]\nvar X[m, n]\nminimize sum(logsumexp(X, axis=1)) - trace(C.T @ X) "
    "+ sum_squares(X)",
    "constant_nonsmooth": "dim n\nparam c[n]\nvar x[n]\nminimize sum_squares(x) + max(c) * sum(x) "
    "+ norm_inf(c) * x[0] + huber(c[0], 2) * x[1] - norm1(c) * min(x)",
    "maximize_chain": "dim n\nparam lo[n]\nparam c[n]\nvar x[n] nonneg\nmaximize c @ x - sum_squares(x)\n"
    "subject to\n    box: lo <= x <= 1 + lo\n    sum(x) == 1",
}


def _random_point(problem, rng):
    dims = {d: (dd.default or int(rng.integers(2, 5))) for d, dd in problem.dims.items()}
    theta = {}
    for name, p in problem.parameters.items():
        v = rng.standard_normal(evaluate_shape(p.shape, dims))
        if p.psd:
            v = v @ v.T
        if p.nonneg:
            v = np.abs(v)
        theta[name] = v
    return dims, theta


def assert_symbolic_equals_residual(problem, seed=0):
    rng = np.random.default_rng(seed)
    dims, theta = _random_point(problem, rng)
    program = Program(problem, dims)
    c = program.canonical(dims)
    lowered = program.lowered
    symbolic = SymbolicKKT(lowered)
    n, m, p = c.sizes
    z = np.where(c.positive, rng.uniform(0.5, 2.0, n), rng.standard_normal(n))
    lam, nu = rng.uniform(0.1, 1.0, m), rng.standard_normal(p)
    F = kkt_residual(c)((jnp.asarray(z), jnp.asarray(lam), jnp.asarray(nu)), {k: jnp.asarray(v) for k, v in theta.items()})
    values = dict(theta)
    for v, block in zip(lowered.variables, c.variables.blocks):
        values[lowered.name_of(v)] = np.asarray(block.take(jnp.asarray(z)))
    rows = {id(r): (k, False) for k, r in enumerate(lowered.inequalities)}
    rows.update({id(r): (k, True) for k, r in enumerate(lowered.equalities)})
    for mult in symbolic.multipliers:
        k, equality = rows[id(mult.row)]
        layout, vector = (c.equalities, nu) if equality else (c.inequalities, lam)
        values[mult.symbol.name] = np.asarray(layout.blocks[k].take(jnp.asarray(vector)))
    evaluate = Evaluator(values, dims)

    def check(equation, numeric):
        got = np.asarray(evaluate(equation.lhs), float)
        np.testing.assert_allclose(got.reshape(np.shape(numeric)), numeric, atol=1e-9, err_msg=equation.label)

    for eq, block in zip(symbolic.blocks["stationarity"], c.variables.blocks):
        check(eq, np.asarray(block.take(F.stationarity)))
    for eq, block in zip(symbolic.blocks["complementary slackness"], c.inequalities.blocks):
        check(eq, np.asarray(block.take(F.complementarity)))
    equalities = [e for e, mult in zip(symbolic.blocks["primal feasibility"], symbolic.multipliers) if mult.equality]
    for eq, block in zip(equalities, c.equalities.blocks):
        check(eq, np.asarray(block.take(F.equality)))
    return symbolic


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_symbolic_system_equals_residual(path):
    assert_symbolic_equals_residual(kc.read(path))


@pytest.mark.parametrize("name", sorted(ATOM_PROBLEMS))
@pytest.mark.parametrize("seed", [0, 1])
def test_every_atom_symbolic_system_equals_residual(name, seed):
    assert_symbolic_equals_residual(kc.read_text(ATOM_PROBLEMS[name]), seed)


def test_atom_problems_cover_every_atom():
    from kktc.dsl.atoms import ALL

    used = set()
    for text in ATOM_PROBLEMS.values():
        stack = [kc.read_text(text).objective.expr]
        for group in kc.read_text(text).constraints.values():
            stack += [side for c in group for side in (c.lhs, c.rhs)]
        while stack:
            node = stack.pop()
            used.add(type(node))
            stack.extend(node.args)
    assert {cls for cls in ALL} - used == set()


def _stationarity(path):
    return {e.label: e.text() for e in SymbolicKKT(Program(kc.read(path), {}).lowered).blocks["stationarity"]}


EX = Path(__file__).parent.parent / "examples"


def test_golden_lasso():
    lines = _stationarity(EX / "lasso.kkt")
    assert lines["∂L/∂x"] == "Aᵀ(A·x - b) - λ_box,1 + λ_box,2 + λ_abs_1,1 - λ_abs_1,2 + ν_c2·𝟙 = 0"
    assert lines["∂L/∂abs_1"] == "lam·𝟙 - λ_abs_1,1 - λ_abs_1,2 = 0"


def test_golden_portfolio():
    lines = _stationarity(EX / "portfolio.kkt")
    assert lines["∂L/∂w"] == "2·gamma·Sigma·w - mu + λ_concentration - λ_w.nonneg + ν_budget·𝟙 = 0"


def test_golden_transport_lp():
    lines = _stationarity(EX / "transport.kkt")
    assert lines["∂L/∂ship"] == "cost + λ_supply_limit·𝟙ᵀ - 𝟙·λ_demand_metᵀ - λ_ship.nonneg = 0"


def test_text_has_all_four_blocks_and_symbolic_dims():
    text = str(SymbolicKKT(Program(kc.read(EX / "lasso.kkt"), {}).lowered))
    for block in ("stationarity:", "primal feasibility:", "dual feasibility:", "complementary slackness:"):
        assert block in text
    assert "x[0" not in text and "[0, 0]" not in text  # never expanded entry by entry


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_latex_string_renders(path):
    mathtext = pytest.importorskip("matplotlib.mathtext")
    from kktc.compiler._symbolic import latex_label

    parser = mathtext.MathTextParser("path")
    symbolic = SymbolicKKT(Program(kc.read(path), {}).lowered)
    for equations in symbolic.blocks.values():
        for eq in equations:
            parser.parse(f"${eq.latex()}$")
            parser.parse(f"${latex_label(eq.label)}$")
    assert symbolic.latex().startswith("\\begin{aligned}")
    assert symbolic._repr_latex_().startswith("$$")


def test_layer_kkt_view_at_a_solution():
    layer = kc.load(EX / "lasso.kkt")
    rng = np.random.default_rng(3)
    params = {"A": rng.standard_normal((8, 4)), "b": rng.standard_normal(8), "lam": 0.3}
    sol = layer(**params)
    assert "stationarity" in str(layer.kkt)
    residual = layer.kkt.residual(sol, **params)
    assert residual.max_abs() < 1e-7
    assert set(residual.complementarity) == {"box,1", "box,2", "abs_1,1", "abs_1,2"}
    jac = layer.kkt.jacobian(sol, **params)
    size = jac.matrix.shape[0]
    assert jac.matrix.shape == (size, size) and jac.rows[-1][2] == size and jac.cols[-1][2] == size
    assert "replaces abs(x)" in str(layer.kkt.lowered)
    assert layer.kkt.lowered.auxiliaries == {"abs_1": "abs(x)"}


def test_sensitivity_is_the_envelope_theorem_and_the_gradient():
    import jax

    layer = kc.load(EX / "portfolio.kkt")
    problem = kc.read(EX / "portfolio.kkt")
    rng = np.random.default_rng(4)
    dims, theta = _random_point(problem, rng)
    sol = layer(**theta)
    assert int(sol.status) == 0
    sens = layer.sensitivity(sol, **theta)
    grads = jax.grad(lambda t: layer(**t).objective)({k: jnp.asarray(v) for k, v in theta.items()})
    for name in theta:
        np.testing.assert_allclose(sens[name], grads[name], atol=1e-6, err_msg=name)

"""Solutions against an independent reference, on every problem of ``problems.py``.

For each case: kktc (float64) against CVXPY/Clarabel at tight tolerance —
variables, objective and duals (CVXPY's sign conventions) —; kktc's point
evaluated by CVXPY (feasible, and no worse than Clarabel's optimum); the KKT
residual F(w, θ) of the compiled problem at the returned point; and a float32
subset. The collection itself is checked to cover every atom and feature.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kktc as kc
from kktc.compiler import kkt_residual
from kktc.dsl import CALLABLE, Atom, Constant, Parameter, atoms

cp = pytest.importorskip("cvxpy")
P = pytest.importorskip("problems")  # needs cvxpy too

NAMES = list(P.CASES)
FLOAT32_DEFAULT = ("lp_2", "qp_2", "socp_1", "smooth_2")  # one per class; `-m slow` runs the rest
FLOAT32 = [
    pytest.param(name, marks=() if name in FLOAT32_DEFAULT else pytest.mark.slow)
    for name, case in P.CASES.items() if case.float32
]


def close(actual, expected, tol: float) -> None:
    """Relative to the reference with the same absolute floor: |a - e| <= tol * (1 + |e|)."""
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=tol, atol=tol)


def _nodes(problem: kc.Problem):
    sides = [side for group in problem.constraints.values() for c in group for side in (c.lhs, c.rhs)]
    stack = [problem.objective.expr, *sides]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.args)


def _problem(case) -> kc.Problem:
    return P.layer(case.name).program.problem


# --- the collection covers the language ------------------------------------------------------


def test_every_atom_of_the_language_is_used():
    used = {type(n).name for case in P.CASES.values() for n in _nodes(_problem(case)) if isinstance(n, Atom)}
    section_3 = set(CALLABLE) | {"transpose", "index"}
    assert section_3 - used == set()


def test_every_class_sense_and_constraint_kind_is_used():
    problems = {name: _problem(case) for name, case in P.CASES.items()}
    assert {p.problem_class for p in problems.values()} == {"LP", "QP", "SOCP", "smooth convex"}
    for name, case in P.CASES.items():
        assert problems[name].problem_class == case.klass, name
    assert {p.objective.sense for p in problems.values()} == {"minimize", "maximize"}
    constraints = [c for p in problems.values() for g in p.user_constraints.values() for c in g]
    assert any(c.is_equality for c in constraints) and any(not c.is_equality for c in constraints)
    assert any(len(g) == 2 for p in problems.values() for g in p.user_constraints.values())  # chained
    variables = [v for p in problems.values() for v in p.variables.values()]
    assert {len(v.shape) for v in variables} == {0, 1, 2}
    assert any(v.nonneg for v in variables) and any(v.nonpos for v in variables)
    assert {isinstance(case.problem, str) for case in P.CASES.values()} == {True, False}  # text and Python


def test_parameters_enter_nonlinearly_somewhere():
    def parametric(e):
        return not isinstance(e, Constant) and e.curvature.is_constant and any(
            isinstance(leaf, Parameter) for leaf in e.leaves()
        )

    nodes = [n for case in P.CASES.values() for n in _nodes(_problem(case))]
    assert any(isinstance(n, atoms.Exp) and parametric(n.args[0]) for n in nodes)  # exp(theta) * x
    assert any(isinstance(n, atoms.QuadForm) and parametric(n.args[1]) for n in nodes)  # quad_form(x, Sigma)


# --- values against the reference ----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_matches_reference(name):
    case, expected = P.CASES[name], P.reference(name)
    sol = P.layer(name)(case.params)
    assert int(sol.status) == kc.Status.SOLVED
    for var, value in expected.variables.items():
        assert sol[var].shape == value.shape
        close(sol[var], value, case.tol)
    close(sol.objective, expected.objective, 1e-7)
    assert set(sol.duals) == set(expected.duals)
    for group, value in expected.duals.items():
        got = sol.duals[group]
        if isinstance(value, tuple):  # a chain: one dual per comparison, in source order
            assert isinstance(got, tuple) and len(got) == len(value)
            for g, v in zip(got, value):
                close(g, v, case.tol)
        else:
            close(got, value, case.tol)


@pytest.mark.parametrize("name", NAMES)
def test_point_is_feasible_and_optimal_for_the_reference(name):
    """CVXPY evaluates kktc's point: feasible, and its objective within 1e-9 of Clarabel's optimum."""
    case = P.CASES[name]
    sol = P.layer(name)(case.params)
    ref = case.reference(case.params)
    for var, v in ref.variables.items():
        v.value = np.asarray(sol[var], dtype=np.float64)
    for c in ref.problem.constraints:
        assert np.max(c.violation(), initial=0.0) <= 1e-8, str(c)
    optimum = P.reference(name).objective
    sign = 1 if isinstance(ref.problem.objective, cp.Minimize) else -1
    assert sign * (ref.problem.objective.value - optimum) <= 1e-9 * (1 + abs(optimum))
    # sol.objective comes from the lowered form (epigraph variables), so it may differ by their slack
    close(sol.objective, ref.problem.objective.value, 1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_kkt_residual_vanishes_at_the_solution(name):
    case, layer = P.CASES[name], P.layer(name)
    sol = layer(case.params)
    theta = {k: jnp.asarray(v) for k, v in case.params.items()}
    canonical = layer.program.canonical(layer.program.infer_dims({k: v.shape for k, v in theta.items()}))
    F = kkt_residual(canonical)(sol.kkt_point, theta)
    z, lam, _ = sol.kkt_point
    scale = 1 + float(jnp.max(jnp.abs(jax.grad(canonical.f)(z, theta))))
    assert float(jnp.max(jnp.abs(F.stationarity))) <= 1e-7 * scale
    assert float(jnp.max(jnp.abs(F.equality), initial=0.0)) <= 1e-8
    assert float(jnp.max(jnp.abs(F.complementarity), initial=0.0)) <= 1e-8 * (1 + abs(float(sol.objective)))
    assert float(jnp.min(lam, initial=0.0)) >= 0.0  # dual feasibility
    assert float(jnp.max(canonical.g(z, theta), initial=0.0)) <= 1e-8  # primal feasibility


# --- sign conventions, on problems whose duals are known by hand -----------------------------

CONVENTIONS = [
    # (problem, constraint, its dual): an inequality's dual is >= 0 for minimize and maximize
    # alike; an equality lhs == rhs has the ν of ∇f + ν ∇(lhs - rhs) = 0, f the minimized
    # objective (-objective for maximize). Each comment solves stationarity by hand.
    ("var x\nminimize x\nsubject to\n  c: x >= 1", "c", 1.0),  # 1 - x <= 0: 1 - λ = 0
    ("var x\nminimize x\nsubject to\n  c: x == 1", "c", -1.0),  # ν (x - 1): 1 + ν = 0
    ("var x\nminimize -x\nsubject to\n  c: 1 == x", "c", 1.0),  # read x == 1 (as Python does): -1 + ν = 0
    ("var x\nmaximize x\nsubject to\n  c: x <= 2", "c", 1.0),  # max f = min -f: -1 + λ = 0
    ("var x\nmaximize -x\nsubject to\n  c: x == 3", "c", -1.0),  # min x + ν (x - 3): 1 + ν = 0
    ("var x nonneg\nminimize x + 2", "x.nonneg", 1.0),  # -x <= 0: 1 - λ = 0
    ("var x nonpos\nmaximize x", "x.nonpos", 1.0),  # x <= 0 in min -x: -1 + λ = 0
]


@pytest.mark.parametrize("text, group, dual", CONVENTIONS)
def test_dual_sign_conventions_match_cvxpy(text, group, dual):
    sol = kc.parse(text)()
    close(sol.duals[group], dual, 1e-7)
    x = cp.Variable()
    objective, constraint = _cvxpy_twin(text, x)
    cp.Problem(objective, [constraint]).solve(solver=cp.CLARABEL)
    close(constraint.dual_value, dual, 1e-6)


def _cvxpy_twin(text: str, x):
    lines = text.splitlines()
    sense, expr = lines[1].split(" ", 1)
    objective = (cp.Minimize if sense == "minimize" else cp.Maximize)(eval(expr, {"x": x}))
    if "nonneg" in lines[0]:
        return objective, x >= 0
    if "nonpos" in lines[0]:
        return objective, x <= 0
    lhs, op, rhs = lines[3].split(":")[1].split()
    lhs, rhs = eval(lhs, {"x": x}), eval(rhs, {"x": x})
    if isinstance(lhs, (int, float)):  # Python reflects `1 == x` to `x == 1`, as cvxpy users write it
        lhs, rhs, op = rhs, lhs, {"==": "==", "<=": ">=", ">=": "<="}[op]
    return objective, {"==": lhs == rhs, "<=": lhs <= rhs, ">=": lhs >= rhs}[op]


# --- float32 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FLOAT32)
def test_float32_matches_reference(name):
    case, expected = P.CASES[name], P.reference(name)
    sol = P.layer(name)({k: v.astype(np.float32) for k, v in case.params.items()})
    assert int(sol.status) == kc.Status.SOLVED
    assert sol.objective.dtype == jnp.float32
    for var, value in expected.variables.items():
        assert sol[var].dtype == jnp.float32
        close(sol[var], value, 1e-3)
    close(sol.objective, expected.objective, 1e-3)
    for group, value in expected.duals.items():
        for g, v in zip(*(x if isinstance(x, tuple) else (x,) for x in (sol.duals[group], value))):
            close(g, v, 1e-3)

"""A fast subset of the Maros–Meszaros QPs through the generic benchmarks/problems/qp.kkt layer.

The full 72 are the benchmark (benchmarks/maros_meszaros.py); these small ones must stay solved,
along with infeasible and unbounded variants, float32 runs and derivatives at their solutions.
The data comes from KKTC_DATA (default ../shared/data next to the repository).
"""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kktc as kc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import maros_meszaros as mm  # noqa: E402

if not (mm.DATA / "reference_optima.txt").exists():
    pytest.skip(f"Maros–Meszaros data not found at {mm.DATA} (set KKTC_DATA)", allow_module_level=True)

SUBSET = ["HS21", "HS35", "HS76", "HS118", "GENHS28", "TAME", "QAFIRO", "LOTSCHD", "DUALC1", "CVXQP1_S"]
#: Slow: solved only with the polishing finish step (QPCBOEI1 at the end, QETAMACR with active-set
#: corrections) or with the equality regularization following the relative gap (QFORPLAN).
HARD = ["QPCBOEI1", "QETAMACR", "QFORPLAN"]
FLOAT32 = ["HS21", "HS35", "HS76", "HS118", "GENHS28", "QAFIRO"]


@pytest.fixture(scope="module")
def layer():
    return kc.load(mm.QP, max_iter=200)


def problem(name: str) -> tuple[dict, float, float]:
    params, r = mm.load(mm.DATA / f"{name}.mat")
    return params, r, mm.reference_optima()[mm.file_to_table_name(name).upper()]


def relative_error(objective, r, reference) -> float:
    return abs(float(objective) + r - reference) / max(1.0, abs(reference))


@pytest.mark.parametrize("name", SUBSET + [pytest.param(name, marks=pytest.mark.slow) for name in HARD])
def test_solved_to_the_reference_optimum(layer, name):
    params, r, reference = problem(name)
    sol = layer(**params)
    assert kc.Status(int(sol.status)) == kc.Status.SOLVED, name
    assert int(sol.iterations) <= 200
    assert relative_error(sol.objective, r, reference) <= 1e-5


@pytest.mark.parametrize("name", FLOAT32)
def test_float32_reaches_1e_4(layer, name):
    params, r, reference = problem(name)
    sol = layer(**{k: v.astype(np.float32) for k, v in params.items()})
    assert sol.x.dtype == jnp.float32
    assert kc.Status(int(sol.status)) == kc.Status.SOLVED, name
    assert np.all(np.isfinite(np.asarray(sol.x)))
    assert relative_error(sol.objective, r, reference) <= 1e-4


def _variant(name: str, **changes) -> dict:
    params, _, _ = problem(name)
    params = {k: v.copy() for k, v in params.items()}
    for key, edit in changes.items():
        edit(params[key])
    return params


def _set(index, value):
    def edit(v):
        v[index] = value
    return edit


INFEASIBLE = {
    "HS21 bounds lb > ub": lambda: _variant("HS21", lb=_set(0, 60.0)),
    "HS118 row cl > cu": lambda: _variant("HS118", cu=_set(12, 50.0)),
    "QAFIRO bounds lb > ub": lambda: _variant("QAFIRO", lb=_set(0, 1.0), ub=_set(0, 0.0)),
}
UNBOUNDED = {
    # P = 0 and a cost that decreases along a feasible ray
    "HS21 ray x1 → ∞": lambda: _variant("HS21", P=lambda P: P.fill(0.0), q=_set(0, -1.0), ub=_set(0, np.inf)),
    "HS35 row dropped": lambda: _variant("HS35", P=lambda P: P.fill(0.0), q=_set(slice(None), [-1.0, 0.0, 0.0]),
                                         cl=_set(0, -np.inf)),
}


@pytest.mark.parametrize("case", INFEASIBLE)
def test_infeasible_variants_are_certified(layer, case):
    sol = layer(**INFEASIBLE[case]())
    assert kc.Status(int(sol.status)) == kc.Status.PRIMAL_INFEASIBLE, case
    assert np.all(np.isfinite(np.asarray(sol.x)))


@pytest.mark.parametrize("case", UNBOUNDED)
def test_unbounded_variants_are_certified(layer, case):
    sol = layer(**UNBOUNDED[case]())
    assert kc.Status(int(sol.status)) == kc.Status.DUAL_INFEASIBLE, case
    assert np.all(np.isfinite(np.asarray(sol.x)))


@pytest.mark.parametrize("name", ["HS21", "HS118", "QAFIRO", "DUALC1"])
def test_optimal_value_gradient_in_q_is_x(layer, name):
    """Envelope theorem: ∂f*/∂q = x*."""
    params, _, _ = problem(name)
    q = jnp.asarray(params.pop("q"))
    sol = layer(q=q, **params)
    grad = jax.grad(lambda q: layer(q=q, **params).objective)(q)
    assert float(jnp.max(jnp.abs(grad - sol.x))) <= 1e-5 * max(1.0, float(jnp.max(jnp.abs(sol.x))))


@pytest.mark.parametrize("name", ["HS21", "HS35", "HS76", "GENHS28"])
def test_solution_derivative_matches_finite_differences(layer, name):
    """Where the solution is non-degenerate (strict complementarity), jvp of x* equals central differences."""
    params, _, _ = problem(name)
    q = jnp.asarray(params.pop("q"))
    sol = layer(q=q, **params)
    # strict complementarity: every inequality (not the equalities cl == cu) has a multiplier or a
    # slack well away from 0
    x = np.asarray(sol.x)
    (lo, hi), (row_lo, row_hi) = sol.duals["bounds"], sol.duals["rows"]
    Cx = params["C"] @ x
    inequality = params["cl"] != params["cu"]
    for lam, slack, rows in ((lo, x - params["lb"], True), (hi, params["ub"] - x, True),
                             (row_lo, Cx - params["cl"], inequality), (row_hi, params["cu"] - Cx, inequality)):
        strict = np.maximum(np.asarray(lam), slack) > 1e-6
        assert np.all(strict | ~rows), "degenerate point: pick another problem"
    direction = jnp.asarray(np.random.default_rng(0).normal(size=q.shape))
    _, tangent = jax.jvp(lambda q: layer(q=q, **params).x, (q,), (direction,))
    eps = 1e-5
    fd = (layer(q=q + eps * direction, **params).x - layer(q=q - eps * direction, **params).x) / (2 * eps)
    assert float(jnp.max(jnp.abs(tangent - fd))) <= 1e-5 * max(1.0, float(jnp.max(jnp.abs(fd))))

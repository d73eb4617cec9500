"""Failed solves end with a status and finite values and gradients, never NaN; infinite bounds are masked."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kktc as kc

CASES = {
    "lp_primal_infeasible": ("var x[2]\nminimize sum(x)\nsubject to\n  x >= 1\n  sum(x) <= 1", kc.Status.PRIMAL_INFEASIBLE),
    "lp_unbounded": ("var x[2]\nminimize x[0] - x[1]\nsubject to\n  x[0] >= 0", kc.Status.DUAL_INFEASIBLE),
    "qp_primal_infeasible": ("var x[2]\nminimize sum_squares(x)\nsubject to\n  x >= 1\n  x <= 0", kc.Status.PRIMAL_INFEASIBLE),
    "qp_unbounded": ("var x[2]\nminimize square(x[0]) - x[1]\nsubject to\n  x[0] >= 0", kc.Status.DUAL_INFEASIBLE),
    "inconsistent_equalities": (
        "var x[2]\nminimize sum_squares(x)\nsubject to\n  x[0] + x[1] == 1\n  2*x[0] + 2*x[1] == 3",
        kc.Status.PRIMAL_INFEASIBLE,
    ),
    "smooth_primal_infeasible": ("var x[2]\nmaximize sum(log(x))\nsubject to\n  sum(x) <= -1", kc.Status.PRIMAL_INFEASIBLE),
}


def _finite(tree) -> bool:
    return all(np.all(np.isfinite(np.asarray(leaf))) for leaf in jax.tree_util.tree_leaves(tree))


@pytest.mark.parametrize("name", sorted(CASES))
def test_failure_is_reported_with_finite_outputs(name):
    text, expected = CASES[name]
    sol = kc.parse(text)()
    assert kc.Status(int(sol.status)) is expected
    assert _finite(sol)
    with pytest.raises(kc.SolveError, match=expected.name):
        sol.raise_on_failure()


def test_failure_gradient_is_finite():
    layer = kc.parse("param c[2]\nvar x[2]\nminimize c @ x\nsubject to\n  x >= 1\n  sum(x) <= 1")
    grad = jax.grad(lambda c: jnp.sum(layer(c=c).x))(jnp.array([1.0, 2.0]))
    assert np.all(np.isfinite(grad))


def test_status_per_batch_item():
    layer = kc.parse("param hi\nvar x[2]\nminimize sum_squares(x - 3)\nsubject to\n  x >= 1\n  sum(x) <= hi")
    sols = jax.vmap(lambda hi: layer(hi=hi))(jnp.array([4.0, 1.0, 10.0]))
    assert [kc.Status(int(s)) for s in sols.status] == [
        kc.Status.SOLVED, kc.Status.PRIMAL_INFEASIBLE, kc.Status.SOLVED
    ]
    assert _finite(sols)
    np.testing.assert_allclose(sols.x[2], [3.0, 3.0], atol=1e-7)


def test_check_raises_outside_jit():
    layer = kc.compile(kc.read_text(CASES["qp_primal_infeasible"][0]), check=True)
    with pytest.raises(kc.SolveError, match="infeasible"):
        layer()


def test_every_status_has_a_message():
    for status in kc.Status:
        assert status.message and isinstance(status.message, str)


def test_infinite_bounds_mean_no_constraint():
    layer = kc.parse("param lo[3]\nparam hi[3]\nvar x[3]\nminimize sum_squares(x - 5)\nsubject to\n  box: lo <= x <= hi")
    lo, hi = jnp.array([-jnp.inf, 0.0, 1.0]), jnp.array([1.0, jnp.inf, 2.0])
    sol = layer(lo=lo, hi=hi)
    assert int(sol.status) == 0
    np.testing.assert_allclose(sol.x, [1.0, 5.0, 2.0], atol=1e-7)
    lower, upper = sol.duals["box"]
    np.testing.assert_allclose(upper, [8.0, 0.0, 6.0], atol=1e-6)
    np.testing.assert_allclose(lower, 0.0, atol=1e-6)
    g_lo, g_hi = jax.grad(lambda lo, hi: layer(lo=lo, hi=hi).objective, argnums=(0, 1))(lo, hi)
    np.testing.assert_allclose(g_lo, [0.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(g_hi, [-8.0, 0.0, -6.0], atol=1e-6)

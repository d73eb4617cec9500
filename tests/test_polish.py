"""The QP finish step (polishing the active set) and the driver's rounds around it."""

import cvxpy as cp
import jax.numpy as jnp
import numpy as np
import pytest

import kktc as kc
from kktc.runtime import _qp_polish
from kktc.runtime._driver import FINISH, RUNNING, run
from kktc.runtime._mehrotra import all_live
from kktc.runtime._status import Status

QP = """
dim n, m
param P[n, n] psd
param q[n]
param G[m, n]
param h[m]
var x[n]
minimize 0.5 * quad_form(x, P) + q @ x
subject to
    rows: G @ x <= h
"""


def random_qp(n=12, m=20, seed=0):
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n, n))
    x0 = rng.normal(size=n)
    G = rng.normal(size=(m, n))
    return dict(P=B @ B.T + 0.1 * np.eye(n), q=rng.normal(size=n) * 5, G=G, h=G @ x0 + rng.uniform(0.1, 1, m))


def clarabel(P, q, G, h):
    x = cp.Variable(len(q))
    rows = G @ x <= h
    cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, cp.psd_wrap(P)) + q @ x), [rows]).solve(
        solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return x.value, rows.dual_value


def kkt_residual(d, x, lam):
    stationarity = d["P"] @ x + d["q"] + d["G"].T @ lam
    return max(np.abs(stationarity).max(), np.maximum(d["G"] @ x - d["h"], 0).max(),
               np.abs(lam * (d["h"] - d["G"] @ x)).max())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_layer_answers_at_rounding_level(seed):
    d = random_qp(seed=seed)
    sol = kc.parse(QP)(**d)
    x_ref, lam_ref = clarabel(**d)
    assert int(sol.status) == Status.SOLVED
    assert float(sol.residual) < 1e-13  # the interior point alone stops near its tolerance, 1e-9
    assert (np.asarray(sol.duals["rows"]) > 0).sum() >= 3  # several active rows: a real active set
    np.testing.assert_allclose(np.asarray(sol.x), x_ref, atol=1e-8)
    np.testing.assert_allclose(np.asarray(sol.duals["rows"]), lam_ref, atol=1e-8)
    assert kkt_residual(d, np.asarray(sol.x), np.asarray(sol.duals["rows"])) < 1e-12


def test_one_correction_mends_a_wrong_guess(monkeypatch):
    d = random_qp(seed=3)
    x_ref, lam_ref = clarabel(**d)
    P, q, G, h = (jnp.asarray(d[k]) for k in "PqGh")
    A, b = jnp.zeros((0, len(q))), jnp.zeros(0)
    s, z = np.maximum(d["h"] - d["G"] @ x_ref, 0), np.maximum(lam_ref, 0)
    # the rows an interior point guesses wrong are the marginal ones: the active row with the
    # smallest multiplier looks inactive, the inactive row with the smallest slack looks active
    active, inactive = np.flatnonzero(lam_ref > 1e-6), np.flatnonzero(lam_ref <= 1e-6)
    weakest, closest = active[np.argmin(lam_ref[active])], inactive[np.argmin(s[inactive])]
    s[weakest], z[weakest] = 1e-2, 1e-3
    s[closest], z[closest] = 1e-3, 1e-2
    start = tuple(jnp.asarray(v) for v in (x_ref + 1e-3, s, z, np.zeros(0)))

    def residual(point):
        x, _, lam, _ = point
        stationarity = P @ x + q + G.T @ lam
        return jnp.max(jnp.stack([jnp.max(jnp.abs(stationarity)), jnp.max(jnp.maximum(G @ x - h, 0)),
                                  jnp.max(jnp.abs(lam * (h - G @ x)))]))

    def polished(passes):
        monkeypatch.setattr(_qp_polish, "PASSES", passes)
        point, value = _qp_polish.polish(P, q, G, h, A, b, start, jnp.inf, all_live(len(h)), residual, 1e-12)
        return np.asarray(point[0]), float(value)

    _, value_one = polished(1)
    assert value_one > 1e-6  # the wrong guess polishes to a wrong point
    x_two, value_two = polished(2)
    assert value_two < 1e-12
    np.testing.assert_allclose(x_two, x_ref, atol=1e-8)


def test_a_degenerate_active_set_stays_finite_and_solved():
    # the same row twice and a vertex where three rows meet in two dimensions
    d = dict(P=np.eye(2), q=np.array([-2.0, -2.0]),
             G=np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), h=np.array([1.0, 1.0, 1.0, 2.0]))
    sol = kc.parse(QP)(**d)
    assert int(sol.status) == Status.SOLVED
    np.testing.assert_allclose(np.asarray(sol.x), [1.0, 1.0], atol=1e-8)
    assert np.all(np.isfinite(np.asarray(sol.duals["rows"])))


class Countdown:
    """A toy solver: the state counts down; FINISH at ``finish_at``; the finish step solves iff ``mends``."""

    def __init__(self, finish_at, mends, verdict=RUNNING):
        self.finish_at, self.mends, self.verdict = finish_at, mends, verdict

    def init(self, data):
        return dict(left=jnp.array(10), finished=jnp.array(0), solved=jnp.array(False))

    def step(self, st, data):
        return dict(st, left=st["left"] - 1)

    def finish(self, st, data):
        return dict(st, finished=st["finished"] + 1, solved=st["solved"] | self.mends)

    def check(self, st, data):
        status = jnp.select(
            [st["solved"] | (st["left"] == 0), (st["left"] == self.finish_at) & (st["finished"] == 0),
             st["left"] == 5],
            [Status.SOLVED, FINISH, self.verdict], RUNNING)
        return status.astype(jnp.int32), st["left"].astype(float)

    def result(self, st, data):
        return st["left"], st["finished"], jnp.zeros(0)


@pytest.mark.parametrize("finish_at, mends, status, iterations, finishes", [
    (7, True, Status.SOLVED, 3, 1),  # the early finish solves: iterating stops there
    (7, False, Status.SOLVED, 10, 2),  # it does not: iterating resumes, and finishes again at the end
    (-1, False, Status.SOLVED, 10, 1),  # no early finish
])
def test_the_driver_finishes_early_or_resumes(finish_at, mends, status, iterations, finishes):
    out = run(Countdown(finish_at, mends), None, max_iter=50)
    assert (int(out.status), int(out.iterations), int(out.w[1])) == (status, iterations, finishes)


def test_the_finish_step_never_overturns_a_certificate():
    out = run(Countdown(-1, True, verdict=Status.PRIMAL_INFEASIBLE), None, max_iter=50)
    assert int(out.status) == Status.PRIMAL_INFEASIBLE


def test_the_iteration_cap_still_holds():
    out = run(Countdown(-1, False), None, max_iter=4)
    assert (int(out.status), int(out.iterations)) == (Status.MAX_ITERATIONS, 4)

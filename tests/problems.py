"""A collection of small problems, each with its twin in CVXPY (the test-only reference).

A factory (``lp_1()``, ``socp_2()``, …, as in cvxpy's own tests) returns a
:class:`Case`: the kktc problem (``.kkt`` text, or a Python builder using the
modeling API), parameter values drawn with a fixed seed, and ``reference``, a
function that builds the same problem in CVXPY from parameter values, so the
reference can be re-solved at perturbed parameters (finite differences).
Expected values are not stored: they come from Clarabel at tight tolerance
(:func:`solve_reference`).

Together the cases use every atom of LANGUAGE.md §3, every problem class (LP,
QP, SOCP, smooth convex), minimize and maximize, equalities, inequalities,
chained constraints, the ``nonneg``/``nonpos`` variable attributes, scalar,
vector and matrix variables, ``let``, and parameters entering nonlinearly
(``exp(theta) * x``, ``quad_form(x, Sigma)``, ``theta * log(z)``); the tests
check this coverage on the problems themselves.

Every case is non-degenerate at its parameters (strict complementarity, unique
primal and dual: the KKT Jacobian is nonsingular, which the gradient tests
check), so its solution is a smooth function of the parameters there.

Dual conventions are CVXPY's: an inequality's multiplier is nonnegative, for
minimize and maximize alike; an equality ``lhs == rhs`` has the multiplier ν of
``lhs - rhs`` in ``∇f + … + ν ∇(lhs - rhs) = 0`` (f the minimized objective,
``-objective`` for maximize).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from typing import Callable

import cvxpy as cp
import numpy as np

import kktc as kc

Params = dict[str, np.ndarray]

#: Clarabel at tight tolerance. Near these tolerances it often reports "almost
#: solved" (cvxpy's OPTIMAL_INACCURATE); that answer is still far more accurate
#: than one at the default tolerances, and it is what the tests compare with.
TIGHT = dict(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, tol_ktratio=1e-8, max_iter=500)

#: Clarabel's static regularization (1e-8) limits its accuracy on some SOCPs.
NO_REGULARIZATION = dict(
    static_regularization_constant=1e-14, iterative_refinement_reltol=1e-16,
    iterative_refinement_abstol=1e-16, iterative_refinement_max_iter=50,
)


@dataclass(frozen=True)
class Reference:
    """A problem built in CVXPY: its variables and constraints under kktc's names."""

    problem: cp.Problem
    variables: dict[str, cp.Variable]
    constraints: dict[str, cp.Constraint | tuple[cp.Constraint, ...]]


@dataclass(frozen=True)
class Case:
    """One test problem.

    Attributes:
        name: the factory's name.
        klass: the expected ``problem_class``.
        problem: ``.kkt`` text, or a function returning a :class:`kktc.Problem`.
        params: parameter values (float64 NumPy arrays) by name.
        reference: builds the CVXPY twin from parameter values.
        float32: part of the float32 subset.
        tol: how closely Clarabel's answer is trusted (relative, with the same absolute
            floor); 1e-6 unless Clarabel itself is less accurate on the problem.
        clarabel: extra Clarabel settings that make its answer more accurate here.
        gradient_rel: how closely finite differences of the reference can check a
            derivative (relative); 1e-4 unless Clarabel is too noisy on the problem.
    """

    name: str
    klass: str
    problem: str | Callable[[], kc.Problem]
    params: Params
    reference: Callable[[Params], Reference]
    float32: bool = False
    tol: float = 1e-6
    clarabel: dict = field(default_factory=dict)
    gradient_rel: float = 1e-4

    def compile(self, **options) -> kc.Layer:
        if isinstance(self.problem, str):
            return kc.parse(self.problem, **options)
        return kc.compile(self.problem(), **options)

    def __repr__(self) -> str:
        return self.name


def _case(name, klass, problem, params, reference, **kw) -> Case:
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    return Case(name, klass, problem, params, reference, **kw)


# --- LP ----------------------------------------------------------------------


def lp_1() -> Case:
    """A random LP: a vertex of a box cut by random rows and a budget."""
    rng = np.random.default_rng(1)
    n, m = 5, 3
    params = dict(c=rng.normal(size=n), A=rng.normal(size=(m, n)), b=0.2 + 0.3 * rng.uniform(size=m))
    text = """
        dim m, n
        param c[n]
        param A[m, n]
        param b[m]
        var x[n]
        minimize dot(c, x)
        subject to
            rows: A @ x <= b
            box: -1 <= x <= 1
            total: sum(x) == 0.5
    """

    def reference(p):
        x = cp.Variable(n)
        cons = {"rows": p["A"] @ x <= p["b"], "box": (-1 <= x, x <= 1), "total": cp.sum(x) == 0.5}
        return Reference(cp.Problem(cp.Minimize(p["c"] @ x), _flat(cons)), {"x": x}, cons)

    return _case("lp_1", "LP", text, params, reference, float32=True)


def lp_2() -> Case:
    """Maximize the profit of a shipment plan: a matrix variable, nonneg, row and column sums."""
    rng = np.random.default_rng(2)
    s, d = 3, 4
    params = dict(
        price=rng.uniform(1, 2, size=(s, d)), supply=rng.uniform(2, 3, size=s),
        demand=rng.uniform(1, 2, size=d),
    )
    text = """
        dim s, d
        param price[s, d]
        param supply[s] nonneg
        param demand[d] nonneg
        var X[s, d] nonneg
        maximize sum(price * X) - 0.1 * sum(X)
        subject to
            supplied: sum(X, axis=1) <= supply
            delivered: sum(X, axis=0) == demand
    """

    def reference(p):
        X = cp.Variable((s, d))
        cons = {
            "supplied": cp.sum(X, axis=1) <= p["supply"],
            "delivered": cp.sum(X, axis=0) == p["demand"],
            "X.nonneg": X >= 0,
        }
        objective = cp.Maximize(cp.sum(cp.multiply(p["price"], X)) - 0.1 * cp.sum(X))
        return Reference(cp.Problem(objective, _flat(cons)), {"X": X}, cons)

    return _case("lp_2", "LP", text, params, reference, float32=True)


def lp_3() -> Case:
    """Least absolute deviations with an l-infinity penalty and an (active) bound on an abs."""
    rng = np.random.default_rng(3)
    m, n = 7, 3
    params = dict(A=rng.normal(size=(m, n)), b=rng.normal(size=m), lam=np.array(0.5))
    text = """
        dim m, n
        param A[m, n]
        param b[m]
        param lam nonneg
        var x[n]
        let r = A @ x - b
        minimize norm1(r) + lam * norm_inf(x)
        subject to
            bound: abs(x[0] - x[1]) <= 0.1
    """

    def reference(p):
        x = cp.Variable(n)
        cons = {"bound": cp.abs(x[0] - x[1]) <= 0.1}
        objective = cp.Minimize(cp.norm1(p["A"] @ x - p["b"]) + p["lam"] * cp.norm_inf(x))
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x}, cons)

    return _case("lp_3", "LP", text, params, reference)


def lp_4() -> Case:
    """Maximize a concave piecewise-linear function: min, minimum and -pos over a box."""
    rng = np.random.default_rng(4)
    m, n = 4, 3
    params = dict(A=rng.normal(size=(m, n)), b=rng.normal(size=m), c=rng.uniform(-0.5, 0.5, size=n))
    text = """
        dim m, n
        param A[m, n]
        param b[m]
        param c[n]
        var x[n]
        var y nonpos
        maximize min(A @ x + b) + sum(minimum(x, c, 0.2 - x)) - sum(pos(x - 0.3)) + 2 * y
        subject to
            box: -1 <= x <= 1
            link: y >= x[0] - 1
    """

    def reference(p):
        x, y = cp.Variable(n), cp.Variable()
        cons = {"box": (-1 <= x, x <= 1), "link": y >= x[0] - 1, "y.nonpos": y <= 0}
        objective = cp.Maximize(
            cp.min(p["A"] @ x + p["b"]) + cp.sum(cp.minimum(x, p["c"], 0.2 - x))
            - cp.sum(cp.pos(x - 0.3)) + 2 * y
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x, "y": y}, cons)

    return _case("lp_4", "LP", text, params, reference)


# --- QP ----------------------------------------------------------------------


def qp_1() -> Case:
    """A random QP with a PSD parameter (quad_form), inequalities and equalities; the Python API."""
    rng = np.random.default_rng(11)
    n, m, k = 5, 4, 2
    M = rng.normal(size=(n, n))
    params = dict(
        P=M @ M.T + np.eye(n), q=rng.normal(size=n) * 3, G=rng.normal(size=(m, n)),
        h=rng.uniform(0, 1, size=m), A=rng.normal(size=(k, n)), b=rng.normal(size=k),
    )

    def problem():
        nn, mm, kk = kc.dims("n m k")
        P = kc.Parameter((nn, nn), name="P", psd=True)
        q = kc.Parameter(nn, name="q")
        G = kc.Parameter((mm, nn), name="G")
        h = kc.Parameter(mm, name="h")
        A = kc.Parameter((kk, nn), name="A")
        b = kc.Parameter(kk, name="b")
        x = kc.Variable(nn, name="x")
        return kc.Problem(
            kc.Minimize(0.5 * kc.quad_form(x, P) + q @ x), {"ineq": G @ x <= h, "eq": A @ x == b}
        )

    def reference(p):
        x = cp.Variable(n)
        cons = {"ineq": p["G"] @ x <= p["h"], "eq": p["A"] @ x == p["b"]}
        objective = cp.Minimize(0.5 * cp.quad_form(x, p["P"]) + p["q"] @ x)
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x}, cons)

    return _case("qp_1", "QP", problem, params, reference, float32=True)


def qp_2() -> Case:
    """Maximize a concave QP: Huber loss, square, and a scalar nonpos variable at its bound."""
    rng = np.random.default_rng(12)
    m, n = 6, 3
    params = dict(A=rng.normal(size=(m, n)), b=rng.normal(size=m) * 2, t=np.array(0.7))
    text = """
        dim m, n
        param A[m, n]
        param b[m]
        param t nonneg
        var x[n]
        var y nonpos
        maximize -sum(huber(A @ x - b, 1.0)) - square(y - t) - sum_squares(x) / 4
        subject to
            cap: x[0] + y <= 0.2
    """

    def reference(p):
        x, y = cp.Variable(n), cp.Variable()
        cons = {"cap": x[0] + y <= 0.2, "y.nonpos": y <= 0}
        objective = cp.Maximize(
            -cp.sum(cp.huber(p["A"] @ x - p["b"], 1.0)) - cp.square(y - p["t"]) - cp.sum_squares(x) / 4
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x, "y": y}, cons)

    return _case("qp_2", "QP", text, params, reference, float32=True)


def qp_3() -> Case:
    """A matrix variable through every affine atom: trace, diag, transpose, reshape, stacks, cumsum, mean."""
    rng = np.random.default_rng(13)
    params = dict(Y=rng.normal(size=(3, 4)), d=rng.uniform(0, 1, size=3), c=rng.uniform(0, 1, size=4),
                  w=rng.normal(size=12))
    text = """
        param Y[3, 4]
        param d[3]
        param c[4]
        param w[12]
        var X[3, 4]
        var v[2]
        minimize (sum_squares(X - Y) + trace(X[:, 0:3]) + mean(X) + dot(w, reshape(X, (12,)))
                  + dot(c, X.T @ d) + sum_squares(v))
        subject to
            lower: diag(X[:, 0:3]) >= d
            run: cumsum(X[0, :]) <= c
            stack: vstack(v, X[1, 0:2]) <= 0.5
            link: sum(hstack(v, X[2, 2:4])) == 1
    """

    def reference(p):
        X, v = cp.Variable((3, 4)), cp.Variable(2)
        cons = {
            "lower": cp.diag(X[:, 0:3]) >= p["d"],
            "run": cp.cumsum(X[0, :]) <= p["c"],
            "stack": cp.vstack([v, X[1, 0:2]]) <= 0.5,
            "link": cp.sum(cp.hstack([v, X[2, 2:4]])) == 1,
        }
        objective = cp.Minimize(
            cp.sum_squares(X - p["Y"]) + cp.trace(X[:, 0:3]) + cp.sum(X) / 12
            + p["w"] @ cp.reshape(X, (12,), order="C") + p["c"] @ (X.T @ p["d"]) + cp.sum_squares(v)
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"X": X, "v": v}, cons)

    return _case("qp_3", "QP", text, params, reference)


def qp_4() -> Case:
    """The lasso with a budget and a nonneg bound: norm1 in a QP."""
    rng = np.random.default_rng(14)
    m, n = 8, 5
    params = dict(A=rng.normal(size=(m, n)), b=rng.normal(size=m), lam=np.array(0.8))
    text = """
        dim m, n
        param A[m, n]
        param b[m]
        param lam nonneg
        var x[n]
        minimize 0.5 * sum_squares(A @ x - b) + lam * norm1(x)
        subject to
            budget: sum(x) <= 0.5
    """

    def reference(p):
        x = cp.Variable(n)
        cons = {"budget": cp.sum(x) <= 0.5}
        objective = cp.Minimize(0.5 * cp.sum_squares(p["A"] @ x - p["b"]) + p["lam"] * cp.norm1(x))
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x}, cons)

    return _case("qp_4", "QP", text, params, reference, float32=True)


def qp_5() -> Case:
    """Row maxima, column minima and an elementwise maximum of a matrix variable, near a target."""
    rng = np.random.default_rng(15)
    k, n = 3, 4
    params = dict(Y=rng.normal(size=(k, n)), C=rng.normal(size=(k, n)), D=rng.normal(size=(k, n)))
    text = """
        dim k, n
        param Y[k, n]
        param C[k, n]
        param D[k, n]
        var X[k, n]
        minimize (sum_squares(X - Y) + sum(max(X - C, axis=1)) - sum(min(X, axis=0))
                  + sum(maximum(X - D, -X, 0.3)))
        subject to
            box: -1 <= X <= 1
    """

    def reference(p):
        X = cp.Variable((k, n))
        cons = {"box": (-1 <= X, X <= 1)}
        objective = cp.Minimize(
            cp.sum_squares(X - p["Y"]) + cp.sum(cp.max(X - p["C"], axis=1)) - cp.sum(cp.min(X, axis=0))
            + cp.sum(cp.maximum(X - p["D"], -X, 0.3))
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"X": X}, cons)

    return _case("qp_5", "QP", text, params, reference)


# --- SOCP --------------------------------------------------------------------


def socp_1() -> Case:
    """Regularized least norm (not squared) inside a ball that cuts the unconstrained optimum."""
    rng = np.random.default_rng(21)
    m, n = 6, 4
    params = dict(A=rng.normal(size=(m, n)), b=rng.normal(size=m) + 2, c=rng.normal(size=n) * 0.3,
                  r=np.array(0.4), lam=np.array(0.3))
    text = """
        dim m, n
        param A[m, n]
        param b[m]
        param c[n]
        param r nonneg
        param lam nonneg
        var x[n]
        minimize norm2(A @ x - b) + lam * norm2(x)
        subject to
            ball: norm2(x - c) <= r
    """

    def reference(p):
        x = cp.Variable(n)
        cons = {"ball": cp.norm2(x - p["c"]) <= p["r"]}
        objective = cp.Minimize(cp.norm2(p["A"] @ x - p["b"]) + p["lam"] * cp.norm2(x))
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x}, cons)

    # Clarabel's answers near these parameters scatter by up to ~1e-6 (kktc's by ~1e-10): its
    # differences agree with kktc's derivatives to 7e-4..1e-3 at best, kktc's own to 1e-6
    return _case("socp_1", "SOCP", text, params, reference, float32=True, clarabel=NO_REGULARIZATION,
                 gradient_rel=2e-3)


def socp_2() -> Case:
    """Mean-variance portfolio with a volatility limit (the Python API): quad_form of a parameter."""
    rng = np.random.default_rng(22)
    n, f = 5, 2
    F = rng.normal(size=(n, f)) * 0.3
    params = dict(mu=rng.uniform(0.5, 1.5, size=n), Sigma=F @ F.T + np.diag(rng.uniform(0.05, 0.1, size=n)),
                  F=F, gamma=np.array(2.0), sigma_max=np.array(0.35))

    def problem():
        n_, f_ = kc.dims("n f")
        mu = kc.Parameter(n_, name="mu")
        Sigma = kc.Parameter((n_, n_), name="Sigma", psd=True)
        Fp = kc.Parameter((n_, f_), name="F")
        gamma = kc.Parameter(name="gamma", nonneg=True)
        sigma_max = kc.Parameter(name="sigma_max", nonneg=True)
        w = kc.Variable(n_, name="w", nonneg=True)
        return kc.Problem(
            kc.Maximize(mu @ w - gamma * kc.quad_form(w, Sigma)),
            {"budget": kc.sum(w) == 1, "risk": kc.norm2(Fp.T @ w) <= sigma_max},
        )

    def reference(p):
        w = cp.Variable(n)
        cons = {
            "budget": cp.sum(w) == 1, "risk": cp.norm2(p["F"].T @ w) <= p["sigma_max"], "w.nonneg": w >= 0
        }
        objective = cp.Maximize(p["mu"] @ w - p["gamma"] * cp.quad_form(w, p["Sigma"]))
        return Reference(cp.Problem(objective, _flat(cons)), {"w": w}, cons)

    return _case("socp_2", "SOCP", problem, params, reference)


def socp_3() -> Case:
    """quad_over_lin with a variable denominator, and row norms and the Frobenius norm of a matrix."""
    rng = np.random.default_rng(23)
    params = dict(a=rng.normal(size=4), c=rng.normal(size=4) * 2, Y=rng.normal(size=(3, 4)))
    text = """
        param a[4]
        param c[4]
        param Y[3, 4]
        var x[4]
        var s
        var X[3, 4]
        minimize quad_over_lin(x - a, s) + s + sum_squares(x - c) + sum(norm2(X - Y, axis=1)) + norm2(X)
        subject to
            cap: sum(x) <= 1
            tie: sum(X, axis=1) == x[0:3]
    """

    def reference(p):
        x, s, X = cp.Variable(4), cp.Variable(), cp.Variable((3, 4))
        cons = {"cap": cp.sum(x) <= 1, "tie": cp.sum(X, axis=1) == x[0:3]}
        objective = cp.Minimize(
            cp.quad_over_lin(x - p["a"], s) + s + cp.sum_squares(x - p["c"])
            + cp.sum(cp.norm(X - p["Y"], 2, axis=1)) + cp.norm(X, "fro")
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x, "s": s, "X": X}, cons)

    return _case("socp_3", "SOCP", text, params, reference)


def socp_4() -> Case:
    """Convex powers (p = 1.5, 3, -1) and inv_pos: SOC-representable, solved by the smooth method."""
    params = dict(a=np.array([1.0, 0.5, 2.0, 1.5]), b=np.array([0.3, 0.2, 0.1, 0.4]), s=np.array(3.0))
    text = """
        dim n
        param a[n] nonneg
        param b[n] nonneg
        param s nonneg
        var x[n]
        minimize (dot(a, power(x, 1.5)) + 0.1 * sum(power(x, 3))
                  + dot(b, inv_pos(x)) + 0.05 * sum(power(x, -1)))
        subject to
            need: sum(x) >= s
    """

    def reference(p):
        x = cp.Variable(4)
        cons = {"need": cp.sum(x) >= p["s"]}
        objective = cp.Minimize(
            p["a"] @ cp.power(x, 1.5) + 0.1 * cp.sum(cp.power(x, 3)) + p["b"] @ cp.inv_pos(x)
            + 0.05 * cp.sum(cp.power(x, -1))
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x}, cons)

    return _case("socp_4", "SOCP", text, params, reference)


# --- smooth convex -------------------------------------------------------------


def smooth_1() -> Case:
    """Regularized logistic regression (softplus) with a linear constraint."""
    rng = np.random.default_rng(31)
    m, n = 8, 3
    X = rng.normal(size=(m, n))
    y = np.sign(X @ rng.normal(size=n) + 0.5 * rng.normal(size=m))
    params = dict(X=X, y=y, lam=np.array(0.1))
    text = """
        dim m, n
        param X[m, n]
        param y[m]
        param lam nonneg
        var w[n]
        minimize sum(softplus(-y * (X @ w))) + lam * sum_squares(w)
        subject to
            cap: w[0] <= 0.5
    """

    def reference(p):
        w = cp.Variable(n)
        cons = {"cap": w[0] <= 0.5}
        objective = cp.Minimize(
            cp.sum(cp.logistic(-cp.multiply(p["y"], p["X"] @ w))) + p["lam"] * cp.sum_squares(w)
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"w": w}, cons)

    return _case("smooth_1", "smooth convex", text, params, reference, float32=True)


def smooth_2() -> Case:
    """Water filling: maximize a sum of logs over a budget, nonneg powers (some at zero)."""
    params = dict(noise=np.array([0.2, 0.5, 0.9, 1.6, 2.4]), total=np.array(2.0))
    text = """
        dim k
        param noise[k] nonneg
        param total nonneg
        var power[k] nonneg
        maximize sum(log(noise + power))
        subject to
            budget: sum(power) == total
    """

    def reference(p):
        x = cp.Variable(5)
        cons = {"budget": cp.sum(x) == p["total"], "power.nonneg": x >= 0}
        objective = cp.Maximize(cp.sum(cp.log(p["noise"] + x)))
        return Reference(cp.Problem(objective, _flat(cons)), {"power": x}, cons)

    return _case("smooth_2", "smooth convex", text, params, reference, float32=True)


def smooth_3() -> Case:
    """Entropy-regularized argmax over a capped simplex (a softmax with caps)."""
    params = dict(theta=np.array([1.5, 0.3, -0.2, 0.9, -1.0]), tau=np.array(0.7))
    text = """
        dim k
        param theta[k]
        param tau nonneg
        var x[k]
        maximize dot(theta, x) + tau * sum(entropy(x))
        subject to
            simplex: sum(x) == 1
            cap: x <= 0.4
    """

    def reference(p):
        x = cp.Variable(5)
        cons = {"simplex": cp.sum(x) == 1, "cap": x <= 0.4}
        objective = cp.Maximize(p["theta"] @ x + p["tau"] * cp.sum(cp.entr(x)))
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x}, cons)

    return _case("smooth_3", "smooth convex", text, params, reference, float32=True)


def smooth_4() -> Case:
    """Parameters entering nonlinearly: exp(theta) * x, and logsumexp and exp of affine terms."""
    rng = np.random.default_rng(34)
    m, n = 4, 3
    params = dict(A=rng.normal(size=(m, n)), b=rng.normal(size=m), theta=rng.normal(size=n) * 0.5)
    text = """
        dim m, n
        param A[m, n]
        param b[m]
        param theta[n]
        var x[n]
        minimize logsumexp(A @ x + b) + sum(exp(theta) * square(x)) + 0.2 * sum(exp(-x))
        subject to
            budget: sum(exp(theta) * x) == 1
            lim: sum(exp(x)) <= 4
    """

    def reference(p):
        x = cp.Variable(n)
        e = np.exp(p["theta"])
        cons = {"budget": cp.sum(cp.multiply(e, x)) == 1, "lim": cp.sum(cp.exp(x)) <= 4}
        objective = cp.Minimize(
            cp.log_sum_exp(p["A"] @ x + p["b"]) + cp.sum(cp.multiply(e, cp.square(x)))
            + 0.2 * cp.sum(cp.exp(-x))
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x}, cons)

    return _case("smooth_4", "smooth convex", text, params, reference)


def smooth_5() -> Case:
    """Concave utilities: power(x, 0.5), sqrt and theta * log, maximized under a shared budget."""
    params = dict(u=np.array([1.0, 2.0, 0.5]), v=np.array([0.8, 1.2, 0.3]), theta=np.array(0.6),
                  budget=np.array(4.0))
    text = """
        param u[3] nonneg
        param v[3] nonneg
        param theta nonneg
        param budget nonneg
        var x[3]
        var y[3]
        var z
        maximize dot(u, power(x, 0.5)) + dot(v, sqrt(y)) + theta * log(z) - z
        subject to
            share: sum(x) + sum(y) <= budget
            floor: log(x[0]) >= -1
            ceiling: y <= 1
    """

    def reference(p):
        x, y, z = cp.Variable(3), cp.Variable(3), cp.Variable()
        cons = {"share": cp.sum(x) + cp.sum(y) <= p["budget"], "floor": cp.log(x[0]) >= -1, "ceiling": y <= 1}
        objective = cp.Maximize(
            p["u"] @ cp.power(x, 0.5) + p["v"] @ cp.sqrt(y) + p["theta"] * cp.log(z) - z
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"x": x, "y": y, "z": z}, cons)

    # Clarabel (power cones) is off by ~1e-7 at perturbed points: its differences agree
    # with kktc's derivatives to 1e-4..3e-4 at best
    return _case("smooth_5", "smooth convex", text, params, reference,
                 clarabel=dict(static_regularization_constant=1e-14), gradient_rel=5e-4)


def smooth_6() -> Case:
    """Row-wise logsumexp of a matrix variable (a multiclass loss) with ridge and a column budget."""
    rng = np.random.default_rng(37)
    k, n = 3, 4
    params = dict(C=rng.normal(size=(k, n)), lam=np.array(0.5))
    text = """
        dim k, n
        param C[k, n]
        param lam nonneg
        var X[k, n]
        minimize sum(logsumexp(X, axis=1)) - sum(C * X) + lam * sum_squares(X)
        subject to
            cols: sum(X, axis=0) <= 0.5
    """

    def reference(p):
        X = cp.Variable((k, n))
        cons = {"cols": cp.sum(X, axis=0) <= 0.5}
        objective = cp.Minimize(
            cp.sum(cp.log_sum_exp(X, axis=1)) - cp.sum(cp.multiply(p["C"], X)) + p["lam"] * cp.sum_squares(X)
        )
        return Reference(cp.Problem(objective, _flat(cons)), {"X": X}, cons)

    return _case("smooth_6", "smooth convex", text, params, reference)


def _flat(constraints: dict) -> list:
    out = []
    for c in constraints.values():
        out.extend(c if isinstance(c, tuple) else (c,))
    return out


#: Every factory, in order.
FACTORIES = (
    lp_1, lp_2, lp_3, lp_4,
    qp_1, qp_2, qp_3, qp_4, qp_5,
    socp_1, socp_2, socp_3, socp_4,
    smooth_1, smooth_2, smooth_3, smooth_4, smooth_5, smooth_6,
)
CASES: dict[str, Case] = {f.__name__: f() for f in FACTORIES}


# --- the reference solve ---------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    """The reference optimum: variables and duals by kktc's names, the objective as written."""

    variables: dict[str, np.ndarray]
    duals: dict[str, np.ndarray | tuple[np.ndarray, ...]]
    objective: float


def solve_reference(case: Case, params: Params | None = None) -> Expected:
    """Solve the CVXPY twin with Clarabel at tight tolerance."""
    ref = case.reference(case.params if params is None else params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "solution may be inaccurate"
        ref.problem.solve(solver=cp.CLARABEL, **{**TIGHT, **case.clarabel})
    if ref.problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise RuntimeError(f"{case.name}: the reference solve ended {ref.problem.status}")
    variables = {k: np.asarray(v.value, dtype=float).reshape(v.shape) for k, v in ref.variables.items()}
    duals = {
        k: tuple(np.asarray(ci.dual_value, dtype=float) for ci in c) if isinstance(c, tuple)
        else np.asarray(c.dual_value, dtype=float)
        for k, c in ref.constraints.items()
    }
    return Expected(variables, duals, float(ref.problem.value))


# --- shared across test modules: one compile and one reference solve per case -----


@functools.cache
def layer(name: str) -> kc.Layer:
    """The compiled layer of a case (compiled once per test session)."""
    return CASES[name].compile()


@functools.cache
def reference(name: str) -> Expected:
    """The reference optimum of a case at its parameters."""
    return solve_reference(CASES[name])


def outputs(variables: dict, duals: dict, objective) -> list:
    """Variables, the objective and every dual, as one flat list of arrays (kktc's or the reference's)."""
    parts = [variables[k] for k in sorted(variables)] + [objective]
    for k in sorted(duals):
        parts.extend(duals[k] if isinstance(duals[k], tuple) else (duals[k],))
    return parts

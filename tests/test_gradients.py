"""Derivatives of the solution map against finite differences, on the problems of ``problems.py``.

For each case a random linear functional of the whole solution — every
variable, the objective and every dual — is differentiated with ``jax.grad``
(reverse mode) and ``jax.jvp`` (forward mode) with respect to every parameter,
and compared with central differences of the reference (CVXPY/Clarabel
re-solved at perturbed parameters) and of kktc itself.

Each parameter is moved along its own random unit direction (symmetric for
``psd``/``symmetric`` parameters, which must stay so); the jvp moves all of them
at once. The differences use the fourth-order stencil
(8(R(ε) - R(-ε)) - (R(2ε) - R(-2ε))) / 12ε, whose truncation error is ~ε⁴, so
ε can be large: 1e-3 for kktc, and for the reference the closest of ε = 1e-3,
3e-3 and 1e-2 — on exponential, power and second-order cones Clarabel's answer
at a perturbed point is now and then only "almost solved", off by 1e-7..1e-6,
which spoils one step but rarely all three. Where even that leaves Clarabel's
noise above 1e-4 the case says so (``Case.gradient_rel``, with the numbers).

Every case is non-degenerate at its parameters, which the first test checks:
the row-scaled KKT Jacobian ∂F/∂w is well conditioned there.

The default run takes a few cases, one per problem class; ``-m slow`` runs them all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from kktc.compiler import kkt_residual

pytest.importorskip("cvxpy")
P = pytest.importorskip("problems")

DEFAULT = ("lp_2", "qp_1", "socp_2", "smooth_4")
CASES = [pytest.param(name, marks=() if name in DEFAULT else pytest.mark.slow) for name in P.CASES]
EPS = {"reference": (1e-3, 3e-3, 1e-2), "kktc": (1e-3,)}
REL = 1e-4


def stencil(R: Callable[[float], float], eps: float) -> float:
    """The fourth-order central difference of R at 0."""
    return (8 * (R(eps) - R(-eps)) - (R(2 * eps) - R(-2 * eps))) / (12 * eps)


@dataclass(frozen=True)
class Derivatives:
    functional: Callable  # outputs (a flat list of arrays) -> scalar
    grad: dict  # jax.grad of the functional of the solution, by parameter
    directions: dict  # one unit direction per parameter
    jvp: float  # jax.jvp along all the directions at once


@functools.cache
def derivatives(name: str) -> Derivatives:
    case, layer, expected = P.CASES[name], P.layer(name), P.reference(name)
    rng = np.random.default_rng(0)
    outputs = P.outputs(expected.variables, expected.duals, expected.objective)
    weights = [rng.normal(size=np.shape(o)) for o in outputs]

    def functional(outputs):
        return sum(jnp.sum(w * o) for w, o in zip(weights, outputs))

    def L(params):
        sol = layer(params)
        return functional(P.outputs(sol.variables, sol.duals, sol.objective))

    theta = {k: jnp.asarray(v) for k, v in case.params.items()}
    grad = jax.grad(L)(theta)
    directions = {}
    for p, value in case.params.items():
        v = rng.normal(size=value.shape)
        declared = layer.program.problem.parameters[p]
        if declared.psd or declared.symmetric:
            v = (v + v.T) / 2
        directions[p] = v / np.linalg.norm(v)
    _, jvp = jax.jvp(L, (theta,), ({k: jnp.asarray(v) for k, v in directions.items()},))
    return Derivatives(functional, grad, directions, float(jvp))


def along(name: str, direction: dict, solver: str) -> list[float]:
    """Central differences of the functional of ``solver``'s outputs along ``direction``, one per step."""
    case, functional = P.CASES[name], derivatives(name).functional
    solve = {"reference": reference_outputs, "kktc": kktc_outputs}[solver](name)

    def R(t):
        return float(functional(solve({k: v + t * direction.get(k, 0) for k, v in case.params.items()})))

    return [stencil(R, eps) for eps in EPS[solver]]


def reference_outputs(name: str):
    def solve(params):
        e = P.solve_reference(P.CASES[name], params)
        return P.outputs(e.variables, e.duals, e.objective)

    return solve


def kktc_outputs(name: str):
    def solve(params):
        sol = P.layer(name)(params)
        return P.outputs(sol.variables, sol.duals, sol.objective)

    return solve


def assert_relative(actual: dict, differences: dict, rel: float = REL) -> None:
    """|a - e| <= rel * |e| for the closest of the differences e (one per step).

    |e| is floored at 1% of the largest difference, for entries that are ~0.
    """
    floor = 1e-2 * max(abs(e) for es in differences.values() for e in es)
    for key, es in differences.items():
        error = min(abs(actual[key] - e) / max(abs(e), floor) for e in es)
        assert error <= rel, (key, actual[key], es)


@pytest.mark.parametrize("name", CASES)
def test_kkt_jacobian_is_nonsingular(name):
    """The premise of the implicit function theorem (strict complementarity, LICQ, second order)."""
    case, layer = P.CASES[name], P.layer(name)
    sol = layer(case.params)
    theta = {k: jnp.asarray(v) for k, v in case.params.items()}
    canonical = layer.program.canonical(layer.program.infer_dims({k: v.shape for k, v in theta.items()}))
    F = kkt_residual(canonical)
    flat, unravel = ravel_pytree(sol.kkt_point)
    J = np.asarray(jax.jacfwd(lambda w: ravel_pytree(F(unravel(w), theta))[0])(flat))
    scale = np.max(np.abs(J), axis=1, keepdims=True)
    assert np.linalg.svd(J / np.where(scale > 0, scale, 1), compute_uv=False)[-1] > 1e-3


@pytest.mark.parametrize("name", CASES)
def test_grad_matches_reference_differences(name):
    d = derivatives(name)
    grad = {p: float(jnp.vdot(d.grad[p], v)) for p, v in d.directions.items()}
    fd = {p: along(name, {p: v}, "reference") for p, v in d.directions.items()}
    assert_relative(grad, fd, P.CASES[name].gradient_rel)


@pytest.mark.parametrize("name", CASES)
def test_jvp_matches_reference_differences_and_grad(name):
    d = derivatives(name)
    fd = along(name, d.directions, "reference")
    assert_relative({"jvp": d.jvp}, {"jvp": fd}, P.CASES[name].gradient_rel)
    through_grad = sum(float(jnp.vdot(d.grad[p], v)) for p, v in d.directions.items())
    np.testing.assert_allclose(d.jvp, through_grad, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_grad_and_jvp_match_kktc_differences(name):
    d = derivatives(name)
    grad = {p: float(jnp.vdot(d.grad[p], v)) for p, v in d.directions.items()}
    fd = {p: along(name, {p: v}, "kktc") for p, v in d.directions.items()}
    assert_relative(grad, fd)
    assert_relative({"jvp": d.jvp}, {"jvp": along(name, d.directions, "kktc")})

"""Layer: a compiled problem as a differentiable JAX function of its parameters."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import KktcError, ShapeError
from ..compiler import Canonical, Program, kkt_residual
from ._compile import jit
from ._driver import run
from ._implicit import POLICIES, implicit
from ._inspect import KKTView
from ._qp_ipm import QPInteriorPoint, extract
from ._qp_rows import chain_pairs
from ._smooth_ipm import SmoothInteriorPoint
from ._solution import Solution


class ParameterError(KktcError, ValueError):
    """Missing, extra, mis-shaped or mis-typed parameters."""

    kind = "parameter error"


#: How negative a psd parameter's smallest eigenvalue may be, relative to its largest eigenvalue: data
#: stored to 7 or 8 digits (Maros–Meszaros VALUES: −1.2e-6) is psd up to rounding, and the
#: solvers' regularization absorbs that much.
PSD_TOL = 1e-5

def _negative_curvature(P: np.ndarray) -> bool:
    eigenvalues = np.linalg.eigvalsh((P + P.T) / 2)
    return eigenvalues.min() < -PSD_TOL * max(1.0, np.abs(eigenvalues).max())


#: (tolerance, regularization, infeasibility tolerance, backward δ) per float width.
DEFAULTS = {8: (1e-9, 1e-11, 1e-10, 1e-11), 4: (1e-5, 1e-7, 1e-6, 1e-6)}


class Layer:
    """``layer(**params) -> Solution``: solve, and differentiate by the implicit function theorem.

    Build one with ``kc.compile(problem)`` or ``kc.load(path)``.

    >>> import kktc as kc
    >>> x = kc.Variable(2, name="x"); c = kc.Parameter(2, name="c")
    >>> layer = kc.compile(kc.Problem(kc.Minimize(kc.sum_squares(x - c))))
    >>> float(layer(c=[1.0, 2.0]).x[1])  # doctest: +ELLIPSIS
    2.0...
    """

    def __init__(self, program: Program, *, solver: str = "auto", tol: float | None = None,
                 max_iter: int = 100, backward: str = "regularized", check: bool = False):
        if solver not in ("auto", "ipm"):
            raise KktcError(f"unknown solver {solver!r}; choose 'auto' or 'ipm'")
        if backward not in POLICIES:
            raise KktcError(f"unknown backward policy {backward!r}; choose from {', '.join(POLICIES)}")
        self.program = program
        self.tol = tol
        self.max_iter = int(max_iter)
        self.check = check
        self._compiled: dict[tuple, Any] = {}
        self._sensitivities: dict[tuple, Any] = {}

    @property
    def parameters(self) -> dict[str, tuple]:
        return self.program.parameters

    @cached_property
    def kkt(self) -> KKTView:
        """The KKT system: ``print(layer.kkt)``, ``.latex()``, ``.lowered``, ``.residual(sol, **params)``."""
        return KKTView(self)

    def sensitivity(self, sol: Solution, params: dict[str, Any] | None = None, /, **kwargs: Any) -> dict:
        """∂(optimal objective)/∂θ for every parameter, by the envelope theorem.

        At a solution the derivative of the optimal value is the partial
        derivative of the Lagrangian f + λᵀg + νᵀh in θ (negated for
        ``maximize``, whose objective kktc minimizes negated). No solve and no
        linear system: one gradient.
        """
        theta, bindings, dtype = self._validate({**(params or {}), **kwargs})
        key = (tuple(sorted(bindings.items())), jnp.dtype(dtype).name)
        if key not in self._sensitivities:
            c = self.program.canonical(bindings)
            sign = -1.0 if self.program.lowered.sense == "maximize" else 1.0

            def envelope(w, t):
                z, lam, nu = w
                grads = jax.grad(lambda t: c.f(z, t) + lam @ c.g(z, t) + nu @ c.h(z, t))(t)
                return {name: sign * g for name, g in grads.items()}

            self._sensitivities[key] = jax.jit(envelope)
        return self._sensitivities[key](tuple(jnp.asarray(x, dtype) for x in sol.kkt_point), theta)

    # --- parameter validation (outside of tracing) --------------------------
    def _validate(self, params: dict[str, Any]) -> tuple[dict[str, jax.Array], dict[str, int], Any]:
        expected = set(self.program.parameters)
        missing = sorted(expected - set(params))
        extra = sorted(set(params) - expected)
        if missing:
            decl = ", ".join(self.program.describe(n) for n in missing)
            raise ParameterError(f"missing parameter(s): {decl}")
        if extra:
            raise ParameterError(
                f"unknown parameter(s): {', '.join(extra)}; the problem's parameters are "
                f"{', '.join(self.program.parameters) or 'none'}"
            )
        arrays, weak = {}, set()
        for name, value in params.items():
            if not hasattr(value, "dtype"):
                weak.add(name)  # Python numbers and lists follow the other parameters' dtype
                try:
                    value = np.asarray(value)
                except Exception:
                    raise ParameterError(f"parameter '{name}' is not an array: {value!r}") from None
            kind = np.dtype(value.dtype).kind
            if kind not in "fiu":
                raise ParameterError(
                    f"parameter '{name}' has dtype {value.dtype}; kktc needs real numbers "
                    f"(declared {self.program.describe(name)})"
                )
            arrays[name] = value
        floats = [v.dtype for k, v in arrays.items() if np.dtype(v.dtype).kind == "f" and k not in weak]
        dtype = jax.dtypes.canonicalize_dtype(np.result_type(*floats) if floats else jnp.result_type(float))
        arrays = {k: jnp.asarray(v, dtype=dtype) for k, v in arrays.items()}
        for name, value in arrays.items():
            self._check_attributes(name, value)
        try:
            bindings = self.program.infer_dims({k: tuple(v.shape) for k, v in arrays.items()})
        except ShapeError as exc:
            raise ParameterError(exc.message) from None
        return arrays, bindings, dtype

    def _check_attributes(self, name: str, value: jax.Array) -> None:
        """Declared signs and symmetry, checked on concrete values (traced values are the caller's promise)."""
        if isinstance(value, jax.core.Tracer):
            return
        declared = self.program.problem.parameters[name]
        v = np.asarray(value)
        bad = None
        if declared.nonneg and np.any(v < 0):
            bad = "nonneg, but it has a negative entry"
        elif declared.nonpos and np.any(v > 0):
            bad = "nonpos, but it has a positive entry"
        elif (declared.symmetric or declared.psd) and v.ndim == 2 and not np.allclose(v, v.T, rtol=1e-6, atol=1e-8):
            bad = f"{'psd' if declared.psd else 'symmetric'}, but it is not symmetric"
        elif declared.psd and v.ndim == 2 and _negative_curvature(v):
            bad = "psd, but it has a negative eigenvalue"
        if bad:
            raise ParameterError(f"parameter '{name}' is declared {bad} (declared {self.program.describe(name)})")

    def __call__(self, params: dict[str, Any] | None = None, /, *, warm_start: Solution | None = None,
                 **kwargs: Any) -> Solution:
        given = {**(params or {}), **kwargs}
        theta, bindings, dtype = self._validate(given)
        start = () if warm_start is None else tuple(jnp.asarray(x, dtype) for x in warm_start.kkt_point)
        # XLA options reach only a jit that no other transformation stages (see ``_compile``)
        traced = any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves((theta, start)))
        sol = self._function(bindings, jnp.dtype(dtype), top_level=not traced)(theta, start)
        if self.check and not isinstance(sol.status, jax.core.Tracer):
            sol.raise_on_failure()
        return sol

    # --- one compiled function per binding and dtype -------------------------
    def _function(self, bindings: dict[str, int], dtype, top_level: bool):
        key = (tuple(sorted(bindings.items())), dtype.name, top_level)
        if key not in self._compiled:
            build = self._build(self.program.canonical(bindings), dtype)
            self._compiled[key] = jit(build) if top_level else jax.jit(build)
        return self._compiled[key]

    def _build(self, c: Canonical, dtype):
        tol, reg, inf_tol, delta = DEFAULTS[dtype.itemsize]
        tol = self.tol or tol
        n = c.variables.size
        max_iter = self.max_iter
        if c.quadratic:
            solver = QPInteriorPoint(tol, reg, inf_tol, chain_pairs(c))
            prepare = lambda theta: solver.setup(extract(c.f, c.g, c.h, n, theta, dtype))  # noqa: E731
        else:
            solver = SmoothInteriorPoint(c.f, c.g, c.h, n, c.positive, dtype, tol, reg, inf_tol)
            prepare = lambda theta: theta  # noqa: E731

        def solve(theta, start):
            data = prepare(theta)
            state = solver.warm(data, start) if start else None
            out = run(solver, data, max_iter, state)
            return out.w, (out.status, out.iterations, out.residual)

        solution_map = implicit(solve, kkt_residual(c), delta)
        sign = -1.0 if self.program.lowered.sense == "maximize" else 1.0

        def objective(z, lam, nu, theta):
            # The value as written, differentiated as the Lagrangian along the solution: equal at an
            # optimum (envelope theorem), but the Lagrangian's first derivative does not depend on
            # how well the implicit solve resolved dz at a degenerate point (∂L/∂z = 0 there).
            lagrangian = c.f(z, theta) + lam @ c.g(z, theta) + nu @ c.h(z, theta)
            moving = lagrangian - jax.lax.stop_gradient(lagrangian)
            return jax.lax.stop_gradient(c.value(z, theta)) + sign * moving

        slots = self.program.dual_slots(c)
        user_blocks = c.variables.blocks[: len(self.program.variables)]

        def layer(theta, start):
            w, (status, iterations, residual) = solution_map(theta, start)
            z, lam, nu = w
            variables = {b.name: b.take(z) for b in user_blocks}
            duals = {}
            for name, group in slots.items():
                values = tuple(
                    (c.equalities if s.equality else c.inequalities).blocks[s.block].take(nu if s.equality else lam)
                    for s in group
                )
                duals[name] = values[0] if len(values) == 1 else values
            return Solution(variables, duals, objective(z, lam, nu, theta), status, iterations, residual, w)

        return layer

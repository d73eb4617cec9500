"""Solution: the pytree a layer returns."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from .._errors import KktcError
from ._status import Status


class SolveError(KktcError, RuntimeError):
    """A solve did not reach status SOLVED (raised outside of jit on request)."""

    kind = "solve failed"


@jax.tree_util.register_pytree_node_class
class Solution:
    """The optimum of one (or a batch of) problem(s).

    Attributes:
        variables: variable values by name, in their declared shapes (``sol.x`` and ``sol["x"]`` also work).
        duals: multipliers by constraint name; a tuple for a name that covers several constraints
            (a chain ``a <= x <= b``, or a list under one name), in source order. Signs follow
            CVXPY: an inequality's multiplier is nonnegative, for ``minimize`` and ``maximize``
            alike; an equality ``lhs == rhs`` has the ν with ``∇f + … + ν ∇(lhs - rhs) = 0``,
            where f is the minimized objective (``-objective`` for ``maximize``). Attribute
            constraints are named ``x.nonneg`` (``-x <= 0``) and ``x.nonpos`` (``x <= 0``).
        objective: the optimal value of the objective as written.
        status: an integer array (``kc.Status``); 0 means solved.
        iterations: solver iterations taken.
        residual: the solver's final scaled residual.
        kkt_point: the raw primal-dual point (z, λ, ν) of the canonical form, for warm starts.

    A variable whose name clashes with an attribute is still reachable as ``sol["name"]``.
    """

    def __init__(self, variables, duals, objective, status, iterations, residual, w):
        self.variables = variables
        self.duals = duals
        self.objective = objective
        self.status = status
        self.iterations = iterations
        self.residual = residual
        self.kkt_point = w

    def tree_flatten(self):
        # dicts travel as value tuples with their names as static data: JAX would sort the keys,
        # and users expect declaration order
        children = (tuple(self.variables.values()), tuple(self.duals.values()), self.objective, self.status,
                    self.iterations, self.residual, self.kkt_point)
        return children, (tuple(self.variables), tuple(self.duals))

    @classmethod
    def tree_unflatten(cls, names, children):
        variables, duals, *rest = children
        return cls(dict(zip(names[0], variables)), dict(zip(names[1], duals)), *rest)

    def __getattr__(self, name: str) -> Any:
        variables = self.__dict__.get("variables", {})
        if name in variables:
            return variables[name]
        raise AttributeError(f"the solution has no variable or attribute '{name}'")

    def __getitem__(self, name: str) -> Any:
        return self.variables[name]

    def raise_on_failure(self) -> Solution:
        """Raise :class:`SolveError` unless every status is SOLVED (call outside of jit)."""
        codes = np.atleast_1d(np.asarray(self.status))
        bad = codes[codes != Status.SOLVED]
        if bad.size:
            first = Status(int(bad[0]))
            count = f"{bad.size} of {codes.size} solves" if codes.size > 1 else "the solve"
            raise SolveError(f"{count} failed: {first.name}: {first.message}")
        return self

    def __repr__(self) -> str:
        names = ", ".join(self.variables)
        return f"Solution(status={self.status}, objective={self.objective}, variables=[{names}])"

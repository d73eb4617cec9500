"""The one generic solver driver: owns the while_loop, the iteration cap, the non-finite check and the status."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import jax
import jax.numpy as jnp

from ._reductions import all_finite
from ._packing import select, while_loop
from ._status import Status

RUNNING = -1
FINISH = -2  # stop iterating and finish now (see ``run``)


class Solver(Protocol):
    """A solver is four pure functions over a state pytree; it never raises inside traced code."""

    def init(self, data: Any) -> Any:
        """The starting state."""

    def step(self, state: Any, data: Any) -> Any:
        """One iteration."""

    def finish(self, state: Any, data: Any) -> Any:
        """The state once iterating has stopped: a last improvement, if the solver has one.

        After it, ``check`` must not answer FINISH again.
        """

    def check(self, state: Any, data: Any) -> tuple[jax.Array, jax.Array]:
        """(status code, RUNNING or FINISH, scaled residual) of a state."""

    def result(self, state: Any, data: Any) -> tuple[jax.Array, jax.Array, jax.Array]:
        """(z, λ, ν) of a state."""


class Outcome(NamedTuple):
    w: tuple[jax.Array, jax.Array, jax.Array]
    status: jax.Array
    iterations: jax.Array
    residual: jax.Array


def _finite(tree: Any) -> jax.Array:
    leaves = [x for x in jax.tree_util.tree_leaves(tree) if jnp.issubdtype(x.dtype, jnp.inexact)]
    return all_finite(*leaves) if leaves else jnp.array(True)


def run(solver: Solver, data: Any, max_iter: int, state: Any | None = None) -> Outcome:
    """Iterate ``solver`` from ``state`` (or its own start) until it reports a status, then finish.

    A solver may stop iterating early with FINISH: its finish step (a polish) may then solve the
    problem outright; where it does not, iterating resumes. The loop runs in rounds, one while_loop
    inside another, so that the step is compiled once.
    """
    state = solver.init(data) if state is None else state
    status, residual = solver.check(state, data)

    def iterating(carry):
        _, k, status, _ = carry
        return (status == RUNNING) & (k < max_iter)

    def body(carry):
        state, k, _, last_residual = carry
        new = solver.step(state, data)
        status, residual = solver.check(new, data)
        ok = _finite(new) & jnp.isfinite(residual)
        status = jnp.where(ok, status, Status.NUMERICAL_ERROR)
        # keep the last finite iterate so that outputs stay finite
        new = select(ok, new, state)
        return new, k + 1, status, jnp.where(ok, residual, last_residual)

    def another_round(carry):
        _, k, status, _, rounds = carry
        return (rounds == 0) | ((status == RUNNING) & (k < max_iter))

    def round_(carry):
        state, k, status, residual, rounds = carry
        state, k, status, residual = while_loop(iterating, body, (state, k, status, residual))
        finished = solver.finish(state, data)
        last, last_residual = solver.check(finished, data)
        # finishing may solve what iterating could not; it never overturns a certificate or an error
        open_ = (status == RUNNING) | (status == FINISH) | (status == Status.INACCURATE)
        # a finish that reopens the solve (a restart) resumes iterating
        status = jnp.where((status == FINISH) | (open_ & (last == RUNNING)), last, status)
        status = jnp.where(open_ & (last == Status.SOLVED), Status.SOLVED, status)
        return finished, k, status, last_residual, rounds + 1

    start = (state, jnp.array(0, jnp.int32), status, residual, jnp.array(0, jnp.int32))
    state, k, status, residual, _ = while_loop(another_round, round_, start)
    status = jnp.where(status == RUNNING, Status.MAX_ITERATIONS, status).astype(jnp.int32)
    return Outcome(solver.result(state, data), status, k, residual)

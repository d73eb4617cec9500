"""Solver status codes: an integer array in every Solution, with a message per code."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    """How a solve ended. ``SOLVED`` is 0; every other code is a failure."""

    SOLVED = 0
    MAX_ITERATIONS = 1
    PRIMAL_INFEASIBLE = 2
    DUAL_INFEASIBLE = 3
    NUMERICAL_ERROR = 4
    INACCURATE = 5

    @property
    def message(self) -> str:
        return MESSAGES[self]


MESSAGES = {
    Status.SOLVED: "solved to the requested tolerance",
    Status.MAX_ITERATIONS: "stopped at the iteration limit before reaching the tolerance (raise max_iter)",
    Status.PRIMAL_INFEASIBLE: "the constraints cannot all hold: the problem is primal infeasible",
    Status.DUAL_INFEASIBLE: "the objective is unbounded (dual infeasible)",
    Status.NUMERICAL_ERROR: "the solver met a non-finite value or a singular system",
    Status.INACCURATE: "stopped short of the tolerance: the answer is only approximate",
}

"""compile / load / parse: from a problem (or its text) to a Layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .compiler import Program
from .dsl import Problem, parse_problem, read_problem
from .runtime import Layer


def compile(problem: Problem, *, nonconvex: bool = False, **options: Any) -> Layer:  # noqa: A001
    """Compile a problem to a differentiable layer.

    Args:
        problem: a :class:`kktc.Problem`.
        nonconvex: accept a non-DCP problem (not supported by the solvers yet).
        **options: dims to bind (``n=10``) and layer options: ``solver``, ``tol``,
            ``max_iter``, ``backward``, ``check``.

    >>> import kktc as kc
    >>> x = kc.Variable(name="x")
    >>> layer = kc.compile(kc.Problem(kc.Minimize(kc.square(x - 3))))
    """
    layer_keys = {"solver", "tol", "max_iter", "backward", "check"}
    layer_options = {k: v for k, v in options.items() if k in layer_keys}
    dims = {k: v for k, v in options.items() if k not in layer_keys}
    return Layer(Program(problem, dims, nonconvex=nonconvex), **layer_options)


def load(path: str | Path, **options: Any) -> Layer:
    """Read a ``.kkt`` file and compile it (see :func:`compile` for the options)."""
    return compile(read_problem(path), **options)


def parse(text: str, **options: Any) -> Layer:
    """Compile ``.kkt`` text (see :func:`compile` for the options)."""
    return compile(parse_problem(text), **options)

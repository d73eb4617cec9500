"""The ``kktc`` command line.

One function per subcommand, each taking the parsed arguments and returning the
exit code: 0 on success, 1 when a solve ends without reaching SOLVED (the
printed status says why), 2 on bad input. Every error becomes one readable
message on stderr, never a traceback.

Commands::

    kktc check FILE... [--dim n=10]...           what each file declares
    kktc kkt   FILE [--latex | --lowered]        the KKT system, its LaTeX, or the lowered problem
    kktc kkt   FILE --data PARAMS [--spy PIC]    ... then solve: F at the solution; a picture of ∂F/∂w
    kktc solve FILE --data PARAMS [--param NAME=VALUE]... [--dim NAME=SIZE]... [--json] [--sensitivity]

Parameter values come from ``--data`` (a ``.npz`` written by ``numpy.savez``, or
a ``.json`` object mapping each name to a number or a nested list) and from
``--param NAME=VALUE`` (a number or a JSON list), which overrides the file.
The command line computes in float64 unless a ``.npz`` holds float32 arrays.

``kktc solve --json`` prints one JSON object::

    {
      "file": "examples/lasso.kkt",
      "status": "SOLVED",                   # a kc.Status name
      "status_code": 0,                     # its integer; the exit code is 0 exactly when this is 0
      "message": "solved to the requested tolerance",
      "objective": 0.53,                    # the objective as written (the maximum for maximize)
      "iterations": 7,
      "residual": 2.1e-11,                  # the solver's final scaled KKT residual
      "dtype": "float64",
      "dims": {"m": 6, "n": 3},             # every dim, as bound by --dim or inferred from the data
      "solve_time_s": 0.0004,               # second call: the compiled solve alone
      "first_call_time_s": 0.9,             # first call: trace, compile and solve
      "variables": {"x": [0.1, 0.0, -0.1]}, # in the declared shapes: nested lists, a number for a scalar
      "duals": {"box": [[...], [...]], "c2": [0.2]},  # per constraint name, always a list with one
                                            # entry per constraint under that name, in source order
      "sensitivity": {"lam": 0.7, ...}      # only with --sensitivity: ∂objective/∂θ, shaped like θ
    }

Non-finite numbers (NaN, ±inf) are written as ``null``, so the output is strict JSON.

>>> main(["check", "examples/lasso.kkt"])  # doctest: +SKIP
0
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Sequence

import numpy as np

from ._cli_solve import compile_layer, gather, json_report, param_binding, residual_report, solve, text_report
from ._cli_spy import check_target, save_spy
from ._errors import KktcError
from .dsl import read_problem

EXIT_OK, EXIT_NOT_SOLVED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE
INTERNAL_ERROR = (
    "kktc: internal error while {action} {file}: {kind}: {error}\n"
    "This is a bug in kktc, not in your file; please report it with the file attached."
)

UNKNOWN_DIM = "{file}: --dim {dim}: the file declares no such dim (its dims: {declared})"


class _UsageError(Exception):
    """A command line argparse rejects; reported as one line, not argparse's exit."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise _UsageError(message)


def _dim_binding(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not (sep and name.isidentifier() and value.strip().isdigit()):
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=SIZE with SIZE a non-negative integer")
    return name, int(value)


def _error_message(exc: Exception, path: str, action: str) -> str:
    """One readable message for what went wrong while ``action`` (e.g. "solving") ``path``."""
    if isinstance(exc, KktcError):
        return str(exc) if exc.span is not None else f"error: {exc}"
    if isinstance(exc, RecursionError):
        return f"error: {path}: the expressions are nested too deeply to analyse"
    return INTERNAL_ERROR.format(action=action, file=path, kind=type(exc).__name__, error=exc)


def _guarded(path: str, action: str, body: Callable[[], int]) -> int:
    """Run a command's body; any error becomes one message on stderr and exit 2 (a closed pipe stays one)."""
    try:
        return body()
    except BrokenPipeError:
        raise
    except Exception as exc:  # a bug in kktc must still not show a traceback
        print(_error_message(exc, path, action), file=sys.stderr)
        return EXIT_BAD_INPUT


def _read(path: str, bound: dict[str, int]):
    """The DCP problem in ``path``, refusing a --dim it does not declare (all before JAX is imported)."""
    problem = read_problem(path)
    unknown = sorted(set(bound) - set(problem.dims))
    if unknown:
        declared = ", ".join(problem.dims) or "none"
        raise KktcError(UNKNOWN_DIM.format(file=path, dim=unknown[0], declared=declared))
    problem.check_dcp()
    return problem


# --- kktc check ----------------------------------------------------------------------------------


def _shape(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]" if shape else "scalar"


def _symbols(table) -> list[str]:
    rows = [(name, _shape(s.shape), " ".join(s.attrs)) for name, s in table.items()]
    w1, w2 = (max((len(r[i]) for r in rows), default=0) for i in (0, 1))
    return [f"{name:<{w1}}  {shape:<{w2}}  {attrs}".rstrip() for name, shape, attrs in rows]


def _dims(problem, bound: dict[str, int]) -> list[str]:
    out = []
    for name, dim in problem.dims.items():
        if name in bound:
            out.append(f"{name} = {bound[name]} (--dim)")
        elif dim.default is not None:
            out.append(f"{name} = {dim.default} (default)")
        else:
            out.append(name)
    return [", ".join(out)] if out else []


def _constraints(problem) -> list[str]:
    width = max((len(name) for name in problem.constraints), default=0)
    lines = []
    for name, group in problem.constraints.items():
        for i, c in enumerate(group):
            lines.append(f"{name if i == 0 else '':<{width}}  {c}")
    return lines


def _report(path: str, problem, bound: dict[str, int]) -> str:
    sections = [
        ("dims", _dims(problem, bound)),
        ("parameters", _symbols(problem.parameters)),
        ("variables", _symbols(problem.variables)),
        ("constraints", _constraints(problem)),
        ("objective", [f"{problem.objective.sense} {problem.objective.expr}"]),
        ("curvature", [problem.curvature.value]),
        ("class", [problem.problem_class]),
    ]
    lines = [path]
    for title, body in sections:
        for i, line in enumerate(body or ["none"]):
            lines.append(f"  {title if i == 0 else '':<12} {line}")
    return "\n".join(lines)


def _check_one(path: str, bound: dict[str, int]) -> tuple[str | None, str | None]:
    """The report for one file, or the error message; never raises on bad input."""
    try:
        problem = _read(path, bound)
        return _report(path, problem, bound), None
    except Exception as exc:  # a bug in kktc must still not show a traceback
        return None, _error_message(exc, path, "checking")


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="a .kkt problem file")
    parser.add_argument(
        "--dim", action="append", default=[], type=_dim_binding, metavar="NAME=SIZE", help="bind a dim"
    )


def check_command(args: argparse.Namespace) -> int:
    """``kktc check FILE...``: print what each file declares, or why it is rejected."""
    bound = dict(args.dim)
    status = EXIT_OK
    for i, path in enumerate(args.files):
        report, error = _check_one(path, bound)
        if report is not None:
            print(("\n" if i else "") + report)
        else:
            print(error, file=sys.stderr)
            status = EXIT_BAD_INPUT
    return status


# --- shared by kkt and solve ---------------------------------------------------------------------


def _data_arguments(parser: argparse.ArgumentParser, required_help: str) -> None:
    parser.add_argument("file", metavar="FILE", help="a .kkt problem file")
    parser.add_argument(
        "--data", metavar="PARAMS", help=".npz or .json file of parameter values" + required_help
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        type=param_binding,
        metavar="NAME=VALUE",
        help="set (or override) a parameter: a number or a JSON list, e.g. --param lam=0.1",
    )
    parser.add_argument(
        "--dim", action="append", default=[], type=_dim_binding, metavar="NAME=SIZE", help="bind a dim"
    )


# --- kktc kkt ------------------------------------------------------------------------------------


def _kkt_arguments(parser: argparse.ArgumentParser) -> None:
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--latex", action="store_true", help="print the system in LaTeX")
    form.add_argument("--lowered", action="store_true", help="print the lowered (canonical) problem instead")
    _data_arguments(parser, "; with it, also solve and show F at the solution")
    parser.add_argument(
        "--spy", metavar="PICTURE", help="also draw the nonzeros of ∂F/∂w at the solution (.png, .pdf, .svg)"
    )


def kkt_command(args: argparse.Namespace) -> int:
    """``kktc kkt FILE``: print the KKT system; with ``--data``, also solve and look at the numbers."""

    def body() -> int:
        if args.spy:
            check_target(args.spy)
        bound = dict(args.dim)
        problem = _read(args.file, bound)
        numeric = bool(args.spy or args.data or args.param)
        params = gather(args.file, problem, args.data, args.param) if numeric else None
        layer = compile_layer(problem, bound)
        view = layer.kkt
        text = view.latex() if args.latex else str(view.lowered) if args.lowered else str(view)
        if params is None:
            print(text)
            return EXIT_OK
        sol = layer(params)
        if args.spy:
            nonzeros = save_spy(view.jacobian(sol, params), args.spy, args.file)
        print(text + "\n\n" + residual_report(layer, sol, params))
        if args.spy:
            print(f"kktc: wrote {args.spy}: ∂F/∂w at this point has {nonzeros} nonzeros", file=sys.stderr)
        return EXIT_OK if int(sol.status) == 0 else EXIT_NOT_SOLVED

    return _guarded(args.file, "inspecting", body)


# --- kktc solve ----------------------------------------------------------------------------------


def _solve_arguments(parser: argparse.ArgumentParser) -> None:
    _data_arguments(parser, "")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (schema: README.md, 'Inspecting a problem')",
    )
    parser.add_argument(
        "--sensitivity", action="store_true", help="also print ∂objective/∂θ for every parameter"
    )


def solve_command(args: argparse.Namespace) -> int:
    """``kktc solve FILE --data PARAMS``: solve once, print the solution; exit 1 unless it is SOLVED."""

    def body() -> int:
        bound = dict(args.dim)
        problem = _read(args.file, bound)
        params = gather(args.file, problem, args.data, args.param)
        layer = compile_layer(problem, bound)
        outcome = solve(layer, params)
        sensitivity = layer.sensitivity(outcome.solution, params) if args.sensitivity else None
        if args.json:
            dims = layer.program.infer_dims({name: np.shape(v) for name, v in params.items()})
            print(json_report(args.file, problem, outcome, dims, sensitivity))
        else:
            print(text_report(args.file, problem, outcome, sensitivity))
        return EXIT_OK if outcome.solved else EXIT_NOT_SOLVED

    return _guarded(args.file, "solving", body)


# --- entry point ---------------------------------------------------------------------------------

#: Each subcommand: its one-line help, a function adding its arguments, and the function running it.
COMMANDS = {
    "check": (
        "parse and analyse problem files: dims, parameters, variables, curvature, class",
        _check_arguments,
        check_command,
    ),
    "kkt": (
        "print a problem's KKT system (or its LaTeX, or the lowered problem); --spy draws ∂F/∂w",
        _kkt_arguments,
        kkt_command,
    ),
    "solve": (
        "solve a problem for parameter values from --data/--param; print or --json the solution",
        _solve_arguments,
        solve_command,
    ),
}


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kktc", description="Optimization problems as differentiable JAX functions.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        command = subparsers.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        command.set_defaults(run=run)
    return parser


def _usage_error(message: str) -> int:
    print(f"kktc: error: {message} (see 'kktc --help')", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kktc`` command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    for stream in (sys.stdout, sys.stderr):  # a file name or source line must not fail on an ASCII terminal
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if not argv:
        return _usage_error("no command given; try 'kktc check FILE.kkt'")
    if not argv[0].startswith("-") and argv[0] not in COMMANDS:
        return _usage_error(f"unknown command '{argv[0]}'; the commands are: {', '.join(COMMANDS)}")
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        return _usage_error(str(exc))
    except SystemExit as exc:  # --help prints and exits 0
        return int(exc.code or 0)
    if args.command is None:
        return _usage_error("no command given; try 'kktc check FILE.kkt'")
    try:
        return args.run(args)
    except BrokenPipeError:  # e.g. `kktc check *.kkt | head`: the reader left, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    raise SystemExit(main())

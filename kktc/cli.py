"""The ``kktc`` command line.

One function per subcommand, each taking the parsed arguments and returning the
exit code: 0 on success, 2 on bad input. Every kktc error becomes one readable
message on stderr, never a traceback.

>>> main(["check", "examples/lasso.kkt"])  # doctest: +SKIP
0
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from ._errors import KktcError
from .dsl import read_problem

EXIT_OK, EXIT_BAD_INPUT = 0, 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE
INTERNAL_ERROR = (
    "kktc: internal error while checking {file}: {kind}: {error}\n"
    "This is a bug in kktc, not in your file; please report it with the file attached."
)

UNKNOWN_DIM = "error: {file}: --dim {dim}: the file declares no such dim (its dims: {declared})"


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
        problem = read_problem(path)
        unknown = sorted(set(bound) - set(problem.dims))
        if unknown:
            declared = ", ".join(problem.dims) or "none"
            return None, UNKNOWN_DIM.format(file=path, dim=unknown[0], declared=declared)
        problem.check_dcp()
        return _report(path, problem, bound), None
    except KktcError as exc:
        return None, str(exc) if exc.span is not None else f"error: {exc}"
    except RecursionError:
        return None, f"error: {path}: the expressions are nested too deeply to analyse"
    except Exception as exc:  # a bug in kktc must still not show a traceback
        return None, INTERNAL_ERROR.format(file=path, kind=type(exc).__name__, error=exc)


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


# --- entry point ---------------------------------------------------------------------------------

#: Each subcommand: its one-line help, a function adding its arguments, and the function running it.
COMMANDS = {
    "check": (
        "parse and analyse problem files: dims, parameters, variables, curvature, class",
        _check_arguments,
        check_command,
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

"""What ``kktc solve`` and ``kktc kkt --data`` share: parameters, a timed solve, text and JSON.

Parameter values come from a data file and ``--param`` flags; the solution is printed as text or JSON.

Reading data needs only NumPy, so a bad data file or a missing parameter is reported before JAX is
imported; the layer itself checks shapes and types when it is called.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import DimError, KktcError

#: Arrays with more entries than this print as their first and last three items per axis, as NumPy does.
THRESHOLD = 24

NO_SUCH_DATA = "data file '{path}' not found"
DATA_SUFFIX = "data file '{path}': kktc reads .npz (numpy.savez) and .json files; this one ends in '{suffix}'"
UNREADABLE = "cannot read data file '{path}': {reason}"
NOT_AN_OBJECT = "data file '{path}' must hold one JSON object mapping parameter names to values, not a {kind}"
NOT_NUMBERS = "{source}: '{name}' is not a number or a rectangular nested list of numbers: {value}"
UNKNOWN_PARAMETER = "{source}: '{name}' is not a parameter of {file} (its parameters: {declared})"
PYTHON_DIM_HINT = r"when compiling, e\.g\. kc\.load\(path, (\w+)=(\d+)\)"
MISSING = "{file} needs parameter(s) {names}; give them in a --data file or as --param NAME=VALUE"


class DataError(KktcError):
    """A data file or a ``--param`` value that cannot become the problem's parameters."""

    kind = "data error"


# --- parameter values ------------------------------------------------------------------------------


def _numbers(raw: Any, name: str, source: str) -> np.ndarray:
    """A JSON value as a float array; strings, booleans, nulls and ragged lists are refused."""
    try:
        array = np.asarray(raw)
    except ValueError:  # a ragged list
        array = None
    if array is None or array.dtype.kind not in "iuf":
        shown = json.dumps(raw, default=str)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise DataError(NOT_NUMBERS.format(source=source, name=name, value=shown))
    return array.astype(np.float64)


def param_binding(text: str) -> tuple[str, np.ndarray]:
    """``--param NAME=VALUE``: VALUE a number (``0.1``, ``inf``) or a JSON list (``[1, 2]``)."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not (sep and name.isidentifier() and value.strip()):
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=VALUE with VALUE a number or a JSON list")
    try:
        raw = json.loads(value)
    except json.JSONDecodeError:
        try:
            raw = float(value)  # also inf, -inf, nan, which JSON spells differently
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"'{text}': '{value}' is neither a number nor a JSON list such as [1, 2.5]"
            ) from None
    try:
        return name, _numbers(raw, name, "--param")
    except DataError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _read_json(path: Path) -> dict[str, np.ndarray]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(UNREADABLE.format(path=path, reason=f"invalid JSON at line {exc.lineno}: {exc.msg}"))
    except UnicodeDecodeError:
        raise DataError(UNREADABLE.format(path=path, reason="it is not UTF-8 text")) from None
    if not isinstance(content, dict):
        raise DataError(NOT_AN_OBJECT.format(path=path, kind=type(content).__name__))
    return {name: _numbers(value, name, str(path)) for name, value in content.items()}


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):  # NumPy tries pickle last, and refuses it
        raise DataError(UNREADABLE.format(path=path, reason="it is not a NumPy .npz archive")) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(
            UNREADABLE.format(path=path, reason="it holds one unnamed array (.npy), not named arrays")
        )
    with archive:
        try:
            return {name: archive[name] for name in archive.files}
        except ValueError:
            reason = "it holds Python objects, not numeric arrays"
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            reason = f"the archive is damaged ({exc})"
    raise DataError(UNREADABLE.format(path=path, reason=reason))


def read_data(path_text: str) -> dict[str, np.ndarray]:
    """The named arrays of a ``.npz`` or ``.json`` data file."""
    path = Path(path_text)
    if not path.exists():
        raise DataError(NO_SUCH_DATA.format(path=path))
    if path.is_dir():
        raise DataError(UNREADABLE.format(path=path, reason="it is a directory"))
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".npz":
        return _read_npz(path)
    raise DataError(DATA_SUFFIX.format(path=path, suffix=suffix or "(no suffix)"))


def gather(file: str, problem, data_path: str | None, overrides: list[tuple[str, np.ndarray]]) -> dict:
    """The parameters for ``problem``: the data file's, then ``--param`` values on top.

    Raises DataError naming the source of an unknown name, or every missing parameter.
    """
    declared = list(problem.parameters)
    listing = ", ".join(declared) or "none"
    params: dict[str, np.ndarray] = {}
    sources = ([(data_path, read_data(data_path).items())] if data_path else []) + [("--param", overrides)]
    for source, items in sources:
        for name, value in items:
            if name not in problem.parameters:
                raise DataError(
                    UNKNOWN_PARAMETER.format(source=source, name=name, file=file, declared=listing)
                )
            params[name] = value
    missing = [name for name in declared if name not in params]
    if missing:
        names = ", ".join(_declaration(problem, name) for name in missing)
        raise DataError(MISSING.format(file=file, names=names))
    return params


def _declaration(problem, name: str) -> str:
    shape = problem.parameters[name].shape
    return f"{name}[{', '.join(str(s) for s in shape)}]" if shape else f"{name} (a scalar)"


# --- the layer ------------------------------------------------------------------------------------


def compile_layer(problem, bound: dict[str, int]):
    """The layer, computing in float64 unless the data says otherwise (JAX's default is float32)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    from ._entry import compile as compile_problem

    try:
        return compile_problem(problem, **bound)
    except DimError as exc:  # its fix names the Python call; say the flag instead
        if exc.hint:
            exc.hint = re.sub(PYTHON_DIM_HINT, r"with --dim \1=\2", exc.hint)
        raise


# --- one timed solve ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """A solution with its timings: the first call traces, compiles and solves; the second only solves."""

    solution: Any
    first_call_s: float
    solve_s: float

    @property
    def solved(self) -> bool:
        return int(self.solution.status) == 0


def solve(layer, params: dict[str, np.ndarray]) -> Outcome:
    """Call the layer twice and time both calls to the end of the computation."""
    import jax

    times, solution = [], None
    for _ in range(2):
        start = time.perf_counter()
        solution = jax.block_until_ready(layer(params))
        times.append(time.perf_counter() - start)
    return Outcome(solution, *times)


# --- text ------------------------------------------------------------------------------------------


def _array_text(value) -> str:
    return np.array2string(
        np.asarray(value), precision=6, threshold=THRESHOLD, edgeitems=3, max_line_width=100
    )


def _table(rows: list[tuple[str, Any]]) -> list[str]:
    """``label  value`` lines, a multi-line array indented under its first line."""
    width = max((len(label) for label, _ in rows), default=0)
    lines = []
    for label, value in rows:
        first, *rest = _array_text(value).splitlines()
        lines.append(f"  {label:<{width}}  {first}")
        lines.extend(f"  {'':<{width}}  {line}" for line in rest)
    return lines


def _seconds(s: float) -> str:
    return f"{s:.3g} s" if s >= 0.1 else f"{s * 1e3:.3g} ms"


def _in_order(names, values: dict) -> list[tuple[str, Any]]:
    """``values`` in declaration order (a jitted function returns its dicts sorted by key)."""
    return [(name, values[name]) for name in names if name in values]


def _per_constraint(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _dual_rows(problem, duals: dict) -> list[tuple[str, Any]]:
    return [
        (f"{name}: {constraint}", v)
        for name, value in _in_order(problem.constraints, duals)
        for constraint, v in zip(problem.constraints[name], _per_constraint(value))
    ]


def text_report(file: str, problem, outcome: Outcome, sensitivity: dict | None) -> str:
    """What ``kktc solve`` prints: a summary, then variables, duals and (on request) sensitivities."""
    from .runtime import Status

    sol = outcome.solution
    status = Status(int(sol.status))
    summary = [
        ("status", f"{status.name} ({status.message})"),
        ("objective", f"{float(sol.objective):.10g}"),
        ("iterations", str(int(sol.iterations))),
        ("residual", f"{float(sol.residual):.3g} (the solver's scaled KKT residual)"),
        ("dtype", str(np.asarray(sol.objective).dtype)),
        (
            "time",
            f"{_seconds(outcome.first_call_s)} first call (trace, compile and solve), "
            f"{_seconds(outcome.solve_s)} solve alone (second call, compiled)",
        ),
    ]
    lines = [file] + [f"  {title:<12} {text}" for title, text in summary]
    lines += ["variables"] + _table(_in_order(problem.variables, sol.variables))
    if sol.duals:
        lines += ["duals"] + _table(_dual_rows(problem, sol.duals))
    if sensitivity is not None:
        lines += ["sensitivity ∂objective/∂θ"] + _table(_in_order(problem.parameters, sensitivity))
    return "\n".join(lines)


def residual_report(layer, sol, params) -> str:
    """F(w, θ) at ``sol``, the largest entry of each block (``kktc kkt --data``)."""
    from .runtime import Status

    status = Status(int(sol.status))
    residual = layer.kkt.residual(sol, params)
    where = "the solution" if status == Status.SOLVED else "the last iterate (the solve did not succeed)"
    head = f"F(w, θ) at {where} ({status.name}, {int(sol.iterations)} iterations), largest |entry| per block:"
    return "\n".join([head] + [f"  {line}" for line in str(residual).splitlines()])


# --- JSON ------------------------------------------------------------------------------------------


def _finite(value) -> Any:
    """Nested lists of floats, with NaN and ±inf as null so that the output is strict JSON."""
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value if math.isfinite(value) else None


def _plain(value) -> Any:
    return _finite(np.asarray(value, dtype=np.float64).tolist())


def json_report(file: str, problem, outcome: Outcome, dims: dict, sensitivity: dict | None) -> str:
    """What ``kktc solve --json`` prints (the schema is in kktc/cli.py's docstring)."""
    from .runtime import Status

    sol = outcome.solution
    status = Status(int(sol.status))
    duals = _in_order(problem.constraints, sol.duals)
    report = {
        "file": file,
        "status": status.name,
        "status_code": int(status),
        "message": status.message,
        "objective": _plain(sol.objective),
        "iterations": int(sol.iterations),
        "residual": _plain(sol.residual),
        "dtype": str(np.asarray(sol.objective).dtype),
        "dims": dims,
        "solve_time_s": outcome.solve_s,
        "first_call_time_s": outcome.first_call_s,
        "variables": {name: _plain(v) for name, v in _in_order(problem.variables, sol.variables)},
        "duals": {name: [_plain(v) for v in _per_constraint(d)] for name, d in duals},
    }
    if sensitivity is not None:
        report["sensitivity"] = {name: _plain(v) for name, v in _in_order(problem.parameters, sensitivity)}
    return _layout(report)


def _layout(report: dict) -> str:
    """One key per line, and one line per variable, dual or parameter: a long array stays on its line."""

    def dump(value) -> str:
        return json.dumps(value, allow_nan=False, ensure_ascii=False)

    def entry(key: str, value, indent: str) -> str:
        if isinstance(value, dict) and value:
            inner = ",\n".join(entry(k, v, indent + "  ") for k, v in value.items())
            return f"{indent}{dump(key)}: {{\n{inner}\n{indent}}}"
        return f"{indent}{dump(key)}: {dump(value)}"

    return "{\n" + ",\n".join(entry(k, v, "  ") for k, v in report.items()) + "\n}"

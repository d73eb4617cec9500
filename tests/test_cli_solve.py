"""``kktc solve`` and ``kktc kkt``, run as a user runs them: a subprocess, its output, its exit code.

Exit codes: 0 solved, 1 solved to a status other than SOLVED, 2 bad input (one message, no traceback).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kktc._cli_solve import _plain, param_binding
from kktc.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LASSO = EXAMPLES / "lasso.kkt"
LASSO_DATA = EXAMPLES / "data" / "lasso.json"
SCHEMA = {
    "file", "status", "status_code", "message", "objective", "iterations", "residual", "dtype", "dims",
    "solve_time_s", "first_call_time_s", "variables", "duals",
}  # fmt: skip
INFEASIBLE = "param c\nvar x\nminimize x\nsubject to\n    floor: x >= c\n    ceiling: x <= 0\n"


def kktc(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "kktc.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result


def assert_one_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "error" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    """A lasso instance as arrays, and written as .npz and .json, with a few broken variants."""
    folder = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(3)
    values = {"A": rng.normal(size=(6, 3)), "b": rng.normal(size=6), "lam": np.float64(0.3)}
    np.savez(folder / "lasso.npz", **values)
    plain = {k: v.tolist() for k, v in values.items()}
    files = {
        "json": {**plain},
        "no_lam": {"A": plain["A"], "b": plain["b"]},
        "short_b": {**plain, "b": plain["b"][:5]},
        "extra": {**plain, "mu": 1.0},
        "ragged": {**plain, "A": [[1.0, 2.0], [3.0]]},
        "text": {**plain, "lam": "small"},
    }
    paths = {name: folder / f"{name}.json" for name in files}
    for name, content in files.items():
        paths[name].write_text(json.dumps(content))
    paths["npz"] = folder / "lasso.npz"
    (folder / "broken.json").write_text('{"A": [[1, 2]')
    (folder / "broken.npz").write_bytes(b"not a zip archive")
    (folder / "lasso.csv").write_text("A,b\n")
    (folder / "infeasible.kkt").write_text(INFEASIBLE)
    (folder / "c.json").write_text('{"c": 1}')
    return {"values": values, "dir": folder, **paths}


def lasso_objective(values: dict, x: np.ndarray) -> float:
    r = values["A"] @ x - values["b"]
    return 0.5 * float(r @ r) + float(values["lam"]) * float(np.abs(x).sum())


# --- solve: a solved problem -------------------------------------------------------------------------


def test_solve_prints_status_objective_time_variables_duals_and_sensitivity():
    result = kktc("solve", LASSO, "--data", LASSO_DATA, "--sensitivity")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == str(LASSO)
    out = result.stdout
    assert "  status       SOLVED (solved to the requested tolerance)" in out
    for row in ("objective", "iterations", "residual", "dtype        float64"):
        assert f"  {row}" in out
    assert "first call (trace, compile and solve)" in out and "solve alone (second call, compiled)" in out
    sections = [line for line in lines if not line.startswith(" ")]
    assert sections == [str(LASSO), "variables", "duals", "sensitivity ∂objective/∂θ"]
    assert any(line.startswith("  x  [") for line in lines)
    # the chained constraint has one row per comparison, in source order, then the unnamed equality
    duals = lines[lines.index("duals") + 1 : lines.index("sensitivity ∂objective/∂θ")]
    assert [line.split("  ")[1].strip() for line in duals] == [
        "box: -1 <= x",
        "box: x <= 1",
        "c2: sum(x) == 0",
    ]


def test_solve_json_schema_and_values(data):
    # the .npz data, with lam overridden on the command line
    result = kktc("solve", LASSO, "--data", data["npz"], "--param", "lam=0.2", "--json", "--sensitivity")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == SCHEMA | {"sensitivity"}
    assert (out["file"], out["status"], out["status_code"]) == (str(LASSO), "SOLVED", 0)
    assert out["message"] == "solved to the requested tolerance"
    assert out["dims"] == {"m": 6, "n": 3} and out["dtype"] == "float64"
    assert isinstance(out["iterations"], int) and out["iterations"] > 0
    assert 0 < out["solve_time_s"] and 0 < out["first_call_time_s"]
    assert out["residual"] < 1e-6
    x = np.array(out["variables"]["x"])
    assert x.shape == (3,) and abs(x.sum()) < 1e-8 and np.all(np.abs(x) <= 1 + 1e-8)
    values = {**data["values"], "lam": 0.2}
    assert out["objective"] == pytest.approx(lasso_objective(values, x), rel=1e-7)
    # duals: always one entry per constraint under the name
    assert [np.shape(d) for d in out["duals"]["box"]] == [(3,), (3,)]
    assert len(out["duals"]["c2"]) == 1 and isinstance(out["duals"]["c2"][0], float)
    # ∂objective/∂lam = ‖x‖₁ (envelope theorem), shaped like each parameter
    sensitivity = out["sensitivity"]
    assert sensitivity["lam"] == pytest.approx(np.abs(x).sum(), rel=1e-6)
    assert np.shape(sensitivity["A"]) == (6, 3) and np.shape(sensitivity["b"]) == (6,)


# --- solve: a problem that is not solved -------------------------------------------------------------


def test_infeasible_problem_exits_1_and_says_why(data, capsys):
    problem = data["dir"] / "infeasible.kkt"
    result = kktc("solve", problem, "--param", "c=1", "--json")
    assert result.returncode == 1, result.stderr
    out = json.loads(result.stdout)
    assert (out["status"], out["status_code"]) == ("PRIMAL_INFEASIBLE", 2)
    assert set(out) == SCHEMA
    assert list(out["duals"]) == ["floor", "ceiling"]  # source order
    # the text says why, too (in process: the same code, without a second JAX start-up)
    assert main(["solve", str(problem), "--data", str(data["dir"] / "c.json")]) == 1
    assert "status       PRIMAL_INFEASIBLE (the constraints cannot all hold" in capsys.readouterr().out


# --- bad input: one readable message, exit 2 -------------------------------------------------------


BAD_INPUT = {
    "missing data file": (["--data", "{dir}/nope.json"], ["data file", "nope.json", "not found"]),
    "data file is a folder": (["--data", "{dir}"], ["directory"]),
    "unknown data format": (["--data", "{dir}/lasso.csv"], [".npz", ".json", "'.csv'"]),
    "broken json": (["--data", "{dir}/broken.json"], ["cannot read data file", "invalid JSON"]),
    "broken npz": (["--data", "{dir}/broken.npz"], ["cannot read data file", "not a NumPy .npz archive"]),
    "ragged list": (["--data", "{dir}/ragged.json"], ["'A'", "rectangular nested list"]),
    "text value": (["--data", "{dir}/text.json"], ["'lam'", '"small"']),
    "parameter missing": (["--data", "{dir}/no_lam.json"], ["needs parameter(s) lam (a scalar)", "--param"]),
    "no data at all": ([], ["needs parameter(s) A[m, n], b[m], lam (a scalar)"]),
    "unknown name in data": (
        ["--data", "{dir}/extra.json"],
        ["extra.json: 'mu' is not a parameter", "A, b, lam"],
    ),
    "unknown --param": (
        ["--data", "{dir}/json.json", "--param", "mu=1"],
        ["--param: 'mu' is not a parameter"],
    ),
    "--param without value": (["--data", "{dir}/json.json", "--param", "lam"], ["--param", "NAME=VALUE"]),
    "--param not a number": (["--data", "{dir}/json.json", "--param", "lam=abc"], ["--param", "'abc'"]),
    "malformed --dim": (["--data", "{dir}/json.json", "--dim", "n=three"], ["--dim", "NAME=SIZE"]),
    "unknown --dim": (["--data", "{dir}/json.json", "--dim", "k=3"], ["--dim k", "m, n"]),
}


#: Caught by the layer when it is called, after JAX has started: checked in process, which is quicker.
BAD_SHAPES = {
    "wrong shape": (["--data", "{dir}/short_b.json"], ["parameter 'b' has shape (5,)", "b[m]"]),
    "wrong shape from --param": (["--data", "{dir}/json.json", "--param", "lam=[1, 2]"], ["'lam'", "(2,)"]),
    "--dim against the data": (["--data", "{dir}/json.json", "--dim", "n=4"], ["n = 3", "n = 4"]),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_solve_bad_input(case, data):
    args, fragments = BAD_INPUT[case]
    assert_one_error(kktc("solve", LASSO, *(a.format(dir=data["dir"]) for a in args)), *fragments)


@pytest.mark.parametrize("case", BAD_SHAPES)
def test_solve_bad_shapes(case, data, capsys):
    args, fragments = BAD_SHAPES[case]
    assert main(["solve", str(LASSO), *(a.format(dir=data["dir"]) for a in args)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: ")
    for fragment in fragments:
        assert fragment in captured.err


def test_solve_non_dcp_file(tmp_path):
    path = tmp_path / "nonconvex.kkt"
    path.write_text("var x\nminimize sqrt(square(x))\n")
    assert_one_error(kktc("solve", path), "nonconvex.kkt:2:", "not DCP")


def test_kkt_bad_input(data, tmp_path):
    assert_one_error(kktc("kkt", LASSO, "--latex", "--lowered"), "not allowed with")
    assert_one_error(kktc("kkt", tmp_path / "nope.kkt"), "no such file")
    # a picture that cannot be written is refused before solving
    unwritable = tmp_path / "no_such_folder" / "spy.png"
    assert_one_error(kktc("kkt", LASSO, "--data", data["json"], "--spy", unwritable), "no folder")
    assert_one_error(kktc("kkt", LASSO, "--data", data["json"], "--spy", tmp_path / "spy.xyz"), "png")


# --- kkt ---------------------------------------------------------------------------------------------


def test_kkt_prints_the_system_its_latex_and_the_lowered_problem(capsys):
    result = kktc("kkt", LASSO)
    assert result.returncode == 0, result.stderr
    for block in ("stationarity:", "primal feasibility:", "dual feasibility:", "complementary slackness:"):
        assert block in result.stdout
    assert "∂L/∂x      Aᵀ(A·x - b)" in result.stdout
    # the other two forms in process: the same code, without another JAX start-up
    assert main(["kkt", str(LASSO), "--latex"]) == 0
    latex = capsys.readouterr().out
    assert latex.startswith("\\begin{aligned}") and "\\textbf{complementary slackness}" in latex
    assert main(["kkt", str(LASSO), "--lowered"]) == 0
    lowered = capsys.readouterr().out
    assert "abs_1[n]  auxiliary, replaces abs(x)" in lowered
    assert "c2  sum(x) == 0" in lowered


def test_kkt_with_data_shows_the_residual_and_spy_writes_a_png(data, tmp_path):
    picture = tmp_path / "lasso.png"
    result = kktc("kkt", LASSO, "--data", data["npz"], "--spy", picture)
    assert result.returncode == 0, result.stderr
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {picture}" in result.stderr and "nonzeros" in result.stderr
    assert "stationarity:" in result.stdout
    assert "F(w, θ) at the solution (SOLVED" in result.stdout
    assert "complementarity  box,1: " in result.stdout


def test_spy_without_matplotlib_says_how_to_install_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    picture = tmp_path / "spy.png"
    assert main(["kkt", str(LASSO), "--data", str(LASSO_DATA), "--spy", str(picture)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "matplotlib" in captured.err and "pip install 'kktc[plot]'" in captured.err
    assert not picture.exists()


# --- the pieces, in process ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("lam=0.5", 0.5), ("lam=inf", np.inf), ("b=[1, 2.5]", [1.0, 2.5]), ("A=[[1], [2]]", [[1], [2]])],
)
def test_param_values(text, value):
    name, array = param_binding(text)
    assert name == text.split("=")[0]
    np.testing.assert_array_equal(array, value)
    assert array.dtype == np.float64


def test_json_writes_non_finite_numbers_as_null():
    assert _plain(np.array([1.0, np.inf, -np.inf, np.nan])) == [1.0, None, None, None]
    assert _plain(np.float64(np.nan)) is None

"""The command line, run as a user runs it: a subprocess, its output, its exit code, never a traceback."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kktc.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LASSO = EXAMPLES / "lasso.kkt"


def kktc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
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
    assert result.returncode == 2
    assert result.stdout == ""
    assert "error" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


# --- a good file ---------------------------------------------------------------------------------


def test_check_reports_what_the_file_declares():
    result = kktc("check", LASSO)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == str(LASSO)
    out = result.stdout
    assert "dims         m, n" in out
    for row in ("A    [m, n]", "b    [m]", "lam  scalar  nonneg", "x  [n]"):
        assert row in out
    # the chained comparison: two constraints under one name
    box = next(i for i, line in enumerate(lines) if "box" in line)
    assert lines[box].split() == ["constraints", "box", "-1", "<=", "x"]
    assert lines[box + 1].split() == ["x", "<=", "1"]
    assert "c2   sum(x) == 0" in out
    assert "objective    minimize 0.5 * sum_squares(A @ x - b) + lam * norm1(x)" in out
    assert "curvature    convex" in out
    assert "class        QP" in out


def test_check_shows_dim_defaults_bound_dims_and_attribute_constraints():
    result = kktc("check", EXAMPLES / "mpc.kkt", EXAMPLES / "portfolio.kkt", "--dim", "n=4")
    assert result.returncode == 0, result.stderr
    assert "n = 4 (--dim), p, T = 10 (default)" in result.stdout
    assert "Sigma  [n, n]  psd" in result.stdout
    assert "w.nonneg       0 <= w" in result.stdout
    assert "objective    maximize" in result.stdout
    assert "curvature    concave" in result.stdout


def test_check_every_example():
    files = sorted(EXAMPLES.glob("*.kkt"))
    result = kktc("check", *files)
    assert result.returncode == 0, result.stderr
    for f in files:
        assert f"{f}\n" in result.stdout


def test_console_script():
    script = shutil.which("kktc", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the kktc console script is not installed next to this Python")
    result = subprocess.run([script, "check", LASSO], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "class        QP" in result.stdout


def test_main_in_process(capsys):
    assert main(["check", str(LASSO)]) == 0
    assert "class        QP" in capsys.readouterr().out
    assert main(["check", str(EXAMPLES / "no_such.kkt")]) == 2
    assert "no such file" in capsys.readouterr().err


# --- bad input: one readable message, exit 2 ------------------------------------------------------


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_missing_file(tmp_path):
    assert_one_error(kktc("check", tmp_path / "nope.kkt"), "nope.kkt", "no such file")


def test_directory(tmp_path):
    assert_one_error(kktc("check", tmp_path), "directory")


def test_empty_file(tmp_path):
    assert_one_error(kktc("check", write(tmp_path, "empty.kkt", b"")), "empty.kkt:1:1: error:", "objective")


def test_binary_file(tmp_path):
    path = write(tmp_path, "model.kkt", bytes(range(256)))
    assert_one_error(kktc("check", path), "binary")


def test_non_utf8_file(tmp_path):
    path = write(tmp_path, "latin1.kkt", "var x  # café\nminimize x\n".encode("latin-1"))
    assert_one_error(kktc("check", path), "UTF-8")


def test_syntax_error_has_position_line_and_caret(tmp_path):
    path = write(tmp_path, "bad.kkt", b"var x[3]\nminimize sum(x +)\n")
    result = kktc("check", path)
    assert_one_error(result, "bad.kkt:2:")
    assert "minimize sum(x +)" in result.stderr
    assert "^" in result.stderr


def test_unknown_name_suggests(tmp_path):
    path = write(tmp_path, "typo.kkt", b"var x[3]\nminimize sum_squares(y)\n")
    assert_one_error(kktc("check", path), "typo.kkt:2:", "unknown name 'y'")


def test_non_dcp_file(tmp_path):
    path = write(tmp_path, "nonconvex.kkt", b"var x\nminimize sqrt(square(x))\n")
    assert_one_error(kktc("check", path), "nonconvex.kkt:2:", "not DCP")


def test_good_and_bad_files_together(tmp_path):
    result = kktc("check", LASSO, tmp_path / "nope.kkt")
    assert result.returncode == 2
    assert "class        QP" in result.stdout
    assert "no such file" in result.stderr


def test_unknown_subcommand():
    result = kktc("frobnicate", LASSO)
    assert_one_error(result, "frobnicate")
    assert len(result.stderr.strip().splitlines()) <= 2


def test_no_arguments():
    assert_one_error(kktc(), "no command")


def test_check_without_files():
    assert_one_error(kktc("check"), "FILE")


@pytest.mark.parametrize("binding", ["n", "n=", "n=ten", "n=-1", "1n=3"])
def test_malformed_dim_binding(binding):
    assert_one_error(kktc("check", LASSO, "--dim", binding), "--dim")


def test_dim_the_file_does_not_declare():
    assert_one_error(kktc("check", LASSO, "--dim", "k=3"), "--dim k", "m, n")


def test_help_exits_zero():
    result = kktc("--help")
    assert result.returncode == 0
    assert "check" in result.stdout


def test_deeply_nested_file_gives_a_message_not_a_crash(tmp_path):
    text = "var x[3]\nminimize " + " + ".join(["sum_squares(x)"] * 3000) + "\n"
    path = write(tmp_path, "long.kkt", text.encode())
    result = kktc("check", path)
    assert result.returncode in (0, 2)
    if result.returncode == 2:
        assert_one_error(result, "long.kkt")


def test_non_ascii_file_name_on_an_ascii_terminal(tmp_path):
    path = tmp_path / "modèle.kkt"
    shutil.copy(LASSO, path)
    result = subprocess.run(
        [sys.executable, "-m", "kktc.cli", "check", str(path)],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=120,
    )
    assert result.returncode == 0
    assert b"Traceback" not in result.stderr
    assert b"mod\\xe8le.kkt" in result.stdout


def test_reader_closing_the_pipe_early():
    files = [str(f) for f in sorted(EXAMPLES.glob("*.kkt"))]
    process = subprocess.Popen(
        [sys.executable, "-m", "kktc.cli", "check", *files],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    process.stdout.readline()
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert b"Traceback" not in stderr
    assert process.returncode in (0, 141)

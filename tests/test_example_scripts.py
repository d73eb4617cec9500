"""Every script in examples/ runs to completion: exit code 0 and no traceback.

Each script solves its problem, checks a gradient against finite differences and exits
non-zero when a solve or a check fails, so running it is the test. A script spends most of
its time in XLA compilation, which uses about one core, so the selected scripts are all
started at once, as many at a time as there are cores, and each test waits for its own.
"""

import ast
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROBLEMS = sorted(EXAMPLES.glob("*.kkt"))
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
# XLA:CPU once deadlocked on jit(vmap(while_loop)); the Makefile sets the same flag.
ENV = {**os.environ, "XLA_FLAGS": "--xla_cpu_enable_concurrency_optimized_scheduler=false"}
TIMEOUT_S = 280


def _run(script: Path, cwd: Path) -> subprocess.CompletedProcess:
    # Run from elsewhere: a script must find its .kkt file next to itself, not in the cwd.
    return subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=TIMEOUT_S
    )


@pytest.fixture(scope="module")
def started(request, tmp_path_factory) -> dict[str, Future]:
    selected = {
        item.callspec.params["script"]
        for item in request.session.items
        if item.module is request.module and "started" in item.fixturenames
    }
    cwd = tmp_path_factory.mktemp("examples_cwd")
    pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
    futures = {script.stem: pool.submit(_run, script, cwd) for script in sorted(selected)}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_example_script_runs(script, started):
    result = started[script.stem].result()
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{script.name} exited with {result.returncode}:\n{output[-4000:]}"
    assert "Traceback" not in output, f"{script.name} printed a traceback:\n{output[-4000:]}"


def test_every_problem_has_a_script():
    missing = [p.name for p in PROBLEMS if not p.with_suffix(".py").exists()]
    assert not missing, f"no example script for: {', '.join(missing)}"


def test_train_layer_script_exists():
    assert (EXAMPLES / "train_layer.py").exists()


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_example_script_says_what_it_shows(script):
    docstring = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")))
    assert docstring and len(docstring.splitlines()) >= 3, f"{script.name} needs a module docstring"

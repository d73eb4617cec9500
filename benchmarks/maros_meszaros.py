"""Maros–Meszaros: the 72 small convex QPs, solved by kktc through one generic .kkt file.

Each problem is loaded as parameters of benchmarks/problems/qp.kkt (±1e20 bounds become ±inf) and solved
in float64 with ``kc.load`` like any layer. A problem counts as solved when the status is SOLVED and
|f − f_ref| ≤ 1e-5·max(1, |f_ref|), f including the constant r (see the data README).

    python benchmarks/maros_meszaros.py [--problem NAME]... [--json out.json] [--max-iter 200]

The data folder comes from KKTC_DATA (default: ../shared/data next to the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_enable_concurrency_optimized_scheduler=false")

import jax  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)

import kktc as kc  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("KKTC_DATA", ROOT.parent / "shared" / "data")) / "maros_meszaros"
QP = ROOT / "benchmarks" / "problems" / "qp.kkt"
INFINITY = 1e20  # and entries within rounding of it (some files store 9.999999999999998e19)


def reference_optima() -> dict[str, float]:
    table = {}
    for line in (DATA / "reference_optima.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            try:
                table[parts[0].upper()] = float(parts[-1])
            except ValueError:
                continue
    return table


def file_to_table_name(name: str) -> str:
    """CVXQP1_S -> CVXQP1S, as the reference table writes it."""
    return name.replace("_", "")


def load(path: Path) -> tuple[dict[str, np.ndarray], float]:
    """The problem as qp.kkt parameters, and its constant r."""
    from scipy.io import loadmat

    data = loadmat(path)
    n = int(np.asarray(data["n"]).squeeze())
    P = data["P"].toarray().astype(float) if hasattr(data["P"], "toarray") else np.asarray(data["P"], float)
    A = data["A"].toarray().astype(float) if hasattr(data["A"], "toarray") else np.asarray(data["A"], float)
    lo = np.asarray(data["l"], float).ravel()
    hi = np.asarray(data["u"], float).ravel()
    lo[lo <= -0.99 * INFINITY] = -np.inf
    hi[hi >= 0.99 * INFINITY] = np.inf
    rows = A.shape[0] - n
    params = {
        "P": (P + P.T) / 2,
        "q": np.asarray(data["q"], float).ravel(),
        "C": A[:rows],
        "cl": lo[:rows],
        "cu": hi[:rows],
        "lb": lo[rows:],
        "ub": hi[rows:],
    }
    return params, float(np.asarray(data["r"]).squeeze())


def solve_one(layer, path: Path, reference: float | None) -> dict:
    params, r = load(path)
    start = time.perf_counter()
    try:
        sol = layer(**params)
        jax.block_until_ready(sol.objective)
    except kc.KktcError as exc:
        return {"problem": path.stem, "status": "ERROR", "message": str(exc).splitlines()[0]}
    first = time.perf_counter() - start
    start = time.perf_counter()
    sol = layer(**params)
    jax.block_until_ready(sol.objective)
    seconds = time.perf_counter() - start
    objective = float(sol.objective) + r
    status = kc.Status(int(sol.status)).name
    error = None if reference is None else abs(objective - reference) / max(1.0, abs(reference))
    return {
        "problem": path.stem,
        "n": int(params["q"].size),
        "m": int(params["cl"].size),
        "status": status,
        "objective": objective,
        "reference": reference,
        "relative_error": error,
        "iterations": int(sol.iterations),
        "solve_s": seconds,
        "first_call_s": first,
        "solved": status == "SOLVED" and error is not None and error <= 1e-5,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problem", action="append", help="only this problem (repeatable)")
    parser.add_argument("--json", type=Path, help="write the per-problem results here")
    parser.add_argument("--max-iter", type=int, default=200)
    args = parser.parse_args(argv)
    names = (DATA / "small_subset.txt").read_text().split() if (DATA / "small_subset.txt").exists() else None
    paths = sorted(DATA.glob("*.mat"))
    if names:
        paths = [p for p in paths if p.stem in names or file_to_table_name(p.stem) in names] or paths
    if args.problem:
        wanted = {p.upper() for p in args.problem}
        paths = [p for p in paths if p.stem.upper() in wanted]
    optima = reference_optima()
    layer = kc.load(QP, max_iter=args.max_iter)
    results = []
    print(f"{'problem':<12} {'n':>5} {'m':>5} {'status':<18} {'rel. error':>10} {'iter':>5} {'solve s':>8}")
    for path in paths:
        row = solve_one(layer, path, optima.get(file_to_table_name(path.stem).upper()))
        results.append(row)
        if row["status"] == "ERROR":
            print(f"{row['problem']:<12} ERROR {row['message']}")
            continue
        err = f"{row['relative_error']:.1e}" if row["relative_error"] is not None else "n/a"
        print(f"{row['problem']:<12} {row['n']:>5} {row['m']:>5} {row['status']:<18} {err:>10} "
              f"{row['iterations']:>5} {row['solve_s']:>8.3f}", flush=True)
    solved = sum(1 for r in results if r.get("solved"))
    print(f"solved {solved}/{len(results)}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""kktc against other differentiable QP solvers on the same random dense QPs.

Each problem is  minimize ½xᵀPx + qᵀx  s.t.  Gx ≤ h, Ax = b  with P = MMᵀ + 0.1·I (strictly convex),
m = n inequalities with a strictly feasible point, p = n/5 equalities, drawn from a fixed seed. Every
solver sees the same float64 data (an .npz written once). Per (peer, size) the table reports:

* first call: seconds for the first forward call (tracing + compilation where there is any);
* compile: the first call less the forward median, the time it spends beyond one compiled solve;
* forward, forward+backward: median wall time of a whole batch, after a warm-up call;
  the backward pass differentiates L = Σ_items w·x* (w random, fixed) with respect to P, q and h;
* bwd adds: what the backward adds to the forward, the median of fwd+bwd / fwd − 1 over rounds
  that time both in turns (timed one block after the other, the two medians' ratio mistook a change
  in a shared host's load for the backward's cost);
* max |x − x_ref|: against cvxpy + Clarabel at tolerance 1e-10, polished on its active set;
* gradient relative errors ‖g − g_ref‖/‖g_ref‖ (max over the checked items) for q, h and P, against the
  exact KKT derivative at the reference solution: with the active set (λ > 1e-8 and λ > slack) the adjoint
  [[P, A_actᵀ], [A_act, 0]] [u; v] = [w; 0] gives dL/dq = −u, dL/dh_active = v (0 elsewhere) and,
  for the symmetric parametrization, dL/dP = −½(u x*ᵀ + x* uᵀ). Every peer's dL/dP is symmetrized,
  ½(g + gᵀ), before the comparison (a peer may return the unsymmetric −u x*ᵀ; both agree on symmetric
  perturbations).

The data and its reference are made in ``peer_data.py``, the peers are called in ``peer_solvers.py``.
Each peer runs in its own subprocess with a time cap, pinned to one core (``--core``, default 1) with
single-threaded BLAS/OpenMP/XLA. Peers that fail to import or run are reported and skipped.

    python benchmarks/peers.py                        # all sizes, all peers, CPU
    python benchmarks/peers.py --sizes small,medium --peers kktc,qpax --json peers.json
    python benchmarks/peers.py --float32              # adds float32 rows for kktc and qpax
    python benchmarks/peers.py --device gpu           # JAX_PLATFORMS=cuda, torch on cuda

Sizes: small = B 1, n 10; medium = B 128, n 50; large = B 1024, n 100 ("all" on the CPU: these
three); on a GPU also huge = B 8192, n 100 and wide = B 64, n 500 ("all" there: all five). kktc's
rows also give the forward's GFLOP/s by a work model (``model_flop``): per item and interior-point
iteration, the reduced matrix GᵀWG, 2(m + p)n², and its Cholesky factor, n³/3, the dominant terms
(the polish and the products are left out, so it is a lower bound); ``--peak-gflops`` (the device's
fp64 peak) adds the fraction of it. Peers:
kktc, qpax, jaxopt (OSQP), qpth, cvxpylayers. Install the peers with ``pip install -e '.[bench]'``;
qpth is not in that extra because qpth 0.0.18's setup.py pins numpy as 'numpy>=1<2', which current
setuptools rejects: ``pip download --no-binary :all: --no-deps qpth``, unpack, change the pin to
'numpy>=1' and ``pip install --no-deps .``. Run the driver with a Python that has cvxpy + Clarabel
(the reference is computed there); each worker imports only its own peer.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from peer_data import REFERENCE_ITEMS, accuracy, write_problem_file
from peer_solvers import BUILDERS, torch_device

SIZES = {"small": (1, 10), "medium": (128, 50), "large": (1024, 100), "huge": (8192, 100), "wide": (64, 500)}
CPU_SIZES = ("small", "medium", "large")  # "all" on the CPU
PEERS = ("kktc", "qpax", "jaxopt", "qpth", "cvxpylayers")
FLOAT32_PEERS = ("kktc", "qpax")
#: Peers too slow for a full batch run on the first items only; the table says so.
MAX_BATCH = {"cvxpylayers": 32}
#: Timed rounds (a forward and a forward+backward each) per row: --repeats, fewer where they would
#: take longer than this, and 3 where the first two calls alone took over a quarter of it.
TIME_PER_ROW_S = 120.0

SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_enable_concurrency_optimized_scheduler=false "
    "--xla_force_host_platform_device_count=1",
}


# ---------------------------------------------------------------- worker: one peer, one size, one dtype


def pin_to_core(core: int) -> None:
    try:
        os.sched_setaffinity(0, {core})
    except (AttributeError, OSError) as err:
        print(f"warning: could not pin to core {core}: {err}", file=sys.stderr)


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def paired_times(forward, forward_backward, arg, repeats: int) -> dict:
    """Forward and forward+backward timed in turns, the order swapped every round, so that a change in
    the host's load falls on both alike; the backward's share is the median of the rounds' ratios."""
    rounds = []
    for i in range(repeats):
        if i % 2 == 0:
            fwd, fwd_bwd = timed(forward, arg)[0], timed(forward_backward, arg)[0]
        else:
            fwd_bwd, fwd = timed(forward_backward, arg)[0], timed(forward, arg)[0]
        rounds.append((fwd, fwd_bwd))
    fwd, fwd_bwd = np.array(rounds).T
    return {"forward_s": float(np.median(fwd)), "forward_backward_s": float(np.median(fwd_bwd)),
            "backward_share": float(np.median(fwd_bwd / fwd) - 1.0)}


def run_worker(options: argparse.Namespace) -> dict:
    pin_to_core(options.core)
    if options.peer in ("qpth", "cvxpylayers"):
        import torch

        torch.set_num_threads(1)
    import jax

    jax.config.update("jax_enable_x64", True)
    dtype = np.float32 if options.float32_run else np.float64
    stored = dict(np.load(options.data))
    full_batch = len(stored["P"])
    batch = min(full_batch, MAX_BATCH.get(options.peer, full_batch))
    inputs = {k: stored[k][:batch].astype(dtype) for k in ("P", "q", "G", "h", "A", "b", "w")}

    forward, forward_backward, to_device = BUILDERS[options.peer](batch, options)
    arrays = to_device(inputs)
    first_call, _ = timed(forward, arrays)
    first_backward, (x, gP, gq, gh) = timed(forward_backward, arrays)
    repeats = 3
    if first_call + first_backward < TIME_PER_ROW_S / 4:  # then also a warm-up
        warm_pair = timed(forward, arrays)[0] + timed(forward_backward, arrays)[0]
        repeats = min(options.repeats, max(3, int(TIME_PER_ROW_S / warm_pair)))
    result = {
        "batch": batch,
        "full_batch": full_batch,
        "first_call_s": first_call,
        "first_fwd_bwd_s": first_backward,
        **paired_times(forward, forward_backward, arrays, repeats),
        "repeats": repeats,
        "platform": jax.devices()[0].platform if options.peer != "qpth" else torch_device(options),
    }
    result["compile_s"] = max(first_call - result["forward_s"], 0.0)
    result.update(accuracy(x, gP, gq, gh, stored))
    if hasattr(forward, "status_and_iterations"):  # untimed
        status, iterations = forward.status_and_iterations(arrays)
        result["solved_fraction"] = float(np.mean(status == 0))
        result["model_gflop"] = model_flop(inputs["P"].shape[-1], inputs["A"].shape[-2], iterations) / 1e9
    return result


# ---------------------------------------------------------------- driver: one subprocess per peer


def run_peer(peer: str, size: str, data: Path, float32: bool, options: argparse.Namespace) -> dict:
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    if options.device == "gpu":
        env["JAX_PLATFORMS"] = "cuda"
    else:
        env["JAX_PLATFORMS"] = "cpu"
        env["CUDA_VISIBLE_DEVICES"] = ""
    command = [sys.executable, __file__, "--worker", peer, "--data", str(data), "--core", str(options.core),
               "--repeats", str(options.repeats), "--device", options.device]
    if float32:
        command.append("--float32-run")
    row = {"peer": peer, "size": size, "dtype": "float32" if float32 else "float64",
           "batch": SIZES[size][0], "n": SIZES[size][1]}
    start = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=options.timeout)
    except subprocess.TimeoutExpired:
        return dict(row, error=f"timed out after {options.timeout} s")
    row["wall_s"] = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return dict(row, error=f"exit {done.returncode}: {tail[0][:200]}")
    return dict(row, **json.loads(lines[-1][len("RESULT "):]))


def model_flop(n: int, p: int, iterations) -> float:
    """The forward's work by the model in the module doc: m = n inequality rows, p equality rows."""
    return float(np.sum(iterations)) * (2.0 * (n + p) * n * n + n**3 / 3.0)


def milliseconds(seconds: float) -> str:
    return f"{1e3 * seconds:.3g}"


def markdown_table(rows: list[dict]) -> str:
    head = ("| peer | dtype | B | n | first call s | compile s | fwd ms | fwd+bwd ms | bwd adds "
            "| fwd ms/item | fwd+bwd ms/item | max abs x err | rel err dL/dq | dL/dh | dL/dP (sym) |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        prefix = f"| {r['peer']} | {r['dtype']} | {r.get('batch', '?')} | {r['n']} |"
        if "error" in r:
            lines.append(prefix + f" skipped: {r['error']} |" + " |" * 10)
            continue
        per_item = lambda t: milliseconds(t / r["batch"])  # noqa: E731
        lines.append(prefix + f" {r['first_call_s']:.2f} | {r['compile_s']:.2f} | "
                     f"{milliseconds(r['forward_s'])} | {milliseconds(r['forward_backward_s'])} | "
                     f"{100 * r['backward_share']:.0f} % | "
                     f"{per_item(r['forward_s'])} | "
                     f"{per_item(r['forward_backward_s'])} | {r['max_abs_x_err']:.1e} | "
                     f"{r['grad_q_rel_err']:.1e} | {r['grad_h_rel_err']:.1e} | {r['grad_P_rel_err']:.1e} |")
    return "\n".join(lines)


def notes(rows: list[dict], peak_gflops: float | None = None) -> list[str]:
    out = [f"- {r['peer']} ({r['size']}): ran B={r['batch']} of {r['full_batch']} (slow peer); compare "
           "per-item times" for r in rows if "error" not in r and r["batch"] != r["full_batch"]]
    out.append("- settings: qpax solver_tol 1e-8 (1e-4 float32), target_kappa 1e-3 (its default); "
               "jaxopt OSQP tol 1e-6, maxiter 4000; qpth defaults (eps 1e-12, maxIter 10); cvxpylayers "
               "defaults, P passed as its Cholesky factor; kktc defaults.")
    out.append(f"- accuracy columns: max over the first {REFERENCE_ITEMS} items against the exact reference.")
    for r in rows:
        if "model_gflop" in r and "error" not in r:
            rate = r["model_gflop"] / r["forward_s"]
            peak = ""
            if peak_gflops and r["dtype"] == "float64":
                peak = f", {100 * rate / peak_gflops:.2g} % of a {peak_gflops:g} GFLOP/s peak"
            out.append(f"- {r['peer']} {r['dtype']} ({r['size']}): forward {rate:.3g} GFLOP/s by the "
                       f"work model ({r['model_gflop']:.3g} GFLOP){peak}")
    return out


def chosen(value: str, known, everything) -> list[str]:
    names = list(everything) if value == "all" else [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in names if v not in known]
    if unknown:
        raise SystemExit(f"unknown: {', '.join(unknown)}; choose from {', '.join(known)} or all")
    return names


def run_driver(options: argparse.Namespace) -> None:
    sizes = chosen(options.sizes, SIZES, SIZES if options.device == "gpu" else CPU_SIZES)
    peers = chosen(options.peers, PEERS, PEERS)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            started = time.perf_counter()
            data = write_problem_file(Path(folder), size, *SIZES[size])
            print(f"[{size}] data and reference: {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for peer in peers:
                for float32 in (False, True) if options.float32 and peer in FLOAT32_PEERS else (False,):
                    row = run_peer(peer, size, data, float32, options)
                    status = row.get("error") or f"{row['wall_s']:.1f} s"
                    print(f"[{size}] {peer} {row['dtype']}: {status}", file=sys.stderr)
                    rows.append(row)
    print(markdown_table(rows))
    print("\n".join(notes(rows, options.peak_gflops)))
    for r in rows:
        if r.get("solved_fraction", 1.0) < 1.0:
            solved = 100 * r["solved_fraction"]
            print(f"- {r['peer']} {r['dtype']} ({r['size']}): status SOLVED on {solved:.0f}% of the batch")
    if options.json:
        Path(options.json).write_text(json.dumps({"device": options.device, "core": options.core,
                                                  "rows": rows}, indent=2))


def parse_options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="all",
                        help="comma list of small, medium, large, huge, wide; or all (on the CPU: small "
                        "to large)")
    parser.add_argument("--peak-gflops", type=float, help="the device's fp64 peak, for kktc's share of it")
    parser.add_argument("--peers", default="all", help=f"comma list of {', '.join(PEERS)}; or all")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--float32", action="store_true", help="add float32 rows for kktc and qpax")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--core", type=int, default=1, help="the one CPU core each worker is pinned to")
    parser.add_argument("--repeats", type=int, default=11, help="timed rounds per row, at most")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per peer and size")
    parser.add_argument("--worker", choices=PEERS, dest="peer", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--float32-run", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    options = parse_options()
    if options.peer:
        print("RESULT " + json.dumps(run_worker(options)), flush=True)
    else:
        run_driver(options)


if __name__ == "__main__":
    main()

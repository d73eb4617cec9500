"""kktc against other differentiable QP solvers on the same random dense QPs.

Each problem is  minimize ½xᵀPx + qᵀx  s.t.  Gx ≤ h, Ax = b  with P = MMᵀ + 0.1·I (strictly convex),
m = n inequalities with a strictly feasible point, p = n/5 equalities, drawn from a fixed seed. Every
solver sees the same float64 data (an .npz written once). Per (peer, size) the table reports:

* first call: seconds for the first forward call (tracing + compilation where there is any);
* forward, forward+backward: median wall time of a whole batch, after a warm-up call;
  the backward pass differentiates L = Σ_items w·x* (w random, fixed) with respect to P, q and h;
* max |x − x_ref|: against cvxpy + Clarabel at tolerance 1e-10, polished on its active set;
* gradient relative errors ‖g − g_ref‖/‖g_ref‖ (max over the checked items) for q, h and P, against the
  exact KKT derivative at the reference solution: with the active set (λ > 1e-8 and λ > slack) the adjoint
  [[P, A_actᵀ], [A_act, 0]] [u; v] = [w; 0] gives dL/dq = −u, dL/dh_active = v (0 elsewhere) and,
  for the symmetric parametrization, dL/dP = −½(u x*ᵀ + x* uᵀ). Every peer's dL/dP is symmetrized,
  ½(g + gᵀ), before the comparison (a peer may return the unsymmetric −u x*ᵀ; both agree on symmetric
  perturbations).

Each peer runs in its own subprocess with a time cap, pinned to one core (``--core``, default 1) with
single-threaded BLAS/OpenMP/XLA. Peers that fail to import or run are reported and skipped.

    python benchmarks/peers.py                        # all sizes, all peers, CPU
    python benchmarks/peers.py --sizes small,medium --peers kktc,qpax --json peers.json
    python benchmarks/peers.py --float32              # adds float32 rows for kktc and qpax
    python benchmarks/peers.py --device gpu           # JAX_PLATFORMS=cuda, torch on cuda

Sizes: small = B 1, n 10; medium = B 128, n 50; large = B 1024, n 100 ("all" = all three). Peers:
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

SIZES = {"small": (1, 10), "medium": (128, 50), "large": (1024, 100)}
PEERS = ("kktc", "qpax", "jaxopt", "qpth", "cvxpylayers")
FLOAT32_PEERS = ("kktc", "qpax")
#: Peers too slow for a full batch run on the first items only; the table says so.
MAX_BATCH = {"cvxpylayers": 32}
REFERENCE_ITEMS = 3
ACTIVE_TOL = 1e-8
SEED = 0

QP_SOURCE = """
dim n, m, p
param P[n, n] psd
param q[n]
param G[m, n]
param h[m]
param A[p, n]
param b[p]
var x[n]
minimize 0.5 * quad_form(x, P) + q @ x
subject to
    ineq: G @ x <= h
    eq: A @ x == b
"""

SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_enable_concurrency_optimized_scheduler=false "
    "--xla_force_host_platform_device_count=1",
}


# ---------------------------------------------------------------- data and the exact reference


def random_qps(batch: int, n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """A batch of strictly convex QPs with a strictly feasible point, and the loss weights w."""
    rng = np.random.default_rng([seed, batch, n])
    m, p = n, max(1, n // 5)
    M = rng.standard_normal((batch, n, n))
    P = M @ M.transpose(0, 2, 1) + 0.1 * np.eye(n)
    x0 = rng.standard_normal((batch, n))
    G = rng.standard_normal((batch, m, n))
    h = np.einsum("bij,bj->bi", G, x0) + rng.uniform(0.1, 1.0, (batch, m))
    A = rng.standard_normal((batch, p, n))
    b = np.einsum("bij,bj->bi", A, x0)
    q = rng.standard_normal((batch, n))
    w = rng.standard_normal((batch, n))
    return dict(P=P, q=q, G=G, h=h, A=A, b=b, w=w)


def clarabel_solution(P, q, G, h, A, b) -> tuple[np.ndarray, np.ndarray]:
    """x* and the inequality multipliers λ from cvxpy + Clarabel at tolerance 1e-10."""
    import cvxpy as cp

    x = cp.Variable(P.shape[0])
    inequality = G @ x <= h
    problem = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, cp.psd_wrap(P)) + q @ x), [inequality, A @ x == b])
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10,
                  tol_ktratio=1e-10, max_iter=500)
    assert problem.status == cp.OPTIMAL, problem.status
    return np.asarray(x.value), np.asarray(inequality.dual_value)


def exact_reference(P, q, G, h, A, b, w) -> dict[str, np.ndarray]:
    """x* polished on the active set, and the exact dL/dq, dL/dh, dL/dP (symmetric) of L = w·x*."""
    x_clarabel, lam = clarabel_solution(P, q, G, h, A, b)
    # λ > 1e-8 alone misclassifies here: Clarabel leaves λ ≈ 4e-8 on inactive rows at n = 50. Active
    # means λ_i above both 1e-8 and the row's slack; the random data is strictly complementary.
    active = (lam > ACTIVE_TOL) & (lam > h - G @ x_clarabel)
    n, p = P.shape[0], A.shape[0]
    A_act = np.vstack([A, G[active]])
    K = np.block([[P, A_act.T], [A_act, np.zeros((len(A_act), len(A_act)))]])
    polished = np.linalg.solve(K, np.concatenate([-q, b, h[active]]))
    x = polished[:n]
    consistent = np.all(G[~active] @ x <= h[~active] + 1e-9) and np.all(polished[n + p:] >= 0)
    if not consistent or np.abs(x - x_clarabel).max() > 1e-6:
        print("warning: reference active set not clear-cut on one item; its gradients are left out",
              file=sys.stderr)
        nan = np.full(n, np.nan)
        return dict(x=x_clarabel, q=nan, h=np.full(len(h), np.nan), P=np.full((n, n), np.nan))
    adjoint = np.linalg.solve(K, np.concatenate([w, np.zeros(len(A_act))]))
    u, v = adjoint[:n], adjoint[n:]
    grad_h = np.zeros(len(h))
    grad_h[active] = v[p:]
    return dict(x=x, q=-u, h=grad_h, P=-0.5 * (np.outer(u, x) + np.outer(x, u)))


def write_problem_file(folder: Path, size: str) -> Path:
    batch, n = SIZES[size]
    data = random_qps(batch, n)
    items = [exact_reference(*(data[k][i] for k in ("P", "q", "G", "h", "A", "b", "w")))
             for i in range(min(REFERENCE_ITEMS, batch))]
    for key in ("x", "q", "h", "P"):
        data[f"ref_{key}"] = np.stack([item[key] for item in items])
    path = folder / f"{size}.npz"
    np.savez(path, **data)
    return path


# ---------------------------------------------------------------- peers: build (forward, forward_backward)
# Each builder takes the float data dict (arrays with a leading batch axis) and returns two callables
# of that dict: forward -> x (B, n) and forward_backward -> (x, dL/dP, dL/dq, dL/dh), all numpy.


def jax_batched(solve_one, batch: int):
    """jit(vmap(...)) of a JAX solve_one(P, q, G, h, A, b) -> x; unbatched under jit when B = 1."""
    import jax

    def one_with_grads(P, q, G, h, A, b, w):
        x, pullback = jax.vjp(lambda P, q, h: solve_one(P, q, G, h, A, b), P, q, h)
        return (x, *pullback(w))

    if batch == 1:  # one problem: no vmap, and the arrays are stored without the batch axis
        fwd, fb = jax.jit(solve_one), jax.jit(one_with_grads)
        add_axis = lambda r: np.asarray(r)[None]  # noqa: E731
    else:
        fwd, fb = jax.jit(jax.vmap(solve_one)), jax.jit(jax.vmap(one_with_grads))
        add_axis = np.asarray

    def forward(d):
        return add_axis(jax.block_until_ready(fwd(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"])))

    def forward_backward(d):
        out = jax.block_until_ready(fb(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"], d["w"]))
        return tuple(add_axis(r) for r in out)

    def to_device(d):
        return {k: jax.device_put(v[0] if batch == 1 else v) for k, v in d.items()}

    return forward, forward_backward, to_device


def build_kktc(batch: int, options: argparse.Namespace):
    import jax

    import kktc

    layer = kktc.parse(QP_SOURCE)
    forward, forward_backward, to_device = jax_batched(
        lambda P, q, G, h, A, b: layer(P=P, q=q, G=G, h=h, A=A, b=b).x, batch)
    status = jax.jit(jax.vmap(lambda P, q, G, h, A, b: layer(P=P, q=q, G=G, h=h, A=A, b=b).status))

    def solved_fraction(d):  # untimed; d as to_device made it
        args = [d[k] if batch > 1 else d[k][None] for k in ("P", "q", "G", "h", "A", "b")]
        return float(np.mean(np.asarray(status(*args)) == 0))

    forward.solved_fraction = solved_fraction
    return forward, forward_backward, to_device


def build_qpax(batch: int, options: argparse.Namespace):
    import qpax

    tol = 1e-4 if options.float32_run else 1e-8

    def solve_one(P, q, G, h, A, b):
        return qpax.solve_qp_primal(P, q, A, b, G, h, solver_tol=tol)  # default target_kappa=1e-3

    return jax_batched(solve_one, batch)


def build_jaxopt(batch: int, options: argparse.Namespace):
    from jaxopt import OSQP

    solver = OSQP(tol=1e-6, maxiter=4000)  # implicit differentiation is jaxopt's default

    def solve_one(P, q, G, h, A, b):
        return solver.run(params_obj=(P, q), params_eq=(A, b), params_ineq=(G, h)).params.primal

    return jax_batched(solve_one, batch)


def torch_device(options: argparse.Namespace) -> str:
    return "cuda" if options.device == "gpu" else "cpu"


def torch_sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def build_qpth(batch: int, options: argparse.Namespace):
    import torch
    from qpth.qp import QPFunction

    device = torch_device(options)
    solve = QPFunction(verbose=-1)  # defaults: eps=1e-12, maxIter=10

    def forward(d):
        x = solve(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"])
        torch_sync(device)
        return x.detach().cpu().numpy()

    def forward_backward(d):
        P, q, h = (d[k].clone().requires_grad_(True) for k in ("P", "q", "h"))
        x = solve(P, q, d["G"], h, d["A"], d["b"])
        (x * d["w"]).sum().backward()
        torch_sync(device)
        return tuple(t.detach().cpu().numpy() for t in (x, P.grad, q.grad, h.grad))

    def to_device(d):
        return {k: torch.as_tensor(v, device=device) for k, v in d.items()}

    return forward, forward_backward, to_device


def build_cvxpylayers(batch: int, options: argparse.Namespace):
    """The cvxpylayers peer, through its JAX interface.

    quad_form(x, P) with P a parameter is not DPP, so the layer takes the Cholesky factor F (P = F Fᵀ)
    and dL/dP is recovered from dL/dF = 2·sym(dL/dP)·F.
    """
    import cvxpy as cp
    import jax
    import jax.numpy as jnp
    from cvxpylayers.jax import CvxpyLayer

    def layer_for(n: int, m: int, p: int):
        F, q, G, h, A, b = (cp.Parameter(s) for s in ((n, n), n, (m, n), m, (p, n), p))
        x = cp.Variable(n)
        problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(F.T @ x) + q @ x), [G @ x <= h, A @ x == b])
        return CvxpyLayer(problem, parameters=[F, q, G, h, A, b], variables=[x])

    cache = {}

    def layer(d):
        key = (d["G"].shape[-1], d["G"].shape[-2], d["A"].shape[-2])
        if key not in cache:
            cache[key] = layer_for(*key)
        return cache[key]

    def forward(d):
        (x,) = layer(d)(d["F"], d["q"], d["G"], d["h"], d["A"], d["b"])
        return np.asarray(jax.block_until_ready(x))

    def forward_backward(d):
        solve = layer(d)

        def loss(F, q, h):
            (x,) = solve(F, q, d["G"], h, d["A"], d["b"])
            return jnp.sum(x * d["w"]), x

        (gF, gq, gh), x = jax.grad(loss, argnums=(0, 1, 2), has_aux=True)(d["F"], d["q"], d["h"])
        gF, F = np.asarray(jax.block_until_ready(gF)), np.asarray(d["F"])
        gP = 0.5 * np.linalg.solve(F.transpose(0, 2, 1), gF.transpose(0, 2, 1)).transpose(0, 2, 1)
        return np.asarray(x), gP, np.asarray(gq), np.asarray(gh)

    def to_device(d):
        d = dict(d, F=np.linalg.cholesky(d["P"]))
        return {k: jnp.asarray(v) for k, v in d.items()}

    return forward, forward_backward, to_device


BUILDERS = {"kktc": build_kktc, "qpax": build_qpax, "jaxopt": build_jaxopt, "qpth": build_qpth,
            "cvxpylayers": build_cvxpylayers}


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


def median_time(fn, arg, repeats: int) -> float:
    return float(np.median([timed(fn, arg)[0] for _ in range(repeats)]))


def relative_error(got: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-300))


def accuracy(x, gP, gq, gh, data) -> dict[str, float]:
    k = len(data["ref_x"])
    gP = np.asarray(gP[:k], np.float64)
    sym_gP = 0.5 * (gP + gP.transpose(0, 2, 1))
    worst = lambda got, ref: float(np.nanmax([relative_error(got[i], ref[i]) for i in range(k)]))  # noqa: E731
    return {
        "max_abs_x_err": float(np.abs(np.asarray(x[:k], np.float64) - data["ref_x"]).max()),
        "grad_q_rel_err": worst(np.asarray(gq, np.float64), data["ref_q"]),
        "grad_h_rel_err": worst(np.asarray(gh, np.float64), data["ref_h"]),
        "grad_P_rel_err": worst(sym_gP, data["ref_P"]),
    }


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
    repeats = options.repeats if first_backward < 5 else 3
    result = {
        "batch": batch,
        "full_batch": full_batch,
        "first_call_s": first_call,
        "first_fwd_bwd_s": first_backward,
        "forward_s": median_time(forward, arrays, repeats),
        "forward_backward_s": median_time(forward_backward, arrays, repeats),
        "repeats": repeats,
        "platform": jax.devices()[0].platform if options.peer != "qpth" else torch_device(options),
    }
    result.update(accuracy(x, gP, gq, gh, stored))
    if hasattr(forward, "solved_fraction"):
        result["solved_fraction"] = forward.solved_fraction(arrays)
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


def milliseconds(seconds: float) -> str:
    return f"{1e3 * seconds:.3g}"


def markdown_table(rows: list[dict]) -> str:
    head = ("| peer | dtype | B | n | first call s | fwd ms | fwd+bwd ms | fwd ms/item | fwd+bwd ms/item "
            "| max abs x err | rel err dL/dq | dL/dh | dL/dP (sym) |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        prefix = f"| {r['peer']} | {r['dtype']} | {r.get('batch', '?')} | {r['n']} |"
        if "error" in r:
            lines.append(prefix + f" skipped: {r['error']} |" + " |" * 8)
            continue
        per_item = lambda t: milliseconds(t / r["batch"])  # noqa: E731
        lines.append(prefix + f" {r['first_call_s']:.2f} | {milliseconds(r['forward_s'])} | "
                     f"{milliseconds(r['forward_backward_s'])} | {per_item(r['forward_s'])} | "
                     f"{per_item(r['forward_backward_s'])} | {r['max_abs_x_err']:.1e} | "
                     f"{r['grad_q_rel_err']:.1e} | {r['grad_h_rel_err']:.1e} | {r['grad_P_rel_err']:.1e} |")
    return "\n".join(lines)


def notes(rows: list[dict]) -> list[str]:
    out = [f"- {r['peer']} ({r['size']}): ran B={r['batch']} of {r['full_batch']} (slow peer); compare "
           "per-item times" for r in rows if "error" not in r and r["batch"] != r["full_batch"]]
    out.append("- settings: qpax solver_tol 1e-8 (1e-4 float32), target_kappa 1e-3 (its default); "
               "jaxopt OSQP tol 1e-6, maxiter 4000; qpth defaults (eps 1e-12, maxIter 10); cvxpylayers "
               "defaults, P passed as its Cholesky factor; kktc defaults.")
    out.append(f"- accuracy columns: max over the first {REFERENCE_ITEMS} items against the exact reference.")
    return out


def chosen(value: str, known, everything) -> list[str]:
    names = list(everything) if value == "all" else [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in names if v not in known]
    if unknown:
        raise SystemExit(f"unknown: {', '.join(unknown)}; choose from {', '.join(known)} or all")
    return names


def run_driver(options: argparse.Namespace) -> None:
    sizes = chosen(options.sizes, SIZES, SIZES)
    peers = chosen(options.peers, PEERS, PEERS)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            started = time.perf_counter()
            data = write_problem_file(Path(folder), size)
            print(f"[{size}] data and reference: {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for peer in peers:
                for float32 in (False, True) if options.float32 and peer in FLOAT32_PEERS else (False,):
                    row = run_peer(peer, size, data, float32, options)
                    status = row.get("error") or f"{row['wall_s']:.1f} s"
                    print(f"[{size}] {peer} {row['dtype']}: {status}", file=sys.stderr)
                    rows.append(row)
    print(markdown_table(rows))
    print("\n".join(notes(rows)))
    for r in rows:
        if r.get("solved_fraction", 1.0) < 1.0:
            solved = 100 * r["solved_fraction"]
            print(f"- {r['peer']} {r['dtype']} ({r['size']}): status SOLVED on {solved:.0f}% of the batch")
    if options.json:
        Path(options.json).write_text(json.dumps({"device": options.device, "core": options.core,
                                                  "rows": rows}, indent=2))


def parse_options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="all", help="comma list of small, medium, large; or all")
    parser.add_argument("--peers", default="all", help=f"comma list of {', '.join(PEERS)}; or all")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--float32", action="store_true", help="add float32 rows for kktc and qpax")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--core", type=int, default=1, help="the one CPU core each worker is pinned to")
    parser.add_argument("--repeats", type=int, default=7)
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

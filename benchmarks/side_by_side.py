"""kktc against the JAX peers in one process: alternating calls on the same data, ratios per round.

``peers.py`` runs each peer in its own process, for isolation; on a shared machine the load can
change between those processes (qpax's own medium forward took 214 ms in one run and 499 ms in
the next). Here kktc and the peers are compiled in one process pinned to one core and called in
turn, round after round: each round's ratio kktc / peer compares calls made seconds apart, and
the median of those ratios is the figure to quote. Same data and builders as ``peers.py``.

    python benchmarks/side_by_side.py                          # medium and large, against qpax
    python benchmarks/side_by_side.py --sizes medium --peers qpax,jaxopt --rounds 21 --float32
"""

from __future__ import annotations

import argparse
import os
import sys
import time

#: Set before JAX is imported: one core, one thread, and the flag that keeps XLA:CPU from
#: deadlocking on jit(vmap(while_loop)) at batches of ~100 (see ``peers.py``).
os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                           + " --xla_cpu_enable_concurrency_optimized_scheduler=false").strip()

import numpy as np  # noqa: E402
from peer_data import random_qps  # noqa: E402
from peer_solvers import BUILDERS  # noqa: E402
from peers import SIZES, chosen, pin_to_core  # noqa: E402

JAX_PEERS = ("qpax", "jaxopt")
NAMES = ("P", "q", "G", "h", "A", "b", "w")
#: From this batch on a round takes tens of seconds (qpax: ~15 s at B = 1024): fewer rounds.
LARGE_BATCH, LARGE_ROUNDS = 1024, 5


def rounds_of_calls(calls: dict, rounds: int) -> dict[str, list[float]]:
    """Wall seconds of every call, the calls made in turn, ``rounds`` times."""
    seconds = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            seconds[name].append(time.perf_counter() - start)
    return seconds


def compare(size: str, peers: list[str], float32: bool, rounds: int) -> list[str]:
    import jax

    batch, n = SIZES[size]
    dtype = np.float32 if float32 else np.float64
    data = {k: v.astype(dtype) for k, v in random_qps(batch, n).items()}
    options = argparse.Namespace(float32_run=float32, device="cpu")
    calls = {}
    for peer in ("kktc", *peers):
        forward, forward_backward, to_device = BUILDERS[peer](batch, options)
        arrays = to_device({k: data[k] for k in NAMES})
        forward(arrays), forward_backward(arrays)  # compile
        calls[(peer, "fwd")] = lambda f=forward, a=arrays: f(a)
        calls[(peer, "fwd+bwd")] = lambda f=forward_backward, a=arrays: f(a)
    rounds = rounds if batch < LARGE_BATCH else min(rounds, LARGE_ROUNDS)
    seconds = rounds_of_calls(calls, rounds)
    label = f"{size} (B={batch}, n={n}, {jax.numpy.dtype(dtype).name}, {rounds} rounds)"
    lines = []
    for peer in peers:
        for mode in ("fwd", "fwd+bwd"):
            mine, theirs = np.array(seconds[("kktc", mode)]), np.array(seconds[(peer, mode)])
            ratios = mine / theirs
            lines.append(f"| {label} | {peer} | {mode} | {1e3 * np.median(mine):.3g} | "
                         f"{1e3 * np.median(theirs):.3g} | {np.median(ratios):.3f} | "
                         f"{np.min(ratios):.3f}–{np.max(ratios):.3f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="medium,large", help="comma list of small, medium, large; or all")
    parser.add_argument("--peers", default="qpax", help=f"comma list of {', '.join(JAX_PEERS)}; or all")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--float32", action="store_true", help="float32 data instead of float64")
    parser.add_argument("--core", type=int, default=1, help="the one CPU core the process is pinned to")
    options = parser.parse_args()
    pin_to_core(options.core)
    import jax

    jax.config.update("jax_enable_x64", True)
    sizes, peers = chosen(options.sizes, SIZES, SIZES), chosen(options.peers, JAX_PEERS, JAX_PEERS)
    print("| size | peer | call | kktc ms | peer ms | kktc / peer, median of rounds | range |")
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        for line in compare(size, peers, options.float32, options.rounds):
            print(line, flush=True)
    print(f"\nOne process pinned to core {options.core}; ms are medians of the calls.")


if __name__ == "__main__":
    sys.exit(main())

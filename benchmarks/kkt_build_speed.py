"""Time building the symbolic KKT system (layer.kkt) of every example, after SymPy is warm.

Target (issue 4): under 1 s for the largest example. Prints the median of 5 builds per file.

    python benchmarks/kkt_build_speed.py
"""

import statistics
import time
from pathlib import Path

import kktc as kc
from kktc.compiler import lower
from kktc.compiler._symbolic import SymbolicKKT

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.kkt"))


def main() -> None:
    str(SymbolicKKT(lower(kc.read(EXAMPLES[0]))))  # warm SymPy's caches and imports
    worst = 0.0
    for path in EXAMPLES:
        lowered = lower(kc.read(path))
        times = []
        for _ in range(5):
            start = time.perf_counter()
            system = SymbolicKKT(lowered)
            str(system), system.latex()
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{path.stem:<22} {median * 1e3:8.1f} ms")
    print(f"slowest {worst * 1e3:.1f} ms: {'PASS' if worst < 1.0 else 'FAIL'} (target < 1000 ms)")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# benchmarks/peers.py on an NVIDIA machine with no network, in one command:
#   [PEAK_GFLOPS=...] bash benchmarks/gpu.sh WHEEL_DIR [more peers.py options]
# WHEEL_DIR is made by benchmarks/gpu_wheels.sh where there is network. The machine's python3 must
# hold JAX and PyTorch for CUDA, NumPy, SciPy and SymPy, as the lent NVIDIA machines' image does; the
# wheels add the peers, cvxpy and Clarabel (the reference) and lark, in a folder of their own, and
# kktc runs from this checkout. All five sizes, up to B = 8192, n = 100 and B = 64, n = 500;
# PEAK_GFLOPS, the device's fp64 peak (e.g. 34000 for an H100 SXM without tensor cores), adds
# kktc's share of it to the notes. The table goes to stdout, its rows to gpu.json. Options after
# WHEEL_DIR override these: `--device cpu --sizes small` is how this script was tested (no GPU
# was lent while it was written).
set -euo pipefail
wheels="$(realpath "$1")"
shift
cd "$(dirname "$0")/.."
site="${SITE:-/tmp/kktc-gpu-site}"
python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target "$site" "$wheels"/*.whl
export PYTHONPATH="$site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 benchmarks/peers.py --device gpu --sizes all --json gpu.json \
    ${PEAK_GFLOPS:+--peak-gflops "$PEAK_GFLOPS"} "$@"

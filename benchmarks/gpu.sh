#!/usr/bin/env bash
# Run benchmarks/peers.py on an offline NVIDIA machine: [PEAK_GFLOPS=...] bash benchmarks/gpu.sh WHEEL_DIR
# (all five sizes, up to B = 8192, n = 100 and B = 64, n = 500; PEAK_GFLOPS, the device's fp64 peak,
# e.g. 34000 for an H100 SXM without tensor cores, adds kktc's share of it to the notes)
# WHEEL_DIR holds wheels for kktc's dependencies, jax[cuda12], cvxpy, clarabel, qpax, jaxopt,
# cvxpylayers, torch (CUDA build) and qpth (build qpth 0.0.18 from its sdist with the numpy pin in
# setup.py fixed). Untested: written on a CPU-only machine.
set -euo pipefail
wheels="$(realpath "$1")"
cd "$(dirname "$0")/.."
python3 -m venv /tmp/kktc-gpu-venv
pip="/tmp/kktc-gpu-venv/bin/pip install --no-index --find-links $wheels"
$pip "jax[cuda12]" cvxpy clarabel qpax jaxopt cvxpylayers torch
$pip --no-deps qpth || echo "qpth not installed; its rows will say skipped"
$pip --no-build-isolation -e . || $pip -e .
/tmp/kktc-gpu-venv/bin/python benchmarks/peers.py --device gpu --sizes all --json gpu.json \
    ${PEAK_GFLOPS:+--peak-gflops "$PEAK_GFLOPS"}

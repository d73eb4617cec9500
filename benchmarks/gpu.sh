#!/usr/bin/env bash
# Run benchmarks/peers.py on an offline NVIDIA machine: bash benchmarks/gpu.sh WHEEL_DIR
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
/tmp/kktc-gpu-venv/bin/python benchmarks/peers.py --device gpu --sizes all --json gpu.json

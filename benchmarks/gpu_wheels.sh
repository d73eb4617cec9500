#!/usr/bin/env bash
# The wheels benchmarks/gpu.sh installs, fetched where there is network:
#   [PYTHON_VERSION=3.12] bash benchmarks/gpu_wheels.sh WHEEL_DIR
# For x86-64 Linux and the lent NVIDIA machines' image (Python 3.12, with JAX for CUDA, PyTorch for
# CUDA, NumPy, SciPy, SymPy, Jinja2, joblib, setuptools and threadpoolctl already there): only what
# that image lacks, the versions of the README's table (scs 3.2.9: 3.3.1's wheel is 43 MB, and the
# device tool carries 64 MiB), about 35 MB. qpth has only an sdist, whose setup.py pins
# numpy as 'numpy>=1<2' (setuptools rejects it): it is built here with the pin fixed.
set -euo pipefail
dir="$(mkdir -p "$1" && realpath "$1")"
python_version="${PYTHON_VERSION:-3.12}"
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 \
         manylinux1_x86_64; do
    platforms+=(--platform "$p")
done
python3 -m pip download -q --no-deps --only-binary=:all: --implementation cp \
    --python-version "$python_version" "${platforms[@]}" -d "$dir" \
    lark==1.3.1 interegular==0.3.3 qpax==0.1.4 jaxopt==0.8.5 cvxpylayers==1.2.0 diffcp==1.1.9 \
    cvxpy==1.9.3 clarabel==0.11.1 cffi==2.1.1 pycparser==3.12 highspy==1.16.0 osqp==1.1.3 \
    qdldl==0.1.9.post1 scs==3.2.9 sparsediffpy==0.6.1
sdist="$(mktemp -d)"
python3 -m pip download -q --no-deps --no-binary :all: -d "$sdist" qpth==0.0.18
tar -xzf "$sdist"/qpth-0.0.18.tar.gz -C "$sdist"
sed -i 's/numpy>=1<2/numpy>=1/' "$sdist"/qpth-0.0.18/setup.py
python3 -m pip wheel -q --no-deps -w "$dir" "$sdist"/qpth-0.0.18
rm -rf "$sdist"
du -sh "$dir"

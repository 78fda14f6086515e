#!/bin/bash
# One prepared run for a GPU machine lent by the `device` tool (no Qt there, pip's torch brings a
# CUDA LibTorch). Builds core + qlipx + bench + the core tests' dependencies with QLIPX_GUI=OFF,
# runs the golden parity on CUDA in fp32/bf16/fp16 and the benchmark, and leaves logs in $OUT.
#
# nlohmann-json (header-only, used by core's JSON) is not installed on the device machine: run
# `tools/gpu-check.sh --prepare` here first; it copies /usr/include/nlohmann into .deps/ (git-
# ignored), and .deps must then be in the device tool's carry list, e.g.
#   run(command="tools/gpu-check.sh", carry=[".deps"])
# CMake finds it there (cmake/Nlohmann.cmake: the package, else QLIP_NLOHMANN_INCLUDE_DIR or .deps).
set -uo pipefail
if [ "${1:-}" = --prepare ]; then
  rm -rf .deps/nlohmann && mkdir -p .deps && cp -r /usr/include/nlohmann .deps/ && echo "copied nlohmann into .deps/"
  exit 0
fi
OUT=${OUT:-/tmp/gpu-check}
mkdir -p "$OUT"
TORCH_DIR=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "share/cmake/Torch"))')
nvidia-smi | tee "$OUT/nvidia-smi.txt"
cmake -G Ninja -S . -B build-gpu -DQLIPX_GUI=OFF -DQLIPX_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
  -DTorch_DIR="$TORCH_DIR" -DCMAKE_CUDA_ARCHITECTURES=90 2>&1 | tee "$OUT/configure.log"
cmake --build build-gpu -j16 2>&1 | tail -50 | tee "$OUT/build.log"
Q=build-gpu/bin/qlipx
for p in fp32 bf16 fp16; do
  tol=2e-4; [ "$p" = fp32 ] || tol=0.25
  $Q parity tests/data/golden/tiny-b16 --device cuda --precision $p --tolerance $tol 2>&1 | tee "$OUT/parity-cuda-$p.txt"
done
$Q parity tests/data/golden/tiny-b16 --device cpu 2>&1 | tee "$OUT/parity-cpu-fp32.txt"
$Q bench --device cuda --precisions fp32,bf16,fp16 --batches 1,16 --repeats 10 --markdown "$OUT/bench-cuda.md" 2>&1 | tee "$OUT/bench-cuda.log"

#!/usr/bin/env bash
# The benchmark table of the README: prefrl's kernels at full size beside the same work in
# PyTorch (Debian's python3-torch), at 1 and 2 threads, with the machine's floor.
#
#     scripts/compare.sh            # [4096, 32000] float32, as in the README (about 2 minutes)
#     scripts/compare.sh --tiny     # [64, 1000], a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
prefrl_require_packages "${PREFRL_BUILD_PACKAGES[@]}" python3 python3-torch

cmake --workflow --preset release
size=()
if [ "${1:-}" = "--tiny" ]; then size=(--rows 64 --vocab 1000 --repeats 2); fi
/usr/bin/python3 benchmarks/compare/compare_kernels.py --bench build/release/benchmarks/bench_kernel "${size[@]}"

#!/usr/bin/env bash
# Installs what is missing, builds the examples and benchmarks with the `release` preset
# (-O3 -march=native), runs every example (each ends with a `result:` line and fails when
# its claim is not reproduced) and the benchmark suite at a small size. Exit status 0 only
# if every example reproduced its claim and every benchmark ran.
#
#     scripts/demo.sh
#
# Full-size benchmarks and the side-by-side comparison with PyTorch: scripts/compare.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
prefrl_require_packages "${PREFRL_BUILD_PACKAGES[@]}" python3 python3-matplotlib

cmake --workflow --preset release

status=0
echo
echo "== examples =="
for example in build/release/examples/example_*; do
    [ -x "$example" ] || continue
    echo
    echo "-- $(basename "$example")"
    if ! "$example"; then
        echo "!! $(basename "$example") did not reproduce its claim" >&2
        status=1
    fi
done

echo
echo "== figures: an example's CSV drawn by scripts/plot.py =="
mkdir -p build/release/figures
if build/release/examples/example_icl_lsa_equals_gd --csv build/release/figures/lsa_equals_gd.csv >/dev/null &&
    /usr/bin/python3 scripts/plot.py build/release/figures/lsa_equals_gd.csv --x step --y loss_ratio sensitivity_cosine; then
    :
else
    echo "!! the figure of example_icl_lsa_equals_gd was not drawn" >&2
    status=1
fi

echo
echo "== SIMD: vector instructions the release build of the kernels uses =="
if command -v objdump >/dev/null 2>&1; then
    zmm=$(objdump -d --no-show-raw-insn build/release/benchmarks/bench_kernel | grep -c zmm || true)
    ymm=$(objdump -d --no-show-raw-insn build/release/benchmarks/bench_kernel | grep -c ymm || true)
    echo "bench_kernel: $zmm instructions on zmm (AVX-512) registers, $ymm on ymm (AVX2)"
    [ $((zmm + ymm)) -gt 0 ] || { echo "!! no AVX2/AVX-512 code in bench_kernel" >&2; status=1; }
fi

echo
echo "== benchmarks (small size; full size: scripts/compare.sh) =="
for bench in build/release/benchmarks/bench_*; do
    [ -x "$bench" ] || continue
    echo
    echo "-- $(basename "$bench")"
    PREFRL_BENCH_ROWS=64 PREFRL_BENCH_VOCAB=1000 PREFRL_BENCH_PAIRS=1000 PREFRL_BENCH_TASKS=64 PREFRL_BENCH_STATES=100 PREFRL_BENCH_STEPS=1000 PREFRL_BENCH_ROUNDS=1000 PREFRL_BENCH_BATCH=1000 "$bench" --benchmark_min_time=0.01 || status=1
done
exit $status

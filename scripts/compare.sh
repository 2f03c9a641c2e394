#!/usr/bin/env bash
# The benchmark tables of the README: prefrl at full size beside the same work in PyTorch
# (Debian's python3-torch), at 1 and 2 threads, with the machine's floor.
#
#     scripts/compare.sh            # kernels [4096, 32000], pair losses on 10^6 pairs, DPO from
#                                   # logits [16, 256, 32000], linear self-attention on 1024 tasks,
#                                   # float32; value iteration and GAE, float64; bandits and OPE;
#                                   # the offline-RL terms on 10^5, float32; the GRPO family on [256, 1024] and
#                                   # from logits [16 x 256, 32000], float32; losses from hidden
#                                   # states [2048, 256, 32000] and [4096, 512, 32000] beside PyTorch
#                                   # on OpenBLAS (about 25 minutes)
#     scripts/compare.sh --tiny     # the same at toy sizes: a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
prefrl_require_packages "${PREFRL_BUILD_PACKAGES[@]}" python3 python3-torch python3-numpy python3-scipy libopenblas0-pthread

cmake --workflow --preset release
kernel_size=()
pair_size=()
icl_size=()
rl_size=()
bandit_size=()
offline_size=()
grpo_size=()
linear_sizes=("--rows 2048 --hidden 256 --repeats 5" "--rows 4096 --hidden 512 --repeats 3")
if [ "${1:-}" = "--tiny" ]; then
    rl_size=(--states 100 --steps 1000 --repeats 2)
    bandit_size=(--rounds 1000 --decisions 200 --repeats 2)
    offline_size=(--batch 1000 --repeats 2)
    icl_size=(--tasks 64 --repeats 2)
    kernel_size=(--rows 64 --vocab 1000 --repeats 2)
    pair_size=(--pairs 1000 --rows 64 --vocab 1000 --repeats 2)
    grpo_size=(--completions 16 --steps 64 --rows 64 --vocab 1000 --repeats 2)
    linear_sizes=("--rows 64 --hidden 32 --vocab 1000 --repeats 2")
fi
/usr/bin/python3 benchmarks/compare/compare_kernels.py --bench build/release/benchmarks/bench_kernel "${kernel_size[@]}"
echo
/usr/bin/python3 benchmarks/compare/compare_pair_losses.py --bench build/release/benchmarks/bench_preference "${pair_size[@]}"
echo
/usr/bin/python3 benchmarks/compare/compare_icl.py --bench build/release/benchmarks/bench_icl "${icl_size[@]}"
echo
/usr/bin/python3 benchmarks/compare/compare_rl.py --bench build/release/benchmarks/bench_rl "${rl_size[@]}"
echo
/usr/bin/python3 benchmarks/compare/compare_bandit.py --bench build/release/benchmarks/bench_bandit "${bandit_size[@]}"
echo
/usr/bin/python3 benchmarks/compare/compare_offline.py --bench build/release/benchmarks/bench_offline "${offline_size[@]}"
echo
/usr/bin/python3 benchmarks/compare/compare_grpo.py --bench build/release/benchmarks/bench_grpo "${grpo_size[@]}"
for size in "${linear_sizes[@]}"; do
    echo
    # shellcheck disable=SC2086  # each entry is a list of arguments
    /usr/bin/python3 benchmarks/compare/compare_linear.py --bench build/release/benchmarks/bench_linear $size
done

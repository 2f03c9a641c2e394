#!/usr/bin/env python3
"""Token log-probs forward + backward: prefrl vs PyTorch, same sizes, same thread counts.

Runs PyTorch (Debian's python3-torch, float32) and prefrl's Google Benchmark program
`bench_kernel` on [rows, vocab] logits, and prints one table with the ratio and the
machine's floor (max of: one read of the logits + one write of d_logits, one exp per element).

    python3 benchmarks/compare/compare_kernels.py --bench build/release/benchmarks/bench_kernel
    python3 benchmarks/compare/compare_kernels.py --bench ... --rows 64 --vocab 1000 --repeats 2   # tiny

PyTorch's work is what TRL does per step: log_softmax over the vocab, gather at the labels,
mask, then the backward of sum(upstream * logp) with `grad` reset to None each step
(zero_grad(set_to_none=True), PyTorch's default). PyTorch is timed twice, in child
processes: with glibc's default allocator (every step maps fresh memory for its [rows, vocab]
temporaries and pays the page faults, as users run it) and with glibc told to keep freed
memory (MALLOC_MMAP_MAX_=0, MALLOC_TRIM_THRESHOLD_=64 GiB: no page faults after warm-up),
the stronger baseline, against which the speedup is reported. prefrl's kernels reuse the
caller's d_logits buffer and allocate O(rows).
"""

import argparse
import json
import statistics
import sys
import time

from bench_common import REUSE_MEMORY, benchmark_medians, run_json_child


def torch_times(rows, vocab, threads, repeats):
    import torch

    torch.manual_seed(1)
    torch.set_num_threads(threads)
    logits = (4.0 * torch.randn(rows, vocab, dtype=torch.float32)).requires_grad_(True)
    labels = torch.randint(0, vocab, (rows,))
    mask = torch.ones(rows, dtype=torch.float32)
    upstream = torch.randn(rows, dtype=torch.float32)

    def forward():
        lp = torch.log_softmax(logits, dim=-1).gather(-1, labels[:, None]).squeeze(-1)
        return lp * mask

    def forward_backward():
        logits.grad = None
        (forward() * upstream).sum().backward()

    def timed(fn):
        for _ in range(3):  # warm-up (lets a memory-keeping allocator grow its heap)
            fn()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1e3)
        return statistics.median(samples)

    with torch.no_grad():
        fwd = timed(forward)
    return {"forward": fwd, "fwd_bwd": timed(forward_backward)}


def torch_times_in_child(rows, vocab, threads, repeats, extra_env):
    return run_json_child(__file__, ["--torch-worker", "--rows", str(rows), "--vocab", str(vocab), "--threads",
                                     str(threads), "--repeats", str(repeats)], extra_env)


def prefrl_times(bench, rows, vocab, repeats):
    return benchmark_medians(bench, {"PREFRL_BENCH_ROWS": rows, "PREFRL_BENCH_VOCAB": vocab}, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", help="path to prefrl's bench_kernel")
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit("compare_kernels.py: PyTorch is missing; install it with: apt-get install -y python3-torch")
    if args.torch_worker:
        print(json.dumps(torch_times(args.rows, args.vocab, args.threads[0], args.repeats)))
        return
    if not args.bench:
        parser.error("--bench is required")

    ours = prefrl_times(args.bench, args.rows, args.vocab, args.repeats)
    print(f"token log-probs, float32 logits [{args.rows}, {args.vocab}], median of {args.repeats} runs (ms)\n")
    header = (f"{'work':<32}{'threads':>8}{'prefrl':>9}{'PyTorch':>10}{'PyTorch*':>10}{'speedup*':>10}"
              f"{'floor':>8}{'/floor':>8}")
    print(header)
    print("-" * len(header))
    summary = []
    for t in args.threads:
        if ("token_logprobs_forward", t) not in ours:
            print(f"(prefrl has no {t}-thread results: built without OpenMP?)")
            continue
        default = torch_times_in_child(args.rows, args.vocab, t, args.repeats, {})
        reused = torch_times_in_child(args.rows, args.vocab, t, args.repeats, REUSE_MEMORY)
        floor = max(ours[("floor_read_write", t)], ours[("floor_exp", t)])
        read_floor = ours[("floor_read_write", t)] / 2
        rows = [
            ("forward", "forward (log_softmax+gather)", ours[("token_logprobs_forward", t)], "forward",
             max(read_floor, ours[("floor_exp", t)])),
            ("two_pass", "fwd+bwd, two passes (DPO)", ours[("token_logprobs_fwd_bwd", t)], "fwd_bwd", floor),
            ("fused", "fwd+bwd, fused one pass (SFT)", ours[("token_logprobs_fused", t)], "fwd_bwd", floor),
        ]
        for key, work, mine, torch_key, fl in rows:
            slow, fast = default[torch_key], reused[torch_key]
            fast = min(slow, fast)  # the stronger PyTorch baseline
            print(f"{work:<32}{t:>8}{mine:>9.2f}{slow:>10.1f}{fast:>10.1f}{fast / mine:>9.1f}x{fl:>8.2f}{mine / fl:>7.2f}x")
            summary.append(f"{key}_{t}t_speedup={fast / mine:.2f} {key}_{t}t_over_floor={mine / fl:.2f}")
    print("\nPyTorch: default allocator (fresh memory, page faults every step); PyTorch*: freed memory kept")
    print("speedup* = min(PyTorch, PyTorch*) / prefrl; floor = max(read logits + write d_logits, one exp per element),")
    print("for the forward max(read logits, one exp per element); all in ms")
    print("result: " + " ".join(summary))


if __name__ == "__main__":
    main()

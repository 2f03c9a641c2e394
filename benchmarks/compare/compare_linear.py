#!/usr/bin/env python3
"""Losses from hidden states, float32, forward + backward: prefrl's bench_linear (fused linear
log-probs, never holding the [rows, vocab] logits) beside PyTorch eager on the same step
(F.linear + log_softmax + gather + loss + backward), equal threads, and beside prefrl's own
materialized path. Two losses: the token NLL (SFT) over every row, and DPO over pairs of
256-token sequences (rows / 4 when fewer rows), at the default chunk (pair by pair: a pair is
4 chunks, the last one's logits formed once), with one pair per chunk (one pass, more memory),
and, as "dpo_2pass", the same step composed from the public forward and backward kernels (every
chunk's logits formed twice).

PyTorch's products go to the system BLAS (Debian's python3-torch is built with BLAS_INFO=generic):
scripts/compare.sh installs OpenBLAS (libopenblas0-pthread), without which they would run on the
reference BLAS, about 20x slower; OPENBLAS_NUM_THREADS is set to the thread count.

Time: median of --repeats, PyTorch with freed memory kept (bench_common.REUSE_MEMORY: no page
faults after warm-up, its strongest setting). Memory: one step in a fresh process, the growth
of the peak resident set (VmHWM) beyond the inputs and the gradient buffers, 1 thread.
GFLOP/s counts the three products (6 rows hidden vocab flops); Eigen's GEMM on the whole shapes
(`gemm_floor`) is the floor of this work.

    python3 benchmarks/compare/compare_linear.py --bench build/release/benchmarks/bench_linear
    python3 benchmarks/compare/compare_linear.py --bench ... --rows 4096 --hidden 512
    python3 benchmarks/compare/compare_linear.py --bench ... --rows 64 --hidden 32 --vocab 1000 --repeats 2
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from bench_common import REUSE_MEMORY, benchmark_medians, run_json_child


def make_problem(rows, hidden, vocab):
    import torch
    g = torch.Generator().manual_seed(7)
    h = torch.randn(rows, hidden, generator=g).requires_grad_()
    w = (2.0 / hidden ** 0.5 * torch.randn(vocab, hidden, generator=g)).requires_grad_()
    labels = torch.randint(0, vocab, (rows,), generator=g)
    steps = min(256, max(1, rows // 4))
    pairs = max(1, rows // (2 * steps))
    ref = torch.full((pairs,), -3.0 * steps)
    return h, w, labels, steps, pairs, ref


def step_fn(case, rows, hidden, vocab):
    import torch
    import torch.nn.functional as F
    h, w, labels, steps, pairs, ref = make_problem(rows, hidden, vocab)
    n = 2 * pairs * steps

    def nll():
        h.grad = None  # optimizer.zero_grad(set_to_none=True), PyTorch's default
        w.grad = None
        lp = torch.log_softmax(F.linear(h, w), dim=-1).gather(1, labels[:, None])[:, 0]
        (-lp.mean()).backward()

    def dpo():
        h.grad = None
        w.grad = None
        lp = torch.log_softmax(F.linear(h[:n], w), dim=-1).gather(1, labels[:n, None])[:, 0]
        seq = lp.view(2 * pairs, steps).sum(1)
        u = 0.1 * ((seq[:pairs] - ref) - (seq[pairs:] - ref))
        (-F.logsigmoid(u).mean()).backward()

    return (nll if case == "nll" else dpo), h, w


def torch_times(rows, hidden, vocab, threads, repeats):
    import torch
    torch.set_num_threads(threads)
    out = {}
    for case in ("nll", "dpo"):
        run, _, _ = step_fn(case, rows, hidden, vocab)
        run()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            samples.append((time.perf_counter() - start) * 1e3)
        out[case] = statistics.median(samples)
    return out


def peak_mb():
    """This process's peak resident set (VmHWM). Not getrusage's ru_maxrss: Linux carries it
    across exec, so a child would start from its parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def torch_memory(case, rows, hidden, vocab):
    import torch
    torch.set_num_threads(1)
    run, h, w = step_fn(case, rows, hidden, vocab)
    before = peak_mb()
    run()
    after = peak_mb()
    gradients = (h.numel() + w.numel()) * 4 / 2 ** 20  # allocated by backward: not extra
    return {"extra_mb": after - before - gradients}


def prefrl_memory(bench, case, sizes):
    env = dict(os.environ, OMP_NUM_THREADS="1", **{k: str(v) for k, v in sizes.items()})
    out = subprocess.run([bench, f"--peak-memory={case}"], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["extra_mb"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", help="path to prefrl's bench_linear")
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--torch-memory", choices=["nll", "dpo"], help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=2048)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit("compare_linear.py: PyTorch is missing; install it with: apt-get install -y python3-torch")
    if args.torch_worker:
        print(json.dumps(torch_times(args.rows, args.hidden, args.vocab, args.threads[0], args.repeats)))
        return
    if args.torch_memory:
        print(json.dumps(torch_memory(args.torch_memory, args.rows, args.hidden, args.vocab)))
        return
    if not args.bench:
        parser.error("--bench is required")

    sizes = {"PREFRL_BENCH_ROWS": args.rows, "PREFRL_BENCH_HIDDEN": args.hidden, "PREFRL_BENCH_VOCAB": args.vocab}
    size_args = ["--rows", str(args.rows), "--hidden", str(args.hidden), "--vocab", str(args.vocab)]
    ours = benchmark_medians(args.bench, sizes, args.repeats)
    gflop = 6.0 * args.rows * args.hidden * args.vocab * 1e-9
    steps = min(256, max(1, args.rows // 4))
    dpo_rows = 2 * steps * max(1, args.rows // (2 * steps))
    print(f"Losses from hidden states, float32, fwd + bwd, [rows, hidden, vocab] = [{args.rows}, {args.hidden}, "
          f"{args.vocab}], median of {args.repeats} (ms)\n")
    header = (f"{'step':<10}{'threads':>8}{'prefrl':>9}{'materialized':>14}{'PyTorch':>10}{'speedup':>9}"
              f"{'GFLOP/s':>9}{'Eigen GEMM':>12}")
    print(header)
    print("-" * len(header))
    summary = []
    for t in args.threads:
        if ("gemm_floor", t) not in ours:
            print(f"(prefrl has no {t}-thread results: built without OpenMP?)")
            continue
        theirs = run_json_child(__file__, ["--torch-worker", "--threads", str(t), "--repeats", str(args.repeats),
                                           *size_args], dict(REUSE_MEMORY, OPENBLAS_NUM_THREADS=str(t)))
        floor = ours[("gemm_floor", t)]
        for case, rows, variant in (("nll", args.rows, "fused"), ("dpo", dpo_rows, "fused"),
                                    ("dpo_1pass", dpo_rows, "fused_one_pass"), ("dpo_2pass", dpo_rows, "two_passes")):
            base = case.split("_")[0]
            mine, materialized = ours[(f"linear_{base}:{variant}", t)], ours[(f"linear_{base}:materialized", t)]
            case_gflop = gflop * rows / args.rows
            theirs[case] = theirs[base]
            print(f"{case:<10}{t:>8}{mine:>9.1f}{materialized:>14.1f}{theirs[case]:>10.1f}{theirs[case] / mine:>8.2f}x"
                  f"{case_gflop / mine * 1e3:>9.1f}{gflop / floor * 1e3:>12.1f}")
            summary.append(f"{case}_{t}t_speedup={theirs[case] / mine:.2f}")
        summary.append(f"gemm_{t}t_fraction={floor * 1.0 / ours[('linear_nll:fused', t)]:.2f}")
    print(f"\nPeak extra memory of one step, beyond inputs and gradients (MB, 1 thread):\n")
    header = f"{'step':<10}{'prefrl':>9}{'materialized':>14}{'PyTorch':>10}{'prefrl/PyTorch':>16}"
    print(header)
    print("-" * len(header))
    for case in ("nll", "dpo", "dpo_1pass"):
        base = case.split("_")[0]
        mine = prefrl_memory(args.bench, "fused_dpo_one_pass" if case == "dpo_1pass" else f"fused_{case}", sizes)
        materialized = prefrl_memory(args.bench, f"materialized_{base}", sizes)
        theirs = run_json_child(__file__, ["--torch-memory", base, *size_args], {"OPENBLAS_NUM_THREADS": "1"})["extra_mb"]
        ratio = mine / theirs if theirs > 0 else float("nan")
        print(f"{case:<10}{mine:>9.1f}{materialized:>14.1f}{theirs:>10.1f}{100 * ratio:>15.1f}%")
        summary.append(f"{case}_memory_fraction={ratio:.3f}")
    print("\nspeedup = PyTorch / prefrl; GFLOP/s of prefrl's step (3 products counted, also where the logits are formed")
    print("more than once); Eigen GEMM: its three products alone on the whole shapes; dpo: the default chunk, pair by")
    print("pair (a pair's last chunk formed once, the others twice); dpo_1pass: chunks of one whole pair, one pass;")
    print("dpo_2pass: the public forward and backward kernels, every chunk formed twice")
    print("result: " + " ".join(summary))


if __name__ == "__main__":
    main()

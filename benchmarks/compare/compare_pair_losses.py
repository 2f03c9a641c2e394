#!/usr/bin/env python3
"""Pairwise preference losses, forward + backward on 10^6 pairs, and DPO from logits
[16, 256, 32000]: prefrl vs PyTorch.

Runs each loss in PyTorch (Debian's python3-torch, float32, autograd) and in prefrl's Google
Benchmark program `bench_preference` (`pair_loss:<name>`, gradients into reused buffers), at
the same thread counts, and prints one table with the speedup and prefrl's ratio to the floor
(reading 4 floats and writing 2 per pair, `floor_pair_read_write`).

    python3 benchmarks/compare/compare_pair_losses.py --bench build/release/benchmarks/bench_preference
    python3 benchmarks/compare/compare_pair_losses.py --bench ... --pairs 1000 --rows 64 --vocab 1000 --repeats 2   # tiny

PyTorch's work per step is what TRL's DPOTrainer.dpo_loss / CPOTrainer / the papers' code do
for the loss: the loss from the four sequence log-probs (plus lengths, anchors, win rates or
targets where the loss reads them), the detached rewards and TRL's logged means
(rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins, logps), and the
backward of the mean loss to the policy's chosen and rejected log-probs (grads reset to None
each step). PyTorch runs in child processes twice, with glibc's default allocator and with
freed memory kept (MALLOC_MMAP_MAX_=0: no page faults after warm-up); the faster is reported.
"""

import argparse
import json
import math
import statistics
import sys
import time

from bench_common import REUSE_MEMORY, benchmark_medians, run_json_child

# TRL's loss_type names, in bench_preference's order
LOSSES = ["sigmoid", "cdpo", "sigmoid_forward_kl", "sigmoid_js_divergence", "sigmoid_alpha_divergence", "robust",
          "hinge", "ipo", "ipo_summed", "exo_pair", "nca_pair", "bco_pair", "sppo_hard", "apo_zero", "apo_down",
          "discopop", "sigmoid_norm", "aot", "aot_unpaired", "simpo", "orpo_odds_ratio", "sppo", "inpo", "dno"]


def torch_losses(torch):
    F = torch.nn.functional
    beta = 0.1
    cap = math.log(torch.finfo(torch.float32).max)

    def sigmoid_family(eps=0.0, score=None):
        def loss(d):
            a, b = d["c"] - d["c0"], d["r"] - d["r0"]
            if score is not None:
                a, b = score(a), score(b)
            u = beta * (a - b)
            return -F.logsigmoid(u) * (1 - eps) - F.logsigmoid(-u) * eps
        return loss

    def margin(d):
        return beta * ((d["c"] - d["c0"]) - (d["r"] - d["r0"]))

    def discopop(d):
        z = margin(d)
        m = torch.sigmoid(z / 0.05)
        return -F.logsigmoid(z) * (1 - m) + torch.exp(-z) * m

    def aot(paired):
        def loss(d):
            if paired:
                first, second = d["c"] - d["r"], d["c0"] - d["r0"]
            else:
                first, second = d["c"] - d["c0"], d["r"] - d["r0"]
            delta = torch.sort(first, dim=0)[0] - torch.sort(second, dim=0)[0]
            return -F.logsigmoid(beta * delta)
        return loss

    def orpo(d):
        cb, rb = d["c"] / d["lc"], d["r"] / d["lr"]
        log_odds = (cb - rb) - (torch.log1p(-torch.exp(cb)) - torch.log1p(-torch.exp(rb)))
        return -0.1 * F.logsigmoid(log_odds)

    def inpo(d):
        k, eta = 1.0 / 3.0, 0.005
        h = (d["c"] - d["r"]) - k * (d["c0"] - d["r0"]) - (1 - k) * (d["ac"] - d["ar"])
        return (h - 1 / (2 * eta)) ** 2

    def dno(d):
        z = 0.1 * ((d["c"] - d["ac"]) - (d["r"] - d["ar"]))
        return -d["target"] * F.logsigmoid(z) - (1 - d["target"]) * F.logsigmoid(-z)

    eps_exo = 1e-3
    return {
        "sigmoid": sigmoid_family(),
        "cdpo": sigmoid_family(eps=0.1),
        "sigmoid_forward_kl": sigmoid_family(score=lambda t: -torch.exp(torch.clamp(-t, max=cap))),
        "sigmoid_js_divergence": sigmoid_family(score=F.logsigmoid),
        "sigmoid_alpha_divergence": sigmoid_family(score=lambda t: -torch.exp(torch.clamp(-0.5 * t, max=cap)) / 0.5),
        "robust": lambda d: (-F.logsigmoid(margin(d)) * 0.9 + F.logsigmoid(-margin(d)) * 0.1) / 0.8,
        "hinge": lambda d: torch.relu(1 - margin(d)),
        "ipo": lambda d: ((d["c"] - d["c0"]) / d["lc"] - (d["r"] - d["r0"]) / d["lr"] - 1 / (2 * beta)) ** 2,
        "ipo_summed": lambda d: ((d["c"] - d["c0"]) - (d["r"] - d["r0"]) - 1 / (2 * beta)) ** 2,
        "exo_pair": lambda d: (torch.sigmoid(margin(d)) * (F.logsigmoid(margin(d)) - math.log1p(-eps_exo))
                               + torch.sigmoid(-margin(d)) * (F.logsigmoid(-margin(d)) - math.log(eps_exo))),
        "nca_pair": lambda d: (-F.logsigmoid(beta * (d["c"] - d["c0"])) - 0.5 * F.logsigmoid(-beta * (d["c"] - d["c0"]))
                               - 0.5 * F.logsigmoid(-beta * (d["r"] - d["r0"]))),
        "bco_pair": lambda d: (-F.logsigmoid(beta * (d["c"] - d["c0"]) - 0.0)
                               - F.logsigmoid(-(beta * (d["r"] - d["r0"]) - 0.0))),
        "sppo_hard": lambda d: ((d["c"] - d["c0"]) - 1 / (2 * beta)) ** 2 + ((d["r"] - d["r0"]) + 1 / (2 * beta)) ** 2,
        "apo_zero": lambda d: 1 - torch.sigmoid(beta * (d["c"] - d["c0"])) + torch.sigmoid(beta * (d["r"] - d["r0"])),
        "apo_down": lambda d: torch.sigmoid(beta * (d["c"] - d["c0"])) + 1 - torch.sigmoid(margin(d)),
        "discopop": discopop,
        "sigmoid_norm": lambda d: -F.logsigmoid(beta * ((d["c"] - d["c0"]) / d["lc"] - (d["r"] - d["r0"]) / d["lr"])),
        "aot": aot(True),
        "aot_unpaired": aot(False),
        "simpo": lambda d: -F.logsigmoid(2.0 * (d["c"] / d["lc"] - d["r"] / d["lr"]) - 0.5),
        "orpo_odds_ratio": orpo,
        "sppo": lambda d: 0.5 * (((d["c"] - d["ac"]) - (d["wc"] - 0.5) / 0.001) ** 2
                                 + ((d["r"] - d["ar"]) - (d["wr"] - 0.5) / 0.001) ** 2),
        "inpo": inpo,
        "dno": dno,
    }


def torch_times(pairs, threads, repeats):
    import torch

    torch.manual_seed(1)
    torch.set_num_threads(threads)
    n = pairs
    c = (-20 + 5 * torch.randn(n)).clamp(max=-0.01).requires_grad_(True)
    r = (-22 + 5 * torch.randn(n)).clamp(max=-0.01).requires_grad_(True)
    d = {"c": c, "r": r, "c0": c.detach() + torch.randn(n), "r0": r.detach() + torch.randn(n),
         "lc": torch.randint(10, 110, (n,)).float(), "lr": torch.randint(10, 110, (n,)).float(),
         "ac": c.detach() + 0.1 * torch.randn(n), "ar": r.detach() + 0.1 * torch.randn(n),
         "wc": torch.rand(n), "wr": torch.rand(n), "target": torch.rand(n)}
    out = {}
    for name, loss_fn in torch_losses(torch).items():
        def step():
            c.grad = None
            r.grad = None
            loss = loss_fn(d)
            rc, rr = 0.1 * (c - d["c0"]).detach(), 0.1 * (r - d["r0"]).detach()  # TRL's rewards
            metrics = torch.stack([rc.mean(), rr.mean(), (rc > rr).float().mean(), (rc - rr).mean(),
                                   c.detach().mean(), r.detach().mean()])
            loss.mean().backward()
            return metrics
        for _ in range(3):
            step()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            samples.append((time.perf_counter() - start) * 1e3)
        out[name] = statistics.median(samples)
    return out


def torch_dpo_from_logits(rows, vocab, threads, repeats):
    """DPO from logits as TRL computes it: log_softmax, gather, masked per-sequence sums,
    the loss, and the backward to the logits (16 sequences: 8 pairs)."""
    import torch
    F = torch.nn.functional

    torch.manual_seed(2)
    torch.set_num_threads(threads)
    steps = max(1, rows // 16)
    logits = (4.0 * torch.randn(rows, vocab)).requires_grad_(True)
    labels = torch.randint(0, vocab, (rows,))
    mask = torch.ones(rows)
    pairs = rows // (2 * steps)
    ref = torch.full((pairs,), -10.0 * steps)

    def step():
        logits.grad = None
        lp = torch.log_softmax(logits, dim=-1).gather(-1, labels[:, None]).squeeze(-1) * mask
        seq = lp.view(2 * pairs, steps).sum(-1)
        u = 0.1 * ((seq[:pairs] - ref) - (seq[pairs:] - ref))
        (-F.logsigmoid(u)).mean().backward()

    for _ in range(2):
        step()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def torch_times_in_child(args, threads, extra_env, worker="--torch-worker"):
    return run_json_child(__file__, [worker, "--pairs", str(args.pairs), "--rows", str(args.rows), "--vocab",
                                     str(args.vocab), "--threads", str(threads), "--repeats", str(args.repeats)],
                          extra_env)


def prefrl_times(bench, pairs, rows, vocab, repeats):
    sizes = {"PREFRL_BENCH_PAIRS": pairs, "PREFRL_BENCH_ROWS": rows, "PREFRL_BENCH_VOCAB": vocab}
    times = benchmark_medians(bench, sizes, repeats, "pair_loss:|floor_pair|dpo_from_logits")
    return {(name.removeprefix("pair_loss:"), threads): ms for (name, threads), ms in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", help="path to prefrl's bench_preference")
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--torch-logits-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pairs", type=int, default=1000000)
    parser.add_argument("--rows", type=int, default=4096, help="DPO from logits: 2B x T rows (16 sequences)")
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit("compare_pair_losses.py: PyTorch is missing; install it with: apt-get install -y python3-torch")
    if args.torch_worker:
        print(json.dumps(torch_times(args.pairs, args.threads[0], args.repeats)))
        return
    if args.torch_logits_worker:
        print(json.dumps(torch_dpo_from_logits(args.rows, args.vocab, args.threads[0], args.repeats)))
        return
    if not args.bench:
        parser.error("--bench is required")

    ours = prefrl_times(args.bench, args.pairs, args.rows, args.vocab, args.repeats)
    print(f"pair losses, forward + backward, float32, {args.pairs} pairs, median of {args.repeats} runs (ms)\n")
    header = f"{'loss (TRL loss_type)':<28}{'threads':>8}{'prefrl':>9}{'PyTorch':>10}{'speedup':>9}{'/floor':>8}"
    print(header)
    print("-" * len(header))
    summary = []
    for t in args.threads:
        if ("floor_pair_read_write", t) not in ours:
            print(f"(prefrl has no {t}-thread results: built without OpenMP?)")
            continue
        default = torch_times_in_child(args, t, {})
        reused = torch_times_in_child(args, t, REUSE_MEMORY)
        floor = ours[("floor_pair_read_write", t)]
        speedups = []
        for name in LOSSES:
            mine, theirs = ours[(name, t)], min(default[name], reused[name])
            speedups.append(theirs / mine)
            print(f"{name:<28}{t:>8}{mine:>9.3f}{theirs:>10.2f}{theirs / mine:>8.1f}x{mine / floor:>7.1f}x")
        print(f"{'floor (read 4, write 2)':<28}{t:>8}{floor:>9.3f}")
        geo = math.exp(sum(math.log(s) for s in speedups) / len(speedups))
        summary.append(f"pair_losses_{t}t_geomean_speedup={geo:.2f} pair_losses_{t}t_min_speedup={min(speedups):.2f}")
        mine = ours[("dpo_from_logits", t)]
        theirs = min(torch_times_in_child(args, t, {}, "--torch-logits-worker"),
                     torch_times_in_child(args, t, REUSE_MEMORY, "--torch-logits-worker"))
        print(f"{'DPO from logits':<28}{t:>8}{mine:>9.2f}{theirs:>10.2f}{theirs / mine:>8.1f}x   [{args.rows}, {args.vocab}]")
        summary.append(f"dpo_from_logits_{t}t_speedup={theirs / mine:.2f}")
    print("\nPyTorch: the faster of glibc's default allocator and freed memory kept; speedup = PyTorch / prefrl;")
    print("/floor = prefrl / floor_pair_read_write at the same thread count")
    print("result: " + " ".join(summary))


if __name__ == "__main__":
    main()

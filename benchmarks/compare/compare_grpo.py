#!/usr/bin/env python3
"""GRPO-family policy losses, float32, forward + backward: prefrl's bench_grpo beside the same
lines of TRL's `GRPOTrainer._compute_loss` in PyTorch (autograd for d_logps), equal threads.

- `policy_loss` on [B, T] = [256, 1024]: a ragged off-policy batch with a reference model
  (beta = 0.04), every TRL loss_type (and GSPO: grpo at sequence level). PyTorch computes the
  loss and its backward only (no logged metrics; prefrl computes TRL's metrics as well).
- GRPO from logits [16 x 256, 32000]: log_softmax + gather + TRL's grpo loss + backward.

Each PyTorch timing is the faster of glibc's default allocator and freed memory kept
(bench_common.REUSE_MEMORY).

    python3 benchmarks/compare/compare_grpo.py --bench build/release/benchmarks/bench_grpo
    python3 benchmarks/compare/compare_grpo.py --bench ... --completions 16 --steps 64 --rows 64 --vocab 1000 --repeats 2
"""

import argparse
import json
import statistics
import sys
import time

from bench_common import REUSE_MEMORY, benchmark_medians, run_json_child

LOSSES = ["grpo", "bnpo", "dr_grpo", "dapo", "cispo", "sapo", "gspo"]


def trl_loss(loss_type, logps, old, ref, adv, mask, beta=0.04, eps_low=0.2, eps_high=None, level="token"):
    """The lines of TRL's _compute_loss (f2cd577) for one loss type."""
    import torch
    if eps_high is None:
        eps_high = {"dapo": 0.28, "cispo": 5.0}.get(loss_type, 0.2)
    advantages = adv.unsqueeze(1)
    log_ratio = logps - old
    if level == "token":
        log_importance_weights = log_ratio
    else:
        log_importance_weights = ((log_ratio * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).unsqueeze(-1)
    coef_1 = torch.exp(log_importance_weights)
    per_token_kl = torch.exp(ref - logps) - (ref - logps) - 1
    if loss_type == "cispo":
        clamped = torch.clamp(coef_1, max=eps_high).detach()
        per_token_loss = -clamped * advantages * logps
    elif loss_type == "sapo":
        temperatures = torch.where(advantages > 0, 1.0, 1.05)
        per_token_loss = -torch.sigmoid(temperatures * (coef_1 - 1)) * 4 / temperatures * advantages
    else:
        coef_2 = torch.clamp(coef_1, 1 - eps_low, 1 + eps_high)
        per_token_loss = -torch.min(coef_1 * advantages, coef_2 * advantages)
    per_token_loss = per_token_loss + beta * per_token_kl
    if loss_type in ("grpo", "sapo"):
        return ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
    if loss_type == "bnpo":
        return (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0)
    if loss_type == "dr_grpo":
        return (per_token_loss * mask).sum() / (per_token_loss.size(0) * per_token_loss.size(1))
    return (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0)


def timed(run, repeats, inner):
    run()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            run()
        samples.append((time.perf_counter() - start) * 1e3 / inner)
    return statistics.median(samples)


def torch_policy_losses(B, T, threads, repeats):
    import torch
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(T // 4, T + 1, (B,), generator=g)
    mask = (torch.arange(T)[None, :] < lengths[:, None]).float()
    logps = (-torch.randn(B, T, generator=g).abs() - 0.01).requires_grad_()
    old = logps.detach() + 0.2 * torch.randn(B, T, generator=g)
    ref = logps.detach() + 0.2 * torch.randn(B, T, generator=g)
    adv = torch.randn(B, generator=g)
    out = {}
    inner = max(1, int(2e7 // (B * T)))
    for name in LOSSES:
        loss_type, level = ("grpo", "sequence") if name == "gspo" else (name, "token")

        def run():
            logps.grad = None
            trl_loss(loss_type, logps, old, ref, adv, mask, level=level).backward()
        out[name] = timed(run, repeats, inner)
    return out


def torch_from_logits(rows, vocab, threads, repeats):
    import torch
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    B = 16
    T = max(1, rows // B)
    logits = (4.0 * torch.randn(B, T, vocab, generator=g)).requires_grad_()
    labels = torch.randint(0, vocab, (B, T), generator=g)
    mask = torch.ones(B, T)
    with torch.no_grad():
        lp0 = torch.log_softmax(logits, dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    old = lp0 + 0.1 * torch.randn(B, T, generator=g)
    ref = lp0 + 0.1 * torch.randn(B, T, generator=g)
    adv = torch.full((B,), 0.5)

    def run():
        logits.grad = None
        logps = torch.log_softmax(logits, dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        trl_loss("grpo", logps, old, ref, adv, mask).backward()
    return timed(run, repeats, 1)


def child(args, threads, extra_env, worker):
    return run_json_child(__file__, [worker, "--completions", str(args.completions), "--steps", str(args.steps),
                                     "--rows", str(args.rows), "--vocab", str(args.vocab), "--threads", str(threads),
                                     "--repeats", str(args.repeats)], extra_env)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", help="path to prefrl's bench_grpo")
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--torch-logits-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--completions", type=int, default=256)
    parser.add_argument("--steps", type=int, default=1024)
    parser.add_argument("--rows", type=int, default=4096, help="from logits: 16 completions x T rows")
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit("compare_grpo.py: PyTorch is missing; install it with: apt-get install -y python3-torch")
    if args.torch_worker:
        print(json.dumps(torch_policy_losses(args.completions, args.steps, args.threads[0], args.repeats)))
        return
    if args.torch_logits_worker:
        print(json.dumps(torch_from_logits(args.rows, args.vocab, args.threads[0], args.repeats)))
        return
    if not args.bench:
        parser.error("--bench is required")

    sizes = {"PREFRL_BENCH_COMPLETIONS": args.completions, "PREFRL_BENCH_STEPS": args.steps,
             "PREFRL_BENCH_ROWS": args.rows, "PREFRL_BENCH_VOCAB": args.vocab}
    ours = benchmark_medians(args.bench, sizes, args.repeats)
    print(f"GRPO-family policy losses, forward + backward, float32, [B, T] = [{args.completions}, {args.steps}], "
          f"median of {args.repeats} runs (ms)\n")
    header = f"{'loss (TRL loss_type)':<24}{'threads':>8}{'prefrl':>9}{'PyTorch':>10}{'speedup':>9}{'/floor':>8}"
    print(header)
    print("-" * len(header))
    summary = []
    for t in args.threads:
        if ("floor_token_read_write", t) not in ours:
            print(f"(prefrl has no {t}-thread results: built without OpenMP?)")
            continue
        default = child(args, t, {}, "--torch-worker")
        reused = child(args, t, REUSE_MEMORY, "--torch-worker")
        floor = ours[("floor_token_read_write", t)]
        speedups = []
        for name in LOSSES:
            mine, theirs = ours[("policy_loss:" + name, t)], min(default[name], reused[name])
            speedups.append(theirs / mine)
            print(f"{name:<24}{t:>8}{mine:>9.3f}{theirs:>10.2f}{theirs / mine:>8.1f}x{mine / floor:>7.1f}x")
        print(f"{'floor (read 4, write 1)':<24}{t:>8}{floor:>9.3f}")
        summary.append(f"policy_loss_{t}t_min_speedup={min(speedups):.2f}")
        mine = ours[("grpo_from_logits", t)]
        theirs = min(child(args, t, {}, "--torch-logits-worker"), child(args, t, REUSE_MEMORY, "--torch-logits-worker"))
        copy = ours[("floor_logits_copy", t)]
        print(f"{'GRPO from logits':<24}{t:>8}{mine:>9.2f}{theirs:>10.2f}{theirs / mine:>8.1f}x{mine / copy:>7.1f}x"
              f"   [{args.rows}, {args.vocab}]")
        in_place = ours[("grpo_from_logits_in_place", t)]
        print(f"{'  in place (d = logits)':<24}{t:>8}{in_place:>9.2f}{theirs:>10.2f}{theirs / in_place:>8.1f}x"
              f"{in_place / copy:>7.1f}x")
        print(f"{'floor (copy the logits)':<24}{t:>8}{copy:>9.2f}")
        summary.append(f"grpo_from_logits_{t}t_speedup={theirs / mine:.2f}")
        summary.append(f"grpo_from_logits_in_place_{t}t_speedup={theirs / in_place:.2f}")
    print("\nPyTorch: TRL's _compute_loss lines + backward, the faster of glibc's default allocator and freed memory kept;")
    print("speedup = PyTorch / prefrl; /floor = prefrl / floor_token_read_write (policy losses) or / floor_logits_copy")
    print("(from logits) at the same thread count")
    print("result: " + " ".join(summary))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Linear self-attention (von Oswald et al. 2023), d = 10, float32: prefrl vs PyTorch.

The same model in PyTorch (Debian's python3-torch, autograd), written as the authors' code
and most users would write it: batched matmuls over a [B, D, N+1] token tensor, the query
loss (1/(2B)) sum (y_hat - y_q)^2, backward to every weight. Two measurements:

- forward + backward for a batch of 1024 pre-sampled tasks, N = 10, 25, 50, 100, one and two
  layers (prefrl: `lsa_forward_backward`; one layer takes its query-only path, its algebra in
  docs/icl.md, while PyTorch computes the whole token update as the model is written);
- a training step at N = 10, batch 512: sampling fresh tasks, forward, backward, global-norm
  clipping, Adam (prefrl: `lsa_train_step`, `icl::lsa_trainer::step`).

    python3 benchmarks/compare/compare_icl.py --bench build/release/benchmarks/bench_icl
    python3 benchmarks/compare/compare_icl.py --bench ... --tasks 64 --repeats 2      # tiny
"""

import argparse
import statistics
import time

from bench_common import REUSE_MEMORY, benchmark_medians, run_json_child

CONTEXTS = [10, 25, 50, 100]
LAYERS = [1, 2]


def torch_times(tasks, threads, repeats):
    import torch

    torch.manual_seed(3)
    torch.set_num_threads(threads)
    d, dim = 10, 11

    def sample(batch, context):
        w = torch.randn(batch, d)
        x = 2 * torch.rand(batch, context + 1, d) - 1
        y = torch.einsum("bnd,bd->bn", x, w)
        z = torch.cat([x, y[:, :, None]], dim=2).transpose(1, 2).contiguous()  # [B, D, N+1]
        target = z[:, d, -1].clone()
        z[:, d, -1] = 0
        return z, target

    def weights(layers):
        return [[(0.05 * torch.randn(dim, dim)).requires_grad_(True) for _ in range(4)] for _ in range(layers)]

    def loss_of(z, target, params):
        for key, query, value, projection in params:
            c = z[:, :, :-1]
            scores = (key @ c).transpose(1, 2) @ (query @ z)  # [B, N, N+1]
            z = z + projection @ ((value @ c) @ scores)
        y_hat = -z[:, d, -1]
        return 0.5 * ((y_hat - target) ** 2).mean()

    def median_ms(step):
        for _ in range(3):
            step()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            samples.append((time.perf_counter() - start) * 1e3)
        return statistics.median(samples)

    out = {}
    for layers in LAYERS:
        params = weights(layers)
        flat = [p for layer in params for p in layer]
        for context in CONTEXTS:
            z, target = sample(tasks, context)

            def step():
                for p in flat:
                    p.grad = None
                loss_of(z, target, params).backward()

            out[f"lsa_forward_backward:N={context}:L={layers}"] = median_ms(step)
        optimizer = torch.optim.Adam(flat, lr=1e-3, betas=(0.9, 0.98), eps=1e-8)

        def train_step():
            z, target = sample(tasks // 2, 10)
            optimizer.zero_grad(set_to_none=True)
            loss_of(z, target, params).backward()
            torch.nn.utils.clip_grad_norm_(flat, 0.001)
            optimizer.step()

        out[f"lsa_train_step:L={layers}"] = median_ms(train_step)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", help="path to prefrl's bench_icl")
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tasks", type=int, default=1024, help="tasks per forward+backward (train steps use half)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    if args.torch_worker:
        import json
        print(json.dumps(torch_times(args.tasks, args.threads[0], args.repeats)))
        return
    if not args.bench:
        parser.error("--bench is required")

    ours = benchmark_medians(args.bench, {"PREFRL_BENCH_TASKS": args.tasks}, min(args.repeats, 5))
    print(f"linear self-attention, d = 10, float32, median times (ms); forward+backward on {args.tasks} tasks,")
    print(f"a training step (sample, forward, backward, clip, Adam) on {args.tasks // 2} tasks at N = 10\n")
    header = f"{'benchmark':<36}{'threads':>8}{'prefrl':>10}{'PyTorch':>10}{'speedup':>9}"
    print(header)
    print("-" * len(header))
    summary = []
    for t in args.threads:
        worker = ["--torch-worker", "--tasks", str(args.tasks), "--threads", str(t), "--repeats", str(args.repeats)]
        default = run_json_child(__file__, worker, {})
        reused = run_json_child(__file__, worker, REUSE_MEMORY)
        for name in default:
            if (name, t) not in ours:
                print(f"(prefrl has no {name} at {t} threads: built without OpenMP?)")
                continue
            mine, theirs = ours[(name, t)], min(default[name], reused[name])
            print(f"{name:<36}{t:>8}{mine:>10.3f}{theirs:>10.3f}{theirs / mine:>8.1f}x")
            if name.startswith("lsa_train_step") or name.endswith("N=10:L=2") or name.endswith("N=10:L=1"):
                key = name.replace("lsa_", "").replace(":N=", "_n").replace(":L=", "_l").replace("forward_backward", "fwd_bwd")
                summary.append(f"{key}_{t}t_speedup={theirs / mine:.2f}")
    print("\nPyTorch: the faster of glibc's default allocator and freed memory kept; speedup = PyTorch / prefrl")
    print("result: " + " ".join(summary))


if __name__ == "__main__":
    main()

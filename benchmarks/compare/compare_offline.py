#!/usr/bin/env python3
"""Offline-RL terms, float32, forward + backward on a batch of 10^5, prefrl vs the same loss
written in PyTorch the way the authors' code writes it (CORL, Div99/XQL, DVL, ltlhuuu/A2PR,
sweetice/BEER-ICLR2024, cassidylaidlaw/orpo), autograd for the gradients; both at one thread.

Each PyTorch timing is one forward and `backward()` from leaf tensors that require grad (the
gradients prefrl returns); the inputs are created once. Both processes run with glibc keeping
freed memory (bench_common.REUSE_MEMORY), so neither pays page faults for fresh result arrays. Shapes as in bench_offline: CQL over 18
actions, continuous CQL over 30 sampled actions, 6 action dimensions, BEER on 64 features.

    python3 benchmarks/compare/compare_offline.py --bench build/release/benchmarks/bench_offline
    python3 benchmarks/compare/compare_offline.py --bench ... --batch 1000 --repeats 2     # tiny
"""

import argparse
import statistics
import time

from bench_common import REUSE_MEMORY, benchmark_medians, run_json_child

# (bench_offline name, label in the table)
TERMS = [("expectile", "IQL expectile"), ("gumbel", "XQL Gumbel (stabilized)"), ("fdvl_chi_square", "f-DVL chi-square"),
         ("cql_discrete", "CQL discrete, 18 actions"), ("cql_continuous", "CQL continuous, 30 samples"),
         ("td3_bc", "TD3+BC actor, 6 dims"), ("a2pr", "A2PR actor, 6 dims"), ("beer", "BEER, 64 features"),
         ("occupancy_discriminator", "ORPO discriminator"), ("awr_weighted_bc", "AWR weights + weighted BC, 18 actions"),
         ("odice_project", "ODICE projection")]


def torch_times(batch, repeats):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)

    def randn(*shape, scale=1.0, shift=0.0, grad=False):
        t = torch.randn(*shape, generator=g) * scale + shift
        return t.requires_grad_() if grad else t

    leaves = []

    def timed(step):
        def run():
            for leaf in leaves:
                leaf.grad = None
            step().backward()
        run()
        samples = []
        for _ in range(repeats):
            inner = max(1, int(2e6 // batch))
            start = time.perf_counter()
            for _ in range(inner):
                run()
            samples.append((time.perf_counter() - start) * 1e6 / inner)
        return statistics.median(samples)

    out = {}
    q, v = randn(batch), randn(batch, grad=True)
    leaves[:] = [v]

    def expectile():
        diff = q - v
        weight = torch.where(diff > 0, 0.7, 0.3)
        return (weight * diff ** 2).mean()
    out["expectile"] = timed(expectile)

    def gumbel():
        z = torch.clamp((q - v) / 1.0, max=7.0)
        max_z = torch.clamp(torch.max(z), min=-1.0).detach()
        return (torch.exp(z - max_z) - z * torch.exp(-max_z) - torch.exp(-max_z)).mean()
    out["gumbel"] = timed(gumbel)

    def fdvl():
        x = q - v
        return (0.8 * torch.relu(x + x ** 2 / 4) - 0.2 * x).mean()
    out["fdvl_chi_square"] = timed(fdvl)

    qa = randn(batch, 18, grad=True)
    actions = torch.arange(batch) * 7 % 18
    leaves[:] = [qa]
    out["cql_discrete"] = timed(lambda: 1.0 * (torch.logsumexp(qa, dim=1) - qa.gather(1, actions[:, None]).squeeze(1)).mean())

    qs, logd, qd = randn(batch, 30, scale=2.0, grad=True), randn(batch, 30), randn(batch, grad=True)
    leaves[:] = [qs, qd]
    out["cql_continuous"] = timed(lambda: 5.0 * (torch.logsumexp(qs - logd, dim=1) - qd).mean())

    pi, a, qpi = randn(batch, 6, grad=True), randn(batch, 6), randn(batch, shift=3.0, grad=True)
    leaves[:] = [pi, qpi]

    def td3_bc():
        lmbda = 2.5 / qpi.abs().mean().detach()
        return -lmbda * qpi.mean() + F.mse_loss(pi, a)
    out["td3_bc"] = timed(td3_bc)

    recon, q_new, q_gen, value = randn(batch, 6), randn(batch, 1), randn(batch, 1), randn(batch, 1)
    qpi2 = randn(batch, 1, shift=3.0, grad=True)
    leaves[:] = [pi, qpi2]

    def a2pr():
        lmbda = 2.5 / qpi2.abs().mean().detach()
        adv_a, adv_pi = q_new - value, q_gen - value
        embedding = recon * (adv_pi >= adv_a) + a * (adv_a > adv_pi)
        adv = 1.0 * ((q_gen >= value).float() + (q_new > value).float())
        return -lmbda * qpi2.mean() + (torch.square(pi - embedding) * adv).mean()
    out["a2pr"] = timed(a2pr)

    phi = randn(batch, 64).abs().requires_grad_()
    online, target = randn(batch, 64).abs(), (phi.detach() + randn(batch, 64, scale=0.3)).abs()
    reward, weight = randn(batch, 1, scale=3.0), randn(1, 64)
    leaves[:] = [phi]

    def beer():
        with torch.no_grad():
            norm_w = torch.norm(weight) ** 2
            bound = (0.5 / 0.99) * (torch.norm(phi, dim=1, keepdim=True) ** 2 + 0.99 ** 2 * torch.norm(online, dim=1, keepdim=True) ** 2
                                    - reward ** 2 / norm_w)
            bound = bound / (torch.norm(phi, dim=1, keepdim=True) * torch.norm(target, dim=1, keepdim=True))
        return 1e-3 * F.relu(F.cosine_similarity(phi, target, dim=1, eps=1e-6) - bound.reshape(1, -1)).mean()
    out["beer"] = timed(beer)

    ps, rs = randn(batch, scale=2.0, grad=True), randn(batch, scale=2.0, grad=True)
    leaves[:] = [ps, rs]
    out["occupancy_discriminator"] = timed(lambda: F.softplus(-ps).mean() + F.softplus(rs).mean())

    logits, adv = randn(batch, 18, grad=True), randn(batch)
    bc_actions = torch.arange(batch) * 5 % 18
    leaves[:] = [logits]

    def awr():
        w = torch.clamp(torch.exp(adv / (1.0 / 3.0)), max=100.0)
        logp = torch.log_softmax(logits, dim=1).gather(1, bc_actions[:, None]).squeeze(1)
        return -(w * logp).mean()
    out["awr_weighted_bc"] = timed(awr)

    gf, gb = randn(batch, grad=True), randn(batch, grad=True)
    leaves[:] = []

    def odice():  # the projection itself (no backward: it produces a gradient)
        class Done:
            def backward(self):
                pass
        with torch.no_grad():
            c = torch.dot(gf, gb) / torch.clamp(torch.dot(gf, gf), min=1e-10)
            _ = (1 - c) * gf + gb
        return Done()
    out["odice_project"] = timed(odice)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", help="path to prefrl's bench_offline")
    parser.add_argument("--python-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=100000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.python_worker:
        import json
        print(json.dumps(torch_times(args.batch, args.repeats)))
        return
    if not args.bench:
        parser.error("--bench is required")
    # both processes keep freed memory (glibc settings), so neither pays page faults for the
    # fresh result arrays each call
    ours = benchmark_medians(args.bench, dict(REUSE_MEMORY, PREFRL_BENCH_BATCH=args.batch), args.repeats)
    ours = {name: ms * 1e3 for (name, _), ms in ours.items()}
    theirs = run_json_child(__file__, ["--python-worker", "--batch", str(args.batch), "--repeats", str(args.repeats)],
                            dict(REUSE_MEMORY, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1"))
    print(f"offline-RL terms, batch {args.batch}, float32, forward + backward, one thread, memory kept, median of {args.repeats} (us)\n")
    print(f"{'term':<40}{'prefrl':>10}{'PyTorch':>10}{'speedup':>10}")
    print("-" * 70)
    speedups = []
    for name, label in TERMS:
        speedups.append(theirs[name] / ours[name])
        print(f"{label:<40}{ours[name]:>10.0f}{theirs[name]:>10.0f}{speedups[-1]:>9.1f}x")
    print("\nresult: " + " ".join(f"{name}={s:.2f}" for (name, _), s in zip(TERMS, speedups)))


if __name__ == "__main__":
    main()

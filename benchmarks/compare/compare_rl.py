#!/usr/bin/env python3
"""RL core, float64: value iteration on Garnet(1000, 10, 10) per sweep, and returns over
10^6 steps, prefrl vs what a Python user writes.

- value iteration: prefrl's `mdp::value_iteration` (to convergence; time / sweeps), a
  hand-written dense Eigen sweep (`vi_sweep:dense_eigen`), numpy's dense sweep
  (`P.reshape(S*A, S) @ v`, the row maxima) and scipy's sparse one (CSR matrix @ v);
- GAE over one trajectory of 10^6 steps: prefrl's `truncated_generalized_advantage_estimation`
  against the reversed Python loop of CleanRL's PPO over numpy arrays.

    python3 benchmarks/compare/compare_rl.py --bench build/release/benchmarks/bench_rl
    python3 benchmarks/compare/compare_rl.py --bench ... --states 100 --steps 1000 --repeats 2   # tiny
"""

import argparse
import statistics
import time

from bench_common import benchmark_medians, run_json_child


def python_times(states, steps, repeats):
    import numpy as np
    import scipy.sparse

    rng = np.random.default_rng(11)
    actions, branching, gamma = 10, 10, 0.95
    p = np.zeros((states, actions, states))
    for s in range(states):
        for a in range(actions):
            nxt = rng.choice(states, branching, replace=False)
            cuts = np.sort(np.concatenate([[0.0], rng.random(branching - 1), [1.0]]))
            p[s, a, nxt] = np.diff(cuts)
    r = np.repeat(rng.random(states)[:, None], actions, axis=1).reshape(-1)
    dense = p.reshape(states * actions, states)
    sparse = scipy.sparse.csr_matrix(dense)
    v = np.zeros(states)

    def median_ms(step, inner=1):
        step()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(inner):
                step()
            samples.append((time.perf_counter() - start) * 1e3 / inner)
        return statistics.median(samples)

    out = {"numpy_dense_sweep": median_ms(lambda: (r + gamma * (dense @ v)).reshape(states, actions).max(axis=1), 5),
           "scipy_sparse_sweep": median_ms(lambda: (r + gamma * (sparse @ v)).reshape(states, actions).max(axis=1), 20)}

    rewards = rng.standard_normal(steps)
    discounts = np.where(rng.random(steps) < 0.001, 0.0, 0.99)
    values = rng.standard_normal(steps + 1)

    def gae():  # CleanRL ppo.py's loop, over numpy arrays
        advantages = np.zeros(steps)
        last = 0.0
        for t in reversed(range(steps)):
            delta = rewards[t] + discounts[t] * values[t + 1] - values[t]
            last = delta + discounts[t] * 0.95 * last
            advantages[t] = last
        return advantages

    out["numpy_gae_loop"] = median_ms(gae)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", help="path to prefrl's bench_rl")
    parser.add_argument("--python-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--states", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=1000000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.python_worker:
        import json
        print(json.dumps(python_times(args.states, args.steps, args.repeats)))
        return
    if not args.bench:
        parser.error("--bench is required")

    ours = benchmark_medians(args.bench, {"PREFRL_BENCH_STATES": args.states, "PREFRL_BENCH_STEPS": args.steps}, args.repeats)
    theirs = run_json_child(__file__, ["--python-worker", "--states", str(args.states), "--steps", str(args.steps),
                                       "--repeats", str(args.repeats)], {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    import subprocess
    import json
    out = subprocess.run([args.bench, "--benchmark_format=json", "--benchmark_filter=value_iteration:garnet/threads:1"],
                         env=dict(__import__("os").environ, PREFRL_BENCH_STATES=str(args.states)),
                         check=True, capture_output=True, text=True).stdout
    sweeps = int(json.loads(out)["benchmarks"][0]["sweeps"])
    per_sweep = ours[("value_iteration:garnet", 1)] / sweeps
    dense = ours[("vi_sweep:dense_eigen", 1)]
    print(f"value iteration, Garnet({args.states}, 10, 10), gamma 0.95, float64, one thread, median of {args.repeats} (ms per sweep)\n")
    print(f"{'implementation':<44}{'ms / sweep':>12}{'prefrl speedup':>16}")
    print("-" * 72)
    print(f"{'prefrl mdp::value_iteration (' + str(sweeps) + ' sweeps)':<44}{per_sweep:>12.4f}")
    for name, ms in [("Eigen, hand-written dense sweep", dense), ("numpy, dense P @ v", theirs["numpy_dense_sweep"]),
                     ("scipy, CSR P @ v", theirs["scipy_sparse_sweep"])]:
        print(f"{name:<44}{ms:>12.4f}{ms / per_sweep:>15.1f}x")
    gae = ours[("gae", 1)]
    print(f"\nGAE over {args.steps} steps (ms): prefrl {gae:.3f}, numpy loop (CleanRL) {theirs['numpy_gae_loop']:.1f}, "
          f"speedup {theirs['numpy_gae_loop'] / gae:.0f}x")
    print(f"\nresult: vi_ms_per_sweep={per_sweep:.4f} vi_vs_dense_eigen={dense / per_sweep:.2f} "
          f"vi_vs_numpy={theirs['numpy_dense_sweep'] / per_sweep:.2f} vi_vs_scipy={theirs['scipy_sparse_sweep'] / per_sweep:.2f} "
          f"gae_vs_numpy_loop={theirs['numpy_gae_loop'] / gae:.1f}")


if __name__ == "__main__":
    main()

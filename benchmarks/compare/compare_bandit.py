#!/usr/bin/env python3
"""Bandits and OPE, float64, one thread: prefrl's `bench_bandit` beside what a Python user runs.

- LinUCB (K = 10) decisions per second (select + update) at d = 16, 64, 256: prefrl's
  `bandit::lin_ucb` against a numpy LinUCB written as OBP's `LinUCB` does it (per-arm
  A^{-1} kept by Sherman-Morrison, theta = A^{-1} b, one decision at a time);
- UCB1 at K = 1000 against a numpy-vectorized UCB1 (one decision at a time);
- IPS and DR on a log of 10^5 rounds, K = 10, against the same formulas in vectorized numpy
  (OBP's `estimate_policy_value` bodies).

    python3 benchmarks/compare/compare_bandit.py --bench build/release/benchmarks/bench_bandit
    python3 benchmarks/compare/compare_bandit.py --bench ... --rounds 1000 --decisions 200 --repeats 2   # tiny
"""

import argparse
import json
import os
import statistics
import subprocess
import time


def prefrl_results(bench, rounds, repeats):
    env = dict(os.environ, PREFRL_BENCH_ROUNDS=str(rounds))
    out = subprocess.run([bench, "--benchmark_format=json", f"--benchmark_repetitions={repeats}",
                          "--benchmark_report_aggregates_only=true"], env=env, check=True, capture_output=True,
                         text=True).stdout
    results = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
        results[b["run_name"]] = dict(ms=b["real_time"] * scale, per_second=b.get("items_per_second", 0.0))
    return results


def numpy_lin_ucb(d, decisions, repeats, arms=10, alpha=1.0):
    import numpy as np
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(1024, d))
    xs /= np.linalg.norm(xs, axis=1, keepdims=True)
    rewards = rng.random(1024)
    rates = []
    for _ in range(repeats):
        a_inv = np.stack([np.eye(d) for _ in range(arms)])
        b = np.zeros((arms, d))
        theta = np.zeros((arms, d))
        start = time.perf_counter()
        for k in range(decisions):
            x = xs[k & 1023]
            width = np.sqrt(np.einsum("i,aij,j->a", x, a_inv, x))
            arm = int(np.argmax(theta @ x + alpha * width))
            u = a_inv[arm] @ x
            a_inv[arm] -= np.outer(u, u) / (1.0 + x @ u)
            b[arm] += rewards[k & 1023] * x
            theta[arm] = a_inv[arm] @ b[arm]
        rates.append(decisions / (time.perf_counter() - start))
    return statistics.median(rates)


def numpy_ucb1(arms, decisions, repeats):
    import numpy as np
    rng = np.random.default_rng(1)
    rates = []
    for _ in range(repeats):
        counts = np.zeros(arms)
        sums = np.zeros(arms)
        start = time.perf_counter()
        for t in range(decisions):
            with np.errstate(divide="ignore", invalid="ignore"):
                index = np.where(counts > 0, sums / np.maximum(counts, 1) + np.sqrt(2 * np.log(max(t, 1)) / np.maximum(counts, 1)), np.inf)
            arm = int(np.argmax(index))
            counts[arm] += 1
            sums[arm] += float(rng.random() < 0.5)
        rates.append(decisions / (time.perf_counter() - start))
    return statistics.median(rates)


def numpy_ope(rounds, repeats, arms=10):
    import numpy as np
    rng = np.random.default_rng(5)
    q = rng.random((rounds, arms))
    pi_b = np.exp(3 * q) / np.exp(3 * q).sum(1, keepdims=True)
    action = np.array([rng.choice(arms, p=p) for p in pi_b[: min(rounds, 1000)]] * (rounds // min(rounds, 1000)))
    pscore = pi_b[np.arange(rounds), action]
    reward = (rng.random(rounds) < q[np.arange(rounds), action]).astype(float)
    target = np.full((rounds, arms), 1.0 / arms)

    def ips():
        w = target[np.arange(rounds), action] / pscore
        c = w * reward
        return c.mean(), c.std(ddof=1) / np.sqrt(rounds)

    def dr():
        w = target[np.arange(rounds), action] / pscore
        q_pi = (target * q).sum(1)
        c = q_pi + w * (reward - q[np.arange(rounds), action])
        return c.mean(), c.std(ddof=1) / np.sqrt(rounds)

    def median_ms(f):
        times = []
        for _ in range(max(repeats, 3)):
            start = time.perf_counter()
            f()
            times.append((time.perf_counter() - start) * 1e3)
        return statistics.median(times)

    return median_ms(ips), median_ms(dr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--rounds", type=int, default=100000)
    parser.add_argument("--decisions", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    ours = prefrl_results(args.bench, args.rounds, args.repeats)
    print("Bandits, float64, one thread: decisions per second (select + update), and OPE on", args.rounds, "rounds")
    print(f"{'work':34} {'prefrl':>14} {'numpy':>14} {'speedup':>8}")
    for d in (16, 64, 256):
        theirs = numpy_lin_ucb(d, args.decisions, args.repeats)
        mine = ours[f"lin_ucb/d:{d}"]["per_second"]
        print(f"{'LinUCB K=10 d=' + str(d) + ', decisions/s':34} {mine:14,.0f} {theirs:14,.0f} {mine / theirs:7.0f}x")
    for d in (16, 64, 256):
        print(f"{'LinTS K=10 d=' + str(d) + ', decisions/s':34} {ours[f'lin_ts/d:{d}/propensity:0']['per_second']:14,.0f}"
              f" {'(with propensity ' + format(ours[f'lin_ts/d:{d}/propensity:1']['per_second'], ',.0f') + ')':>24}")
    theirs = numpy_ucb1(1000, args.decisions, args.repeats)
    mine = ours["ucb1/K:1000"]["per_second"]
    print(f"{'UCB1 K=1000, decisions/s':34} {mine:14,.0f} {theirs:14,.0f} {mine / theirs:7.0f}x")
    ips_ms, dr_ms = numpy_ope(args.rounds, args.repeats)
    for name, theirs in (("ope_ips", ips_ms), ("ope_dr", dr_ms)):
        mine = ours[name]["ms"]
        print(f"{name.replace('ope_', '').upper() + ', ms':34} {mine:14.3f} {theirs:14.3f} {theirs / mine:7.1f}x")


if __name__ == "__main__":
    main()

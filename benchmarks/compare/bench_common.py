"""What the side-by-side comparison scripts share: the glibc setting that keeps PyTorch's
freed memory, running a PyTorch worker in a child process, and reading prefrl's Google
Benchmark medians."""

import json
import os
import subprocess
import sys

# glibc keeps freed memory (no page faults after warm-up): the stronger PyTorch baseline
REUSE_MEMORY = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(64 << 30)}


def run_json_child(script, arguments, extra_env):
    """Runs `python3 script arguments...` with extra environment variables; returns its JSON."""
    env = dict(os.environ, **extra_env)
    out = subprocess.run([sys.executable, script, *arguments], env=env, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def benchmark_medians(bench, env_sizes, repeats, benchmark_filter=None):
    """Median real time (ms) of each `name/threads:N` benchmark of a Google Benchmark program,
    keyed by (name, threads); `env_sizes` are the PREFRL_BENCH_* variables."""
    env = dict(os.environ, **{key: str(value) for key, value in env_sizes.items()})
    command = [bench, "--benchmark_format=json", f"--benchmark_repetitions={repeats}",
               "--benchmark_report_aggregates_only=true"]
    if benchmark_filter:
        command.append(f"--benchmark_filter={benchmark_filter}")
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    times = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name, threads = b["run_name"].split("/")[0], int(b["run_name"].split("threads:")[1].split("/")[0])
        scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
        times[(name, threads)] = b["real_time"] * scale
    return times

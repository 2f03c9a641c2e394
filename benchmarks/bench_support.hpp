#ifndef PREFRL_BENCHMARKS_BENCH_SUPPORT_HPP
#define PREFRL_BENCHMARKS_BENCH_SUPPORT_HPP

// What the benchmark programs share: sizes from the environment (so CI runs them tiny), the
// process's peak resident set for the --peak-memory modes, and the main that offers them.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace prefrl::bench {

/// The integer in environment variable `name`, or `fallback` when it is not set.
inline std::int64_t env_size(const char* name, std::int64_t fallback) {
    const char* value = std::getenv(name);
    return value ? std::stoll(value) : fallback;
}

/// This process's peak resident set (VmHWM of /proc/self/status), in MB; 0 where it cannot be
/// read. Not getrusage's ru_maxrss: Linux carries it across exec, so a child of a large parent
/// (the Python comparison scripts) would start from the parent's peak.
inline double peak_rss_mb() {
    std::FILE* status = std::fopen("/proc/self/status", "r");
    if (status == nullptr) return 0.0;
    char line[256];
    double kb = 0.0;
    while (std::fgets(line, sizeof line, status) != nullptr)
        if (std::strncmp(line, "VmHWM:", 6) == 0) kb = std::atof(line + 6);
    std::fclose(status);
    return kb / 1024.0;
}

/// A benchmark program's main: `--peak-memory=<case>` runs `peak_memory(case)` (one step, its
/// peak memory printed) instead of the timed benchmarks.
inline int run_benchmarks(int argc, char** argv, int (*peak_memory)(const std::string& name)) {
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], "--peak-memory=", 14) == 0) return peak_memory(argv[i] + 14);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

}  // namespace prefrl::bench

#endif  // PREFRL_BENCHMARKS_BENCH_SUPPORT_HPP

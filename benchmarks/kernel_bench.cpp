// Token log-prob kernels on [rows, vocab] float32 logits, 1 and 2 threads, with the
// machine's floor measured beside them.
//
//   bench_kernel                                  # [4096, 32000], the README's table
//   PREFRL_BENCH_ROWS=64 PREFRL_BENCH_VOCAB=1000 bench_kernel   # tiny (CI, demo)
//
// Floors (what no kernel can beat on this machine):
//   floor/read_write  one read of the logits + one write of d_logits (an Eigen copy over rows)
//   floor/exp         one exponential per element, on an L2-resident row (Eigen's SIMD exp)
// The fwd+bwd kernels should be within 1.5x of the slower of the two.

#include <benchmark/benchmark.h>

#include <prefrl/prefrl.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

Eigen::Index env_size(const char* name, Eigen::Index fallback) {
    const char* value = std::getenv(name);
    return value ? static_cast<Eigen::Index>(std::stoll(value)) : fallback;
}

struct problem {
    Eigen::Index rows = env_size("PREFRL_BENCH_ROWS", 4096);
    Eigen::Index vocab = env_size("PREFRL_BENCH_VOCAB", 32000);
    prefrl::row_matrix<float> logits;
    prefrl::row_matrix<float> d_logits;
    std::vector<prefrl::index_t> labels;
    std::vector<float> mask, upstream;

    problem() : logits(rows, vocab), d_logits(rows, vocab) {
        prefrl::generator rng(1);
        for (Eigen::Index i = 0; i < logits.size(); ++i) logits.data()[i] = 4.0f * prefrl::normal<float>(rng);
        d_logits.setZero();  // touch every page once: the kernels reuse this buffer
        for (Eigen::Index r = 0; r < rows; ++r) {
            labels.push_back(prefrl::uniform_index(vocab, rng));
            mask.push_back(1.0f);
            upstream.push_back(prefrl::normal<float>(rng));
        }
    }
};

problem& data() {
    static problem p;
    return p;
}

void set_threads(benchmark::State& state) {
#if defined(_OPENMP)
    omp_set_num_threads(static_cast<int>(state.range(0)));
#else
    if (state.range(0) != 1) state.SkipWithError("built without OpenMP: 1 thread only");
#endif
}

void report(benchmark::State& state, double bytes_per_iteration) {
    const auto& p = data();
    state.counters["elements/s"] = benchmark::Counter(static_cast<double>(p.logits.size()),
                                                      benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] = benchmark::Counter(bytes_per_iteration / 1e9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["rows"] = static_cast<double>(p.rows);
    state.counters["vocab"] = static_cast<double>(p.vocab);
}

void floor_read_write(benchmark::State& state) {
    auto& p = data();
    set_threads(state);
    for (auto _ : state) {
#if defined(_OPENMP)
#pragma omp parallel for schedule(static)
#endif
        for (Eigen::Index r = 0; r < p.rows; ++r) p.d_logits.row(r) = p.logits.row(r);
        benchmark::ClobberMemory();
    }
    report(state, 2.0 * sizeof(float) * static_cast<double>(p.logits.size()));
}

void floor_exp(benchmark::State& state) {
    auto& p = data();
    set_threads(state);
    // One exponential per element of the whole matrix, each row's exps taken from one
    // L2-resident row so that memory plays no part.
    for (auto _ : state) {
        double total = 0.0;
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) reduction(+ : total)
#endif
        for (Eigen::Index r = 0; r < p.rows; ++r)
            total += static_cast<double>(p.logits.row(r % 4).array().exp().sum());
        benchmark::DoNotOptimize(total);
    }
    report(state, 0.0);
}

void token_logprobs_forward(benchmark::State& state) {
    auto& p = data();
    set_threads(state);
    for (auto _ : state) {
        auto lp = prefrl::kernel::token_logprobs(p.logits, p.labels, p.mask);
        benchmark::DoNotOptimize(lp.data());
    }
    report(state, sizeof(float) * static_cast<double>(p.logits.size()));
}

void token_logprobs_backward(benchmark::State& state) {
    auto& p = data();
    set_threads(state);
    for (auto _ : state) {
        prefrl::kernel::token_logprobs_backward(p.logits, p.labels, p.mask, p.upstream, p.d_logits);
        benchmark::ClobberMemory();
    }
    report(state, 2.0 * sizeof(float) * static_cast<double>(p.logits.size()));
}

// The two-pass flow of a pair loss (DPO): forward saving each row's log-sum-exp, then the
// backward once the loss has given the upstream gradient (reads each row again, writes d).
void token_logprobs_fwd_bwd(benchmark::State& state) {
    auto& p = data();
    set_threads(state);
    for (auto _ : state) {
        const auto fwd = prefrl::kernel::token_logprobs_forward(p.logits, p.labels, p.mask);
        prefrl::kernel::token_logprobs_backward(p.logits, p.labels, p.mask, p.upstream,
                                                prefrl::as_span(fwd.logsumexp), p.d_logits);
        benchmark::ClobberMemory();
    }
    report(state, 3.0 * sizeof(float) * static_cast<double>(p.logits.size()));
}

// One pass when the upstream gradient is known up front (token-level NLL / SFT).
void token_logprobs_fused(benchmark::State& state) {
    auto& p = data();
    set_threads(state);
    for (auto _ : state) {
        auto lp = prefrl::kernel::token_logprobs_and_backward(p.logits, p.labels, p.mask, p.upstream, p.d_logits);
        benchmark::DoNotOptimize(lp.data());
        benchmark::ClobberMemory();
    }
    report(state, 2.0 * sizeof(float) * static_cast<double>(p.logits.size()));
}

void thread_args(benchmark::internal::Benchmark* b) {
    b->ArgName("threads")->Arg(1);
#if defined(_OPENMP)
    b->Arg(2);
#endif
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(floor_read_write)->Apply(thread_args);
BENCHMARK(floor_exp)->Apply(thread_args);
BENCHMARK(token_logprobs_forward)->Apply(thread_args);
BENCHMARK(token_logprobs_backward)->Apply(thread_args);
BENCHMARK(token_logprobs_fwd_bwd)->Apply(thread_args);
BENCHMARK(token_logprobs_fused)->Apply(thread_args);

BENCHMARK_MAIN();

// Pairwise preference losses, forward + backward, float32, on one thread:
//
//   bench_preference                           # 10^6 pairs; DPO from logits at [2B, T, V] = [16, 256, 32000]
//   PREFRL_BENCH_PAIRS=1000 PREFRL_BENCH_ROWS=64 PREFRL_BENCH_VOCAB=1000 bench_preference   # tiny (CI, demo)
//
// Floor of a pair loss: reading 4 floats (c, r, c0, r0) and writing 2 (d_chosen, d_rejected)
// per pair; measured beside the losses as `floor/pair_read_write` (an Eigen copy of 4 arrays
// into 2). The losses are scalar loops in double today, and each call allocates its two
// gradient vectors (page faults dominate on this VM): issue #4 leaves both open.

#include <benchmark/benchmark.h>

#include <prefrl/prefrl.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

namespace pref = prefrl::preference;

Eigen::Index env_size(const char* name, Eigen::Index fallback) {
    const char* value = std::getenv(name);
    return value ? static_cast<Eigen::Index>(std::stoll(value)) : fallback;
}

struct pair_data {
    Eigen::Index n = env_size("PREFRL_BENCH_PAIRS", 1000000);
    std::vector<float> c, r, c0, r0, len_c, len_r;
    pair_data() {
        prefrl::generator rng(3);
        for (Eigen::Index i = 0; i < n; ++i) {
            c.push_back(-20.0f + 5.0f * prefrl::normal<float>(rng));
            r.push_back(-22.0f + 5.0f * prefrl::normal<float>(rng));
            c0.push_back(c.back() + prefrl::normal<float>(rng));
            r0.push_back(r.back() + prefrl::normal<float>(rng));
            len_c.push_back(static_cast<float>(10 + prefrl::uniform_index(100, rng)));
            len_r.push_back(static_cast<float>(10 + prefrl::uniform_index(100, rng)));
        }
    }
    pref::pair_batch<float> batch() const { return {c, r, c0, r0, len_c, len_r}; }
};

const pair_data& pairs() {
    static const pair_data data;
    return data;
}

template <class Loss>
void pair_loss(benchmark::State& state, Loss loss) {
    const auto batch = pairs().batch();
    for (auto _ : state) {
        auto result = loss(batch);
        benchmark::DoNotOptimize(result.d_chosen.data());
    }
    state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs().n), benchmark::Counter::kIsIterationInvariantRate);
}

void floor_pair_read_write(benchmark::State& state) {
    const auto& d = pairs();
    const auto c = prefrl::as_eigen<float>(d.c), r = prefrl::as_eigen<float>(d.r);
    const auto c0 = prefrl::as_eigen<float>(d.c0), r0 = prefrl::as_eigen<float>(d.r0);
    prefrl::vector<float> out1(d.n), out2(d.n);
    for (auto _ : state) {
        out1 = c + r0;  // reads 4 arrays, writes 2
        out2 = r + c0;
        benchmark::DoNotOptimize(out1.data());
        benchmark::DoNotOptimize(out2.data());
    }
}

void dpo_from_logits(benchmark::State& state) {
    static const Eigen::Index rows = env_size("PREFRL_BENCH_ROWS", 4096), vocab = env_size("PREFRL_BENCH_VOCAB", 32000);
    static const Eigen::Index steps = std::max<Eigen::Index>(1, rows / 16);  // 16 sequences: 8 pairs
    static prefrl::row_matrix<float> logits = [] {
        prefrl::row_matrix<float> z(rows, vocab);
        prefrl::generator rng(5);
        for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = 4.0f * prefrl::normal<float>(rng);
        return z;
    }();
    static prefrl::row_matrix<float> d_logits = prefrl::row_matrix<float>::Zero(rows, vocab);
    std::vector<prefrl::index_t> labels(static_cast<std::size_t>(rows));
    prefrl::generator rng(6);
    for (auto& l : labels) l = prefrl::uniform_index(vocab, rng);
    const std::vector<float> mask(static_cast<std::size_t>(rows), 1.0f);
    const Eigen::Index pairs_count = rows / (2 * steps);
    const std::vector<float> ref(static_cast<std::size_t>(pairs_count), -10.0f * static_cast<float>(steps));
#if defined(_OPENMP)
    omp_set_num_threads(static_cast<int>(state.range(0)));
#endif
    for (auto _ : state) {
        auto r = pref::from_logits(pref::dpo{.beta = 0.1}, logits, labels, mask, ref, ref, steps, d_logits);
        benchmark::DoNotOptimize(r.value);
        benchmark::ClobberMemory();
    }
    state.counters["rows"] = static_cast<double>(rows);
    state.counters["vocab"] = static_cast<double>(vocab);
}

}  // namespace

BENCHMARK(floor_pair_read_write)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pair_loss, dpo, pref::dpo{})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pair_loss, ipo, pref::ipo{})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pair_loss, simpo, pref::simpo{})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pair_loss, discopop, pref::discopop{})->Unit(benchmark::kMillisecond);
BENCHMARK(dpo_from_logits)->ArgName("threads")->Arg(1)
#if defined(_OPENMP)
    ->Arg(2)
#endif
    ->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();

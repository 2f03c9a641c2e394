// Pairwise preference losses, forward + backward, float32:
//
//   bench_preference                           # 10^6 pairs; DPO from logits at [2B, T, V] = [16, 256, 32000]
//   PREFRL_BENCH_PAIRS=1000 PREFRL_BENCH_ROWS=64 PREFRL_BENCH_VOCAB=1000 bench_preference   # tiny (CI, demo)
//
// `pair_loss:<name>/threads:N` calls the loss with caller-owned gradient buffers (reused, as a
// training loop does); `pair_loss_allocating:dpo` returns fresh gradient vectors each call, to
// show what the page faults of new memory cost on this VM. The floor of a pair loss is reading
// 4 floats (c, r, c0, r0) and writing 2 (d_chosen, d_rejected) per pair: `floor_pair_read_write`.
// benchmarks/compare/compare_pair_losses.py puts these beside PyTorch (scripts/compare.sh).

#include <benchmark/benchmark.h>

#include <prefrl/prefrl.hpp>

#include <algorithm>
#include <cstdlib>
#include <span>
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

void set_threads([[maybe_unused]] const benchmark::State& state) {
#if defined(_OPENMP)
    omp_set_num_threads(static_cast<int>(state.range(0)));
#endif
}

struct pair_data {
    Eigen::Index n = env_size("PREFRL_BENCH_PAIRS", 1000000);
    std::vector<float> c, r, c0, r0, len_c, len_r, anchor_c, anchor_r, win_c, win_r, target;
    pair_data() {
        prefrl::generator rng(3);
        for (Eigen::Index i = 0; i < n; ++i) {
            c.push_back(std::min(-0.01f, -20.0f + 5.0f * prefrl::normal<float>(rng)));
            r.push_back(std::min(-0.01f, -22.0f + 5.0f * prefrl::normal<float>(rng)));
            c0.push_back(c.back() + prefrl::normal<float>(rng));
            r0.push_back(r.back() + prefrl::normal<float>(rng));
            len_c.push_back(static_cast<float>(10 + prefrl::uniform_index(100, rng)));
            len_r.push_back(static_cast<float>(10 + prefrl::uniform_index(100, rng)));
            anchor_c.push_back(c.back() + 0.1f * prefrl::normal<float>(rng));
            anchor_r.push_back(r.back() + 0.1f * prefrl::normal<float>(rng));
            win_c.push_back(prefrl::uniform01<float>(rng));
            win_r.push_back(prefrl::uniform01<float>(rng));
            target.push_back(prefrl::uniform01<float>(rng));
        }
    }
    pref::pair_batch<float> batch() const {
        return {c, r, c0, r0, len_c, len_r, anchor_c, anchor_r, win_c, win_r, target};
    }
};

const pair_data& pairs() {
    static const pair_data data;
    return data;
}

template <class Loss>
void pair_loss(benchmark::State& state, Loss loss) {
    set_threads(state);
    const auto batch = pairs().batch();
    std::vector<float> d_chosen(batch.chosen.size()), d_rejected(batch.chosen.size());
    for (auto _ : state) {
        const auto metrics = loss(batch, std::span<float>(d_chosen), std::span<float>(d_rejected));
        benchmark::DoNotOptimize(metrics.value);
        benchmark::ClobberMemory();
    }
    state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs().n), benchmark::Counter::kIsIterationInvariantRate);
}

void pair_loss_allocating(benchmark::State& state) {
    set_threads(state);
    const auto batch = pairs().batch();
    for (auto _ : state) {
        auto result = pref::dpo{}(batch);
        benchmark::DoNotOptimize(result.d_chosen.data());
    }
}

void floor_pair_read_write(benchmark::State& state) {
    set_threads(state);
    const auto& d = pairs();
    const auto c = prefrl::as_eigen<float>(d.c), r = prefrl::as_eigen<float>(d.r);
    const auto c0 = prefrl::as_eigen<float>(d.c0), r0 = prefrl::as_eigen<float>(d.r0);
    prefrl::vector<float> out1(d.n), out2(d.n);
    const Eigen::Index chunk = 4096, chunks = (d.n + chunk - 1) / chunk;
    for (auto _ : state) {
        PREFRL_PARALLEL_FOR_IF(true)
        for (Eigen::Index k = 0; k < chunks; ++k) {  // reads 4 arrays, writes 2, chunk by chunk
            const Eigen::Index begin = k * chunk, size = std::min(chunk, d.n - begin);
            out1.segment(begin, size) = c.segment(begin, size) + r0.segment(begin, size);
            out2.segment(begin, size) = r.segment(begin, size) + c0.segment(begin, size);
        }
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
    set_threads(state);
    for (auto _ : state) {
        auto r = pref::from_logits(pref::dpo{.beta = 0.1}, logits, labels, mask, ref, ref, steps, d_logits);
        benchmark::DoNotOptimize(r.value);
        benchmark::ClobberMemory();
    }
    state.counters["rows"] = static_cast<double>(rows);
    state.counters["vocab"] = static_cast<double>(vocab);
}

template <class Loss>
void register_pair_loss(const std::string& name, Loss loss) {
    benchmark::RegisterBenchmark(("pair_loss:" + name).c_str(), [loss](benchmark::State& s) { pair_loss(s, loss); })
        ->ArgName("threads")
        ->Arg(1)
#if defined(_OPENMP)
        ->Arg(2)
#endif
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
}

void threads_1_2(benchmark::internal::Benchmark* b) {
    b->ArgName("threads")->Arg(1);
#if defined(_OPENMP)
    b->Arg(2);
#endif
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(floor_pair_read_write)->Apply(threads_1_2);
BENCHMARK(pair_loss_allocating)->Apply(threads_1_2);
BENCHMARK(dpo_from_logits)->Apply(threads_1_2);

int main(int argc, char** argv) {
    using pref::f_divergence;
    // TRL's loss_type names (the golden vectors' names), one benchmark each
    register_pair_loss("sigmoid", pref::dpo{});
    register_pair_loss("cdpo", pref::dpo{.label_smoothing = 0.1});
    register_pair_loss("sigmoid_forward_kl", pref::dpo{.divergence = f_divergence::forward_kl});
    register_pair_loss("sigmoid_js_divergence", pref::dpo{.divergence = f_divergence::js_divergence});
    register_pair_loss("sigmoid_alpha_divergence", pref::dpo{.divergence = f_divergence::alpha_divergence, .alpha = 0.5});
    register_pair_loss("robust", pref::robust_dpo{.label_smoothing = 0.1});
    register_pair_loss("hinge", pref::hinge{});
    register_pair_loss("ipo", pref::ipo{});
    register_pair_loss("ipo_summed", pref::ipo{.length_normalize = false});
    register_pair_loss("exo_pair", pref::exo{});
    register_pair_loss("nca_pair", pref::nca{});
    register_pair_loss("bco_pair", pref::bco{});
    register_pair_loss("sppo_hard", pref::sppo_hard{});
    register_pair_loss("apo_zero", pref::apo_zero{});
    register_pair_loss("apo_down", pref::apo_down{});
    register_pair_loss("discopop", pref::discopop{});
    register_pair_loss("sigmoid_norm", pref::dpo_norm{});
    register_pair_loss("aot", pref::aot{});
    register_pair_loss("aot_unpaired", pref::aot_unpaired{});
    register_pair_loss("simpo", pref::simpo{});
    register_pair_loss("orpo_odds_ratio", pref::orpo{});
    register_pair_loss("sppo", pref::sppo{});
    register_pair_loss("inpo", pref::inpo{});
    register_pair_loss("dno", pref::dno{});
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

// GRPO-family policy losses, forward + backward, float32:
//
//   bench_grpo                                   # [B, T] = [256, 1024]; from logits [16 x 256, 32000]
//   PREFRL_BENCH_COMPLETIONS=16 PREFRL_BENCH_STEPS=64 PREFRL_BENCH_ROWS=64 PREFRL_BENCH_VOCAB=1000 bench_grpo   # tiny
//
// `policy_loss:<loss_type>/threads:N` calls the loss on a ragged off-policy batch (lengths
// uniform in [T/4, T], a reference model, beta = 0.04) with a caller-owned d_logps buffer;
// `floor_token_read_write` reads the 5 [B, T] inputs and writes d_logps once (an Eigen pass);
// `grpo_from_logits` is the whole step from logits into a reused d_logits,
// `grpo_from_logits_in_place` the same with the gradient written over the logits, and
// `floor_logits_copy` one read of the logits and one write of a [rows, vocab] buffer.
// benchmarks/compare/compare_grpo.py puts these beside TRL's `_compute_loss` in PyTorch.

#include <benchmark/benchmark.h>

#include <prefrl/core/random.hpp>
#include <prefrl/grpo.hpp>

#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

namespace grpo = prefrl::grpo;

Eigen::Index env_size(const char* name, Eigen::Index fallback) {
    const char* value = std::getenv(name);
    return value ? static_cast<Eigen::Index>(std::stoll(value)) : fallback;
}

void set_threads([[maybe_unused]] const benchmark::State& state) {
#if defined(_OPENMP)
    omp_set_num_threads(static_cast<int>(state.range(0)));
#endif
}

struct token_data {
    Eigen::Index B = env_size("PREFRL_BENCH_COMPLETIONS", 256), T = env_size("PREFRL_BENCH_STEPS", 1024);
    std::vector<float> logps, mask, advantages, old_logps, ref_logps;
    token_data() {
        prefrl::generator rng(3);
        for (Eigen::Index i = 0; i < B; ++i) {
            const Eigen::Index length = T / 4 + prefrl::uniform_index(T - T / 4 + 1, rng);
            for (Eigen::Index t = 0; t < T; ++t) {
                mask.push_back(t < length ? 1.0f : 0.0f);
                logps.push_back(-std::abs(prefrl::normal<float>(rng)) - 0.01f);
                old_logps.push_back(logps.back() + 0.2f * prefrl::normal<float>(rng));
                ref_logps.push_back(logps.back() + 0.2f * prefrl::normal<float>(rng));
            }
            advantages.push_back(prefrl::normal<float>(rng));
        }
    }
    grpo::token_batch<float> batch() const { return {B, T, logps, mask, advantages, old_logps, ref_logps}; }
};

const token_data& tokens() {
    static const token_data data;
    return data;
}

void policy_loss_bench(benchmark::State& state, grpo::policy_loss loss) {
    set_threads(state);
    const auto batch = tokens().batch();
    std::vector<float> d_logps(batch.logps.size());
    for (auto _ : state) {
        const auto metrics = loss(batch, std::span<float>(d_logps));
        benchmark::DoNotOptimize(metrics.value);
        benchmark::ClobberMemory();
    }
    state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(batch.logps.size()), benchmark::Counter::kIsIterationInvariantRate);
}

void floor_token_read_write(benchmark::State& state) {
    set_threads(state);
    const auto& d = tokens();
    const Eigen::Index n = d.B * d.T;
    const auto lp = prefrl::as_eigen<float>(d.logps), m = prefrl::as_eigen<float>(d.mask);
    const auto old = prefrl::as_eigen<float>(d.old_logps), ref = prefrl::as_eigen<float>(d.ref_logps);
    prefrl::vector<float> out(n);
    const Eigen::Index chunk = 4096, chunks = (n + chunk - 1) / chunk;
    for (auto _ : state) {
        PREFRL_PARALLEL_FOR_IF(true)
        for (Eigen::Index k = 0; k < chunks; ++k) {  // reads 4 arrays, writes 1 (+ the B advantages)
            const Eigen::Index begin = k * chunk, size = std::min(chunk, n - begin);
            out.segment(begin, size) = (lp.segment(begin, size) - old.segment(begin, size)).cwiseProduct(m.segment(begin, size)) +
                                       ref.segment(begin, size);
        }
        benchmark::DoNotOptimize(out.data());
    }
}

// GRPO from logits [16 completions x T steps, vocab]: the logits, labels and batch, built once.
struct logits_data {
    Eigen::Index rows = env_size("PREFRL_BENCH_ROWS", 4096), vocab = env_size("PREFRL_BENCH_VOCAB", 32000);
    Eigen::Index completions = 16, steps = std::max<Eigen::Index>(1, rows / completions);
    prefrl::row_matrix<float> logits;
    std::vector<prefrl::index_t> labels;
    std::vector<float> mask, advantages, old, ref;
    logits_data() : logits(completions * steps, vocab) {
        prefrl::generator rng(5);
        for (Eigen::Index i = 0; i < logits.size(); ++i) logits.data()[i] = 4.0f * prefrl::normal<float>(rng);
        const auto n = static_cast<std::size_t>(completions * steps);
        labels.resize(n);
        prefrl::generator rng2(6);
        for (auto& l : labels) l = prefrl::uniform_index(vocab, rng2);
        mask.assign(n, 1.0f);
        advantages.assign(static_cast<std::size_t>(completions), 0.5f);
        const auto lp = prefrl::kernel::token_logprobs(logits, labels, mask);
        old.resize(n);
        ref.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
            old[k] = lp[static_cast<Eigen::Index>(k)] + 0.1f * prefrl::normal<float>(rng2);
            ref[k] = lp[static_cast<Eigen::Index>(k)] + 0.1f * prefrl::normal<float>(rng2);
        }
    }
    grpo::token_batch<float> batch() const { return {completions, steps, {}, mask, advantages, old, ref}; }
};

logits_data& logits_inputs() {
    static logits_data data;
    return data;
}

const grpo::policy_loss logits_loss{.loss = grpo::loss_type::grpo, .beta = 0.04};

// The whole step into a reused d_logits buffer (the logits kept).
void grpo_from_logits(benchmark::State& state) {
    auto& in = logits_inputs();
    static prefrl::row_matrix<float> d_logits = prefrl::row_matrix<float>::Zero(in.logits.rows(), in.logits.cols());
    const auto batch = in.batch();
    set_threads(state);
    for (auto _ : state) {
        auto r = grpo::from_logits(logits_loss, in.logits, in.labels, batch, d_logits);
        benchmark::DoNotOptimize(r.value);
        benchmark::ClobberMemory();
    }
    state.counters["rows"] = static_cast<double>(in.logits.rows());
    state.counters["vocab"] = static_cast<double>(in.logits.cols());
}

// The same step with d_logits = logits (the gradient overwrites the logits, which a training
// step no longer needs). The logits are copied back outside the timed region each iteration.
void grpo_from_logits_in_place(benchmark::State& state) {
    auto& in = logits_inputs();
    static prefrl::row_matrix<float> buffer = in.logits;
    const auto batch = in.batch();
    set_threads(state);
    for (auto _ : state) {
        state.PauseTiming();
        buffer = in.logits;
        state.ResumeTiming();
        auto r = grpo::from_logits(logits_loss, buffer, in.labels, batch, buffer);
        benchmark::DoNotOptimize(r.value);
        benchmark::ClobberMemory();
    }
}

// The memory floor of the step: one read of the logits and one write of d_logits, as an
// Eigen copy row by row (rows split over the threads as the kernels split them).
void floor_logits_copy(benchmark::State& state) {
    auto& in = logits_inputs();
    static prefrl::row_matrix<float> out = prefrl::row_matrix<float>::Zero(in.logits.rows(), in.logits.cols());
    set_threads(state);
    for (auto _ : state) {
        PREFRL_PARALLEL_FOR_IF(true)
        for (Eigen::Index r = 0; r < in.logits.rows(); ++r) out.row(r) = in.logits.row(r);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
}

void threads_1_2(benchmark::internal::Benchmark* b) {
    b->ArgName("threads")->Arg(1);
#if defined(_OPENMP)
    b->Arg(2);
#endif
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(floor_token_read_write)->Apply(threads_1_2);
BENCHMARK(grpo_from_logits)->Apply(threads_1_2);
BENCHMARK(grpo_from_logits_in_place)->Apply(threads_1_2);
BENCHMARK(floor_logits_copy)->Apply(threads_1_2);

int main(int argc, char** argv) {
    using grpo::loss_type;
    // TRL's loss_type names; beta = 0.04 with a reference (TRL's common setting), epsilon_high as DAPO / CISPO use it
    const std::pair<std::string, grpo::policy_loss> losses[] = {
        {"grpo", {.loss = loss_type::grpo, .beta = 0.04}},
        {"bnpo", {.loss = loss_type::bnpo, .beta = 0.04}},
        {"dr_grpo", {.loss = loss_type::dr_grpo, .beta = 0.04}},
        {"dapo", {.loss = loss_type::dapo, .epsilon_high = 0.28, .beta = 0.04}},
        {"cispo", {.loss = loss_type::cispo, .epsilon_high = 5.0, .beta = 0.04}},
        {"sapo", {.loss = loss_type::sapo, .beta = 0.04}},
        {"gspo", {.loss = loss_type::grpo, .beta = 0.04, .level = grpo::importance_sampling::sequence}},
    };
    for (const auto& [name, loss] : losses)
        benchmark::RegisterBenchmark(("policy_loss:" + name).c_str(), [loss](benchmark::State& s) { policy_loss_bench(s, loss); })
            ->Apply(threads_1_2);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

// Losses from hidden states (fused linear), forward + backward, float32:
//
//   bench_linear                                  # [rows, hidden, vocab] = [2048, 256, 32000]
//   PREFRL_BENCH_ROWS=4096 PREFRL_BENCH_HIDDEN=512 bench_linear
//   PREFRL_BENCH_ROWS=64 PREFRL_BENCH_HIDDEN=32 PREFRL_BENCH_VOCAB=1000 bench_linear   # tiny
//   bench_linear --peak-memory=<case>              # one step; prints the peak extra memory as JSON
//
// `linear_nll:fused` is kernel::linear_cross_entropy; `linear_dpo:fused` is
// preference::from_hidden with DPO (pairs of 256-token sequences, or rows / 4 when fewer) at the
// default chunk (pair by pair: a pair is 4 chunks, the last one's logits formed once),
// `linear_dpo:fused_one_pass` with one pair per chunk (one pass, 2 x 256 rows of logits held),
// `linear_dpo:two_passes` the same step composed from the public forward and backward kernels
// (every chunk's logits formed twice); `linear_grpo:fused` is grpo::from_hidden (DAPO, beta
// 0.04, completions of 256 tokens) and `linear_grpo:two_passes` the same from the kernels;
// `*:materialized` is the same step through the [rows, vocab] logits (H W^T into a reused
// buffer, the token kernel's fused pass in place, then D W and D^T H); `gemm_floor` is Eigen's
// own three products on the whole shapes, the floor of this work. Counters: GFLOP/s of the
// three products (6 rows hidden vocab flops).
//
// --peak-memory=fused_nll|fused_dpo|fused_dpo_one_pass|materialized_nll|materialized_dpo allocates the inputs and
// gradient buffers, touches them, reads the peak resident set (VmHWM), runs one step, and
// prints {"case": ..., "extra_mb": peak after - peak before}. benchmarks/compare/compare_linear.py
// puts both beside PyTorch.

#include <benchmark/benchmark.h>

#include "bench_support.hpp"

#include <prefrl/core/random.hpp>
#include <prefrl/grpo.hpp>
#include <prefrl/kernel.hpp>
#include <prefrl/preference.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

using prefrl::row_matrix;

void set_threads([[maybe_unused]] const benchmark::State& state) {
#if defined(_OPENMP)
    omp_set_num_threads(static_cast<int>(state.range(0)));
#endif
}

struct problem {
    Eigen::Index rows = prefrl::bench::env_size("PREFRL_BENCH_ROWS", 2048), width = prefrl::bench::env_size("PREFRL_BENCH_HIDDEN", 256);
    Eigen::Index vocab = prefrl::bench::env_size("PREFRL_BENCH_VOCAB", 32000);
    Eigen::Index steps = std::min<Eigen::Index>(256, std::max<Eigen::Index>(1, rows / 4));
    row_matrix<float> hidden, weight, d_hidden, d_weight;
    std::vector<prefrl::index_t> labels;
    std::vector<float> mask, ref_chosen, ref_rejected, advantages, ref_logps;
    problem() : hidden(rows, width), weight(vocab, width), d_hidden(rows, width), d_weight(vocab, width) {
        prefrl::generator rng(7);
        for (Eigen::Index i = 0; i < hidden.size(); ++i) hidden.data()[i] = prefrl::normal<float>(rng);
        const float scale = 2.0f / std::sqrt(static_cast<float>(width));  // logits of about N(0, 4)
        for (Eigen::Index i = 0; i < weight.size(); ++i) weight.data()[i] = scale * prefrl::normal<float>(rng);
        d_hidden.setZero();
        d_weight.setZero();
        for (Eigen::Index r = 0; r < rows; ++r) {
            labels.push_back(prefrl::uniform_index(vocab, rng));
            mask.push_back(1.0f);
            ref_logps.push_back(-10.0f + prefrl::normal<float>(rng));  // near the logits' log-probs, about -10.4
        }
        for (Eigen::Index i = 0; i < rows / steps; ++i) advantages.push_back(prefrl::normal<float>(rng));
        const Eigen::Index pairs = std::max<Eigen::Index>(1, rows / (2 * steps));
        for (Eigen::Index i = 0; i < pairs; ++i) {
            ref_chosen.push_back(-3.0f * static_cast<float>(steps));
            ref_rejected.push_back(-3.0f * static_cast<float>(steps));
        }
    }
    Eigen::Index dpo_rows() const { return 2 * steps * static_cast<Eigen::Index>(ref_chosen.size()); }
};

problem& data() {
    static problem p;
    return p;
}

double flops(const problem& p, Eigen::Index rows) { return 6.0 * double(rows) * double(p.width) * double(p.vocab); }

void count(benchmark::State& state, const problem& p, Eigen::Index rows) {
    state.counters["GFLOP/s"] = benchmark::Counter(flops(p, rows) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The step through the whole logits: one [rows, vocab] buffer, reused.
row_matrix<float>& logits_buffer(const problem& p) {
    static row_matrix<float> z(p.rows, p.vocab);
    return z;
}

float materialized_nll(problem& p) {
    auto& z = logits_buffer(p);
    z.noalias() = p.hidden * p.weight.transpose();
    const std::vector<float> up(p.mask.size(), -1.0f / static_cast<float>(p.rows));
    const auto lp = prefrl::kernel::token_logprobs_and_backward(z, p.labels, p.mask, up, z);
    p.d_hidden.noalias() = z * p.weight;
    p.d_weight.noalias() = z.transpose() * p.hidden;
    return -lp.sum() / static_cast<float>(p.rows);
}

float materialized_dpo(problem& p) {
    auto& z = logits_buffer(p);
    const Eigen::Index n = p.dpo_rows();
    auto zn = z.topRows(n);
    zn.noalias() = p.hidden.topRows(n) * p.weight.transpose();
    const auto r = prefrl::preference::from_logits(prefrl::preference::dpo{}, zn, std::span(p.labels).first(n),
                                                   std::span<const float>(p.mask).first(n), p.ref_chosen, p.ref_rejected,
                                                   p.steps, zn);
    p.d_hidden.topRows(n).noalias() = zn * p.weight;
    p.d_weight.noalias() = zn.transpose() * p.hidden.topRows(n);
    return r.value;
}

float fused_nll(problem& p) {
    return prefrl::kernel::linear_cross_entropy(p.hidden, p.weight, p.labels, p.mask, p.d_hidden, p.d_weight).value;
}

float dpo_with(problem& p, prefrl::index_t chunk_rows) {
    const Eigen::Index n = p.dpo_rows();
    auto d_hidden = p.d_hidden.topRows(n);
    return prefrl::preference::from_hidden(prefrl::preference::dpo{}, p.hidden.topRows(n), p.weight,
                                           std::span(p.labels).first(n), std::span<const float>(p.mask).first(n),
                                           p.ref_chosen, p.ref_rejected, p.steps, d_hidden, p.d_weight,
                                           {.chunk_rows = chunk_rows})
        .value;
}

// the default chunk (16 MB of logits): a pair of two 256-token sequences is 4 chunks of 128
// rows; its last chunk's logits are formed once, the 3 others twice
float fused_dpo(problem& p) { return dpo_with(p, 0); }

// the flow of a loss that couples the batch, composed from the public kernels at the default
// chunk: the forward over every chunk, the loss, then the backward forming every chunk's
// logits again (what from_hidden ran for a pair longer than a chunk before it went pair by pair)
float two_passes_dpo(problem& p) {
    const Eigen::Index n = p.dpo_rows();
    const auto hidden = p.hidden.topRows(n);
    const auto labels = std::span<const prefrl::index_t>(p.labels).first(n);
    const auto mask = std::span<const float>(p.mask).first(n);
    const auto forward = prefrl::kernel::linear_token_logprobs_forward(hidden, p.weight, labels, mask);
    const prefrl::vector<float> sequence = prefrl::kernel::sequence_sums<float>(prefrl::as_span(forward.logprobs), p.steps);
    const Eigen::Index pairs = n / (2 * p.steps);
    const auto r = prefrl::preference::dpo{}(prefrl::preference::pair_batch<float>{
        std::span<const float>(sequence.data(), pairs), std::span<const float>(sequence.data() + pairs, pairs),
        p.ref_chosen, p.ref_rejected});
    prefrl::vector<float> d_sequence(2 * pairs);
    d_sequence << r.d_chosen, r.d_rejected;
    const prefrl::vector<float> upstream = prefrl::kernel::sequence_broadcast<float>(
        std::span<const float>(d_sequence.data(), static_cast<std::size_t>(d_sequence.size())), p.steps);
    auto d_hidden = p.d_hidden.topRows(n);
    prefrl::kernel::linear_token_logprobs_backward(hidden, p.weight, labels, mask, prefrl::as_span(upstream),
                                                   prefrl::as_span(forward.logsumexp), d_hidden, p.d_weight);
    return r.value;
}

// GRPO (DAPO's normalizer, beta 0.04) on completions of `steps` tokens from hidden states:
// grpo::from_hidden (completion by completion) and the same step composed from the public
// kernels in two passes
prefrl::grpo::token_batch<float> grpo_batch(const problem& p) {
    return {p.rows / p.steps, p.steps, {}, p.mask, p.advantages, {}, p.ref_logps};
}
const prefrl::grpo::policy_loss grpo_loss{.loss = prefrl::grpo::loss_type::dapo, .beta = 0.04};

float fused_grpo(problem& p) {
    return prefrl::grpo::from_hidden(grpo_loss, p.hidden, p.weight, p.labels, grpo_batch(p), p.d_hidden, p.d_weight).value;
}

float two_passes_grpo(problem& p) {
    const auto forward = prefrl::kernel::linear_token_logprobs_forward(p.hidden, p.weight, p.labels, p.mask);
    auto batch = grpo_batch(p);
    batch.logps = std::span<const float>(forward.logprobs.data(), static_cast<std::size_t>(p.rows));
    const auto r = grpo_loss(batch);
    prefrl::kernel::linear_token_logprobs_backward(p.hidden, p.weight, p.labels, p.mask, prefrl::as_span(r.d_logps),
                                                   prefrl::as_span(forward.logsumexp), p.d_hidden, p.d_weight);
    return r.value;
}

// chunks of one whole pair (2 x 256 rows of logits): one pass, more memory
float fused_dpo_one_pass(problem& p) { return dpo_with(p, 2 * p.steps); }

template <float (*Step)(problem&)>
void step_bench(benchmark::State& state, bool dpo_rows) {
    set_threads(state);
    auto& p = data();
    for (auto _ : state) {
        benchmark::DoNotOptimize(Step(p));
        benchmark::ClobberMemory();
    }
    count(state, p, dpo_rows ? p.dpo_rows() : p.rows);
}

void linear_nll_fused(benchmark::State& s) { step_bench<fused_nll>(s, false); }
void linear_nll_materialized(benchmark::State& s) { step_bench<materialized_nll>(s, false); }
void linear_dpo_fused(benchmark::State& s) { step_bench<fused_dpo>(s, true); }
void linear_dpo_materialized(benchmark::State& s) { step_bench<materialized_dpo>(s, true); }
void linear_dpo_one_pass(benchmark::State& s) { step_bench<fused_dpo_one_pass>(s, true); }
void linear_dpo_two_passes(benchmark::State& s) { step_bench<two_passes_dpo>(s, true); }
void linear_grpo_fused(benchmark::State& s) { step_bench<fused_grpo>(s, false); }
void linear_grpo_two_passes(benchmark::State& s) { step_bench<two_passes_grpo>(s, false); }

// Eigen's own three products on the whole shapes: logits, d_hidden, d_weight.
void gemm_floor(benchmark::State& state) {
    set_threads(state);
    auto& p = data();
    auto& z = logits_buffer(p);
    for (auto _ : state) {
        z.noalias() = p.hidden * p.weight.transpose();
        p.d_hidden.noalias() = z * p.weight;
        p.d_weight.noalias() = z.transpose() * p.hidden;
        benchmark::ClobberMemory();
    }
    count(state, p, p.rows);
}

void threads_1_2(benchmark::internal::Benchmark* b) {
    b->ArgName("threads")->Arg(1);
#if defined(_OPENMP)
    b->Arg(2);
#endif
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

int peak_memory(const std::string& name) {
    auto& p = data();  // inputs and gradient buffers, written (touched) by the constructor
    float (*step)(problem&) = nullptr;
    if (name == "fused_nll") step = fused_nll;
    if (name == "fused_dpo") step = fused_dpo;
    if (name == "fused_dpo_one_pass") step = fused_dpo_one_pass;
    if (name == "materialized_nll") step = materialized_nll;
    if (name == "materialized_dpo") step = materialized_dpo;
    if (step == nullptr) {
        std::fprintf(stderr, "bench_linear: unknown --peak-memory case '%s' (fused_nll, fused_dpo, fused_dpo_one_pass, "
                             "materialized_nll, materialized_dpo)\n", name.c_str());
        return 1;
    }
    const double before = prefrl::bench::peak_rss_mb();
    const float value = step(p);
    const double after = prefrl::bench::peak_rss_mb();
    std::printf("{\"case\": \"%s\", \"extra_mb\": %.1f, \"inputs_mb\": %.1f, \"value\": %.6g}\n", name.c_str(),
                after - before, before, static_cast<double>(value));
    return 0;
}

}  // namespace

BENCHMARK(gemm_floor)->Apply(threads_1_2);
BENCHMARK(linear_nll_fused)->Name("linear_nll:fused")->Apply(threads_1_2);
BENCHMARK(linear_nll_materialized)->Name("linear_nll:materialized")->Apply(threads_1_2);
BENCHMARK(linear_dpo_fused)->Name("linear_dpo:fused")->Apply(threads_1_2);
BENCHMARK(linear_dpo_materialized)->Name("linear_dpo:materialized")->Apply(threads_1_2);
BENCHMARK(linear_dpo_one_pass)->Name("linear_dpo:fused_one_pass")->Apply(threads_1_2);
BENCHMARK(linear_dpo_two_passes)->Name("linear_dpo:two_passes")->Apply(threads_1_2);
BENCHMARK(linear_grpo_fused)->Name("linear_grpo:fused")->Apply(threads_1_2);
BENCHMARK(linear_grpo_two_passes)->Name("linear_grpo:two_passes")->Apply(threads_1_2);

int main(int argc, char** argv) { return prefrl::bench::run_benchmarks(argc, argv, peak_memory); }

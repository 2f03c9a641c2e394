// One training step of a libtorch model with prefrl as its loss layer against the same loss
// written in libtorch ops, float32, forward + backward (gradients of the model's parameters):
//
//   bench_torch                                   # vocab 32000, hidden 256, 2048 rows
//   PREFRL_BENCH_VOCAB=32 bench_torch             # the tiny example's vocabulary
//   bench_torch --peak-memory=<case>              # one step; prints the peak extra memory as JSON
//
// The model is an embedding [vocab, hidden] (the "body") and a bias-free head [vocab, hidden].
// Cases: `sft:prefrl` (libtorch::linear_cross_entropy from the hidden states and head.weight),
// `sft:libtorch` (F.linear + log_softmax + gather + mean); `dpo:prefrl` (libtorch::token_logprobs
// then libtorch::pair_loss(dpo)), `dpo_hidden:prefrl` (libtorch::pair_loss_from_hidden: the
// logits never formed), `dpo:libtorch` (log_softmax + gather + TRL's sigmoid loss); 8 pairs of
// 128-token sequences. --peak-memory=sft_prefrl|sft_libtorch|dpo_prefrl|dpo_hidden_prefrl|dpo_libtorch
// reads VmHWM before and after one step, less the gradients the step allocates.

#include <benchmark/benchmark.h>

#include "bench_support.hpp"

#include <prefrl/interop/torch.hpp>
#include <prefrl/preference.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

struct setup {
    int64_t vocab = prefrl::bench::env_size("PREFRL_BENCH_VOCAB", 32000), width = prefrl::bench::env_size("PREFRL_BENCH_HIDDEN", 256);
    int64_t rows = prefrl::bench::env_size("PREFRL_BENCH_ROWS", 2048), steps = std::min<int64_t>(128, std::max<int64_t>(1, rows / 4));
    int64_t pairs = std::max<int64_t>(1, rows / (2 * steps));
    torch::nn::Embedding body{nullptr};
    torch::nn::Linear head{nullptr};
    at::Tensor tokens, labels, mask, ref;
    setup() {
        torch::manual_seed(0);
        body = torch::nn::Embedding(vocab, width);
        head = torch::nn::Linear(torch::nn::LinearOptions(width, vocab).bias(false));
        rows = 2 * pairs * steps;
        tokens = torch::randint(0, vocab, {rows}, torch::kInt64);
        labels = torch::randint(0, vocab, {rows}, torch::kInt64);
        mask = torch::ones({rows});
        ref = torch::full({pairs}, -10.0f * static_cast<float>(steps));
    }
    double gradient_mb() const {
        return static_cast<double>(body->weight.numel() + head->weight.numel()) * 4.0 / (1 << 20);
    }
    void zero() {
        for (auto& p : body->parameters()) p.mutable_grad() = at::Tensor();
        for (auto& p : head->parameters()) p.mutable_grad() = at::Tensor();
    }
    void sft_prefrl() {
        zero();
        prefrl::libtorch::linear_cross_entropy(body(tokens), head->weight, labels, mask).backward();
    }
    void sft_libtorch() {
        zero();
        (-torch::log_softmax(head(body(tokens)), -1).gather(1, labels.unsqueeze(1)).mean()).backward();
    }
    void dpo_prefrl() {
        zero();
        const at::Tensor seq = prefrl::libtorch::token_logprobs(head(body(tokens)), labels, mask).view({2 * pairs, steps}).sum(1);
        prefrl::libtorch::pair_loss(prefrl::preference::dpo{.beta = 0.1}, seq.slice(0, 0, pairs), seq.slice(0, pairs), ref,
                                    ref)
            .backward();
    }
    void dpo_hidden_prefrl() {
        zero();
        prefrl::libtorch::pair_loss_from_hidden(prefrl::preference::dpo{.beta = 0.1}, body(tokens), head->weight, labels,
                                                mask, ref, ref, steps)
            .backward();
    }
    void dpo_libtorch() {
        zero();
        const at::Tensor lp = torch::log_softmax(head(body(tokens)), -1).gather(1, labels.unsqueeze(1)).squeeze(1) * mask;
        const at::Tensor seq = lp.view({2 * pairs, steps}).sum(1);
        (-torch::log_sigmoid(0.1 * ((seq.slice(0, 0, pairs) - ref) - (seq.slice(0, pairs) - ref))).mean()).backward();
    }
};

setup& data() {
    static setup s;
    return s;
}

void set_threads(const benchmark::State& state) { torch::set_num_threads(static_cast<int>(state.range(0))); }

template <void (setup::*Step)()>
void step_bench(benchmark::State& state) {
    set_threads(state);
    auto& s = data();
    for (auto _ : state) (s.*Step)();
}

void threads_1_2(benchmark::internal::Benchmark* b) {
    b->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
}

int peak_memory(const std::string& name) {
    torch::set_num_threads(1);
    auto& s = data();
    void (setup::*step)() = nullptr;
    if (name == "sft_prefrl") step = &setup::sft_prefrl;
    if (name == "sft_libtorch") step = &setup::sft_libtorch;
    if (name == "dpo_prefrl") step = &setup::dpo_prefrl;
    if (name == "dpo_hidden_prefrl") step = &setup::dpo_hidden_prefrl;
    if (name == "dpo_libtorch") step = &setup::dpo_libtorch;
    if (step == nullptr) {
        std::fprintf(stderr, "bench_torch: unknown --peak-memory case '%s'\n", name.c_str());
        return 1;
    }
    const double before = prefrl::bench::peak_rss_mb();
    (s.*step)();  // backward allocates the gradients (set_to_none style): not extra memory
    std::printf("{\"case\": \"%s\", \"extra_mb\": %.1f}\n", name.c_str(), prefrl::bench::peak_rss_mb() - before - s.gradient_mb());
    return 0;
}

}  // namespace

BENCHMARK(step_bench<&setup::sft_prefrl>)->Name("sft:prefrl")->Apply(threads_1_2);
BENCHMARK(step_bench<&setup::sft_libtorch>)->Name("sft:libtorch")->Apply(threads_1_2);
BENCHMARK(step_bench<&setup::dpo_prefrl>)->Name("dpo:prefrl")->Apply(threads_1_2);
BENCHMARK(step_bench<&setup::dpo_hidden_prefrl>)->Name("dpo_hidden:prefrl")->Apply(threads_1_2);
BENCHMARK(step_bench<&setup::dpo_libtorch>)->Name("dpo:libtorch")->Apply(threads_1_2);

int main(int argc, char** argv) { return prefrl::bench::run_benchmarks(argc, argv, peak_memory); }

// Linear self-attention (von Oswald et al. 2023), float32, d = 10:
//
//   bench_icl                                   # batch of 1024 tasks, N = 10, 25, 50, 100
//   PREFRL_BENCH_TASKS=64 bench_icl             # tiny (CI, demo)
//
// `lsa_forward_backward:N=<N>:L=<L>/threads:T` is the batch loss and its gradients for every
// weight (`lsa_batch_loss_and_gradients`) on pre-sampled tasks; one layer takes the query-only
// path, two layers the general backward pass. `lsa_train_step:L=<L>/threads:T` is a whole
// training step at N = 10, batch 512: sampling the tasks, forward, backward, clipping, Adam.
// benchmarks/compare/compare_icl.py puts these beside the same model in PyTorch.

#include <benchmark/benchmark.h>

#include <prefrl/icl.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

namespace icl = prefrl::icl;

int env_size(const char* name, int fallback) {
    const char* value = std::getenv(name);
    return value ? std::atoi(value) : fallback;
}

void set_threads([[maybe_unused]] const benchmark::State& state) {
#if defined(_OPENMP)
    omp_set_num_threads(static_cast<int>(state.range(0)));
#endif
}

void forward_backward(benchmark::State& state, int context, int layers) {
    set_threads(state);
    const icl::regression_task_distribution dist{.inputs = 10, .context = context};
    prefrl::generator rng(5);
    std::vector<icl::regression_task<float>> tasks;
    tasks = dist.sample_many<float>(env_size("PREFRL_BENCH_TASKS", 1024), rng);
    std::vector<icl::lsa_layer<float>> stack;
    for (int l = 0; l < layers; ++l) stack.push_back(icl::lsa_initial_layer<float>(11, 0.5, rng));
    std::vector<icl::lsa_gradients<float>> gradients(stack.size());
    for (auto _ : state) {
        benchmark::DoNotOptimize(icl::lsa_batch_loss_and_gradients<float>(stack, tasks, gradients));
        benchmark::DoNotOptimize(gradients.front().key.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long long>(tasks.size()));
}

void train_step(benchmark::State& state, int layers) {
    set_threads(state);
    const icl::regression_task_distribution dist{};
    prefrl::generator rng(6);
    icl::lsa_training_options options;
    options.layers = layers;
    options.batch = env_size("PREFRL_BENCH_TASKS", 1024) / 2;
    icl::lsa_trainer<float> trainer(dist, options, rng);
    for (auto _ : state) benchmark::DoNotOptimize(trainer.step(rng));
    state.SetItemsProcessed(state.iterations());
}

const bool registered = [] {
    for (const int layers : {1, 2}) {
        for (const int context : {10, 25, 50, 100}) {
            const std::string name = "lsa_forward_backward:N=" + std::to_string(context) + ":L=" + std::to_string(layers);
            benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) { forward_backward(s, context, layers); })
                ->ArgName("threads")
                ->Arg(1)
                ->Arg(2)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
        }
        benchmark::RegisterBenchmark(("lsa_train_step:L=" + std::to_string(layers)).c_str(),
                                     [=](benchmark::State& s) { train_step(s, layers); })
            ->ArgName("threads")
            ->Arg(1)
            ->Arg(2)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    }
    return true;
}();

}  // namespace

BENCHMARK_MAIN();

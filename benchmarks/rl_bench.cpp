// RL core, double precision:
//
//   bench_rl                                    # VI on Garnet(1000, 10, 10); returns over 10^6 steps
//   PREFRL_BENCH_STATES=100 PREFRL_BENCH_STEPS=1000 bench_rl     # tiny (CI, demo)
//
// `value_iteration:garnet` is `mdp::value_iteration` to convergence (gamma 0.95, eps 1e-10);
// its `sweeps` counter gives the time per sweep. `vi_sweep:dense_eigen` is one hand-written
// dense sweep (P as [S A, S] times V, then the row maxima) for comparison.
// `gae`, `lambda_returns`, `n_step_returns` run over one trajectory of 10^6 steps.
// benchmarks/compare/compare_rl.py puts these beside numpy / scipy.

#include <benchmark/benchmark.h>

#include <prefrl/mdp.hpp>
#include <prefrl/value.hpp>

#include <cstdlib>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

namespace mdp = prefrl::mdp;
namespace value = prefrl::value;

long env_size(const char* name, long fallback) {
    const char* v = std::getenv(name);
    return v ? std::atol(v) : fallback;
}

void set_threads([[maybe_unused]] const benchmark::State& state) {
#if defined(_OPENMP)
    omp_set_num_threads(static_cast<int>(state.range(0)));
    Eigen::setNbThreads(static_cast<int>(state.range(0)));
#endif
}

const mdp::tabular_mdp<double>& garnet() {
    static const mdp::tabular_mdp<double> m = [] {
        prefrl::generator rng(11);
        return mdp::garnet<double>(env_size("PREFRL_BENCH_STATES", 1000), 10, 10, 0.95, rng);
    }();
    return m;
}

void value_iteration(benchmark::State& state) {
    set_threads(state);
    const auto& m = garnet();
    int sweeps = 0;
    for (auto _ : state) {
        const auto solved = mdp::value_iteration(m);
        sweeps = solved.iterations;
        benchmark::DoNotOptimize(solved.v.data());
    }
    state.counters["sweeps"] = sweeps;
}

void dense_sweep(benchmark::State& state) {
    set_threads(state);
    const auto& m = garnet();
    const auto p = m.transition_matrix();
    const prefrl::vector<double> rewards = Eigen::Map<const prefrl::vector<double>>(m.rewards.data(), m.rewards.size());
    prefrl::vector<double> v = prefrl::vector<double>::Zero(m.states()), backed(m.states() * m.actions());
    for (auto _ : state) {
        backed.noalias() = p * v;
        backed = rewards + 0.95 * backed;
        v = Eigen::Map<const prefrl::row_matrix<double>>(backed.data(), m.states(), m.actions()).rowwise().maxCoeff();
        benchmark::DoNotOptimize(v.data());
    }
}

struct trajectory {
    std::vector<double> r, g, v, values;
    trajectory() {
        prefrl::generator rng(12);
        const long n = env_size("PREFRL_BENCH_STEPS", 1000000);
        for (long k = 0; k < n; ++k) {
            r.push_back(prefrl::normal<double>(rng));
            g.push_back(prefrl::uniform01<double>(rng) < 0.001 ? 0.0 : 0.99);
            v.push_back(prefrl::normal<double>(rng));
        }
        values = v;
        values.insert(values.begin(), prefrl::normal<double>(rng));
    }
};

const trajectory& data() {
    static const trajectory t;
    return t;
}

void gae(benchmark::State& state) {
    const auto& d = data();
    for (auto _ : state) benchmark::DoNotOptimize(value::truncated_generalized_advantage_estimation<double>(d.r, d.g, 0.95, d.values).data());
    state.SetItemsProcessed(state.iterations() * static_cast<long>(d.r.size()));
}

void lambda_returns(benchmark::State& state) {
    const auto& d = data();
    for (auto _ : state) benchmark::DoNotOptimize(value::lambda_returns<double>(d.r, d.g, d.v, 0.95).data());
    state.SetItemsProcessed(state.iterations() * static_cast<long>(d.r.size()));
}

void n_step(benchmark::State& state) {
    const auto& d = data();
    for (auto _ : state) benchmark::DoNotOptimize(value::n_step_bootstrapped_returns<double>(d.r, d.g, d.v, 5).data());
    state.SetItemsProcessed(state.iterations() * static_cast<long>(d.r.size()));
}

}  // namespace

BENCHMARK(value_iteration)->Name("value_iteration:garnet")->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(dense_sweep)->Name("vi_sweep:dense_eigen")->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(gae)->Name("gae")->ArgName("threads")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(lambda_returns)->Name("lambda_returns")->ArgName("threads")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(n_step)->Name("n_step_returns:5")->ArgName("threads")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();

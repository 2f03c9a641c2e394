// Bandits and off-policy evaluation:
//
//   bench_bandit                                  # LinUCB / LinTS at d = 16, 64, 256 (K = 10), UCB1 at K = 1000, OPE on 10^5 rounds
//   PREFRL_BENCH_ROUNDS=1000 bench_bandit         # tiny (CI, demo)
//
// One iteration is one decision: select on a context from a pool of 1024 unit vectors, then
// update with its reward; `items_per_second` is decisions per second (one thread).
// `lin_ts` runs with the exact quadrature propensity (`propensity:1`) and without (`:0`).
// OPE: one estimator call on a synthetic log of PREFRL_BENCH_ROUNDS rounds, K = 10.

#include <benchmark/benchmark.h>

#include <prefrl/bandit.hpp>
#include <prefrl/ope.hpp>

#include <cstdlib>
#include <vector>

namespace {

namespace bandit = prefrl::bandit;
namespace ope = prefrl::ope;
using prefrl::index_t;

long env_size(const char* name, long fallback) {
    const char* v = std::getenv(name);
    return v ? std::atol(v) : fallback;
}

struct pool {
    std::vector<prefrl::vector<double>> contexts;
    std::vector<double> rewards;
    explicit pool(index_t d) {
        prefrl::generator rng(3);
        for (int k = 0; k < 1024; ++k) {
            contexts.push_back(prefrl::env::random_unit_vector<double>(d, rng));
            rewards.push_back(prefrl::uniform01<double>(rng));
        }
    }
};

template <class B>
void run_contextual(benchmark::State& state, B b, index_t d) {
    const pool p(d);
    prefrl::generator rng(1);
    std::size_t k = 0;
    for (auto _ : state) {
        const auto& x = p.contexts[k & 1023];
        const std::span<const double> xs(x.data(), static_cast<std::size_t>(d));
        const auto decision = b.select(xs, rng);
        b.update(xs, decision.arm, p.rewards[k & 1023]);
        benchmark::DoNotOptimize(decision.propensity);
        ++k;
    }
    state.SetItemsProcessed(state.iterations());
}

void lin_ucb(benchmark::State& state) {
    const index_t d = state.range(0);
    run_contextual(state, bandit::lin_ucb<double>(10, d), d);
}
BENCHMARK(lin_ucb)->ArgName("d")->Arg(16)->Arg(64)->Arg(256);

void lin_ts(benchmark::State& state) {
    const index_t d = state.range(0);
    run_contextual(state, bandit::lin_ts<double>(10, d, {.v = 0.1, .propensity = state.range(1) != 0}), d);
}
BENCHMARK(lin_ts)->ArgNames({"d", "propensity"})->ArgsProduct({{16, 64, 256}, {0, 1}});

void ucb1(benchmark::State& state) {
    const index_t arms = state.range(0);
    bandit::ucb1<double> b(arms);
    prefrl::generator rng(1);
    for (auto _ : state) {
        const auto d = b.select(rng);
        b.update(d.arm, prefrl::uniform01<double>(rng) < 0.5 ? 1.0 : 0.0);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(ucb1)->ArgName("K")->Arg(10)->Arg(1000);

struct logged {
    prefrl::env::logged_bandit_data<double> data;
    prefrl::row_matrix<double> target;
};
const logged& log_data() {
    static const logged l = [] {
        prefrl::generator rng(5);
        const prefrl::env::synthetic_logged_bandit<double> sim(10, 5, 3.0, rng);
        logged out{sim.sample(env_size("PREFRL_BENCH_ROUNDS", 100000), rng), {}};
        out.target = prefrl::row_matrix<double>::Constant(out.data.expected_reward.rows(), 10, 0.1);
        return out;
    }();
    return l;
}

void ope_ips(benchmark::State& state) {
    const auto& l = log_data();
    for (auto _ : state) benchmark::DoNotOptimize(ope::ips{}(l.data.log(), l.target).value);
    state.SetItemsProcessed(state.iterations() * l.target.rows());
}
BENCHMARK(ope_ips)->Unit(benchmark::kMillisecond);

void ope_dr(benchmark::State& state) {
    const auto& l = log_data();
    for (auto _ : state) benchmark::DoNotOptimize(ope::dr{}(l.data.log(), l.target, l.data.expected_reward).value);
    state.SetItemsProcessed(state.iterations() * l.target.rows());
}
BENCHMARK(ope_dr)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

// Offline-RL terms, float32, forward + backward (value and every gradient field) on a batch:
//
//   bench_offline                                 # a batch of 10^5 (the size)
//   PREFRL_BENCH_BATCH=1000 bench_offline         # tiny (CI, demo)
//
// Shapes: Q and V vectors of the batch; CQL over 18 discrete actions; continuous CQL over
// 30 sampled actions per state (CORL's 10 uniform + 10 pi(s) + 10 pi(s')); actions of 6
// dimensions (TD3+BC, A2PR, MSE BC); BEER on 64 features; weighted BC on 18-action logits;
// ODICE's projection on a gradient of the batch's size. One thread (the terms are serial
// loops); benchmarks/compare/compare_offline.py puts them beside PyTorch at one thread.

#include <benchmark/benchmark.h>

#include <prefrl/offline.hpp>

#include <cstdlib>
#include <span>
#include <vector>

namespace {

namespace offline = prefrl::offline;
using prefrl::index_t;
using prefrl::row_matrix;
using cref = prefrl::const_matrix_ref<float>;

long env_size(const char* name, long fallback) {
    const char* v = std::getenv(name);
    return v ? std::atol(v) : fallback;
}

index_t batch() { return static_cast<index_t>(env_size("PREFRL_BENCH_BATCH", 100000)); }

std::vector<float> normals(index_t n, std::uint64_t seed, float scale = 1.0F, float shift = 0.0F) {
    prefrl::generator rng(seed);
    std::vector<float> out(static_cast<std::size_t>(n));
    for (auto& x : out) x = shift + scale * prefrl::normal<float>(rng);
    return out;
}

row_matrix<float> normal_matrix(index_t rows, index_t cols, std::uint64_t seed, float scale = 1.0F) {
    const auto v = normals(rows * cols, seed, scale);
    return Eigen::Map<const row_matrix<float>>(v.data(), rows, cols);
}

std::span<const float> span_of(const std::vector<float>& v) { return {v.data(), v.size()}; }

template <class Term>
void value_term(benchmark::State& state, const Term& term) {
    const auto q = normals(batch(), 1), v = normals(batch(), 2);
    for (auto _ : state) {
        const auto r = term(span_of(q), span_of(v));
        benchmark::DoNotOptimize(r.d_v.data());
    }
    state.SetItemsProcessed(state.iterations() * batch());
}

void expectile(benchmark::State& state) { value_term(state, offline::expectile{.tau = 0.7}); }
void gumbel(benchmark::State& state) { value_term(state, offline::gumbel{.beta = 1.0}); }
void fdvl_chi_square(benchmark::State& state) { value_term(state, offline::fdvl{.divergence = offline::f_divergence::chi_square}); }

void cql_discrete(benchmark::State& state) {
    const index_t actions = state.range(1);
    const auto q = normal_matrix(batch(), actions, 3);
    std::vector<index_t> a(static_cast<std::size_t>(batch()));
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<index_t>((i * 7) % static_cast<std::size_t>(actions));
    for (auto _ : state) {
        const auto r = offline::cql{.alpha = 1.0}(cref(q), std::span<const index_t>(a));
        benchmark::DoNotOptimize(r.d_q.data());
    }
    state.SetItemsProcessed(state.iterations() * batch());
}

void cql_continuous(benchmark::State& state) {
    const index_t samples = state.range(1);
    const auto q = normal_matrix(batch(), samples, 4, 2.0F), logd = normal_matrix(batch(), samples, 5);
    const auto q_data = normals(batch(), 6);
    for (auto _ : state) {
        const auto r = offline::cql_continuous{.alpha = 5.0}(cref(q), cref(logd), span_of(q_data));
        benchmark::DoNotOptimize(r.d_q_sampled.data());
    }
    state.SetItemsProcessed(state.iterations() * batch());
}

void td3_bc(benchmark::State& state) {
    const index_t dims = state.range(1);
    const auto pi = normal_matrix(batch(), dims, 7), a = normal_matrix(batch(), dims, 8);
    const auto q = normals(batch(), 9, 1.0F, 3.0F);
    for (auto _ : state) {
        const auto r = offline::td3_bc{.alpha = 2.5}(cref(pi), cref(a), span_of(q));
        benchmark::DoNotOptimize(r.d_policy_action.data());
    }
    state.SetItemsProcessed(state.iterations() * batch());
}

void a2pr(benchmark::State& state) {
    const index_t dims = state.range(1);
    const auto pi = normal_matrix(batch(), dims, 10), a = normal_matrix(batch(), dims, 11), g = normal_matrix(batch(), dims, 12);
    const auto q_pi = normals(batch(), 13, 1.0F, 3.0F), q_a = normals(batch(), 14), q_g = normals(batch(), 15), v = normals(batch(), 16);
    for (auto _ : state) {
        const auto r = offline::a2pr{}(cref(pi), span_of(q_pi), cref(a), span_of(q_a), cref(g), span_of(q_g), span_of(v));
        benchmark::DoNotOptimize(r.d_policy_action.data());
    }
    state.SetItemsProcessed(state.iterations() * batch());
}

void beer(benchmark::State& state) {
    const index_t features = state.range(1);
    const row_matrix<float> phi = normal_matrix(batch(), features, 17).cwiseAbs(), online = normal_matrix(batch(), features, 18).cwiseAbs();
    const row_matrix<float> target = (phi + normal_matrix(batch(), features, 19, 0.3F)).cwiseAbs();
    const auto reward = normals(batch(), 20, 3.0F), w = normals(features, 21);
    for (auto _ : state) {
        const auto r = offline::beer{}(cref(phi), cref(online), cref(target), span_of(reward), span_of(w));
        benchmark::DoNotOptimize(r.d_phi.data());
    }
    state.SetItemsProcessed(state.iterations() * batch());
}

void occupancy_discriminator(benchmark::State& state) {
    const auto p = normals(batch(), 22, 2.0F), r = normals(batch(), 23, 2.0F);
    for (auto _ : state) {
        const auto out = offline::occupancy_discriminator_loss<float>(span_of(p), span_of(r));
        benchmark::DoNotOptimize(out.d_policy_scores.data());
    }
    state.SetItemsProcessed(state.iterations() * batch());
}

void weighted_bc(benchmark::State& state) {
    const index_t actions = state.range(1);
    const auto logits = normal_matrix(batch(), actions, 24);
    std::vector<index_t> a(static_cast<std::size_t>(batch()));
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<index_t>((i * 5) % static_cast<std::size_t>(actions));
    const auto adv = normals(batch(), 25);
    for (auto _ : state) {
        const auto weights = offline::exponential_advantage_weights<float>(span_of(adv), 1.0 / 3.0, 100.0);
        const auto r = offline::weighted_bc<float>(cref(logits), std::span<const index_t>(a), std::span<const float>(weights.data(), static_cast<std::size_t>(weights.size())));
        benchmark::DoNotOptimize(r.d_logits.data());
    }
    state.SetItemsProcessed(state.iterations() * batch());
}

void odice_project(benchmark::State& state) {
    const auto f = normals(batch(), 26), b = normals(batch(), 27);
    for (auto _ : state) benchmark::DoNotOptimize(offline::odice_project<float>(span_of(f), span_of(b)).data());
    state.SetItemsProcessed(state.iterations() * batch());
}

}  // namespace

#define PREFRL_OFFLINE_BENCH(fn, name) BENCHMARK(fn)->Name(name)->ArgName("threads")->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime()
#define PREFRL_OFFLINE_BENCH_SHAPED(fn, name, width) \
    BENCHMARK(fn)->Name(name)->ArgNames({"threads", "width"})->Args({1, width})->Unit(benchmark::kMicrosecond)->UseRealTime()

PREFRL_OFFLINE_BENCH(expectile, "expectile");
PREFRL_OFFLINE_BENCH(gumbel, "gumbel");
PREFRL_OFFLINE_BENCH(fdvl_chi_square, "fdvl_chi_square");
PREFRL_OFFLINE_BENCH_SHAPED(cql_discrete, "cql_discrete", 18);
PREFRL_OFFLINE_BENCH_SHAPED(cql_continuous, "cql_continuous", 30);
PREFRL_OFFLINE_BENCH_SHAPED(td3_bc, "td3_bc", 6);
PREFRL_OFFLINE_BENCH_SHAPED(a2pr, "a2pr", 6);
PREFRL_OFFLINE_BENCH_SHAPED(beer, "beer", 64);
PREFRL_OFFLINE_BENCH(occupancy_discriminator, "occupancy_discriminator");
PREFRL_OFFLINE_BENCH_SHAPED(weighted_bc, "awr_weighted_bc", 18);
PREFRL_OFFLINE_BENCH(odice_project, "odice_project");

BENCHMARK_MAIN();

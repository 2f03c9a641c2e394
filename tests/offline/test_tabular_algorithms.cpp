// Offline algorithms with tabular function classes on a grid world (spec/offline.md; issue #6's
// thresholds): on a dataset of random and expert episodes IQL and CQL beat behaviour cloning,
// and return weighting lifts BC on a 95% random / 5% expert dataset.

#include <catch2/catch.hpp>

#include <prefrl/env.hpp>
#include <prefrl/mdp.hpp>
#include <prefrl/offline.hpp>

#include <vector>

namespace offline = prefrl::offline;
namespace env = prefrl::env;
namespace mdp = prefrl::mdp;
using prefrl::index_t;

namespace {

mdp::tabular_mdp<double> grid() {
    return env::gridworld<double>({.layout = {"S.....", ".####.", "......", ".#.##.", ".#....", "...#.G"},
                                   .slip = 0.1,
                                   .step_reward = 0.0,
                                   .goal_reward = 1.0,
                                   .gamma = 0.95});
}

// D4RL-style normalized score of a stochastic policy, from exact evaluation at the start
double score(const mdp::tabular_mdp<double>& m, const prefrl::row_matrix<double>& pi) {
    const prefrl::row_matrix<double> uniform = prefrl::row_matrix<double>::Constant(m.states(), m.actions(), 1.0 / m.actions());
    const double random = mdp::evaluate_policy<double>(m, uniform)[0];
    const double expert = mdp::value_iteration(m).v[0];
    return offline::normalized_score(mdp::evaluate_policy<double>(m, pi)[0], random, expert);
}

offline::transition_dataset<double> mixed(const mdp::tabular_mdp<double>& m, int random_episodes, int expert_episodes, std::uint64_t seed) {
    env::tabular_environment<double> world(m);
    prefrl::generator rng(seed);
    const auto optimal = mdp::value_iteration(m).policy;
    auto observe = [](index_t s) { return prefrl::vector<double>::Constant(1, static_cast<double>(s)); };
    auto encode = [](index_t a) { return prefrl::vector<double>::Constant(1, static_cast<double>(a)); };
    const auto random = offline::collect<double>(world, [](index_t, prefrl::generator& g) { return prefrl::uniform_index(4, g); }, observe,
                                                 encode, random_episodes, 100, rng);
    const auto expert = offline::collect<double>(world, [&](index_t s, prefrl::generator&) { return optimal[static_cast<std::size_t>(s)]; },
                                                 observe, encode, expert_episodes, 100, rng);
    return offline::concatenate(random, expert);
}

}  // namespace

TEST_CASE("tabular IQL and CQL beat behaviour cloning on random + expert data", "[offline][learning]") {
    const auto m = grid();
    auto data = mixed(m, 150, 50, 1);
    const double bc = score(m, offline::tabular_bc<double>(data, m.states(), 4));
    // IQL's recipe scales the rewards to a return range of 1000 first (its beta = 3 assumes it)
    auto scaled = data;
    scaled.rewards *= offline::reward_scale_by_return_range(data);
    const double iql = score(m, offline::tabular_iql<double>(scaled, m.states(), 4).policy);
    const auto q = offline::tabular_cql<double>(data, m.states(), 4, {.alpha = 1.0});
    const double cql = score(m, mdp::as_stochastic<double>(m, mdp::greedy_policy<double>(q)));
    INFO("normalized scores: BC " << bc << ", IQL " << iql << ", CQL " << cql);
    CHECK(iql > bc + 20);
    CHECK(cql > bc + 20);
    CHECK(iql > 80);
    CHECK(cql > 80);
}

TEST_CASE("return weighting lifts BC on a 95% random / 5% expert dataset", "[offline][learning]") {
    const auto m = grid();
    const auto data = mixed(m, 190, 10, 2);
    const auto returns = data.episode_returns();
    const auto lengths = data.episode_lengths();
    const auto p = offline::return_weighted_sampling{}(std::span<const double>(returns.data(), static_cast<std::size_t>(returns.size())),
                                                       std::span<const index_t>(lengths));
    const double uniform = score(m, offline::tabular_bc<double>(data, m.states(), 4));
    const double weighted = score(m, offline::tabular_bc<double>(data, m.states(), 4, std::span<const double>(p.data(), static_cast<std::size_t>(p.size()))));
    INFO("BC normalized score: uniform " << uniform << ", return-weighted " << weighted);
    CHECK(weighted > uniform + 20);
}

TEST_CASE("tabular offline algorithms: bad datasets", "[offline]") {
    const auto data = mixed(grid(), 2, 1, 3);
    REQUIRE_THROWS_WITH(offline::tabular_bc<double>(data, 5, 4), Catch::Contains("prefrl::offline::tabular_bc: row") &&
                                                                     Catch::Contains("has a state outside [0, 5)"));
    REQUIRE_THROWS_WITH(offline::tabular_iql<double>(data, 27, 4, {.tau = 1.5}), "prefrl::offline::tabular_iql: tau must be in (0, 1), got 1.5");
    REQUIRE_THROWS_WITH(offline::tabular_cql<double>(data, 27, 4, {.alpha = -1}), "prefrl::offline::tabular_cql: alpha must be >= 0, got -1");
}

// Offline algorithms with linear function classes: with one-hot state features they
// reproduce the tabular algorithms; with redundant features (one-hot, a bias and the cell's
// coordinates) IQL, f-DVL, CQL and ODICE beat linear behaviour cloning on random + expert data.

#include <catch2/catch.hpp>

#include <prefrl/env.hpp>
#include <prefrl/mdp.hpp>
#include <prefrl/offline.hpp>

#include <vector>

#include "offline/grid_fixture.hpp"

namespace offline = prefrl::offline;
namespace env = prefrl::env;
namespace mdp = prefrl::mdp;
using prefrl::index_t;

namespace {

using prefrl::test::grid;
using prefrl::test::mixed;
using prefrl::test::score;

// phi(s): one-hot of the state, then (optionally) a bias and the cell's row and column / 5
prefrl::vector<double> features(index_t s, index_t states, bool extra) {
    static const auto map = env::gridworld_states(prefrl::test::grid_layout());
    prefrl::vector<double> x = prefrl::vector<double>::Zero(extra ? states + 3 : states);
    x[s] = 1.0;
    if (extra) {
        x[states] = 1.0;
        if (s < static_cast<index_t>(map.cell_of.size())) {
            x[states + 1] = map.cell_of[static_cast<std::size_t>(s)].first / 5.0;
            x[states + 2] = map.cell_of[static_cast<std::size_t>(s)].second / 5.0;
        }
    }
    return x;
}

// the dataset with its state columns replaced by features
offline::transition_dataset<double> featurize(const offline::transition_dataset<double>& d, index_t states, bool extra) {
    auto out = d;
    const index_t k = extra ? states + 3 : states;
    out.observations.resize(d.size(), k);
    out.next_observations.resize(d.size(), k);
    for (index_t r = 0; r < d.size(); ++r) {
        out.observations.row(r) = features(static_cast<index_t>(d.observations(r, 0)), states, extra).transpose();
        out.next_observations.row(r) = features(static_cast<index_t>(d.next_observations(r, 0)), states, extra).transpose();
    }
    return out;
}

prefrl::row_matrix<double> as_table(const prefrl::policy::linear_softmax<double>& pi, index_t states, bool extra) {
    prefrl::row_matrix<double> t(states, pi.num_actions());
    for (index_t s = 0; s < states; ++s) t.row(s) = pi.probabilities(features(s, states, extra)).transpose();
    return t;
}

}  // namespace

TEST_CASE("linear offline algorithms with one-hot features are the tabular ones", "[offline][linear]") {
    const auto m = grid();
    const index_t states = m.states();
    auto data = mixed(m, 150, 50, 1);
    auto scaled = data;
    scaled.rewards *= offline::reward_scale_by_return_range(data);
    const auto x = featurize(data, states, false), x_scaled = featurize(scaled, states, false);

    // BC: the maximum-likelihood linear softmax is the count table where the data is
    const auto bc_table = offline::tabular_bc<double>(data, states, 4);
    const auto bc_linear = as_table(offline::linear_bc<double>(x, 4), states, false);
    CHECK((bc_table - bc_linear).cwiseAbs().maxCoeff() < 0.02);

    // ODICE: the same update on the same coordinates (Adam on w = the table)
    const auto odice_table = offline::tabular_odice<double>(scaled, states, 4);
    const auto odice_linear = offline::linear_odice<double>(x_scaled, 4);
    // the one-options form and the former two-options form are the same call
    const auto odice_two = offline::linear_odice(x_scaled, 4, offline::tabular_odice_options{.iterations = 50}, offline::linear_offline_options{.bc_steps = 20});
    const auto odice_one = offline::linear_odice(x_scaled, 4, {.iterations = 50, .bc_steps = 20});
    CHECK(odice_two.v_weights == odice_one.v_weights);
    CHECK(odice_two.policy.weights == odice_one.policy.weights);
    CHECK((odice_table.v - odice_linear.v_weights).cwiseAbs().maxCoeff() < 1e-3 * odice_table.v.cwiseAbs().maxCoeff());

    // IQL: exact V by bisection (tabular) vs Adam steps on V's weights (linear)
    const auto iql_table = offline::tabular_iql<double>(scaled, states, 4);
    const auto iql_linear = offline::linear_in_sample<double>(x_scaled, 4, offline::expectile{.tau = 0.7});
    CHECK((iql_table.v - iql_linear.v_weights).cwiseAbs().maxCoeff() < 0.02 * iql_table.v.cwiseAbs().maxCoeff());
    // linear_iql is linear_in_sample with expectile{options.tau}: the same bits
    CHECK(offline::linear_iql(x_scaled, 4).v_weights == iql_linear.v_weights);
    CHECK(offline::linear_iql(x_scaled, 4, {.tau = 0.9}).v_weights == offline::linear_in_sample(x_scaled, 4, offline::expectile{.tau = 0.9}).v_weights);

    // CQL: the same fitted-Q objective; the greedy policies score alike
    const double cql_table = score(m, offline::tabular_cql<double>(data, states, 4).policy);
    const auto cql_linear = offline::linear_cql<double>(x, 4);
    const double cql_linear_score = score(m, mdp::as_stochastic<double>(m, mdp::greedy_policy<double>(as_table(cql_linear.policy, states, false))));
    INFO("CQL normalized score: tabular " << cql_table << ", linear " << cql_linear_score);
    CHECK(std::abs(cql_table - cql_linear_score) < 2.0);
}

TEST_CASE("linear IQL, f-DVL, CQL and ODICE beat linear BC with redundant features", "[offline][linear][learning]") {
    const auto m = grid();
    const index_t states = m.states();
    auto data = mixed(m, 150, 50, 1);
    auto scaled = data;
    scaled.rewards *= offline::reward_scale_by_return_range(data);
    const auto x = featurize(data, states, true), x_scaled = featurize(scaled, states, true);
    const double bc = score(m, as_table(offline::linear_bc<double>(x, 4), states, true));
    const double iql = score(m, as_table(offline::linear_in_sample<double>(x_scaled, 4, offline::expectile{.tau = 0.7}).policy, states, true));
    const double fdvl = score(m, as_table(offline::linear_in_sample<double>(x, 4, offline::fdvl{.lambda_ = 0.8}, {.temperature = 0.01}).policy, states, true));
    const double cql = score(m, as_table(offline::linear_cql<double>(x, 4, {.temperature = 0.001}).policy, states, true));
    const double odice = score(m, as_table(offline::linear_odice<double>(x_scaled, 4).policy, states, true));
    INFO("normalized scores: BC " << bc << ", IQL " << iql << ", f-DVL " << fdvl << ", CQL " << cql << ", ODICE " << odice);
    for (const double s : {iql, fdvl, cql, odice}) {
        CHECK(s > bc + 20);
        CHECK(s > 80);
    }
}

TEST_CASE("linear BC: return weighting lifts it, bad input", "[offline][linear]") {
    const auto m = grid();
    const index_t states = m.states();
    const auto data = mixed(m, 190, 10, 2);
    const auto x = featurize(data, states, true);
    const auto returns = data.episode_returns();
    const auto lengths = data.episode_lengths();
    const auto p = offline::return_weighted_sampling{}(std::span<const double>(returns.data(), static_cast<std::size_t>(returns.size())),
                                                       std::span<const index_t>(lengths));
    const double uniform = score(m, as_table(offline::linear_bc<double>(x, 4), states, true));
    const double weighted =
        score(m, as_table(offline::linear_bc<double>(x, 4, {}, std::span<const double>(p.data(), static_cast<std::size_t>(p.size()))), states, true));
    INFO("linear BC normalized score: uniform " << uniform << ", return-weighted " << weighted);
    CHECK(weighted > uniform + 20);

    auto bad = x;
    bad.actions(3, 0) = 4.0;
    REQUIRE_THROWS_WITH(offline::linear_bc<double>(bad, 4), "prefrl::offline::linear_bc: row 3 has an action outside [0, 4)");
    std::vector<double> negative(static_cast<std::size_t>(x.size()), 1.0);
    negative[5] = -1.0;
    REQUIRE_THROWS_WITH(offline::linear_bc<double>(x, 4, {}, negative), "prefrl::offline::linear_bc: weights[5] must be >= 0, got -1");
    REQUIRE_THROWS_WITH(offline::linear_odice<double>(x, 4, {.lambda_ = 0.0}), "prefrl::offline::linear_odice: lambda_ must be in (0, 1), got 0");
    REQUIRE_THROWS_WITH(offline::linear_odice(x, 4, {.bc_steps = 0}), "prefrl::offline::linear_odice: bc_steps must be > 0, got 0");
    REQUIRE_THROWS_WITH(offline::linear_iql(x, 4, {.tau = 1.0}), "prefrl::offline::linear_iql: tau must be in (0, 1), got 1");
    REQUIRE_THROWS_WITH(offline::linear_in_sample(x, 4, offline::expectile{}, {.tau = 0.0}), Catch::Contains("linear_in_sample: tau"));
    REQUIRE_THROWS_WITH(offline::linear_cql<double>(x, 4, {.alpha = -1}), "prefrl::offline::linear_cql: alpha must be >= 0, got -1");
}

// Contiguous ranges at the boundary: the entry points written on spans take std::vector,
// std::array, Eigen vectors and spans alike, the scalar deduced, with the same results.

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <span>
#include <vector>

#include <prefrl/bandit/square_cb.hpp>
#include <prefrl/core/math.hpp>
#include <prefrl/core/ranges.hpp>
#include <prefrl/offline.hpp>
#include <prefrl/policy.hpp>
#include <prefrl/preference.hpp>
#include <prefrl/value.hpp>

namespace {

using prefrl::row_matrix;
using prefrl::vector;

static_assert(prefrl::ScalarRange<std::vector<double>>);
static_assert(prefrl::ScalarRange<std::array<float, 3>>);
static_assert(prefrl::ScalarRange<vector<double>>);
static_assert(prefrl::ScalarRange<std::span<const double>>);
static_assert(prefrl::ScalarRange<double[4]>);
static_assert(std::same_as<prefrl::range_scalar_t<std::vector<float>>, float>);
static_assert(!prefrl::ScalarRange<std::vector<int>>);
static_assert(!prefrl::ScalarRange<row_matrix<double>>, "a matrix is not a 1-D range");
static_assert(!prefrl::ScalarRange<decltype(std::declval<row_matrix<double>&>().col(0))>, "a strided column is not contiguous");
static_assert(!prefrl::ScalarRangesOfOneType<std::vector<double>, std::vector<float>>);

}  // namespace

TEST_CASE("value losses and returns take vectors, arrays, Eigen vectors and spans with the same result", "[core][ranges]") {
    const std::vector<double> q{1.0, 0.5, -0.2, 2.0}, v{0.8, 0.9, 0.0, 1.0};
    const std::array<double, 4> q_array{1.0, 0.5, -0.2, 2.0};
    const vector<double> v_eigen = prefrl::as_eigen(std::span<const double>(v));
    const auto by_span = prefrl::offline::expectile{.tau = 0.7}(std::span<const double>(q), std::span<const double>(v));
    const auto by_vector = prefrl::offline::expectile{.tau = 0.7}(q, v);
    const auto mixed = prefrl::offline::expectile{.tau = 0.7}(q_array, v_eigen);
    CHECK(by_vector.value == by_span.value);
    CHECK(mixed.value == by_span.value);
    CHECK(mixed.d_v == by_span.d_v);

    const std::vector<double> r{1.0, 0.0, 2.0}, discounts{0.9, 0.9, 0.0}, values{0.5, 0.4, 0.0};
    const vector<double> g = prefrl::value::lambda_returns(r, discounts, values, 0.9);
    const vector<double> g_span = prefrl::value::lambda_returns<double>(r, discounts, values, 0.9);
    CHECK(g == g_span);
    CHECK(g[2] == 2.0);  // the last step: r + 0 * v
    const std::vector<float> rf{1.0f, 0.0f, 2.0f}, df{0.9f, 0.9f, 0.0f}, vf{0.5f, 0.4f, 0.0f};
    const vector<float> gf = prefrl::value::lambda_returns(rf, df, vf, 0.9);  // a double lambda with float arrays
    CHECK(gf[0] == Approx(g[0]).epsilon(1e-6));
}

TEST_CASE("the offline terms take Eigen matrices and vectors without a template argument", "[core][ranges]") {
    const row_matrix<double> p{{0.5, 0.5}, {0.2, 0.8}}, ref{{0.25, 0.75}, {0.5, 0.5}};
    CHECK(prefrl::offline::occupancy_kl(p, ref) == prefrl::offline::occupancy_kl<double>(p, ref));
    CHECK(prefrl::offline::occupancy_chi_square(p, ref) > 0.0);
    const auto divergence = prefrl::offline::action_distribution_divergence{}(p, ref);
    CHECK(divergence.value == prefrl::offline::action_distribution_divergence{}.operator()<double>(p, ref).value);

    const std::vector<double> rewards{1.0, 1.0, 0.0}, scores{0.5, -0.2, 1.5};
    const auto shaped = prefrl::offline::occupancy_penalty{.lambda_ = 0.1}(rewards, scores);
    CHECK(shaped.rewards[0] == Approx(1.0 - 0.1 * 0.5));
    const auto disc = prefrl::offline::occupancy_discriminator_loss(scores, rewards);
    CHECK(disc.value > 0.0);

    const row_matrix<double> pi{{0.1}, {0.4}}, data{{0.3}, {-0.2}}, generated{{0.2}, {0.5}};
    const std::vector<double> q{1.0, 0.5}, v{0.5, 0.6};
    const auto a = prefrl::offline::a2pr{}(pi, q, data, q, generated, q, v);
    const auto b = prefrl::offline::a2pr{}.operator()<double>(pi, q, data, q, generated, q, v);
    CHECK(a.value == b.value);
    const row_matrix<double> samples{{1.0, 2.0}, {0.5, 0.0}}, density{{-0.7, -0.7}, {-0.7, -0.7}};
    CHECK(prefrl::offline::cql_continuous{}(samples, density, q).value ==
          prefrl::offline::cql_continuous{}.operator()<double>(samples, density, q).value);
}

TEST_CASE("KTO takes vectors of log-probs and an array of flags", "[core][ranges]") {
    const std::vector<double> policy{-1.0, -2.0, -1.5}, reference{-1.2, -1.8, -1.5}, kl_policy{-1.1, -2.1}, kl_reference{-1.0, -2.0};
    const std::array<bool, 3> desirable{true, false, true};
    const auto r = prefrl::preference::kto{}(policy, reference, kl_policy, kl_reference, desirable);
    const auto s = prefrl::preference::kto{}.operator()<double>(policy, reference, kl_policy, kl_reference, desirable);
    CHECK(r.value == s.value);
}

TEST_CASE("the one-transition TD errors, PPO's surrogate and the weighting helpers take vectors, the scalar deduced", "[core][ranges]") {
    namespace value = prefrl::value;
    const std::vector<double> q_tm1{1.0, 2.0, 0.5}, q_t{0.5, 3.0, 1.0}, probs{0.2, 0.5, 0.3};
    const std::span<const double> sq(q_tm1), st(q_t), sp(probs);
    CHECK(value::q_learning(q_tm1, 1, 1.0, 0.9, q_t) == value::q_learning<double>(sq, 1, 1.0, 0.9, st));
    CHECK(value::q_learning(q_tm1, 1, 1.0, 0.9, q_t) == Approx(1.0 + 0.9 * 3.0 - 2.0));
    CHECK(value::double_q_learning(q_tm1, 0, 1.0, 0.9, q_t, probs) == value::double_q_learning<double>(sq, 0, 1.0, 0.9, st, sp));
    CHECK(value::sarsa(q_tm1, 2, 0.0, 0.5, q_t, 0) == Approx(0.5 * 0.5 - 0.5));
    CHECK(value::expected_sarsa(q_tm1, 0, 1.0, 0.9, q_t, probs) == value::expected_sarsa<double>(sq, 0, 1.0, 0.9, st, sp));
    // float data with double literals: the scalar comes from the ranges
    const std::vector<float> qf{1.0f, 2.0f}, qf_t{0.0f, 4.0f};
    static_assert(std::same_as<decltype(value::q_learning(qf, 0, 1.0, 0.5, qf_t)), float>);
    CHECK(value::q_learning(qf, 0, 1.0, 0.5, qf_t) == Approx(1.0 + 0.5 * 4.0 - 1.0));
    // the batched TD(0) errors on vectors
    const std::vector<double> v_tm1{1.0, 0.0}, r{0.5, 1.0}, d{0.9, 0.0}, v_t{2.0, 7.0};
    const auto td = value::td_learning(v_tm1, r, d, v_t);
    CHECK(td[0] == Approx(0.5 + 0.9 * 2.0 - 1.0));
    CHECK(td[1] == Approx(1.0));
    // PPO's clipped surrogate, epsilon a double for float data too
    const std::vector<float> ratios{0.5f, 1.5f}, adv{1.0f, 1.0f};
    const auto ppo = value::clipped_surrogate_pg_loss(ratios, adv, 0.2);
    const auto ppo_span = value::clipped_surrogate_pg_loss<float>(std::span<const float>(ratios), std::span<const float>(adv), 0.2);
    CHECK(ppo.value == ppo_span.value);
    CHECK(ppo.value == Approx(-(0.5 + 1.2) / 2));
    REQUIRE_THROWS_WITH(value::clipped_surrogate_pg_loss(ratios, adv, 1.5), Catch::Contains("epsilon must be in (0, 1), got 1.5"));
    // the stable logsumexp, SquareCB's inverse-gap weighting and AWR's weights
    CHECK(prefrl::logsumexp(std::vector<double>{0.0, 0.0}) == Approx(std::log(2.0)));
    const auto igw = prefrl::bandit::inverse_gap_weighting(std::vector<double>{0.2, 0.8}, 10.0);
    CHECK(igw[0] == Approx(1.0 / (2.0 + 10.0 * 0.6)));
    CHECK(prefrl::offline::exponential_advantage_weights(std::vector<double>{0.0, 1.0}, 1.0)[1] == Approx(std::exp(1.0)));
    CHECK(prefrl::offline::binary_advantage_weights(std::vector<float>{-1.0f, 2.0f})[1] == 1.0f);
    CHECK(prefrl::offline::softmax_advantage_weights(std::vector<double>{0.0, 0.0})[0] == Approx(1.0));  // B softmax: mean 1
}

TEST_CASE("hyperparameters are double for float components too", "[core][ranges]") {
    const double eps = 0.25, temperature = 0.5, lambda = 0.8;
    const prefrl::policy::epsilon_greedy<float> greedy{.epsilon = eps, .actions = 2};
    const prefrl::vector<float> q = (prefrl::vector<float>(2) << 1.0f, 0.0f).finished();
    CHECK(greedy.probabilities(q)[1] == Approx(0.125));
    const prefrl::policy::boltzmann<float> soft{.temperature = temperature, .actions = 2};
    CHECK(soft.probabilities(q)[0] == Approx(1.0 / (1.0 + std::exp(-2.0))).epsilon(1e-6));
    const prefrl::policy::boltzmann<float> frozen{.temperature = 1e-50, .actions = 2};
    REQUIRE_THROWS_WITH(frozen.probabilities(q), Catch::Contains("temperature = 1e-50 is 0 in float"));
    const prefrl::value::td_lambda<float> trace{.lambda_ = lambda};
    CHECK(trace.lambda_ == 0.8);
}

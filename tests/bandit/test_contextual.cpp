// Contextual bandits: inverse-gap weighting's exact values, the ridge oracle's
// Sherman-Morrison inverse, LinUCB's regret on the linear instance, propensity laws.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <Eigen/LU>

#include <prefrl/bandit.hpp>

#include "bandit/bandit_laws.hpp"

using prefrl::index_t;
namespace bandit = prefrl::bandit;
namespace env = prefrl::env;

namespace {
template <class T>
std::span<const T> span_of(const prefrl::vector<T>& v) {
    return {v.data(), static_cast<std::size_t>(v.size())};
}

template <class Make>
std::pair<double, double> contextual_regret(Make make, int seeds) {
    double r4 = 0.0, r8 = 0.0;
    for (int s = 0; s < seeds; ++s) {
        prefrl::generator rng(500 + static_cast<std::uint64_t>(s));
        const env::linear_contextual_arms<double> arms(10, 10, 0.1, rng);
        auto b = make();
        const auto run = bandit::simulate_contextual(b, arms, 8000, rng);
        r4 += run.cumulative_regret[3999];
        r8 += run.cumulative_regret[7999];
    }
    return {r4 / seeds, r8 / seeds};
}
}  // namespace

TEMPLATE_TEST_CASE("Inverse-gap weighting: the exact distribution and its facts", "[bandit][square_cb]", float, double) {
    using T = TestType;
    const std::vector<T> yhat{T(0.5), T(0.3), T(0.1)};
    const auto p = bandit::inverse_gap_weighting<T>(yhat, 10.0);
    CHECK(p[0] == Approx(0.657142857).margin(1e-6));
    CHECK(p[1] == Approx(1.0 / 5).margin(1e-6));
    CHECK(p[2] == Approx(1.0 / 7).margin(1e-6));
    const auto uniform = bandit::inverse_gap_weighting<T>(yhat, 0.0);
    for (index_t a = 0; a < 3; ++a) CHECK(uniform[a] == Approx(1.0 / 3));
    const std::vector<T> tied{T(0.2), T(0.2)};
    const auto t = bandit::inverse_gap_weighting<T>(tied, 100.0);  // first index wins ties, as VW
    CHECK(t[0] == Approx(0.5));
    CHECK(t[1] == Approx(0.5));
}

TEMPLATE_TEST_CASE("Ridge oracle: the Sherman-Morrison inverse tracks inv(A), stays symmetric, theta = A^-1 b", "[bandit][ridge]", float, double) {
    using T = TestType;
    constexpr index_t d = 16;
    bandit::ridge_oracle<T> oracle(2, d, {.lambda_ = 1.0, .refactor_every = 100000});
    prefrl::generator rng(4);
    prefrl::row_matrix<double> a = prefrl::row_matrix<double>::Identity(d, d);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(d);
    for (int k = 0; k < 5000; ++k) {
        const prefrl::vector<T> x = env::random_unit_vector<T>(d, rng);
        const T r = static_cast<T>(prefrl::normal<double>(rng));
        oracle.fit(span_of(x), 1, r);
        a += x.template cast<double>() * x.template cast<double>().transpose();
        b += static_cast<double>(r) * x.template cast<double>();
    }
    const prefrl::row_matrix<double> inv = a.inverse();
    const prefrl::row_matrix<double> sm = oracle.gram_inverse(1).template cast<double>();
    const double tolerance = std::is_same_v<T, double> ? 1e-11 : 2e-4;
    CHECK((sm - inv).norm() / inv.norm() < tolerance);
    CHECK((sm - sm.transpose()).norm() == 0.0);
    CHECK((oracle.theta(1).template cast<double>() - inv * b).norm() / (inv * b).norm() < 10 * tolerance);
    CHECK(oracle.theta(0).norm() == 0);
    // refactoring gives the same inverse
    bandit::ridge_oracle<T> refactored(1, d, {.refactor_every = 7});
    bandit::ridge_oracle<T> plain(1, d);
    prefrl::generator rng2(8);
    for (int k = 0; k < 50; ++k) {
        const prefrl::vector<T> x = env::random_unit_vector<T>(d, rng2);
        refactored.fit(span_of(x), 0, T(1));
        plain.fit(span_of(x), 0, T(1));
    }
    CHECK((refactored.gram_inverse(0) - plain.gram_inverse(0)).norm() < (std::is_same_v<T, double> ? 1e-12 : 1e-4));
    // predict_with_variance: x^T A^-1 x
    const prefrl::vector<T> x = env::random_unit_vector<T>(d, rng);
    prefrl::vector<T> means, widths;
    oracle.predict_with_variance(span_of(x), means, widths);
    CHECK(static_cast<double>(widths[1]) == Approx(x.template cast<double>().dot(inv * x.template cast<double>())).epsilon(1e-4));
    CHECK(widths[0] == Approx(1.0));
}

TEST_CASE("LinUCB on the linear instance (d = K = 10): sublinear, and half of epsilon-greedy's regret", "[bandit][lin_ucb][learning]") {
    const auto [u4, u8] = contextual_regret([] { return bandit::lin_ucb<double>(10, 10); }, 4);
    const auto [e4, e8] = contextual_regret(
        [] { return bandit::oracle_epsilon_greedy(bandit::ridge_oracle<double>(10, 10), {.epsilon = 0.05}); }, 4);
    const auto [t4, t8] = contextual_regret([] { return bandit::lin_ts<double>(10, 10, {.v = 0.1, .propensity = false}); }, 4);
    const auto [s4, s8] = contextual_regret([] { return bandit::square_cb(bandit::ridge_oracle<double>(10, 10)); }, 4);
    INFO("LinUCB " << u4 << " / " << u8 << "  eps-greedy " << e4 << " / " << e8 << "  LinTS(0.1) " << t4 << " / " << t8
                   << "  SquareCB " << s4 << " / " << s8);
    // spec (10 seeds): LinUCB 48 / 52, LinTS(0.1) 86 / 98, SquareCB 162 / 209, eps 198 / 295
    CHECK(u8 / u4 < 1.3);
    CHECK(u8 < 0.5 * e8);
    CHECK(t8 < e8);
    CHECK(s8 < 2 * e8);
}

TEST_CASE("Contextual bandits: reported propensities match the frequencies", "[bandit][contextual]") {
    prefrl::generator rng(31);
    const env::linear_contextual_arms<double> arms(4, 5, 0.1, rng);
    bandit::lin_ts<double> ts(4, 5, {.v = 1.0});
    bandit::square_cb<bandit::ridge_oracle<double>> sq(bandit::ridge_oracle<double>(4, 5));
    bandit::oracle_epsilon_greedy<bandit::online_linear_oracle<double>> eg(bandit::online_linear_oracle<double>(4, 5));
    for (int t = 0; t < 40; ++t) {
        const auto x = arms.context(rng);
        const std::span<const double> xs(x.data(), 5);
        for (index_t a = 0; a < 4; ++a) {
            const double r = arms.pull(xs, a, rng);
            ts.update(xs, a, r);
            sq.update(xs, a, r);
            eg.update(xs, a, r);
        }
    }
    const auto x = arms.context(rng);
    const std::span<const double> xs(x.data(), 5);
    CHECK(sq.gamma() == Approx(10 * std::sqrt(160.0)));
    prefrl::testing::check_propensities_match_frequencies([&] { return ts.select(xs, rng); });
    prefrl::testing::check_propensities_match_frequencies([&] { return sq.select(xs, rng); });
    prefrl::testing::check_propensities_match_frequencies([&] { return eg.select(xs, rng); });
    static_assert(prefrl::check_contextual_bandit<bandit::lin_ucb<float>>());
    static_assert(prefrl::check_contextual_bandit<bandit::lin_ts<double>>());
    static_assert(prefrl::check_contextual_bandit<bandit::square_cb<bandit::online_linear_oracle<float>>>());
    static_assert(prefrl::check_regression_oracle<bandit::ridge_oracle<double>>());
    static_assert(prefrl::check_regression_oracle<bandit::online_linear_oracle<double>>());
}

TEST_CASE("Online linear oracle: SGD by hand, contextual bad input", "[bandit][errors]") {
    bandit::online_linear_oracle<double> o(2, 2, {.learning_rate = 0.5});
    const std::vector<double> x{1.0, 2.0};
    o.fit(x, 1, 1.0);  // error -1: theta_1 = 0.5 * x
    CHECK(o.theta(1)[0] == Approx(0.5));
    CHECK(o.theta(1)[1] == Approx(1.0));
    CHECK(o.predict(x)[1] == Approx(2.5));
    bandit::lin_ucb<double> u(3, 2);
    prefrl::generator rng(1);
    const std::vector<double> short_x{1.0}, nan_x{1.0, std::nan("")};
    REQUIRE_THROWS_WITH(u.select(short_x, rng), Catch::Contains("the context must have 2 entries, got 1"));
    REQUIRE_THROWS_WITH(u.update(nan_x, 0, 1.0), Catch::Contains("context[1] must be finite"));
    REQUIRE_THROWS_WITH(u.update(x, 5, 1.0), Catch::Contains("prefrl::bandit::lin_ucb::update: arm must be in [0, 3), got 5"));
    REQUIRE_THROWS_WITH(bandit::lin_ucb<double>(3, 2, {.lambda_ = 0}), Catch::Contains("lambda"));
    // a logged round (context, arm, reward, propensity): checked, then learned as (x, a, r)
    bandit::lin_ucb<double> logged(3, 2), plain(3, 2);
    bandit::update_from_log(logged, x, 1, 0.5, 0.25);
    plain.update(x, 1, 0.5);
    CHECK(logged.model().theta(1) == plain.model().theta(1));
    REQUIRE_THROWS_WITH(bandit::update_from_log(logged, x, 1, 0.5, 0.0),
                        Catch::Contains("prefrl::bandit::update_from_log") && Catch::Contains("propensity must be in (0, 1], got 0"));
    REQUIRE_THROWS_WITH(bandit::update_from_log(logged, x, 7, 0.5, 0.5), Catch::Contains("prefrl::bandit::lin_ucb::update: arm must be in [0, 3), got 7"));
    bandit::square_cb<bandit::ridge_oracle<double>> sq(bandit::ridge_oracle<double>(3, 2));
    bandit::update_from_log(sq, x, 2, 1.0, 0.5);
    CHECK(sq.gamma() == Approx(10.0));
    REQUIRE_THROWS_WITH(bandit::update_from_log(sq, x, 2, 1.0, 1.5), Catch::Contains("got 1.5"));
    REQUIRE_THROWS_WITH(bandit::inverse_gap_weighting<double>(x, -1.0), Catch::Contains("gamma must be finite and >= 0, got -1"));
}

TEST_CASE("Batched oracle bandit: dynamic action sets, delayed rewards, windowed refits", "[bandit][batched]") {
    prefrl::generator rng(41);
    const env::payment_simulator<double> world(4, 3, 0.6, rng);
    bandit::batched_oracle_bandit<double> b(4, 3, {.gamma = 20.0, .delay = 2, .refit_every = 3, .window = 2});
    // propensities: zero outside the available set, IGW of the sub-scores inside
    const prefrl::vector<double> x0 = world.context(rng);
    const std::vector<index_t> subset{1, 3};
    const auto p = b.arm_probabilities(span_of(x0), subset);
    CHECK(p[0] == 0.0);
    CHECK(p[2] == 0.0);
    CHECK(p[1] + p[3] == Approx(1.0));
    // batches of 10: after 3 batches (delay 2) only batch 0 is visible
    for (int batch = 0; batch < 3; ++batch) {
        std::vector<double> rewards;
        for (int i = 0; i < 10; ++i) {
            const auto x = world.context(rng);
            const auto available = world.available(rng);
            const auto d = b.select(span_of(x), available, rng);
            CHECK(std::find(available.begin(), available.end(), d.arm) != available.end());
            CHECK(d.propensity == Approx(b.arm_probabilities(span_of(x), available)[d.arm]));
            rewards.push_back(world.pull(span_of(x), d.arm, rng));
        }
        b.end_batch(rewards);
    }
    CHECK(b.generation() == 1);
    CHECK(b.training_rows() == 10);
    // three more: visible batches 0..3, window 2 -> batches 2 and 3
    for (int batch = 0; batch < 3; ++batch) {
        std::vector<double> rewards;
        for (int i = 0; i < 10; ++i) {
            const auto x = world.context(rng);
            const auto d = b.select(span_of(x), world.available(rng), rng);
            rewards.push_back(world.pull(span_of(x), d.arm, rng));
        }
        b.end_batch(rewards);
    }
    CHECK(b.generation() == 2);
    CHECK(b.training_rows() == 20);
    REQUIRE_THROWS_WITH(b.end_batch(std::vector<double>{1.0}), Catch::Contains("rewards has 1 entries") || Catch::Contains("rewards"));
    const std::vector<index_t> none{}, bad{9};
    REQUIRE_THROWS_WITH(b.arm_probabilities(span_of(x0), none), Catch::Contains("available actions"));
    REQUIRE_THROWS_WITH(b.arm_probabilities(span_of(x0), bad), Catch::Contains("available[0] must be in [0, 4), got 9"));
}

TEST_CASE("Logistic oracle: Newton's method recovers a logistic model", "[bandit][batched]") {
    prefrl::generator rng(2);
    const index_t n = 4000;
    prefrl::row_matrix<double> x(n, 2);
    std::vector<index_t> actions(n, 0);
    std::vector<double> rewards(n);
    for (index_t i = 0; i < n; ++i) {
        x(i, 0) = prefrl::normal<double>(rng);
        x(i, 1) = prefrl::normal<double>(rng);
        const double p = 1.0 / (1.0 + std::exp(-(1.5 * x(i, 0) - 1.0 * x(i, 1) + 0.3)));
        rewards[static_cast<std::size_t>(i)] = prefrl::uniform01<double>(rng) < p ? 1.0 : 0.0;
    }
    bandit::logistic_oracle<double> o(2, 2, {.l2 = 1e-6});
    o.fit(x, actions, rewards);
    const std::vector<double> probe{0.5, -0.5};
    CHECK(o.predict(probe)[0] == Approx(1.0 / (1.0 + std::exp(-(0.75 + 0.5 + 0.3)))).margin(0.03));
    CHECK(o.predict(probe)[1] == Approx(0.5));  // no data for action 1: the initial model
}

TEST_CASE("learn_from_log: a contextual bandit warm-starts from a recorded log", "[bandit][contextual][ope]") {
    // record 200 rounds of a uniform logger on a two-feature problem, then learn from them
    prefrl::generator rng(5);
    prefrl::ope::bandit_log_recorder<double> recorder;
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<std::vector<double>> contexts;
    std::vector<prefrl::index_t> arms;
    std::vector<double> rewards;
    for (int i = 0; i < 200; ++i) {
        const std::vector<double> x{u(rng), u(rng)};
        const auto arm = static_cast<prefrl::index_t>(i % 3);
        const double r = arm == 0 ? x[0] : (arm == 1 ? x[1] : 0.5);
        recorder.record(arm, 1.0 / 3.0, r, x);
        contexts.push_back(x);
        arms.push_back(arm);
        rewards.push_back(r);
    }
    bandit::lin_ucb<double> warm(3, 2), by_hand(3, 2);
    bandit::learn_from_log(warm, recorder.log());
    for (std::size_t i = 0; i < contexts.size(); ++i) by_hand.update(contexts[i], arms[i], rewards[i]);
    for (prefrl::index_t a = 0; a < 3; ++a) CHECK(warm.model().theta(a) == by_hand.model().theta(a));
    // it learned the problem: in context (0.9, 0.1) arm 0 is best
    const std::vector<double> x0{0.9, 0.1};
    CHECK(warm.model().predict(x0)[0] > warm.model().predict(x0)[1]);

    using Catch::Contains;
    bandit::lin_ucb<double> wide(3, 4), few_arms(2, 2);
    REQUIRE_THROWS_WITH(bandit::learn_from_log(wide, recorder.log()),
                        Contains("prefrl::bandit::learn_from_log") && Contains("log.context_size is 2 but the bandit's context_size() is 4"));
    REQUIRE_THROWS_WITH(bandit::learn_from_log(few_arms, recorder.log()),
                        Contains("prefrl::bandit::learn_from_log") && Contains("log.action[2] must be in [0, 2), got 2"));
    prefrl::ope::bandit_log_recorder<double> no_contexts;
    no_contexts.record(0, 0.5, 1.0);
    REQUIRE_THROWS_WITH(bandit::learn_from_log(warm, no_contexts.log()), Contains("the log holds no contexts"));
}

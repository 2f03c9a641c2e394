// Multi-armed bandits: exact indices and propensities, propensity laws,
// regret on Bernoulli instance A, determinism, bad input.

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

#include <prefrl/bandit.hpp>

#include "bandit/bandit_laws.hpp"

using prefrl::index_t;
namespace bandit = prefrl::bandit;
namespace env = prefrl::env;

namespace {
const std::vector<double> instance_a{0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0};

template <class Make>
double mean_regret(Make make, index_t horizon, int seeds) {
    const env::bernoulli_arms<double> arms(instance_a);
    double total = 0.0;
    for (int s = 0; s < seeds; ++s) {
        auto b = make();
        prefrl::generator rng(1000 + static_cast<std::uint64_t>(s));
        total += bandit::simulate(b, arms, horizon, rng).regret();
    }
    return total / seeds;
}
}  // namespace

TEST_CASE("KL-UCB: the Bernoulli KL and its upper bound equal exact values", "[bandit][kl_ucb]") {
    CHECK(bandit::kl_bernoulli(0.5, 0.5) == 0.0);
    CHECK(bandit::kl_bernoulli(0.0, 0.5) == Approx(std::log(2.0)));
    CHECK(bandit::kl_bernoulli(0.3, 0.6) == Approx(0.3 * std::log(0.5) + 0.7 * std::log(0.7 / 0.4)));
    CHECK(std::isinf(bandit::kl_bernoulli(0.5, 1.0)));
    // (mu, n, t) with c = 0
    CHECK(bandit::kl_ucb_index(0.5, 10, 100) == Approx(0.8879087616).margin(1e-9));
    CHECK(bandit::kl_ucb_index(0.0, 10, 100) == Approx(1.0 - std::pow(100.0, -0.1)).margin(1e-12));
    CHECK(bandit::kl_ucb_index(0.0, 10, 100) == Approx(0.3690426555).margin(1e-9));
    CHECK(bandit::kl_ucb_index(0.9, 50, 1000) == Approx(0.9892768613).margin(1e-9));
    CHECK(bandit::kl_ucb_index(0.2, 3, 10) == Approx(0.7820417380).margin(1e-9));
    // (mu, delta): SMPyBandits' doctests (to their 1e-6 precision)
    CHECK(bandit::kl_ucb_upper_bound(0.1, 0.2) == Approx(0.378391).margin(1e-6));
    CHECK(bandit::kl_ucb_upper_bound(0.5, 0.2) == Approx(0.787088).margin(1e-6));
    CHECK(bandit::kl_ucb_upper_bound(0.9, 0.2) == Approx(0.994489).margin(1e-6));
    CHECK(bandit::kl_ucb_upper_bound(0.1, 0.9) == Approx(0.734715).margin(1e-6));
    // the bound solves kl(mu, q) = delta
    CHECK(bandit::kl_bernoulli(0.3, bandit::kl_ucb_upper_bound(0.3, 0.05)) == Approx(0.05).epsilon(1e-7));
    CHECK(bandit::kl_ucb_upper_bound(1.0, 0.3) == 1.0);
    CHECK(bandit::kl_ucb_upper_bound(0.4, 0.0) == 0.4);
    // c ln ln t uses max(ln t, 1)
    CHECK(bandit::kl_ucb_index(0.5, 10, 100, 3.0) ==
          Approx(bandit::kl_ucb_upper_bound(0.5, (std::log(100.0) + 3.0 * std::log(std::log(100.0))) / 10.0)));
    CHECK(bandit::kl_ucb_index(0.5, 10, 2, 3.0) == Approx(bandit::kl_ucb_upper_bound(0.5, std::log(2.0) / 10.0)));
}

TEMPLATE_TEST_CASE("epsilon-greedy: two tied best arms share the greedy mass exactly", "[bandit][epsilon_greedy]", float, double) {
    using T = TestType;
    bandit::epsilon_greedy<T> b(4, {.epsilon = 0.1});
    b.update(0, T(1));
    b.update(1, T(1));
    b.update(2, T(0));
    b.update(3, T(0));
    const auto p = b.arm_probabilities();
    CHECK(p[0] == Approx(0.475));
    CHECK(p[1] == Approx(0.475));
    CHECK(p[2] == Approx(0.025));
    CHECK(p[3] == Approx(0.025));
    prefrl::generator rng(3);
    prefrl::testing::check_propensities_match_frequencies([&] { return b.select(rng); });
}

TEST_CASE("epsilon-greedy: untried arms count as best, the decaying rate follows min(1, cK/(d^2 t))", "[bandit][epsilon_greedy]") {
    bandit::epsilon_greedy<double> b(3, {.epsilon = 0.0});
    b.update(0, 5.0);
    const auto p = b.arm_probabilities();
    CHECK(p[0] == 0.0);
    CHECK(p[1] == Approx(0.5));
    bandit::epsilon_greedy<double> decaying(10, {.decay_c = 0.15, .decay_d = 0.1});
    CHECK(decaying.epsilon() == 1.0);  // t = 1: cK/d^2 = 150
    for (int t = 0; t < 999; ++t) decaying.update(t % 10, 0.5);
    CHECK(decaying.epsilon() == Approx(0.15 * 10 / (0.01 * 1000)));
}

TEST_CASE("Thompson sampling: propensities equal exact values", "[bandit][thompson]") {
    // two Gaussians: Phi((m1 - m2) / sqrt(v1 + v2))
    const std::vector<double> m{0.6, 0.5}, s{0.1, 0.2};
    CHECK(bandit::gaussian_argmax_probability(m, s, 0) == Approx(0.6726395770).margin(1e-9));
    CHECK(bandit::gaussian_argmax_probability(m, s, 1) == Approx(1.0 - 0.6726395770).margin(1e-9));
    // K identical posteriors: 1/K; a very narrow competitor; probabilities sum to 1
    const std::vector<double> same(5, 0.3), ones(5, 0.7);
    for (index_t a = 0; a < 5; ++a) CHECK(bandit::gaussian_argmax_probability(same, ones, a) == Approx(0.2).margin(1e-9));
    const std::vector<double> m3{0.0, 0.1, -0.2}, s3{1.0, 0.001, 0.5};
    double total = 0.0;
    for (index_t a = 0; a < 3; ++a) total += bandit::gaussian_argmax_probability(m3, s3, a);
    CHECK(total == Approx(1.0).margin(1e-8));

    // Beta(2, 1) vs Beta(1, 1): P(first is larger) = 2/3, by Monte Carlo
    bandit::thompson_beta<double> ts(2, {.propensity_draws = 20000});
    ts.update(0, 1.0);
    prefrl::generator rng(11);
    double p0 = 0.0;
    int seen = 0;
    for (int k = 0; k < 200 && seen == 0; ++k) {
        const auto d = ts.select(rng);
        CHECK(d.estimated);
        if (d.arm == 0) {
            p0 = d.propensity;
            ++seen;
        }
    }
    REQUIRE(seen == 1);
    CHECK(std::abs(p0 - 2.0 / 3.0) < 4.5 * std::sqrt(2.0 / 9.0 / 20000));

    // Gaussian TS reports the quadrature propensity of its posteriors, and it matches the frequencies
    bandit::thompson_gaussian<double> g(3);
    g.update(0, 1.0);
    g.update(1, 0.5);
    g.update(1, 0.7);
    prefrl::testing::check_propensities_match_frequencies([&] { return g.select(rng); });
    CHECK(g.posterior_mean(0) == Approx(0.5));  // N(S/(n+1), 1/(n+1)) with m0 = 0, s0 = sigma = 1
    CHECK(g.posterior_sd(1) == Approx(std::sqrt(1.0 / 3.0)));
    // propensity_draws = 0: no estimate (NaN), which a log recorder refuses
    bandit::thompson_beta<double> cheap(3, {.propensity_draws = 0});
    const auto d = cheap.select(rng);
    CHECK(std::isnan(d.propensity));
    prefrl::ope::bandit_log_recorder<double> recorder;
    CHECK_THROWS_AS(recorder.record(d, 1.0), prefrl::invalid_argument);
}

TEST_CASE("EXP3 and Boltzmann report their exact arm probabilities", "[bandit][exp3][boltzmann]") {
    prefrl::generator rng(5);
    bandit::exp3<double> e(4, {.horizon = 1000});
    CHECK(e.gamma() == Approx(std::min(1.0, std::sqrt(4 * std::log(4.0) / ((std::numbers::e - 1) * 1000)))));
    for (int t = 0; t < 50; ++t) {
        const auto d = e.select(rng);
        e.update(d.arm, d.arm == 2 ? 1.0 : 0.2);
    }
    const auto p = e.arm_probabilities();
    CHECK(std::accumulate(p.begin(), p.end(), 0.0) == Approx(1.0));
    CHECK(p[2] > p[0]);
    for (double x : p) CHECK(x >= e.gamma() / 4 - 1e-15);
    prefrl::testing::check_propensities_match_frequencies([&] {
        auto copy = e;
        return copy.select(rng);
    });
    // the reward-form update by hand: log w_a += gamma (r / p_a) / K
    bandit::exp3<double> h(2, {.gamma = 0.5});
    h.update(0, 1.0);  // p = (0.5, 0.5): w_0 = exp(0.5 * 2 / 2)
    const double w0 = std::exp(0.5);
    CHECK(h.arm_probabilities()[0] == Approx(0.5 * w0 / (w0 + 1) + 0.25));

    bandit::boltzmann<double> s(3, {.temperature = 0.5});
    s.update(0, 1.0);
    s.update(1, 0.0);
    const auto q = s.arm_probabilities();  // means (1, 0, untried 0)
    const double z = std::exp(0.0) + 2 * std::exp(-2.0);
    CHECK(q[0] == Approx(1.0 / z));
    CHECK(q[2] == Approx(std::exp(-2.0) / z));
    prefrl::testing::check_propensities_match_frequencies([&] { return s.select(rng); });
}

TEST_CASE("UCB1 and KL-UCB: untried arms first, ties at random with propensity 1/|ties|", "[bandit][ucb]") {
    prefrl::generator rng(9);
    bandit::ucb1<double> u(3);
    const auto first = u.select(rng);
    CHECK(first.propensity == Approx(1.0 / 3.0));
    u.update(0, 1.0);
    u.update(1, 0.0);
    u.update(2, 0.5);
    CHECK(u.index(0) == Approx(1.0 + std::sqrt(2 * std::log(3.0))));
    const auto d = u.select(rng);
    CHECK(d.arm == 0);
    CHECK(d.propensity == 1.0);
    bandit::kl_ucb<double> k(2);
    k.update(0, 1.0);
    k.update(1, 0.0);
    CHECK(k.index(1) == Approx(bandit::kl_ucb_index(0.0, 1, 3)));
}

TEST_CASE("Regret on Bernoulli instance A (K = 10, T = 10^4): fixed thresholds", "[bandit][learning]") {
    constexpr index_t horizon = 10000;
    constexpr int seeds = 8;
    const double eps = mean_regret([] { return bandit::epsilon_greedy<double>(10, {.epsilon = 0.1}); }, horizon, seeds);
    const double ucb = mean_regret([] { return bandit::ucb1<double>(10); }, horizon, seeds);
    const double kl = mean_regret([] { return bandit::kl_ucb<double>(10); }, horizon, seeds);
    const double ts = mean_regret([] { return bandit::thompson_beta<double>(10, {.propensity_draws = 0}); }, horizon, seeds);
    const double ex = mean_regret([] { return bandit::exp3<double>(10, {.horizon = horizon}); }, horizon, seeds);
    INFO("eps(0.1) " << eps << "  UCB1 " << ucb << "  KL-UCB " << kl << "  TS " << ts << "  EXP3 " << ex);
    // spec (100 seeds): eps 486, UCB1 349, KL-UCB 62, TS 46, EXP3 799
    CHECK(ts < 0.25 * eps);
    CHECK(kl < 0.25 * eps);
    CHECK(ucb < 0.85 * eps);
    double inverse_gaps = 0.0, gaps = 0.0;
    for (double mu : instance_a)
        if (mu < 0.9) {
            inverse_gaps += 1.0 / (0.9 - mu);
            gaps += 0.9 - mu;
        }
    const double ucb_bound = 8 * std::log(horizon) * inverse_gaps + (1 + std::numbers::pi * std::numbers::pi / 3) * gaps;
    CHECK(ucb_bound == Approx(2104).epsilon(1e-3));
    CHECK(ucb < ucb_bound);
    const double exp3_bound = 2.63 * std::sqrt(horizon * 10 * std::log(10.0));
    CHECK(ex < exp3_bound);
    // fixed-temperature softmax and the decaying epsilon_n-greedy run, and stay sublinear here
    const double soft = mean_regret([] { return bandit::boltzmann<double>(10, {.temperature = 0.1}); }, horizon, 3);
    const double decay = mean_regret([] { return bandit::epsilon_greedy<double>(10, {.decay_c = 0.15, .decay_d = 0.1}); }, horizon, 3);
    INFO("Boltzmann(0.1) " << soft << "  eps_n-greedy " << decay);
    CHECK(decay < eps);
    CHECK(soft < 0.5 * horizon * 0.45);
}

TEST_CASE("EXP3 against a rotating adversary stays under its bound, both estimators", "[bandit][exp3][learning]") {
    constexpr index_t horizon = 5000, arms = 5;
    const auto adversary = env::oblivious_adversary<double>::rotating(arms, horizon, 700);
    prefrl::generator rng(21);
    bandit::exp3<double> reward_based(arms, {.horizon = horizon});
    bandit::exp3<double> loss_based(arms, {.horizon = horizon, .estimator = bandit::exp3_estimator::loss_based});
    const double r1 = bandit::simulate_adversarial(reward_based, adversary, rng).regret();
    const double r2 = bandit::simulate_adversarial(loss_based, adversary, rng).regret();
    INFO("reward-based " << r1 << "  loss-based " << r2);
    CHECK(r1 < 2.63 * std::sqrt(horizon * arms * std::log(double(arms))));
    CHECK(r2 < std::sqrt(2.0 * horizon * arms * std::log(double(arms))));
}

TEST_CASE("Thompson sampling: a fractional reward is binarized with the caller's generator in simulate", "[bandit]") {
    // update(arm, r, rng): the Bernoulli(r) draw is the generator's next uniform
    bandit::thompson_beta<double> ts(2, {.propensity_draws = 0});
    prefrl::generator rng(9), copy(9);
    ts.update(0, 0.5, rng);
    const double expected_success = prefrl::uniform01<double>(copy) < 0.5 ? 1.0 : 0.0;
    CHECK(ts.posterior_alpha(0) == 1.0 + expected_success);
    CHECK(ts.posterior_beta(0) == 2.0 - expected_success);
    CHECK(rng() == copy());  // one draw taken, no more
    // simulate's generator alone fixes the run: two bandits with different binarize seeds agree
    struct fractional_arms {  // rewards uniform on [mean - 0.1, mean + 0.1]: never 0 or 1
        std::vector<double> means{0.3, 0.6};
        [[nodiscard]] index_t num_arms() const { return 2; }
        [[nodiscard]] double mean(index_t a) const { return means[static_cast<std::size_t>(a)]; }
        [[nodiscard]] double best_mean() const { return 0.6; }
        double pull(index_t a, prefrl::generator& g) const { return mean(a) + 0.2 * (prefrl::uniform01<double>(g) - 0.5); }
    };
    const auto run = [](std::uint64_t binarize_seed) {
        bandit::thompson_beta<double> b(2, {.propensity_draws = 0, .binarize_seed = binarize_seed});
        prefrl::generator g(4);
        return bandit::simulate(b, fractional_arms{}, 200, g).arms;
    };
    CHECK(run(1) == run(2));
}

TEST_CASE("Bandits: the same seed gives the same decisions", "[bandit]") {
    const env::bernoulli_arms<float> arms({0.2f, 0.5f, 0.4f});
    const auto run = [&](auto b) {
        prefrl::generator rng(77);
        return bandit::simulate(b, arms, 300, rng).arms;
    };
    CHECK(run(bandit::thompson_beta<float>(3, {.propensity_draws = 0})) == run(bandit::thompson_beta<float>(3, {.propensity_draws = 0})));
    CHECK(run(bandit::exp3<float>(3, {.horizon = 300})) == run(bandit::exp3<float>(3, {.horizon = 300})));
    CHECK(run(bandit::kl_ucb<float>(3)) == run(bandit::kl_ucb<float>(3)));
    static_assert(prefrl::check_bandit<bandit::epsilon_greedy<float>>());
    static_assert(prefrl::check_bandit<bandit::ucb1<double>>());
    static_assert(prefrl::check_bandit<bandit::kl_ucb<double>>());
    static_assert(prefrl::check_bandit<bandit::thompson_beta<double>>());
    static_assert(prefrl::check_bandit<bandit::thompson_gaussian<double>>());
    static_assert(prefrl::check_bandit<bandit::exp3<double>>());
    static_assert(prefrl::check_bandit<bandit::boltzmann<double>>());
}

TEST_CASE("Bandits: bad input names the function, the argument and the value", "[bandit][errors]") {
    bandit::ucb1<double> u(3);
    REQUIRE_THROWS_WITH(u.update(3, 1.0), Catch::Contains("prefrl::bandit::ucb1::update") && Catch::Contains("got 3"));
    REQUIRE_THROWS_WITH(u.update(0, std::nan("")), Catch::Contains("reward must be finite"));
    bandit::kl_ucb<double> k(2);
    REQUIRE_THROWS_WITH(k.update(0, 1.5), Catch::Contains("reward must be in [0, 1], got 1.5"));
    REQUIRE_THROWS_WITH(bandit::epsilon_greedy<double>(3, {.epsilon = 1.5}), Catch::Contains("epsilon must be in [0, 1], got 1.5"));
    REQUIRE_THROWS_WITH(bandit::ucb1<double>(0), Catch::Contains("number of arms must be >= 1, got 0"));
    REQUIRE_THROWS_WITH(bandit::exp3<double>(3), Catch::Contains("give the horizon"));
    REQUIRE_THROWS_WITH(bandit::thompson_beta<double>(3, {.alpha0 = 0}), Catch::Contains("alpha0"));
    REQUIRE_THROWS_WITH(bandit::boltzmann<double>(3, {.temperature = -1}), Catch::Contains("temperature"));
    REQUIRE_THROWS_WITH(bandit::kl_ucb_index(0.5, 0, 10), Catch::Contains("n must be >= 1, got 0"));
    REQUIRE_THROWS_WITH(env::bernoulli_arms<double>({0.5, 1.2}), Catch::Contains("means[1] must be in [0, 1], got 1.2"));
    const std::vector<double> m{0.1, 0.2}, bad{0.1, 0.0};
    REQUIRE_THROWS_WITH(bandit::gaussian_argmax_probability(m, bad, 0), Catch::Contains("sds[1]"));
}

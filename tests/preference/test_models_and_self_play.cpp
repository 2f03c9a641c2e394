// Preference models fitted and sampled (Bradley-Terry MLE, Plackett-Luce), the self-play
// rewards (SPO, SPPO), Nash-MD's geometric mixture and loss, and BCO's running mean.

#include <catch2/catch.hpp>

#include <prefrl/core/random.hpp>
#include <prefrl/preference.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "laws/gradient_laws.hpp"

namespace pref = prefrl::preference;

TEST_CASE("Bradley-Terry MLE recovers the scores that generated the wins") {
    const Eigen::VectorXd truth = (Eigen::VectorXd(4) << 1.0, 0.4, -0.3, -1.1).finished();
    const Eigen::VectorXd centred = truth.array() - truth.mean();
    // expected counts: the likelihood's stationary point is exactly the truth
    const pref::preference_matrix p = pref::bradley_terry(truth);
    const Eigen::MatrixXd expected_wins = 100.0 * p;
    const auto exact = pref::bradley_terry_fit(expected_wins);
    CHECK(exact.converged);
    CHECK((exact.scores - centred).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(std::abs(exact.scores.mean()) < 1e-12);
    // sampled labels: 3000 comparisons per pair, seeded
    prefrl::generator rng(21);
    Eigen::MatrixXd wins = Eigen::MatrixXd::Zero(4, 4);
    for (Eigen::Index i = 0; i < 4; ++i)
        for (Eigen::Index j = i + 1; j < 4; ++j)
            for (int n = 0; n < 3000; ++n) {
                if (pref::sample_preference(p, i, j, rng)) wins(i, j) += 1;
                else wins(j, i) += 1;
            }
    const auto fit = pref::bradley_terry_fit(wins);
    CHECK(fit.converged);
    CHECK((fit.scores - centred).cwiseAbs().maxCoeff() < 0.1);
    // the MLE beats the truth on its own data
    double truth_likelihood = 0.0;
    for (Eigen::Index i = 0; i < 4; ++i)
        for (Eigen::Index j = 0; j < 4; ++j)
            if (i != j) truth_likelihood += wins(i, j) * prefrl::log_sigmoid(truth[i] - truth[j]);
    CHECK(fit.log_likelihood >= truth_likelihood);

    Eigen::MatrixXd unbeaten = expected_wins;
    unbeaten.col(0).setZero();  // response 0 never loses: its MLE score is +infinity
    REQUIRE_THROWS_WITH(pref::bradley_terry_fit(unbeaten),
                        Catch::Contains("prefrl::preference::bradley_terry_fit: response 0 has") &&
                            Catch::Contains("the MLE needs both > 0"));
    REQUIRE_THROWS_WITH(pref::bradley_terry_fit(Eigen::MatrixXd::Ones(1, 1)),
                        "prefrl::preference::bradley_terry_fit: wins must be a square matrix with at least 2 rows, got 1 x 1");
}

TEST_CASE("Plackett-Luce: a distribution over rankings, Bradley-Terry for two, sampled as it says") {
    const Eigen::VectorXd s = (Eigen::VectorXd(4) << 0.7, -0.2, 1.5, 0.0).finished();
    std::vector<prefrl::index_t> ranking{0, 1, 2, 3};
    double total = 0.0;
    do {
        total += std::exp(pref::plackett_luce_log_likelihood(s, ranking));
    } while (std::next_permutation(ranking.begin(), ranking.end()));
    CHECK(std::abs(total - 1.0) < 1e-12);
    // by hand: ranking (2, 0, 3, 1)
    const std::vector<prefrl::index_t> r{2, 0, 3, 1};
    const double e0 = std::exp(0.7), e1 = std::exp(-0.2), e2 = std::exp(1.5), e3 = std::exp(0.0);
    const double hand = std::log(e2 / (e0 + e1 + e2 + e3)) + std::log(e0 / (e0 + e1 + e3)) + std::log(e3 / (e1 + e3));
    CHECK(pref::plackett_luce_log_likelihood(s, r) == Approx(hand).epsilon(1e-14));
    const Eigen::VectorXd two = (Eigen::VectorXd(2) << 0.3, -0.9).finished();
    const std::vector<prefrl::index_t> first_wins{0, 1};
    CHECK(pref::plackett_luce_log_likelihood(two, first_wins) == Approx(prefrl::log_sigmoid(1.2)).epsilon(1e-14));

    // 60000 seeded samples of K = 3: each of the 6 rankings within 0.01 of its probability
    const Eigen::VectorXd s3 = (Eigen::VectorXd(3) << 0.5, 0.0, -0.8).finished();
    prefrl::generator rng(5);
    std::map<std::vector<prefrl::index_t>, int> counts;
    const int draws = 60000;
    for (int n = 0; n < draws; ++n) ++counts[pref::sample_ranking(s3, rng)];
    std::vector<prefrl::index_t> perm{0, 1, 2};
    do {
        INFO("ranking " << perm[0] << perm[1] << perm[2]);
        CHECK(std::abs(counts[perm] / double(draws) - std::exp(pref::plackett_luce_log_likelihood(s3, perm))) < 0.01);
    } while (std::next_permutation(perm.begin(), perm.end()));

    const std::vector<prefrl::index_t> repeated{0, 0, 1, 2};
    REQUIRE_THROWS_WITH(pref::plackett_luce_log_likelihood(s, repeated),
                        "prefrl::preference::plackett_luce_log_likelihood: ranking[1] repeats response 0: a ranking is a permutation");
}

TEST_CASE("SPO and SPPO rewards from a group of sampled responses") {
    // rock-paper-scissors with a twist: a P3-like game
    pref::preference_matrix p(3, 3);
    p << 0.5, 0.9, 0.2,  //
        0.1, 0.5, 0.7,   //
        0.8, 0.3, 0.5;
    const std::vector<prefrl::index_t> samples{0, 2, 2, 1};
    const Eigen::MatrixXd q = pref::group_preferences(p, samples);
    CHECK(q(1, 2) == 0.5);  // the same response twice: a tie
    CHECK(q(0, 1) == 0.2);
    const Eigen::VectorXd spo = pref::spo_rewards(q);
    // response 0 (sample 0) against samples 1, 2, 3 = responses 2, 2, 1: (0.2 + 0.2 + 0.9) / 3
    CHECK(spo[0] == Approx((0.2 + 0.2 + 0.9) / 3.0).epsilon(1e-15));
    CHECK(spo[3] == Approx((0.1 + 0.7 + 0.7) / 3.0).epsilon(1e-15));
    const Eigen::VectorXd sppo = pref::sppo_win_rates(q);
    CHECK(sppo[0] == Approx((0.5 + 0.2 + 0.2 + 0.9) / 4.0).epsilon(1e-15));  // self-comparison included
    REQUIRE_THROWS_WITH(pref::spo_rewards(Eigen::MatrixXd::Constant(1, 1, 0.5)),
                        "prefrl::preference::spo_rewards: q must be square with N >= 2 responses, got 1 x 1");
    const std::vector<prefrl::index_t> out_of_range{0, 3};
    REQUIRE_THROWS_WITH(pref::group_preferences(p, out_of_range),
                        "prefrl::preference::group_preferences: samples[1] must be in [0, 3), got 3");
}

TEMPLATE_TEST_CASE("Nash-MD's geometric mixture: endpoints, the normalized square root, and the logits form", "[preference]",
                   float, double) {
    using T = TestType;
    const std::vector<T> lp{std::log(T(0.7)), std::log(T(0.2)), std::log(T(0.1))};
    const std::vector<T> lr{std::log(T(0.2)), std::log(T(0.2)), std::log(T(0.6))};
    const T tol = std::is_same_v<T, float> ? T(1e-6) : T(1e-14);
    CHECK((pref::geometric_mixture<T>(lp, lr, 0.0) - prefrl::as_eigen<T>(lp)).cwiseAbs().maxCoeff() < tol);
    CHECK((pref::geometric_mixture<T>(lp, lr, 1.0) - prefrl::as_eigen<T>(lr)).cwiseAbs().maxCoeff() < tol);
    const double z = std::sqrt(0.7 * 0.2) + std::sqrt(0.2 * 0.2) + std::sqrt(0.1 * 0.6);
    const prefrl::vector<T> half = pref::geometric_mixture<T>(lp, lr, 0.5);
    CHECK(std::abs(std::exp(static_cast<double>(half[0])) - std::sqrt(0.7 * 0.2) / z) < 10 * tol);
    CHECK(std::abs(std::exp(static_cast<double>(half[2])) - std::sqrt(0.1 * 0.6) / z) < 10 * tol);
    // per token from logits: softmax((1 - m) z + m z_ref) is the mixture of the two softmaxes
    prefrl::row_matrix<T> z_pol(1, 3), z_ref(1, 3);
    z_pol << T(2.0), T(0.5), T(-1.0);
    z_ref << T(0.1), T(0.3), T(1.2);
    const prefrl::row_matrix<T> mixed = pref::geometric_mixture_logits(z_pol, z_ref, 0.3);
    auto log_softmax = [](const prefrl::row_matrix<T>& x) {
        const std::vector<T> row(x.data(), x.data() + x.size());
        std::vector<T> out(row.size());
        const T lse = prefrl::logsumexp<T>(row);
        for (std::size_t i = 0; i < row.size(); ++i) out[i] = row[i] - lse;
        return out;
    };
    const prefrl::vector<T> from_logits = prefrl::as_eigen<T>(log_softmax(mixed));
    const prefrl::vector<T> from_probs = pref::geometric_mixture<T>(log_softmax(z_pol), log_softmax(z_ref), 0.3);
    CHECK((from_logits - from_probs).cwiseAbs().maxCoeff() < 10 * tol);
    REQUIRE_THROWS_WITH(pref::geometric_mixture<T>(lp, lr, 1.5),
                        "prefrl::preference::geometric_mixture: m must be in [0, 1], got 1.5");
}

TEMPLATE_TEST_CASE("Nash-MD loss: hand value, REINFORCE gradient, masked tokens", "[preference]", float, double) {
    using T = TestType;
    // 2 sequences of 2 tokens; the second token of sequence 1 is padding
    const std::vector<T> lp{T(-1.0), T(-2.0), T(-0.5), T(-9.0)}, lr{T(-1.5), T(-1.0), T(-0.7), T(-3.0)};
    const std::vector<T> mask{T(1), T(1), T(1), T(0)}, preference{T(0.8), T(0.3)};
    const pref::nash_md loss{.beta = 0.2};
    const auto r = loss(std::span<const T>(lp), std::span<const T>(lr), std::span<const T>(mask), 2, std::span<const T>(preference));
    const double s0 = 0.2 * (0.5 * -1.0 + -1.0 * -2.0) - 0.3 * (-3.0);
    const double s1 = 0.2 * (0.2 * -0.5) - (-0.2) * (-0.5);
    CHECK(static_cast<double>(r.value) == Approx(0.5 * (s0 + s1)).epsilon(1e-6));
    CHECK(static_cast<double>(r.kl) == Approx(0.5 * (0.5 - 1.0 + 0.2)).epsilon(1e-6));
    CHECK(static_cast<double>(r.d_token_logprobs[0]) == Approx(0.5 * (0.2 * 0.5 - 0.3)).epsilon(1e-6));
    CHECK(r.d_token_logprobs[3] == T(0));
    // the gradient is that of 0.5 beta (lp - lp_ref)^2 - (P - 1/2) lp: central differences
    auto surrogate = [&](const prefrl::vector<T>& x) {
        double v = 0.0;
        for (Eigen::Index i = 0; i < x.size(); ++i) {
            if (mask[static_cast<std::size_t>(i)] == T(0)) continue;
            const double gap = static_cast<double>(x[i]) - static_cast<double>(lr[static_cast<std::size_t>(i)]);
            v += 0.5 * 0.2 * gap * gap - (static_cast<double>(preference[static_cast<std::size_t>(i / 2)]) - 0.5) * static_cast<double>(x[i]);
        }
        return static_cast<T>(v / 2.0);
    };
    prefrl::laws::check_gradient<T>(surrogate, prefrl::as_eigen<T>(lp), r.d_token_logprobs);
    const std::vector<T> bad_preference{T(0.8), T(1.3)};
    REQUIRE_THROWS_WITH(loss(std::span<const T>(lp), std::span<const T>(lr), std::span<const T>(mask), 2, std::span<const T>(bad_preference)),
                        "prefrl::preference::nash_md: preference[1] must be a probability in [0, 1], got 1.3");
}

TEST_CASE("BCO's running mean of batch-mean rewards, as TRL keeps delta") {
    const std::vector<double> c{-1.0, -2.0}, r{-3.0, -1.0}, c0{-2.0, -2.0}, r0{-2.5, -1.0};
    const std::vector<double> c2{-1.0}, r2{-2.0}, c02{-1.5}, r02{-1.0};
    pref::bco_running_mean running;
    CHECK(running.mean() == 0.0);
    // batch 1: beta [a; b] = 0.1 [1, 0, -0.5, 0] -> mean 0.0125
    CHECK(running.update(pref::pair_batch<double>{c, r, c0, r0}, 0.1) == Approx(0.0125));
    // batch 2: 0.1 [0.5, -1] -> mean -0.025; running mean of the two batch means
    CHECK(running.update(pref::pair_batch<double>{c2, r2, c02, r02}, 0.1) == Approx((0.0125 - 0.025) / 2));
    CHECK(running.count() == 2);
    const auto with_delta = pref::bco{.beta = 0.1, .delta = running.mean()}(pref::pair_batch<double>{c, r, c0, r0});
    CHECK(std::isfinite(with_delta.value));
}

// Group, RLOO and REINFORCE++ advantages against TRL's / verl's formulas (tests/data/grpo.json
// and hand values), and the KL estimators against their closed forms and central differences.

#include <catch2/catch.hpp>

#include <prefrl/grpo.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "laws/gradient_laws.hpp"
#include "support/compare.hpp"
#include "support/golden.hpp"

namespace {
namespace grpo = prefrl::grpo;
using Catch::Matchers::Contains;
}  // namespace

TEMPLATE_TEST_CASE("group and RLOO advantages match TRL's formulas", "[grpo][golden]", float, double) {
    using T = TestType;
    int cases = 0;
    for (const auto& c : prefrl::test::grpo_golden()["advantages"]) {
        ++cases;
        const auto rewards = prefrl::test::as_vector<T>(c["rewards"]);
        const auto G = c["group_size"].get<prefrl::index_t>();
        INFO("case " << cases << ", group size " << G);
        prefrl::test::require_close<T>(grpo::group_advantages(rewards, G), c["group"].get<std::vector<double>>());
        prefrl::test::require_close<T>(grpo::group_advantages(rewards, G, grpo::reward_scaling::batch),
                                       c["batch"].get<std::vector<double>>());
        prefrl::test::require_close<T>(grpo::group_advantages(rewards, G, grpo::reward_scaling::none),
                                       c["none"].get<std::vector<double>>());
        if (c["rloo"].is_null()) {
            REQUIRE_THROWS_WITH(grpo::rloo_advantages(rewards, G), Contains("prefrl::grpo::rloo_advantages") && Contains("must be finite, got nan"));
        } else {
            prefrl::test::require_close<T>(grpo::rloo_advantages(rewards, G), c["rloo"].get<std::vector<double>>());
            prefrl::test::require_close<T>(grpo::rloo_advantages(rewards, G, true), c["rloo_normalized"].get<std::vector<double>>());
        }
    }
    REQUIRE(cases == 12);
}

TEST_CASE("group advantages: hand values, group size 1, any contiguous container") {
    const std::array<double, 4> rewards{1.0, 3.0, 2.0, 2.0};
    const auto a = grpo::group_advantages(rewards, 2);  // std::array, T deduced
    const double sd = std::sqrt(2.0);                     // Bessel-corrected std of {1, 3}
    CHECK(a[0] == Approx(-1.0 / (sd + 1e-4)).epsilon(1e-14));
    CHECK(a[1] == Approx(1.0 / (sd + 1e-4)).epsilon(1e-14));
    CHECK(a[2] == 0.0);
    CHECK(a[3] == 0.0);
    const prefrl::vector<float> r = prefrl::vector<float>::LinSpaced(3, 0.0f, 1.0f);
    CHECK(grpo::group_advantages(r, 1).cwiseAbs().maxCoeff() == 0.0f);  // TRL: std 0, A = 0
    const auto loo = grpo::rloo_advantages(std::vector<double>{1.0, 3.0, 5.0}, 3);
    CHECK(loo[0] == Approx(1.0 - 4.0));
    CHECK(loo[2] == Approx(5.0 - 2.0));
}

TEST_CASE("advantages refuse bad input") {
    const std::vector<double> r{1, 2, 3};
    REQUIRE_THROWS_WITH(grpo::group_advantages(r, 2), Contains("prefrl::grpo::group_advantages: rewards has 3 entries, not a multiple of group_size = 2"));
    REQUIRE_THROWS_WITH(grpo::group_advantages(r, 0), Contains("group_size must be > 0, got 0"));
    REQUIRE_THROWS_WITH(grpo::group_advantages(std::vector<double>{}, 1), Contains("rewards must not be empty"));
    REQUIRE_THROWS_WITH(grpo::group_advantages(std::vector<double>{1, std::numeric_limits<double>::infinity()}, 2),
                        Contains("rewards[1] must be finite or NaN (unscorable), got inf"));
    REQUIRE_THROWS_WITH(grpo::rloo_advantages(r, 1), Contains("prefrl::grpo::rloo_advantages: group_size must be >= 2"));
    REQUIRE_THROWS_WITH(grpo::reinforce_pp_advantages(r, 3, std::vector<double>{1, 1, 1, 1, 1}, 2),
                        Contains("prefrl::grpo::reinforce_pp_advantages: mask has 5 entries but rewards * steps = 3 * 2"));
    REQUIRE_THROWS_WITH(grpo::reinforce_pp_advantages(r, 3, std::vector<double>{1, 0, 0, 0, 0, 0}, 2),
                        Contains("at least 2 tokens"));
    REQUIRE_THROWS_WITH(grpo::reinforce_pp_advantages(r, 3, std::vector<double>{1, 2, 0, 0, 0, 0}, 2),
                        Contains("mask[1] must be 0 or 1, got 2"));
}

TEST_CASE("REINFORCE++-baseline advantages: verl's group mean and masked whitening, by hand") {
    // two groups of 2, T = 3: scores r - mean_g = {-1, 1, -0.5, 0.5}
    const std::vector<double> rewards{0, 2, 1, 2}, mask{1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0};
    const auto a = grpo::reinforce_pp_advantages(rewards, 2, mask, 3);
    std::vector<double> x;
    const double score[] = {-1, 1, -0.5, 0.5};
    for (std::size_t k = 0; k < mask.size(); ++k)
        if (mask[k] == 1) x.push_back(score[k / 3]);
    double n = static_cast<double>(x.size()), mean = 0, var = 0;
    for (double v : x) mean += v;
    mean /= n + 1e-8;
    for (double v : x) var += (v - mean) * (v - mean);
    var = var / (n + 1e-8) * n / (n - 1);
    for (std::size_t k = 0; k < mask.size(); ++k) {
        const double expected = mask[k] == 1 ? (score[k / 3] - mean) / std::sqrt(var + 1e-8) : 0.0;
        CHECK(a[static_cast<Eigen::Index>(k)] == Approx(expected).epsilon(1e-12).margin(1e-15));
    }
    // a group of one: verl's mean is 0, so the score is the reward itself
    const auto single = grpo::reinforce_pp_advantages(std::vector<double>{1, 3}, 1, std::vector<double>{1, 1}, 1);
    CHECK(single[0] == Approx(-1.0 / std::sqrt(2.0 + 1e-8)).epsilon(1e-6));
}

TEMPLATE_TEST_CASE("KL estimators: closed forms and gradients", "[grpo][gradient]", float, double) {
    using T = TestType;
    const std::vector<T> lp{T(-1.0), T(-2.5), T(-0.1), T(-3.0)}, ref{T(-1.5), T(-2.0), T(-0.1), T(-1.0)};
    const auto k1 = grpo::kl_k1(lp, ref), k2 = grpo::kl_k2(lp, ref), k3 = grpo::kl_k3(lp, ref), ab = grpo::kl_abs(lp, ref);
    for (std::size_t t = 0; t < lp.size(); ++t) {
        const double x = static_cast<double>(lp[t]) - static_cast<double>(ref[t]);
        const auto i = static_cast<Eigen::Index>(t);
        CHECK(k1.value[i] == Approx(x));
        CHECK(k2.value[i] == Approx(x * x / 2).margin(1e-7));
        CHECK(k3.value[i] == Approx(std::exp(-x) + x - 1).margin(1e-6));
        CHECK(k3.value[i] >= T(0));
        CHECK(ab.value[i] == Approx(std::abs(x)));
    }
    const prefrl::vector<T> x0 = Eigen::Map<const prefrl::vector<T>>(lp.data(), 4);
    auto sum_of = [&](auto estimator) {
        return [&, estimator](const prefrl::vector<T>& v) { return estimator(v, ref).value.sum(); };
    };
    // the sum's gradient is the per-token derivative (each estimate depends on its own token);
    // the abs estimator at x = 0 (token 2) is a kink: checked on the others only
    prefrl::laws::check_gradient<T>(sum_of([](const auto& a, const auto& b) { return grpo::kl_k1(a, b); }), x0, k1.d_logps);
    prefrl::laws::check_gradient<T>(sum_of([](const auto& a, const auto& b) { return grpo::kl_k2(a, b); }), x0, k2.d_logps);
    prefrl::laws::check_gradient<T>(sum_of([](const auto& a, const auto& b) { return grpo::kl_k3(a, b); }), x0, k3.d_logps);
    CHECK(ab.d_logps[2] == T(0));
    CHECK(ab.d_logps[0] == T(1));
    CHECK(ab.d_logps[1] == T(-1));
    REQUIRE_THROWS_WITH(grpo::kl_k3(lp, std::vector<T>(3)), Contains("prefrl::grpo::kl_k3: ref_logps has 3 entries but logps has 4"));
    REQUIRE_THROWS_WITH(grpo::kl_k1(std::vector<T>{std::numeric_limits<T>::quiet_NaN()}, std::vector<T>{T(0)}),
                        Contains("prefrl::grpo::kl_k1: logps[0] must be finite, got nan"));
}

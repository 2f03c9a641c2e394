// Contiguous ranges at the boundary: the entry points written on spans take std::vector,
// std::array, Eigen vectors and spans alike, the scalar deduced, with the same results.

#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include <prefrl/core/ranges.hpp>
#include <prefrl/offline.hpp>
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

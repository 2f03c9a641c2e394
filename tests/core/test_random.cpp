#include <catch2/catch.hpp>

#include <prefrl/core/random.hpp>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

TEST_CASE("the default generator is the standard's mt19937_64") {
    prefrl::generator rng;  // default seed 5489
    rng.discard(9999);
    REQUIRE(rng() == 9981545732273789042ULL);  // value fixed by [rand.predef]
}

TEMPLATE_TEST_CASE("same seed, same numbers", "[random]", float, double) {
    using T = TestType;
    prefrl::generator a(123), b(123);
    for (int i = 0; i < 200; ++i) {
        REQUIRE(prefrl::uniform01<T>(a) == prefrl::uniform01<T>(b));
        REQUIRE(prefrl::normal<T>(a) == prefrl::normal<T>(b));
        REQUIRE(prefrl::gumbel<T>(a) == prefrl::gumbel<T>(b));
        REQUIRE(prefrl::uniform_index(7, a) == prefrl::uniform_index(7, b));
    }
}

TEST_CASE("draws are pinned: same numbers on every compiler and library") {
    // prefrl's own distributions (not std::normal_distribution, whose output differs
    // between standard libraries). Changing these values breaks users' reproducibility.
    prefrl::generator rng(42);
    const std::uint64_t first = prefrl::generator(42)();
    CHECK(prefrl::uniform01<double>(rng) == static_cast<double>(first >> 11) * 0x1.0p-53);
    prefrl::generator again(42);
    const double u1 = prefrl::uniform_open01<double>(again);
    const double u2 = prefrl::uniform01<double>(again);
    prefrl::generator normal_rng(42);
    CHECK(prefrl::normal<double>(normal_rng) == std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
}

TEMPLATE_TEST_CASE("uniform01 stays below 1 and uniform_open01 strictly between 0 and 1", "[random]", float, double) {
    using T = TestType;
    prefrl::generator rng(1);
    double sum = 0.0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
        const T u = prefrl::uniform01<T>(rng);
        REQUIRE(u >= T(0));
        REQUIRE(u < T(1));
        const T v = prefrl::uniform_open01<T>(rng);
        REQUIRE(v > T(0));
        REQUIRE(v < T(1));
        sum += static_cast<double>(u);
    }
    CHECK(std::abs(sum / n - 0.5) < 5 * std::sqrt(1.0 / 12.0 / n));
}

TEST_CASE("32-bit generators work too") {
    std::mt19937 rng(5);
    const double u = prefrl::uniform01<double>(rng);
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    REQUIRE(prefrl::uniform_index(3, rng) < 3);
}

TEMPLATE_TEST_CASE("normal and Gumbel have the right moments", "[random]", float, double) {
    using T = TestType;
    prefrl::generator rng(2);
    const int n = 200000;
    double s1 = 0, s2 = 0, g1 = 0, g2 = 0;
    for (int i = 0; i < n; ++i) {
        const double z = prefrl::normal<T>(rng);
        s1 += z;
        s2 += z * z;
        const double g = prefrl::gumbel<T>(rng);
        g1 += g;
        g2 += g * g;
    }
    const double mean = s1 / n, var = s2 / n - mean * mean;
    CHECK(std::abs(mean) < 5 / std::sqrt(n));
    CHECK(std::abs(var - 1.0) < 5 * std::sqrt(2.0 / n));
    const double gmean = g1 / n, gvar = g2 / n - gmean * gmean;
    const double euler_gamma = 0.5772156649015329, gumbel_var = std::numbers::pi * std::numbers::pi / 6;
    CHECK(std::abs(gmean - euler_gamma) < 5 * std::sqrt(gumbel_var / n));
    CHECK(std::abs(gvar - gumbel_var) < 0.05);
    CHECK(prefrl::normal<T>(T(3), T(0), rng) == T(3));
    REQUIRE_THROWS_AS(prefrl::normal<T>(T(0), T(-1), rng), prefrl::invalid_argument);
}

TEST_CASE("uniform_index is unbiased and validates n") {
    prefrl::generator rng(3);
    std::vector<int> counts(6, 0);
    const int n = 60000;
    for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(prefrl::uniform_index(6, rng))];
    for (int c : counts) CHECK(std::abs(c - n / 6.0) < 5 * std::sqrt(n * (1.0 / 6) * (5.0 / 6)));
    REQUIRE_THROWS_WITH(prefrl::uniform_index(0, rng), "prefrl::uniform_index: n must be > 0, got 0");
}

TEMPLATE_TEST_CASE("sample_categorical matches the probabilities", "[random]", float, double) {
    using T = TestType;
    const std::vector<T> probs{T(0.5), T(0.0), T(0.3), T(0.2)};
    prefrl::generator rng(4);
    std::vector<int> counts(4, 0);
    const int n = 50000;
    for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(prefrl::sample_categorical<T>(probs, rng))];
    CHECK(counts[1] == 0);
    for (std::size_t a = 0; a < probs.size(); ++a) {
        const double p = static_cast<double>(probs[a]);
        CHECK(std::abs(counts[a] - n * p) <= 5 * std::sqrt(n * p * (1 - p)) + 1);
    }
    REQUIRE_THROWS_WITH(prefrl::sample_categorical<T>(std::vector<T>{T(0.5), T(0.6)}, rng),
                        Catch::Contains("probs must sum to 1"));
    REQUIRE_THROWS_WITH(prefrl::sample_categorical<T>(std::vector<T>{T(1.5), T(-0.5)}, rng),
                        "prefrl::sample_categorical: probs[1] must be a finite probability >= 0, got -0.5");
    REQUIRE_THROWS_AS(prefrl::sample_categorical<T>(std::vector<T>{}, rng), prefrl::invalid_argument);
    REQUIRE_THROWS_AS(prefrl::sample_categorical<T>(std::vector<T>{std::numeric_limits<T>::quiet_NaN()}, rng),
                      prefrl::invalid_argument);
}

TEMPLATE_TEST_CASE("sample_categorical_logits samples softmax(logits)", "[random]", float, double) {
    using T = TestType;
    const T neg_inf = -std::numeric_limits<T>::infinity();
    const std::vector<T> logits{T(1.0), neg_inf, T(0.0), T(-1.0)};
    const double z = std::exp(1.0) + 1.0 + std::exp(-1.0);
    const std::vector<double> probs{std::exp(1.0) / z, 0.0, 1.0 / z, std::exp(-1.0) / z};
    prefrl::generator rng(5);
    std::vector<int> counts(4, 0);
    const int n = 50000;
    for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(prefrl::sample_categorical_logits<T>(logits, rng))];
    for (std::size_t a = 0; a < probs.size(); ++a)
        CHECK(std::abs(counts[a] - n * probs[a]) <= 5 * std::sqrt(n * probs[a] * (1 - probs[a])) + 1);
    REQUIRE_THROWS_AS(prefrl::sample_categorical_logits<T>(std::vector<T>{neg_inf, neg_inf}, rng),
                      prefrl::invalid_argument);
    REQUIRE_THROWS_AS(prefrl::sample_categorical_logits<T>(std::vector<T>{T(0), std::numeric_limits<T>::quiet_NaN()}, rng),
                      prefrl::invalid_argument);
}

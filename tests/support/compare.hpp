#ifndef PREFRL_TESTS_SUPPORT_COMPARE_HPP
#define PREFRL_TESTS_SUPPORT_COMPARE_HPP

// Tolerances of the golden vectors (tests/data/README.md): double 1e-9 relative per entry
// (for entries above 1e-4 of the largest, absolute below), float 2e-4 relative to the largest.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace prefrl::test {

template <class T>
struct tolerance;
template <>
struct tolerance<float> {
    static constexpr double relative_to_largest = 2e-4;
};
template <>
struct tolerance<double> {
    static constexpr double relative = 1e-9;
};

// Checks `actual` against `expected` entry by entry with the golden tolerance for T.
template <class T, class Actual>
void require_close(const Actual& actual, const std::vector<double>& expected) {
    REQUIRE(static_cast<std::size_t>(actual.size()) == expected.size());
    double largest = 0.0;
    for (double e : expected) largest = std::max(largest, std::abs(e));
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const double a = static_cast<double>(actual[static_cast<decltype(actual.size())>(i)]);
        const double e = expected[i];
        INFO("entry " << i << ": actual " << a << ", expected " << e);
        REQUIRE(std::isfinite(a));
        if constexpr (std::is_same_v<T, double>) {
            const double scale = std::abs(e) > 1e-4 * largest ? std::abs(e) : std::max(1e-4 * largest, 1e-300);
            REQUIRE(std::abs(a - e) <= tolerance<double>::relative * scale);
        } else {
            REQUIRE(std::abs(a - e) <= tolerance<float>::relative_to_largest * std::max(largest, 1e-30));
        }
    }
}

// |a - b| <= tol * max |b| over the entries of two Eigen matrices or vectors: tol 1e-5 for
// float (or `float_tol`), 1e-12 for double. For paths that compute the same thing in another
// order (chunked against materialized).
template <class T, class A, class B>
void require_near_largest(const A& a, const B& b, double float_tol = 1e-5) {
    const double tol = std::is_same_v<T, float> ? float_tol : 1e-12;
    REQUIRE(a.rows() == b.rows());
    REQUIRE(a.cols() == b.cols());
    const double scale = std::max(1e-30, static_cast<double>(b.cwiseAbs().maxCoeff()));
    CHECK(static_cast<double>((a - b).cwiseAbs().maxCoeff()) <= tol * scale);
}

}  // namespace prefrl::test

#endif  // PREFRL_TESTS_SUPPORT_COMPARE_HPP

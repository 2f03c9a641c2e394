#ifndef PREFRL_CORE_MATH_HPP
#define PREFRL_CORE_MATH_HPP

/// \file
/// Numerically stable scalar math for `float` and `double`.
///
/// Each function is exact (to the type's rounding) over the whole range, including
/// |x| up to 1e4 and beyond, where the textbook formulas overflow or cancel:
///
/// | function           | value                    | stable form used                              |
/// |--------------------|--------------------------|-----------------------------------------------|
/// | `sigmoid(x)`       | 1 / (1 + e^-x)           | e^x / (1 + e^x) for x < 0                     |
/// | `log_sigmoid(x)`   | log sigma(x) = -softplus(-x) | min(x, 0) - log1p(e^-abs(x))            |
/// | `softplus(x)`      | log(1 + e^x)             | max(x, 0) + log1p(e^-abs(x))                  |
/// | `log1mexp(x)`      | log(1 - e^x), x <= 0     | log(-expm1(x)) if x > -ln 2, else log1p(-e^x) (Maechler 2012) |
/// | `log_add_exp(a, b)`| log(e^a + e^b)           | max + log1p(e^-abs(a - b))                    |
/// | `logsumexp(xs)`    | log sum_i e^{x_i}        | max + log sum e^{x_i - max}, summed in double |
///
/// Infinities follow the limits (`log_sigmoid(-inf) = -inf`, `softplus(inf) = inf`,
/// `log_add_exp(-inf, -inf) = -inf`); NaN propagates.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <numbers>
#include <span>
#include <type_traits>

#include "prefrl/core/ranges.hpp"
#include "prefrl/core/error.hpp"

namespace prefrl {

/// The logistic function sigma(x) = 1 / (1 + exp(-x)), without overflow for any x.
template <std::floating_point T>
T sigmoid(T x) {
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
}

/// log(sigma(x)) = -softplus(-x): equals x for very negative x, -exp(-x) for large x.
template <std::floating_point T>
T log_sigmoid(T x) {
    return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x)));
}

/// softplus(x) = log(1 + exp(x)): equals x for large x, exp(x) for very negative x.
template <std::floating_point T>
T softplus(T x) {
    return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}

/// log(1 - exp(x)) for x <= 0 (Maechler, "Accurately computing log(1 - exp(-|a|))", 2012).
/// Returns -inf at x = 0 and NaN for x > 0, as the formula does.
template <std::floating_point T>
T log1mexp(T x) {
    if (x > -std::numbers::ln2_v<T>) return std::log(-std::expm1(x));
    return std::log1p(-std::exp(x));
}

/// log(exp(a) + exp(b)) without overflow; `log_add_exp(-inf, -inf) = -inf`.
template <std::floating_point T>
T log_add_exp(T a, T b) {
    const T hi = std::max(a, b);
    if (hi == -std::numeric_limits<T>::infinity()) return hi;
    if (hi == std::numeric_limits<T>::infinity()) return hi;
    return hi + std::log1p(std::exp(-std::abs(a - b)));
}

/// log(sum_i exp(x_i)) of a non-empty span; the sum of exponentials is accumulated in
/// double, so a float result is as accurate as float can hold. `-inf` if every entry is
/// `-inf`, `+inf` if any entry is `+inf` (and none is NaN), NaN if any entry is NaN.
template <std::floating_point T>
T logsumexp(std::span<const T> xs) {
    require_non_empty("prefrl::logsumexp", "xs", xs.size());
    T hi = -std::numeric_limits<T>::infinity();
    for (const T x : xs) {
        if (std::isnan(x)) return x;
        hi = std::max(hi, x);
    }
    if (std::isinf(hi)) return hi;
    using wide = std::conditional_t<(sizeof(T) > sizeof(double)), T, double>;
    wide sum = 0;
    for (const T x : xs) sum += std::exp(static_cast<wide>(x) - static_cast<wide>(hi));
    return static_cast<T>(static_cast<wide>(hi) + std::log(sum));
}

/// The same for any contiguous range, the scalar deduced: `logsumexp(std::vector<double>{...})`.
template <ScalarRange R>
range_scalar_t<R> logsumexp(const R& xs) {
    return logsumexp<range_scalar_t<R>>(as_span(xs));
}

}  // namespace prefrl

#endif  // PREFRL_CORE_MATH_HPP

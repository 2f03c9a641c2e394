#ifndef PREFRL_CORE_RANDOM_HPP
#define PREFRL_CORE_RANDOM_HPP

/// \file
/// Explicit, reproducible randomness.
///
/// Every prefrl function that draws random numbers takes the generator as an argument;
/// nothing keeps hidden global state. The default is `std::mt19937_64`, whose output
/// sequence the C++ standard fixes. The standard *distributions* are not fixed (libstdc++
/// and libc++ give different normals for the same seed), so prefrl draws from its own,
/// written here: the same seed gives the same numbers with every compiler and library.
///
///     prefrl::generator rng(42);
///     double u = prefrl::uniform01(rng);                  // in [0, 1) (double unless asked: uniform01<float>)
///     double z = prefrl::normal(rng);                     // N(0, 1)
///     auto   a = prefrl::sample_categorical(probs, rng);  // index with P(a) = probs[a]; any contiguous range

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>
#include <span>
#include <type_traits>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"

namespace prefrl {

/// The default generator: 64-bit Mersenne Twister, fully specified by the standard.
using generator = std::mt19937_64;

/// A standard uniform random bit generator producing full 32- or 64-bit words
/// (`std::mt19937`, `std::mt19937_64`, `pcg64`, ...). prefrl needs full words to build
/// exactly reproducible doubles.
template <class G>
concept RandomGenerator =
    std::uniform_random_bit_generator<std::remove_reference_t<G>> &&
    std::remove_reference_t<G>::min() == 0 &&
    (std::remove_reference_t<G>::max() == std::numeric_limits<std::uint64_t>::max() ||
     std::remove_reference_t<G>::max() == std::numeric_limits<std::uint32_t>::max());

/// 64 random bits from a 32- or 64-bit generator (two draws, high word first, for 32-bit).
template <RandomGenerator G>
std::uint64_t random_bits64(G& rng) {
    if constexpr (std::remove_reference_t<G>::max() == std::numeric_limits<std::uint64_t>::max()) {
        return static_cast<std::uint64_t>(rng());
    } else {
        const auto hi = static_cast<std::uint64_t>(rng());
        const auto lo = static_cast<std::uint64_t>(rng());
        return (hi << 32) | lo;
    }
}

/// Uniform in [0, 1): the top 53 bits of one 64-bit draw, scaled by 2^-53. Rounded to
/// float for `T = float`, where values that round up to 1 are mapped below 1.
template <std::floating_point T = double, RandomGenerator G>
T uniform01(G& rng) {
    const double u = static_cast<double>(random_bits64(rng) >> 11) * 0x1.0p-53;
    if constexpr (std::same_as<T, double>) {
        return u;
    } else {
        const T v = static_cast<T>(u);
        return v < T(1) ? v : std::nextafter(T(1), T(0));
    }
}

/// Uniform in the open interval (0, 1), for logs: (k + 0.5) 2^-53 with k the top 53 bits.
template <std::floating_point T = double, RandomGenerator G>
T uniform_open01(G& rng) {
    const double u = (static_cast<double>(random_bits64(rng) >> 11) + 0.5) * 0x1.0p-53;
    if constexpr (std::same_as<T, double>) {
        return u;
    } else {
        T v = static_cast<T>(u);
        if (v <= T(0)) v = std::numeric_limits<T>::denorm_min();
        if (v >= T(1)) v = std::nextafter(T(1), T(0));
        return v;
    }
}

/// Uniform integer in [0, n) without modulo bias (rejects the top, incomplete block).
template <RandomGenerator G>
std::int64_t uniform_index(std::int64_t n, G& rng) {
    if (n <= 0) fail("prefrl::uniform_index", "n must be > 0, got ", n);
    const auto range = static_cast<std::uint64_t>(n);
    const std::uint64_t limit = range * (std::numeric_limits<std::uint64_t>::max() / range);
    std::uint64_t bits = random_bits64(rng);
    while (bits >= limit) bits = random_bits64(rng);
    return static_cast<std::int64_t>(bits % range);
}

/// Standard normal N(0, 1) by the Box-Muller transform of two uniforms (one value per call,
/// so a call always consumes exactly two 64-bit draws: easy to reason about when replaying).
template <std::floating_point T = double, RandomGenerator G>
T normal(G& rng) {
    const double u1 = uniform_open01<double>(rng);
    const double u2 = uniform01<double>(rng);
    return static_cast<T>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
}

/// Normal N(mean, stddev^2); mean and stddev must be finite, stddev >= 0.
template <std::floating_point T, RandomGenerator G>
T normal(T mean, T stddev, G& rng) {
    require_finite("prefrl::normal", "mean", mean);
    require_finite("prefrl::normal", "stddev", stddev);
    require_non_negative("prefrl::normal", "stddev", stddev);
    return mean + stddev * normal<T>(rng);
}

/// Gamma(shape, 1) by Marsaglia & Tsang (2000), "A Simple Method for Generating Gamma
/// Variables"; shape < 1 uses Gamma(shape + 1) * U^(1/shape). shape must be > 0 and finite.
template <std::floating_point T, RandomGenerator G>
T gamma_variate(T shape, G& rng) {
    constexpr auto fn = "prefrl::gamma_variate";
    if (!(shape > T(0)) || !std::isfinite(shape)) fail(fn, "shape must be finite and > 0, got ", shape);
    double boost = 1.0;
    double a = static_cast<double>(shape);
    if (a < 1.0) {
        boost = std::pow(uniform_open01<double>(rng), 1.0 / a);
        a += 1.0;
    }
    const double d = a - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
        double z = 0.0, v = 0.0;
        do {
            z = normal<double>(rng);
            v = 1.0 + c * z;
        } while (v <= 0.0);
        v = v * v * v;
        const double u = uniform_open01<double>(rng);
        if (u < 1.0 - 0.0331 * z * z * z * z || std::log(u) < 0.5 * z * z + d * (1.0 - v + std::log(v)))
            return static_cast<T>(boost * d * v);
    }
}

/// Beta(alpha, beta) as X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta); both > 0.
template <std::floating_point T, RandomGenerator G>
T beta_variate(T alpha, T beta, G& rng) {
    constexpr auto fn = "prefrl::beta_variate";
    if (!(alpha > T(0)) || !std::isfinite(alpha)) fail(fn, "alpha must be finite and > 0, got ", alpha);
    if (!(beta > T(0)) || !std::isfinite(beta)) fail(fn, "beta must be finite and > 0, got ", beta);
    const double x = gamma_variate<double>(static_cast<double>(alpha), rng);
    const double y = gamma_variate<double>(static_cast<double>(beta), rng);
    return static_cast<T>(x / (x + y));
}

/// Standard Gumbel(0, 1): -log(-log(u)), u uniform in (0, 1). `argmax_a (logits_a + g_a)`
/// with independent Gumbel g_a samples from softmax(logits) (the Gumbel-max trick).
template <std::floating_point T = double, RandomGenerator G>
T gumbel(G& rng) {
    return static_cast<T>(-std::log(-std::log(uniform_open01<double>(rng))));
}

/// Draws an index a with probability probs[a] by inversion (one uniform draw).
/// `probs` must be non-empty, non-negative, finite, and sum to 1 within 1e-6 relative;
/// the cumulative sum is taken in double and scaled by the actual total.
template <std::floating_point T, RandomGenerator G>
std::int64_t sample_categorical(std::span<const T> probs, G& rng) {
    constexpr auto fn = "prefrl::sample_categorical";
    require_non_empty(fn, "probs", probs.size());
    double total = 0.0;
    for (std::size_t a = 0; a < probs.size(); ++a) {
        if (!(probs[a] >= T(0)) || !std::isfinite(probs[a]))
            fail(fn, "probs[", a, "] must be a finite probability >= 0, got ", probs[a]);
        total += static_cast<double>(probs[a]);
    }
    if (!(std::abs(total - 1.0) <= 1e-6)) fail(fn, "probs must sum to 1, got sum ", total);
    const double u = uniform01<double>(rng) * total;
    double cumulative = 0.0;
    std::int64_t last_positive = 0;
    for (std::size_t a = 0; a < probs.size(); ++a) {
        if (probs[a] > T(0)) last_positive = static_cast<std::int64_t>(a);
        cumulative += static_cast<double>(probs[a]);
        if (u < cumulative) return static_cast<std::int64_t>(a);
    }
    return last_positive;  // u fell in the rounding gap at the top: the last possible index
}

/// Draws an index with probability softmax(logits)[a] by the Gumbel-max trick
/// (one Gumbel draw per entry). Logits may be -inf (never chosen); at least one must be
/// finite, and none may be NaN or +inf.
template <std::floating_point T, RandomGenerator G>
std::int64_t sample_categorical_logits(std::span<const T> logits, G& rng) {
    constexpr auto fn = "prefrl::sample_categorical_logits";
    require_non_empty(fn, "logits", logits.size());
    std::int64_t best = -1;
    double best_score = -std::numeric_limits<double>::infinity();
    for (std::size_t a = 0; a < logits.size(); ++a) {
        const T z = logits[a];
        if (std::isnan(z) || z == std::numeric_limits<T>::infinity())
            fail(fn, "logits[", a, "] must be finite or -inf, got ", z);
        const double score = static_cast<double>(z) + gumbel<double>(rng);
        if (z != -std::numeric_limits<T>::infinity() && (best < 0 || score > best_score)) {
            best = static_cast<std::int64_t>(a);
            best_score = score;
        }
    }
    if (best < 0) fail(fn, "logits must have at least one finite entry, all are -inf");
    return best;
}

/// `sample_categorical(probs, rng)` on any contiguous range (`std::vector`, `std::array`,
/// `Eigen::VectorX`, ...), the scalar deduced.
template <ScalarRange R, RandomGenerator G>
std::int64_t sample_categorical(const R& probs, G& rng) {
    return sample_categorical<range_scalar_t<R>>(as_span(probs), rng);
}

/// `sample_categorical_logits(logits, rng)` on any contiguous range, the scalar deduced.
template <ScalarRange R, RandomGenerator G>
std::int64_t sample_categorical_logits(const R& logits, G& rng) {
    return sample_categorical_logits<range_scalar_t<R>>(as_span(logits), rng);
}

}  // namespace prefrl

#endif  // PREFRL_CORE_RANDOM_HPP

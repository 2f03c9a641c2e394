#ifndef PREFRL_DETAIL_ARRAY_MATH_HPP
#define PREFRL_DETAIL_ARRAY_MATH_HPP

/// \file
/// The stable functions of `prefrl/core/math.hpp` on Eigen arrays (float or double), built
/// only from operations Eigen 3.4 vectorizes for both types: exp, log, +, -, *, /, abs, min,
/// max. Eigen 3.4 runs `select` and comparisons one scalar at a time, and `log1p` / `expm1`
/// for double too, so none of them is used here: branches become `step_array` masks (0 or
/// 1, from min/max) blended between two finite candidates, and log1p / expm1 are the classic
/// exact rewrites (Goldberg 1991, "What every computer scientist should know about
/// floating-point arithmetic", theorem 4; Kahan's expm1), accurate to a few ulps.
/// Each function returns an evaluated array; inputs are finite (the losses check them).

#include <Eigen/Core>

#include <cmath>
#include <limits>
#include <numbers>

#include "prefrl/detail/attributes.hpp"

namespace prefrl::detail {

/// Entries of one 64-byte vector register (16 floats, 8 doubles): the block size of the
/// losses that run their whole per-entry computation on fixed-size arrays kept in registers.
template <class T>
inline constexpr Eigen::Index register_block_size = static_cast<Eigen::Index>(64 / sizeof(T));

/// 1 where d > 0, else 0, for finite d: (d * 2^k) * 2^k clamped to [0, 1], with 2^(2k)
/// larger than 1 / (the smallest subnormal), so every positive d reaches 1.
template <class Derived>
PREFRL_ALWAYS_INLINE inline typename Derived::PlainObject step_array(const Eigen::ArrayBase<Derived>& d) {
    using S = typename Derived::Scalar;
    const S scale = std::ldexp(S(1), std::numeric_limits<S>::max_exponent - 28);  // 2^100 (float), 2^996 (double)
    return ((d * scale) * scale).max(S(0)).min(S(1));
}

/// `mask ? a : b` for a 0/1 mask and finite a, b (exact: one side is multiplied by 0).
template <class Mask, class A, class B>
PREFRL_ALWAYS_INLINE inline typename Mask::PlainObject blend_array(const Eigen::ArrayBase<Mask>& mask, const Eigen::ArrayBase<A>& a,
                                       const Eigen::ArrayBase<B>& b) {
    using S = typename Mask::Scalar;
    return mask * a + (S(1) - mask) * b;
}

/// log(1 + y) for y > -1: with u = 1 + y rounded, log(u) - ((u - 1) - y) / u corrects the
/// rounding of u to first order (and gives y exactly where u rounds to 1).
template <class Derived>
PREFRL_ALWAYS_INLINE inline typename Derived::PlainObject log1p_array(const Eigen::ArrayBase<Derived>& y_expr) {
    using S = typename Derived::Scalar;
    const typename Derived::PlainObject y = y_expr;
    const typename Derived::PlainObject u = y + S(1);
    return u.log() - ((u - S(1)) - y) / u;
}

/// exp(x) - 1 and log(1 - e^x) for x < 0, sharing one exponential u = e^x:
/// - expm1 (Kahan): (u - 1) (x / log(u)), and x itself where u rounds to 1 (there log(u) is
///   replaced by a finite stand-in and the mask picks x); below x = -40 it is -1 in float and
///   double alike, so x and u are clamped there;
/// - log1mexp (Maechler 2012): log(-expm1(x)) above -ln 2, log1p(-u) below; each side is
///   evaluated on values clamped to its own range, so both stay finite for the blend.
template <class Array>
struct expm1_log1mexp {
    Array expm1, log1mexp;
};

template <class Derived>
PREFRL_ALWAYS_INLINE inline expm1_log1mexp<typename Derived::PlainObject> expm1_and_log1mexp(
    const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A x = x_expr;
    const A u = x.exp();
    const A x_k = x.max(S(-40));
    const A u_k = u.max(std::exp(S(-40)));
    const A um1 = u_k - S(1);
    const A below_one = step_array(A(-um1));                                   // 0 where u rounded to 1
    const A log_u = (below_one * u_k + (S(1) - below_one) * S(0.5)).log();  // finite and < 0
    const A em1 = blend_array(below_one, A(um1 * (x_k / log_u)), x_k);
    constexpr S ln2 = std::numbers::ln2_v<S>;
    const A near_zero = (-em1).log();
    const A far = log1p_array(A(-u.min(S(0.5))));
    return {em1, blend_array(step_array(A(x + ln2)), near_zero, far)};
}

/// exp(x) - 1 for x <= 0 (see `expm1_and_log1mexp`).
template <class Derived>
PREFRL_ALWAYS_INLINE inline typename Derived::PlainObject expm1_array(const Eigen::ArrayBase<Derived>& x) {
    return expm1_and_log1mexp(x).expm1;
}

/// The logistic function of u and of -u from one exponential, one logarithm and one
/// division: with e = exp(-|u|) and w = 1 + e, sigma(|u|) = 1 / w, sigma(-|u|) = e / w, and
/// log sigma(+-u) = min(+-u, 0) - log1p(e), log1p(e) = log(w) - ((w - 1) - e) / w (the
/// correction uses the same 1 / w).
template <class Array>
struct logistic_pair {
    Array sigmoid, sigmoid_neg;          ///< sigma(u), sigma(-u)
    Array log_sigmoid, log_sigmoid_neg;  ///< log sigma(u), log sigma(-u)
};

/// An argument below which every exp of Eigen's is finite in S: log(max of S) - 1. (Eigen's
/// AVX-512 float exp overflows to inf from 88.38 on, below log(max) = 88.72.)
template <class S>
S exp_argument_cap() {
    return std::log(std::numeric_limits<S>::max()) - S(1);
}

template <class Derived>
PREFRL_ALWAYS_INLINE inline logistic_pair<typename Derived::PlainObject> logistic_of(const Eigen::ArrayBase<Derived>& u_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A u = u_expr;
    const A e = (-u.abs()).exp();
    const A w = S(1) + e;
    const A big = S(1) / w;  // sigma(|u|)
    const A small = e * big;  // sigma(-|u|)
    const A l = w.log() - ((w - S(1)) - e) * big;
    const A positive = step_array(u);  // where u = 0, big = small
    return {blend_array(positive, big, small), blend_array(positive, small, big), u.min(S(0)) - l, (-u).min(S(0)) - l};
}

/// log(1 - e^x) for x < 0 (see `expm1_and_log1mexp`).
template <class Derived>
PREFRL_ALWAYS_INLINE inline typename Derived::PlainObject log1mexp_array(const Eigen::ArrayBase<Derived>& x) {
    return expm1_and_log1mexp(x).log1mexp;
}

}  // namespace prefrl::detail

#endif  // PREFRL_DETAIL_ARRAY_MATH_HPP

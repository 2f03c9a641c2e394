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

/// exp(x) - 1 for x <= 0 (Kahan): with u = exp(x), (u - 1) (x / log(u)), and x itself where
/// u rounds to 1 (there log(u) is replaced by a finite stand-in and the mask picks x); x is
/// clamped at -40, below which the result is -1 in float and double alike.
template <class Derived>
PREFRL_ALWAYS_INLINE inline typename Derived::PlainObject expm1_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A x = x_expr.max(S(-40));  // expm1(-40) = -1 + 4e-18 rounds to -1 in float and double
    const A u = x.exp();
    const A um1 = u - S(1);
    const A below_one = step_array(A(-um1));                           // 0 where u rounded to 1
    const A log_u = (below_one * u + (S(1) - below_one) * S(0.5)).log();  // u, or 1/2 where u = 1: finite, < 0
    return blend_array(below_one, A(um1 * (x / log_u)), x);
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

/// sigma(x) = 1 / (1 + e^-x): exact for every x once e^-x is capped below overflow.
template <class Derived>
PREFRL_ALWAYS_INLINE inline typename Derived::PlainObject sigmoid_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    return S(1) / (S(1) + (-x_expr).min(exp_argument_cap<S>()).exp());
}

/// sigma(x) sigma(-x) = e / (1 + e)^2 with e = e^-|x|: the slope of the logistic.
template <class Derived>
PREFRL_ALWAYS_INLINE inline typename Derived::PlainObject sigmoid_slope_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A e = (-x_expr.abs()).exp();
    return e / (S(1) + e).square();
}

/// log sigma(x) = min(x, 0) - log1p(e^-|x|).
template <class Derived>
PREFRL_ALWAYS_INLINE inline typename Derived::PlainObject log_sigmoid_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A x = x_expr;
    return x.min(S(0)) - log1p_array((-x.abs()).exp());
}

/// log(1 - e^x) for x < 0 (Maechler 2012): log(-expm1(x)) above -ln 2, log1p(-e^x) below;
/// each side is evaluated on x clamped to its own range, so both stay finite for the blend.
template <class Derived>
PREFRL_ALWAYS_INLINE inline typename Derived::PlainObject log1mexp_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A x = x_expr;
    constexpr S ln2 = std::numbers::ln2_v<S>;
    const A near_zero = (-expm1_array(A(x.max(-ln2)))).log();
    const A far = log1p_array(A(-(x.min(-ln2)).exp()));
    return blend_array(step_array(A(x + ln2)), near_zero, far);
}

}  // namespace prefrl::detail

#endif  // PREFRL_DETAIL_ARRAY_MATH_HPP

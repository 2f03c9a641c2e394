#ifndef PREFRL_DETAIL_ARRAY_MATH_HPP
#define PREFRL_DETAIL_ARRAY_MATH_HPP

/// \file
/// The stable functions of `prefrl/core/math.hpp` on Eigen arrays (float or double), built
/// only from operations Eigen 3.4 vectorizes for both (exp, log, +, -, *, /, min, max,
/// select), so a block of pairs runs in SIMD registers. Eigen's `log1p` and `expm1` are
/// scalar loops for double; the forms below are the classic exact rewrites (Goldberg 1991,
/// "What every computer scientist should know about floating-point arithmetic", theorem 4;
/// Kahan's expm1), accurate to a few ulps. Each returns an evaluated array.

#include <Eigen/Core>

#include <limits>
#include <numbers>

namespace prefrl::detail {

/// log(1 + y) for y > -1: with u = 1 + y rounded, log(u) - ((u - 1) - y) / u corrects the
/// rounding of u to first order (gives y exactly where u rounds to 1).
template <class Derived>
typename Derived::PlainObject log1p_array(const Eigen::ArrayBase<Derived>& y_expr) {
    using S = typename Derived::Scalar;
    const typename Derived::PlainObject y = y_expr;
    const typename Derived::PlainObject u = y + S(1);
    return u.log() - ((u - S(1)) - y) / u;
}

/// exp(x) - 1 (Kahan): with u = exp(x), (u - 1) (x / log(u)); x itself where u rounds to 1,
/// -1 where u - 1 does, +inf where u is.
template <class Derived>
typename Derived::PlainObject expm1_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A x = x_expr;
    const A u = x.exp();
    const A um1 = u - S(1);
    const A ratio = um1 * (x / u.log());  // x / log(u) ~ 1: no overflow before the last step
    return (u == S(1)).select(x, (um1 == S(-1)).select(um1, (u == std::numeric_limits<S>::infinity()).select(u, ratio)));
}

/// The logistic function of u and of -u from one exponential and one logarithm:
/// with e = exp(-|u|), sigma(|u|) = 1 / (1 + e), sigma(-|u|) = e / (1 + e), and
/// log sigma(+-u) = min(+-u, 0) - log1p(e).
template <class Array>
struct logistic_pair {
    Array sigmoid, sigmoid_neg;          ///< sigma(u), sigma(-u)
    Array log_sigmoid, log_sigmoid_neg;  ///< log sigma(u), log sigma(-u)
};

template <class Derived>
logistic_pair<typename Derived::PlainObject> logistic_of(const Eigen::ArrayBase<Derived>& u_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A u = u_expr;
    const A e = (-u.abs()).exp();
    const A big = S(1) / (S(1) + e);  // sigma(|u|)
    const A small = e * big;          // sigma(-|u|)
    const A l = log1p_array(e);
    const auto positive = u >= S(0);
    return {positive.select(big, small), positive.select(small, big), u.min(S(0)) - l, (-u).min(S(0)) - l};
}

/// sigma(x) = 1 / (1 + e^-x), as e / (1 + e) with e = e^-|x| on the negative side.
template <class Derived>
typename Derived::PlainObject sigmoid_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A x = x_expr;
    const A e = (-x.abs()).exp();
    const A inv = S(1) / (S(1) + e);
    return (x >= S(0)).select(inv, e * inv);
}

/// sigma(x) sigma(-x) = e / (1 + e)^2 with e = e^-|x|: the slope of the logistic.
template <class Derived>
typename Derived::PlainObject sigmoid_slope_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A e = (-x_expr.abs()).exp();
    return e / (S(1) + e).square();
}

/// log sigma(x) = min(x, 0) - log1p(e^-|x|).
template <class Derived>
typename Derived::PlainObject log_sigmoid_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A x = x_expr;
    return x.min(S(0)) - log1p_array((-x.abs()).exp());
}

/// log(1 - e^x) for x <= 0 (Maechler 2012): log(-expm1(x)) above -ln 2, log1p(-e^x) below.
template <class Derived>
typename Derived::PlainObject log1mexp_array(const Eigen::ArrayBase<Derived>& x_expr) {
    using S = typename Derived::Scalar;
    using A = typename Derived::PlainObject;
    const A x = x_expr;
    return (x > -std::numbers::ln2_v<S>).select((-expm1_array(x)).log(), log1p_array(-x.exp()));
}

}  // namespace prefrl::detail

#endif  // PREFRL_DETAIL_ARRAY_MATH_HPP

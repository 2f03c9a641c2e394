#ifndef PREFRL_VALUE_RETURNS_HPP
#define PREFRL_VALUE_RETURNS_HPP

/// \file
/// Multi-step returns and advantages over a trajectory, with rlax's names and argument order
/// (rlax's convention): transition k goes from s_k to s_{k+1} with reward `r_t[k]`, discount
/// `discount_t[k] = gamma (1 - terminal)` and `v_t[k] = v(s_{k+1})`. A terminal transition's
/// zero discount cuts the return there, so episodes may be concatenated.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::detail {

template <std::floating_point T>
void check_trajectory(std::string_view fn, std::span<const T> r_t, std::span<const T> discount_t) {
    require_non_empty(fn, "r_t", r_t.size());
    require_same_size(fn, "discount_t", discount_t.size(), "r_t", r_t.size());
    for (std::size_t k = 0; k < r_t.size(); ++k) {
        require(std::isfinite(r_t[k]), fn, "r_t[", k, "] must be finite, got ", r_t[k]);
        require(discount_t[k] >= T(0) && discount_t[k] <= T(1), fn, "discount_t[", k, "] must be in [0, 1], got ",
                discount_t[k]);
    }
}

template <std::floating_point T>
void check_values(std::string_view fn, std::string_view name, std::span<const T> values, std::size_t size) {
    require(values.size() == size, fn, name, " has ", values.size(), " entries but must have ", size, " (r_t has ",
            name == "values" ? size - 1 : size, ")");
    for (std::size_t k = 0; k < values.size(); ++k)
        require(std::isfinite(values[k]), fn, name, "[", k, "] must be finite, got ", values[k]);
}



/// `value::lambda_returns`, its errors naming `fn`.
template <std::floating_point T>
vector<T> lambda_returns(std::string_view fn, std::span<const T> r_t, std::span<const T> discount_t, std::span<const T> v_t,
                         T lambda_) {
    detail::check_trajectory(fn, r_t, discount_t);
    detail::check_values(fn, "v_t", v_t, r_t.size());
    require(lambda_ >= T(0) && lambda_ <= T(1), fn, "lambda_ must be in [0, 1], got ", lambda_);
    const std::size_t n = r_t.size();
    vector<T> g(static_cast<Eigen::Index>(n));
    T next = v_t[n - 1];
    for (std::size_t k = n; k-- > 0;) {
        next = r_t[k] + discount_t[k] * ((T(1) - lambda_) * v_t[k] + lambda_ * next);
        g[static_cast<Eigen::Index>(k)] = next;
    }
    return g;
}

}  // namespace prefrl::detail

namespace prefrl::value {

/// **lambda-returns** (Sutton & Barto 2018, ch. 12; rlax `lambda_returns`), backwards:
///
///     G[T-1] = r[T-1] + g[T-1] v[T-1],   G[k] = r[k] + g[k] ((1 - lambda) v[k] + lambda G[k+1])
///
/// lambda = 1 is the Monte-Carlo return bootstrapped at the end, lambda = 0 the one-step target.
template <std::floating_point T>
vector<T> lambda_returns(std::span<const T> r_t, std::span<const T> discount_t, std::span<const T> v_t, T lambda_) {
    return detail::lambda_returns("prefrl::value::lambda_returns", r_t, discount_t, v_t, lambda_);
}

/// The same for any contiguous ranges (`std::vector`, `std::array`, `Eigen::VectorX`), the scalar
/// deduced: `lambda_returns(r, discounts, v, 0.9)`.
template <ScalarRange R, ScalarRange D, ScalarRange V>
    requires ScalarRangesOfOneType<R, D, V>
vector<range_scalar_t<R>> lambda_returns(const R& r_t, const D& discount_t, const V& v_t, double lambda_) {
    using T = range_scalar_t<R>;
    return lambda_returns<T>(as_span(r_t), as_span(discount_t), as_span(v_t), static_cast<T>(lambda_));
}

/// **Discounted returns** (rlax `discounted_returns`): `lambda_returns` with lambda = 1, so only
/// the last entry of `v_t` bootstraps (`G[k] = r[k] + g[k] G[k+1]`, `G[T-1] = r + g v_t[T-1]`).
template <std::floating_point T>
vector<T> discounted_returns(std::span<const T> r_t, std::span<const T> discount_t, std::span<const T> v_t) {
    return detail::lambda_returns("prefrl::value::discounted_returns", r_t, discount_t, v_t, T(1));
}

/// The same for any contiguous ranges, the scalar deduced.
template <ScalarRange R, ScalarRange D, ScalarRange V>
    requires ScalarRangesOfOneType<R, D, V>
vector<range_scalar_t<R>> discounted_returns(const R& r_t, const D& discount_t, const V& v_t) {
    return discounted_returns<range_scalar_t<R>>(as_span(r_t), as_span(discount_t), as_span(v_t));
}

/// **n-step bootstrapped returns** (rlax `n_step_bootstrapped_returns`): for each k, the
/// lambda-return of the window k .. e, e = min(k + n, T) - 1, bootstrapped from v_t[e]:
/// `acc = v[e]; for j = e down to k: acc = r[j] + g[j] ((1 - lambda) v[j] + lambda acc)`.
/// n = 1 gives the one-step target r + g v; n >= T gives `discounted_returns`.
template <std::floating_point T>
vector<T> n_step_bootstrapped_returns(std::span<const T> r_t, std::span<const T> discount_t, std::span<const T> v_t, int n,
                                      T lambda_t = T(1)) {
    constexpr auto fn = "prefrl::value::n_step_bootstrapped_returns";
    detail::check_trajectory(fn, r_t, discount_t);
    detail::check_values(fn, "v_t", v_t, r_t.size());
    require_positive(fn, "n", n);
    require(lambda_t >= T(0) && lambda_t <= T(1), fn, "lambda_t must be in [0, 1], got ", lambda_t);
    const std::size_t size = r_t.size();
    vector<T> g(static_cast<Eigen::Index>(size));
    for (std::size_t k = 0; k < size; ++k) {
        const std::size_t e = std::min(k + static_cast<std::size_t>(n), size) - 1;
        T acc = v_t[e];
        for (std::size_t j = e + 1; j-- > k;) acc = r_t[j] + discount_t[j] * ((T(1) - lambda_t) * v_t[j] + lambda_t * acc);
        g[static_cast<Eigen::Index>(k)] = acc;
    }
    return g;
}

/// The same for any contiguous ranges, the scalar deduced.
template <ScalarRange R, ScalarRange D, ScalarRange V>
    requires ScalarRangesOfOneType<R, D, V>
vector<range_scalar_t<R>> n_step_bootstrapped_returns(const R& r_t, const D& discount_t, const V& v_t, int n, double lambda_t = 1.0) {
    using T = range_scalar_t<R>;
    return n_step_bootstrapped_returns<T>(as_span(r_t), as_span(discount_t), as_span(v_t), n, static_cast<T>(lambda_t));
}

/// **Truncated generalized advantage estimation** (Schulman et al. 2016, "High-Dimensional
/// Continuous Control Using Generalized Advantage Estimation"; rlax
/// `truncated_generalized_advantage_estimation`), `values` = v(s_0) .. v(s_T) (one more than
/// r_t):
///
///     delta[k] = r[k] + g[k] values[k+1] - values[k],  A[T-1] = delta[T-1],  A[k] = delta[k] + g[k] lambda A[k+1]
///
/// It equals `lambda_returns(r, g, values[1:], lambda) - values[:-1]`.
template <std::floating_point T>
vector<T> truncated_generalized_advantage_estimation(std::span<const T> r_t, std::span<const T> discount_t, T lambda_,
                                                     std::span<const T> values) {
    constexpr auto fn = "prefrl::value::truncated_generalized_advantage_estimation";
    detail::check_trajectory(fn, r_t, discount_t);
    detail::check_values(fn, "values", values, r_t.size() + 1);
    require(lambda_ >= T(0) && lambda_ <= T(1), fn, "lambda_ must be in [0, 1], got ", lambda_);
    const std::size_t n = r_t.size();
    vector<T> advantage(static_cast<Eigen::Index>(n));
    T next = T(0);
    for (std::size_t k = n; k-- > 0;) {
        const T delta = r_t[k] + discount_t[k] * values[k + 1] - values[k];
        next = delta + (k + 1 < n ? discount_t[k] * lambda_ * next : T(0));
        advantage[static_cast<Eigen::Index>(k)] = next;
    }
    return advantage;
}

/// The same for any contiguous ranges, the scalar deduced.
template <ScalarRange R, ScalarRange D, ScalarRange V>
    requires ScalarRangesOfOneType<R, D, V>
vector<range_scalar_t<R>> truncated_generalized_advantage_estimation(const R& r_t, const D& discount_t, double lambda_, const V& values) {
    using T = range_scalar_t<R>;
    return truncated_generalized_advantage_estimation<T>(as_span(r_t), as_span(discount_t), static_cast<T>(lambda_), as_span(values));
}

}  // namespace prefrl::value

#endif  // PREFRL_VALUE_RETURNS_HPP

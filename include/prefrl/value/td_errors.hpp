#ifndef PREFRL_VALUE_TD_ERRORS_HPP
#define PREFRL_VALUE_TD_ERRORS_HPP

/// \file
/// One-transition TD errors, with rlax's names and argument order.
///
/// Time convention (rlax): `_tm1` is where the action was taken; `r_t` and
/// `discount_t = gamma (1 - terminal_t)` follow it. Each function returns the TD error, target
/// minus estimate; targets are treated as constants, so the semi-gradient of delta^2 / 2 with
/// respect to the estimate is -delta.

#include <cmath>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::detail {

inline void check_action(std::string_view fn, std::string_view name, index_t action, std::size_t actions) {
    require(action >= 0 && static_cast<std::size_t>(action) < actions, fn, name, " must be in [0, ", actions, "), got ", action);
}

template <std::floating_point T>
void check_finite_values(std::string_view fn, std::string_view name, std::span<const T> values) {
    require_non_empty(fn, name, values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        require(std::isfinite(values[i]), fn, name, "[", i, "] must be finite, got ", values[i]);
}

template <std::floating_point T>
void check_discount(std::string_view fn, std::string_view name, T discount) {
    require(discount >= T(0) && discount <= T(1), fn, name, " must be in [0, 1], got ", discount);
}

/// The first index of the maximum (numpy's argmax; rlax's tie rule).
template <std::floating_point T>
std::size_t first_argmax(std::span<const T> values) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < values.size(); ++i)
        if (values[i] > values[best]) best = i;
    return best;
}

}  // namespace prefrl::detail

namespace prefrl::value {

/// **TD(0) error** (Sutton 1988): `r_t + discount_t v_t - v_tm1` (rlax `td_learning`).
template <std::floating_point T>
T td_learning(T v_tm1, T r_t, T discount_t, T v_t) {
    constexpr auto fn = "prefrl::value::td_learning";
    require_finite(fn, "v_tm1", v_tm1);
    require_finite(fn, "r_t", r_t);
    require_finite(fn, "v_t", v_t);
    detail::check_discount(fn, "discount_t", discount_t);
    return r_t + discount_t * v_t - v_tm1;
}

/// **Q-learning** (Watkins 1989): `r_t + discount_t max_a q_t[a] - q_tm1[a_tm1]`.
template <std::floating_point T>
T q_learning(std::span<const T> q_tm1, index_t a_tm1, T r_t, T discount_t, std::span<const T> q_t) {
    constexpr auto fn = "prefrl::value::q_learning";
    detail::check_finite_values(fn, "q_tm1", q_tm1);
    detail::check_finite_values(fn, "q_t", q_t);
    detail::check_action(fn, "a_tm1", a_tm1, q_tm1.size());
    require_finite(fn, "r_t", r_t);
    detail::check_discount(fn, "discount_t", discount_t);
    return r_t + discount_t * q_t[detail::first_argmax(q_t)] - q_tm1[static_cast<std::size_t>(a_tm1)];
}

/// **Double Q-learning** (van Hasselt 2010): the action is selected by one estimate and
/// evaluated by the other, `r_t + discount_t q_t_value[argmax q_t_selector] - q_tm1[a_tm1]`
/// (argmax: the first index of the maximum).
template <std::floating_point T>
T double_q_learning(std::span<const T> q_tm1, index_t a_tm1, T r_t, T discount_t, std::span<const T> q_t_value,
                    std::span<const T> q_t_selector) {
    constexpr auto fn = "prefrl::value::double_q_learning";
    detail::check_finite_values(fn, "q_tm1", q_tm1);
    detail::check_finite_values(fn, "q_t_value", q_t_value);
    detail::check_finite_values(fn, "q_t_selector", q_t_selector);
    require_same_size(fn, "q_t_selector", q_t_selector.size(), "q_t_value", q_t_value.size());
    detail::check_action(fn, "a_tm1", a_tm1, q_tm1.size());
    require_finite(fn, "r_t", r_t);
    detail::check_discount(fn, "discount_t", discount_t);
    return r_t + discount_t * q_t_value[detail::first_argmax(q_t_selector)] - q_tm1[static_cast<std::size_t>(a_tm1)];
}

/// **SARSA** (Rummery & Niranjan 1994): `r_t + discount_t q_t[a_t] - q_tm1[a_tm1]`.
template <std::floating_point T>
T sarsa(std::span<const T> q_tm1, index_t a_tm1, T r_t, T discount_t, std::span<const T> q_t, index_t a_t) {
    constexpr auto fn = "prefrl::value::sarsa";
    detail::check_finite_values(fn, "q_tm1", q_tm1);
    detail::check_finite_values(fn, "q_t", q_t);
    detail::check_action(fn, "a_tm1", a_tm1, q_tm1.size());
    detail::check_action(fn, "a_t", a_t, q_t.size());
    require_finite(fn, "r_t", r_t);
    detail::check_discount(fn, "discount_t", discount_t);
    return r_t + discount_t * q_t[static_cast<std::size_t>(a_t)] - q_tm1[static_cast<std::size_t>(a_tm1)];
}

/// **Expected SARSA** (van Seijen et al. 2009): `r_t + discount_t sum_a probs_a_t[a] q_t[a] -
/// q_tm1[a_tm1]`; `probs_a_t` must be a probability vector (within 1e-6).
template <std::floating_point T>
T expected_sarsa(std::span<const T> q_tm1, index_t a_tm1, T r_t, T discount_t, std::span<const T> q_t,
                 std::span<const T> probs_a_t) {
    constexpr auto fn = "prefrl::value::expected_sarsa";
    detail::check_finite_values(fn, "q_tm1", q_tm1);
    detail::check_finite_values(fn, "q_t", q_t);
    require_same_size(fn, "probs_a_t", probs_a_t.size(), "q_t", q_t.size());
    detail::check_action(fn, "a_tm1", a_tm1, q_tm1.size());
    require_finite(fn, "r_t", r_t);
    detail::check_discount(fn, "discount_t", discount_t);
    double total = 0.0, expected = 0.0;
    for (std::size_t a = 0; a < probs_a_t.size(); ++a) {
        require(probs_a_t[a] >= T(0) && probs_a_t[a] <= T(1), fn, "probs_a_t[", a, "] must be a probability, got ", probs_a_t[a]);
        total += probs_a_t[a];
        expected += static_cast<double>(probs_a_t[a]) * static_cast<double>(q_t[a]);
    }
    require(std::abs(total - 1.0) <= 1e-6, fn, "probs_a_t must sum to 1, got ", total);
    return r_t + discount_t * static_cast<T>(expected) - q_tm1[static_cast<std::size_t>(a_tm1)];
}

// The same one-transition errors for any contiguous ranges of action values (`std::vector`,
// `Eigen::VectorX`), the scalar deduced from them: `q_learning(q_tm1, a, 1.0, 0.9, q_t)`.

template <ScalarRange Q, ScalarRange Q2>
    requires ScalarRangesOfOneType<Q, Q2>
range_scalar_t<Q> q_learning(const Q& q_tm1, index_t a_tm1, std::type_identity_t<range_scalar_t<Q>> r_t,
                             std::type_identity_t<range_scalar_t<Q>> discount_t, const Q2& q_t) {
    return q_learning<range_scalar_t<Q>>(as_span(q_tm1), a_tm1, r_t, discount_t, as_span(q_t));
}

template <ScalarRange Q, ScalarRange Q2, ScalarRange Q3>
    requires ScalarRangesOfOneType<Q, Q2, Q3>
range_scalar_t<Q> double_q_learning(const Q& q_tm1, index_t a_tm1, std::type_identity_t<range_scalar_t<Q>> r_t,
                                    std::type_identity_t<range_scalar_t<Q>> discount_t, const Q2& q_t_value, const Q3& q_t_selector) {
    return double_q_learning<range_scalar_t<Q>>(as_span(q_tm1), a_tm1, r_t, discount_t, as_span(q_t_value), as_span(q_t_selector));
}

template <ScalarRange Q, ScalarRange Q2>
    requires ScalarRangesOfOneType<Q, Q2>
range_scalar_t<Q> sarsa(const Q& q_tm1, index_t a_tm1, std::type_identity_t<range_scalar_t<Q>> r_t,
                        std::type_identity_t<range_scalar_t<Q>> discount_t, const Q2& q_t, index_t a_t) {
    return sarsa<range_scalar_t<Q>>(as_span(q_tm1), a_tm1, r_t, discount_t, as_span(q_t), a_t);
}

template <ScalarRange Q, ScalarRange Q2, ScalarRange P>
    requires ScalarRangesOfOneType<Q, Q2, P>
range_scalar_t<Q> expected_sarsa(const Q& q_tm1, index_t a_tm1, std::type_identity_t<range_scalar_t<Q>> r_t,
                                 std::type_identity_t<range_scalar_t<Q>> discount_t, const Q2& q_t, const P& probs_a_t) {
    return expected_sarsa<range_scalar_t<Q>>(as_span(q_tm1), a_tm1, r_t, discount_t, as_span(q_t), as_span(probs_a_t));
}

}  // namespace prefrl::value

// Batched forms: the same TD errors over a batch of B transitions, action values as `[B, A]`
// row-major matrices, actions, rewards and discounts as spans of B; one TD error per transition.

namespace prefrl::detail {

template <std::floating_point T>
std::span<const T> row_span(const_matrix_ref<T> m, Eigen::Index row) {
    return {m.data() + row * m.outerStride(), static_cast<std::size_t>(m.cols())};
}

/// The one engine of the batched TD errors: checks that the batch is non-empty and that `r_t`,
/// `discount_t` and every named input have one entry (or row) per transition, then applies the
/// one-transition error `error(b)` to each transition b.
template <std::floating_point T, class Error>
vector<T> map_transitions(std::string_view fn, std::size_t batch, std::span<const T> r_t, std::span<const T> discount_t,
                          std::initializer_list<std::pair<std::string_view, std::size_t>> inputs, Error&& error) {
    require_non_empty(fn, "the batch", batch);
    require_same_size(fn, "r_t", r_t.size(), "the batch", batch);
    require_same_size(fn, "discount_t", discount_t.size(), "the batch", batch);
    for (const auto& [name, size] : inputs) require_same_size(fn, name, size, "the batch", batch);
    vector<T> out(static_cast<Eigen::Index>(batch));
    for (std::size_t b = 0; b < batch; ++b) out[static_cast<Eigen::Index>(b)] = error(b);
    return out;
}

template <std::floating_point T>
std::size_t rows_of(const_matrix_ref<T> m) {
    return static_cast<std::size_t>(m.rows());
}

}  // namespace prefrl::detail

namespace prefrl::value {

template <std::floating_point T>
vector<T> td_learning(std::span<const T> v_tm1, std::span<const T> r_t, std::span<const T> discount_t, std::span<const T> v_t) {
    return detail::map_transitions<T>("prefrl::value::td_learning", v_tm1.size(), r_t, discount_t, {{"v_t", v_t.size()}},
                                      [&](std::size_t b) { return td_learning<T>(v_tm1[b], r_t[b], discount_t[b], v_t[b]); });
}

/// The batched TD(0) errors for any contiguous ranges of one scalar type, the scalar deduced.
template <ScalarRange V, ScalarRange R, ScalarRange D, ScalarRange V2>
    requires ScalarRangesOfOneType<V, R, D, V2>
vector<range_scalar_t<V>> td_learning(const V& v_tm1, const R& r_t, const D& discount_t, const V2& v_t) {
    return td_learning<range_scalar_t<V>>(as_span(v_tm1), as_span(r_t), as_span(discount_t), as_span(v_t));
}

template <std::floating_point T>
vector<T> q_learning(const_matrix_ref<T> q_tm1, std::span<const index_t> a_tm1, std::span<const T> r_t, std::span<const T> discount_t,
                     const_matrix_ref<T> q_t) {
    using detail::row_span;
    return detail::map_transitions<T>(
        "prefrl::value::q_learning", detail::rows_of<T>(q_tm1), r_t, discount_t,
        {{"a_tm1", a_tm1.size()}, {"q_t's rows", detail::rows_of<T>(q_t)}}, [&](std::size_t b) {
            const auto i = static_cast<Eigen::Index>(b);
            return q_learning<T>(row_span<T>(q_tm1, i), a_tm1[b], r_t[b], discount_t[b], row_span<T>(q_t, i));
        });
}

template <std::floating_point T>
vector<T> double_q_learning(const_matrix_ref<T> q_tm1, std::span<const index_t> a_tm1, std::span<const T> r_t,
                            std::span<const T> discount_t, const_matrix_ref<T> q_t_value, const_matrix_ref<T> q_t_selector) {
    using detail::row_span;
    return detail::map_transitions<T>(
        "prefrl::value::double_q_learning", detail::rows_of<T>(q_tm1), r_t, discount_t,
        {{"a_tm1", a_tm1.size()}, {"q_t_value's rows", detail::rows_of<T>(q_t_value)},
         {"q_t_selector's rows", detail::rows_of<T>(q_t_selector)}},
        [&](std::size_t b) {
            const auto i = static_cast<Eigen::Index>(b);
            return double_q_learning<T>(row_span<T>(q_tm1, i), a_tm1[b], r_t[b], discount_t[b], row_span<T>(q_t_value, i),
                                        row_span<T>(q_t_selector, i));
        });
}

template <std::floating_point T>
vector<T> sarsa(const_matrix_ref<T> q_tm1, std::span<const index_t> a_tm1, std::span<const T> r_t, std::span<const T> discount_t,
                const_matrix_ref<T> q_t, std::span<const index_t> a_t) {
    using detail::row_span;
    return detail::map_transitions<T>(
        "prefrl::value::sarsa", detail::rows_of<T>(q_tm1), r_t, discount_t,
        {{"a_tm1", a_tm1.size()}, {"a_t", a_t.size()}, {"q_t's rows", detail::rows_of<T>(q_t)}}, [&](std::size_t b) {
            const auto i = static_cast<Eigen::Index>(b);
            return sarsa<T>(row_span<T>(q_tm1, i), a_tm1[b], r_t[b], discount_t[b], row_span<T>(q_t, i), a_t[b]);
        });
}

template <std::floating_point T>
vector<T> expected_sarsa(const_matrix_ref<T> q_tm1, std::span<const index_t> a_tm1, std::span<const T> r_t, std::span<const T> discount_t,
                         const_matrix_ref<T> q_t, const_matrix_ref<T> probs_a_t) {
    using detail::row_span;
    return detail::map_transitions<T>(
        "prefrl::value::expected_sarsa", detail::rows_of<T>(q_tm1), r_t, discount_t,
        {{"a_tm1", a_tm1.size()}, {"q_t's rows", detail::rows_of<T>(q_t)}, {"probs_a_t's rows", detail::rows_of<T>(probs_a_t)}},
        [&](std::size_t b) {
            const auto i = static_cast<Eigen::Index>(b);
            return expected_sarsa<T>(row_span<T>(q_tm1, i), a_tm1[b], r_t[b], discount_t[b], row_span<T>(q_t, i),
                                     row_span<T>(probs_a_t, i));
        });
}

}  // namespace prefrl::value

#endif  // PREFRL_VALUE_TD_ERRORS_HPP

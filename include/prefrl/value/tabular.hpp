#ifndef PREFRL_VALUE_TABULAR_HPP
#define PREFRL_VALUE_TABULAR_HPP

/// \file
/// Tabular and linear value estimates, models of `ValueFunction` / `ActionValueFunction`.

#include <cmath>
#include <concepts>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::value {

/// **Tabular V**: one value per state; `update(s, target, alpha)` is v(s) += alpha (target - v(s)).
template <std::floating_point T = double>
struct tabular_v {
    using state_type = index_t;
    using scalar_type = T;
    vector<T> values;

    explicit tabular_v(index_t states, T initial = T(0)) : values(vector<T>::Constant(checked(states, initial), initial)) {}

    T value(index_t s) const { return values[check("prefrl::value::tabular_v::value", s)]; }
    void update(index_t s, T target, T alpha) {
        constexpr auto fn = "prefrl::value::tabular_v::update";
        require_finite(fn, "target", target);
        require_finite(fn, "alpha", alpha);
        const Eigen::Index i = check(fn, s);  // before the right-hand side, which is evaluated first
        values[i] += alpha * (target - values[i]);
    }

private:
    static Eigen::Index checked(index_t states, T initial) {
        require_positive("prefrl::value::tabular_v", "states", states);
        require_finite("prefrl::value::tabular_v", "initial", initial);
        return static_cast<Eigen::Index>(states);
    }
    Eigen::Index check(std::string_view fn, index_t s) const {
        require(s >= 0 && s < values.size(), fn, "state must be in [0, ", values.size(), "), got ", s);
        return static_cast<Eigen::Index>(s);
    }
};

/// **Tabular Q**: a `[states, actions]` table; `update(s, a, target, alpha)` is
/// Q(s, a) += alpha (target - Q(s, a)). `row(s)` is the span of Q(s, .) the TD functions take.
template <std::floating_point T = double>
struct tabular_q {
    using state_type = index_t;
    using action_type = index_t;
    using scalar_type = T;
    row_matrix<T> values;

    tabular_q(index_t states, index_t actions, T initial = T(0)) {
        require_positive("prefrl::value::tabular_q", "states", states);
        require_positive("prefrl::value::tabular_q", "actions", actions);
        require_finite("prefrl::value::tabular_q", "initial", initial);
        values = row_matrix<T>::Constant(states, actions, initial);
    }

    T value(index_t s, index_t a) const {
        check("prefrl::value::tabular_q::value", s, a);
        return values(s, a);
    }
    void update(index_t s, index_t a, T target, T alpha) {
        constexpr auto fn = "prefrl::value::tabular_q::update";
        check(fn, s, a);
        require_finite(fn, "target", target);
        require_finite(fn, "alpha", alpha);
        values(s, a) += alpha * (target - values(s, a));
    }
    std::span<const T> row(index_t s) const {
        check("prefrl::value::tabular_q::row", s, 0);
        return {values.data() + s * values.cols(), static_cast<std::size_t>(values.cols())};
    }
    index_t states() const { return values.rows(); }
    index_t actions() const { return values.cols(); }

private:
    void check(std::string_view fn, index_t s, index_t a) const {
        require(s >= 0 && s < values.rows(), fn, "state must be in [0, ", values.rows(), "), got ", s);
        require(a >= 0 && a < values.cols(), fn, "action must be in [0, ", values.cols(), "), got ", a);
    }
};

/// **Linear V** over features, v(x) = w^T x; `update(x, target, alpha)` is the semi-gradient
/// step w += alpha (target - w^T x) x.
template <std::floating_point T = double>
struct linear_v {
    using state_type = vector<T>;
    using scalar_type = T;
    vector<T> weights;

    T value(const vector<T>& x) const {
        require_same_size("prefrl::value::linear_v", "features", static_cast<std::size_t>(x.size()), "weights",
                          static_cast<std::size_t>(weights.size()));
        return weights.dot(x);
    }
    void update(const vector<T>& x, T target, T alpha) {
        constexpr auto fn = "prefrl::value::linear_v::update";
        require_finite(fn, "target", target);
        require_finite(fn, "alpha", alpha);
        require_same_size(fn, "features", static_cast<std::size_t>(x.size()), "weights", static_cast<std::size_t>(weights.size()));
        require(x.allFinite(), fn, "features must be finite");
        weights += (alpha * (target - weights.dot(x))) * x;
    }
};

/// **Linear Q** with one weight row per action, Q(x, a) = W[a, :] x.
template <std::floating_point T = double>
struct linear_q {
    using state_type = vector<T>;
    using action_type = index_t;
    using scalar_type = T;
    row_matrix<T> weights;  ///< [actions, features]

    T value(const vector<T>& x, index_t a) const {
        constexpr auto fn = "prefrl::value::linear_q";
        require_same_size(fn, "features", static_cast<std::size_t>(x.size()), "weights' columns", static_cast<std::size_t>(weights.cols()));
        require(a >= 0 && a < weights.rows(), fn, "action must be in [0, ", weights.rows(), "), got ", a);
        return weights.row(a).dot(x);
    }
    void update(const vector<T>& x, index_t a, T target, T alpha) {
        constexpr auto fn = "prefrl::value::linear_q::update";
        require_finite(fn, "target", target);
        require_finite(fn, "alpha", alpha);
        require_same_size(fn, "features", static_cast<std::size_t>(x.size()), "weights' columns", static_cast<std::size_t>(weights.cols()));
        require(a >= 0 && a < weights.rows(), fn, "action must be in [0, ", weights.rows(), "), got ", a);
        require(x.allFinite(), fn, "features must be finite");
        const T error = target - weights.row(a).dot(x);
        weights.row(a) += (alpha * error) * x.transpose();
    }
};

}  // namespace prefrl::value

#endif  // PREFRL_VALUE_TABULAR_HPP

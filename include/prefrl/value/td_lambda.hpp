#ifndef PREFRL_VALUE_TD_LAMBDA_HPP
#define PREFRL_VALUE_TD_LAMBDA_HPP

/// \file
/// TD(lambda) with eligibility traces for a linear value function (Sutton & Barto 2018, ch. 12).

#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::value {

/// How the trace takes in the current features.
enum class trace_kind {
    accumulating,  ///< z <- g_prev lambda z + x(s)
    replacing,     ///< z <- g_prev lambda z, then z_i = 1 where x_i(s) = 1 (binary features)
};

/// **TD(lambda)**, online, with an eligibility trace (Sutton 1988; Sutton & Barto 2018,
/// ch. 12), for `v(s) = w^T x(s)`. Each `step` takes one transition (x(s_k), r_k, g_k,
/// x(s_{k+1})) with g_k = gamma (1 - terminal):
///
///     z <- g_{k-1} lambda z + x(s_k)          (g_{k-1} = 0 at the start: a terminal resets z)
///     delta = r_k + g_k w^T x(s_{k+1}) - w^T x(s_k),   w <- w + alpha delta z
///
/// With w frozen over a window, sum_k delta_k z_k equals sum_k (G_k - v(s_k)) x(s_k), G the
/// lambda-returns (`lambda_returns`); the tests check it. Sarsa(lambda): pass x(s, a).
template <std::floating_point T>
struct td_lambda {
    double lambda_ = 0.9;  ///< the trace decay, in [0, 1] (`lambda_` as in every prefrl component: OBP's spelling)
    trace_kind trace = trace_kind::accumulating;
    vector<T> z = {};            ///< the eligibility trace (sized on the first step)
    T previous_discount = T(0);  ///< g_{k-1}; 0 starts a new trace

    /// One update of `w`; returns the TD error delta.
    T step(vector<T>& w, std::span<const T> x_tm1, T r_t, T discount_t, std::span<const T> x_t, T alpha) {
        constexpr auto fn = "prefrl::value::td_lambda::step";
        require(lambda_ >= 0.0 && lambda_ <= 1.0, fn, "lambda_ must be in [0, 1], got ", lambda_);
        require_non_empty(fn, "x_tm1", x_tm1.size());
        require_same_size(fn, "x_tm1", x_tm1.size(), "w", static_cast<std::size_t>(w.size()));
        require_same_size(fn, "x_t", x_t.size(), "w", static_cast<std::size_t>(w.size()));
        require_finite(fn, "r_t", r_t);
        require(discount_t >= T(0) && discount_t <= T(1), fn, "discount_t must be in [0, 1], got ", discount_t);
        require_non_negative(fn, "alpha", alpha);
        for (std::size_t i = 0; i < x_tm1.size(); ++i) {
            require(std::isfinite(x_tm1[i]), fn, "x_tm1[", i, "] must be finite, got ", x_tm1[i]);
            require(std::isfinite(x_t[i]), fn, "x_t[", i, "] must be finite, got ", x_t[i]);
        }
        if (z.size() != w.size()) {
            z = vector<T>::Zero(w.size());
            previous_discount = T(0);
        }
        const auto x = as_eigen(x_tm1), next = as_eigen(x_t);
        z *= previous_discount * static_cast<T>(lambda_);
        if (trace == trace_kind::accumulating) {
            z += x;
        } else {
            for (Eigen::Index i = 0; i < z.size(); ++i) {
                require(x[i] == T(0) || x[i] == T(1), fn, "replacing traces need binary features, x_tm1[", i, "] = ", x[i]);
                if (x[i] == T(1)) z[i] = T(1);
            }
        }
        const T delta = r_t + discount_t * w.dot(next) - w.dot(x);
        w += (alpha * delta) * z;
        previous_discount = discount_t;
        return delta;
    }

    /// Starts a new trace (a new episode).
    void reset() {
        z.setZero();
        previous_discount = T(0);
    }
};

}  // namespace prefrl::value

#endif  // PREFRL_VALUE_TD_LAMBDA_HPP

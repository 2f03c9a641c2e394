#ifndef PREFRL_OFFLINE_TD3_BC_HPP
#define PREFRL_OFFLINE_TD3_BC_HPP

/// \file
/// TD3+BC's actor loss.

#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::offline {

/// TD3+BC's actor loss and its gradients.
template <std::floating_point T>
struct td3_bc_result {
    T value{};
    row_matrix<T> d_policy_action;  ///< [batch, action dims]
    vector<T> d_q;                  ///< d value / d Q(s, pi(s)), lambda held constant
};

/// **TD3+BC** — Fujimoto & Gu 2021, "A Minimalist Approach to Offline Reinforcement Learning"
/// (CORL's `td3_bc.py`): with lambda = alpha / sg(mean |Q(s, pi(s))|),
///
///     L = -lambda mean Q(s, pi(s)) + mean_{batch, dims} (pi(s) - a)^2
///     dL/d pi = 2 (pi(s) - a) / (B d),   dL/dQ_i = -lambda / B
///
/// `q` holds Q(s_i, pi(s_i)); chain `d_q` through the critic to the actor. alpha >= 0 (2.5).
struct td3_bc {
    double alpha = 2.5;

    template <std::floating_point T>
    td3_bc_result<T> operator()(const_matrix_ref<T> policy_action, const_matrix_ref<T> data_action, std::span<const T> q) const {
        constexpr auto fn = "prefrl::offline::td3_bc";
        require_non_negative(fn, "alpha", alpha);
        const Eigen::Index batch = policy_action.rows(), dims = policy_action.cols();
        require_non_empty(fn, "policy_action", static_cast<std::size_t>(batch));
        require(dims >= 1, fn, "actions need at least one dimension");
        require(data_action.rows() == batch && data_action.cols() == dims, fn, "data_action is [", data_action.rows(), ", ",
                data_action.cols(), "] but policy_action is [", batch, ", ", dims, "]");
        require_same_size(fn, "q", q.size(), "the batch", static_cast<std::size_t>(batch));
        double scale = 0.0;
        for (std::size_t i = 0; i < q.size(); ++i) {
            require(std::isfinite(q[i]), fn, "q[", i, "] must be finite, got ", q[i]);
            scale += std::abs(static_cast<double>(q[i]));
        }
        scale /= static_cast<double>(batch);
        require(scale > 0.0, fn, "mean |q| is 0: lambda = alpha / mean |q| is undefined");
        const double lambda = alpha / scale;
        td3_bc_result<T> out{T(0), row_matrix<T>(batch, dims), vector<T>(batch)};
        double q_mean = 0.0, bc = 0.0;
        for (Eigen::Index i = 0; i < batch; ++i) {
            q_mean += static_cast<double>(q[static_cast<std::size_t>(i)]);
            out.d_q[i] = static_cast<T>(-lambda / static_cast<double>(batch));
            for (Eigen::Index k = 0; k < dims; ++k) {
                const double diff = static_cast<double>(policy_action(i, k)) - static_cast<double>(data_action(i, k));
                require(std::isfinite(diff), fn, "policy_action(", i, ", ", k, ") and data_action must be finite");
                bc += diff * diff;
                out.d_policy_action(i, k) = static_cast<T>(2.0 * diff / static_cast<double>(batch * dims));
            }
        }
        out.value = static_cast<T>(-lambda * q_mean / static_cast<double>(batch) + bc / static_cast<double>(batch * dims));
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_TD3_BC_HPP

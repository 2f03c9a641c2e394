#ifndef PREFRL_OFFLINE_TD3_BC_HPP
#define PREFRL_OFFLINE_TD3_BC_HPP

/// \file
/// TD3+BC's actor loss.

#include <cmath>
#include <concepts>
#include <span>
#include <string_view>
#include <utility>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

namespace prefrl::detail {

/// TD3+BC's scale of the Q term (shared with A2PR): `lambda = alpha / mean |q|` and `mean q`,
/// in double; throws when mean |q| is 0 (`name` is the argument holding Q(s, pi(s))).
template <std::floating_point T>
std::pair<double, double> td3_bc_lambda(std::string_view fn, std::string_view name, double alpha, std::span<const T> q) {
    double scale = 0.0, sum = 0.0;
    for (const T x : q) {
        scale += std::abs(static_cast<double>(x));
        sum += static_cast<double>(x);
    }
    const double count = static_cast<double>(q.size());
    require(scale > 0.0, fn, "mean |", name, "| is 0: lambda = alpha / mean |", name, "| is undefined");
    return {alpha * count / scale, sum / count};
}

}  // namespace prefrl::detail

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

    /// The same for any Eigen matrices (`row_matrix<double>`, `Map`s) and any contiguous q,
    /// the scalar deduced from the policy actions.
    template <class Derived, class DerivedData>
        requires std::floating_point<typename Derived::Scalar> &&
                 std::same_as<typename Derived::Scalar, typename DerivedData::Scalar>
    auto operator()(const Eigen::MatrixBase<Derived>& policy_action, const Eigen::MatrixBase<DerivedData>& data_action,
                    std::span<const typename Derived::Scalar> q) const {
        using T = typename Derived::Scalar;
        return operator()<T>(const_matrix_ref<T>(policy_action.derived()), const_matrix_ref<T>(data_action.derived()), q);
    }

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
        detail::require_all_finite<T>(fn, "q", q);
        detail::require_all_finite<T>(fn, "policy_action", policy_action);
        detail::require_all_finite<T>(fn, "data_action", data_action);
        const auto [lambda, q_mean] = detail::td3_bc_lambda<T>(fn, "q", alpha, q);
        const double cells = static_cast<double>(batch * dims);
        td3_bc_result<T> out{T(0), row_matrix<T>(batch, dims), vector<T>::Constant(batch, static_cast<T>(-lambda / static_cast<double>(batch)))};
        const T grad_scale = static_cast<T>(2.0 / cells);
        double bc = 0.0;
        for (Eigen::Index i = 0; i < batch; ++i) {
            const T* pi = policy_action.row(i).data();
            const T* a = data_action.row(i).data();
            T* d = &out.d_policy_action(i, 0);
            T row = T(0);
            for (Eigen::Index k = 0; k < dims; ++k) {
                const T diff = pi[k] - a[k];
                row += diff * diff;
                d[k] = grad_scale * diff;
            }
            bc += static_cast<double>(row);
        }
        out.value = static_cast<T>(-lambda * q_mean + bc / cells);
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_TD3_BC_HPP

#ifndef PREFRL_OFFLINE_CQL_HPP
#define PREFRL_OFFLINE_CQL_HPP

/// \file
/// CQL's conservative penalty for discrete actions.

#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

namespace prefrl::offline {

/// CQL's penalty and its gradient with respect to every Q(s, a) of the batch.
template <std::floating_point T>
struct cql_result {
    T value{};
    row_matrix<T> d_q;  ///< [batch, actions]
};

/// **Conservative Q-learning, discrete** — Kumar et al. 2020, "Conservative Q-Learning for
/// Offline Reinforcement Learning" (CQL(H); d3rlpy's DiscreteCQL): added to the TD loss,
///
///     L = alpha mean_i [ logsumexp_a Q(s_i, a) - Q(s_i, a_i) ],   dL/dQ(s_i, .) = alpha (softmax(Q(s_i, .)) - onehot(a_i)) / B
///
/// pushing down the Q values of actions the data does not take. alpha >= 0 (default 1).
struct cql {
    double alpha = 1.0;

    /// The same for any Eigen matrix (a `row_matrix<double>`, a `Map`), the scalar deduced.
    template <class Derived>
        requires std::floating_point<typename Derived::Scalar>
    auto operator()(const Eigen::MatrixBase<Derived>& q, std::span<const index_t> actions) const {
        using T = typename Derived::Scalar;
        return operator()<T>(const_matrix_ref<T>(q.derived()), actions);
    }

    template <std::floating_point T>
    cql_result<T> operator()(const_matrix_ref<T> q, std::span<const index_t> actions) const {
        constexpr auto fn = "prefrl::offline::cql";
        require_non_negative(fn, "alpha", alpha);
        require_non_empty(fn, "q", static_cast<std::size_t>(q.rows()));
        require(q.cols() >= 1, fn, "q needs at least one action column");
        require_same_size(fn, "actions", actions.size(), "q's rows", static_cast<std::size_t>(q.rows()));
        const Eigen::Index batch = q.rows();
        for (std::size_t i = 0; i < actions.size(); ++i)
            require(actions[i] >= 0 && actions[i] < q.cols(), fn, "actions[", i, "] must be in [0, ", q.cols(), "), got ", actions[i]);
        detail::require_all_finite<T>(fn, "q", q);
        cql_result<T> out{T(0), row_matrix<T>()};
        const T scale = static_cast<T>(alpha / static_cast<double>(batch));
        const vector<T> lse = detail::scaled_row_softmax<T>(batch, q.cols(), detail::copy_rows<T>(q), [scale](Eigen::Index, T) { return scale; }, out.d_q);
        double total = 0.0;
        for (Eigen::Index i = 0; i < batch; ++i) {
            const index_t a = actions[static_cast<std::size_t>(i)];
            total += static_cast<double>(lse[i]) - static_cast<double>(q(i, a));
            out.d_q(i, a) -= scale;
        }
        out.value = static_cast<T>(alpha * total / static_cast<double>(batch));
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_CQL_HPP

#ifndef PREFRL_OFFLINE_CQL_HPP
#define PREFRL_OFFLINE_CQL_HPP

/// \file
/// CQL's conservative penalty for discrete actions.

#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

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

    template <std::floating_point T>
    cql_result<T> operator()(const_matrix_ref<T> q, std::span<const index_t> actions) const {
        constexpr auto fn = "prefrl::offline::cql";
        require_non_negative(fn, "alpha", alpha);
        require_non_empty(fn, "q", static_cast<std::size_t>(q.rows()));
        require(q.cols() >= 1, fn, "q needs at least one action column");
        require_same_size(fn, "actions", actions.size(), "q's rows", static_cast<std::size_t>(q.rows()));
        const Eigen::Index batch = q.rows();
        cql_result<T> out{T(0), row_matrix<T>(batch, q.cols())};
        double total = 0.0;
        for (Eigen::Index i = 0; i < batch; ++i) {
            const index_t a = actions[static_cast<std::size_t>(i)];
            require(a >= 0 && a < q.cols(), fn, "actions[", i, "] must be in [0, ", q.cols(), "), got ", a);
            for (Eigen::Index k = 0; k < q.cols(); ++k) require(std::isfinite(q(i, k)), fn, "q(", i, ", ", k, ") must be finite, got ", q(i, k));
            const double top = static_cast<double>(q.row(i).maxCoeff());
            double sum = 0.0;
            for (Eigen::Index k = 0; k < q.cols(); ++k) sum += std::exp(static_cast<double>(q(i, k)) - top);
            const double lse = top + std::log(sum);
            total += lse - static_cast<double>(q(i, a));
            for (Eigen::Index k = 0; k < q.cols(); ++k)
                out.d_q(i, k) = static_cast<T>(alpha * (std::exp(static_cast<double>(q(i, k)) - lse) - (k == a ? 1.0 : 0.0)) / static_cast<double>(batch));
        }
        out.value = static_cast<T>(alpha * total / static_cast<double>(batch));
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_CQL_HPP

#ifndef PREFRL_OFFLINE_BEHAVIOR_CLONING_HPP
#define PREFRL_OFFLINE_BEHAVIOR_CLONING_HPP

/// \file
/// Behaviour cloning, plain and advantage-weighted, and the weight functions of the papers
/// that use it (IQL, XQL, AWAC, CRR, ODICE).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>

#include "prefrl/core/ranges.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

namespace prefrl::offline {

/// A behaviour-cloning loss from logits and its gradient.
template <std::floating_point T>
struct bc_logits_result {
    T value{};
    row_matrix<T> d_logits;  ///< [batch, actions]
};

/// **(Weighted) behaviour cloning, discrete**: `L = mean_i w_i (-log softmax(z_i)[a_i])`,
/// `dL/dz_i = w_i (softmax(z_i) - onehot(a_i)) / B`. Weights from the functions below give
/// the actor losses of IQL, AWAC, CRR, XQL, f-DVL and ODICE; empty `weights` is plain BC.
template <std::floating_point T>
bc_logits_result<T> weighted_bc(const_matrix_ref<T> logits, std::span<const index_t> actions, std::span<const T> weights = {}) {
    constexpr auto fn = "prefrl::offline::weighted_bc";
    const Eigen::Index batch = logits.rows();
    require_non_empty(fn, "logits", static_cast<std::size_t>(batch));
    require_same_size(fn, "actions", actions.size(), "logits' rows", static_cast<std::size_t>(batch));
    require(weights.empty() || weights.size() == actions.size(), fn, "weights has ", weights.size(), " entries but the batch has ", batch);
    for (std::size_t i = 0; i < actions.size(); ++i)
        require(actions[i] >= 0 && actions[i] < logits.cols(), fn, "actions[", i, "] must be in [0, ", logits.cols(), "), got ", actions[i]);
    detail::require_all_finite<T>(fn, "logits", logits);
    const auto w = Eigen::Map<const vector<T>>(weights.data(), static_cast<Eigen::Index>(weights.size()));
    if (!weights.empty() && !(w.allFinite() && w.minCoeff() >= T(0)))
        for (std::size_t i = 0; i < weights.size(); ++i)
            require(weights[i] >= T(0) && std::isfinite(weights[i]), fn, "weights[", i, "] must be >= 0, got ", weights[i]);
    bc_logits_result<T> out{T(0), row_matrix<T>()};
    const T scale = static_cast<T>(1.0 / static_cast<double>(batch));
    const auto row_scale = [&](Eigen::Index i, T) { return weights.empty() ? scale : scale * w[i]; };
    const vector<T> lse = detail::scaled_row_softmax<T>(batch, logits.cols(), detail::copy_rows<T>(logits), row_scale, out.d_logits);
    double total = 0.0;
    for (Eigen::Index i = 0; i < batch; ++i) {
        const index_t a = actions[static_cast<std::size_t>(i)];
        total += (weights.empty() ? 1.0 : static_cast<double>(w[i])) * (static_cast<double>(lse[i]) - static_cast<double>(logits(i, a)));
        out.d_logits(i, a) -= row_scale(i, lse[i]);
    }
    out.value = static_cast<T>(total / static_cast<double>(batch));
    return out;
}

/// A behaviour-cloning loss on continuous actions and its gradient.
template <std::floating_point T>
struct bc_mse_result {
    T value{};
    row_matrix<T> d_policy_action;  ///< [batch, action dims]
};

/// **Behaviour cloning, continuous** (the BC term of TD3+BC): `L = mean_{batch, dims} w_i
/// (pi(s_i) - a_i)^2`, `dL/d pi = 2 w_i (pi - a) / (B d)`; empty `weights` is plain BC.
template <std::floating_point T>
bc_mse_result<T> mse_bc(const_matrix_ref<T> policy_action, const_matrix_ref<T> data_action, std::span<const T> weights = {}) {
    constexpr auto fn = "prefrl::offline::mse_bc";
    const Eigen::Index batch = policy_action.rows(), dims = policy_action.cols();
    require_non_empty(fn, "policy_action", static_cast<std::size_t>(batch));
    require(data_action.rows() == batch && data_action.cols() == dims, fn, "data_action is [", data_action.rows(), ", ", data_action.cols(),
            "] but policy_action is [", batch, ", ", dims, "]");
    require(weights.empty() || static_cast<Eigen::Index>(weights.size()) == batch, fn, "weights has ", weights.size(),
            " entries but the batch has ", batch);
    bc_mse_result<T> out{T(0), row_matrix<T>(batch, dims)};
    double total = 0.0;
    const double count = static_cast<double>(batch * dims);
    for (Eigen::Index i = 0; i < batch; ++i) {
        const double w = weights.empty() ? 1.0 : static_cast<double>(weights[static_cast<std::size_t>(i)]);
        require(w >= 0.0 && std::isfinite(w), fn, "weights[", i, "] must be >= 0, got ", w);
        for (Eigen::Index j = 0; j < dims; ++j) {
            const double diff = static_cast<double>(policy_action(i, j)) - static_cast<double>(data_action(i, j));
            require(std::isfinite(diff), fn, "policy_action(", i, ", ", j, ") and data_action must be finite");
            total += w * diff * diff;
            out.d_policy_action(i, j) = static_cast<T>(2.0 * w * diff / count);
        }
    }
    out.value = static_cast<T>(total / count);
    return out;
}

/// **Exponentiated-advantage weights** `min(exp(A / temperature), max_weight)`: IQL and XQL
/// (Kostrikov et al. 2022; Garg et al. 2023) with temperature 1/beta = 1/3, AWAC (Nair et al.
/// 2020) with lambda = 1, both clipped at 100; CRR's exponential weights (Wang et al. 2020)
/// with beta = 1, clipped at 20.
template <std::floating_point T>
vector<T> exponential_advantage_weights(std::span<const T> advantages, double temperature, double max_weight = 100.0) {
    constexpr auto fn = "prefrl::offline::exponential_advantage_weights";
    require_positive(fn, "temperature", temperature);
    require_positive(fn, "max_weight", max_weight);
    const auto a = Eigen::Map<const vector<T>>(advantages.data(), static_cast<Eigen::Index>(advantages.size())).array();
    if (a.isNaN().any())
        for (std::size_t i = 0; i < advantages.size(); ++i) require(!std::isnan(advantages[i]), fn, "advantages[", i, "] is NaN");
    // exp in T, clipped at max_weight (also where exp overflows to +inf)
    vector<T> w = (a * static_cast<T>(1.0 / temperature)).exp().min(static_cast<T>(max_weight)).matrix();
    return w;
}

/// The same for any contiguous range (`std::vector`, `Eigen::VectorX`), the scalar deduced.
template <ScalarRange R>
vector<range_scalar_t<R>> exponential_advantage_weights(const R& advantages, double temperature, double max_weight = 100.0) {
    return exponential_advantage_weights<range_scalar_t<R>>(as_span(advantages), temperature, max_weight);
}

/// **CRR's binary weights** `1[A > 0]` (Wang et al. 2020, "Critic Regularized Regression").
template <std::floating_point T>
vector<T> binary_advantage_weights(std::span<const T> advantages) {
    vector<T> w(static_cast<Eigen::Index>(advantages.size()));
    for (std::size_t i = 0; i < advantages.size(); ++i) {
        require(!std::isnan(advantages[i]), "prefrl::offline::binary_advantage_weights", "advantages[", i, "] is NaN");
        w[static_cast<Eigen::Index>(i)] = advantages[i] > T(0) ? T(1) : T(0);
    }
    return w;
}

/// The same for any contiguous range, the scalar deduced.
template <ScalarRange R>
vector<range_scalar_t<R>> binary_advantage_weights(const R& advantages) {
    return binary_advantage_weights<range_scalar_t<R>>(as_span(advantages));
}

/// **d3rlpy's AWAC weights** `B softmax(A / lambda)` over the batch (they average to 1).
template <std::floating_point T>
vector<T> softmax_advantage_weights(std::span<const T> advantages, double lambda_ = 1.0) {
    constexpr auto fn = "prefrl::offline::softmax_advantage_weights";
    require_positive(fn, "lambda_", lambda_);
    require_non_empty(fn, "advantages", advantages.size());
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < advantages.size(); ++i) {
        require(std::isfinite(advantages[i]), fn, "advantages[", i, "] must be finite, got ", advantages[i]);
        top = std::max(top, static_cast<double>(advantages[i]) / lambda_);
    }
    double total = 0.0;
    vector<T> w(static_cast<Eigen::Index>(advantages.size()));
    for (std::size_t i = 0; i < advantages.size(); ++i) total += std::exp(static_cast<double>(advantages[i]) / lambda_ - top);
    for (std::size_t i = 0; i < advantages.size(); ++i)
        w[static_cast<Eigen::Index>(i)] = static_cast<T>(static_cast<double>(advantages.size()) * std::exp(static_cast<double>(advantages[i]) / lambda_ - top) / total);
    return w;
}

/// The same for any contiguous range, the scalar deduced.
template <ScalarRange R>
vector<range_scalar_t<R>> softmax_advantage_weights(const R& advantages, double lambda_ = 1.0) {
    return softmax_advantage_weights<range_scalar_t<R>>(as_span(advantages), lambda_);
}

/// **ODICE's actor weights** `min(max(delta_f, 0), max_weight)` of the forward residuals
/// (Mao et al. 2024), clipped at 100.
template <std::floating_point T>
vector<T> odice_weights(std::span<const T> delta_forward, double max_weight = 100.0) {
    require_positive("prefrl::offline::odice_weights", "max_weight", max_weight);
    vector<T> w(static_cast<Eigen::Index>(delta_forward.size()));
    for (std::size_t i = 0; i < delta_forward.size(); ++i) {
        require(!std::isnan(delta_forward[i]), "prefrl::offline::odice_weights", "delta_forward[", i, "] is NaN");
        w[static_cast<Eigen::Index>(i)] = static_cast<T>(std::clamp(static_cast<double>(delta_forward[i]), 0.0, max_weight));
    }
    return w;
}

/// The same for any contiguous range, the scalar deduced.
template <ScalarRange R>
vector<range_scalar_t<R>> odice_weights(const R& delta_forward, double max_weight = 100.0) {
    return odice_weights<range_scalar_t<R>>(as_span(delta_forward), max_weight);
}

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_BEHAVIOR_CLONING_HPP

#ifndef PREFRL_VALUE_POLICY_GRADIENT_HPP
#define PREFRL_VALUE_POLICY_GRADIENT_HPP

/// \file
/// Policy-gradient losses over T steps with their gradients (rlax `policy_gradients.py`):
/// REINFORCE, the entropy bonus and PPO's clipped surrogate.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::value {

/// A policy-gradient loss computed from logits: the mean over steps and its gradients.
template <std::floating_point T>
struct policy_loss_result {
    T value{};
    vector<T> d_log_prob;    ///< d value / d log pi(a_t | s_t) (REINFORCE; empty for the entropy)
    row_matrix<T> d_logits;  ///< d value / d z_t, [T, A]
};

}  // namespace prefrl::value

namespace prefrl::detail {

template <std::floating_point T>
void check_logits_and_actions(std::string_view fn, const_matrix_ref<T> logits, std::span<const index_t> actions) {
    require_non_empty(fn, "logits", static_cast<std::size_t>(logits.rows()));
    require(logits.cols() >= 1, fn, "logits must have at least one action column");
    require_same_size(fn, "actions", actions.size(), "logits' rows", static_cast<std::size_t>(logits.rows()));
    for (Eigen::Index t = 0; t < logits.rows(); ++t) {
        require(actions[static_cast<std::size_t>(t)] >= 0 && actions[static_cast<std::size_t>(t)] < logits.cols(), fn, "actions[",
                t, "] must be in [0, ", logits.cols(), "), got ", actions[static_cast<std::size_t>(t)]);
        for (Eigen::Index a = 0; a < logits.cols(); ++a)
            require(std::isfinite(logits(t, a)), fn, "logits(", t, ", ", a, ") must be finite, got ", logits(t, a));
    }
}

template <std::floating_point T>
void check_step_weights(std::string_view fn, std::string_view name, std::span<const T> values, std::size_t steps) {
    require_same_size(fn, name, values.size(), "the steps", steps);
    for (std::size_t t = 0; t < values.size(); ++t)
        require(std::isfinite(values[t]), fn, name, "[", t, "] must be finite, got ", values[t]);
}

/// Row-wise softmax probabilities and log-probabilities of logits.
template <std::floating_point T>
void softmax_rows(const_matrix_ref<T> logits, row_matrix<T>& probs, row_matrix<T>& log_probs) {
    probs.resize(logits.rows(), logits.cols());
    log_probs.resize(logits.rows(), logits.cols());
    for (Eigen::Index t = 0; t < logits.rows(); ++t) {
        const T top = logits.row(t).maxCoeff();
        const T lse = top + std::log((logits.row(t).array() - top).exp().sum());
        log_probs.row(t) = logits.row(t).array() - lse;
        probs.row(t) = log_probs.row(t).array().exp();
    }
}

}  // namespace prefrl::detail

namespace prefrl::value {

/// **REINFORCE** (Williams 1992; rlax `policy_gradient_loss`):
/// `L = -(1/T) sum_t w_t A_t log pi(a_t | s_t)`, pi = softmax(logits_t), the advantages A_t
/// (G_t, or G_t minus a baseline) and weights w_t treated as constants. Gradients:
/// `dL/d log pi_t = -w_t A_t / T`, `dL/dz_t = dL/d log pi_t (onehot(a_t) - pi_t)`.
template <std::floating_point T>
policy_loss_result<T> policy_gradient_loss(const_matrix_ref<T> logits_t, std::span<const index_t> a_t,
                                           std::span<const T> adv_t, std::span<const T> w_t) {
    constexpr auto fn = "prefrl::value::policy_gradient_loss";
    detail::check_logits_and_actions(fn, logits_t, a_t);
    const auto steps = static_cast<std::size_t>(logits_t.rows());
    detail::check_step_weights(fn, "adv_t", adv_t, steps);
    detail::check_step_weights(fn, "w_t", w_t, steps);
    row_matrix<T> probs, log_probs;
    detail::softmax_rows(logits_t, probs, log_probs);
    policy_loss_result<T> out{T(0), vector<T>(logits_t.rows()), row_matrix<T>(logits_t.rows(), logits_t.cols())};
    const T inv = T(1) / static_cast<T>(steps);
    double total = 0.0;
    for (Eigen::Index t = 0; t < logits_t.rows(); ++t) {
        const auto k = static_cast<std::size_t>(t);
        const auto a = static_cast<Eigen::Index>(a_t[k]);
        total -= static_cast<double>(w_t[k]) * adv_t[k] * log_probs(t, a);
        const T d = -w_t[k] * adv_t[k] * inv;
        out.d_log_prob[t] = d;
        out.d_logits.row(t) = -d * probs.row(t);
        out.d_logits(t, a) += d;
    }
    out.value = static_cast<T>(total / static_cast<double>(steps));
    return out;
}

/// **Entropy loss** (rlax `entropy_loss`): `L = -(1/T) sum_t w_t H(pi_t)`,
/// `H = -sum_a pi_a log pi_a`, with `dH/dz_a = -pi_a (log pi_a + H)`. Adding it with a positive
/// coefficient to a policy loss rewards exploration.
template <std::floating_point T>
policy_loss_result<T> entropy_loss(const_matrix_ref<T> logits_t, std::span<const T> w_t) {
    constexpr auto fn = "prefrl::value::entropy_loss";
    require_non_empty(fn, "logits_t", static_cast<std::size_t>(logits_t.rows()));
    require(logits_t.cols() >= 1, fn, "logits_t must have at least one action column, got ", logits_t.cols());
    const auto steps = static_cast<std::size_t>(logits_t.rows());
    detail::check_step_weights(fn, "w_t", w_t, steps);
    for (Eigen::Index t = 0; t < logits_t.rows(); ++t)
        for (Eigen::Index a = 0; a < logits_t.cols(); ++a)
            require(std::isfinite(logits_t(t, a)), fn, "logits_t(", t, ", ", a, ") must be finite, got ", logits_t(t, a));
    row_matrix<T> probs, log_probs;
    detail::softmax_rows(logits_t, probs, log_probs);
    policy_loss_result<T> out{T(0), vector<T>(), row_matrix<T>(logits_t.rows(), logits_t.cols())};
    const T inv = T(1) / static_cast<T>(steps);
    double total = 0.0;
    for (Eigen::Index t = 0; t < logits_t.rows(); ++t) {
        const T h = -(probs.row(t).array() * log_probs.row(t).array()).sum();
        total -= static_cast<double>(w_t[static_cast<std::size_t>(t)]) * h;
        // d(-w H / T)/dz_a = (w / T) pi_a (log pi_a + H)
        out.d_logits.row(t) = (w_t[static_cast<std::size_t>(t)] * inv) * probs.row(t).array() * (log_probs.row(t).array() + h);
    }
    out.value = static_cast<T>(total / static_cast<double>(steps));
    return out;
}

/// PPO's clipped-surrogate loss and its gradients.
template <std::floating_point T>
struct clipped_surrogate_result {
    T value{};
    vector<T> d_prob_ratios;  ///< d value / d rho_t
    vector<T> d_log_pi;       ///< d value / d log pi(a_t | s_t) = rho_t d value / d rho_t
};

/// **PPO's clipped surrogate** (Schulman et al. 2017, "Proximal Policy Optimization
/// Algorithms"; rlax `clipped_surrogate_pg_loss(prob_ratios_t, adv_t, epsilon)`), with
/// `rho_t = pi(a_t|s_t) / pi_old(a_t|s_t)`:
///
///     L = -(1/T) sum_t min(rho_t A_t, clip(rho_t, 1 - eps, 1 + eps) A_t)
///
/// `dL/d rho_t = -A_t / T` where the unclipped term counts — A_t >= 0 and rho_t < 1 + eps, or
/// A_t < 0 and rho_t > 1 - eps — else 0; `dL/d log pi_t = rho_t dL/d rho_t`.
template <std::floating_point T>
clipped_surrogate_result<T> clipped_surrogate_pg_loss(std::span<const T> prob_ratios_t, std::span<const T> adv_t,
                                                      double epsilon_ = 0.2) {
    constexpr auto fn = "prefrl::value::clipped_surrogate_pg_loss";
    require(epsilon_ > 0.0 && epsilon_ < 1.0, fn, "epsilon must be in (0, 1), got ", epsilon_);
    const T epsilon = static_cast<T>(epsilon_);
    require_non_empty(fn, "prob_ratios_t", prob_ratios_t.size());
    const std::size_t steps = prob_ratios_t.size();
    detail::check_step_weights(fn, "adv_t", adv_t, steps);
    for (std::size_t t = 0; t < steps; ++t)
        require(std::isfinite(prob_ratios_t[t]) && prob_ratios_t[t] >= T(0), fn, "prob_ratios_t[", t,
                "] must be a finite ratio >= 0, got ", prob_ratios_t[t]);
    clipped_surrogate_result<T> out{T(0), vector<T>(static_cast<Eigen::Index>(steps)), vector<T>(static_cast<Eigen::Index>(steps))};
    double total = 0.0;
    for (std::size_t t = 0; t < steps; ++t) {
        const T rho = prob_ratios_t[t], a = adv_t[t];
        total -= std::min(rho * a, std::clamp(rho, T(1) - epsilon, T(1) + epsilon) * a);
        const bool through = (a >= T(0) && rho < T(1) + epsilon) || (a < T(0) && rho > T(1) - epsilon);
        const T d = through ? -a / static_cast<T>(steps) : T(0);
        out.d_prob_ratios[static_cast<Eigen::Index>(t)] = d;
        out.d_log_pi[static_cast<Eigen::Index>(t)] = rho * d;
    }
    out.value = static_cast<T>(total / static_cast<double>(steps));
    return out;
}

/// The same for any contiguous ranges (`std::vector`, `Eigen::VectorX`), the scalar deduced:
/// `clipped_surrogate_pg_loss(ratios, advantages, 0.2)`.
template <ScalarRange R, ScalarRange A>
    requires ScalarRangesOfOneType<R, A>
clipped_surrogate_result<range_scalar_t<R>> clipped_surrogate_pg_loss(const R& prob_ratios_t, const A& adv_t, double epsilon = 0.2) {
    using T = range_scalar_t<R>;
    return clipped_surrogate_pg_loss<T>(as_span(prob_ratios_t), as_span(adv_t), epsilon);
}

}  // namespace prefrl::value

#endif  // PREFRL_VALUE_POLICY_GRADIENT_HPP

#ifndef PREFRL_POLICY_CATEGORICAL_HPP
#define PREFRL_POLICY_CATEGORICAL_HPP

/// \file
/// Categorical distributions from logits: probabilities, entropy and KL with their gradients,
/// shared by the discrete policies.

#include <cmath>
#include <concepts>
#include <limits>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::policy {

/// log softmax(z): z - logsumexp(z), stable for any finite logits.
template <std::floating_point T>
vector<T> log_softmax(const Eigen::Ref<const vector<T>>& logits) {
    require_non_empty("prefrl::policy::log_softmax", "logits", static_cast<std::size_t>(logits.size()));
    const T top = logits.maxCoeff();
    require(std::isfinite(top), "prefrl::policy::log_softmax", "logits must be finite, the largest is ", top);
    return logits.array() - (top + std::log((logits.array() - top).exp().sum()));
}

/// softmax(z).
template <std::floating_point T>
vector<T> softmax(const Eigen::Ref<const vector<T>>& logits) {
    return log_softmax<T>(logits).array().exp();
}

/// Entropy `H = -sum_a p_a log p_a` of a categorical given by its log-probabilities (0 log 0 = 0).
template <std::floating_point T>
T categorical_entropy(const Eigen::Ref<const vector<T>>& log_probs) {
    T h = T(0);
    for (Eigen::Index a = 0; a < log_probs.size(); ++a)
        if (log_probs[a] > -std::numeric_limits<T>::infinity()) h -= std::exp(log_probs[a]) * log_probs[a];
    return h;
}

/// `dH/dz_a = -p_a (log p_a + H)` for p = softmax(z).
template <std::floating_point T>
vector<T> categorical_entropy_gradient(const Eigen::Ref<const vector<T>>& logits) {
    const vector<T> lp = log_softmax<T>(logits);
    const T h = categorical_entropy<T>(lp);
    return -(lp.array().exp() * (lp.array() + h));
}

/// `KL(p || q) = sum_a p_a (log p_a - log q_a)` from log-probabilities (0 log 0 = 0; q_a = 0 < p_a
/// gives +inf).
template <std::floating_point T>
T categorical_kl(const Eigen::Ref<const vector<T>>& log_p, const Eigen::Ref<const vector<T>>& log_q) {
    require_same_size("prefrl::policy::categorical_kl", "log_q", static_cast<std::size_t>(log_q.size()), "log_p",
                      static_cast<std::size_t>(log_p.size()));
    T kl = T(0);
    for (Eigen::Index a = 0; a < log_p.size(); ++a) {
        if (log_p[a] == -std::numeric_limits<T>::infinity()) continue;
        if (log_q[a] == -std::numeric_limits<T>::infinity()) return std::numeric_limits<T>::infinity();
        kl += std::exp(log_p[a]) * (log_p[a] - log_q[a]);
    }
    return kl;
}

/// `d KL(softmax(z) || q) / dz_a = p_a (log p_a - log q_a - KL)`.
template <std::floating_point T>
vector<T> categorical_kl_gradient(const Eigen::Ref<const vector<T>>& logits, const Eigen::Ref<const vector<T>>& log_q) {
    const vector<T> lp = log_softmax<T>(logits);
    const T kl = categorical_kl<T>(lp, log_q);
    return lp.array().exp() * (lp.array() - log_q.array() - kl);
}

}  // namespace prefrl::policy

#endif  // PREFRL_POLICY_CATEGORICAL_HPP

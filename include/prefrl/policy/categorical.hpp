#ifndef PREFRL_POLICY_CATEGORICAL_HPP
#define PREFRL_POLICY_CATEGORICAL_HPP

/// \file
/// Categorical distributions from logits: probabilities, entropy and KL with their gradients,
/// shared by the discrete policies.

#include <cmath>
#include <concepts>
#include <algorithm>
#include <limits>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::policy {

}  // namespace prefrl::policy

namespace prefrl::detail {

/// Throws naming `fn` and `name[i]` unless every entry is finite or -inf (NaN and +inf refused).
template <std::floating_point T>
void require_finite_or_minus_inf(std::string_view fn, std::string_view name, const Eigen::Ref<const vector<T>>& x) {
    for (Eigen::Index a = 0; a < x.size(); ++a)
        require(!std::isnan(x[a]) && x[a] != std::numeric_limits<T>::infinity(), fn, name, "[", a, "] must be finite or -inf, got ", x[a]);
}

/// log softmax of `logits` for the public function `fn`: entries must be finite or -inf (an
/// action with probability 0), and at least one finite.
template <std::floating_point T>
vector<T> log_softmax_for(std::string_view fn, std::string_view name, const Eigen::Ref<const vector<T>>& logits) {
    require_non_empty(fn, name, static_cast<std::size_t>(logits.size()));
    require_finite_or_minus_inf<T>(fn, name, logits);
    const T top = logits.maxCoeff();
    require(std::isfinite(top), fn, name, " are all -inf: no action has a probability > 0");
    return logits.array() - (top + std::log((logits.array() - top).exp().sum()));
}

}  // namespace prefrl::detail

namespace prefrl::policy {

/// log softmax(z): z - logsumexp(z), stable for any finite logits; an entry of -inf is an action
/// of probability 0 (at least one entry must be finite; NaN and +inf are refused).
template <std::floating_point T>
vector<T> log_softmax(const Eigen::Ref<const vector<T>>& logits) {
    return detail::log_softmax_for<T>("prefrl::policy::log_softmax", "logits", logits);
}

/// softmax(z).
template <std::floating_point T>
vector<T> softmax(const Eigen::Ref<const vector<T>>& logits) {
    return log_softmax<T>(logits).array().exp();
}

/// Entropy `H = -sum_a p_a log p_a` of a categorical given by its log-probabilities (0 log 0 = 0).
template <std::floating_point T>
T categorical_entropy(const Eigen::Ref<const vector<T>>& log_probs) {
    constexpr auto fn = "prefrl::policy::categorical_entropy";
    require_non_empty(fn, "log_probs", static_cast<std::size_t>(log_probs.size()));
    detail::require_finite_or_minus_inf<T>(fn, "log_probs", log_probs);
    T h = T(0);
    for (Eigen::Index a = 0; a < log_probs.size(); ++a)
        if (log_probs[a] > -std::numeric_limits<T>::infinity()) h -= std::exp(log_probs[a]) * log_probs[a];
    return h;
}

/// `dH/dz_a = -p_a (log p_a + H)` for p = softmax(z).
template <std::floating_point T>
vector<T> categorical_entropy_gradient(const Eigen::Ref<const vector<T>>& logits) {
    const vector<T> lp = detail::log_softmax_for<T>("prefrl::policy::categorical_entropy_gradient", "logits", logits);
    const T h = categorical_entropy<T>(lp);
    return -(lp.array().exp() * (lp.array() + h));
}

/// `KL(p || q) = sum_a p_a (log p_a - log q_a)` from log-probabilities (0 log 0 = 0; q_a = 0 < p_a
/// gives +inf).
template <std::floating_point T>
T categorical_kl(const Eigen::Ref<const vector<T>>& log_p, const Eigen::Ref<const vector<T>>& log_q) {
    constexpr auto fn = "prefrl::policy::categorical_kl";
    require_same_size(fn, "log_q", static_cast<std::size_t>(log_q.size()), "log_p", static_cast<std::size_t>(log_p.size()));
    detail::require_finite_or_minus_inf<T>(fn, "log_p", log_p);
    detail::require_finite_or_minus_inf<T>(fn, "log_q", log_q);
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
    constexpr auto fn = "prefrl::policy::categorical_kl_gradient";
    require_same_size(fn, "log_q", static_cast<std::size_t>(log_q.size()), "logits", static_cast<std::size_t>(logits.size()));
    detail::require_finite_or_minus_inf<T>(fn, "log_q", log_q);
    const vector<T> lp = detail::log_softmax_for<T>(fn, "logits", logits);
    const T kl = categorical_kl<T>(lp, log_q);
    return lp.array().exp() * (lp.array() - log_q.array() - kl);
}

}  // namespace prefrl::policy

#endif  // PREFRL_POLICY_CATEGORICAL_HPP

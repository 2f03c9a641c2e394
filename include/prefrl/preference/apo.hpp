#ifndef PREFRL_PREFERENCE_APO_HPP
#define PREFRL_PREFERENCE_APO_HPP

/// \file
/// Anchored preference optimization: APO-zero and APO-down (TRL loss_type "apo_zero", "apo_down").

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::detail {
/// sigma'(z) = sigma(z) sigma(-z)
inline double sigmoid_slope(double z) { return sigmoid(z) * sigmoid(-z); }
}  // namespace prefrl::detail

namespace prefrl::preference {

/// **APO-zero** — D'Oosterlinck et al. 2024, "Anchored Preference Optimization and
/// Contrastive Revisions"; TRL `loss_type="apo_zero"` (when the chosen outputs are better
/// than the model's: push chosen up, rejected down):
///
///     loss = 1 - sigma(beta a) + sigma(beta b)
struct apo_zero {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::apo_zero";
        require_positive(fn, "beta", beta);
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta);
        return prefrl::detail::mean_over_pairs(fn, batch, {.reference = true}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
            prefrl::detail::set_implicit_rewards(t, p, beta_t);
            const auto lc = prefrl::detail::logistic_of(t.reward_chosen);
            const auto lr = prefrl::detail::logistic_of(t.reward_rejected);
            t.loss = T(1) - lc.sigmoid + lr.sigmoid;
            t.d_chosen = -beta_t * lc.sigmoid * lc.sigmoid_neg;
            t.d_rejected = beta_t * lr.sigmoid * lr.sigmoid_neg;
        });
    }
};

/// **APO-down** — the same paper; TRL `loss_type="apo_down"` (when the model is better than
/// the chosen outputs: push both down, keep the margin):
///
///     u = beta (a - b);  loss = sigma(beta a) + 1 - sigma(u)
struct apo_down {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::apo_down";
        require_positive(fn, "beta", beta);
        using A = prefrl::detail::pair_array<T>;
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta);
        return prefrl::detail::mean_over_pairs(fn, batch, {.reference = true}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
            prefrl::detail::set_implicit_rewards(t, p, beta_t);
            const auto lc = prefrl::detail::logistic_of(t.reward_chosen);
            const auto lu = prefrl::detail::logistic_of(A(t.reward_chosen - t.reward_rejected));
            const A slope_u = lu.sigmoid * lu.sigmoid_neg;
            t.loss = lc.sigmoid + T(1) - lu.sigmoid;
            t.d_chosen = beta_t * (lc.sigmoid * lc.sigmoid_neg - slope_u);
            t.d_rejected = beta_t * slope_u;
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_APO_HPP

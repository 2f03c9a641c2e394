#ifndef PREFRL_PREFERENCE_NCA_HPP
#define PREFRL_PREFERENCE_NCA_HPP

/// \file
/// NCA (TRL loss_type "nca_pair").

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **NCA** — Chen et al. 2024, "Noise Contrastive Alignment of Language Models with Explicit
/// Rewards"; TRL `loss_type="nca_pair"`:
///
///     loss = -log_sigmoid(beta a) - 0.5 log_sigmoid(-beta a) - 0.5 log_sigmoid(-beta b)
struct nca {
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
        constexpr auto fn = "prefrl::preference::nca";
        require_positive(fn, "beta", beta);
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta);
        return prefrl::detail::mean_over_pairs(fn, batch, {.reference = true}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
            prefrl::detail::set_implicit_rewards(t, p, beta_t);
            const auto lc = prefrl::detail::logistic_of(t.reward_chosen);
            const auto lr = prefrl::detail::logistic_of(t.reward_rejected);
            t.loss = -lc.log_sigmoid - T(0.5) * lc.log_sigmoid_neg - T(0.5) * lr.log_sigmoid_neg;
            t.d_chosen = beta_t * (T(0.5) * lc.sigmoid - lc.sigmoid_neg);
            t.d_rejected = T(0.5) * beta_t * lr.sigmoid;
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_NCA_HPP

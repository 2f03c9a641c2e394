#ifndef PREFRL_PREFERENCE_SPPO_HPP
#define PREFRL_PREFERENCE_SPPO_HPP

/// \file
/// SPPO: square loss to estimated win rates.

#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **SPPO** — Wu et al. 2024, "Self-Play Preference Optimization for Language Model
/// Alignment" (official code uclaml/SPPO). With the previous iterate pi_t as anchor
/// (ct, rt) and win-rate estimates P_hat(y) = (1/K) sum_j P(y > y_j) over K samples of pi_t
/// (`win_chosen`, `win_rejected`):
///
///     loss = 0.5 [ (c - ct - (P_hat_w - 1/2) / beta)^2 + (r - rt - (P_hat_l - 1/2) / beta)^2 ]
///
/// beta = 1/eta (official default 0.001). Rewards in the metrics: beta (c - ct), beta (r - rt).
struct sppo {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.001;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::sppo";
        require_positive(fn, "beta", beta);
        using A = prefrl::detail::pair_array<T>;
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta), inv_beta = static_cast<T>(1.0 / beta);
        return prefrl::detail::mean_over_pairs(
            fn, batch, {.reference = false, .anchors = true, .win_rates = true}, d_chosen, d_rejected,
            [&](const auto& p, auto& t) {
                const A ac = p.chosen - p.anchor_chosen, ar = p.rejected - p.anchor_rejected;
                t.d_chosen = ac - (p.win_chosen - T(0.5)) * inv_beta;  // the residuals are the gradients
                t.d_rejected = ar - (p.win_rejected - T(0.5)) * inv_beta;
                t.loss = T(0.5) * (t.d_chosen.square() + t.d_rejected.square());
                t.reward_chosen = beta_t * ac;
                t.reward_rejected = beta_t * ar;
            });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_SPPO_HPP

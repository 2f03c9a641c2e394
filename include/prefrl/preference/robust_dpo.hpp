#ifndef PREFRL_PREFERENCE_ROBUST_DPO_HPP
#define PREFRL_PREFERENCE_ROBUST_DPO_HPP

/// \file
/// Robust DPO (TRL loss_type "robust").

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **Robust DPO** — Chowdhury et al. 2024, "Provably Robust DPO: Aligning Language Models
/// with Noisy Feedback"; TRL `loss_type="robust"`. An unbiased loss under labels flipped
/// with probability eps = `label_smoothing` in [0, 0.5):
///
///     u = beta (a - b);  loss = ((1 - eps)(-log_sigmoid(u)) + eps log_sigmoid(-u)) / (1 - 2 eps)
struct robust_dpo {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.1;
    double label_smoothing = 0.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::robust_dpo";
        require_positive(fn, "beta", beta);
        require_in_half_open(fn, "label_smoothing", label_smoothing, 0.0, 0.5);
        const T eps = hyperparameter_in<T>(fn, "label_smoothing", label_smoothing), scale = static_cast<T>(1.0 / (1.0 - 2.0 * label_smoothing));
        return prefrl::detail::mean_over_margins(fn, batch, beta, d_chosen, d_rejected, [&](const auto& u, auto& loss, auto& d_u) {
            const auto l = prefrl::detail::logistic_of(u);
            // eps = 0 is plain DPO: no 0 * log_sigmoid(-u) term (NaN at u = +inf)
            if (eps == T(0)) {
                loss = -l.log_sigmoid;
            } else {
                loss = scale * (-(T(1) - eps) * l.log_sigmoid + eps * l.log_sigmoid_neg);
            }
            d_u = -scale * ((T(1) - eps) * l.sigmoid_neg + eps * l.sigmoid);
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_ROBUST_DPO_HPP

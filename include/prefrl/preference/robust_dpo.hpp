#ifndef PREFRL_PREFERENCE_ROBUST_DPO_HPP
#define PREFRL_PREFERENCE_ROBUST_DPO_HPP

/// \file
/// Robust DPO (TRL loss_type "robust").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **Robust DPO** — Chowdhury et al. 2024, "Provably Robust DPO: Aligning Language Models
/// with Noisy Feedback"; TRL `loss_type="robust"`. An unbiased loss under labels flipped
/// with probability eps = `label_smoothing` in [0, 0.5):
///
///     u = beta (a - b);  loss = ((1 - eps)(-log_sigmoid(u)) + eps log_sigmoid(-u)) / (1 - 2 eps)
struct robust_dpo {
    double beta = 0.1;
    double label_smoothing = 0.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::robust_dpo";
        require_positive(fn, "beta", beta);
        require_in_half_open(fn, "label_smoothing", label_smoothing, 0.0, 0.5);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        const double eps = label_smoothing, scale = 1.0 / (1.0 - 2.0 * eps);
        return prefrl::detail::mean_over_margins(batch, beta, [&](double u) {
            return std::pair{scale * (-(1 - eps) * log_sigmoid(u) + eps * log_sigmoid(-u)),
                             -scale * ((1 - eps) * sigmoid(-u) + eps * sigmoid(u))};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_ROBUST_DPO_HPP

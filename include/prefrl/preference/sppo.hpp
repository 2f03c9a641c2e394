#ifndef PREFRL_PREFERENCE_SPPO_HPP
#define PREFRL_PREFERENCE_SPPO_HPP

/// \file
/// SPPO: square loss to estimated win rates.

#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
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
    double beta = 0.001;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::sppo";
        require_positive(fn, "beta", beta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = false, .anchors = true, .win_rates = true});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const double ac = static_cast<double>(batch.chosen[i]) - static_cast<double>(batch.anchor_chosen[i]);
            const double ar = static_cast<double>(batch.rejected[i]) - static_cast<double>(batch.anchor_rejected[i]);
            const double gc = ac - (static_cast<double>(batch.win_chosen[i]) - 0.5) / beta;
            const double gr = ar - (static_cast<double>(batch.win_rejected[i]) - 0.5) / beta;
            return prefrl::detail::pair_term{0.5 * (gc * gc + gr * gr), gc, gr, beta * ac, beta * ar};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_SPPO_HPP

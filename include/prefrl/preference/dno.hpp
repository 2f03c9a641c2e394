#ifndef PREFRL_PREFERENCE_DNO_HPP
#define PREFRL_PREFERENCE_DNO_HPP

/// \file
/// DNO: direct Nash optimization (soft-label DPO against the previous iterate).

#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **DNO** — Rosset et al. 2024, "Direct Nash Optimization: Teaching Language Models to
/// Self-Improve with General Preferences" (Algorithm 1). A soft-label DPO whose reference
/// is the previous iterate pi_t (ct, rt), with target p = sigma(r_t(y_w) - r_t(y_l)),
/// r_t(y) = E_{y' ~ pi_t} P(y > y') (`target`):
///
///     Dt = (c - ct) - (r - rt)
///     loss = -p log_sigmoid(eta Dt) - (1 - p) log_sigmoid(-eta Dt)
///
/// Rewards in the metrics: eta (c - ct), eta (r - rt).
struct dno {
    double eta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::dno";
        require_positive(fn, "eta", eta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = false, .anchors = true, .target = true});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const double ac = static_cast<double>(batch.chosen[i]) - static_cast<double>(batch.anchor_chosen[i]);
            const double ar = static_cast<double>(batch.rejected[i]) - static_cast<double>(batch.anchor_rejected[i]);
            const double p = static_cast<double>(batch.target[i]);
            const double z = eta * (ac - ar);
            const double loss = -p * log_sigmoid(z) - (1.0 - p) * log_sigmoid(-z);
            const double d = eta * (sigmoid(z) - p);
            return prefrl::detail::pair_term{loss, d, -d, eta * ac, eta * ar};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_DNO_HPP

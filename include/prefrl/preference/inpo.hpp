#ifndef PREFRL_PREFERENCE_INPO_HPP
#define PREFRL_PREFERENCE_INPO_HPP

/// \file
/// INPO: iterative Nash policy optimization.

#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **INPO** — Zhang et al., ICLR 2025, "Iterative Nash Policy Optimization: Aligning LLMs
/// with General Preferences via No-Regret Learning" (Algorithm 1). With the reference
/// (c0, r0) and the previous iterate pi_t as anchor (ct, rt):
///
///     h = (c - r) - (tau/eta)(c0 - r0) - (1 - tau/eta)(ct - rt)
///     loss = (h - 1/(2 eta))^2
///
/// The paper's choice: eta = 0.005, tau = eta/3; tau = 0 is IPO against pi_t. Requires
/// 0 <= tau <= eta. Rewards in the metrics: eta (c - ct), eta (r - rt).
struct inpo {
    double eta = 0.005;
    double tau = 0.005 / 3.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::inpo";
        require_positive(fn, "eta", eta);
        require_in_closed(fn, "tau", tau, 0.0, eta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true, .anchors = true});
        const double k = tau / eta;
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const double c = static_cast<double>(batch.chosen[i]), r = static_cast<double>(batch.rejected[i]);
            const double ct = static_cast<double>(batch.anchor_chosen[i]), rt = static_cast<double>(batch.anchor_rejected[i]);
            const double ref_gap = static_cast<double>(batch.ref_chosen[i]) - static_cast<double>(batch.ref_rejected[i]);
            const double h = (c - r) - k * ref_gap - (1.0 - k) * (ct - rt);
            const double gap = h - 1.0 / (2.0 * eta);
            return prefrl::detail::pair_term{gap * gap, 2.0 * gap, -2.0 * gap, eta * (c - ct), eta * (r - rt)};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_INPO_HPP

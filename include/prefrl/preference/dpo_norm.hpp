#ifndef PREFRL_PREFERENCE_DPO_NORM_HPP
#define PREFRL_PREFERENCE_DPO_NORM_HPP

/// \file
/// Length-normalized DPO (TRL loss_type "sigmoid_norm").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **Length-normalized DPO** — DPO (Rafailov et al. 2023) on per-token log-ratios, as in
/// TRL's `loss_type="sigmoid_norm"` (needs the lengths):
///
///     u = beta (a / |y_w| - b / |y_l|);  loss = -log_sigmoid(u)
struct dpo_norm {
    double beta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::dpo_norm";
        require_positive(fn, "beta", beta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true, .lengths = true});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const auto [a, b] = prefrl::detail::pair_log_ratios(batch, i);
            const double lw = static_cast<double>(batch.chosen_length[i]);
            const double ll = static_cast<double>(batch.rejected_length[i]);
            const double u = beta * (a / lw - b / ll);
            const double g = beta * sigmoid(-u);
            return prefrl::detail::pair_term{-log_sigmoid(u), -g / lw, g / ll, beta * a, beta * b};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_DPO_NORM_HPP

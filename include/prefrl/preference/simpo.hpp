#ifndef PREFRL_PREFERENCE_SIMPO_HPP
#define PREFRL_PREFERENCE_SIMPO_HPP

/// \file
/// SimPO (reference-free, length-normalized).

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **SimPO** — Meng, Xia, Chen 2024, "SimPO: Simple Preference Optimization with a
/// Reference-Free Reward"; TRL's CPO trainer `loss_type="simpo"` (needs the lengths; the
/// reference fields are not read):
///
///     z = beta (c / |y_w| - r / |y_l|) - gamma;  loss = -log_sigmoid(z)
///
/// Defaults are the paper's (beta = 2.0, gamma = 0.5). Rewards in the metrics are
/// beta c / |y_w| and beta r / |y_l|, as TRL logs them.
struct simpo {
    double beta = 2.0;
    double gamma = 0.5;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::simpo";
        require_positive(fn, "beta", beta);
        require_finite(fn, "gamma", gamma);
        prefrl::detail::validate_pairs(fn, batch, {.reference = false, .lengths = true});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const double lw = static_cast<double>(batch.chosen_length[i]);
            const double ll = static_cast<double>(batch.rejected_length[i]);
            const double cb = static_cast<double>(batch.chosen[i]) / lw, rb = static_cast<double>(batch.rejected[i]) / ll;
            const double z = beta * (cb - rb) - gamma;
            const double g = beta * sigmoid(-z);
            return prefrl::detail::pair_term{-log_sigmoid(z), -g / lw, g / ll, beta * cb, beta * rb};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_SIMPO_HPP

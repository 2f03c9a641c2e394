#ifndef PREFRL_PREFERENCE_SPPO_HARD_HPP
#define PREFRL_PREFERENCE_SPPO_HARD_HPP

/// \file
/// SPPO with hard labels (TRL loss_type "sppo_hard").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **SPPO, hard labels** — Wu et al. 2024, "Self-Play Preference Optimization for Language
/// Model Alignment", with win rates replaced by the labels (1 chosen, 0 rejected), as TRL's
/// `loss_type="sppo_hard"`:
///
///     loss = (a - 1/(2 beta))^2 + (b + 1/(2 beta))^2
struct sppo_hard {
    double beta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::sppo_hard";
        require_positive(fn, "beta", beta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        const double half = 1.0 / (2.0 * beta);
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const auto [a, b] = prefrl::detail::pair_log_ratios(batch, i);
            const double gc = a - half, gr = b + half;
            return prefrl::detail::pair_term{gc * gc + gr * gr, 2.0 * gc, 2.0 * gr, beta * a, beta * b};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_SPPO_HARD_HPP

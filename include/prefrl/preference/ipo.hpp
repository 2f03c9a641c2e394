#ifndef PREFRL_PREFERENCE_IPO_HPP
#define PREFRL_PREFERENCE_IPO_HPP

/// \file
/// IPO (TRL loss_type "ipo").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **IPO** — Azar et al. 2023, "A General Theoretical Paradigm to Understand Learning from
/// Human Preferences" (Psi = identity); TRL `loss_type="ipo"`:
///
///     D = a / |y_w| - b / |y_l|  (length_normalize, TRL's form; needs the lengths)
///     D = a - b                  (length_normalize = false: the summed form, as OpenRLHF)
///     loss = (D - 1 / (2 beta))^2
struct ipo {
    double beta = 0.1;
    bool length_normalize = true;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::ipo";
        require_positive(fn, "beta", beta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true, .lengths = length_normalize});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const auto [a, b] = prefrl::detail::pair_log_ratios(batch, i);
            const double lw = length_normalize ? static_cast<double>(batch.chosen_length[i]) : 1.0;
            const double ll = length_normalize ? static_cast<double>(batch.rejected_length[i]) : 1.0;
            const double gap = a / lw - b / ll - 1.0 / (2.0 * beta);
            return prefrl::detail::pair_term{gap * gap, 2.0 * gap / lw, -2.0 * gap / ll, beta * a, beta * b};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_IPO_HPP

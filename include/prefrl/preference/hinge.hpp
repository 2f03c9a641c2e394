#ifndef PREFRL_PREFERENCE_HINGE_HPP
#define PREFRL_PREFERENCE_HINGE_HPP

/// \file
/// The hinge loss of SLiC (TRL loss_type "hinge").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **Hinge (SLiC)** — Zhao et al. 2023, "SLiC-HF: Sequence Likelihood Calibration with Human
/// Feedback"; TRL `loss_type="hinge"` (beta plays the role of 1/margin):
///
///     u = beta (a - b);  loss = max(0, 1 - u)   (gradient 0 at u = 1 and above)
struct hinge {
    double beta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::hinge";
        require_positive(fn, "beta", beta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const auto [a, b] = prefrl::detail::pair_log_ratios(batch, i);
            const double u = beta * (a - b);
            const double d_u = u < 1.0 ? -1.0 : 0.0;
            return prefrl::detail::pair_term{std::max(0.0, 1.0 - u), beta * d_u, -beta * d_u, beta * a, beta * b};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_HINGE_HPP

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
        return prefrl::detail::mean_over_margins(batch, beta, [](double u) {
            return std::pair{std::max(0.0, 1.0 - u), u < 1.0 ? -1.0 : 0.0};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_HINGE_HPP

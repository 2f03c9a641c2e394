#ifndef PREFRL_PREFERENCE_HINGE_HPP
#define PREFRL_PREFERENCE_HINGE_HPP

/// \file
/// The hinge loss of SLiC (TRL loss_type "hinge").

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **Hinge (SLiC)** — Zhao et al. 2023, "SLiC-HF: Sequence Likelihood Calibration with Human
/// Feedback"; TRL `loss_type="hinge"` (beta plays the role of 1/margin):
///
///     u = beta (a - b);  loss = max(0, 1 - u)   (gradient 0 at u = 1 and above)
struct hinge {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::hinge";
        require_positive(fn, "beta", beta);
        return prefrl::detail::mean_over_margins(fn, batch, beta, d_chosen, d_rejected, [](const auto& u, auto& loss, auto& d_u) {
            loss = (T(1) - u).max(T(0));
            d_u = -prefrl::detail::step_array(T(1) - u);
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_HINGE_HPP

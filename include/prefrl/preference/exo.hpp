#ifndef PREFRL_PREFERENCE_EXO_HPP
#define PREFRL_PREFERENCE_EXO_HPP

/// \file
/// EXO (TRL loss_type "exo_pair").

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **EXO** — Ji et al. 2024, "Towards Efficient Exact Optimization of Language Model
/// Alignment"; TRL `loss_type="exo_pair"`, eps = `label_smoothing` in (0, 0.5):
///
///     u = beta (a - b), q = sigma(u)
///     loss = q (log q - log(1 - eps)) + (1 - q)(log(1 - q) - log eps)   (log q = log_sigmoid(u))
struct exo {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.1;
    double label_smoothing = 1e-3;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::exo";
        require_positive(fn, "beta", beta);
        require_in_open(fn, "label_smoothing", label_smoothing, 0.0, 0.5);
        const double eps = label_smoothing;
        const T log_keep = static_cast<T>(std::log1p(-eps)), log_flip = static_cast<T>(std::log(eps));
        const T log_odds_target = static_cast<T>(std::log1p(-eps) - std::log(eps));
        return prefrl::detail::mean_over_margins(fn, batch, beta, d_chosen, d_rejected, [&](const auto& u, auto& loss, auto& d_u) {
            const auto l = prefrl::detail::logistic_of(u);
            loss = l.sigmoid * (l.log_sigmoid - log_keep) + l.sigmoid_neg * (l.log_sigmoid_neg - log_flip);
            d_u = l.sigmoid * l.sigmoid_neg * (u - log_odds_target);
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_EXO_HPP

#ifndef PREFRL_PREFERENCE_EXO_HPP
#define PREFRL_PREFERENCE_EXO_HPP

/// \file
/// EXO (TRL loss_type "exo_pair").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **EXO** — Ji et al. 2024, "Towards Efficient Exact Optimization of Language Model
/// Alignment"; TRL `loss_type="exo_pair"`, eps = `label_smoothing` in (0, 0.5):
///
///     u = beta (a - b), q = sigma(u)
///     loss = q (log q - log(1 - eps)) + (1 - q)(log(1 - q) - log eps)   (log q = log_sigmoid(u))
struct exo {
    double beta = 0.1;
    double label_smoothing = 1e-3;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::exo";
        require_positive(fn, "beta", beta);
        require_in_open(fn, "label_smoothing", label_smoothing, 0.0, 0.5);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        const double eps = label_smoothing;
        const double log_odds_target = std::log1p(-eps) - std::log(eps);
        return prefrl::detail::mean_over_margins(batch, beta, [&](double u) {
            const double q = sigmoid(u), nq = sigmoid(-u);
            return std::pair{q * (log_sigmoid(u) - std::log1p(-eps)) + nq * (log_sigmoid(-u) - std::log(eps)),
                             q * nq * (u - log_odds_target)};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_EXO_HPP

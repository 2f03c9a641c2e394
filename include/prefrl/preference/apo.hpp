#ifndef PREFRL_PREFERENCE_APO_HPP
#define PREFRL_PREFERENCE_APO_HPP

/// \file
/// Anchored preference optimization: APO-zero and APO-down (TRL loss_type "apo_zero", "apo_down").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::detail {
/// sigma'(z) = sigma(z) sigma(-z)
inline double sigmoid_slope(double z) { return sigmoid(z) * sigmoid(-z); }
}  // namespace prefrl::detail

namespace prefrl::preference {

/// **APO-zero** — D'Oosterlinck et al. 2024, "Anchored Preference Optimization and
/// Contrastive Revisions"; TRL `loss_type="apo_zero"` (when the chosen outputs are better
/// than the model's: push chosen up, rejected down):
///
///     loss = 1 - sigma(beta a) + sigma(beta b)
struct apo_zero {
    double beta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::apo_zero";
        require_positive(fn, "beta", beta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const auto [a, b] = prefrl::detail::pair_log_ratios(batch, i);
            const double ra = beta * a, rb = beta * b;
            return prefrl::detail::pair_term{1.0 - sigmoid(ra) + sigmoid(rb), -beta * prefrl::detail::sigmoid_slope(ra),
                                             beta * prefrl::detail::sigmoid_slope(rb), ra, rb};
        });
    }
};

/// **APO-down** — the same paper; TRL `loss_type="apo_down"` (when the model is better than
/// the chosen outputs: push both down, keep the margin):
///
///     u = beta (a - b);  loss = sigma(beta a) + 1 - sigma(u)
struct apo_down {
    double beta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::apo_down";
        require_positive(fn, "beta", beta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const auto [a, b] = prefrl::detail::pair_log_ratios(batch, i);
            const double ra = beta * a, rb = beta * b, u = ra - rb;
            return prefrl::detail::pair_term{sigmoid(ra) + 1.0 - sigmoid(u),
                                             beta * (prefrl::detail::sigmoid_slope(ra) - prefrl::detail::sigmoid_slope(u)),
                                             beta * prefrl::detail::sigmoid_slope(u), ra, rb};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_APO_HPP

#ifndef PREFRL_PREFERENCE_ORPO_HPP
#define PREFRL_PREFERENCE_ORPO_HPP

/// \file
/// ORPO's odds-ratio term.

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **ORPO, odds-ratio term** — Hong, Lee, Thorne 2024, "ORPO: Monolithic Preference
/// Optimization without Reference Model"; TRL's ORPO trainer. With the length-averaged
/// log-probs cb = c / |y_w|, rb = r / |y_l| (needs the lengths; no reference):
///
///     log_odds = (cb - rb) - (log1mexp(cb) - log1mexp(rb))
///     value    = -lambda log_sigmoid(log_odds)
///
/// The value is the odds-ratio term alone: ORPO's NLL term comes from the logits (add the
/// SFT loss). cb and rb must be < 0 (the odds of a certain sequence are infinite). Rewards
/// in the metrics are lambda cb and lambda rb, as TRL logs them.
struct orpo {
    double lambda_ = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::orpo";
        require_positive(fn, "lambda_", lambda_);
        prefrl::detail::validate_pairs(fn, batch, {.reference = false, .lengths = true});
        for (std::size_t i = 0; i < batch.chosen.size(); ++i) {
            if (!(batch.chosen[i] < T(0))) fail(fn, "chosen[", i, "] must be < 0 (a log-probability), got ", batch.chosen[i]);
            if (!(batch.rejected[i] < T(0)))
                fail(fn, "rejected[", i, "] must be < 0 (a log-probability), got ", batch.rejected[i]);
        }
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const double lw = static_cast<double>(batch.chosen_length[i]);
            const double ll = static_cast<double>(batch.rejected_length[i]);
            const double cb = static_cast<double>(batch.chosen[i]) / lw, rb = static_cast<double>(batch.rejected[i]) / ll;
            const double log_odds = (cb - rb) - (log1mexp(cb) - log1mexp(rb));
            const double g = lambda_ * sigmoid(-log_odds);  // -d value / d log_odds
            // d log_odds / d cb = 1 / (1 - e^cb) = -1 / expm1(cb); d / d rb = 1 / expm1(rb)
            return prefrl::detail::pair_term{-lambda_ * log_sigmoid(log_odds), g / std::expm1(cb) / lw,
                                             -g / std::expm1(rb) / ll, lambda_ * cb, lambda_ * rb};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_ORPO_HPP

#ifndef PREFRL_PREFERENCE_ORPO_HPP
#define PREFRL_PREFERENCE_ORPO_HPP

/// \file
/// ORPO's odds-ratio term.

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
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
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double lambda_ = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::orpo";
        require_positive(fn, "lambda_", lambda_);
        using A = prefrl::detail::pair_array<T>;
        const pair_fields fields{.reference = false, .lengths = true};
        prefrl::detail::validate_pair_shapes(fn, batch, fields);
        // log-probabilities must be < 0 (1 - p > 0 for the odds): one vector pass, then the
        // scalar scan for the message
        if (!(prefrl::as_eigen(batch.chosen).maxCoeff() < T(0) && prefrl::as_eigen(batch.rejected).maxCoeff() < T(0))) {
            prefrl::detail::validate_pairs(fn, batch, fields);  // NaN and infinities first
            for (std::size_t i = 0; i < batch.chosen.size(); ++i) {
                if (!(batch.chosen[i] < T(0))) fail(fn, "chosen[", i, "] must be < 0 (a log-probability), got ", batch.chosen[i]);
                if (!(batch.rejected[i] < T(0)))
                    fail(fn, "rejected[", i, "] must be < 0 (a log-probability), got ", batch.rejected[i]);
            }
        }
        const T lambda_t = hyperparameter_in<T>(fn, "lambda_", lambda_);
        return prefrl::detail::mean_over_pairs(fn, batch, fields, d_chosen, d_rejected, [&](const auto& p, auto& t) {
            const A cb = p.chosen / p.chosen_length, rb = p.rejected / p.rejected_length;  // mean token log-probs
            const auto ec = prefrl::detail::expm1_and_log1mexp(cb), er = prefrl::detail::expm1_and_log1mexp(rb);
            const A log_odds = (cb - rb) - (ec.log1mexp - er.log1mexp);
            const auto l = prefrl::detail::logistic_of(log_odds);
            const A g = lambda_t * l.sigmoid_neg;  // -d value / d log_odds
            // d log_odds / d cb = 1 / (1 - e^cb) = -1 / expm1(cb); d / d rb = 1 / expm1(rb)
            t.loss = -lambda_t * l.log_sigmoid;
            t.d_chosen = g / (ec.expm1 * p.chosen_length);
            t.d_rejected = -g / (er.expm1 * p.rejected_length);
            t.reward_chosen = lambda_t * cb;
            t.reward_rejected = lambda_t * rb;
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_ORPO_HPP

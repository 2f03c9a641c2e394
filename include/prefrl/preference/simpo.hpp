#ifndef PREFRL_PREFERENCE_SIMPO_HPP
#define PREFRL_PREFERENCE_SIMPO_HPP

/// \file
/// SimPO (reference-free, length-normalized).

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **SimPO** — Meng, Xia, Chen 2024, "SimPO: Simple Preference Optimization with a
/// Reference-Free Reward"; TRL's CPO trainer `loss_type="simpo"` (needs the lengths; the
/// reference fields are not read):
///
///     z = beta (c / |y_w| - r / |y_l|) - gamma;  loss = -log_sigmoid(z)
///
/// Defaults are the paper's (beta = 2.0, gamma = 0.5). Rewards in the metrics are
/// beta c / |y_w| and beta r / |y_l|, as TRL logs them.
struct simpo {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 2.0;
    double gamma = 0.5;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::simpo";
        require_positive(fn, "beta", beta);
        require_finite(fn, "gamma", gamma);
        using A = prefrl::detail::pair_array<T>;
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta), gamma_t = hyperparameter_in<T>(fn, "gamma", gamma);
        return prefrl::detail::mean_over_pairs(
            fn, batch, {.reference = false, .lengths = true}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
                t.reward_chosen = beta_t * p.chosen / p.chosen_length;
                t.reward_rejected = beta_t * p.rejected / p.rejected_length;
                const auto l = prefrl::detail::logistic_of(A(t.reward_chosen - t.reward_rejected - gamma_t));
                t.loss = -l.log_sigmoid;
                t.d_chosen = -beta_t * l.sigmoid_neg / p.chosen_length;
                t.d_rejected = beta_t * l.sigmoid_neg / p.rejected_length;
            });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_SIMPO_HPP

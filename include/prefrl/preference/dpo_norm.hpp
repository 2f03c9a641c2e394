#ifndef PREFRL_PREFERENCE_DPO_NORM_HPP
#define PREFRL_PREFERENCE_DPO_NORM_HPP

/// \file
/// Length-normalized DPO (TRL loss_type "sigmoid_norm").

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **Length-normalized DPO** — DPO (Rafailov et al. 2023) on per-token log-ratios, as in
/// TRL's `loss_type="sigmoid_norm"` (needs the lengths):
///
///     u = beta (a / |y_w| - b / |y_l|);  loss = -log_sigmoid(u)
struct dpo_norm {
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
        constexpr auto fn = "prefrl::preference::dpo_norm";
        require_positive(fn, "beta", beta);
        using A = prefrl::detail::pair_array<T>;
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta);
        return prefrl::detail::mean_over_pairs(
            fn, batch, {.reference = true, .lengths = true}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
                const A a = p.chosen - p.ref_chosen, b = p.rejected - p.ref_rejected;
                prefrl::detail::set_implicit_rewards(t, p, beta_t);
                const auto l = prefrl::detail::logistic_of(A(beta_t * (a / p.chosen_length - b / p.rejected_length)));
                t.loss = -l.log_sigmoid;
                t.d_chosen = -beta_t * l.sigmoid_neg / p.chosen_length;
                t.d_rejected = beta_t * l.sigmoid_neg / p.rejected_length;
            });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_DPO_NORM_HPP

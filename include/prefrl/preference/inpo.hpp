#ifndef PREFRL_PREFERENCE_INPO_HPP
#define PREFRL_PREFERENCE_INPO_HPP

/// \file
/// INPO: iterative Nash policy optimization.

#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **INPO** — Zhang et al., ICLR 2025, "Iterative Nash Policy Optimization: Aligning LLMs
/// with General Preferences via No-Regret Learning" (Algorithm 1). With the reference
/// (c0, r0) and the previous iterate pi_t as anchor (ct, rt):
///
///     h = (c - r) - (tau/eta)(c0 - r0) - (1 - tau/eta)(ct - rt)
///     loss = (h - 1/(2 eta))^2
///
/// The paper's choice: eta = 0.005, tau = eta/3; tau = 0 is IPO against pi_t. Requires
/// 0 <= tau <= eta. Rewards in the metrics: eta (c - ct), eta (r - rt).
struct inpo {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double eta = 0.005;
    double tau = 0.005 / 3.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::inpo";
        require_positive(fn, "eta", eta);
        require_in_closed(fn, "tau", tau, 0.0, eta);
        using A = prefrl::detail::pair_array<T>;
        const T k = static_cast<T>(tau / eta), eta_t = hyperparameter_in<T>(fn, "eta", eta), half_over_eta = static_cast<T>(1.0 / (2.0 * eta));
        return prefrl::detail::mean_over_pairs(
            fn, batch, {.reference = true, .anchors = true}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
                const A gap = (p.chosen - p.rejected) - k * (p.ref_chosen - p.ref_rejected) -
                              (T(1) - k) * (p.anchor_chosen - p.anchor_rejected) - half_over_eta;
                t.loss = gap.square();
                t.d_chosen = T(2) * gap;
                t.d_rejected = T(-2) * gap;
                t.reward_chosen = eta_t * (p.chosen - p.anchor_chosen);
                t.reward_rejected = eta_t * (p.rejected - p.anchor_rejected);
            });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_INPO_HPP

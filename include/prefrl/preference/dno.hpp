#ifndef PREFRL_PREFERENCE_DNO_HPP
#define PREFRL_PREFERENCE_DNO_HPP

/// \file
/// DNO: direct Nash optimization (soft-label DPO against the previous iterate).

#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **DNO** — Rosset et al. 2024, "Direct Nash Optimization: Teaching Language Models to
/// Self-Improve with General Preferences" (Algorithm 1). A soft-label DPO whose reference
/// is the previous iterate pi_t (ct, rt), with target p = sigma(r_t(y_w) - r_t(y_l)),
/// r_t(y) = E_{y' ~ pi_t} P(y > y') (`target`):
///
///     Dt = (c - ct) - (r - rt)
///     loss = -p log_sigmoid(eta Dt) - (1 - p) log_sigmoid(-eta Dt)
///
/// Rewards in the metrics: eta (c - ct), eta (r - rt).
struct dno {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double eta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::dno";
        require_positive(fn, "eta", eta);
        using A = prefrl::detail::pair_array<T>;
        const T eta_t = hyperparameter_in<T>(fn, "eta", eta);
        return prefrl::detail::mean_over_pairs(
            fn, batch, {.reference = false, .anchors = true, .target = true}, d_chosen, d_rejected,
            [&](const auto& p, auto& t) {
                t.reward_chosen = eta_t * (p.chosen - p.anchor_chosen);
                t.reward_rejected = eta_t * (p.rejected - p.anchor_rejected);
                const auto l = prefrl::detail::logistic_of(A(t.reward_chosen - t.reward_rejected));
                t.loss = -p.target * l.log_sigmoid - (T(1) - p.target) * l.log_sigmoid_neg;
                t.d_chosen = eta_t * (l.sigmoid - p.target);
                t.d_rejected = -t.d_chosen;
            });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_DNO_HPP

#ifndef PREFRL_PREFERENCE_SPPO_HARD_HPP
#define PREFRL_PREFERENCE_SPPO_HARD_HPP

/// \file
/// SPPO with hard labels (TRL loss_type "sppo_hard").

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **SPPO, hard labels** — Wu et al. 2024, "Self-Play Preference Optimization for Language
/// Model Alignment", with win rates replaced by the labels (1 chosen, 0 rejected), as TRL's
/// `loss_type="sppo_hard"`:
///
///     loss = (a - 1/(2 beta))^2 + (b + 1/(2 beta))^2
struct sppo_hard {
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
        constexpr auto fn = "prefrl::preference::sppo_hard";
        require_positive(fn, "beta", beta);
        using A = prefrl::detail::pair_array<T>;
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta), half = static_cast<T>(1.0 / (2.0 * beta));
        return prefrl::detail::mean_over_pairs(fn, batch, {.reference = true}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
            const A a = p.chosen - p.ref_chosen, b = p.rejected - p.ref_rejected;
            prefrl::detail::set_implicit_rewards(t, p, beta_t);
            t.loss = (a - half).square() + (b + half).square();
            t.d_chosen = T(2) * (a - half);
            t.d_rejected = T(2) * (b + half);
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_SPPO_HARD_HPP

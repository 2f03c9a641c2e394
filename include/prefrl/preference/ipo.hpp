#ifndef PREFRL_PREFERENCE_IPO_HPP
#define PREFRL_PREFERENCE_IPO_HPP

/// \file
/// IPO (TRL loss_type "ipo").

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **IPO** — Azar et al. 2023, "A General Theoretical Paradigm to Understand Learning from
/// Human Preferences" (Psi = identity); TRL `loss_type="ipo"`:
///
///     D = a / |y_w| - b / |y_l|  (length_normalize, TRL's form; needs the lengths)
///     D = a - b                  (length_normalize = false: the summed form, as OpenRLHF)
///     loss = (D - 1 / (2 beta))^2
struct ipo {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.1;
    bool length_normalize = true;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::ipo";
        require_positive(fn, "beta", beta);
        using A = prefrl::detail::pair_array<T>;
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta), half_over_beta = static_cast<T>(1.0 / (2.0 * beta));
        return prefrl::detail::mean_over_pairs(
            fn, batch, {.reference = true, .lengths = length_normalize}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
                const A a = p.chosen - p.ref_chosen, b = p.rejected - p.ref_rejected;
                prefrl::detail::set_implicit_rewards(t, p, beta_t);
                if (length_normalize) {
                    const A gap = a / p.chosen_length - b / p.rejected_length - half_over_beta;
                    t.loss = gap.square();
                    t.d_chosen = T(2) * gap / p.chosen_length;
                    t.d_rejected = T(-2) * gap / p.rejected_length;
                } else {
                    const A gap = a - b - half_over_beta;
                    t.loss = gap.square();
                    t.d_chosen = T(2) * gap;
                    t.d_rejected = T(-2) * gap;
                }
            });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_IPO_HPP

#ifndef PREFRL_PREFERENCE_DISCOPOP_HPP
#define PREFRL_PREFERENCE_DISCOPOP_HPP

/// \file
/// DiscoPOP (TRL loss_type "discopop").

#include <algorithm>
#include <cmath>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **DiscoPOP** — Chris Lu et al. 2024, "Discovering Preference Optimization Algorithms with
/// and for Large Language Models" (the log-ratio modulated loss); TRL `loss_type="discopop"`:
///
///     z = beta (a - b), m = sigma(z / tau)
///     loss = (1 - m)(-log_sigmoid(z)) + m exp(-z)
///
/// `m exp(-z)` is evaluated as `exp(log_sigmoid(z/tau) - z)`, finite where TRL's product
/// gives 0 * inf = NaN (very negative z).
struct discopop {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.1;
    double tau = 0.05;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::discopop";
        require_positive(fn, "beta", beta);
        require_positive(fn, "tau", tau);
        using A = prefrl::detail::pair_array<T>;
        const T tau_t = hyperparameter_in<T>(fn, "tau", tau);
        return prefrl::detail::mean_over_margins(fn, batch, beta, d_chosen, d_rejected, [&](const auto& z, auto& loss, auto& d_z) {
            const auto m = prefrl::detail::logistic_of(A(z / tau_t));  // the mixing weight sigma(z / tau)
            const auto l = prefrl::detail::logistic_of(z);
            const A m_exp = (m.log_sigmoid - z).min(prefrl::detail::exp_argument_cap<T>()).exp();  // m exp(-z)
            loss = m.sigmoid_neg * (-l.log_sigmoid) + m_exp;
            // dL/dz = m'(exp(-z) + log_sigmoid(z)) - (1 - m) sigma(-z) - m exp(-z),  m' = m (1 - m) / tau
            d_z = (m.sigmoid_neg * m_exp + m.sigmoid * m.sigmoid_neg * l.log_sigmoid) / tau_t - m.sigmoid_neg * l.sigmoid_neg - m_exp;
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_DISCOPOP_HPP

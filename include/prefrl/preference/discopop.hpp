#ifndef PREFRL_PREFERENCE_DISCOPOP_HPP
#define PREFRL_PREFERENCE_DISCOPOP_HPP

/// \file
/// DiscoPOP (TRL loss_type "discopop").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
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
    double beta = 0.1;
    double tau = 0.05;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::discopop";
        require_positive(fn, "beta", beta);
        require_positive(fn, "tau", tau);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        return prefrl::detail::mean_over_margins(batch, beta, [&](double z) {
            const double m = sigmoid(z / tau), one_minus_m = sigmoid(-z / tau);
            const double m_exp = std::exp(log_sigmoid(z / tau) - z);  // m exp(-z)
            const double loss = one_minus_m * (-log_sigmoid(z)) + m_exp;
            // dL/dz = m'(exp(-z) + log_sigmoid(z)) - (1 - m) sigma(-z) - m exp(-z),  m' = m (1 - m) / tau
            const double d_z = (one_minus_m * m_exp + m * one_minus_m * log_sigmoid(z)) / tau -
                               one_minus_m * sigmoid(-z) - m_exp;
            return std::pair{loss, d_z};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_DISCOPOP_HPP

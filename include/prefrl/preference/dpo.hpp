#ifndef PREFRL_PREFERENCE_DPO_HPP
#define PREFRL_PREFERENCE_DPO_HPP

/// \file
/// DPO and its label-smoothed (cDPO) and f-divergence variants (TRL loss_type "sigmoid").

#include <cmath>
#include <limits>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// The divergence that regularizes DPO toward the reference (TRL's `f_divergence_type`):
/// each log-ratio t is mapped to a score s(t) before the loss.
enum class f_divergence {
    reverse_kl,       ///< s(t) = t: plain DPO (the default)
    forward_kl,       ///< s(t) = -exp(-t)
    js_divergence,    ///< s(t) = log_sigmoid(t)
    alpha_divergence  ///< s(t) = -exp(-alpha t) / alpha (TRL's f_alpha_divergence_coef = alpha)
};

/// **DPO** — Rafailov et al. 2023, "Direct Preference Optimization: Your Language Model is
/// Secretly a Reward Model"; TRL `loss_type="sigmoid"`.
///
///     a = c - c0, b = r - r0, u = beta (s(a) - s(b))
///     loss = -(1 - eps) log_sigmoid(u) - eps log_sigmoid(-u)
///
/// `label_smoothing` eps > 0 is conservative DPO (cDPO, Mitchell 2023: labels flipped with
/// probability eps). `divergence` != reverse_kl is f-DPO (Wang et al. 2023, "Beyond Reverse
/// KL: Generalizing Direct Preference Optimization with Diverse Divergence Constraints");
/// exponentials are capped at log(max of T) as TRL's `cap_exp` does (zero gradient beyond).
///
///     auto r = prefrl::preference::dpo{.beta = 0.1}(batch);   // r.value, r.d_chosen, r.d_rejected
struct dpo {
    double beta = 0.1;
    double label_smoothing = 0.0;
    f_divergence divergence = f_divergence::reverse_kl;
    double alpha = 1.0;  ///< for alpha_divergence only

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::dpo";
        require_positive(fn, "beta", beta);
        require_in_half_open(fn, "label_smoothing", label_smoothing, 0.0, 0.5);
        if (divergence == f_divergence::alpha_divergence) require_positive(fn, "alpha", alpha);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        const double cap = std::log(static_cast<double>(std::numeric_limits<T>::max()));
        // score s(t) and its derivative s'(t)
        auto score = [&](double t) -> std::pair<double, double> {
            switch (divergence) {
                case f_divergence::forward_kl: {
                    const double x = -t;
                    return x > cap ? std::pair{-std::exp(cap), 0.0} : std::pair{-std::exp(x), std::exp(x)};
                }
                case f_divergence::js_divergence:
                    return {log_sigmoid(t), sigmoid(-t)};
                case f_divergence::alpha_divergence: {
                    const double x = -alpha * t;
                    return x > cap ? std::pair{-std::exp(cap) / alpha, 0.0} : std::pair{-std::exp(x) / alpha, std::exp(x)};
                }
                case f_divergence::reverse_kl:
                default:
                    return {t, 1.0};
            }
        };
        const double eps = label_smoothing;
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const auto [a, b] = prefrl::detail::pair_log_ratios(batch, i);
            const auto [sa, dsa] = score(a);
            const auto [sb, dsb] = score(b);
            const double u = beta * (sa - sb);
            const double loss = -(1 - eps) * log_sigmoid(u) - eps * log_sigmoid(-u);
            const double d_u = -(1 - eps) * sigmoid(-u) + eps * sigmoid(u);
            return prefrl::detail::pair_term{loss, d_u * beta * dsa, -d_u * beta * dsb, beta * a, beta * b};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_DPO_HPP

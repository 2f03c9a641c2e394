#ifndef PREFRL_PREFERENCE_DPO_HPP
#define PREFRL_PREFERENCE_DPO_HPP

/// \file
/// DPO and its label-smoothed (cDPO) and f-divergence variants (TRL loss_type "sigmoid").

#include <cmath>
#include <limits>

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
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
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.1;
    double label_smoothing = 0.0;
    f_divergence divergence = f_divergence::reverse_kl;
    double alpha = 1.0;  ///< for alpha_divergence only

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::dpo";
        require_positive(fn, "beta", beta);
        require_in_half_open(fn, "label_smoothing", label_smoothing, 0.0, 0.5);
        if (divergence == f_divergence::alpha_divergence) require_positive(fn, "alpha", alpha);
        using A = prefrl::detail::pair_array<T>;
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta), eps = hyperparameter_in<T>(fn, "label_smoothing", label_smoothing);
        const T cap = std::log(std::numeric_limits<T>::max());
        // checked here, not in the block loop below (which may run on several threads)
        const T alpha_t = divergence == f_divergence::alpha_divergence ? hyperparameter_in<T>(fn, "alpha", alpha) : T(1);
        // score s(x) and its slope s'(x); forward KL is the alpha form with alpha = 1:
        // s = -exp(y) / k, s' = exp(y), y = -k x; beyond y = log(max of T) the slope is 0 (TRL's
        // cap_exp); the value's exponent is held at log(max of T) - 1, where Eigen's exp is finite
        auto score = [&](const A& x, A& s, A& ds) {
            if (divergence == f_divergence::js_divergence) {
                const auto l = prefrl::detail::logistic_of(x);
                s = l.log_sigmoid;
                ds = l.sigmoid_neg;
                return;
            }
            const T k = divergence == f_divergence::forward_kl ? T(1) : alpha_t;
            const A y = -k * x;
            const A e = y.min(prefrl::detail::exp_argument_cap<T>()).exp();
            s = -e / k;
            ds = prefrl::detail::step_array(A(cap - y)) * e;
        };
        const bool plain = divergence == f_divergence::reverse_kl;
        return prefrl::detail::mean_over_pairs(
            fn, batch, {.reference = true}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
                const A a = p.chosen - p.ref_chosen, b = p.rejected - p.ref_rejected;
                prefrl::detail::set_implicit_rewards(t, p, beta_t);
                A sa, dsa, sb, dsb;
                if (!plain) {
                    score(a, sa, dsa);
                    score(b, sb, dsb);
                }
                const auto l = prefrl::detail::logistic_of(plain ? A(t.reward_chosen - t.reward_rejected) : A(beta_t * (sa - sb)));
                // without smoothing the second term is absent, not 0 * log_sigmoid(-u) (NaN at u = +inf)
                t.loss = eps == T(0) ? A(-l.log_sigmoid) : A(-(T(1) - eps) * l.log_sigmoid - eps * l.log_sigmoid_neg);
                const A d_u = beta_t * (eps * l.sigmoid - (T(1) - eps) * l.sigmoid_neg);
                t.d_chosen = plain ? d_u : A(d_u * dsa);
                t.d_rejected = plain ? A(-d_u) : A(-d_u * dsb);
            });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_DPO_HPP

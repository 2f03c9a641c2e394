#ifndef PREFRL_PREFERENCE_VPO_HPP
#define PREFRL_PREFERENCE_VPO_HPP

/// \file
/// VPO: value-incentivized preference optimization.

#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/dpo.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// Online VPO is optimistic (lowers the likelihood of the calibration samples, XPO's term
/// when they are reference samples); offline VPO is pessimistic (an SFT-like term).
enum class vpo_mode { online, offline };

/// `pair_loss_result` plus the gradient with respect to the calibration log-probs.
template <std::floating_point T>
struct vpo_result : pair_loss_result<T> {
    vector<T> d_calibration;
};

/// **VPO** — Cen et al., ICLR 2025, "Value-Incentivized Preference Optimization: A Unified
/// Approach to Online and Offline RLHF". DPO plus a calibration term on the policy's
/// log-probs of a calibration set (`calibration`, any size >= 1):
///
///     loss = L_DPO(beta) + sign * alpha * beta * mean_{y in calibration} log pi(y|x)
///     sign = +1 online (optimism), -1 offline (pessimism)
///
/// The paper's code was not available; this form is derived from its objective with the
/// DPO reparametrization.
struct vpo {
    double beta = 0.1;
    double alpha = 0.5;
    vpo_mode mode = vpo_mode::online;

    template <std::floating_point T>
    vpo_result<T> operator()(const pair_batch<T>& batch, std::span<const T> calibration) const {
        constexpr auto fn = "prefrl::preference::vpo";
        require_positive(fn, "beta", beta);
        require_non_negative(fn, "alpha", alpha);
        require_non_empty(fn, "calibration", calibration.size());
        for (std::size_t i = 0; i < calibration.size(); ++i)
            if (!std::isfinite(calibration[i])) fail(fn, "calibration[", i, "] must be finite, got ", calibration[i]);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        vpo_result<T> out;
        static_cast<pair_loss_result<T>&>(out) = dpo{.beta = beta}(batch);
        const double sign = mode == vpo_mode::online ? 1.0 : -1.0;
        double mean_calibration = 0.0;
        for (const T x : calibration) mean_calibration += static_cast<double>(x);
        mean_calibration /= static_cast<double>(calibration.size());
        out.value = static_cast<T>(static_cast<double>(out.value) + sign * alpha * beta * mean_calibration);
        out.d_calibration = vector<T>::Constant(static_cast<Eigen::Index>(calibration.size()),
                                                static_cast<T>(sign * alpha * beta / static_cast<double>(calibration.size())));
        return out;
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_VPO_HPP

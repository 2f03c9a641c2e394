#ifndef PREFRL_GRPO_KL_ESTIMATORS_HPP
#define PREFRL_GRPO_KL_ESTIMATORS_HPP

/// \file
/// Per-token estimators of KL(pi || pi_ref) from the log-probs of sampled tokens (Schulman
/// 2020, "Approximating KL Divergence"), with their gradients: the KL term of GRPO's loss and
/// the KL penalty of PPO / RLOO's reward shaping (verl `kl_penalty`, TRL `RLOOTrainer`).

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::grpo {

/// Each estimator takes the policy's and the reference's log-probs of the same tokens as any
/// contiguous sequences of one scalar type (std::vector, std::span, Eigen vector).
///
/// Per-token estimates and their derivatives with respect to the policy's log-probs.
template <std::floating_point T>
struct kl_estimate {
    vector<T> value;    ///< one estimate per token
    vector<T> d_logps;  ///< d value_t / d logps_t
};

}  // namespace prefrl::grpo

namespace prefrl::detail {

template <class T, class F>
grpo::kl_estimate<T> map_kl(std::string_view fn, std::span<const T> logps, std::span<const T> ref_logps, F&& f) {
    require_non_empty(fn, "logps", logps.size());
    require_same_size(fn, "ref_logps", ref_logps.size(), "logps", logps.size());
    const auto n = static_cast<Eigen::Index>(logps.size());
    grpo::kl_estimate<T> out{vector<T>(n), vector<T>(n)};
    for (Eigen::Index t = 0; t < n; ++t) {
        const T lp = logps[static_cast<std::size_t>(t)], ref = ref_logps[static_cast<std::size_t>(t)];
        if (!std::isfinite(lp)) fail(fn, "logps[", t, "] must be finite, got ", lp);
        if (!std::isfinite(ref)) fail(fn, "ref_logps[", t, "] must be finite, got ", ref);
        f(lp - ref, out.value[t], out.d_logps[t]);
    }
    return out;
}

}  // namespace prefrl::detail

namespace prefrl::grpo {

/// k1 = lp - ref: unbiased, high variance, can be negative (verl "kl" / "k1"; TRL RLOO's default).
template <ScalarSequence P, ScalarSequence R, class T = sequence_scalar_t<P>>
    requires std::same_as<T, sequence_scalar_t<R>>
kl_estimate<T> kl_k1(const P& logps, const R& ref_logps) {
    return detail::map_kl<T>("prefrl::grpo::kl_k1", as_const_span(logps), as_const_span(ref_logps), [](T x, T& v, T& d) {
        v = x;
        d = T(1);
    });
}

/// k2 = (lp - ref)^2 / 2: biased, low variance, its gradient is the KL's in expectation (verl "k2" / "mse").
template <ScalarSequence P, ScalarSequence R, class T = sequence_scalar_t<P>>
    requires std::same_as<T, sequence_scalar_t<R>>
kl_estimate<T> kl_k2(const P& logps, const R& ref_logps) {
    return detail::map_kl<T>("prefrl::grpo::kl_k2", as_const_span(logps), as_const_span(ref_logps), [](T x, T& v, T& d) {
        v = x * x / T(2);
        d = x;
    });
}

/// k3 = exp(ref - lp) - (ref - lp) - 1: unbiased and >= 0 (verl "k3" / "low_var_kl", TRL GRPO's
/// KL term). Not clamped (verl clamps ref - lp to [-20, 20] and k3 to [-10, 10]): exact in
/// double; in float exp overflows to inf once ref - lp > 88.7.
template <ScalarSequence P, ScalarSequence R, class T = sequence_scalar_t<P>>
    requires std::same_as<T, sequence_scalar_t<R>>
kl_estimate<T> kl_k3(const P& logps, const R& ref_logps) {
    return detail::map_kl<T>("prefrl::grpo::kl_k3", as_const_span(logps), as_const_span(ref_logps), [](T x, T& v, T& d) {
        const T e = std::exp(-x);
        v = e + x - T(1);  // with ref - lp = -x
        d = T(1) - e;
    });
}

/// |lp - ref| (verl "abs"); its derivative is sign(lp - ref), 0 at 0.
template <ScalarSequence P, ScalarSequence R, class T = sequence_scalar_t<P>>
    requires std::same_as<T, sequence_scalar_t<R>>
kl_estimate<T> kl_abs(const P& logps, const R& ref_logps) {
    return detail::map_kl<T>("prefrl::grpo::kl_abs", as_const_span(logps), as_const_span(ref_logps), [](T x, T& v, T& d) {
        v = std::abs(x);
        d = x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
    });
}


}  // namespace prefrl::grpo

#endif  // PREFRL_GRPO_KL_ESTIMATORS_HPP

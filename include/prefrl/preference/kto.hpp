#ifndef PREFRL_PREFERENCE_KTO_HPP
#define PREFRL_PREFERENCE_KTO_HPP

/// \file
/// KTO: Kahneman-Tversky optimization on unpaired, labelled examples.

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::preference {

/// What `kto` returns: the mean loss, the detached KL estimate z0, and d value / d policy.
template <std::floating_point T>
struct kto_result {
    T value{};           ///< the loss: the mean over the examples of the weighted terms below
    T z0{};              ///< the KL reference point max(0, mean(kl_policy - kl_reference)), detached (TRL's `kl`)
    vector<T> d_policy;  ///< d value / d policy log-prob, one entry per example
    // TRL's KTO metrics; NaN over an empty group (TRL then logs nothing)
    T rewards_chosen{};   ///< `rewards/chosen`: mean of beta (policy - reference) over the desirable examples
    T rewards_rejected{};  ///< `rewards/rejected`: the same over the undesirable examples
    T rewards_margins{};  ///< `rewards/margins`: rewards_chosen - rewards_rejected
    T logps_chosen{};     ///< `logps/chosen`: mean policy log-prob of the desirable examples
    T logps_rejected{};   ///< `logps/rejected`: the same over the undesirable examples
};

/// **KTO** — Ethayarajh et al. 2024, "KTO: Model Alignment as Prospect Theoretic
/// Optimization"; TRL's KTO trainer. Unpaired examples, each desirable or not, with
/// a = policy - reference and a KL estimate from mismatched completions:
///
///     z0 = max(0, mean(kl_policy - kl_reference))            (detached)
///     desirable:   desirable_weight   * (1 - sigma(beta (a - z0)))
///     undesirable: undesirable_weight * (1 - sigma(beta (z0 - a)))
///     value = mean over all examples
///
///     auto r = prefrl::preference::kto{.beta = 0.1}(policy, reference, kl_policy, kl_reference, desirable);
struct kto {
    double beta = 0.1;
    double desirable_weight = 1.0;
    double undesirable_weight = 1.0;

    /// The same for any contiguous ranges (`std::vector<double>`, `Eigen::VectorX`), the scalar
    /// deduced. `desirable` views contiguous bools (a `std::array<bool, N>`, a `bool[]`);
    /// `std::vector<bool>` is not contiguous and cannot be viewed.
    template <ScalarRange P, ScalarRange R, ScalarRange KP, ScalarRange KR>
        requires ScalarRangesOfOneType<P, R, KP, KR>
    auto operator()(const P& policy, const R& reference, const KP& kl_policy, const KR& kl_reference, std::span<const bool> desirable) const {
        return operator()<range_scalar_t<P>>(as_span(policy), as_span(reference), as_span(kl_policy), as_span(kl_reference), desirable);
    }

    template <std::floating_point T>
    kto_result<T> operator()(std::span<const T> policy, std::span<const T> reference, std::span<const T> kl_policy,
                             std::span<const T> kl_reference, std::span<const bool> desirable) const {
        constexpr auto fn = "prefrl::preference::kto";
        require_positive(fn, "beta", beta);
        require_non_negative(fn, "desirable_weight", desirable_weight);
        require_non_negative(fn, "undesirable_weight", undesirable_weight);
        require_non_empty(fn, "policy", policy.size());
        require_same_size(fn, "reference", reference.size(), "policy", policy.size());
        require_same_size(fn, "desirable", desirable.size(), "policy", policy.size());
        require_non_empty(fn, "kl_policy", kl_policy.size());
        require_same_size(fn, "kl_reference", kl_reference.size(), "kl_policy", kl_policy.size());
        auto require_all_finite = [&](const char* name, std::span<const T> xs) {
            for (std::size_t i = 0; i < xs.size(); ++i)
                if (!std::isfinite(xs[i])) fail(fn, name, "[", i, "] must be finite, got ", xs[i]);
        };
        require_all_finite("policy", policy);
        require_all_finite("reference", reference);
        require_all_finite("kl_policy", kl_policy);
        require_all_finite("kl_reference", kl_reference);

        double kl = 0.0;
        for (std::size_t i = 0; i < kl_policy.size(); ++i)
            kl += static_cast<double>(kl_policy[i]) - static_cast<double>(kl_reference[i]);
        const double z0 = std::max(0.0, kl / static_cast<double>(kl_policy.size()));
        const double inv_n = 1.0 / static_cast<double>(policy.size());
        kto_result<T> out{T(0), static_cast<T>(z0), vector<T>(static_cast<Eigen::Index>(policy.size()))};
        double value = 0.0;
        for (std::size_t i = 0; i < policy.size(); ++i) {
            const double a = static_cast<double>(policy[i]) - static_cast<double>(reference[i]);
            const double x = desirable[i] ? beta * (a - z0) : beta * (z0 - a);
            const double w = desirable[i] ? desirable_weight : undesirable_weight;
            value += w * (1.0 - sigmoid(x));  // 1 - sigma(x) = sigma(-x)
            const double slope = w * beta * sigmoid(x) * sigmoid(-x);
            out.d_policy[static_cast<Eigen::Index>(i)] = static_cast<T>((desirable[i] ? -slope : slope) * inv_n);
        }
        out.value = static_cast<T>(value * inv_n);
        double rewards[2] = {0.0, 0.0}, logps[2] = {0.0, 0.0}, count[2] = {0.0, 0.0};
        for (std::size_t i = 0; i < policy.size(); ++i) {
            const int group = desirable[i] ? 0 : 1;
            rewards[group] += beta * (static_cast<double>(policy[i]) - static_cast<double>(reference[i]));
            logps[group] += static_cast<double>(policy[i]);
            count[group] += 1.0;
        }
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const auto mean = [&](const double* sums, int group) { return count[group] > 0.0 ? sums[group] / count[group] : nan; };
        out.rewards_chosen = static_cast<T>(mean(rewards, 0));
        out.rewards_rejected = static_cast<T>(mean(rewards, 1));
        out.rewards_margins = static_cast<T>(mean(rewards, 0) - mean(rewards, 1));
        out.logps_chosen = static_cast<T>(mean(logps, 0));
        out.logps_rejected = static_cast<T>(mean(logps, 1));
        return out;
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_KTO_HPP

#ifndef PREFRL_OFFLINE_OCCUPANCY_REGULARIZATION_HPP
#define PREFRL_OFFLINE_OCCUPANCY_REGULARIZATION_HPP

/// \file
/// Occupancy-measure regularization (ORPO, "Correlated Proxies"): the discriminator's loss, the
/// per-step reward penalties it yields, the action-distribution alternative, and the exact
/// divergences between two tabular occupancy measures to check them against.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <type_traits>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

namespace prefrl::detail {

/// For the scores x and a sign s = +-1: returns sum softplus(s x) and writes
/// `sigmoid(s x) * scale` (the gradient of scale * sum softplus(s x) is s times it; callers
/// fold the sign into scale). Block by block with Eigen's SIMD exp and log; `log1p(e)`, with
/// e = exp(-|x|) and u = 1 + e, as `log(u) - ((u - 1) - e) / u` (the rounding of u corrected).
template <std::floating_point T>
double softplus_sum_and_sigmoid(std::span<const T> scores, T sign, T scale, vector<T>& out) {
    constexpr Eigen::Index block = 1024;
    using stack_array = Eigen::Array<T, Eigen::Dynamic, 1, 0, block, 1>;
    const auto n = static_cast<Eigen::Index>(scores.size());
    double total = 0.0;
    for (Eigen::Index first = 0; first < n; first += block) {
        const Eigen::Index count = std::min(block, n - first);
        const stack_array x = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(scores.data() + first, count) * sign;
        const stack_array e = (-x.abs()).exp();  // exp(-|x|) in (0, 1]
        const stack_array u = T(1) + e;
        const stack_array inverse = T(1) / u;
        // log1p(e) = log(u) - ((u - 1) - e) / u: the rounding of u = 1 + e corrected to first order
        const stack_array softplus = x.max(T(0)) + u.log() - ((u - T(1)) - e) * inverse;
        total += static_cast<double>(softplus.sum());  // a block's sum in T (SIMD), the blocks' in double
        // sigmoid(x) = 1 / u for x >= 0, e / u for x < 0
        out.segment(first, count).array() = scale * (x >= T(0)).select(inverse, e * inverse);
    }
    return total;
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// Which divergence between occupancy measures (or action distributions) a penalty estimates.
enum class occupancy_divergence { kl, chi_square, sqrt_chi_square };

/// The discriminator's loss and its gradients in the scores.
template <std::floating_point T>
struct occupancy_discriminator_result {
    T value{};
    vector<T> d_policy_scores;     ///< [N]
    vector<T> d_reference_scores;  ///< [M]
};

/// **Occupancy-measure discriminator loss** — Laidlaw, Singhal & Dragan 2024/25, "Correcting
/// Reward Hacking / Correlated Proxies: ... Occupancy Measure Regularization" (ORPO;
/// cassidylaidlaw/orpo, `_kl_discriminator_loss`): with D's scores on state-action samples of
/// the trained policy's occupancy (`policy_scores`, N of them) and of the reference policy's
/// (`reference_scores`, M),
///
///     L = mean_{x ~ mu_pi} softplus(-D(x)) + mean_{x ~ mu_ref} softplus(D(x))
///
/// whose population minimizer is `D = log(mu_pi / mu_ref)`: then mean_pi D is KL(mu_pi || mu_ref)
/// and mean_pi (exp D - 1) is chi^2(mu_pi || mu_ref). Gradients: `-sigmoid(-D) / N` and
/// `sigmoid(D) / M`.
template <std::floating_point T>
occupancy_discriminator_result<T> occupancy_discriminator_loss(std::span<const T> policy_scores, std::span<const T> reference_scores) {
    constexpr auto fn = "prefrl::offline::occupancy_discriminator_loss";
    require_non_empty(fn, "policy_scores", policy_scores.size());
    require_non_empty(fn, "reference_scores", reference_scores.size());
    detail::require_all_finite<T>(fn, "policy_scores", policy_scores);
    detail::require_all_finite<T>(fn, "reference_scores", reference_scores);
    const auto n = static_cast<Eigen::Index>(policy_scores.size()), m = static_cast<Eigen::Index>(reference_scores.size());
    occupancy_discriminator_result<T> out{T(0), vector<T>(n), vector<T>(m)};
    const double a = detail::softplus_sum_and_sigmoid<T>(policy_scores, T(-1), static_cast<T>(-1.0 / static_cast<double>(n)), out.d_policy_scores);
    const double b = detail::softplus_sum_and_sigmoid<T>(reference_scores, T(1), static_cast<T>(1.0 / static_cast<double>(m)), out.d_reference_scores);
    out.value = static_cast<T>(a / static_cast<double>(n) + b / static_cast<double>(m));
    return out;
}

/// The same for any contiguous ranges (`std::vector`, `Eigen::VectorX`), the scalar deduced.
template <ScalarRange P, ScalarRange R>
    requires ScalarRangesOfOneType<P, R>
auto occupancy_discriminator_loss(const P& policy_scores, const R& reference_scores) {
    return occupancy_discriminator_loss<range_scalar_t<P>>(as_span(policy_scores), as_span(reference_scores));
}

/// The penalized rewards, the per-step penalties and the divergence they estimate.
template <std::floating_point T>
struct occupancy_penalty_result {
    vector<T> rewards;  ///< r - lambda penalty
    vector<T> penalty;  ///< per step
    T estimate{};       ///< the divergence estimated from this batch (KL: mean D; chi^2: mean exp(D) - 1; sqrt: sqrt of the trimmed mean)
};

/// **Occupancy-measure reward penalty** (ORPO): the discriminator's scores D on the trained
/// policy's own steps turn into a per-step penalty, `r' = r - lambda penalty`, whose expectation
/// under mu_pi is the divergence from the reference occupancy:
///
///     kl:               penalty = D
///     chi_square:       penalty = exp(D) - 1
///     sqrt_chi_square:  penalty = (exp(D) - 1) / sqrt(chi2_hat),
///                       chi2_hat = max(trimmed mean of exp(D) - 1, 1e-6)
///
/// The trimmed mean drops `floor(trim N)` scores from each end (scipy's `trim_mean`), since a
/// few large exp(D) dominate a plain mean. lambda_ >= 0 (1; the paper sweeps it per task),
/// trim in [0, 0.5).
struct occupancy_penalty {
    occupancy_divergence divergence = occupancy_divergence::kl;
    double lambda_ = 1.0;
    double trim = 0.1;

    /// The same for any contiguous ranges, the scalar deduced.
    template <ScalarRange R, ScalarRange S>
        requires ScalarRangesOfOneType<R, S>
    auto operator()(const R& rewards, const S& scores) const {
        return operator()<range_scalar_t<R>>(as_span(rewards), as_span(scores));
    }

    template <std::floating_point T>
    occupancy_penalty_result<T> operator()(std::span<const T> rewards, std::span<const T> scores) const {
        constexpr auto fn = "prefrl::offline::occupancy_penalty";
        require_non_negative(fn, "lambda_", lambda_);
        require(trim >= 0.0 && trim < 0.5, fn, "trim must be in [0, 0.5), got ", trim);
        require_non_empty(fn, "scores", scores.size());
        require_same_size(fn, "rewards", rewards.size(), "scores", scores.size());
        const auto n = static_cast<Eigen::Index>(scores.size());
        occupancy_penalty_result<T> out{vector<T>(n), vector<T>(n), T(0)};
        std::vector<double> chi(scores.size());
        double mean = 0.0;
        for (std::size_t i = 0; i < scores.size(); ++i) {
            require(std::isfinite(scores[i]), fn, "scores[", i, "] must be finite, got ", scores[i]);
            require(std::isfinite(rewards[i]), fn, "rewards[", i, "] must be finite, got ", rewards[i]);
            const double d = static_cast<double>(scores[i]);
            chi[i] = std::expm1(d);
            mean += divergence == occupancy_divergence::kl ? d : chi[i];
        }
        mean /= static_cast<double>(n);
        double scale = 1.0;
        if (divergence == occupancy_divergence::sqrt_chi_square) {
            std::vector<double> sorted = chi;
            std::sort(sorted.begin(), sorted.end());
            const auto cut = static_cast<std::size_t>(std::floor(trim * static_cast<double>(sorted.size())));
            double trimmed = 0.0;
            for (std::size_t i = cut; i < sorted.size() - cut; ++i) trimmed += sorted[i];
            trimmed /= static_cast<double>(sorted.size() - 2 * cut);
            scale = 1.0 / std::sqrt(std::max(trimmed, 1e-6));
            out.estimate = static_cast<T>(std::sqrt(std::max(trimmed, 0.0)));
        } else {
            out.estimate = static_cast<T>(mean);
        }
        for (std::size_t i = 0; i < scores.size(); ++i) {
            const auto k = static_cast<Eigen::Index>(i);
            const double p = divergence == occupancy_divergence::kl ? static_cast<double>(scores[i]) : chi[i] * scale;
            out.penalty[k] = static_cast<T>(p);
            out.rewards[k] = static_cast<T>(static_cast<double>(rewards[i]) - lambda_ * p);
        }
        return out;
    }
};

/// The action-distribution divergence and its gradients.
template <std::floating_point T>
struct action_distribution_divergence_result {
    T value{};
    row_matrix<T> d_policy_probs;   ///< [states, actions]
    row_matrix<T> d_policy_logits;  ///< the same chained through a softmax: p (g - <p, g>)
};

/// **Action-distribution regularization** — the alternative ORPO compares against (what RLHF's
/// per-token KL does): `lambda / (1 - gamma) mean_s D(pi(.|s) || pi_ref(.|s))`, categorical,
///
///     kl:          sum_a p log(p / q),         d/dp = log(p / q) + 1
///     chi_square:  sum_a (p - q)^2 / q,        d/dp = 2 (p - q) / q
///
/// on `policy_probs` and `reference_probs` [states, actions] (rows sum to 1; q > 0 wherever
/// p > 0). Where p = 0 the KL derivative in p is -inf; `d_policy_probs` holds 0 there, and
/// `d_policy_logits` (which multiplies by p) is exact. The 1 / (1 - gamma) makes it comparable with an occupancy penalty (ORPO's
/// `gamma_scaling`). lambda_ >= 0 (1), gamma in [0, 1) (0.99).
struct action_distribution_divergence {
    occupancy_divergence divergence = occupancy_divergence::kl;
    double lambda_ = 1.0;
    double gamma = 0.99;

    /// The same for any Eigen matrices (a `row_matrix<double>`, a `Map`), the scalar deduced.
    template <class Derived, class S = typename Derived::Scalar>
        requires std::floating_point<S>
    auto operator()(const Eigen::MatrixBase<Derived>& policy_probs, std::type_identity_t<const_matrix_ref<S>> reference_probs) const {
        return operator()<S>(const_matrix_ref<S>(policy_probs.derived()), reference_probs);
    }

    template <std::floating_point T>
    action_distribution_divergence_result<T> operator()(const_matrix_ref<T> policy_probs, const_matrix_ref<T> reference_probs) const {
        constexpr auto fn = "prefrl::offline::action_distribution_divergence";
        require(divergence != occupancy_divergence::sqrt_chi_square, fn, "divergence must be kl or chi_square, got sqrt_chi_square");
        require_non_negative(fn, "lambda_", lambda_);
        require(gamma >= 0.0 && gamma < 1.0, fn, "gamma must be in [0, 1), got ", gamma);
        const Eigen::Index states = policy_probs.rows(), actions = policy_probs.cols();
        require_non_empty(fn, "policy_probs", static_cast<std::size_t>(states));
        require(reference_probs.rows() == states && reference_probs.cols() == actions, fn, "reference_probs is [", reference_probs.rows(),
                ", ", reference_probs.cols(), "] but policy_probs is [", states, ", ", actions, "]");
        const double scale = lambda_ / (1.0 - gamma) / static_cast<double>(states);
        action_distribution_divergence_result<T> out{T(0), row_matrix<T>(states, actions), row_matrix<T>(states, actions)};
        double total = 0.0;
        for (Eigen::Index s = 0; s < states; ++s) {
            double p_sum = 0.0, q_sum = 0.0, inner = 0.0;
            for (Eigen::Index a = 0; a < actions; ++a) {
                const double p = static_cast<double>(policy_probs(s, a)), q = static_cast<double>(reference_probs(s, a));
                require(p >= 0.0 && p <= 1.0, fn, "policy_probs(", s, ", ", a, ") must be a probability, got ", p);
                require(q >= 0.0 && q <= 1.0, fn, "reference_probs(", s, ", ", a, ") must be a probability, got ", q);
                require(q > 0.0 || p == 0.0, fn, "reference_probs(", s, ", ", a, ") is 0 where policy_probs is ", p, ": the divergence is infinite");
                p_sum += p;
                q_sum += q;
                double f = 0.0, g = 0.0;
                if (divergence == occupancy_divergence::kl) {
                    f = p > 0.0 ? p * std::log(p / q) : 0.0;
                    g = p > 0.0 ? std::log(p / q) + 1.0 : 0.0;  // at p = 0 the derivative is -inf; its logit gradient is 0
                } else {
                    f = q > 0.0 ? (p - q) * (p - q) / q : 0.0;
                    g = q > 0.0 ? 2.0 * (p - q) / q : 0.0;
                }
                total += f;
                out.d_policy_probs(s, a) = static_cast<T>(scale * g);
                inner += p * scale * g;
            }
            require(std::abs(p_sum - 1.0) <= 1e-4 && std::abs(q_sum - 1.0) <= 1e-4, fn, "row ", s, " must sum to 1, got ", p_sum,
                    " (policy) and ", q_sum, " (reference)");
            for (Eigen::Index a = 0; a < actions; ++a)
                out.d_policy_logits(s, a) = static_cast<T>(static_cast<double>(policy_probs(s, a)) * (static_cast<double>(out.d_policy_probs(s, a)) - inner));
        }
        out.value = static_cast<T>(scale * total);
        return out;
    }
};

}  // namespace prefrl::offline

namespace prefrl::detail {

/// `sum over cells of f(p, q)` for two occupancy tables, checking shapes, signs and support.
template <std::floating_point T, class F>
T occupancy_divergence_sum(std::string_view fn, const const_matrix_ref<T>& d_policy, const const_matrix_ref<T>& d_reference, F&& f) {
    require(d_policy.rows() == d_reference.rows() && d_policy.cols() == d_reference.cols() && d_policy.size() > 0, fn,
            "d_policy is [", d_policy.rows(), ", ", d_policy.cols(), "] but d_reference is [", d_reference.rows(), ", ", d_reference.cols(), "]");
    double total = 0.0;
    for (Eigen::Index i = 0; i < d_policy.rows(); ++i)
        for (Eigen::Index j = 0; j < d_policy.cols(); ++j) {
            const double p = static_cast<double>(d_policy(i, j)), q = static_cast<double>(d_reference(i, j));
            require(p >= 0.0 && q >= 0.0 && std::isfinite(p) && std::isfinite(q), fn, "occupancies must be finite and >= 0, got ", p, " and ",
                    q, " at (", i, ", ", j, ")");
            require(q > 0.0 || p == 0.0, fn, "d_reference(", i, ", ", j, ") is 0 where d_policy is ", p, ": the divergence is infinite");
            if (q > 0.0) total += f(p, q);
        }
    return static_cast<T>(total);
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// **Exact KL between occupancy measures**, `sum d_pi log(d_pi / d_ref)`, over the cells of two
/// occupancy tables of the same shape (state or state-action; from `prefrl::mdp::occupancy`).
/// Throws when d_ref is 0 where d_pi is not (the divergence is infinite).
template <std::floating_point T>
T occupancy_kl(const_matrix_ref<T> d_policy, std::type_identity_t<const_matrix_ref<T>> d_reference) {
    return detail::occupancy_divergence_sum<T>("prefrl::offline::occupancy_kl", d_policy, d_reference,
                                               [](double p, double q) { return p > 0.0 ? p * std::log(p / q) : 0.0; });
}

/// **Exact chi^2 between occupancy measures**, `sum (d_pi - d_ref)^2 / d_ref` (same conventions).
template <std::floating_point T>
T occupancy_chi_square(const_matrix_ref<T> d_policy, std::type_identity_t<const_matrix_ref<T>> d_reference) {
    return detail::occupancy_divergence_sum<T>("prefrl::offline::occupancy_chi_square", d_policy, d_reference,
                                               [](double p, double q) { return (p - q) * (p - q) / q; });
}

/// `occupancy_kl` and `occupancy_chi_square` for any Eigen matrices, the scalar deduced.
template <class Derived, class S = typename Derived::Scalar>
    requires std::floating_point<S>
S occupancy_kl(const Eigen::MatrixBase<Derived>& d_policy, std::type_identity_t<const_matrix_ref<S>> d_reference) {
    return occupancy_kl<S>(const_matrix_ref<S>(d_policy.derived()), d_reference);
}
template <class Derived, class S = typename Derived::Scalar>
    requires std::floating_point<S>
S occupancy_chi_square(const Eigen::MatrixBase<Derived>& d_policy, std::type_identity_t<const_matrix_ref<S>> d_reference) {
    return occupancy_chi_square<S>(const_matrix_ref<S>(d_policy.derived()), d_reference);
}

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_OCCUPANCY_REGULARIZATION_HPP

#ifndef PREFRL_PREFERENCE_NASH_MD_HPP
#define PREFRL_PREFERENCE_NASH_MD_HPP

/// \file
/// Nash-MD: the geometric mixture of the policy and the reference it samples opponents from,
/// and its policy-gradient loss on the generated sequences.

#include <cmath>
#include <concepts>
#include <limits>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::preference {

/// **Geometric mixture** — Munos et al. 2023, "Nash Learning from Human Feedback" (Nash-MD's
/// regularized policy; XPO and TRL's `GeometricMixtureWrapper` use it too):
/// `pi_mix ∝ pi^(1 - m) pi_ref^m`, as normalized log-probabilities, from the two
/// distributions' log-probabilities over the same support (m in [0, 1]; TRL's default 0.5).
template <Scalar T>
vector<T> geometric_mixture(std::span<const T> log_policy, std::span<const T> log_reference, double m) {
    constexpr auto fn = "prefrl::preference::geometric_mixture";
    require_non_empty(fn, "log_policy", log_policy.size());
    require_same_size(fn, "log_reference", log_reference.size(), "log_policy", log_policy.size());
    require_in_closed(fn, "m", m, 0.0, 1.0);
    Eigen::VectorXd mix(static_cast<Eigen::Index>(log_policy.size()));
    for (std::size_t y = 0; y < log_policy.size(); ++y) {
        const double lp = static_cast<double>(log_policy[y]), lr = static_cast<double>(log_reference[y]);
        if (std::isnan(lp) || lp == std::numeric_limits<double>::infinity()) fail(fn, "log_policy[", y, "] must be a log-probability, got ", lp);
        if (std::isnan(lr) || lr == std::numeric_limits<double>::infinity()) fail(fn, "log_reference[", y, "] must be a log-probability, got ", lr);
        // 0 * -inf is 0 here: a response the mixture's weight ignores does not veto it
        mix[static_cast<Eigen::Index>(y)] = (m == 1.0 ? 0.0 : (1.0 - m) * lp) + (m == 0.0 ? 0.0 : m * lr);
    }
    require(mix.maxCoeff() > -std::numeric_limits<double>::infinity(), fn,
            "the mixture has no support: every response has log-probability -inf under the weights (1 - m, m) = (", 1.0 - m,
            ", ", m, ")");
    mix.array() -= logsumexp<double>(std::span<const double>(mix.data(), static_cast<std::size_t>(mix.size())));
    return mix.cast<T>();
}

/// The mixture per token from logits, as TRL's `GeometricMixtureWrapper` samples it: logits
/// `(1 - m) z + m z_ref` row by row (their softmax is the normalized geometric mixture of the
/// two softmaxes).
template <class Derived, class DerivedRef>
    requires Scalar<typename Derived::Scalar> && std::same_as<typename Derived::Scalar, typename DerivedRef::Scalar>
row_matrix<typename Derived::Scalar> geometric_mixture_logits(const Eigen::MatrixBase<Derived>& policy_logits,
                                                              const Eigen::MatrixBase<DerivedRef>& reference_logits,
                                                              double m) {
    using T = typename Derived::Scalar;
    constexpr auto fn = "prefrl::preference::geometric_mixture_logits";
    require_in_closed(fn, "m", m, 0.0, 1.0);
    require(policy_logits.rows() == reference_logits.rows() && policy_logits.cols() == reference_logits.cols(), fn,
            "reference_logits is ", reference_logits.rows(), " x ", reference_logits.cols(), " but policy_logits is ",
            policy_logits.rows(), " x ", policy_logits.cols());
    return static_cast<T>(1.0 - m) * policy_logits + static_cast<T>(m) * reference_logits;
}

/// What `nash_md` returns: the mean surrogate loss over the sequences, its gradient with
/// respect to each token's policy log-prob, and the mean sequence KL estimate
/// sum_t (lp_t - lp_ref_t) (what TRL logs as the KL).
template <Scalar T>
struct nash_md_result {
    T value{};
    vector<T> d_token_logprobs;
    T kl{};
};

/// **Nash-MD loss** — Munos et al. 2023, "Nash Learning from Human Feedback"; TRL's
/// NashMDTrainer. For S sequences of `steps` tokens sampled from the policy, each with the
/// probability `preference[s]` that it beats the mixture's sample, the REINFORCE surrogate
///
///     loss_s = beta sum_t sg(lp_t - lp_ref_t) lp_t - (preference_s - 1/2) sum_t lp_t
///     d loss_s / d lp_t = beta (lp_t - lp_ref_t) - (preference_s - 1/2)      (masked tokens: 0)
///
/// averaged over the sequences (sg = stop-gradient). Token log-probs are laid out
/// `[sequence][step]` with a 0/1 mask, as `prefrl::kernel::token_logprobs` returns them; feed
/// the gradient to `kernel::token_logprobs_backward` for d_logits.
struct nash_md {
    double beta = 0.1;

    template <Scalar T>
    nash_md_result<T> operator()(std::span<const T> token_logprobs, std::span<const T> ref_token_logprobs,
                                 std::span<const T> mask, index_t steps, std::span<const T> preference) const {
        constexpr auto fn = "prefrl::preference::nash_md";
        require_positive(fn, "beta", beta);
        require_positive(fn, "steps", steps);
        require_non_empty(fn, "token_logprobs", token_logprobs.size());
        require_same_size(fn, "ref_token_logprobs", ref_token_logprobs.size(), "token_logprobs", token_logprobs.size());
        require_same_size(fn, "mask", mask.size(), "token_logprobs", token_logprobs.size());
        const auto rows = static_cast<index_t>(token_logprobs.size());
        require(rows % steps == 0, fn, "token_logprobs has ", rows, " entries, not a multiple of steps = ", steps);
        const index_t sequences = rows / steps;
        require_same_size(fn, "preference", preference.size(), "sequences", static_cast<std::size_t>(sequences));
        for (std::size_t i = 0; i < token_logprobs.size(); ++i) {
            if (!std::isfinite(token_logprobs[i])) fail(fn, "token_logprobs[", i, "] must be finite, got ", token_logprobs[i]);
            if (!std::isfinite(ref_token_logprobs[i])) fail(fn, "ref_token_logprobs[", i, "] must be finite, got ", ref_token_logprobs[i]);
            if (!(mask[i] == T(0) || mask[i] == T(1))) fail(fn, "mask[", i, "] must be 0 or 1, got ", mask[i]);
        }
        for (std::size_t s = 0; s < preference.size(); ++s)
            if (!(preference[s] >= T(0) && preference[s] <= T(1))) fail(fn, "preference[", s, "] must be a probability in [0, 1], got ", preference[s]);

        nash_md_result<T> out{T(0), vector<T>::Zero(rows), T(0)};
        const double inv_s = 1.0 / static_cast<double>(sequences);
        double value = 0.0, kl = 0.0;
        for (index_t s = 0; s < sequences; ++s) {
            const double advantage = static_cast<double>(preference[static_cast<std::size_t>(s)]) - 0.5;
            for (index_t t = 0; t < steps; ++t) {
                const auto i = static_cast<std::size_t>(s * steps + t);
                if (mask[i] == T(0)) continue;
                const double lp = static_cast<double>(token_logprobs[i]), gap = lp - static_cast<double>(ref_token_logprobs[i]);
                value += beta * gap * lp - advantage * lp;
                kl += gap;
                out.d_token_logprobs[static_cast<Eigen::Index>(i)] = static_cast<T>((beta * gap - advantage) * inv_s);
            }
        }
        out.value = static_cast<T>(value * inv_s);
        out.kl = static_cast<T>(kl * inv_s);
        return out;
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_NASH_MD_HPP

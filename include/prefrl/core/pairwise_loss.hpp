#ifndef PREFRL_CORE_PAIRWISE_LOSS_HPP
#define PREFRL_CORE_PAIRWISE_LOSS_HPP

/// \file
/// The `PairwiseLoss` concept.

#include <concepts>
#include <utility>

#include "prefrl/core/types.hpp"

namespace prefrl {

/// **PairwiseLoss** — a preference loss over a batch of (chosen, rejected) pairs of sequence
/// log-probabilities, returning its mean value and its gradient.
///
/// Given `const L loss` and a batch `b` of type `Batch` (in prefrl,
/// `prefrl::preference::pair_batch<T>`: policy and reference log-probs of the chosen and
/// rejected completions, plus the optional fields some losses need):
///
/// 1. `loss(b)` returns a result `r` with
/// 2. `r.value` -> a floating-point scalar: the loss averaged over the pairs;
/// 3. `r.d_chosen`, `r.d_rejected` -> `prefrl::vector<T>`, one entry per pair:
///    d value / d (policy log-prob of the chosen / rejected completion).
///
/// Laws: `d_chosen` and `d_rejected` match central differences of `value`; the value does
/// not depend on the order of the pairs; invalid hyperparameters or batches throw
/// `prefrl::invalid_argument` naming the loss and the field.
///
/// Not required: gradients with respect to the reference (it is constant), logged metrics
/// (prefrl's losses add TRL's rewards/chosen, rewards/rejected, accuracies, margins).
///
/// Models: every loss in `prefrl::preference` (dpo, ipo, hinge, simpo, sppo, inpo, dno, ...).
template <class L, class Batch>
concept PairwiseLoss = requires(const L& loss, const Batch& b) {
    { loss(b).value } -> std::convertible_to<double>;
    loss(b).d_chosen.size();
    loss(b).d_rejected.size();
};

/// Checks `PairwiseLoss<L, Batch>` requirement by requirement, naming what is missing.
template <class L, class Batch>
consteval bool check_pairwise_loss() {
    static_assert(std::invocable<const L&, const Batch&>,
                  "prefrl::PairwiseLoss: missing `result operator()(const pair_batch<T>&) const`");
    if constexpr (std::invocable<const L&, const Batch&>) {
        static_assert(requires(const L& loss, const Batch& b) { { loss(b).value } -> std::convertible_to<double>; },
                      "prefrl::PairwiseLoss: the result must have a floating-point field `value`");
        static_assert(requires(const L& loss, const Batch& b) { loss(b).d_chosen.size(); },
                      "prefrl::PairwiseLoss: the result must have a vector field `d_chosen`");
        static_assert(requires(const L& loss, const Batch& b) { loss(b).d_rejected.size(); },
                      "prefrl::PairwiseLoss: the result must have a vector field `d_rejected`");
    }
    return PairwiseLoss<L, Batch>;
}

}  // namespace prefrl

#endif  // PREFRL_CORE_PAIRWISE_LOSS_HPP

#ifndef PREFRL_PREFERENCE_PAIR_BATCH_HPP
#define PREFRL_PREFERENCE_PAIR_BATCH_HPP

/// \file
/// `pair_batch<T>`: the input of every pairwise preference loss; `pair_loss_result<T>` and
/// `pair_loss_metrics<T>`, what the losses return (value, TRL's logged metrics, and the
/// gradient unless the caller gave the buffers); the concept `SeparablePairLoss`.

#include <concepts>
#include <span>

#include "prefrl/core/types.hpp"

namespace prefrl::preference {

/// A batch of preference pairs as sequence log-probabilities, one entry per pair, in TRL's
/// vocabulary. `chosen`/`rejected` are log pi(y_w|x), log pi(y_l|x) of the policy being
/// trained (the losses differentiate with respect to them); `ref_*` of the frozen reference;
/// the optional fields are needed by some losses only (lengths by the length-normalized
/// ones, anchors by INPO / DNO / SPPO, win rates by SPPO, `target` by DNO).
template <std::floating_point T>
struct pair_batch {
    std::span<const T> chosen, rejected;                           ///< policy sequence log-probs
    std::span<const T> ref_chosen = {}, ref_rejected = {};         ///< reference model (absent: reference-free losses)
    std::span<const T> chosen_length = {}, rejected_length = {};   ///< token counts
    std::span<const T> anchor_chosen = {}, anchor_rejected = {};   ///< previous iterate pi_t
    std::span<const T> win_chosen = {}, win_rejected = {};         ///< estimated P(y > pi_t)
    std::span<const T> target = {};                                ///< soft label (DNO)
    std::span<const T> weight = {};  ///< per-pair weights (>= 0): value = mean_i weight_i loss_i, as TRL
};

/// The metrics a pairwise loss returns beside its gradient: the mean loss over the pairs and
/// the means TRL logs, `rewards/chosen`, `rewards/rejected`, `rewards/accuracies`,
/// `rewards/margins`, `logps/chosen`, `logps/rejected`. The overloads that write the gradient
/// into the caller's buffers return this alone.
template <std::floating_point T>
struct pair_loss_metrics {
    T value{};
    T rewards_chosen{}, rewards_rejected{}, rewards_accuracies{}, rewards_margins{};
    T logps_chosen{}, logps_rejected{};
};

/// What a pairwise loss returns when called on a batch alone: the metrics (`value` first)
/// and the gradient of the mean loss with respect to the policy's chosen and rejected
/// log-probs.
template <std::floating_point T>
struct pair_loss_result : pair_loss_metrics<T> {
    vector<T> d_chosen, d_rejected;
};

/// Which optional fields of a `pair_batch` a loss reads (checked before it runs).
struct pair_fields {
    bool reference = true;
    bool lengths = false;
    bool anchors = false;    ///< anchor_chosen, anchor_rejected
    bool win_rates = false;  ///< win_chosen, win_rejected, in [0, 1]
    bool target = false;     ///< target, in [0, 1]
};

/// A pair loss whose value is the mean of per-pair terms, no term coupling two pairs: the
/// loss of a batch is the pair-count-weighted mean of the losses of any split of it into
/// sub-batches, and so is its gradient. `from_hidden` then runs such a loss chunk by chunk in
/// one pass. A loss declares it with `static constexpr bool separable = true;` (AOT, whose
/// sort couples the batch, does not).
template <class Loss>
concept SeparablePairLoss = requires {
    requires Loss::separable;
};

}  // namespace prefrl::preference

// The block engine every loss runs on (SIMD blocks of pairs, the checks, the parallel
// reduction in a fixed order) is internal: prefrl/detail/pair_engine.hpp, included here after
// the types it works on.
#include "prefrl/detail/pair_engine.hpp"

#endif  // PREFRL_PREFERENCE_PAIR_BATCH_HPP

#ifndef PREFRL_PREFERENCE_FROM_LOGITS_HPP
#define PREFRL_PREFERENCE_FROM_LOGITS_HPP

/// \file
/// A whole pairwise-loss step from token logits: token log-probs, per-sequence sums, the
/// loss, and the backward to d_logits, through the kernels of `prefrl/kernel/`.

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/pairwise_loss.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/kernel/sequence_sums.hpp"
#include "prefrl/kernel/token_logprobs.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// The loss's own result (`value`, `d_chosen`, `d_rejected`, metrics) plus each sequence's
/// log-prob (chosen sequences first) and, for the allocating overload, d_logits.
template <class LossResult, class T>
struct from_logits_result : LossResult {
    vector<T> sequence_logprobs;  ///< 2 * pairs: chosen sequences, then rejected
    row_matrix<T> d_logits;       ///< empty when the gradient went into the caller's buffer
    T logits_chosen{};            ///< TRL's `logits/chosen`: the mean logit (over the vocabulary) of the chosen sequences' unmasked tokens
    T logits_rejected{};          ///< TRL's `logits/rejected`: the same over the rejected sequences' unmasked tokens
};

/// Runs `loss` from logits laid out `[sequence][step][vocab]` (rows = 2 * pairs * steps),
/// sequences `0 .. pairs-1` chosen and `pairs .. 2 pairs - 1` rejected; `labels` and `mask`
/// per row (mask 1 on completion tokens); reference sequence log-probs per pair (both empty
/// for a reference-free loss such as SimPO or ORPO). Sequence
/// lengths for length-normalized losses are the mask sums. The gradient is written into
/// `d_logits` (same shape as `logits`; reuse one buffer across steps).
///
/// Two passes over the logits: the forward (keeping each row's log-sum-exp, O(rows)), then,
/// once the loss has given each sequence's gradient, the backward (one exponential per entry).
template <class Loss, class Derived>
    requires Scalar<typename Derived::Scalar> && PairwiseLoss<Loss, pair_batch<typename Derived::Scalar>>
auto from_logits(const Loss& loss, const Eigen::MatrixBase<Derived>& logits, std::span<const index_t> labels,
                 std::span<const typename Derived::Scalar> mask, std::span<const typename Derived::Scalar> ref_chosen,
                 std::span<const typename Derived::Scalar> ref_rejected, index_t steps,
                 matrix_ref<typename Derived::Scalar> d_logits) {
    using T = typename Derived::Scalar;
    constexpr auto fn = "prefrl::preference::from_logits";
    require_positive(fn, "steps", steps);
    const index_t sequence_steps = checked_size_product(fn, "2 * steps", index_t{2}, steps);
    require(logits.rows() > 0 && logits.rows() % sequence_steps == 0, fn, "logits has ", logits.rows(),
            " rows, not a positive multiple of 2 * steps = ", sequence_steps);
    const index_t pairs = logits.rows() / sequence_steps;
    detail::check_step_reference(fn, ref_chosen, ref_rejected, static_cast<std::size_t>(pairs));

    const const_matrix_ref<T> z(logits.derived());
    vector<double> row_means;
    const auto forward = prefrl::detail::token_forward<T>(fn, z, labels, mask, &row_means);
    const vector<T> sequence = kernel::sequence_sums(forward.logprobs, steps);
    const vector<T> lengths = kernel::sequence_sums<T>(mask, steps);
    for (index_t i = 0; i < 2 * pairs; ++i)
        require(lengths[i] > T(0), fn, "the ", i < pairs ? "chosen" : "rejected", " sequence of pair ", i % pairs,
                " (logits rows ", i * steps, " to ", (i + 1) * steps - 1, ") has no unmasked token");
    const auto first = [&](const vector<T>& v) { return std::span<const T>(v.data(), static_cast<std::size_t>(pairs)); };
    const auto second = [&](const vector<T>& v) {
        return std::span<const T>(v.data() + pairs, static_cast<std::size_t>(pairs));
    };
    const pair_batch<T> batch{first(sequence), second(sequence), ref_chosen, ref_rejected, first(lengths), second(lengths)};

    using loss_result = decltype(loss(batch));
    from_logits_result<loss_result, T> out{loss(batch), sequence, {}, T(0), T(0)};
    {  // TRL's logits/chosen and logits/rejected: token-weighted over unmasked tokens
        const index_t half = pairs * steps;
        double sums[2] = {0.0, 0.0}, tokens[2] = {0.0, 0.0};
        for (index_t r = 0; r < 2 * half; ++r) {
            if (mask[static_cast<std::size_t>(r)] == T(0)) continue;
            const int side = r < half ? 0 : 1;
            sums[side] += row_means[r];
            tokens[side] += 1.0;
        }
        out.logits_chosen = static_cast<T>(sums[0] / tokens[0]);  // every sequence has an unmasked token (checked above)
        out.logits_rejected = static_cast<T>(sums[1] / tokens[1]);
    }
    vector<T> d_sequence(2 * pairs);
    d_sequence << out.d_chosen, out.d_rejected;
    const vector<T> upstream = kernel::sequence_broadcast<T>(as_span(d_sequence), steps);
    prefrl::detail::token_backward<T>(fn, z, labels, mask, as_span(upstream),
                                      std::span<const double>(forward.logsumexp.data(), forward.logsumexp.size()), d_logits);
    return out;
}

/// As above, returning a newly allocated d_logits in the result.
template <class Loss, class Derived>
    requires Scalar<typename Derived::Scalar> && PairwiseLoss<Loss, pair_batch<typename Derived::Scalar>>
auto from_logits(const Loss& loss, const Eigen::MatrixBase<Derived>& logits, std::span<const index_t> labels,
                 std::span<const typename Derived::Scalar> mask, std::span<const typename Derived::Scalar> ref_chosen,
                 std::span<const typename Derived::Scalar> ref_rejected, index_t steps) {
    row_matrix<typename Derived::Scalar> d_logits(logits.rows(), logits.cols());
    auto out = from_logits(loss, logits, labels, mask, ref_chosen, ref_rejected, steps, d_logits);
    out.d_logits = std::move(d_logits);
    return out;
}

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_FROM_LOGITS_HPP

#ifndef PREFRL_PREFERENCE_FROM_HIDDEN_HPP
#define PREFRL_PREFERENCE_FROM_HIDDEN_HPP

/// \file
/// A whole pairwise-loss step from a language model's last hidden states and its output
/// projection, never holding the `[rows, vocab]` logits: the fused linear kernels of
/// `prefrl/kernel/linear_token_logprobs.hpp` under any pair loss, as Liger-Kernel's chunked
/// preference losses do on a GPU (linkedin/Liger-Kernel, `src/liger_kernel/chunked_loss/
/// fused_linear_preference.py`).

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/pairwise_loss.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/kernel/linear_token_logprobs.hpp"
#include "prefrl/kernel/sequence_sums.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// The loss's own result (`value`, `d_chosen`, `d_rejected`, metrics) plus each sequence's
/// log-prob (chosen sequences first).
template <class LossResult, class T>
struct from_hidden_result : LossResult {
    vector<T> sequence_logprobs;  ///< 2 * pairs: chosen sequences, then rejected
};

}  // namespace prefrl::preference

namespace prefrl::detail {

/// The active rows pair by pair (chosen sequence i, then rejected sequence i), in groups of
/// whole pairs of at most `chunk` rows (a pair longer than that is a group of its own).
/// `first_pair[k]` is group k's first pair; the last entry is `pairs`.
template <class T>
linear_row_plan plan_pairs(std::span<const T> mask, Eigen::Index pairs, Eigen::Index steps, Eigen::Index chunk,
                           std::vector<Eigen::Index>& first_pair) {
    return plan_groups(pairs, chunk, first_pair, [&](Eigen::Index i, std::vector<index_t>& rows) {
        for (const Eigen::Index sequence : {i, pairs + i})
            for (Eigen::Index t = 0; t < steps; ++t) {
                const Eigen::Index r = sequence * steps + t;
                if (mask[static_cast<std::size_t>(r)] != T(0)) rows.push_back(r);
            }
    });
}

/// Groups of whole pairs (`linear_grouped_pass`): each group's loss on its pairs (a mean
/// over them) gives the exact gradient of its rows once scaled by pairs_in_group / pairs. A
/// group that fits in a chunk is one pass; a pair longer than a chunk forms its last chunk's
/// logits once and the earlier chunks' twice.
template <class T, class Loss, class BatchOf>
preference::from_hidden_result<pair_loss_result<T>, T> from_hidden_by_pairs(
    std::string_view fn, const Loss& loss, const const_matrix_ref<T>& h, const const_matrix_ref<T>& w,
    std::span<const index_t> labels, std::span<const T> mask, const linear_row_plan& plan,
    const std::vector<Eigen::Index>& first_pair, Eigen::Index chunk, Eigen::Index pairs, index_t steps,
    const BatchOf& batch_of, matrix_ref<T>& d_hidden, matrix_ref<T>& d_weight) {
    preference::from_hidden_result<pair_loss_result<T>, T> out;
    out.sequence_logprobs = vector<T>::Zero(2 * pairs);
    out.d_chosen.resize(pairs);
    out.d_rejected.resize(pairs);
    double sums[6] = {};  // value, rewards chosen / rejected, accuracies, logps chosen / rejected
    vector<T> token_lp;
    linear_grouped_pass<T>(
        fn, h, w, labels, mask, plan, chunk, token_lp, d_hidden, d_weight,
        [&](std::size_t k, std::span<const index_t> rows, std::span<const T> lp, std::span<T> g) {
            const Eigen::Index p0 = first_pair[k], count = first_pair[k + 1] - p0;
            std::vector<double> sequence(static_cast<std::size_t>(2 * count), 0.0);  // chosen, then rejected
            const auto slot = [&](index_t r) {
                const Eigen::Index s = r / steps;
                return static_cast<std::size_t>(s < pairs ? s - p0 : count + s - pairs - p0);
            };
            for (std::size_t i = 0; i < rows.size(); ++i) sequence[slot(rows[i])] += static_cast<double>(lp[i]);
            for (Eigen::Index i = 0; i < count; ++i) {
                out.sequence_logprobs[p0 + i] = static_cast<T>(sequence[static_cast<std::size_t>(i)]);
                out.sequence_logprobs[pairs + p0 + i] = static_cast<T>(sequence[static_cast<std::size_t>(count + i)]);
            }
            const std::span<T> d_c(out.d_chosen.data() + p0, static_cast<std::size_t>(count));
            const std::span<T> d_r(out.d_rejected.data() + p0, static_cast<std::size_t>(count));
            pair_loss_metrics<T> m;
            try {
                m = loss(batch_of(out.sequence_logprobs, p0, count), d_c, d_r);
            } catch (const invalid_argument& e) {
                fail(fn, "pairs [", p0, ", ", p0 + count, ") (entry i is pair ", p0, " + i): ", e.what());
            }
            // the group's loss is a mean over its pairs; the batch's, over all pairs
            const double share = static_cast<double>(count) / static_cast<double>(pairs);
            const T share_t = static_cast<T>(share);
            for (Eigen::Index i = 0; i < count; ++i) {
                d_c[static_cast<std::size_t>(i)] *= share_t;
                d_r[static_cast<std::size_t>(i)] *= share_t;
            }
            const T chunk_metrics[6] = {m.value, m.rewards_chosen, m.rewards_rejected, m.rewards_accuracies,
                                        m.logps_chosen, m.logps_rejected};
            for (int j = 0; j < 6; ++j) sums[j] += share * static_cast<double>(chunk_metrics[j]);
            for (std::size_t i = 0; i < rows.size(); ++i) {
                const std::size_t s = slot(rows[i]);
                g[i] = s < static_cast<std::size_t>(count) ? d_c[s] : d_r[s - static_cast<std::size_t>(count)];
            }
        });
    out.value = static_cast<T>(sums[0]);
    out.rewards_chosen = static_cast<T>(sums[1]);
    out.rewards_rejected = static_cast<T>(sums[2]);
    out.rewards_accuracies = static_cast<T>(sums[3]);
    out.rewards_margins = static_cast<T>(sums[1] - sums[2]);
    out.logps_chosen = static_cast<T>(sums[4]);
    out.logps_rejected = static_cast<T>(sums[5]);
    return out;
}

/// Two passes, for losses that couple the batch: the forward (log-sum-exps kept), the loss on
/// the whole batch, the backward (each chunk's logits formed again).
template <class T, class Loss, class BatchOf>
auto from_hidden_two_passes(std::string_view fn, const Loss& loss, const const_matrix_ref<T>& h,
                            const const_matrix_ref<T>& w, std::span<const index_t> labels, std::span<const T> mask,
                            Eigen::Index chunk, Eigen::Index pairs, index_t steps, const BatchOf& batch_of,
                            matrix_ref<T>& d_hidden, matrix_ref<T>& d_weight) {
    const auto plan = plan_active_rows(mask, chunk);
    vector<T> token_lp;
    vector<double> lse;
    linear_pass<T>(fn, h, w, labels, mask, plan, linear_mode::forward, {}, {}, token_lp, lse, nullptr, nullptr);
    const vector<T> sequence = kernel::sequence_sums(token_lp, steps);
    using loss_result = decltype(loss(batch_of(sequence, 0, pairs)));
    preference::from_hidden_result<loss_result, T> out{loss(batch_of(sequence, 0, pairs)), sequence};
    vector<T> d_sequence(2 * pairs);
    d_sequence << out.d_chosen, out.d_rejected;
    const vector<T> upstream = kernel::sequence_broadcast<T>(as_span(d_sequence), steps);
    vector<T> unused_lp;
    vector<double> unused_lse;
    linear_pass<T>(fn, h, w, labels, mask, plan, linear_mode::backward, as_span(upstream),
                   std::span<const double>(lse.data(), static_cast<std::size_t>(lse.size())), unused_lp, unused_lse,
                   &d_hidden, &d_weight);
    return out;
}

}  // namespace prefrl::detail

namespace prefrl::preference {

/// Runs `loss` from hidden states `[sequence][step][hidden_size]` (rows = 2 * pairs * steps,
/// sequences `0 .. pairs-1` chosen and `pairs .. 2 pairs - 1` rejected, as `from_logits` lays
/// out its logits) and the output projection `weight` `[vocab, hidden_size]`; `labels` and
/// `mask` per row; reference sequence log-probs per pair (both empty for a reference-free loss
/// such as SimPO or ORPO). Writes `d_hidden` and `d_weight`
/// (overwritten) and returns the loss's result with each sequence's log-prob.
///
/// A loss that is a mean of per-pair terms (`SeparablePairLoss`: DPO and most of its family)
/// runs pair by pair: groups of whole pairs, each group's loss and gradient exact. A group that
/// fits in a chunk is one pass (its logits formed once); a pair longer than a chunk forms the
/// logits of its last chunk once and of its earlier chunks twice, the first chunk the short
/// one (a pair of 512 rows in chunks of 128: 896 rows of logits formed instead of the 1024 of
/// a forward and a backward). The default chunk is a tenth of the batch's logits, between 16
/// and 64 MiB (409 rows at [4096 rows, vocab 32000] in float: 615 rows formed per pair); raise
/// `options.chunk_rows` to trade memory for the one pass. Other losses (AOT's sort
/// couples the batch) take two passes: the forward, the loss on the whole batch, then the
/// backward, which forms each chunk's logits again.
///
///     prefrl::row_matrix<float> d_hidden(hidden.rows(), hidden.cols()), d_weight(weight.rows(), weight.cols());
///     auto r = prefrl::preference::from_hidden(prefrl::preference::dpo{.beta = 0.1}, hidden, weight, labels, mask,
///                                              ref_chosen, ref_rejected, steps, d_hidden, d_weight);
template <class Loss, class H, class W>
    requires Scalar<typename H::Scalar> && std::same_as<typename H::Scalar, typename W::Scalar> &&
             PairwiseLoss<Loss, pair_batch<typename H::Scalar>>
auto from_hidden(const Loss& loss, const Eigen::MatrixBase<H>& hidden, const Eigen::MatrixBase<W>& weight,
                 std::span<const index_t> labels, std::span<const typename H::Scalar> mask,
                 std::span<const typename H::Scalar> ref_chosen, std::span<const typename H::Scalar> ref_rejected,
                 index_t steps, matrix_ref<typename H::Scalar> d_hidden, matrix_ref<typename H::Scalar> d_weight,
                 kernel::linear_logprobs_options options = {}) {
    using T = typename H::Scalar;
    constexpr auto fn = "prefrl::preference::from_hidden";
    const const_matrix_ref<T> h(hidden.derived()), w(weight.derived());
    detail::check_linear_inputs(fn, h, w, labels, mask);
    detail::check_linear_gradients(fn, h, w, d_hidden, d_weight);
    require_positive(fn, "steps", steps);
    const index_t sequence_steps = checked_size_product(fn, "2 * steps", index_t{2}, steps);
    require(h.rows() % sequence_steps == 0, fn, "hidden has ", h.rows(), " rows, not a multiple of 2 * steps = ",
            sequence_steps);
    const Eigen::Index pairs = h.rows() / sequence_steps;
    detail::check_step_reference(fn, ref_chosen, ref_rejected, static_cast<std::size_t>(pairs));
    const Eigen::Index chunk = detail::linear_pair_chunk_rows<T>(fn, options.chunk_rows, h.rows(), w.rows());
    const vector<T> lengths = kernel::sequence_sums<T>(mask, steps);

    const auto batch_of = [&](const vector<T>& sequence, Eigen::Index p0, Eigen::Index count) {
        const auto at = [&](const vector<T>& v, Eigen::Index offset) {
            return std::span<const T>(v.data() + offset + p0, static_cast<std::size_t>(count));
        };
        const auto reference = [&](std::span<const T> ref) {  // empty: a reference-free loss
            return ref.empty() ? ref : ref.subspan(static_cast<std::size_t>(p0), static_cast<std::size_t>(count));
        };
        return pair_batch<T>{at(sequence, 0),       at(sequence, pairs), reference(ref_chosen),
                             reference(ref_rejected), at(lengths, 0),      at(lengths, pairs)};
    };

    if constexpr (SeparablePairLoss<Loss>) {
        std::vector<Eigen::Index> first_pair;
        const auto plan = detail::plan_pairs(mask, pairs, static_cast<Eigen::Index>(steps), chunk, first_pair);
        return detail::from_hidden_by_pairs<T>(fn, loss, h, w, labels, mask, plan, first_pair, chunk, pairs, steps,
                                               batch_of, d_hidden, d_weight);
    } else {
        return detail::from_hidden_two_passes<T>(fn, loss, h, w, labels, mask, chunk, pairs, steps, batch_of,
                                                  d_hidden, d_weight);
    }
}

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_FROM_HIDDEN_HPP

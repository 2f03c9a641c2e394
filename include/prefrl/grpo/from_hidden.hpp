#ifndef PREFRL_GRPO_FROM_HIDDEN_HPP
#define PREFRL_GRPO_FROM_HIDDEN_HPP

/// \file
/// A whole GRPO-family step from a language model's last hidden states and its output
/// projection, never holding the `[rows, vocab]` logits: the fused linear kernels of
/// `prefrl/kernel/linear_token_logprobs.hpp` under `grpo::policy_loss`, as Liger-Kernel's
/// chunked GRPO loss does on a GPU (linkedin/Liger-Kernel,
/// `src/liger_kernel/chunked_loss/grpo_loss.py`).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/grpo/policy_loss.hpp"
#include "prefrl/grpo/token_batch.hpp"
#include "prefrl/kernel/linear_token_logprobs.hpp"

namespace prefrl::grpo {

/// The loss's value and metrics, and each token's log-prob (B*T, 0 on padding).
template <std::floating_point T>
struct from_hidden_result : policy_loss_metrics<T> {
    vector<T> logps;  ///< log pi(labels[r] | ...) per row, as the loss saw them
};

}  // namespace prefrl::grpo

namespace prefrl::detail {

/// The active rows completion by completion, in groups of whole completions of at most
/// `chunk` rows (a longer completion is a group of its own). `first[k]` is group k's first
/// completion; the last entry is B.
template <class T>
linear_row_plan plan_completions(std::span<const T> mask, Eigen::Index B, Eigen::Index S, Eigen::Index chunk,
                                 std::vector<Eigen::Index>& first) {
    return plan_groups(B, chunk, first, [&](Eigen::Index i, std::vector<index_t>& rows) {
        for (Eigen::Index r = i * S; r < (i + 1) * S; ++r)
            if (mask[static_cast<std::size_t>(r)] != T(0)) rows.push_back(r);
    });
}

/// The policy loss of a batch run on groups of whole completions: each group's loss is exact
/// once its normalizer is the batch's. A group's `run_policy_loss` normalizes over its own
/// completions; `scale` turns that into the batch's normalizer (grpo, sapo, dr_grpo: B_group /
/// B; bnpo: its tokens over the batch's; dapo, cispo: the batch's count is passed in as
/// `num_items_in_batch`), and the metrics are summed back as counts.
template <class T>
class grouped_policy_loss {
public:
    grouped_policy_loss(std::string_view fn, const grpo::policy_loss& loss, const grpo::token_batch<T>& batch)
        : fn_(fn), loss_(loss), batch_(batch) {
        for (const T m : batch.mask) total_tokens_ += static_cast<double>(m);
        if ((loss.loss == grpo::loss_type::dapo || loss.loss == grpo::loss_type::cispo) && loss.num_items_in_batch == 0.0 &&
            total_tokens_ > 0.0)
            loss_.num_items_in_batch = total_tokens_;
        per_sequence_flags_ = loss.level == grpo::importance_sampling::sequence &&
                              batch.advantages.size() == static_cast<std::size_t>(batch.completions);
    }

    /// The loss on completions [c0, c0 + count) from their rows' log-probs `logps` (count * S,
    /// 0 on padding); writes their d_logps (count * S) and adds to the metrics.
    void run(Eigen::Index c0, Eigen::Index count, std::span<const T> logps, std::span<T> d_logps) {
        const auto S = static_cast<std::size_t>(batch_.steps);
        const auto at = static_cast<std::size_t>(c0) * S, n = static_cast<std::size_t>(count) * S;
        const auto part = [&](std::span<const T> field) { return field.empty() ? field : field.subspan(at, n); };
        const bool per_token = batch_.advantages.size() != static_cast<std::size_t>(batch_.completions);
        const grpo::token_batch<T> group{count,
                                         batch_.steps,
                                         logps,
                                         part(batch_.mask),
                                         per_token ? part(batch_.advantages)
                                                   : batch_.advantages.subspan(static_cast<std::size_t>(c0),
                                                                               static_cast<std::size_t>(count)),
                                         part(batch_.old_logps),
                                         part(batch_.ref_logps)};
        const auto m = run_policy_loss<T>(fn_, loss_, group, logps, d_logps);
        const double group_tokens = std::max(1.0, m.active_tokens);
        double scale = 1.0;
        switch (loss_.loss) {
            case grpo::loss_type::bnpo: scale = group_tokens / std::max(1.0, total_tokens_); break;
            case grpo::loss_type::dapo:
            case grpo::loss_type::cispo: break;
            default: scale = static_cast<double>(count) / static_cast<double>(batch_.completions);
        }
        if (scale != 1.0)
            for (T& d : d_logps) d = static_cast<T>(static_cast<double>(d) * scale);
        const double flags = per_sequence_flags_ ? static_cast<double>(count) : group_tokens;
        value_ += scale * static_cast<double>(m.value);
        kl_ += static_cast<double>(m.kl) * group_tokens;
        low_ += std::round(static_cast<double>(m.clip_ratio_low) * flags);
        high_ += std::round(static_cast<double>(m.clip_ratio_high) * flags);
        cispo_ += std::round(static_cast<double>(m.cispo_clip_ratio) * flags);
        dual_ += std::round(static_cast<double>(m.dual_clip_ratio) * flags);
    }

    /// The batch's value and metrics, as `policy_loss` on the whole batch gives them.
    grpo::policy_loss_metrics<T> metrics() const {
        const double tokens = std::max(1.0, total_tokens_);
        const double flags = per_sequence_flags_ ? static_cast<double>(batch_.completions) : tokens;
        grpo::policy_loss_metrics<T> out;
        out.value = static_cast<T>(value_);
        out.kl = static_cast<T>(loss_.beta != 0.0 ? kl_ / tokens : 0.0);
        out.clip_ratio_low = static_cast<T>(low_ / flags);
        out.clip_ratio_high = static_cast<T>(high_ / flags);
        out.clip_ratio_region = static_cast<T>((low_ + high_) / flags);
        out.cispo_clip_ratio = static_cast<T>(cispo_ / flags);
        out.dual_clip_ratio = static_cast<T>(dual_ / flags);
        out.active_tokens = total_tokens_;
        return out;
    }

private:
    std::string_view fn_;
    grpo::policy_loss loss_;
    const grpo::token_batch<T>& batch_;
    double total_tokens_ = 0.0;
    bool per_sequence_flags_ = false;
    double value_ = 0.0, kl_ = 0.0, low_ = 0.0, high_ = 0.0, cispo_ = 0.0, dual_ = 0.0;
};

}  // namespace prefrl::detail

namespace prefrl::grpo {

/// Runs `loss` from hidden states `[B*T, hidden_size]` (row r = completion r / T, step r % T)
/// and the output projection `weight` `[vocab, hidden_size]`, `labels` per row (the sampled
/// tokens; any value where the mask is 0), and a `token_batch` whose `logps` is left empty.
/// Writes `d_hidden` and `d_weight` (overwritten; reuse them across steps).
///
/// Completion by completion: the loss's normalizers depend on the mask only, and GSPO's
/// sequence-level ratio on one completion's tokens, so groups of whole completions are exact.
/// A group that fits in a chunk is one pass (its logits formed once); a completion longer than
/// a chunk forms its last chunk's logits once and its earlier chunks' twice (kept log-sum-exps,
/// O(rows)).
template <class H, class W, class T = typename H::Scalar>
    requires Scalar<T> && std::same_as<T, typename W::Scalar>
from_hidden_result<T> from_hidden(const policy_loss& loss, const Eigen::MatrixBase<H>& hidden,
                                  const Eigen::MatrixBase<W>& weight, std::span<const index_t> labels,
                                  const token_batch<std::type_identity_t<T>>& batch,
                                  std::type_identity_t<matrix_ref<T>> d_hidden,
                                  std::type_identity_t<matrix_ref<T>> d_weight,
                                  kernel::linear_logprobs_options options = {}) {
    constexpr auto fn = "prefrl::grpo::from_hidden";
    loss.validate(fn);
    if (!batch.logps.empty())
        fail(fn, "batch.logps must be empty (the log-probs are computed from the hidden states), got ",
             batch.logps.size(), " entries");
    const std::size_t n = detail::validate_token_shapes(fn, batch, false, loss.beta != 0.0);
    const const_matrix_ref<T> h(hidden.derived()), w(weight.derived());
    if (static_cast<std::size_t>(h.rows()) != n)
        fail(fn, "hidden has ", h.rows(), " rows but completions * steps = ", batch.completions, " * ", batch.steps,
             " = ", n);
    detail::check_linear_inputs(fn, h, w, labels, batch.mask);
    detail::check_linear_gradients(fn, h, w, d_hidden, d_weight);
    // every value but the log-probs is checked before the pass, so the groups' losses name
    // entries of the whole batch (the log-probs the pass computes are finite)
    detail::throw_first_bad_token<T>(fn, batch, {}, loss.beta != 0.0);
    const Eigen::Index chunk = detail::linear_chunk_rows<T>(fn, options.chunk_rows, w.rows());
    const Eigen::Index S = batch.steps;
    std::vector<Eigen::Index> first;
    const auto plan = detail::plan_completions(batch.mask, batch.completions, S, chunk, first);
    detail::grouped_policy_loss<T> grouped(fn, loss, batch);
    std::vector<T> group_logps, group_d;
    from_hidden_result<T> out;
    detail::linear_grouped_pass<T>(
        fn, h, w, labels, batch.mask, plan, chunk, out.logps, d_hidden, d_weight,
        [&](std::size_t k, std::span<const index_t> rows, std::span<const T> lp, std::span<T> g) {
            const Eigen::Index c0 = first[k], count = first[k + 1] - c0;
            const auto size = static_cast<std::size_t>(count * S);
            group_logps.assign(size, T(0));
            group_d.resize(size);
            for (std::size_t i = 0; i < rows.size(); ++i) group_logps[static_cast<std::size_t>(rows[i] - c0 * S)] = lp[i];
            grouped.run(c0, count, group_logps, group_d);
            for (std::size_t i = 0; i < rows.size(); ++i) g[i] = group_d[static_cast<std::size_t>(rows[i] - c0 * S)];
        });
    static_cast<policy_loss_metrics<T>&>(out) = grouped.metrics();
    return out;
}

}  // namespace prefrl::grpo

#endif  // PREFRL_GRPO_FROM_HIDDEN_HPP

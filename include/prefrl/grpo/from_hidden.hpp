#ifndef PREFRL_GRPO_FROM_HIDDEN_HPP
#define PREFRL_GRPO_FROM_HIDDEN_HPP

/// \file
/// A whole GRPO-family step from a language model's last hidden states and its output
/// projection, never holding the `[rows, vocab]` logits: the fused linear kernels of
/// `prefrl/kernel/linear_token_logprobs.hpp` under `grpo::policy_loss`, as Liger-Kernel's
/// chunked GRPO loss does on a GPU (linkedin/Liger-Kernel,
/// `src/liger_kernel/chunked_loss/grpo_loss.py`).

#include <span>
#include <type_traits>

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

/// Runs `loss` from hidden states `[B*T, hidden_size]` (row r = completion r / T, step r % T)
/// and the output projection `weight` `[vocab, hidden_size]`, `labels` per row (the sampled
/// tokens; any value where the mask is 0), and a `token_batch` whose `logps` is left empty.
/// Writes `d_hidden` and `d_weight` (overwritten; reuse them across steps).
///
/// Two passes, because the loss's normalizers and sequence-level ratios couple the tokens of a
/// batch: the forward (each row's log-sum-exp kept, O(rows)), the loss, then the backward,
/// which forms each chunk's logits again and multiplies out `d_logits` chunk by chunk.
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
    const auto plan =
        detail::plan_active_rows(batch.mask, detail::linear_chunk_rows<T>(fn, options.chunk_rows, w.rows()));
    from_hidden_result<T> out;
    vector<double> lse;
    detail::linear_pass<T>(fn, h, w, labels, batch.mask, plan, detail::linear_mode::forward, {}, {}, out.logps, lse,
                           nullptr, nullptr);
    vector<T> d_logps(static_cast<Eigen::Index>(n));
    static_cast<policy_loss_metrics<T>&>(out) =
        detail::run_policy_loss<T>(fn, loss, batch, as_span(out.logps), std::span<T>(d_logps.data(), n));
    vector<T> unused_lp;
    vector<double> unused_lse;
    detail::linear_pass<T>(fn, h, w, labels, batch.mask, plan, detail::linear_mode::backward, as_span(d_logps),
                           std::span<const double>(lse.data(), n), unused_lp, unused_lse, &d_hidden, &d_weight);
    return out;
}

}  // namespace prefrl::grpo

#endif  // PREFRL_GRPO_FROM_HIDDEN_HPP

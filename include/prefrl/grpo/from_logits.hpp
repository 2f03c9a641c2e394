#ifndef PREFRL_GRPO_FROM_LOGITS_HPP
#define PREFRL_GRPO_FROM_LOGITS_HPP

/// \file
/// A whole GRPO-family step from token logits: the per-token log-probs, the policy loss, and
/// the backward to d_logits through the kernels of `prefrl/kernel/` — no `[rows, vocab]`
/// temporary (the log-softmax is never formed; the gradient goes into the caller's buffer).

#include <span>
#include <type_traits>
#include <utility>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/grpo/policy_loss.hpp"
#include "prefrl/grpo/token_batch.hpp"
#include "prefrl/kernel/token_logprobs.hpp"

namespace prefrl::grpo {

/// The loss's value and metrics, each token's log-prob (B*T, 0 on padding) and, for the
/// allocating overload, d_logits.
template <std::floating_point T>
struct from_logits_result : policy_loss_metrics<T> {
    vector<T> logps;          ///< log pi(labels[r] | ...) per row, as the loss saw them
    row_matrix<T> d_logits;  ///< empty when the gradient went into the caller's buffer
};

/// Runs `loss` from logits `[B*T, vocab]` (row r = completion r / T, step r % T; row-major,
/// as a model's `[B, T, vocab]` output flattened), `labels` per row (the sampled tokens; any
/// value where the mask is 0), and a `token_batch` whose `logps` is left empty: the log-probs
/// come from the logits. The gradient is written into `d_logits` (same shape as `logits`,
/// may be `logits` itself; reuse one buffer across steps).
///
/// Two passes over the logits: the forward (keeping each row's log-sum-exp, O(rows)), then,
/// with the loss's per-token gradient as the upstream, the backward
/// `d_logits[r] = d_logps[r] (onehot(labels[r]) - softmax(logits[r]))`, one exponential per entry.
template <class Derived, class T = typename Derived::Scalar>
    requires Scalar<T>
from_logits_result<T> from_logits(const policy_loss& loss, const Eigen::MatrixBase<Derived>& logits,
                                  std::span<const index_t> labels, const token_batch<std::type_identity_t<T>>& batch,
                                  std::type_identity_t<matrix_ref<T>> d_logits) {
    constexpr auto fn = "prefrl::grpo::from_logits";
    loss.validate(fn);
    if (!batch.logps.empty())
        fail(fn, "batch.logps must be empty (the log-probs are computed from the logits), got ", batch.logps.size(),
             " entries");
    const std::size_t n = detail::validate_token_shapes(fn, batch, false, loss.beta != 0.0);
    if (static_cast<std::size_t>(logits.rows()) != n)
        fail(fn, "logits has ", logits.rows(), " rows but completions * steps = ", batch.completions, " * ",
             batch.steps, " = ", n);
    const const_matrix_ref<T> z(logits.derived());
    const auto forward = detail::token_forward<T>(fn, z, labels, batch.mask);
    from_logits_result<T> out;
    out.logps = forward.logprobs;
    vector<T> d_logps(static_cast<Eigen::Index>(n));
    static_cast<policy_loss_metrics<T>&>(out) =
        detail::run_policy_loss<T>(fn, loss, batch, as_span(out.logps), std::span<T>(d_logps.data(), n));
    detail::token_backward<T>(fn, z, labels, batch.mask, as_span(d_logps),
                              std::span<const double>(forward.logsumexp.data(), n), d_logits);
    return out;
}

/// As above, returning a newly allocated d_logits in the result.
template <class Derived, class T = typename Derived::Scalar>
    requires Scalar<T>
from_logits_result<T> from_logits(const policy_loss& loss, const Eigen::MatrixBase<Derived>& logits,
                                  std::span<const index_t> labels, const token_batch<std::type_identity_t<T>>& batch) {
    row_matrix<T> d_logits(logits.rows(), logits.cols());
    auto out = from_logits(loss, logits, labels, batch, d_logits);
    out.d_logits = std::move(d_logits);
    return out;
}

}  // namespace prefrl::grpo

#endif  // PREFRL_GRPO_FROM_LOGITS_HPP

#ifndef PREFRL_GRPO_FROM_LOGITS_HPP
#define PREFRL_GRPO_FROM_LOGITS_HPP

/// \file
/// A whole GRPO-family step from token logits: the per-token log-probs, the policy loss, and
/// the backward to d_logits through the kernels of `prefrl/kernel/` — no `[rows, vocab]`
/// temporary (the log-softmax is never formed; the gradient goes into the caller's buffer).

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/detail/row_kernels.hpp"
#include "prefrl/detail/token_engine.hpp"
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

}  // namespace prefrl::grpo

namespace prefrl::detail {

/// `grpo::from_logits` at token level: one pass per row (see there).
template <class T>
grpo::from_logits_result<T> grpo_from_logits_one_pass(std::string_view fn, const grpo::policy_loss& loss,
                                                      const const_matrix_ref<T>& z, std::span<const index_t> labels,
                                                      const grpo::token_batch<T>& batch, matrix_ref<T>& d_logits) {
    check_token_inputs(fn, z, labels, batch.mask);
    require_same_shape(fn, "d_logits", d_logits, "logits", z);
    const Eigen::Index rows = z.rows(), cols = z.cols(), S = batch.steps;
    const bool parallel = z.size() >= parallel_min_elements;
    const std::vector<double> count = row_token_counts<T>(batch, parallel);
    double total_tokens = 0.0;
    for (const double c : count) total_tokens += c;
    std::vector<T> coefficient(count.size());  // each completion's normalizer, in T
    for (std::size_t i = 0; i < count.size(); ++i)
        coefficient[i] = static_cast<T>(policy_row_coefficient(loss, count[i], total_tokens, batch.completions, S));
    const policy_constants<T> k = make_policy_constants<T>(loss);
    const bool has_old = !batch.old_logps.empty();
    const bool per_token_a = batch.advantages.size() != static_cast<std::size_t>(batch.completions);
    grpo::from_logits_result<T> out;
    out.logps = vector<T>::Zero(rows);
    vector<double> lse = vector<double>::Zero(rows);
    PREFRL_PARALLEL_FOR_IF(parallel)
    for (Eigen::Index r = 0; r < rows; ++r) {
        T* d = d_logits.row(r).data();
        const T m = batch.mask[static_cast<std::size_t>(r)];
        if (m == T(0)) {
            mutable_row_array_map<T>(d, cols).setZero();
            continue;
        }
        const T* zr = z.row(r).data();
        const Eigen::Index label = labels[static_cast<std::size_t>(r)];
        const double z_label = static_cast<double>(zr[label]);  // before d (which may alias z) is written
        double sum = 0.0;  // of exp(z - max), kept in d
        lse[r] = row_exp_and_logsumexp(zr, cols, d, sum);
        if (!std::isfinite(lse[r])) continue;  // reported after the loop, in row order
        const T lp = static_cast<T>(static_cast<double>(m) * (z_label - lse[r]));
        out.logps[r] = lp;
        const auto u = static_cast<std::size_t>(r), i = static_cast<std::size_t>(r / S);
        const T g = token_gradient(k, coefficient[i], m, lp, has_old ? batch.old_logps[u] : lp, k.has_beta ? batch.ref_logps[u] : lp,
                                   batch.advantages[per_token_a ? u : i]);
        row_backward_from_exp(d, cols, label, sum, z_label, lse[r], g);
    }
    require_finite_logsumexp(fn, lse);
    // the value and metrics from the log-probs (O(B T)); this also refuses bad batch values
    vector<T> d_logps(rows);
    static_cast<grpo::policy_loss_metrics<T>&>(out) = run_policy_loss<T>(
        fn, loss, batch, as_span(out.logps), std::span<T>(d_logps.data(), static_cast<std::size_t>(rows)));
    return out;
}

}  // namespace prefrl::detail

namespace prefrl::grpo {

/// Runs `loss` from logits `[B*T, vocab]` (row r = completion r / T, step r % T; row-major,
/// as a model's `[B, T, vocab]` output flattened), `labels` per row (the sampled tokens; any
/// value where the mask is 0), and a `token_batch` whose `logps` is left empty: the log-probs
/// come from the logits. The gradient is written into `d_logits` (same shape as `logits`,
/// may be `logits` itself; reuse one buffer across steps).
///
/// The backward is `d_logits[r] = d_logps[r] (onehot(labels[r]) - softmax(logits[r]))`.
///
/// - Token level (every loss type; the default): a token's d_logps depends only on its own
///   log-prob and its completion's mask, so each row is done whole while it is in cache, with
///   one exponential per entry: its maximum (the row read from memory once), `exp(z - max)`
///   written into d_logits and summed (the log-sum-exp), the log-prob and the token's gradient,
///   then d_logits scaled in place. The log-probs equal `kernel::token_logprobs`' to rounding
///   (the sum runs over the stored exponentials); the value and metrics are `policy_loss`'s on
///   the returned log-probs, bit for bit.
/// - Sequence level (GSPO): the ratio needs the whole completion first, so two passes over the
///   logits: the forward (keeping each row's log-sum-exp, O(rows)), then the backward with the
///   loss's per-token gradient as the upstream; the bits of `kernel::token_logprobs`,
///   `policy_loss` on them and `kernel::token_logprobs_backward` with the saved log-sum-exp.
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
    if (loss.level == importance_sampling::token)
        return detail::grpo_from_logits_one_pass<T>(fn, loss, z, labels, batch, d_logits);
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

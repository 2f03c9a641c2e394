#ifndef PREFRL_KERNEL_TOKEN_LOGPROBS_HPP
#define PREFRL_KERNEL_TOKEN_LOGPROBS_HPP

/// \file
/// Token log-probabilities from logits, and their backward pass — the kernels behind every
/// preference loss computed from a language model's output.
///
/// For row r (one position of one sequence) with logits z = logits[r, :], label y = labels[r]
/// and mask weight m = mask[r] (1 on completion tokens, 0 on prompt and padding):
///
///     lp[r]            = m * (z[y] - logsumexp(z))            never a full log_softmax array
///     d_logits[r, v]   = g[r] * m * (1[v == y] - softmax(z)_v)  g = upstream = dL/dlp[r]
///
/// Rows are independent: with OpenMP they are split over threads, and each row is read
/// from memory once and processed while it sits in cache. Extra memory is O(rows).
/// Rows with m = 0 are not read at all (their label may be anything, e.g. -100).

#include <cmath>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/detail/row_kernels.hpp"
#include "prefrl/detail/token_engine.hpp"

namespace prefrl::kernel {

/// Token log-probs plus each row's log-sum-exp, which the backward pass can reuse
/// (`token_logprobs_backward` overload taking `row_logsumexp`) to skip recomputing it.
template <class T>
struct token_logprobs_result {
    vector<T> logprobs;   ///< m * (z[y] - logsumexp(z)) per row; 0 where m = 0
    vector<double> logsumexp;  ///< logsumexp(z) per row, kept in double (so the backward is exact
                               ///< for float logits too); 0 where m = 0 (not computed)
};

/// Log-probability of each row's label: `lp[r] = mask[r] * (logits[r, labels[r]] - logsumexp(logits[r, :]))`.
///
/// `logits`: any dense row-major Eigen matrix [rows, vocab] of float or double (a
/// `prefrl::row_matrix`, an `Eigen::Map` over your buffer, a block); `labels`: one index per
/// row, in [0, vocab) where the mask is nonzero; `mask`: one weight per row (1 = completion
/// token, 0 = skip). Throws `prefrl::invalid_argument` if sizes disagree, a label is out of
/// range, a mask entry is not finite, or a used row holds NaN or +inf (or only -inf).
template <class Derived>
    requires Scalar<typename Derived::Scalar>
vector<typename Derived::Scalar> token_logprobs(const Eigen::MatrixBase<Derived>& logits,
                                                std::span<const index_t> labels,
                                                std::span<const typename Derived::Scalar> mask) {
    using T = typename Derived::Scalar;
    return detail::token_forward<T>("prefrl::kernel::token_logprobs", const_matrix_ref<T>(logits.derived()), labels, mask)
        .logprobs;
}

/// As `token_logprobs`, also returning each row's log-sum-exp for the backward pass.
template <class Derived>
    requires Scalar<typename Derived::Scalar>
token_logprobs_result<typename Derived::Scalar> token_logprobs_forward(
    const Eigen::MatrixBase<Derived>& logits, std::span<const index_t> labels,
    std::span<const typename Derived::Scalar> mask) {
    using T = typename Derived::Scalar;
    return detail::token_forward<T>("prefrl::kernel::token_logprobs_forward", const_matrix_ref<T>(logits.derived()),
                              labels, mask);
}

/// Gradient of `sum_r upstream[r] * lp[r]` with respect to the logits, written into
/// `d_logits` (same shape as `logits`; reuse one buffer across steps — a fresh large buffer
/// costs more in page faults than the kernel). `d_logits` may alias `logits` (in place).
/// `d_logits[r, v] = upstream[r] * mask[r] * (1[v == labels[r]] - softmax(logits[r, :])_v)`;
/// rows with mask 0 are set to 0.
template <class Derived>
    requires Scalar<typename Derived::Scalar>
void token_logprobs_backward(const Eigen::MatrixBase<Derived>& logits, std::span<const index_t> labels,
                             std::span<const typename Derived::Scalar> mask,
                             std::span<const typename Derived::Scalar> upstream,
                             matrix_ref<typename Derived::Scalar> d_logits) {
    using T = typename Derived::Scalar;
    detail::token_backward<T>("prefrl::kernel::token_logprobs_backward", const_matrix_ref<T>(logits.derived()), labels,
                        mask, upstream, {}, d_logits);
}

/// As above, reusing the per-row log-sum-exp saved by `token_logprobs_forward`: the
/// backward pass then reads each row once and takes one exponential per element.
template <class Derived>
    requires Scalar<typename Derived::Scalar>
void token_logprobs_backward(const Eigen::MatrixBase<Derived>& logits, std::span<const index_t> labels,
                             std::span<const typename Derived::Scalar> mask,
                             std::span<const typename Derived::Scalar> upstream,
                             std::span<const double> row_logsumexp,
                             matrix_ref<typename Derived::Scalar> d_logits) {
    using T = typename Derived::Scalar;
    constexpr auto fn = "prefrl::kernel::token_logprobs_backward";
    require_non_empty(fn, "row_logsumexp", row_logsumexp.size());
    detail::token_backward<T>(fn, const_matrix_ref<T>(logits.derived()), labels, mask, upstream, row_logsumexp, d_logits);
}

/// As above, returning a newly allocated d_logits.
template <class Derived>
    requires Scalar<typename Derived::Scalar>
row_matrix<typename Derived::Scalar> token_logprobs_backward(const Eigen::MatrixBase<Derived>& logits,
                                                             std::span<const index_t> labels,
                                                             std::span<const typename Derived::Scalar> mask,
                                                             std::span<const typename Derived::Scalar> upstream) {
    row_matrix<typename Derived::Scalar> d_logits(logits.rows(), logits.cols());
    token_logprobs_backward(logits, labels, mask, upstream, d_logits);
    return d_logits;
}

/// Forward and backward in one pass over the logits, for losses whose upstream gradient is
/// known before the forward (a token-level NLL / SFT loss, where upstream = -1/n): each row
/// is read from memory once, its log-prob taken, and its gradient written while it is in
/// cache. Returns the log-probs; writes `d_logits` as `token_logprobs_backward` does.
template <class Derived>
    requires Scalar<typename Derived::Scalar>
vector<typename Derived::Scalar> token_logprobs_and_backward(const Eigen::MatrixBase<Derived>& logits,
                                                             std::span<const index_t> labels,
                                                             std::span<const typename Derived::Scalar> mask,
                                                             std::span<const typename Derived::Scalar> upstream,
                                                             matrix_ref<typename Derived::Scalar> d_logits) {
    using T = typename Derived::Scalar;
    vector<T> logprobs;
    detail::token_backward<T>("prefrl::kernel::token_logprobs_and_backward", const_matrix_ref<T>(logits.derived()),
                              labels, mask, upstream, {}, d_logits, &logprobs);
    return logprobs;
}

}  // namespace prefrl::kernel

#endif  // PREFRL_KERNEL_TOKEN_LOGPROBS_HPP

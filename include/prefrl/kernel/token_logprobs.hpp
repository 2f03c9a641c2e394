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

namespace prefrl::kernel {

/// Token log-probs plus each row's log-sum-exp, which the backward pass can reuse
/// (`token_logprobs_backward` overload taking `row_logsumexp`) to skip recomputing it.
template <class T>
struct token_logprobs_result {
    vector<T> logprobs;   ///< m * (z[y] - logsumexp(z)) per row; 0 where m = 0
    vector<double> logsumexp;  ///< logsumexp(z) per row, kept in double (so the backward is exact
                               ///< for float logits too); 0 where m = 0 (not computed)
};

}  // namespace prefrl::kernel

namespace prefrl::detail {

template <class T>
void check_token_inputs(std::string_view fn, const const_matrix_ref<T>& logits,
                        std::span<const index_t> labels, std::span<const T> mask) {
    prefrl::detail::require_matrix(fn, "logits", logits);
    const auto rows = static_cast<std::size_t>(logits.rows());
    require(labels.size() == rows, fn, "labels has ", labels.size(), " entries but logits has ", rows, " rows");
    require(mask.size() == rows, fn, "mask has ", mask.size(), " entries but logits has ", rows, " rows");
    for (std::size_t r = 0; r < rows; ++r) {
        if (!std::isfinite(mask[r])) fail(fn, "mask[", r, "] must be finite, got ", mask[r]);
        if (mask[r] != T(0) && (labels[r] < 0 || labels[r] >= logits.cols()))
            fail(fn, "labels[", r, "] must be in [0, ", logits.cols(), ") where mask is nonzero, got ", labels[r]);
    }
}

/// Checks the upstream gradient: one entry per row of `rows_of` (logits, hidden), finite where
/// the mask is nonzero.
template <class T>
void check_upstream(std::string_view fn, std::span<const T> upstream, std::span<const T> mask,
                    std::string_view rows_of = "logits") {
    require(upstream.size() == mask.size(), fn, "upstream has ", upstream.size(), " entries but ", rows_of, " has ",
            mask.size(), " rows");
    for (std::size_t r = 0; r < upstream.size(); ++r)
        if (mask[r] != T(0) && !std::isfinite(upstream[r]))
            fail(fn, "upstream[", r, "] must be finite where mask is nonzero, got ", upstream[r]);
}

template <class T>
kernel::token_logprobs_result<T> token_forward(std::string_view fn, const const_matrix_ref<T>& logits,
                                               std::span<const index_t> labels, std::span<const T> mask) {
    check_token_inputs(fn, logits, labels, mask);
    const Eigen::Index rows = logits.rows();
    const Eigen::Index cols = logits.cols();
    kernel::token_logprobs_result<T> out{vector<T>::Zero(rows), vector<double>::Zero(rows)};
    vector<double>& lse = out.logsumexp;
    PREFRL_PARALLEL_FOR_IF(logits.size() >= prefrl::detail::parallel_min_elements)
    for (Eigen::Index r = 0; r < rows; ++r) {
        if (mask[r] == T(0)) continue;
        const T* z = logits.row(r).data();
        lse[r] = prefrl::detail::row_logsumexp(z, cols);
        out.logprobs[r] = static_cast<T>(static_cast<double>(mask[r]) * (static_cast<double>(z[labels[r]]) - lse[r]));
    }
    prefrl::detail::require_finite_logsumexp(fn, lse);
    return out;
}

/// The backward pass; `saved_lse` (may be empty) holds each row's log-sum-exp from the
/// forward pass, otherwise it is recomputed from the row while the row is in cache, and
/// then the rows' log-probs are written to `logprobs` if it is not null (the fused pass).
template <class T>
void token_backward(std::string_view fn, const const_matrix_ref<T>& logits, std::span<const index_t> labels,
                    std::span<const T> mask, std::span<const T> upstream, std::span<const double> saved_lse,
                    matrix_ref<T>& d_logits, vector<T>* logprobs = nullptr) {
    check_token_inputs(fn, logits, labels, mask);
    check_upstream(fn, upstream, mask);
    prefrl::detail::require_same_shape(fn, "d_logits", d_logits, "logits", logits);
    const bool have_lse = !saved_lse.empty();
    if (have_lse) {
        require(saved_lse.size() == mask.size(), fn, "row_logsumexp has ", saved_lse.size(),
                " entries but logits has ", mask.size(), " rows");
        for (std::size_t r = 0; r < saved_lse.size(); ++r)
            if (mask[r] != T(0) && !std::isfinite(saved_lse[r]))
                fail(fn, "row_logsumexp[", r, "] must be finite where mask is nonzero, got ", saved_lse[r]);
    }
    const Eigen::Index rows = logits.rows();
    const Eigen::Index cols = logits.cols();
    if (logprobs != nullptr) *logprobs = vector<T>::Zero(rows);
    vector<double> lse = vector<double>::Zero(rows);
    vector<double> mass = vector<double>::Ones(rows);  // sum exp(z - saved lse): 1 for a consistent saved lse
    PREFRL_PARALLEL_FOR_IF(logits.size() >= prefrl::detail::parallel_min_elements)
    for (Eigen::Index r = 0; r < rows; ++r) {
        T* d = d_logits.row(r).data();
        if (mask[r] == T(0)) {
            prefrl::detail::mutable_row_array_map<T>(d, cols).setZero();
            continue;
        }
        const T* z = logits.row(r).data();
        const T g = upstream[r] * mask[r];
        if (have_lse) {
            lse[r] = saved_lse[r];
            mass[r] = prefrl::detail::row_logprob_backward(z, cols, labels[r], lse[r], g, d);
        } else {
            const double z_label = static_cast<double>(z[labels[r]]);  // before d (which may alias z) is written
            lse[r] = prefrl::detail::row_logsumexp_and_backward(z, cols, labels[r], g, d);
            if (logprobs != nullptr) (*logprobs)[r] = static_cast<T>(static_cast<double>(mask[r]) * (z_label - lse[r]));
        }
    }
    prefrl::detail::require_finite_logsumexp(fn, lse);
    if (have_lse)  // rounding leaves 1e-6 in float; a saved lse of another row or model is off by far more
        for (Eigen::Index r = 0; r < rows; ++r)
            if (!(std::abs(mass[r] - 1.0) <= 1e-3))
                fail(fn, "row_logsumexp[", r, "] = ", saved_lse[static_cast<std::size_t>(r)],
                     " is not the log-sum-exp of logits row ", r, " (the row's exp(z - row_logsumexp) sums to ", mass[r],
                     ", not 1): pass the forward's row_logsumexp for these logits");
}

}  // namespace prefrl::detail

namespace prefrl::kernel {

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

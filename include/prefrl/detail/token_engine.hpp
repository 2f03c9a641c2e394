#ifndef PREFRL_DETAIL_TOKEN_ENGINE_HPP
#define PREFRL_DETAIL_TOKEN_ENGINE_HPP

// The row engine of `prefrl::kernel::token_logprobs` and `token_logprobs_backward`: input checks,
// and the forward and backward sweeps over rows (each row read once, in cache; rows split over
// OpenMP threads). Not a public interface: include <prefrl/kernel/token_logprobs.hpp>.

#include <cmath>
#include <span>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/detail/row_kernels.hpp"

namespace prefrl::kernel {
template <class T>
struct token_logprobs_result;  // defined in prefrl/kernel/token_logprobs.hpp, which includes this file
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
                                               std::span<const index_t> labels, std::span<const T> mask,
                                               vector<double>* row_means = nullptr) {
    check_token_inputs(fn, logits, labels, mask);
    const Eigen::Index rows = logits.rows();
    const Eigen::Index cols = logits.cols();
    kernel::token_logprobs_result<T> out{vector<T>::Zero(rows), vector<double>::Zero(rows)};
    vector<double>& lse = out.logsumexp;
    if (row_means != nullptr) *row_means = vector<double>::Zero(rows);
    PREFRL_PARALLEL_FOR_IF(logits.size() >= prefrl::detail::parallel_min_elements)
    for (Eigen::Index r = 0; r < rows; ++r) {
        if (mask[r] == T(0)) continue;
        const T* z = logits.row(r).data();
        lse[r] = prefrl::detail::row_logsumexp(z, cols);
        out.logprobs[r] = static_cast<T>(static_cast<double>(mask[r]) * (static_cast<double>(z[labels[r]]) - lse[r]));
        // the mean logit of the row, while the row is still in cache (read once more from L2)
        if (row_means != nullptr) (*row_means)[r] = prefrl::detail::row_sum(z, cols) / static_cast<double>(cols);
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

#endif  // PREFRL_DETAIL_TOKEN_ENGINE_HPP

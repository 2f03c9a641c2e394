#ifndef PREFRL_KERNEL_SOFTMAX_HPP
#define PREFRL_KERNEL_SOFTMAX_HPP

/// \file
/// Row-wise softmax of a row-major [rows, vocab] matrix.

#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/detail/row_kernels.hpp"

namespace prefrl::kernel {

/// Writes softmax(logits[r, :]) into `out[r, :]` for every row; `out` may be `logits`
/// itself (in place). Throws `prefrl::invalid_argument` if the shapes differ, the matrix is
/// empty, or a row has no finite log-sum-exp (it holds NaN or +inf, or only -inf).
template <class Derived>
    requires Scalar<typename Derived::Scalar>
void row_softmax(const Eigen::MatrixBase<Derived>& logits_in, matrix_ref<typename Derived::Scalar> out) {
    using T = typename Derived::Scalar;
    constexpr auto fn = "prefrl::kernel::row_softmax";
    const const_matrix_ref<T> logits(logits_in.derived());
    detail::require_matrix(fn, "logits", logits);
    detail::require_same_shape(fn, "out", out, "logits", logits);
    const Eigen::Index rows = logits.rows();
    const Eigen::Index cols = logits.cols();
    vector<double> lse(rows);
    PREFRL_PARALLEL_FOR_IF(logits.size() >= detail::parallel_min_elements)
    for (Eigen::Index r = 0; r < rows; ++r) {
        lse[r] = detail::row_logsumexp(logits.row(r).data(), cols);
        detail::mutable_row_array_map<T>(out.row(r).data(), cols) =
            (detail::row_array_map<T>(logits.row(r).data(), cols) - static_cast<T>(lse[r])).exp();
    }
    detail::require_finite_logsumexp(fn, lse);
}

/// softmax of every row, returned as a new matrix (see the overload writing into `out`).
template <class Derived>
    requires Scalar<typename Derived::Scalar>
row_matrix<typename Derived::Scalar> row_softmax(const Eigen::MatrixBase<Derived>& logits) {
    row_matrix<typename Derived::Scalar> out(logits.rows(), logits.cols());
    row_softmax(logits, out);
    return out;
}

}  // namespace prefrl::kernel

#endif  // PREFRL_KERNEL_SOFTMAX_HPP

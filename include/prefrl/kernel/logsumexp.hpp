#ifndef PREFRL_KERNEL_LOGSUMEXP_HPP
#define PREFRL_KERNEL_LOGSUMEXP_HPP

/// \file
/// Row-wise maximum and log-sum-exp of a row-major [rows, vocab] matrix.

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/detail/row_kernels.hpp"

namespace prefrl::kernel {

/// Maximum of each row of `logits` (any dense row-major Eigen matrix of float or double);
/// a row holding NaN gives NaN. Throws `prefrl::invalid_argument` for an empty matrix.
template <class Derived>
    requires Scalar<typename Derived::Scalar>
vector<typename Derived::Scalar> row_max(const Eigen::MatrixBase<Derived>& logits_in) {
    using T = typename Derived::Scalar;
    const const_matrix_ref<T> logits(logits_in.derived());
    detail::require_matrix("prefrl::kernel::row_max", "logits", logits);
    vector<T> out(logits.rows());
    PREFRL_PARALLEL_FOR_IF(logits.size() >= detail::parallel_min_elements)
    for (Eigen::Index r = 0; r < logits.rows(); ++r)
        out[r] = logits.row(r).template maxCoeff<Eigen::PropagateNaN>();
    return out;
}

/// log(sum_v exp(logits[r, v])) of each row r, reading each row from memory once, with the
/// sum of exponentials accumulated in double (float results within 1e-7 relative of double).
/// A row holding NaN or +inf gives NaN; a row of only -inf gives -inf, as the math does:
/// this function does not throw for them (the log-prob kernels do).
template <class Derived>
    requires Scalar<typename Derived::Scalar>
vector<typename Derived::Scalar> row_logsumexp(const Eigen::MatrixBase<Derived>& logits_in) {
    using T = typename Derived::Scalar;
    const const_matrix_ref<T> logits(logits_in.derived());
    detail::require_matrix("prefrl::kernel::row_logsumexp", "logits", logits);
    vector<T> out(logits.rows());
    PREFRL_PARALLEL_FOR_IF(logits.size() >= detail::parallel_min_elements)
    for (Eigen::Index r = 0; r < logits.rows(); ++r)
        out[r] = static_cast<T>(detail::row_logsumexp(logits.row(r).data(), logits.cols()));
    return out;
}

}  // namespace prefrl::kernel

#endif  // PREFRL_KERNEL_LOGSUMEXP_HPP

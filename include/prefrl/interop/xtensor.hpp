#ifndef PREFRL_INTEROP_XTENSOR_HPP
#define PREFRL_INTEROP_XTENSOR_HPP

/// \file
/// Zero-copy views between xtensor containers and the Eigen / span types prefrl's
/// functions take and return.
///
///     xt::xtensor<float, 2> logits = ...;               // [rows, vocab], row-major
///     std::vector<std::int64_t> labels = ...;
///     xt::xtensor<float, 1> mask = ...;
///     auto lp = prefrl::kernel::token_logprobs(prefrl::interop::as_eigen(logits), labels,
///                                              prefrl::interop::as_span(mask));
///     auto lp_view = prefrl::interop::as_xtensor(lp);   // xtensor view of the Eigen result
///
/// The views borrow the memory of their argument: keep the owner alive while using them.
/// Only row-major containers can be viewed as prefrl's row-major matrices; an xtensor with
/// column-major layout is rejected at compile time.

#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include <array>
#include <cstddef>
#include <span>

#include "prefrl/core/types.hpp"

namespace prefrl::interop {

/// A 1-D xtensor as a read-only span (no copy).
template <class T, xt::layout_type L>
std::span<const T> as_span(const xt::xtensor<T, 1, L>& values) {
    return std::span<const T>(values.data(), values.size());
}

/// A 1-D xtensor as a read-only Eigen vector (no copy).
template <class T, xt::layout_type L>
Eigen::Map<const vector<T>> as_eigen(const xt::xtensor<T, 1, L>& values) {
    return Eigen::Map<const vector<T>>(values.data(), static_cast<Eigen::Index>(values.size()));
}

/// A row-major 2-D xtensor as a read-only row-major Eigen matrix (no copy).
template <class T>
Eigen::Map<const row_matrix<T>> as_eigen(const xt::xtensor<T, 2, xt::layout_type::row_major>& values) {
    return Eigen::Map<const row_matrix<T>>(values.data(), static_cast<Eigen::Index>(values.shape(0)),
                                           static_cast<Eigen::Index>(values.shape(1)));
}

/// A row-major 2-D xtensor as a writable row-major Eigen matrix (no copy), for kernels
/// that write into a caller's buffer (`token_logprobs_backward(..., d_logits)`).
template <class T>
Eigen::Map<row_matrix<T>> as_eigen(xt::xtensor<T, 2, xt::layout_type::row_major>& values) {
    return Eigen::Map<row_matrix<T>>(values.data(), static_cast<Eigen::Index>(values.shape(0)),
                                     static_cast<Eigen::Index>(values.shape(1)));
}

/// An Eigen vector as a 1-D xtensor view (no copy; the vector must outlive the view).
template <class T>
auto as_xtensor(const vector<T>& values) {
    return xt::adapt(values.data(), static_cast<std::size_t>(values.size()), xt::no_ownership(),
                     std::array<std::size_t, 1>{static_cast<std::size_t>(values.size())});
}

/// A row-major Eigen matrix as a 2-D xtensor view (no copy; the matrix must outlive it).
template <class T>
auto as_xtensor(const row_matrix<T>& values) {
    return xt::adapt(values.data(), static_cast<std::size_t>(values.size()), xt::no_ownership(),
                     std::array<std::size_t, 2>{static_cast<std::size_t>(values.rows()),
                                                static_cast<std::size_t>(values.cols())});
}

}  // namespace prefrl::interop

#endif  // PREFRL_INTEROP_XTENSOR_HPP

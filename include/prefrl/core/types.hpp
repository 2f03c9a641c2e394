#ifndef PREFRL_CORE_TYPES_HPP
#define PREFRL_CORE_TYPES_HPP

/// \file
/// Scalar and array aliases used at prefrl's boundaries.
///
/// 1-D inputs are `std::span<const T>`; 2-D inputs are row-major Eigen matrices taken by
/// `Eigen::Ref`, so a `std::vector`, an `Eigen::Map` over any buffer, or an xtensor
/// (through `prefrl/interop/xtensor.hpp`) can be passed without a copy.

#include <Eigen/Core>

#include <concepts>
#include <cstdint>
#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

namespace prefrl {

/// The scalar types prefrl is written for: `float` and `double`.
template <class T>
concept Scalar = std::same_as<T, float> || std::same_as<T, double>;

/// Index type of labels, actions and lengths at the boundary (`std::span<const index_t>`).
using index_t = std::int64_t;

/// Dense column vector, the type every 1-D output is returned as.
template <class T>
using vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// Dense row-major matrix `[rows, cols]`, the layout of logits and of every 2-D output.
template <class T>
using row_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A read-only view of any dense row-major matrix (a `row_matrix`, a `Map`, a block).
template <class T>
using const_matrix_ref = Eigen::Ref<const row_matrix<T>>;

/// A writable view of a row-major matrix, for kernels that write into a caller's buffer.
template <class T>
using matrix_ref = Eigen::Ref<row_matrix<T>>;

/// Wraps a span as a read-only Eigen column vector without copying.
template <class T>
Eigen::Map<const vector<T>> as_eigen(std::span<const T> values) {
    return Eigen::Map<const vector<T>>(values.data(), static_cast<Eigen::Index>(values.size()));
}

/// Views a contiguous Eigen vector as a span (for passing Eigen results back in).
template <class Derived>
    requires(Derived::IsVectorAtCompileTime != 0)
auto as_span(const Eigen::PlainObjectBase<Derived>& values) {
    using T = typename Derived::Scalar;
    return std::span<const T>(values.data(), static_cast<std::size_t>(values.size()));
}


namespace detail {
/// Eigen expressions qualify only as vectors with unit inner stride (a column of a row-major
/// matrix has `data()` too, but its entries are not adjacent).
template <class R>
constexpr bool contiguous_if_eigen() {
    if constexpr (std::is_base_of_v<Eigen::EigenBase<R>, R>)
        return R::IsVectorAtCompileTime != 0 && R::InnerStrideAtCompileTime == 1;
    else
        return true;
}
}  // namespace detail

/// Any contiguous 1-D sequence of float or double that can be viewed as a span without a copy:
/// `std::vector<T>`, `std::array<T, N>`, `std::span<T>`, an Eigen vector or a contiguous Map.
/// Entry points that take `std::span<const T>` offer an overload on this concept, so T is
/// deduced from whatever the caller holds.
template <class R>
concept ScalarSequence = requires(const R& r) {
    { r.data() } -> std::convertible_to<const void*>;
    { r.size() } -> std::convertible_to<std::size_t>;
} && Scalar<std::remove_cvref_t<decltype(*std::declval<const R&>().data())>> && detail::contiguous_if_eigen<R>();

/// The scalar type of a `ScalarSequence`.
template <ScalarSequence R>
using sequence_scalar_t = std::remove_cvref_t<decltype(*std::declval<const R&>().data())>;

/// Views a `ScalarSequence` as a read-only span (no copy).
template <ScalarSequence R>
std::span<const sequence_scalar_t<R>> as_const_span(const R& values) {
    return {values.data(), static_cast<std::size_t>(values.size())};
}

}  // namespace prefrl

#endif  // PREFRL_CORE_TYPES_HPP

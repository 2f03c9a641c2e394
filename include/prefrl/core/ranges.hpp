#ifndef PREFRL_CORE_RANGES_HPP
#define PREFRL_CORE_RANGES_HPP

/// \file
/// Contiguous ranges of scalars at the boundary: what lets a function written on
/// `std::span<const T>` be called with a `std::vector<double>`, a `std::array`, an
/// `Eigen::VectorXd` or a span, the scalar deduced from the argument.
///
///     std::vector<double> q = ..., v = ...;
///     auto r = prefrl::offline::expectile{.tau = 0.7}(q, v);  // T = double, no span spelled out

#include <Eigen/Core>

#include <concepts>
#include <cstddef>
#include <iterator>
#include <span>
#include <type_traits>

#include "prefrl/core/types.hpp"

namespace prefrl {

namespace detail {

template <class R>
using data_element_t = std::remove_cvref_t<decltype(*std::data(std::declval<const R&>()))>;

// An Eigen object that is not a vector at compile time (a matrix), or whose entries are not
// adjacent (a column of a row-major matrix), is not a 1-D range.
template <class R>
inline constexpr bool is_eigen_non_vector = [] {
    using E = std::remove_cvref_t<R>;
    if constexpr (std::is_base_of_v<Eigen::EigenBase<E>, E>)
        return !(E::IsVectorAtCompileTime && E::InnerStrideAtCompileTime == 1);
    else
        return false;
}();

}  // namespace detail

/// **ScalarRange** — a contiguous, sized sequence of `float` or `double`: `std::vector`,
/// `std::array`, a C array, `std::span`, `Eigen::VectorX` / `RowVectorX` and `Map`s of them
/// (anything with `std::data` and `std::size` over contiguous storage of one `Scalar`).
/// Eigen matrices are not ranges (pass them as matrices). Consumed by every entry point that
/// takes `std::span<const T>` for a 1-D input, through a forwarding overload.
template <class R>
concept ScalarRange = requires(const R& r) {
    std::data(r);
    std::size(r);
} && Scalar<detail::data_element_t<R>> && !detail::is_eigen_non_vector<R>;

/// The scalar of a `ScalarRange`: `double` for a `std::vector<double>`.
template <ScalarRange R>
using range_scalar_t = detail::data_element_t<R>;

/// Ranges that all hold the same scalar (a call mixing float and double is refused at compile time).
template <class R, class... Rest>
concept ScalarRangesOfOneType = ScalarRange<R> && (ScalarRange<Rest> && ...) && (std::same_as<range_scalar_t<R>, range_scalar_t<Rest>> && ...);

/// A `ScalarRange` whose entries can be written through it (not a `const` container, not a
/// span of `const T`): what an in-place entry point (`clip_by_global_norm`, `adam::step`'s
/// parameters) takes.
template <class R>
concept MutableScalarRange = ScalarRange<R> && requires(R& r) {
    { std::data(r) } -> std::same_as<range_scalar_t<R>*>;
};

/// A `ScalarRange` of exactly the scalar T (for parameters whose T another argument fixes).
template <class R, class T>
concept ScalarRangeOf = ScalarRange<R> && std::same_as<range_scalar_t<R>, T>;

/// **scalar_span<T>** — a `std::span<const T>` that also converts from any `ScalarRangeOf<R, T>`,
/// `Eigen::VectorX<T>` and its `Map`s included (a `std::span` converts from a `std::vector` or a
/// `std::array` but not from an Eigen vector). The parameter type of the entry points whose T
/// another argument fixes (a bandit's contexts, the fused linear kernels' mask and upstream):
///
///     prefrl::bandit::lin_ucb<double> ucb(3, 4);
///     Eigen::VectorXd x = ...;
///     auto d = ucb.select(x, rng);  // a std::vector<double> or a std::span<const double> as well
///
/// A view: it must not outlive the range (as a parameter, it lives for the call).
template <Scalar T>
struct scalar_span : std::span<const T> {
    using std::span<const T>::span;
    constexpr scalar_span() noexcept = default;
    constexpr scalar_span(std::span<const T> s) noexcept : std::span<const T>(s) {}
    template <ScalarRangeOf<T> R>
        requires(!std::is_convertible_v<const R&, std::span<const T>>)
    constexpr scalar_span(const R& r) noexcept
        : std::span<const T>(std::data(r), static_cast<std::size_t>(std::size(r))) {}
};

/// A read-only span over a `ScalarRange`, no copy.
template <ScalarRange R>
std::span<const range_scalar_t<R>> as_span(const R& r) {
    return {std::data(r), static_cast<std::size_t>(std::size(r))};
}

/// A writable span over a `MutableScalarRange`, no copy.
template <MutableScalarRange R>
std::span<range_scalar_t<R>> as_mutable_span(R& r) {
    return {std::data(r), static_cast<std::size_t>(std::size(r))};
}

}  // namespace prefrl

#endif  // PREFRL_CORE_RANGES_HPP

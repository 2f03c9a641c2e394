#ifndef PREFRL_KERNEL_SEQUENCE_SUMS_HPP
#define PREFRL_KERNEL_SEQUENCE_SUMS_HPP

/// \file
/// Per-sequence sums of per-token values, and the matching broadcast for the backward pass.
///
/// Token rows are laid out sequence after sequence: `[sequence][step]`. With the masked
/// token log-probs of `token_logprobs` (0 on prompt and padding tokens), the per-sequence
/// sum is the sequence log-probability log pi(y | x) that preference losses take.

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::kernel {

/// out[i] = sum_{t < steps} values[i * steps + t]: sums of consecutive segments of equal
/// length `steps`, accumulated in double. Throws if `steps <= 0`, `values` is empty, or its
/// size is not a multiple of `steps`.
template <Scalar T>
vector<T> sequence_sums(std::span<const T> values, index_t steps) {
    constexpr auto fn = "prefrl::kernel::sequence_sums";
    require_non_empty(fn, "values", values.size());
    require_positive(fn, "steps", steps);
    const auto n = static_cast<index_t>(values.size());
    require(n % steps == 0, fn, "values has ", n, " entries, not a multiple of steps = ", steps);
    vector<T> out(n / steps);
    for (index_t i = 0; i < out.size(); ++i) {
        double sum = 0.0;
        for (index_t t = 0; t < steps; ++t) sum += static_cast<double>(values[static_cast<std::size_t>(i * steps + t)]);
        out[i] = static_cast<T>(sum);
    }
    return out;
}

/// Sums of consecutive segments of the given lengths (which must be >= 0 and add up to
/// the size of `values`), accumulated in double.
template <Scalar T>
vector<T> sequence_sums(std::span<const T> values, std::span<const index_t> lengths) {
    constexpr auto fn = "prefrl::kernel::sequence_sums";
    require_non_empty(fn, "lengths", lengths.size());
    index_t total = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        if (lengths[i] < 0) fail(fn, "lengths[", i, "] must be >= 0, got ", lengths[i]);
        total = checked_size_sum(fn, "the sum of lengths", total, lengths[i]);
    }
    require(total == static_cast<index_t>(values.size()), fn, "lengths add up to ", total, " but values has ",
            values.size(), " entries");
    vector<T> out(static_cast<index_t>(lengths.size()));
    std::size_t at = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        double sum = 0.0;
        for (index_t t = 0; t < lengths[i]; ++t) sum += static_cast<double>(values[at++]);
        out[static_cast<index_t>(i)] = static_cast<T>(sum);
    }
    return out;
}

/// `sequence_sums` of an Eigen vector (for example the result of `token_logprobs`), equal lengths.
template <class Derived>
    requires Scalar<typename Derived::Scalar>
vector<typename Derived::Scalar> sequence_sums(const Eigen::MatrixBase<Derived>& values, index_t steps) {
    using T = typename Derived::Scalar;
    const Eigen::Ref<const vector<T>> v(values.derived());  // no copy for a contiguous vector
    return sequence_sums<T>(std::span<const T>(v.data(), static_cast<std::size_t>(v.size())), steps);
}

/// `sequence_sums` of an Eigen vector, segments of the given lengths.
template <class Derived>
    requires Scalar<typename Derived::Scalar>
vector<typename Derived::Scalar> sequence_sums(const Eigen::MatrixBase<Derived>& values,
                                               std::span<const index_t> lengths) {
    using T = typename Derived::Scalar;
    const Eigen::Ref<const vector<T>> v(values.derived());
    return sequence_sums<T>(std::span<const T>(v.data(), static_cast<std::size_t>(v.size())), lengths);
}

/// The backward of `sequence_sums` with equal lengths: out[i * steps + t] = per_sequence[i].
template <Scalar T>
vector<T> sequence_broadcast(std::span<const T> per_sequence, index_t steps) {
    constexpr auto fn = "prefrl::kernel::sequence_broadcast";
    require_non_empty(fn, "per_sequence", per_sequence.size());
    require_positive(fn, "steps", steps);
    vector<T> out(checked_size_product(fn, "per_sequence.size() * steps", static_cast<index_t>(per_sequence.size()), steps));
    for (std::size_t i = 0; i < per_sequence.size(); ++i)
        out.segment(static_cast<index_t>(i) * steps, steps).setConstant(per_sequence[i]);
    return out;
}

}  // namespace prefrl::kernel

#endif  // PREFRL_KERNEL_SEQUENCE_SUMS_HPP

#ifndef PREFRL_DETAIL_ROW_KERNELS_HPP
#define PREFRL_DETAIL_ROW_KERNELS_HPP

/// \file
/// Per-row building blocks of the kernels in `prefrl/kernel/`: one contiguous row of
/// logits at a time, vectorized with Eigen array expressions (Eigen 3.4's SIMD exp). The
/// public kernels validate their inputs once, then call these for each row (rows split over
/// threads when OpenMP is on).
///
/// Each row is streamed from memory once by a cheap first pass (its maximum), which leaves
/// it in L2 (a row of 32000 floats is 128 KB; L2 is 2 MB), and the exponentials are then
/// taken from cache. Measured on the project's machine (benchmarks/kernel_bench.cpp): a
/// one-pass "online" log-sum-exp over 8 KB blocks was 1.5x slower, and software prefetching
/// of the next row gained nothing over the hardware prefetcher, so neither is used.
///
/// Sums of exponentials are taken in blocks of 2048 entries and accumulated in double:
/// a float row of 128k entries stays within 1e-7 relative of the double result (4e-8
/// measured: the rounding of the float result itself).

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::detail {

/// Entries per block of the double-precision accumulation of exponentials (8 KB of floats).
inline constexpr Eigen::Index row_block = 2048;

template <class T>
using row_array_map = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

template <class T>
using mutable_row_array_map = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;

/// Maximum of a row, for use as the shift of exponentials. With a NaN in the row the
/// result may or may not be NaN (Eigen's fast, vectorized max: 5x faster than the
/// NaN-propagating one); the sum of exponentials that follows is NaN either way.
template <class T>
T row_max(const T* z, Eigen::Index n) {
    return row_array_map<T>(z, n).maxCoeff();
}

/// sum_v exp(z[v] - shift) in double (block sums in T, added in double).
template <class T>
double row_sum_exp(const T* z, Eigen::Index n, T shift) {
    double sum = 0.0;
    for (Eigen::Index j = 0; j < n; j += row_block) {
        const Eigen::Index len = std::min(row_block, n - j);
        sum += static_cast<double>((row_array_map<T>(z + j, len) - shift).exp().sum());
    }
    return sum;
}

/// log(sum_v exp(z[v])) of one row of `n` entries, in double: the row maximum (one
/// streaming pass that brings the row into L2), then the sum of shifted exponentials from
/// cache.
/// NaN if the row holds a NaN or a +inf; -inf if every entry is -inf (or NaN and -inf
/// only): callers treat a non-finite result as bad input.
/// Sum of a row, accumulated in double block by block (TRL's `logits/chosen` metric).
template <class T>
double row_sum(const T* z, Eigen::Index n) {
    double sum = 0.0;
    for (Eigen::Index j = 0; j < n; j += row_block) {
        const Eigen::Index len = std::min(row_block, n - j);
        sum += static_cast<double>(row_array_map<T>(z + j, len).sum());
    }
    return sum;
}

template <class T>
double row_logsumexp(const T* z, Eigen::Index n) {
    const T m = row_max(z, n);
    if (std::isnan(m) || m == std::numeric_limits<T>::infinity()) return std::numeric_limits<double>::quiet_NaN();
    if (m == -std::numeric_limits<T>::infinity()) return -std::numeric_limits<double>::infinity();
    return static_cast<double>(m) + std::log(row_sum_exp(z, n, m));
}

/// Writes `d[v] = -g * exp(z[v] - lse)` for the row and adds `g` at the label: the gradient
/// of `g * (z[label] - lse)` with respect to z, in one pass. `d` may alias `z`.
///
/// `lse` is split into `hi = T(lse)` and the remainder `lo = lse - hi` (exact in double):
/// `exp(z - lse) = exp(z - hi) * exp(-lo)`, with `exp(-lo)` folded into the per-row scale.
/// A float row thus loses nothing to rounding lse to float (which would cost 5e-4 relative
/// at |logits| ~ 1e4), at no cost per element. Returns `sum_v exp(z[v] - lse)`: 1 when `lse`
/// is the row's log-sum-exp (callers that take a saved one check it); with g = 0 the row is
/// zeroed and 1 returned.
template <class T>
double row_logprob_backward(const T* z, Eigen::Index n, Eigen::Index label, double lse, T g, T* d) {
    const T hi = static_cast<T>(lse);
    const double lo = lse - static_cast<double>(hi);
    if (g == T(0)) {  // the gradient is 0 whatever lse is
        mutable_row_array_map<T>(d, n).setZero();
        return 1.0;
    }
    const T scale = static_cast<T>(-static_cast<double>(g) * std::exp(-lo));
    double sum = 0.0;  // of d = -g exp(z - lse), read back from L1
    for (Eigen::Index j = 0; j < n; j += row_block) {
        const Eigen::Index len = std::min(row_block, n - j);
        mutable_row_array_map<T> block(d + j, len);
        block = (row_array_map<T>(z + j, len) - hi).exp() * scale;
        sum += static_cast<double>(block.sum());
    }
    d[label] += g;
    return sum / -static_cast<double>(g);
}

/// First half of `row_logsumexp_and_backward`, for callers that learn the row's upstream
/// gradient only after its log-sum-exp: writes `d = exp(z - m)` (m = the row maximum) and
/// returns the row's log-sum-exp, with the sum of the exponentials in `sum`. Non-finite for
/// bad rows (NaN or +inf, or only -inf), as `row_logsumexp`; `d` is then unspecified. `d`
/// may alias `z` (read `z[label]` first).
template <class T>
double row_exp_and_logsumexp(const T* z, Eigen::Index n, T* d, double& sum) {
    const T m = row_max(z, n);
    if (std::isnan(m) || m == std::numeric_limits<T>::infinity()) return std::numeric_limits<double>::quiet_NaN();
    if (m == -std::numeric_limits<T>::infinity()) return -std::numeric_limits<double>::infinity();
    sum = 0.0;
    for (Eigen::Index j = 0; j < n; j += row_block) {
        const Eigen::Index len = std::min(row_block, n - j);
        mutable_row_array_map<T> block(d + j, len);
        block = (row_array_map<T>(z + j, len) - m).exp();
        sum += static_cast<double>(block.sum());
    }
    if (!std::isfinite(sum)) return std::numeric_limits<double>::quiet_NaN();
    return static_cast<double>(m) + std::log(sum);
}

/// Second half: `d`, holding exp(z - m) with the given `sum`, becomes the gradient of
/// `g * (z[label] - lse)`, `g (onehot(label) - softmax(z))`, in place while it is in cache
/// (`z_label` is the row's logit at the label, `lse` its log-sum-exp).
template <class T>
void row_backward_from_exp(T* d, Eigen::Index n, Eigen::Index label, double sum, double z_label, double lse, T g) {
    mutable_row_array_map<T>(d, n) *= static_cast<T>(-static_cast<double>(g) / sum);
    d[label] = static_cast<T>(static_cast<double>(g) * (1.0 - std::exp(z_label - lse)));
}

/// Log-sum-exp and gradient of one row with one exponential per entry: the row maximum
/// m (streaming the row into L2), then `d = exp(z - m)` while summing, then `d *= -g / sum`
/// with the row in cache and `d[label] = g (1 - softmax_label)`. Returns the row's
/// log-sum-exp (non-finite for bad rows; `d` is then unspecified). `d` may alias `z`.
template <class T>
double row_logsumexp_and_backward(const T* z, Eigen::Index n, Eigen::Index label, T g, T* d) {
    const double z_label = static_cast<double>(z[label]);  // read before d overwrites an aliased z
    double sum = 0.0;
    const double lse = row_exp_and_logsumexp(z, n, d, sum);
    if (!std::isfinite(lse)) return lse;
    row_backward_from_exp(d, n, label, sum, z_label, lse, g);
    return lse;
}

/// Requires a non-empty matrix: `fn: name must not be empty, got 0 x 5`.
template <class M>
void require_matrix(std::string_view fn, std::string_view name, const M& m) {
    if (m.rows() == 0 || m.cols() == 0)
        fail(fn, name, " must not be empty, got ", m.rows(), " x ", m.cols());
}

/// Requires two matrices of one shape: `fn: out is 2 x 3 but logits is 4 x 3`.
template <class A, class B>
void require_same_shape(std::string_view fn, std::string_view name, const A& a, std::string_view other,
                        const B& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols())
        fail(fn, name, " is ", a.rows(), " x ", a.cols(), " but ", other, " is ", b.rows(), " x ", b.cols());
}

/// Requires every computed row log-sum-exp to be finite (checked after the parallel loop,
/// in row order, so the first bad row is reported whatever the thread count).
template <class V>
void require_finite_logsumexp(std::string_view fn, const V& lse) {
    for (Eigen::Index r = 0; r < lse.size(); ++r)
        if (!std::isfinite(lse[r]))
            fail(fn, "row ", r, " of logits has no finite log-sum-exp (got ", lse[r],
                 "): it holds NaN or +inf, or only -inf");
}

}  // namespace prefrl::detail

#endif  // PREFRL_DETAIL_ROW_KERNELS_HPP

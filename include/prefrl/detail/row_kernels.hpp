#ifndef PREFRL_DETAIL_ROW_KERNELS_HPP
#define PREFRL_DETAIL_ROW_KERNELS_HPP

/// \file
/// Per-row building blocks of the kernels in `prefrl/kernel/`: one contiguous row of
/// logits at a time, vectorized with Eigen array expressions. The public kernels validate
/// their inputs once and then call these for each row (in parallel when OpenMP is on).
///
/// A row of a [rows, vocab] matrix (128 KB for vocab 32000 in float) is read from memory
/// once and then stays in the L2 cache, so every further pass over it is cheap. The
/// log-sum-exp is taken in blocks that fit in L1, with the running maximum rescaling the
/// running sum (the "online softmax"), so the exponentials of one block overlap the memory
/// traffic of the next. Block sums are accumulated in double: a float row of 128k entries
/// stays within 1e-7 relative of the double result.

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::detail {

/// Entries per block of the online log-sum-exp: 8 KB of floats, well inside L1.
inline constexpr Eigen::Index logsumexp_block = 2048;

template <class T>
using row_array_map = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

template <class T>
using mutable_row_array_map = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;

/// Running state of an online log-sum-exp: `log(sum) + max` is the result.
struct logsumexp_state {
    double max = -std::numeric_limits<double>::infinity();
    double sum = 0.0;  // sum of exp(x - max) so far
    [[nodiscard]] double value() const { return max + std::log(sum); }
};

/// log(sum_v exp(z[v])) of one row of `n` entries. NaN if the row holds a NaN or a +inf,
/// -inf if every entry is -inf: callers treat a non-finite result as bad input.
template <class T>
double row_logsumexp(const T* z, Eigen::Index n) {
    logsumexp_state state;
    for (Eigen::Index j = 0; j < n; j += logsumexp_block) {
        const row_array_map<T> block(z + j, std::min(logsumexp_block, n - j));
        const T block_max = block.template maxCoeff<Eigen::PropagateNaN>();
        if (std::isnan(block_max)) return std::numeric_limits<double>::quiet_NaN();
        if (block_max == -std::numeric_limits<T>::infinity()) continue;  // adds exp(-inf) = 0
        if (block_max > state.max) {
            state.sum *= std::exp(state.max - static_cast<double>(block_max));
            state.max = static_cast<double>(block_max);
        }
        const T shift = static_cast<T>(state.max);
        state.sum += static_cast<double>((block - shift).exp().sum());
    }
    return state.value();
}

/// Writes `d[v] = -g * exp(z[v] - lse)` for the row and adds `g` at the label:
/// the gradient of `g * (z[label] - lse)` with respect to z. `d` may alias `z`.
///
/// `lse` is split into `hi = T(lse)` and the remainder `lo = lse - hi` (exact in double):
/// `exp(z - lse) = exp(z - hi) * exp(-lo)`, with `exp(-lo)` folded into the per-row scale.
/// A float row thus loses nothing to rounding lse to float (which would cost 5e-4 relative
/// at |logits| ~ 1e4), at no cost per element.
template <class T>
void row_logprob_backward(const T* z, Eigen::Index n, Eigen::Index label, double lse, T g, T* d) {
    const T hi = static_cast<T>(lse);
    const double lo = lse - static_cast<double>(hi);
    const T scale = static_cast<T>(-static_cast<double>(g) * std::exp(-lo));
    mutable_row_array_map<T>(d, n) = (row_array_map<T>(z, n) - hi).exp() * scale;
    d[label] += g;
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

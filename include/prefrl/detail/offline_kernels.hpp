#ifndef PREFRL_DETAIL_OFFLINE_KERNELS_HPP
#define PREFRL_DETAIL_OFFLINE_KERNELS_HPP

/// \file
/// Building blocks of the offline-RL terms: input checks that scan a whole array with one
/// vectorized pass (and only on failure look for the entry to name), and a blocked row softmax
/// for the narrow row-major matrices of those terms (Q over a few actions or sampled actions),
/// its exponentials taken by Eigen 3.4's SIMD exp over each block's contiguous entries.

#include <algorithm>
#include <cmath>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::detail {

/// True when every entry of the `n` contiguous values is finite: `x - x` is 0 for a finite x
/// and NaN otherwise, and Eigen's vectorized sum of those is NaN iff one is (one SIMD pass).
template <std::floating_point T>
bool all_finite(const T* data, Eigen::Index n) {
    const Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> x(data, n);
    return n == 0 || std::isfinite((x - x).sum());
}

/// Throws `"<name>[i] must be finite, got x"` for the first non-finite entry of `v`.
template <std::floating_point T>
void require_all_finite(std::string_view fn, std::string_view name, std::span<const T> v) {
    if (all_finite(v.data(), static_cast<Eigen::Index>(v.size()))) return;
    for (std::size_t i = 0; i < v.size(); ++i) require(std::isfinite(v[i]), fn, name, "[", i, "] must be finite, got ", v[i]);
}

/// Throws `"<name>(i, j) must be finite, got x"` for the first non-finite entry of `m`.
template <std::floating_point T>
void require_all_finite(std::string_view fn, std::string_view name, const const_matrix_ref<T>& m) {
    bool finite = true;
    if (m.outerStride() == m.cols()) {
        finite = all_finite(m.data(), m.size());
    } else {
        for (Eigen::Index i = 0; i < m.rows() && finite; ++i) finite = all_finite(m.row(i).data(), m.cols());
    }
    if (finite) return;
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j) require(std::isfinite(m(i, j)), fn, name, "(", i, ", ", j, ") must be finite, got ", m(i, j));
}

/// Rows per block of `scaled_row_softmax`: a block of 512 rows of 32 floats is 64 KB, so the
/// logits, the exponentials and the normalization of a block happen in L2.
inline constexpr Eigen::Index softmax_block_rows = 512;

/// The softmax of each row of a narrow row-major matrix (a few to a few hundred columns),
/// each row multiplied by a factor chosen from its log-sum-exp: writes
/// `out(i, .) = row_scale(i, lse_i) * softmax(z_i)` and returns the lse (`row_scale` is called once
/// per row, in row order, so it may accumulate). `fill(first, count, dst)`
/// writes rows [first, first + count) of z to dst (the block of `out`), so z is never stored
/// whole. Block by block: fill, the row maxima (SIMD) and the shift, Eigen's SIMD exp over the
/// block's contiguous entries, the row sums, one SIMD log for the block's lse, the scaling —
/// `out` is written to memory once. Finite z gives finite output.
template <std::floating_point T, class Fill, class RowScale>
vector<T> scaled_row_softmax(Eigen::Index rows, Eigen::Index cols, Fill&& fill, RowScale&& row_scale, row_matrix<T>& out) {
    using row_view = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
    out.resize(rows, cols);
    vector<T> lse(rows);
    Eigen::Array<T, Eigen::Dynamic, 1, 0, softmax_block_rows, 1> sums;
    for (Eigen::Index first = 0; first < rows; first += softmax_block_rows) {
        const Eigen::Index count = std::min(softmax_block_rows, rows - first);
        T* block = out.data() + first * cols;
        fill(first, count, block);
        for (Eigen::Index i = 0; i < count; ++i) {
            row_view row(block + i * cols, cols);
            lse[first + i] = row.maxCoeff();
            row -= lse[first + i];
        }
        row_view entries(block, count * cols);
        entries = entries.exp();
        sums.resize(count);
        for (Eigen::Index i = 0; i < count; ++i) sums[i] = row_view(block + i * cols, cols).sum();
        lse.segment(first, count).array() += sums.log();
        for (Eigen::Index i = 0; i < count; ++i) row_view(block + i * cols, cols) *= row_scale(first + i, lse[first + i]) / sums[i];
    }
    return lse;
}

/// Copies rows of a row-major matrix into a block (the `fill` of `scaled_row_softmax`).
template <std::floating_point T>
auto copy_rows(const const_matrix_ref<T>& z) {
    return [&z](Eigen::Index first, Eigen::Index count, T* dst) {
        for (Eigen::Index i = 0; i < count; ++i) std::copy_n(z.row(first + i).data(), z.cols(), dst + i * z.cols());
    };
}

}  // namespace prefrl::detail

#endif  // PREFRL_DETAIL_OFFLINE_KERNELS_HPP

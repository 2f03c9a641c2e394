#ifndef PREFRL_VALUE_CATEGORICAL_PROJECTION_HPP
#define PREFRL_VALUE_CATEGORICAL_PROJECTION_HPP

/// \file
/// The categorical (Cramer) projection of distributional RL (rlax `categorical_l2_project`).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/ranges.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::value {

/// **Categorical L2 projection** (Bellemare et al. 2017, "A Distributional Perspective on RL",
/// C51; Rowland et al. 2018 for the Cramer view; rlax `categorical_l2_project(z_p, probs,
/// z_q)`): the law with atoms `z_p` and weights `probs` onto the increasing support `z_q`,
///
///     y <- clip(y, z_0, z_{K-1}),  m_i = sum_j p_j clip(1 - |y_j - z_i| / D_i(y_j), 0, 1)
///     D_i(y) = z_{i+1} - z_i if y >= z_i, else z_i - z_{i-1}
///
/// It keeps the mass, keeps the mean when nothing is clipped, is the identity on laws on the
/// support, and minimizes the Cramer distance among laws on the support. (For a uniform
/// support it is C51's split `m_l += p (u - b)`, `m_u += p (b - l)`, with the mass of an atom
/// that lands exactly on the support kept.)
template <std::floating_point T>
vector<T> categorical_l2_project(std::span<const T> z_p, std::span<const T> probs, std::span<const T> z_q) {
    constexpr auto fn = "prefrl::value::categorical_l2_project";
    require_non_empty(fn, "z_q", z_q.size());
    require_same_size(fn, "probs", probs.size(), "z_p", z_p.size());
    for (std::size_t i = 1; i < z_q.size(); ++i)
        require(z_q[i] > z_q[i - 1], fn, "z_q must increase, z_q[", i, "] = ", z_q[i], " after ", z_q[i - 1]);
    for (std::size_t j = 0; j < z_p.size(); ++j) {
        require(std::isfinite(z_p[j]), fn, "z_p[", j, "] must be finite, got ", z_p[j]);
        require(probs[j] >= T(0) && std::isfinite(probs[j]), fn, "probs[", j, "] must be >= 0, got ", probs[j]);
    }
    const std::size_t k = z_q.size();
    vector<T> m = vector<T>::Zero(static_cast<Eigen::Index>(k));
    for (std::size_t j = 0; j < z_p.size(); ++j) {
        if (probs[j] == T(0)) continue;
        const T y = std::clamp(z_p[j], z_q.front(), z_q.back());
        // the atoms z_i <= y < z_{i+1} share the mass linearly
        std::size_t upper = static_cast<std::size_t>(std::upper_bound(z_q.begin(), z_q.end(), y) - z_q.begin());
        if (upper == 0) upper = 1;
        const std::size_t lower = upper - 1;
        if (upper == k || y == z_q[lower]) {
            m[static_cast<Eigen::Index>(lower)] += probs[j];
            continue;
        }
        const T w = (y - z_q[lower]) / (z_q[upper] - z_q[lower]);
        m[static_cast<Eigen::Index>(lower)] += probs[j] * (T(1) - w);
        m[static_cast<Eigen::Index>(upper)] += probs[j] * w;
    }
    return m;
}

/// The same for any contiguous ranges of one scalar type, the scalar deduced.
template <ScalarRange P, ScalarRange Pr, ScalarRange Q>
    requires ScalarRangesOfOneType<P, Pr, Q>
vector<range_scalar_t<P>> categorical_l2_project(const P& z_p, const Pr& probs, const Q& z_q) {
    return categorical_l2_project<range_scalar_t<P>>(as_span(z_p), as_span(probs), as_span(z_q));
}

}  // namespace prefrl::value

#endif  // PREFRL_VALUE_CATEGORICAL_PROJECTION_HPP

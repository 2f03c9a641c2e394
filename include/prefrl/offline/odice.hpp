#ifndef PREFRL_OFFLINE_ODICE_HPP
#define PREFRL_OFFLINE_ODICE_HPP

/// \file
/// ODICE's orthogonal-gradient combination of the forward and backward gradients.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/ranges.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

namespace prefrl::offline {

/// **Orthogonal-gradient update** — Mao et al. 2024, "ODICE: Revealing the Mystery of
/// Distribution Correction Estimation via Orthogonal-gradient Update" (maoliyuan/ODICE-Pytorch):
/// from the flattened gradients of the forward term (through V(s)) and the backward term
/// (through V(s')),
///
///     c = <g_f, g_b> / max(<g_f, g_f>, 1e-10),   g = (1 - c) g_f + g_b
///
/// i.e. g_f plus the part of g_b orthogonal to g_f: the backward gradient can no longer undo
/// the forward one. Add the gradient of (1 - lambda) mean V(s) to g for the full update.
template <std::floating_point T>
vector<T> odice_project(std::span<const T> g_forward, std::span<const T> g_backward) {
    constexpr auto fn = "prefrl::offline::odice_project";
    require_non_empty(fn, "g_forward", g_forward.size());
    require_same_size(fn, "g_backward", g_backward.size(), "g_forward", g_forward.size());
    const auto n = static_cast<Eigen::Index>(g_forward.size());
    const auto f = Eigen::Map<const vector<T>>(g_forward.data(), n);
    const auto b = Eigen::Map<const vector<T>>(g_backward.data(), n);
    // block sums in T (SIMD), accumulated in double
    double dot = 0.0, norm = 0.0;
    for (Eigen::Index first = 0; first < n; first += 1024) {
        const Eigen::Index count = std::min<Eigen::Index>(1024, n - first);
        dot += static_cast<double>(f.segment(first, count).dot(b.segment(first, count)));
        norm += static_cast<double>(f.segment(first, count).squaredNorm());
    }
    if (!std::isfinite(dot) || !std::isfinite(norm)) {  // a non-finite entry makes one of them NaN or inf: find it
        detail::require_all_finite<T>(fn, "g_forward", g_forward);
        detail::require_all_finite<T>(fn, "g_backward", g_backward);
    }
    const double c = dot / std::max(norm, 1e-10);
    vector<T> out = static_cast<T>(1.0 - c) * f + b;
    return out;
}

/// The same for any contiguous ranges of one scalar type, the scalar deduced.
template <ScalarRange F, ScalarRange G>
    requires ScalarRangesOfOneType<F, G>
vector<range_scalar_t<F>> odice_project(const F& g_forward, const G& g_backward) {
    return odice_project<range_scalar_t<F>>(as_span(g_forward), as_span(g_backward));
}

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_ODICE_HPP

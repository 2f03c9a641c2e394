#ifndef PREFRL_OFFLINE_ODICE_HPP
#define PREFRL_OFFLINE_ODICE_HPP

/// \file
/// ODICE's orthogonal-gradient combination of the forward and backward gradients.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

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
    double dot = 0.0, norm = 0.0;
    for (std::size_t i = 0; i < g_forward.size(); ++i) {
        require(std::isfinite(g_forward[i]) && std::isfinite(g_backward[i]), fn, "g_forward[", i, "] and g_backward[", i,
                "] must be finite, got ", g_forward[i], " and ", g_backward[i]);
        dot += static_cast<double>(g_forward[i]) * static_cast<double>(g_backward[i]);
        norm += static_cast<double>(g_forward[i]) * static_cast<double>(g_forward[i]);
    }
    const double c = dot / std::max(norm, 1e-10);
    vector<T> out(static_cast<Eigen::Index>(g_forward.size()));
    for (std::size_t i = 0; i < g_forward.size(); ++i)
        out[static_cast<Eigen::Index>(i)] = static_cast<T>((1.0 - c) * static_cast<double>(g_forward[i]) + static_cast<double>(g_backward[i]));
    return out;
}

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_ODICE_HPP

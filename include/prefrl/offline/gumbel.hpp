#ifndef PREFRL_OFFLINE_GUMBEL_HPP
#define PREFRL_OFFLINE_GUMBEL_HPP

/// \file
/// XQL's Gumbel (linex) value loss, in the authors' stabilized form.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/offline/value_regression.hpp"

namespace prefrl::offline {

/// **Gumbel regression** — Garg et al. 2023, "Extreme Q-Learning: MaxEnt RL without Entropy"
/// (XQL; Div99/XQL's `gumbel_rescale_loss`): the linex loss `exp(z) - z - 1` of
/// z = (sg(Q) - V) / beta, stabilized as the authors' code does,
///
///     z <- min(z, max_clip),  M = sg(max(max_i z_i, -1)),  l = exp(z - M) - z exp(-M) - exp(-M)
///     L = mean l,   dL/dv_i = -(exp(z_i - M) - exp(-M)) / (beta B)   (0 where z was clipped)
///
/// (l is the linex loss times exp(-M), a rescaling that keeps exp finite; the minimizer of
/// the linex loss is the soft maximum beta log E exp(Q / beta)). `d_v` holds M constant, as
/// the authors' `detach` does: the entry that sets M differs from the value's difference
/// quotient by L / beta.
struct gumbel {
    double beta = 1.0;
    double max_clip = 7.0;

    /// The same for any contiguous ranges (`std::vector`, `std::array`, `Eigen::VectorX`), the scalar deduced.
    template <ScalarRange Q, ScalarRange V>
        requires ScalarRangesOfOneType<Q, V>
    auto operator()(const Q& q, const V& v) const {
        return operator()<range_scalar_t<Q>>(as_span(q), as_span(v));
    }

    template <std::floating_point T>
    value_regression_result<T> operator()(std::span<const T> q, std::span<const T> v) const {
        constexpr auto fn = "prefrl::offline::gumbel";
        require_positive(fn, "beta", beta);
        require(std::isfinite(max_clip), fn, "max_clip must be finite, got ", max_clip);
        const std::size_t batch = detail::check_q_and_v(fn, q, v);
        const auto n = static_cast<Eigen::Index>(batch);
        const T inv_beta = static_cast<T>(1.0 / beta), clip = static_cast<T>(max_clip);
        value_regression_result<T> out{T(0), vector<T>(n)};
        T top = T(-1);
        for (Eigen::Index i = 0; i < n; ++i) {  // z, clipped, in d_v for now
            const T z = std::min((q[static_cast<std::size_t>(i)] - v[static_cast<std::size_t>(i)]) * inv_beta, clip);
            out.d_v[i] = z;
            top = std::max(top, z);
        }
        const T scale = std::exp(-top), grad_scale = static_cast<T>(-1.0 / (beta * static_cast<double>(batch)));
        constexpr Eigen::Index block = 1024;
        double total = 0.0;
        for (Eigen::Index first = 0; first < n; first += block) {
            const Eigen::Index count = std::min(block, n - first);
            auto z = out.d_v.segment(first, count).array();
            const Eigen::Array<T, Eigen::Dynamic, 1, 0, block, 1> e = (z - top).exp();  // on the stack
            total += static_cast<double>((e - z * scale - scale).sum());  // a block's sum in T (SIMD), the blocks' in double
            for (Eigen::Index k = 0; k < count; ++k) {
                const auto i = static_cast<std::size_t>(first + k);
                const bool clipped = (q[i] - v[i]) * inv_beta > clip;  // clamp passes no gradient
                z[k] = clipped ? T(0) : grad_scale * (e[k] - scale);
            }
        }
        out.value = static_cast<T>(total / static_cast<double>(batch));
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_GUMBEL_HPP

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

    template <std::floating_point T>
    value_regression_result<T> operator()(std::span<const T> q, std::span<const T> v) const {
        constexpr auto fn = "prefrl::offline::gumbel";
        require_positive(fn, "beta", beta);
        require(std::isfinite(max_clip), fn, "max_clip must be finite, got ", max_clip);
        const std::size_t batch = detail::check_q_and_v(fn, q, v);
        std::vector<double> z(batch);
        double top = -1.0;
        for (std::size_t i = 0; i < batch; ++i) {
            z[i] = std::min((static_cast<double>(q[i]) - static_cast<double>(v[i])) / beta, max_clip);
            top = std::max(top, z[i]);
        }
        const double scale = std::exp(-top);
        value_regression_result<T> out{T(0), vector<T>(static_cast<Eigen::Index>(batch))};
        double total = 0.0;
        for (std::size_t i = 0; i < batch; ++i) {
            const double e = std::exp(z[i] - top);
            total += e - z[i] * scale - scale;
            const bool clipped = (static_cast<double>(q[i]) - static_cast<double>(v[i])) / beta > max_clip;
            out.d_v[static_cast<Eigen::Index>(i)] = clipped ? T(0) : static_cast<T>(-(e - scale) / (beta * static_cast<double>(batch)));
        }
        out.value = static_cast<T>(total / static_cast<double>(batch));
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_GUMBEL_HPP

#ifndef PREFRL_OFFLINE_TRAJECTORY_WEIGHTING_HPP
#define PREFRL_OFFLINE_TRAJECTORY_WEIGHTING_HPP

/// \file
/// Return-weighted sampling of transitions from mixed-quality datasets.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::offline {

/// **Return-weighted (RW) sampling** — Hong et al. 2023, "Harnessing Mixed Offline
/// Reinforcement Learning Datasets via Trajectory Weighting" (Improbable-AI/harness-offline-rl):
/// trajectory n with return G_n gets the score `(G_n - min G) / (max G - min G)`, and every
/// one of its transitions the probability
///
///     p = exp(score_n / alpha) / sum_m L_m exp(score_m / alpha)
///
/// (a softmax over all transitions; alpha 0.1, 0.2 for CQL). A sampler, not a loss: draw the
/// training batches from p. Returns the probability of each transition, trajectories in order,
/// `lengths[n]` entries for trajectory n. All returns equal: uniform.
struct return_weighted_sampling {
    double alpha = 0.1;

    template <std::floating_point T>
    vector<T> operator()(std::span<const T> returns, std::span<const index_t> lengths) const {
        constexpr auto fn = "prefrl::offline::return_weighted_sampling";
        require_positive(fn, "alpha", alpha);
        require_non_empty(fn, "returns", returns.size());
        require_same_size(fn, "lengths", lengths.size(), "returns", returns.size());
        double low = std::numeric_limits<double>::infinity(), high = -low;
        index_t transitions = 0;
        for (std::size_t n = 0; n < returns.size(); ++n) {
            require(std::isfinite(returns[n]), fn, "returns[", n, "] must be finite, got ", returns[n]);
            require(lengths[n] > 0, fn, "lengths[", n, "] must be > 0, got ", lengths[n]);
            low = std::min(low, static_cast<double>(returns[n]));
            high = std::max(high, static_cast<double>(returns[n]));
            transitions += lengths[n];
        }
        const double span = high - low;
        // scores in [0, 1]; exp((score - 1) / alpha) <= 1 avoids overflow for small alpha
        double total = 0.0;
        std::vector<double> weight(returns.size());
        for (std::size_t n = 0; n < returns.size(); ++n) {
            const double score = span > 0.0 ? (static_cast<double>(returns[n]) - low) / span : 1.0;
            weight[n] = std::exp((score - 1.0) / alpha);
            total += weight[n] * static_cast<double>(lengths[n]);
        }
        vector<T> out(transitions);
        Eigen::Index at = 0;
        for (std::size_t n = 0; n < returns.size(); ++n)
            for (index_t k = 0; k < lengths[n]; ++k) out[at++] = static_cast<T>(weight[n] / total);
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_TRAJECTORY_WEIGHTING_HPP

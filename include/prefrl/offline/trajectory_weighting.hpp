#ifndef PREFRL_OFFLINE_TRAJECTORY_WEIGHTING_HPP
#define PREFRL_OFFLINE_TRAJECTORY_WEIGHTING_HPP

/// \file
/// Return- and advantage-weighted sampling of transitions from mixed-quality datasets.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <vector>

#include <Eigen/QR>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::detail {

/// Min-max scores of the trajectories' values, then p = softmax over all transitions of
/// score / alpha: each trajectory's transitions share its score. Equal values: uniform.
template <std::floating_point T>
vector<T> transition_softmax_of_scores(std::string_view fn, const std::vector<double>& values, std::span<const index_t> lengths, double alpha) {
    double low = std::numeric_limits<double>::infinity(), high = -low;
    index_t transitions = 0;
    for (std::size_t n = 0; n < values.size(); ++n) {
        require(lengths[n] > 0, fn, "lengths[", n, "] must be > 0, got ", lengths[n]);
        low = std::min(low, values[n]);
        high = std::max(high, values[n]);
        transitions = checked_size_sum(fn, "the sum of lengths", transitions, lengths[n]);
    }
    const double span = high - low;
    // scores in [0, 1]; exp((score - 1) / alpha) <= 1 keeps small alphas finite
    double total = 0.0;
    std::vector<double> weight(values.size());
    for (std::size_t n = 0; n < values.size(); ++n) {
        const double score = span > 0.0 ? (values[n] - low) / span : 1.0;
        weight[n] = std::exp((score - 1.0) / alpha);
        total += weight[n] * static_cast<double>(lengths[n]);
    }
    vector<T> out(transitions);
    Eigen::Index at = 0;
    for (std::size_t n = 0; n < values.size(); ++n)
        for (index_t k = 0; k < lengths[n]; ++k) out[at++] = static_cast<T>(weight[n] / total);
    return out;
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// **Return-weighted (RW) sampling** — Hong et al. 2023, "Harnessing Mixed Offline
/// Reinforcement Learning Datasets via Trajectory Weighting" (Improbable-AI/harness-offline-rl):
/// trajectory n with return G_n gets the score `(G_n - min G) / (max G - min G)`, and every
/// one of its transitions the probability
///
///     p = exp(score_n / alpha) / sum_m L_m exp(score_m / alpha)
///
/// (a softmax over all transitions; alpha 0.1, 0.2 for CQL). A sampler, not a loss: draw the
/// training batches from p (`sample_indices`). Returns the probability of each transition,
/// trajectories in order, `lengths[n]` entries for trajectory n. All returns equal: uniform.
struct return_weighted_sampling {
    double alpha = 0.1;

    template <std::floating_point T>
    vector<T> operator()(std::span<const T> returns, std::span<const index_t> lengths) const {
        constexpr auto fn = "prefrl::offline::return_weighted_sampling";
        require_finite(fn, "alpha", alpha);
        require_positive(fn, "alpha", alpha);
        require_non_empty(fn, "returns", returns.size());
        require_same_size(fn, "lengths", lengths.size(), "returns", returns.size());
        std::vector<double> values(returns.size());
        for (std::size_t n = 0; n < returns.size(); ++n) {
            require(std::isfinite(returns[n]), fn, "returns[", n, "] must be finite, got ", returns[n]);
            values[n] = static_cast<double>(returns[n]);
        }
        return detail::transition_softmax_of_scores<T>(fn, values, lengths, alpha);
    }

    /// The same on any contiguous range of returns (`std::vector`, `Eigen::VectorX`, ...).
    template <ScalarRange R>
    vector<range_scalar_t<R>> operator()(const R& returns, std::span<const index_t> lengths) const {
        return operator()(as_span(returns), lengths);
    }
};

/// **Advantage-weighted (AW) sampling** (Hong et al. 2023): as RW, but the score of trajectory
/// n is its advantage `A_n = G_n - V(s_0,n)` over a linear fit `V(s_0) = theta^T [s_0; 1]` of
/// the returns on the initial observations (least squares), so trajectories that start in
/// better states do not win by their start alone.
struct advantage_weighted_sampling {
    double alpha = 0.1;

    template <std::floating_point T>
    vector<T> operator()(std::span<const T> returns, std::span<const index_t> lengths, const_matrix_ref<T> initial_observations) const {
        constexpr auto fn = "prefrl::offline::advantage_weighted_sampling";
        require_finite(fn, "alpha", alpha);
        require_positive(fn, "alpha", alpha);
        require_non_empty(fn, "returns", returns.size());
        require_same_size(fn, "lengths", lengths.size(), "returns", returns.size());
        require_same_size(fn, "initial_observations' rows", static_cast<std::size_t>(initial_observations.rows()), "returns", returns.size());
        const auto n = static_cast<Eigen::Index>(returns.size());
        Eigen::MatrixXd design(n, initial_observations.cols() + 1);
        Eigen::VectorXd g(n);
        for (Eigen::Index i = 0; i < n; ++i) {
            require(std::isfinite(returns[static_cast<std::size_t>(i)]), fn, "returns[", i, "] must be finite, got ", returns[static_cast<std::size_t>(i)]);
            design.row(i).head(initial_observations.cols()) = initial_observations.row(i).template cast<double>();
            design(i, initial_observations.cols()) = 1.0;
            g[i] = static_cast<double>(returns[static_cast<std::size_t>(i)]);
        }
        require(design.allFinite(), fn, "initial_observations must be finite");
        const Eigen::VectorXd theta = design.completeOrthogonalDecomposition().solve(g);
        const Eigen::VectorXd advantage = g - design * theta;
        return detail::transition_softmax_of_scores<T>(fn, std::vector<double>(advantage.data(), advantage.data() + n), lengths, alpha);
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_TRAJECTORY_WEIGHTING_HPP

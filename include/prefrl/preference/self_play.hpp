#ifndef PREFRL_PREFERENCE_SELF_PLAY_HPP
#define PREFRL_PREFERENCE_SELF_PLAY_HPP

/// \file
/// Rewards from a preference oracle over a group of sampled responses: SPO's win
/// proportions and SPPO's win-rate estimates, the inputs of the self-play losses.
///
/// The functions here that are not generic are still templates (`template <class = void>`,
/// called as plain functions): a program that includes the header without calling them does
/// not compile their Eigen code (GCC otherwise instantiates it for every translation unit).

#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/preference/preference_game.hpp"

namespace prefrl::preference {

/// The N x N matrix `Q(i, j) = P(y_{s_i} > y_{s_j})` of a group of sampled responses
/// `samples` (indices into P, repeats allowed), as a preference oracle answers it.
template <class = void>
inline Eigen::MatrixXd group_preferences(const preference_matrix& p, std::span<const index_t> samples) {
    constexpr auto fn = "prefrl::preference::group_preferences";
    validate_preference_matrix(fn, p);
    require_non_empty(fn, "samples", samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i)
        if (samples[i] < 0 || samples[i] >= p.rows()) fail(fn, "samples[", i, "] must be in [0, ", p.rows(), "), got ", samples[i]);
    const auto n = static_cast<Eigen::Index>(samples.size());
    Eigen::MatrixXd q(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) q(i, j) = p(samples[static_cast<std::size_t>(i)], samples[static_cast<std::size_t>(j)]);
    return q;
}

/// **SPO rewards** — Swamy et al. 2024, "A Minimaximalist Approach to Reinforcement
/// Learning from Human Feedback": each of N sampled responses gets its win proportion
/// against the others, `r_i = (1 / (N - 1)) sum_{j != i} Q(i, j)` (the minimaximalist reward;
/// any policy-gradient step on it is SPO). `q` is a group's preference matrix (N >= 2).
template <class = void>
inline Eigen::VectorXd spo_rewards(const Eigen::MatrixXd& q) {
    constexpr auto fn = "prefrl::preference::spo_rewards";
    if (q.rows() < 2 || q.cols() != q.rows()) fail(fn, "q must be square with N >= 2 responses, got ", q.rows(), " x ", q.cols());
    validate_preference_matrix(fn, q);
    return (q.rowwise().sum() - q.diagonal()) / static_cast<double>(q.rows() - 1);
}

/// **SPPO win rates** — Wu et al. 2024, "Self-Play Preference Optimization for Language
/// Model Alignment" (uclaml/SPPO): `P_hat(y_i) = (1/K) sum_j Q(i, j)`, the self-comparison
/// (1/2) included, the `win_chosen` / `win_rejected` of `sppo`.
template <class = void>
inline Eigen::VectorXd sppo_win_rates(const Eigen::MatrixXd& q) {
    constexpr auto fn = "prefrl::preference::sppo_win_rates";
    validate_preference_matrix(fn, q);
    return q.rowwise().mean();
}

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_SELF_PLAY_HPP

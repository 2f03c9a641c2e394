#ifndef PREFRL_BANDIT_UCB1_HPP
#define PREFRL_BANDIT_UCB1_HPP

/// \file
/// UCB1: the mean plus a confidence width.

#include <cmath>
#include <concepts>
#include <limits>
#include <vector>

#include "prefrl/bandit/arm_statistics.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"

namespace prefrl::bandit {

/// Options of `ucb1`.
struct ucb1_options {
    double alpha = 1.0;  ///< width multiplier, >= 0; 1 is Auer et al.'s UCB1 (and MABWiser's default)
};

/// **UCB1** (Auer, Cesa-Bianchi & Fischer 2002, "Finite-time Analysis of the Multiarmed Bandit
/// Problem"): play `argmax_a mu_a + alpha sqrt(2 ln n / n_a)`, n the pulls so far; untried arms
/// first. Deterministic up to ties, so the propensity is `1 / |argmax set|`. For rewards in
/// [0, 1], `E R_T <= 8 sum_{a: gap > 0} ln T / gap_a + (1 + pi^2/3) sum_a gap_a`. A `Bandit`.
template <std::floating_point T = double>
class ucb1 {
public:
    using scalar_type = T;
    explicit ucb1(index_t arms, ucb1_options options = {})
        : stats_(arms, "prefrl::bandit::ucb1"),
          options_(options),
          scores_(static_cast<std::size_t>(arms)),
          means_(static_cast<std::size_t>(arms), std::numeric_limits<double>::infinity()),
          inverse_sqrt_count_(static_cast<std::size_t>(arms), 0.0) {
        require_non_negative("prefrl::bandit::ucb1", "alpha", options.alpha);
    }
    [[nodiscard]] index_t num_arms() const { return stats_.num_arms(); }
    [[nodiscard]] const arm_statistics& statistics() const { return stats_; }

    /// The index of arm a (+inf if untried).
    [[nodiscard]] double index(index_t a) const {
        require_index("prefrl::bandit::ucb1::index", "a", a, num_arms());
        return index(a, 2.0 * std::log(static_cast<double>(stats_.total())));
    }

    template <RandomGenerator G>
    decision<T> select(G& rng) {
        // mean_a + alpha sqrt(2 ln n) / sqrt(n_a), with the per-arm parts cached: one FMA per arm
        const double width = stats_.total() == 0 ? 0.0 : options_.alpha * std::sqrt(2.0 * std::log(static_cast<double>(stats_.total())));
        for (std::size_t a = 0; a < scores_.size(); ++a) scores_[a] = means_[a] + width * inverse_sqrt_count_[a];
        return prefrl::detail::choose_best<T>(scores_, best_, rng);
    }

    void update(index_t arm, T reward) {
        stats_.check("prefrl::bandit::ucb1::update", arm, reward);
        stats_.add(arm, static_cast<double>(reward));
        const auto k = static_cast<std::size_t>(arm);
        means_[k] = stats_.mean(arm);
        inverse_sqrt_count_[k] = 1.0 / std::sqrt(static_cast<double>(stats_.count(arm)));
    }

private:
    [[nodiscard]] double index(index_t a, double two_log_n) const {
        const auto n_a = stats_.count(a);
        if (n_a == 0) return std::numeric_limits<double>::infinity();
        return stats_.mean(a) + options_.alpha * std::sqrt(two_log_n / static_cast<double>(n_a));
    }
    arm_statistics stats_;
    ucb1_options options_;
    std::vector<double> scores_, means_, inverse_sqrt_count_;  // untried arms: mean +inf
    std::vector<index_t> best_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_UCB1_HPP

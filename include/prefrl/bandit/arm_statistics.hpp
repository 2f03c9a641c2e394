#ifndef PREFRL_BANDIT_ARM_STATISTICS_HPP
#define PREFRL_BANDIT_ARM_STATISTICS_HPP

/// \file
/// Per-arm pull counts and reward sums, shared by the multi-armed bandits, and the
/// random tie-breaking they all use.

#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::bandit {

/// Pull counts `n_a`, reward sums `S_a` (in double) and the total number of pulls of K arms.
class arm_statistics {
public:
    arm_statistics() = default;
    explicit arm_statistics(index_t arms, std::string_view function = "prefrl::bandit::arm_statistics") {
        require(arms >= 1, function, "the number of arms must be >= 1, got ", arms);
        counts_.assign(static_cast<std::size_t>(arms), 0);
        sums_.assign(static_cast<std::size_t>(arms), 0.0);
    }
    [[nodiscard]] index_t num_arms() const { return static_cast<index_t>(counts_.size()); }
    [[nodiscard]] index_t count(index_t a) const {
        require_index("prefrl::bandit::arm_statistics::count", "a", a, num_arms());
        return counts_[static_cast<std::size_t>(a)];
    }
    [[nodiscard]] double sum(index_t a) const {
        require_index("prefrl::bandit::arm_statistics::sum", "a", a, num_arms());
        return sums_[static_cast<std::size_t>(a)];
    }
    /// `S_a / n_a`, or `if_untried` for an arm never pulled.
    [[nodiscard]] double mean(index_t a, double if_untried = 0.0) const {
        require_index("prefrl::bandit::arm_statistics::mean", "a", a, num_arms());
        const auto n = counts_[static_cast<std::size_t>(a)];
        return n == 0 ? if_untried : sums_[static_cast<std::size_t>(a)] / static_cast<double>(n);
    }
    [[nodiscard]] index_t total() const { return total_; }

    /// Checks (arm, reward) for `function`: arm in [0, K), reward finite.
    template <std::floating_point T>
    void check(std::string_view function, index_t arm, T reward) const {
        require(arm >= 0 && arm < num_arms(), function, "arm must be in [0, ", num_arms(), "), got ", arm);
        require(std::isfinite(reward), function, "reward must be finite, got ", reward);
    }
    /// Checks as `check`, and that the reward is in [0, 1] (Bernoulli-model algorithms).
    template <std::floating_point T>
    void check_unit(std::string_view function, index_t arm, T reward) const {
        check(function, arm, reward);
        require(reward >= T(0) && reward <= T(1), function, "reward must be in [0, 1], got ", reward);
    }
    void add(index_t arm, double reward) {
        ++counts_[static_cast<std::size_t>(arm)];
        sums_[static_cast<std::size_t>(arm)] += reward;
        ++total_;
    }

private:
    std::vector<index_t> counts_;
    std::vector<double> sums_;
    index_t total_ = 0;
};

}  // namespace prefrl::bandit

namespace prefrl::detail {

/// The argmax set of `scores` (exact ties; +inf counts as a value) written to `best`.
inline void argmax_set(std::span<const double> scores, std::vector<index_t>& best) {
    best.clear();
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t a = 0; a < scores.size(); ++a) {
        if (scores[a] > top || best.empty()) {
            top = scores[a];
            best.assign(1, static_cast<index_t>(a));
        } else if (scores[a] == top) {
            best.push_back(static_cast<index_t>(a));
        }
    }
}

/// A uniformly random member of the argmax set of `scores`, with propensity 1/|argmax set|:
/// the decision of a deterministic index policy (UCB1, KL-UCB, LinUCB).
template <std::floating_point T, RandomGenerator G>
decision<T> choose_best(std::span<const double> scores, std::vector<index_t>& scratch, G& rng) {
    argmax_set(scores, scratch);
    const auto k = static_cast<std::int64_t>(scratch.size());
    const index_t arm = k == 1 ? scratch[0] : scratch[static_cast<std::size_t>(uniform_index(k, rng))];
    return {arm, static_cast<T>(1.0 / static_cast<double>(k)), false};
}

}  // namespace prefrl::detail

#endif  // PREFRL_BANDIT_ARM_STATISTICS_HPP

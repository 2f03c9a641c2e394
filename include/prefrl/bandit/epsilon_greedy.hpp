#ifndef PREFRL_BANDIT_EPSILON_GREEDY_HPP
#define PREFRL_BANDIT_EPSILON_GREEDY_HPP

/// \file
/// Epsilon-greedy for K arms, with a fixed or a decaying exploration rate.

#include <algorithm>
#include <concepts>
#include <limits>
#include <vector>

#include "prefrl/bandit/arm_statistics.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"

namespace prefrl::bandit {

/// Options of `epsilon_greedy`. With `decay_c > 0` the rate decays as Auer, Cesa-Bianchi &
/// Fischer's epsilon_n-greedy: `epsilon_t = min(1, c K / (d^2 t))` (their theorem needs c > 5
/// and 0 < d <= the smallest gap); otherwise it is the fixed `epsilon`.
struct epsilon_greedy_options {
    double epsilon = 0.1;  ///< fixed rate, in [0, 1] (MABWiser's default; VW's is 0.05)
    double decay_c = 0.0;  ///< c of the decaying schedule; 0 = fixed rate
    double decay_d = 0.0;  ///< d of the decaying schedule, > 0 when decay_c > 0
};

/// **Epsilon-greedy** (Sutton & Barto 2018, §2.2; decaying form: Auer, Cesa-Bianchi & Fischer
/// 2002, "Finite-time Analysis of the Multiarmed Bandit Problem"): with probability epsilon an
/// arm uniformly at random, otherwise one of the best empirical means `B = argmax mu`, ties at
/// random; untried arms count as best. Propensity `(1 - eps) 1[a in B] / |B| + eps / K`, exact.
/// A model of `Bandit`.
template <std::floating_point T = double>
class epsilon_greedy {
public:
    using scalar_type = T;
    explicit epsilon_greedy(index_t arms, epsilon_greedy_options options = {})
        : stats_(arms, "prefrl::bandit::epsilon_greedy"), options_(options), means_(static_cast<std::size_t>(arms)) {
        constexpr auto fn = "prefrl::bandit::epsilon_greedy";
        require(options.epsilon >= 0.0 && options.epsilon <= 1.0, fn, "epsilon must be in [0, 1], got ", options.epsilon);
        require_non_negative(fn, "decay_c", options.decay_c);
        require(options.decay_c == 0.0 || options.decay_d > 0.0, fn, "decay_d must be > 0 with decay_c > 0, got ", options.decay_d);
    }
    [[nodiscard]] index_t num_arms() const { return stats_.num_arms(); }
    [[nodiscard]] const arm_statistics& statistics() const { return stats_; }

    /// The exploration rate of the next round.
    [[nodiscard]] double epsilon() const {
        if (options_.decay_c == 0.0) return options_.epsilon;
        const double t = static_cast<double>(stats_.total() + 1);
        return std::min(1.0, options_.decay_c * static_cast<double>(num_arms()) / (options_.decay_d * options_.decay_d * t));
    }

    /// The probability of each arm in the next round.
    [[nodiscard]] vector<T> arm_probabilities() {
        refresh_best();
        const double eps = epsilon();
        const double k = static_cast<double>(num_arms());
        vector<T> p = vector<T>::Constant(num_arms(), static_cast<T>(eps / k));
        for (index_t a : best_) p[a] = static_cast<T>(eps / k + (1.0 - eps) / static_cast<double>(best_.size()));
        return p;
    }

    template <RandomGenerator G>
    decision<T> select(G& rng) {
        refresh_best();
        const double eps = epsilon();
        const index_t arm = uniform01<double>(rng) < eps
                                ? uniform_index(num_arms(), rng)
                                : best_[static_cast<std::size_t>(uniform_index(static_cast<std::int64_t>(best_.size()), rng))];
        const bool in_best = std::find(best_.begin(), best_.end(), arm) != best_.end();
        const double k = static_cast<double>(num_arms());
        const double p = eps / k + (in_best ? (1.0 - eps) / static_cast<double>(best_.size()) : 0.0);
        return {arm, static_cast<T>(p), false};
    }

    void update(index_t arm, T reward) {
        stats_.check("prefrl::bandit::epsilon_greedy::update", arm, reward);
        stats_.add(arm, static_cast<double>(reward));
    }

private:
    void refresh_best() {
        for (index_t a = 0; a < num_arms(); ++a)
            means_[static_cast<std::size_t>(a)] = stats_.mean(a, std::numeric_limits<double>::infinity());
        prefrl::detail::argmax_set(means_, best_);
    }
    arm_statistics stats_;
    epsilon_greedy_options options_;
    std::vector<double> means_;
    std::vector<index_t> best_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_EPSILON_GREEDY_HPP

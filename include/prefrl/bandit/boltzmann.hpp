#ifndef PREFRL_BANDIT_BOLTZMANN_HPP
#define PREFRL_BANDIT_BOLTZMANN_HPP

/// \file
/// Softmax (Boltzmann) exploration over the empirical means.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <vector>

#include "prefrl/bandit/arm_statistics.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"

namespace prefrl::bandit {

/// Options of `boltzmann`.
struct boltzmann_options {
    double temperature = 1.0;  ///< tau > 0 (MABWiser's default); VW's `--softmax` lambda is 1/tau on costs
};

/// **Boltzmann (softmax) exploration** (Luce 1959; Sutton & Barto 2018, §2.8; MABWiser's
/// Softmax): `p_a ∝ exp((mu_a - max mu) / tau)`, untried arms at mu = 0. The propensity is the
/// exact `p_{a_t}`. A fixed temperature has linear regret. A `Bandit`.
template <std::floating_point T = double>
class boltzmann {
public:
    using scalar_type = T;
    explicit boltzmann(index_t arms, boltzmann_options options = {})
        : stats_(arms, "prefrl::bandit::boltzmann"), options_(options) {
        require_positive("prefrl::bandit::boltzmann", "temperature", options.temperature);
    }
    [[nodiscard]] index_t num_arms() const { return stats_.num_arms(); }
    [[nodiscard]] const arm_statistics& statistics() const { return stats_; }

    /// The probability of each arm in the next round.
    [[nodiscard]] std::vector<double> arm_probabilities() const {
        std::vector<double> p(static_cast<std::size_t>(num_arms()));
        double top = stats_.mean(0);
        for (index_t a = 1; a < num_arms(); ++a) top = std::max(top, stats_.mean(a));
        double total = 0.0;
        for (index_t a = 0; a < num_arms(); ++a)
            total += p[static_cast<std::size_t>(a)] = std::exp((stats_.mean(a) - top) / options_.temperature);
        for (double& x : p) x /= total;
        return p;
    }

    template <RandomGenerator G>
    decision<T> select(G& rng) {
        const std::vector<double> p = arm_probabilities();
        const index_t arm = sample_categorical<double>(p, rng);
        // a propensity that underflows T (float) is its smallest normal value, never 0
        return {arm, static_cast<T>(std::max(p[static_cast<std::size_t>(arm)], static_cast<double>(std::numeric_limits<T>::min()))),
                false};
    }

    void update(index_t arm, T reward) {
        stats_.check("prefrl::bandit::boltzmann::update", arm, reward);
        stats_.add(arm, static_cast<double>(reward));
    }

private:
    arm_statistics stats_;
    boltzmann_options options_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_BOLTZMANN_HPP

#ifndef PREFRL_BANDIT_EXP3_HPP
#define PREFRL_BANDIT_EXP3_HPP

/// \file
/// EXP3 for adversarial bandits, in Auer et al.'s reward form (with uniform mixing) and
/// Lattimore & Szepesvári's loss-based form.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

#include "prefrl/bandit/arm_statistics.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"

namespace prefrl::bandit {

/// Which EXP3 update.
enum class exp3_estimator {
    reward_based,  ///< Auer et al. 2002: `p = (1 - gamma) w / sum w + gamma / K`, `w_a *= exp(gamma xhat_a / K)`
    loss_based,    ///< Lattimore & Szepesvári, Alg. 9: `P ∝ exp(eta Shat)`, `Shat_i += 1 - 1[A = i] (1 - X) / P_i`
};

/// Options of `exp3`. The defaults tune gamma / eta to the horizon T:
/// `gamma = min(1, sqrt(K ln K / ((e - 1) T)))` (Auer et al., Cor. 3.2) and
/// `eta = sqrt(2 ln K / (T K))` (Lattimore & Szepesvári, Thm. 11.2).
struct exp3_options {
    index_t horizon = 0;  ///< T, needed unless gamma (reward_based) or eta (loss_based) is given
    double gamma = 0.0;   ///< mixing and learning rate of the reward form, in [0, 1]; 0 = tuned to T
    double eta = 0.0;     ///< learning rate of the loss form, > 0; 0 = tuned to T
    exp3_estimator estimator = exp3_estimator::reward_based;
};

/// **EXP3** (Auer, Cesa-Bianchi, Freund & Schapire 2002, "The Nonstochastic Multiarmed Bandit
/// Problem"): exponential weights on importance-weighted reward estimates, for rewards in [0, 1]
/// chosen by an adversary. With the default gamma, `E[G_max] - E[G] <= 2.63 sqrt(T K ln K)`;
/// the loss-based form has `R_T <= sqrt(2 T K ln K)`. Weights are kept as logs, shifted by
/// their maximum. The propensity is the exact `p_{a_t}`. A `Bandit`.
template <std::floating_point T = double>
class exp3 {
public:
    using scalar_type = T;
    explicit exp3(index_t arms, exp3_options options = {})
        : stats_(arms, "prefrl::bandit::exp3"), options_(options), log_weight_(static_cast<std::size_t>(arms), 0.0) {
        constexpr auto fn = "prefrl::bandit::exp3";
        const double k = static_cast<double>(arms);
        if (options_.estimator == exp3_estimator::reward_based) {
            if (options_.gamma == 0.0) {
                require(options_.horizon >= 1, fn, "give the horizon (>= 1) or gamma; horizon is ", options_.horizon);
                options_.gamma = std::min(1.0, std::sqrt(k * std::log(k) / ((std::numbers::e - 1.0) * static_cast<double>(options_.horizon))));
            }
            require(options_.gamma >= 0.0 && options_.gamma <= 1.0, fn, "gamma must be in [0, 1], got ", options_.gamma);
        } else {
            if (options_.eta == 0.0) {
                require(options_.horizon >= 1, fn, "give the horizon (>= 1) or eta; horizon is ", options_.horizon);
                options_.eta = std::sqrt(2.0 * std::log(k) / (static_cast<double>(options_.horizon) * k));
            }
            require(options_.eta >= 0.0 && std::isfinite(options_.eta), fn, "eta must be finite and >= 0, got ", options_.eta);
        }
    }
    [[nodiscard]] index_t num_arms() const { return stats_.num_arms(); }
    [[nodiscard]] const arm_statistics& statistics() const { return stats_; }
    [[nodiscard]] double gamma() const { return options_.gamma; }
    [[nodiscard]] double eta() const { return options_.eta; }

    /// The probability of each arm in the next round.
    [[nodiscard]] std::vector<double> arm_probabilities() const {
        double top = log_weight_[0];
        for (double w : log_weight_) top = std::max(top, w);
        std::vector<double> p(log_weight_.size());
        double total = 0.0;
        for (std::size_t a = 0; a < p.size(); ++a) total += p[a] = std::exp(log_weight_[a] - top);
        const double k = static_cast<double>(p.size());
        const double mix = options_.estimator == exp3_estimator::reward_based ? options_.gamma : 0.0;
        for (double& x : p) x = (1.0 - mix) * x / total + mix / k;
        return p;
    }

    template <RandomGenerator G>
    decision<T> select(G& rng) {
        probabilities_ = arm_probabilities();
        const index_t arm = sample_categorical<double>(probabilities_, rng);
        // a propensity that underflows T (float) is its smallest normal value, never 0
        return {arm,
                static_cast<T>(std::max(probabilities_[static_cast<std::size_t>(arm)], static_cast<double>(std::numeric_limits<T>::min()))),
                false};
    }

    /// Learns from the reward of the arm just played (the probabilities are those of the last
    /// `select`, or the current ones if update is called without one).
    void update(index_t arm, T reward) {
        stats_.check_unit("prefrl::bandit::exp3::update", arm, reward);
        if (probabilities_.empty()) probabilities_ = arm_probabilities();
        const auto k = static_cast<std::size_t>(arm);
        const double r = static_cast<double>(reward);
        const double p = probabilities_[k];
        require(p > 0.0, "prefrl::bandit::exp3::update", "arm ", arm, " had probability 0 in the last select (its weight underflowed):",
                " it cannot have been played");
        // an importance weight 1 / p that overflows is capped: the weights are logs, shifted below
        constexpr double cap = 1e300;
        if (options_.estimator == exp3_estimator::reward_based) {
            log_weight_[k] += std::min(cap, options_.gamma * (r / p) / static_cast<double>(num_arms()));
        } else {
            for (double& w : log_weight_) w += options_.eta;
            log_weight_[k] -= std::min(cap, options_.eta * (1.0 - r) / p);
        }
        double top = log_weight_[0];
        for (double w : log_weight_) top = std::max(top, w);
        for (double& w : log_weight_) w -= top;
        stats_.add(arm, r);
        probabilities_.clear();
    }

private:
    arm_statistics stats_;
    exp3_options options_;
    std::vector<double> log_weight_;
    std::vector<double> probabilities_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_EXP3_HPP

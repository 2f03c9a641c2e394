#ifndef PREFRL_BANDIT_KL_UCB_HPP
#define PREFRL_BANDIT_KL_UCB_HPP

/// \file
/// KL-UCB for Bernoulli rewards: the Bernoulli KL divergence, its upper confidence bound,
/// and the bandit.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <vector>

#include "prefrl/bandit/arm_statistics.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"

namespace prefrl::bandit {

/// Bernoulli KL divergence `kl(p, q) = p ln(p/q) + (1-p) ln((1-p)/(1-q))`, with `0 ln 0 = 0`
/// (+inf when q is 0 or 1 and p is not). p, q in [0, 1].
inline double kl_bernoulli(double p, double q) {
    constexpr auto fn = "prefrl::bandit::kl_bernoulli";
    require(p >= 0.0 && p <= 1.0, fn, "p must be in [0, 1], got ", p);
    require(q >= 0.0 && q <= 1.0, fn, "q must be in [0, 1], got ", q);
    const auto term = [](double a, double b) {
        if (a == 0.0) return 0.0;
        if (b == 0.0) return std::numeric_limits<double>::infinity();
        return a * std::log(a / b);
    };
    return term(p, q) + term(1.0 - p, 1.0 - q);
}

/// `max { q in [mu, 1] : kl(mu, q) <= delta }` (the KL upper confidence bound): bracket
/// `[mu, min(1, mu + sqrt(delta/2))]` (Pinsker), bisection to width 1e-10; closed forms at
/// the edges (`delta <= 0` -> mu, `mu = 1` -> 1, `mu = 0` -> `1 - exp(-delta)`).
inline double kl_ucb_upper_bound(double mu, double delta) {
    constexpr auto fn = "prefrl::bandit::kl_ucb_upper_bound";
    require(mu >= 0.0 && mu <= 1.0, fn, "mu must be in [0, 1], got ", mu);
    require(!std::isnan(delta), fn, "delta must not be NaN");
    if (delta <= 0.0) return mu;
    if (mu >= 1.0) return 1.0;
    if (mu == 0.0) return 1.0 - std::exp(-delta);
    double lo = mu;
    double hi = std::min(1.0, mu + std::sqrt(delta / 2.0));
    if (kl_bernoulli(mu, hi) <= delta) return hi;
    while (hi - lo > 1e-10) {
        const double mid = 0.5 * (lo + hi);
        (kl_bernoulli(mu, mid) <= delta ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

/// The KL-UCB index of an arm with empirical mean mu after n pulls, in round t (1-based):
/// `kl_ucb_upper_bound(mu, (ln t + c ln(max(ln t, 1))) / n)`.
inline double kl_ucb_index(double mu, index_t n, index_t t, double c = 0.0) {
    constexpr auto fn = "prefrl::bandit::kl_ucb_index";
    require(mu >= 0.0 && mu <= 1.0, fn, "mu must be in [0, 1], got ", mu);
    require(n >= 1, fn, "n must be >= 1, got ", n);
    require(t >= 1, fn, "t must be >= 1, got ", t);
    require_non_negative(fn, "c", c);
    const double log_t = std::log(static_cast<double>(t));
    return kl_ucb_upper_bound(mu, (log_t + c * std::log(std::max(log_t, 1.0))) / static_cast<double>(n));
}

/// Options of `kl_ucb`.
struct kl_ucb_options {
    double c = 0.0;  ///< exploration term `c ln ln t`; 0 as in Garivier & Cappé's experiments (their theorem uses 3)
};

/// **KL-UCB** (Garivier & Cappé 2011, "The KL-UCB Algorithm for Bounded Stochastic Bandits and
/// Beyond"), Bernoulli form: play the arm with the largest `kl_ucb_index`, untried arms first,
/// ties at random (propensity `1/|argmax set|`). Rewards in [0, 1]. Asymptotically optimal:
/// `R_T / ln T -> sum_a gap_a / kl(mu_a, mu*)` (Lai & Robbins' constant). A `Bandit`.
template <std::floating_point T = double>
class kl_ucb {
public:
    using scalar_type = T;
    explicit kl_ucb(index_t arms, kl_ucb_options options = {})
        : stats_(arms, "prefrl::bandit::kl_ucb"), options_(options), scores_(static_cast<std::size_t>(arms)) {
        require_non_negative("prefrl::bandit::kl_ucb", "c", options.c);
    }
    [[nodiscard]] index_t num_arms() const { return stats_.num_arms(); }
    [[nodiscard]] const arm_statistics& statistics() const { return stats_; }

    /// The index of arm a in the next round (+inf if untried).
    [[nodiscard]] double index(index_t a) const {
        require_index("prefrl::bandit::kl_ucb::index", "a", a, num_arms());
        const auto n_a = stats_.count(a);
        if (n_a == 0) return std::numeric_limits<double>::infinity();
        return kl_ucb_index(std::clamp(stats_.mean(a), 0.0, 1.0), n_a, stats_.total() + 1, options_.c);
    }

    template <RandomGenerator G>
    decision<T> select(G& rng) {
        for (index_t a = 0; a < num_arms(); ++a) scores_[static_cast<std::size_t>(a)] = index(a);
        return prefrl::detail::choose_best<T>(scores_, best_, rng);
    }

    void update(index_t arm, T reward) {
        stats_.check_unit("prefrl::bandit::kl_ucb::update", arm, reward);
        stats_.add(arm, static_cast<double>(reward));
    }

private:
    arm_statistics stats_;
    kl_ucb_options options_;
    std::vector<double> scores_;
    std::vector<index_t> best_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_KL_UCB_HPP

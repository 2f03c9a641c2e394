#ifndef PREFRL_BANDIT_THOMPSON_HPP
#define PREFRL_BANDIT_THOMPSON_HPP

/// \file
/// Thompson sampling with Beta-Bernoulli and Gaussian posteriors, and the probability that
/// one of several independent Gaussians is the largest (the propensity of Gaussian Thompson
/// sampling and LinTS).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

#include "prefrl/bandit/arm_statistics.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"

namespace prefrl::bandit {

/// `P(arm = argmax_b theta_b)` for independent `theta_b ~ N(means[b], sds[b]^2)`:
/// `int phi_a(z) prod_{b != a} Phi((z - m_b) / s_b) dz`, by 4-point Gauss-Legendre on panels
/// no wider than a quarter of the smallest sd (64 to 20000 of them) over the range where the
/// integrand is not negligible (error below 1e-9 on the tested instances). sds > 0.
inline double gaussian_argmax_probability(std::span<const double> means, std::span<const double> sds, index_t arm) {
    constexpr auto fn = "prefrl::bandit::gaussian_argmax_probability";
    require_non_empty(fn, "means", means.size());
    require_same_size(fn, "sds", sds.size(), "means", means.size());
    require(arm >= 0 && arm < static_cast<index_t>(means.size()), fn, "arm must be in [0, ", means.size(), "), got ", arm);
    for (std::size_t b = 0; b < means.size(); ++b) {
        require(std::isfinite(means[b]), fn, "means[", b, "] must be finite, got ", means[b]);
        require(sds[b] > 0.0 && std::isfinite(sds[b]), fn, "sds[", b, "] must be finite and > 0, got ", sds[b]);
    }
    if (means.size() == 1) return 1.0;
    const auto a = static_cast<std::size_t>(arm);
    // Below m_b - 10 s_b arm b's factor is < 1e-23: integrate from the highest such point
    // (or m_a - 10 s_a), with panels no wider than a quarter of the smallest sd.
    double lo = means[a] - 10.0 * sds[a];
    double smallest_sd = sds[a];
    for (std::size_t b = 0; b < means.size(); ++b) {
        if (b == a) continue;
        lo = std::max(lo, means[b] - 10.0 * sds[b]);
        smallest_sd = std::min(smallest_sd, sds[b]);
    }
    const double hi = means[a] + 10.0 * sds[a];
    if (!(lo < hi)) return 0.0;
    const double wanted = std::ceil((hi - lo) / (0.25 * smallest_sd));
    const int panels = static_cast<int>(std::clamp(wanted, 64.0, 20000.0));
    constexpr double nodes[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
    constexpr double weights[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
    const double width = (hi - lo) / panels;
    double total = 0.0;
    for (int p = 0; p < panels; ++p) {
        const double centre = lo + (p + 0.5) * width;
        for (int k = 0; k < 4; ++k) {
            const double z = centre + 0.5 * width * nodes[k];
            const double u = (z - means[a]) / sds[a];
            double f = std::exp(-0.5 * u * u) / (sds[a] * std::sqrt(2.0 * std::numbers::pi));
            for (std::size_t b = 0; b < means.size() && f > 0.0; ++b)
                if (b != a) f *= 0.5 * std::erfc(-(z - means[b]) / (sds[b] * std::numbers::sqrt2));
            total += 0.5 * width * weights[k] * f;
        }
    }
    return total;
}

/// Options of `thompson_beta`.
struct thompson_beta_options {
    double alpha0 = 1.0;                ///< prior Beta(alpha0, beta0), both > 0
    double beta0 = 1.0;
    index_t propensity_draws = 10000;   ///< Monte-Carlo draws for the propensity; 0 = do not estimate (NaN)
    std::uint64_t binarize_seed = 0;    ///< seed of the Bernoulli(r) draws for rewards strictly inside (0, 1)
};

/// **Thompson sampling, Beta-Bernoulli** (Thompson 1933; Agrawal & Goyal 2012, "Analysis of
/// Thompson Sampling for the Multi-armed Bandit Problem"): draw `theta_a ~ Beta(alpha0 + S_a,
/// beta0 + n_a - S_a)`, play the argmax. Rewards in [0, 1]; a reward strictly inside (0, 1) is
/// replaced by a Bernoulli(r) draw (Agrawal & Goyal). `update(arm, reward, rng)` draws it from
/// the caller's generator (the loops in `simulate.hpp` call that form); `update(arm, reward)`,
/// the `Bandit` form, from a generator seeded with `options.binarize_seed`.
///
/// Propensity: not closed-form. The whole posterior sample is redrawn `propensity_draws` times
/// and `(1 + #{argmax = a_t}) / (1 + draws)` returned with `estimated = true` (OBP's BernoulliTS
/// does the same; Monte-Carlo error `sqrt(p (1 - p) / draws)`). With `propensity_draws = 0` the
/// propensity is NaN (cheap runs that are not logged; a log recorder rejects NaN). A `Bandit`.
template <std::floating_point T = double>
class thompson_beta {
public:
    using scalar_type = T;
    explicit thompson_beta(index_t arms, thompson_beta_options options = {})
        : stats_(arms, "prefrl::bandit::thompson_beta"),
          options_(options),
          binarize_(options.binarize_seed),
          draws_(static_cast<std::size_t>(arms)) {
        constexpr auto fn = "prefrl::bandit::thompson_beta";
        require_positive(fn, "alpha0", options.alpha0);
        require_positive(fn, "beta0", options.beta0);
        require_non_negative(fn, "propensity_draws", options.propensity_draws);
    }
    [[nodiscard]] index_t num_arms() const { return stats_.num_arms(); }
    [[nodiscard]] const arm_statistics& statistics() const { return stats_; }
    [[nodiscard]] double posterior_alpha(index_t a) const {
        require_index("prefrl::bandit::thompson_beta::posterior_alpha", "a", a, num_arms());
        return options_.alpha0 + stats_.sum(a);
    }
    [[nodiscard]] double posterior_beta(index_t a) const {
        require_index("prefrl::bandit::thompson_beta::posterior_beta", "a", a, num_arms());
        return options_.beta0 + static_cast<double>(stats_.count(a)) - stats_.sum(a);
    }

    template <RandomGenerator G>
    decision<T> select(G& rng) {
        const index_t arm = sample_argmax(rng);
        if (options_.propensity_draws == 0) return {arm, std::numeric_limits<T>::quiet_NaN(), true};
        index_t hits = 0;
        for (index_t k = 0; k < options_.propensity_draws; ++k) hits += sample_argmax(rng) == arm ? 1 : 0;
        return {arm, static_cast<T>(static_cast<double>(1 + hits) / static_cast<double>(1 + options_.propensity_draws)), true};
    }

    /// Learns `reward` in [0, 1] for `arm`; a reward inside (0, 1) becomes a Bernoulli(reward)
    /// draw from the generator seeded with `options.binarize_seed`.
    void update(index_t arm, T reward) { update(arm, reward, binarize_); }

    /// As `update(arm, reward)`, the Bernoulli draw taken from `rng`.
    template <RandomGenerator G>
    void update(index_t arm, T reward, G& rng) {
        stats_.check_unit("prefrl::bandit::thompson_beta::update", arm, reward);
        double r = static_cast<double>(reward);
        if (r > 0.0 && r < 1.0) r = uniform01<double>(rng) < r ? 1.0 : 0.0;
        stats_.add(arm, r);
    }

private:
    template <RandomGenerator G>
    index_t sample_argmax(G& rng) {
        for (index_t a = 0; a < num_arms(); ++a)
            draws_[static_cast<std::size_t>(a)] = beta_variate<double>(posterior_alpha(a), posterior_beta(a), rng);
        return prefrl::detail::choose_best<T>(draws_, best_, rng).arm;
    }
    arm_statistics stats_;
    thompson_beta_options options_;
    generator binarize_;
    std::vector<double> draws_;
    std::vector<index_t> best_;
};

/// Options of `thompson_gaussian`.
struct thompson_gaussian_options {
    double sigma = 1.0;        ///< known reward noise sd, > 0
    double prior_mean = 0.0;   ///< prior N(prior_mean, prior_sd^2) of each arm's mean
    double prior_sd = 1.0;     ///< > 0
    bool propensity = true;    ///< compute the exact propensity by quadrature (false: NaN, cheaper)
};

/// **Thompson sampling, Gaussian** with known noise sigma (Agrawal & Goyal 2013, "Further
/// Optimal Regret Bounds for Thompson Sampling"): the posterior of arm a is `N(m_a, 1/tau_a)`,
/// `tau_a = 1/s0^2 + n_a/sigma^2`, `m_a = (m0/s0^2 + S_a/sigma^2) / tau_a`; draw, play the
/// argmax. The propensity is `gaussian_argmax_probability` of the posteriors (exact up to
/// quadrature, `estimated = false`). A `Bandit`.
template <std::floating_point T = double>
class thompson_gaussian {
public:
    using scalar_type = T;
    explicit thompson_gaussian(index_t arms, thompson_gaussian_options options = {})
        : stats_(arms, "prefrl::bandit::thompson_gaussian"),
          options_(options),
          means_(static_cast<std::size_t>(arms)),
          sds_(static_cast<std::size_t>(arms)),
          draws_(static_cast<std::size_t>(arms)) {
        constexpr auto fn = "prefrl::bandit::thompson_gaussian";
        require_positive(fn, "sigma", options.sigma);
        require_positive(fn, "prior_sd", options.prior_sd);
        require_finite(fn, "prior_mean", options.prior_mean);
    }
    [[nodiscard]] index_t num_arms() const { return stats_.num_arms(); }
    [[nodiscard]] const arm_statistics& statistics() const { return stats_; }
    /// `(m0 + S_a r^2) / (1 + n_a r^2)` with r = s0 / sigma: the posterior mean above, in a form
    /// that stays finite for a point prior (s0 = 1e-200: the prior mean) or a flat one (S_a / n_a).
    [[nodiscard]] double posterior_mean(index_t a) const {
        require_index("prefrl::bandit::thompson_gaussian::posterior_mean", "a", a, num_arms());
        const auto n = static_cast<double>(stats_.count(a));
        if (n == 0.0) return options_.prior_mean;
        const double r = options_.prior_sd / options_.sigma, r2 = r * r;
        if (!std::isfinite(r2)) return stats_.sum(a) / n;
        return (options_.prior_mean + stats_.sum(a) * r2) / (1.0 + n * r2);
    }
    /// `s0 / sqrt(1 + n_a r^2)` = `1 / sqrt(tau_a)`.
    [[nodiscard]] double posterior_sd(index_t a) const {
        require_index("prefrl::bandit::thompson_gaussian::posterior_sd", "a", a, num_arms());
        const auto n = static_cast<double>(stats_.count(a));
        const double r = options_.prior_sd / options_.sigma;
        if (!std::isfinite(r * r)) return n == 0.0 ? options_.prior_sd : options_.sigma / std::sqrt(n);
        return options_.prior_sd / std::sqrt(1.0 + n * r * r);
    }

    template <RandomGenerator G>
    decision<T> select(G& rng) {
        for (index_t a = 0; a < num_arms(); ++a) {
            const auto k = static_cast<std::size_t>(a);
            means_[k] = posterior_mean(a);
            sds_[k] = posterior_sd(a);
            draws_[k] = means_[k] + sds_[k] * normal<double>(rng);
        }
        const index_t arm = prefrl::detail::choose_best<T>(draws_, best_, rng).arm;
        if (!options_.propensity) return {arm, std::numeric_limits<T>::quiet_NaN(), true};
        const double p = gaussian_argmax_probability(means_, sds_, arm);
        return {arm, static_cast<T>(std::clamp(p, static_cast<double>(std::numeric_limits<T>::min()), 1.0)), false};
    }

    void update(index_t arm, T reward) {
        stats_.check("prefrl::bandit::thompson_gaussian::update", arm, reward);
        stats_.add(arm, static_cast<double>(reward));
    }

private:
    arm_statistics stats_;
    thompson_gaussian_options options_;
    std::vector<double> means_, sds_, draws_;
    std::vector<index_t> best_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_THOMPSON_HPP

#ifndef PREFRL_OPE_BOOTSTRAP_HPP
#define PREFRL_OPE_BOOTSTRAP_HPP

/// \file
/// Bootstrap confidence intervals for off-policy estimates, as Open Bandit Pipeline's
/// `estimate_confidence_interval_by_bootstrap`.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::ope {

/// Options of `bootstrap_confidence_interval`.
struct bootstrap_options {
    index_t resamples = 10000;  ///< B (OBP's meta-estimator uses 100)
    double alpha = 0.05;        ///< a (1 - alpha) interval
};

/// Bootstrap summary: `mean` is the mean of the B resample means (OBP's "mean", not V),
/// `lower`/`upper` their `100 alpha/2` and `100 (1 - alpha/2)` percentiles.
template <std::floating_point T>
struct bootstrap_interval {
    T mean{};
    T lower{};
    T upper{};
};

/// **Percentile bootstrap** (Efron 1979) of the mean of per-round terms `c_i` (an estimate's
/// `per_round`): B resamples of size n with replacement, percentiles by linear interpolation
/// (numpy's default). As in OBP, self-normalized terms are not renormalized per resample.
template <std::floating_point T, RandomGenerator G>
bootstrap_interval<T> bootstrap_confidence_interval(std::span<const T> per_round, G& rng, bootstrap_options options = {}) {
    constexpr auto fn = "prefrl::ope::bootstrap_confidence_interval";
    require_non_empty(fn, "per_round", per_round.size());
    require(options.resamples >= 1, fn, "resamples must be >= 1, got ", options.resamples);
    require(options.alpha > 0.0 && options.alpha < 1.0, fn, "alpha must be in (0, 1), got ", options.alpha);
    for (std::size_t i = 0; i < per_round.size(); ++i)
        require(std::isfinite(per_round[i]), fn, "per_round[", i, "] must be finite, got ", per_round[i]);
    const auto n = static_cast<std::int64_t>(per_round.size());
    std::vector<double> means(static_cast<std::size_t>(options.resamples));
    double grand = 0.0;
    for (auto& m : means) {
        double s = 0.0;
        for (std::int64_t k = 0; k < n; ++k) s += static_cast<double>(per_round[static_cast<std::size_t>(uniform_index(n, rng))]);
        m = s / static_cast<double>(n);
        grand += m;
    }
    std::sort(means.begin(), means.end());
    const auto percentile = [&](double q) {
        const double pos = q * static_cast<double>(means.size() - 1);
        const auto lo = static_cast<std::size_t>(std::floor(pos));
        const std::size_t hi = std::min(lo + 1, means.size() - 1);
        return means[lo] + (pos - static_cast<double>(lo)) * (means[hi] - means[lo]);
    };
    return {static_cast<T>(grand / static_cast<double>(means.size())), static_cast<T>(percentile(options.alpha / 2)),
            static_cast<T>(percentile(1.0 - options.alpha / 2))};
}

/// Overload for an Eigen vector (an estimate's `per_round`).
template <std::floating_point T, RandomGenerator G>
bootstrap_interval<T> bootstrap_confidence_interval(const vector<T>& per_round, G& rng, bootstrap_options options = {}) {
    return bootstrap_confidence_interval<T>(std::span<const T>(per_round.data(), static_cast<std::size_t>(per_round.size())), rng, options);
}

}  // namespace prefrl::ope

#endif  // PREFRL_OPE_BOOTSTRAP_HPP

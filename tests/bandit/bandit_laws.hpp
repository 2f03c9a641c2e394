#pragma once
// Law checker for bandits: the propensity a bandit reports for its choice is the frequency
// with which it makes that choice from the same state.

#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include <prefrl/core/random.hpp>

namespace prefrl::testing {

/// Calls `choose()` (a fresh select from one fixed state) `draws` times; every arm's
/// frequency must match the propensity reported with it within 4.5 standard errors.
template <class Choose>
void check_propensities_match_frequencies(Choose choose, int draws = 20000) {
    std::map<index_t, int> hits;
    std::map<index_t, double> reported;
    for (int k = 0; k < draws; ++k) {
        const auto d = choose();
        ++hits[d.arm];
        const double p = static_cast<double>(d.propensity);
        if (reported.count(d.arm) != 0 && !d.estimated) REQUIRE(p == Approx(reported[d.arm]).epsilon(1e-6));
        reported[d.arm] = p;
    }
    for (const auto& [arm, count] : hits) {
        const double p = reported[arm];
        const double freq = static_cast<double>(count) / draws;
        const double se = std::sqrt(p * (1.0 - p) / draws) + 1e-12;
        INFO("arm " << arm << " frequency " << freq << " propensity " << p);
        CHECK(std::abs(freq - p) <= 4.5 * se + 2e-3);
    }
}

}  // namespace prefrl::testing

#ifndef PREFRL_TESTS_LAWS_POLICY_LAWS_HPP
#define PREFRL_TESTS_LAWS_POLICY_LAWS_HPP

// Laws of the policy concepts (include/prefrl/core/policy.hpp), reusable for every model:
//
//   check_probabilities_sum_to_one(pi, s)        DiscretePolicy: pi(.|s) >= 0, sums to 1
//   check_log_prob_matches_prob(pi, s)           DiscretePolicy: log_prob(s,a) == log(probabilities(s)[a])
//   check_sample_frequencies(pi, s, rng, n)      DiscretePolicy: sample counts within 5 sigma of n pi(a|s)
//   check_sampling_reproducible(pi, s, seed)     Policy: same seed, same actions
//   check_grad_log_prob(pi, s, a)                DifferentiablePolicy: gradient == central differences
//   check_set_parameters_round_trip(pi)          DifferentiablePolicy: set_parameters(parameters()) is a no-op
//   check_discrete_policy_laws(pi, states, rng)  all of the above over a list of states

#include <catch2/catch.hpp>

#include <prefrl/core/policy.hpp>
#include <prefrl/core/random.hpp>

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "laws/gradient_laws.hpp"

namespace prefrl::laws {

template <class T>
constexpr double probability_tolerance() {
    return std::is_same_v<T, double> ? 1e-12 : 1e-5;
}

template <DiscretePolicy P>
void check_probabilities_sum_to_one(const P& pi, const typename P::state_type& s) {
    using T = typename P::scalar_type;
    const vector<T> p = pi.probabilities(s);
    REQUIRE(p.size() == static_cast<Eigen::Index>(pi.num_actions()));
    double total = 0.0;
    for (Eigen::Index a = 0; a < p.size(); ++a) {
        INFO("action " << a << ": probability " << p[a]);
        REQUIRE(p[a] >= T(0));
        total += static_cast<double>(p[a]);
    }
    REQUIRE(std::abs(total - 1.0) <= probability_tolerance<T>());
}

template <DiscretePolicy P>
void check_log_prob_matches_prob(const P& pi, const typename P::state_type& s) {
    using T = typename P::scalar_type;
    const vector<T> p = pi.probabilities(s);
    for (Eigen::Index a = 0; a < p.size(); ++a) {
        const double lp = static_cast<double>(pi.log_prob(s, static_cast<typename P::action_type>(a)));
        const double expected = std::log(static_cast<double>(p[a]));
        INFO("action " << a << ": log_prob " << lp << ", log(prob) " << expected);
        if (p[a] == T(0)) {
            REQUIRE(lp == -std::numeric_limits<double>::infinity());
        } else {
            REQUIRE(std::abs(lp - expected) <= 10 * probability_tolerance<T>() * std::max(1.0, std::abs(expected)));
        }
    }
}

template <DiscretePolicy P, class G>
void check_sample_frequencies(const P& pi, const typename P::state_type& s, G& rng, std::int64_t n = 20000) {
    const auto p = pi.probabilities(s);
    std::vector<std::int64_t> counts(static_cast<std::size_t>(p.size()), 0);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto a = static_cast<std::int64_t>(pi.sample(s, rng));
        REQUIRE(a >= 0);
        REQUIRE(a < p.size());
        ++counts[static_cast<std::size_t>(a)];
    }
    for (Eigen::Index a = 0; a < p.size(); ++a) {
        const double prob = static_cast<double>(p[a]);
        const double expected = static_cast<double>(n) * prob;
        const double sigma = std::sqrt(static_cast<double>(n) * prob * (1.0 - prob));
        INFO("action " << a << ": " << counts[static_cast<std::size_t>(a)] << " samples, expected " << expected);
        REQUIRE(std::abs(static_cast<double>(counts[static_cast<std::size_t>(a)]) - expected) <= 5.0 * sigma + 1.0);
    }
}

template <Policy P>
void check_sampling_reproducible(const P& pi, const typename P::state_type& s, std::uint64_t seed = 7) {
    generator first(seed), second(seed);
    for (int i = 0; i < 100; ++i) REQUIRE(pi.sample(s, first) == pi.sample(s, second));
}

template <DifferentiablePolicy P>
void check_grad_log_prob(const P& pi, const typename P::state_type& s, const typename P::action_type& a) {
    using T = typename P::scalar_type;
    const vector<T> theta = pi.parameters();
    P probe = pi;
    auto f = [&](const vector<T>& t) {
        probe.set_parameters(t);
        return probe.log_prob(s, a);
    };
    check_gradient<T>(f, theta, pi.grad_log_prob(s, a));
}

template <DifferentiablePolicy P>
void check_set_parameters_round_trip(const P& pi) {
    P copy = pi;
    copy.set_parameters(pi.parameters());
    REQUIRE(copy.parameters() == pi.parameters());
}

template <DiscretePolicy P, class G>
void check_discrete_policy_laws(const P& pi, const std::vector<typename P::state_type>& states, G& rng) {
    for (const auto& s : states) {
        check_probabilities_sum_to_one(pi, s);
        check_log_prob_matches_prob(pi, s);
        check_sample_frequencies(pi, s, rng);
        check_sampling_reproducible(pi, s);
        if constexpr (DifferentiablePolicy<P>) {
            for (index_t a = 0; a < pi.num_actions(); ++a)
                check_grad_log_prob(pi, s, static_cast<typename P::action_type>(a));
        }
    }
    if constexpr (DifferentiablePolicy<P>) check_set_parameters_round_trip(pi);
}

}  // namespace prefrl::laws

#endif  // PREFRL_TESTS_LAWS_POLICY_LAWS_HPP

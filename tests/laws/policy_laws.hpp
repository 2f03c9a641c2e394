#ifndef PREFRL_TESTS_LAWS_POLICY_LAWS_HPP
#define PREFRL_TESTS_LAWS_POLICY_LAWS_HPP

// Catch2 adapters of the policy law checkers (include/prefrl/testing/policy_laws.hpp): each
// REQUIREs its law and reports the checker's message when it fails.

#include <catch2/catch.hpp>

#include <prefrl/testing/policy_laws.hpp>

#include <cstdint>
#include <vector>

#include "laws/gradient_laws.hpp"

#define PREFRL_REQUIRE_LAW(...)            \
    do {                                   \
        const auto prefrl_law_ = (__VA_ARGS__); \
        INFO(prefrl_law_.message);         \
        REQUIRE(prefrl_law_.passed);       \
    } while (false)

namespace prefrl::laws {

template <DiscretePolicy P>
void check_probabilities_sum_to_one(const P& pi, const typename P::state_type& s) {
    PREFRL_REQUIRE_LAW(testing::check_probabilities_sum_to_one(pi, s));
}

template <DiscretePolicy P>
void check_log_prob_matches_prob(const P& pi, const typename P::state_type& s) {
    PREFRL_REQUIRE_LAW(testing::check_log_prob_matches_prob(pi, s));
}

template <DiscretePolicy P, class G>
void check_sample_frequencies(const P& pi, const typename P::state_type& s, G& rng, std::int64_t n = 20000) {
    PREFRL_REQUIRE_LAW(testing::check_sample_frequencies(pi, s, rng, n));
}

template <Policy P>
void check_sampling_reproducible(const P& pi, const typename P::state_type& s, std::uint64_t seed = 7) {
    PREFRL_REQUIRE_LAW(testing::check_sampling_reproducible(pi, s, seed));
}

template <DifferentiablePolicy P>
void check_grad_log_prob(const P& pi, const typename P::state_type& s, const typename P::action_type& a) {
    PREFRL_REQUIRE_LAW(testing::check_grad_log_prob(pi, s, a));
}

template <DifferentiablePolicy P>
void check_set_parameters_round_trip(const P& pi) {
    PREFRL_REQUIRE_LAW(testing::check_set_parameters_round_trip(pi));
}

template <DiscretePolicy P, class G>
void check_discrete_policy_laws(const P& pi, const std::vector<typename P::state_type>& states, G& rng) {
    PREFRL_REQUIRE_LAW(testing::check_discrete_policy_laws(pi, states, rng));
}

}  // namespace prefrl::laws

#endif  // PREFRL_TESTS_LAWS_POLICY_LAWS_HPP

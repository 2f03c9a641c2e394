#ifndef PREFRL_TESTING_POLICY_LAWS_HPP
#define PREFRL_TESTING_POLICY_LAWS_HPP

/// \file
/// Law checkers for the policy concepts: run them on your own policy type.
///
///     check_probabilities_sum_to_one(pi, s)    DiscretePolicy: pi(.|s) >= 0 and sums to 1
///     check_log_prob_matches_prob(pi, s)       DiscretePolicy: log_prob(s, a) == log(probabilities(s)[a])
///     check_sample_frequencies(pi, s, rng, n)  DiscretePolicy: each count within 5 sigma of n pi(a|s)
///     check_sampling_reproducible(pi, s, seed) Policy: same seed, same actions
///     check_grad_log_prob(pi, s, a)            DifferentiablePolicy: gradient == central differences
///     check_set_parameters_round_trip(pi)      DifferentiablePolicy: set_parameters(parameters()) is a no-op
///     check_discrete_policy_laws(pi, states, rng)  all of the above over a list of states

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "prefrl/core/policy.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/testing/gradient_check.hpp"
#include "prefrl/testing/law_result.hpp"

namespace prefrl::testing {

/// How far from 1 a sum of probabilities may be: 1e-12 for double, 1e-5 for float.
template <class T>
constexpr double probability_tolerance() {
    return std::is_same_v<T, double> ? 1e-12 : 1e-5;
}

/// pi(.|s) has `num_actions()` entries, each >= 0, summing to 1 within `probability_tolerance`.
template <DiscretePolicy P>
law_result check_probabilities_sum_to_one(const P& pi, const typename P::state_type& s) {
    using T = typename P::scalar_type;
    const vector<T> p = pi.probabilities(s);
    if (p.size() != static_cast<Eigen::Index>(pi.num_actions()))
        return law_result::fail("probabilities has ", p.size(), " entries but num_actions() is ", pi.num_actions());
    double total = 0.0;
    for (Eigen::Index a = 0; a < p.size(); ++a) {
        if (!(p[a] >= T(0))) return law_result::fail("action ", a, ": probability ", p[a], " is not >= 0");
        total += static_cast<double>(p[a]);
    }
    if (!(std::abs(total - 1.0) <= probability_tolerance<T>()))
        return law_result::fail("probabilities sum to ", total, ", not 1");
    return law_result::pass();
}

/// log_prob(s, a) is log(probabilities(s)[a]) for every action (-inf where the probability is 0).
template <DiscretePolicy P>
law_result check_log_prob_matches_prob(const P& pi, const typename P::state_type& s) {
    using T = typename P::scalar_type;
    const vector<T> p = pi.probabilities(s);
    for (Eigen::Index a = 0; a < p.size(); ++a) {
        const double lp = static_cast<double>(pi.log_prob(s, static_cast<typename P::action_type>(a)));
        const double expected = std::log(static_cast<double>(p[a]));
        const bool ok = p[a] == T(0) ? lp == -std::numeric_limits<double>::infinity()
                                     : std::abs(lp - expected) <= 10 * probability_tolerance<T>() * std::max(1.0, std::abs(expected));
        if (!ok) return law_result::fail("action ", a, ": log_prob ", lp, " but log(probability) ", expected);
    }
    return law_result::pass();
}

/// In `n` samples, each action's count is within 5 standard deviations (+1) of n pi(a|s), and
/// every sample is an action in range. A correct policy fails this with probability < 1e-6.
template <DiscretePolicy P, class G>
law_result check_sample_frequencies(const P& pi, const typename P::state_type& s, G& rng, std::int64_t n = 20000) {
    const auto p = pi.probabilities(s);
    std::vector<std::int64_t> counts(static_cast<std::size_t>(p.size()), 0);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto a = static_cast<std::int64_t>(pi.sample(s, rng));
        if (a < 0 || a >= p.size()) return law_result::fail("sample ", i, " is action ", a, ", outside [0, ", p.size(), ")");
        ++counts[static_cast<std::size_t>(a)];
    }
    for (Eigen::Index a = 0; a < p.size(); ++a) {
        const double prob = static_cast<double>(p[a]);
        const double expected = static_cast<double>(n) * prob;
        const double sigma = std::sqrt(static_cast<double>(n) * prob * (1.0 - prob));
        const auto got = static_cast<double>(counts[static_cast<std::size_t>(a)]);
        if (!(std::abs(got - expected) <= 5.0 * sigma + 1.0))
            return law_result::fail("action ", a, ": ", got, " of ", n, " samples, expected ", expected, " (sigma ", sigma, ")");
    }
    return law_result::pass();
}

/// Two generators with the same seed give the same 100 actions.
template <Policy P>
law_result check_sampling_reproducible(const P& pi, const typename P::state_type& s, std::uint64_t seed = 7) {
    generator first(seed), second(seed);
    for (int i = 0; i < 100; ++i)
        if (!(pi.sample(s, first) == pi.sample(s, second)))
            return law_result::fail("sample ", i, " differs between two generators seeded ", seed);
    return law_result::pass();
}

/// grad_log_prob(s, a) matches central differences of log_prob(s, a) in the parameters.
template <DifferentiablePolicy P>
law_result check_grad_log_prob(const P& pi, const typename P::state_type& s, const typename P::action_type& a) {
    using T = typename P::scalar_type;
    const vector<T> theta = pi.parameters();
    P probe = pi;
    auto f = [&](const vector<T>& t) {
        probe.set_parameters(t);
        return probe.log_prob(s, a);
    };
    auto r = check_gradient<T>(f, theta, pi.grad_log_prob(s, a));
    if (r) return r;
    if constexpr (std::integral<typename P::action_type>) return law_result::fail("grad_log_prob of action ", a, ": ", r.message);
    return law_result::fail("grad_log_prob: ", r.message);
}

/// set_parameters(parameters()) leaves the parameters exactly as they were.
template <DifferentiablePolicy P>
law_result check_set_parameters_round_trip(const P& pi) {
    P copy = pi;
    copy.set_parameters(pi.parameters());
    if (!(copy.parameters() == pi.parameters())) return law_result::fail("set_parameters(parameters()) changed the parameters");
    return law_result::pass();
}

/// Every law above, in every state of `states` (the gradient laws when P is a DifferentiablePolicy).
template <DiscretePolicy P, class G>
law_result check_discrete_policy_laws(const P& pi, const std::vector<typename P::state_type>& states, G& rng) {
    for (std::size_t i = 0; i < states.size(); ++i) {
        const auto& s = states[i];
        for (auto r : {check_probabilities_sum_to_one(pi, s), check_log_prob_matches_prob(pi, s),
                       check_sample_frequencies(pi, s, rng), check_sampling_reproducible(pi, s)})
            if (!r) return law_result::fail("state ", i, ": ", r.message);
        if constexpr (DifferentiablePolicy<P>) {
            for (index_t a = 0; a < pi.num_actions(); ++a)
                if (auto r = check_grad_log_prob(pi, s, static_cast<typename P::action_type>(a)); !r)
                    return law_result::fail("state ", i, ": ", r.message);
        }
    }
    if constexpr (DifferentiablePolicy<P>) return check_set_parameters_round_trip(pi);
    return law_result::pass();
}

}  // namespace prefrl::testing

#endif  // PREFRL_TESTING_POLICY_LAWS_HPP

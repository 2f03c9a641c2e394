#ifndef PREFRL_POLICY_ACTION_VALUE_POLICIES_HPP
#define PREFRL_POLICY_ACTION_VALUE_POLICIES_HPP

/// \file
/// Policies over action values: epsilon-greedy and Boltzmann. Their "state" is the vector of
/// action values of the current state, so they act on any action-value source (a Q table's
/// row, a linear Q, a network's output).

#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/policy/categorical.hpp"

namespace prefrl::policy {

/// **Epsilon-greedy** (Watkins 1989; Sutton & Barto 2018, §2.2) over action values q:
/// `pi(a) = epsilon / A + (1 - epsilon) 1[a in argmax q] / |argmax q|` — exact ties share the
/// greedy mass, as distrax's `EpsilonGreedy`. A model of `DiscretePolicy` whose state is q.
template <std::floating_point T>
struct epsilon_greedy {
    using state_type = vector<T>;
    using action_type = index_t;
    using scalar_type = T;
    double epsilon = 0.1;  ///< the exploration probability, in [0, 1]
    index_t actions = 0;  ///< A; 0 means "the size of q"

    [[nodiscard]] index_t num_actions() const { return actions; }
    [[nodiscard]] vector<T> probabilities(const vector<T>& q) const { return probabilities_for("prefrl::policy::epsilon_greedy::probabilities", q); }
    [[nodiscard]] T log_prob(const vector<T>& q, index_t a) const {
        constexpr auto fn = "prefrl::policy::epsilon_greedy::log_prob";
        const vector<T> p = probabilities_for(fn, q);
        require_index(fn, "a", a, p.size());
        return std::log(p[a]);
    }
    template <RandomGenerator G>
    index_t sample(const vector<T>& q, G& rng) const {
        const vector<T> p = probabilities_for("prefrl::policy::epsilon_greedy::sample", q);
        return sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng);
    }
    [[nodiscard]] T entropy(const vector<T>& q) const {
        return categorical_entropy<T>(probabilities_for("prefrl::policy::epsilon_greedy::entropy", q).array().log().matrix());
    }

private:
    vector<T> probabilities_for(std::string_view fn, const vector<T>& q) const {
        require(epsilon >= 0.0 && epsilon <= 1.0, fn, "epsilon must be in [0, 1], got ", epsilon);
        const T eps = static_cast<T>(epsilon);
        require_non_empty(fn, "q", static_cast<std::size_t>(q.size()));
        require(actions == 0 || q.size() == actions, fn, "got ", q.size(), " action values for ", actions, " actions");
        detail::require_finite_or_minus_inf<T>(fn, "q", q);  // -inf is allowed (never greedy), NaN and +inf are not
        const T top = q.maxCoeff();
        require(std::isfinite(top), fn, "q must have a finite entry, got all -inf");
        const auto ties = static_cast<T>((q.array() == top).count());
        const auto n = static_cast<T>(q.size());
        vector<T> p = vector<T>::Constant(q.size(), eps / n);
        for (Eigen::Index a = 0; a < q.size(); ++a)
            if (q[a] == top) p[a] += (T(1) - eps) / ties;
        return p;
    }
};

/// **Boltzmann (softmax) exploration** (Sutton & Barto 2018, §2.8; Luce 1959):
/// `pi = softmax(q / temperature)`, temperature > 0. A model of `DiscretePolicy` whose state is q.
template <std::floating_point T>
struct boltzmann {
    using state_type = vector<T>;
    using action_type = index_t;
    using scalar_type = T;
    double temperature = 1.0;  ///< > 0 and finite
    index_t actions = 0;  ///< A; 0 means "the size of q"

    [[nodiscard]] index_t num_actions() const { return actions; }
    [[nodiscard]] vector<T> log_probabilities(const vector<T>& q) const {
        return log_probabilities_for("prefrl::policy::boltzmann::log_probabilities", q);
    }
    [[nodiscard]] vector<T> probabilities(const vector<T>& q) const {
        return log_probabilities_for("prefrl::policy::boltzmann::probabilities", q).array().exp();
    }
    [[nodiscard]] T log_prob(const vector<T>& q, index_t a) const {
        constexpr auto fn = "prefrl::policy::boltzmann::log_prob";
        const vector<T> lp = log_probabilities_for(fn, q);
        require_index(fn, "a", a, lp.size());
        return lp[a];
    }
    template <RandomGenerator G>
    index_t sample(const vector<T>& q, G& rng) const {
        const vector<T> p = log_probabilities_for("prefrl::policy::boltzmann::sample", q).array().exp();
        return sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng);
    }
    [[nodiscard]] T entropy(const vector<T>& q) const { return categorical_entropy<T>(log_probabilities_for("prefrl::policy::boltzmann::entropy", q)); }

private:
    vector<T> log_probabilities_for(std::string_view fn, const vector<T>& q) const {
        require_positive(fn, "temperature", temperature);
        const T t = hyperparameter_in<T>(fn, "temperature", temperature);
        require(t > T(0), fn, "temperature = ", temperature, " is 0 in float");
        require(actions == 0 || q.size() == actions, fn, "got ", q.size(), " action values for ", actions, " actions");
        // an action value of -inf is a masked action (probability 0); NaN and +inf are refused
        return detail::log_softmax_for<T>(fn, "q", q / t);
    }
};

}  // namespace prefrl::policy

#endif  // PREFRL_POLICY_ACTION_VALUE_POLICIES_HPP

#ifndef PREFRL_POLICY_TABULAR_SOFTMAX_HPP
#define PREFRL_POLICY_TABULAR_SOFTMAX_HPP

/// \file
/// The tabular softmax policy, pi(a | s) = softmax(theta[s, :])_a.

#include <cmath>
#include <concepts>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/policy/categorical.hpp"

namespace prefrl::policy {

/// **Tabular softmax policy** (Sutton & Barto 2018, §13.1): one logit per (state, action),
/// `pi(a | s) = softmax(theta[s, :])_a`, `d log pi(a | s) / d theta[s, b] = 1[b = a] - pi(b | s)`
/// (other rows 0). Parameters are theta flattened row-major. A model of `DiscretePolicy` and
/// `DifferentiablePolicy`.
template <std::floating_point T>
struct tabular_softmax {
    using state_type = index_t;
    using action_type = index_t;
    using scalar_type = T;
    row_matrix<T> logits;  ///< theta, [states, actions]

    /// Uniform: every logit 0.
    static tabular_softmax uniform(index_t states, index_t actions) {
        require_positive("prefrl::policy::tabular_softmax", "states", states);
        require_positive("prefrl::policy::tabular_softmax", "actions", actions);
        return {row_matrix<T>::Zero(states, actions)};
    }

    [[nodiscard]] index_t num_actions() const { return logits.cols(); }
    [[nodiscard]] vector<T> log_probabilities(index_t s) const {
        constexpr auto fn = "prefrl::policy::tabular_softmax::log_probabilities";
        return log_probabilities_of(fn, check(fn, s));
    }
    [[nodiscard]] vector<T> probabilities(index_t s) const {
        constexpr auto fn = "prefrl::policy::tabular_softmax::probabilities";
        return log_probabilities_of(fn, check(fn, s)).array().exp();
    }
    [[nodiscard]] T log_prob(index_t s, index_t a) const {
        constexpr auto fn = "prefrl::policy::tabular_softmax::log_prob";
        return log_probabilities_of(fn, check(fn, s))[check_action(fn, a)];
    }
    template <RandomGenerator G>
    index_t sample(index_t s, G& rng) const {
        constexpr auto fn = "prefrl::policy::tabular_softmax::sample";
        const vector<T> p = log_probabilities_of(fn, check(fn, s)).array().exp();
        return sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng);
    }
    [[nodiscard]] T entropy(index_t s) const {
        constexpr auto fn = "prefrl::policy::tabular_softmax::entropy";
        return categorical_entropy<T>(log_probabilities_of(fn, check(fn, s)));
    }
    /// KL(pi(. | s) || other(. | s)).
    [[nodiscard]] T kl(index_t s, const tabular_softmax& other) const {
        constexpr auto fn = "prefrl::policy::tabular_softmax::kl";
        require(other.logits.rows() == logits.rows() && other.logits.cols() == logits.cols(), fn, "other is [",
                other.logits.rows(), ", ", other.logits.cols(), "] but this policy is [", logits.rows(), ", ", logits.cols(), "]");
        return categorical_kl<T>(log_probabilities_of(fn, check(fn, s)), other.log_probabilities_of(fn, check(fn, s)));
    }

    [[nodiscard]] index_t num_parameters() const { return logits.size(); }
    [[nodiscard]] vector<T> parameters() const { return Eigen::Map<const vector<T>>(logits.data(), logits.size()); }
    void set_parameters(const vector<T>& theta) {
        constexpr auto fn = "prefrl::policy::tabular_softmax::set_parameters";
        require_same_size(fn, "theta", static_cast<std::size_t>(theta.size()), "the parameters", static_cast<std::size_t>(logits.size()));
        for (Eigen::Index i = 0; i < theta.size(); ++i)
            require(std::isfinite(theta[i]), fn, "theta[", i, "] must be finite, got ", theta[i]);
        Eigen::Map<vector<T>>(logits.data(), logits.size()) = theta;
    }
    [[nodiscard]] vector<T> grad_log_prob(index_t s, index_t a) const {
        constexpr auto fn = "prefrl::policy::tabular_softmax::grad_log_prob";
        vector<T> g = vector<T>::Zero(logits.size());
        const auto row = check(fn, s);
        const auto action = check_action(fn, a);
        g.segment(row * logits.cols(), logits.cols()) = -log_probabilities_of(fn, row).array().exp().matrix();
        g[row * logits.cols() + action] += T(1);
        return g;
    }

private:
    // log softmax of row `row` of the logits; NaN or +inf in it is refused naming `fn`
    [[nodiscard]] vector<T> log_probabilities_of(std::string_view fn, Eigen::Index row) const {
        return detail::log_softmax_for<T>(fn, "logits", logits.row(row).transpose());
    }
    Eigen::Index check(std::string_view fn, index_t s) const {
        require(s >= 0 && s < logits.rows(), fn, "state must be in [0, ", logits.rows(), "), got ", s);
        return static_cast<Eigen::Index>(s);
    }
    Eigen::Index check_action(std::string_view fn, index_t a) const {
        require(a >= 0 && a < logits.cols(), fn, "action must be in [0, ", logits.cols(), "), got ", a);
        return static_cast<Eigen::Index>(a);
    }
};

}  // namespace prefrl::policy

#endif  // PREFRL_POLICY_TABULAR_SOFTMAX_HPP

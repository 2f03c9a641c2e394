#ifndef PREFRL_POLICY_GEOMETRIC_MIXTURE_HPP
#define PREFRL_POLICY_GEOMETRIC_MIXTURE_HPP

/// \file
/// The geometric mixture pi^(1-m) ref^m of two discrete policies (Nash-MD), as a policy.

#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/concepts.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/policy/categorical.hpp"

namespace prefrl::policy {

/// **Geometric mixture policy** — Munos et al. 2023, "Nash Learning from Human Feedback"
/// (Nash-MD's regularized policy; TRL's `GeometricMixtureWrapper`, `mixture_coef` m, default 0.5):
///
///     log pi_m(a | s) = (1 - m) log pi(a | s) + m log ref(a | s) - log Z(s)
///
/// It minimizes (1 - m) KL(q || pi) + m KL(q || ref), with minimum -log Z. When `P` is a
/// `DifferentiablePolicy` the mixture is too, in pi's parameters:
/// `d log pi_m(a) = (1 - m) (d log pi(a) - sum_b pi_m(b) d log pi(b))`.
/// Holds both policies by value. (The same mixture on raw log-probabilities is
/// `prefrl::preference::geometric_mixture`.)
template <DiscretePolicy P, DiscretePolicy R>
    requires std::same_as<typename P::state_type, typename R::state_type> &&
             std::same_as<typename P::scalar_type, typename R::scalar_type>
struct geometric_mixture {
    using state_type = typename P::state_type;
    using action_type = typename P::action_type;
    using scalar_type = typename P::scalar_type;
    using T = scalar_type;
    P policy;
    R reference;
    double mixture_coef = 0.5;  ///< m in [0, 1]

    [[nodiscard]] index_t num_actions() const { return policy.num_actions(); }
    [[nodiscard]] vector<T> log_probabilities(const state_type& s) const {
        constexpr auto fn = "prefrl::policy::geometric_mixture";
        require_in_closed(fn, "mixture_coef", mixture_coef, 0.0, 1.0);
        const vector<T> lp = policy.probabilities(s).array().log(), lr = reference.probabilities(s).array().log();
        require_same_size(fn, "reference actions", static_cast<std::size_t>(lr.size()), "policy actions", static_cast<std::size_t>(lp.size()));
        const T m = static_cast<T>(mixture_coef);
        vector<T> mix(lp.size());
        for (Eigen::Index a = 0; a < lp.size(); ++a)  // 0 * -inf is 0: a side with weight 0 does not veto
            mix[a] = (m == T(1) ? T(0) : (T(1) - m) * lp[a]) + (m == T(0) ? T(0) : m * lr[a]);
        return detail::log_softmax_for<T>(fn, "the mixed log-probabilities", mix);
    }
    [[nodiscard]] vector<T> probabilities(const state_type& s) const { return log_probabilities(s).array().exp(); }
    [[nodiscard]] T log_prob(const state_type& s, const action_type& a) const {
        const vector<T> lp = log_probabilities(s);
        require_index("prefrl::policy::geometric_mixture::log_prob", "a", a, lp.size());
        return lp[static_cast<Eigen::Index>(a)];
    }
    template <RandomGenerator G>
    action_type sample(const state_type& s, G& rng) const {
        const vector<T> p = probabilities(s);
        return static_cast<action_type>(sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng));
    }
    [[nodiscard]] T entropy(const state_type& s) const { return categorical_entropy<T>(log_probabilities(s)); }

    [[nodiscard]] index_t num_parameters() const
        requires DifferentiablePolicy<P>
    {
        return policy.num_parameters();
    }
    [[nodiscard]] vector<T> parameters() const
        requires DifferentiablePolicy<P>
    {
        return policy.parameters();
    }
    void set_parameters(const vector<T>& theta)
        requires DifferentiablePolicy<P>
    {
        policy.set_parameters(theta);
    }
    [[nodiscard]] vector<T> grad_log_prob(const state_type& s, const action_type& a) const
        requires DifferentiablePolicy<P>
    {
        const vector<T> mix = probabilities(s);
        vector<T> g = policy.grad_log_prob(s, a);
        for (Eigen::Index b = 0; b < mix.size(); ++b) g -= mix[b] * policy.grad_log_prob(s, static_cast<action_type>(b));
        return static_cast<T>(1.0 - mixture_coef) * g;
    }
};

}  // namespace prefrl::policy

#endif  // PREFRL_POLICY_GEOMETRIC_MIXTURE_HPP

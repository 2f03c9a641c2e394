#ifndef PREFRL_CORE_POLICY_HPP
#define PREFRL_CORE_POLICY_HPP

/// \file
/// The `Policy`, `DiscretePolicy` and `DifferentiablePolicy` concepts.

#include <concepts>
#include <type_traits>

#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl {

/// **Policy** — a distribution over actions for each state, with log-probabilities and sampling.
///
/// Given `const P p`, a `state_type s`, an `action_type a` and a `prefrl::generator rng`:
///
/// 1. `P::state_type`, `P::action_type`, `P::scalar_type` name the types; `scalar_type` is
///    `float` or `double`.
/// 2. `p.log_prob(s, a)` -> `scalar_type`: log pi(a | s) (a log-density for continuous actions).
/// 3. `p.sample(s, rng)` -> `action_type`: a draw from pi(. | s), using only `rng` for randomness.
///
/// Laws: sampling is reproducible (same `rng` state, same action); the frequency of `a`
/// among samples converges to exp(log_prob(s, a)) (for discrete actions).
///
/// Not required: a finite action set (see `DiscretePolicy`), parameters or gradients
/// (see `DifferentiablePolicy`), mutability — a policy is queried through `const`.
///
/// Models: the `prefrl::policy` area (tabular softmax, linear softmax, Gaussian,
/// epsilon-greedy, Boltzmann, geometric mixture). Check a type with
/// `static_assert(prefrl::check_policy<P>())` for a message naming what is missing.
template <class P>
concept Policy =
    requires {
        typename P::state_type;
        typename P::action_type;
        typename P::scalar_type;
    } && Scalar<typename P::scalar_type> &&
    requires(const P& p, const typename P::state_type& s, const typename P::action_type& a,
             generator& rng) {
        { p.log_prob(s, a) } -> std::convertible_to<typename P::scalar_type>;
        { p.sample(s, rng) } -> std::convertible_to<typename P::action_type>;
    };

/// **DiscretePolicy** — a `Policy` over the actions `0 .. num_actions() - 1`.
///
/// In addition to `Policy`:
///
/// 1. `P::action_type` is an integer type.
/// 2. `p.num_actions()` -> integer: the number of actions A (the same in every state).
/// 3. `p.probabilities(s)` -> `prefrl::vector<scalar_type>` of size A: pi(. | s).
///
/// Laws: probabilities are >= 0 and sum to 1 (within rounding);
/// `log_prob(s, a) == log(probabilities(s)[a])`.
///
/// Models: tabular softmax, linear softmax, epsilon-greedy, Boltzmann, geometric mixture.
template <class P>
concept DiscretePolicy =
    Policy<P> && std::integral<typename P::action_type> &&
    requires(const P& p, const typename P::state_type& s) {
        { p.num_actions() } -> std::convertible_to<index_t>;
        { p.probabilities(s) } -> std::convertible_to<vector<typename P::scalar_type>>;
    };

/// **DifferentiablePolicy** — a `Policy` with a flat parameter vector theta and the gradient
/// of log pi with respect to it (what REINFORCE, PPO and the preference losses need).
///
/// In addition to `Policy`, given a mutable `P q` and a `vector<scalar_type> theta`:
///
/// 1. `p.num_parameters()` -> integer n.
/// 2. `p.parameters()` -> `vector<scalar_type>` of size n (a copy, flattened row-major).
/// 3. `q.set_parameters(theta)` replaces them (theta of size n).
/// 4. `p.grad_log_prob(s, a)` -> `vector<scalar_type>` of size n: d log pi(a | s) / d theta.
///
/// Laws: `grad_log_prob` matches central differences of `log_prob` in theta;
/// `set_parameters(parameters())` changes nothing.
///
/// Not required: the Hessian, natural gradients, any particular parameter layout.
///
/// Models: tabular softmax, linear softmax, Gaussian.
template <class P>
concept DifferentiablePolicy =
    Policy<P> &&
    requires(const P& p, P& q, const typename P::state_type& s, const typename P::action_type& a,
             const vector<typename P::scalar_type>& theta) {
        { p.num_parameters() } -> std::convertible_to<index_t>;
        { p.parameters() } -> std::convertible_to<vector<typename P::scalar_type>>;
        q.set_parameters(theta);
        { p.grad_log_prob(s, a) } -> std::convertible_to<vector<typename P::scalar_type>>;
    };

/// Checks `Policy<P>` requirement by requirement; a failing requirement stops compilation
/// with a message naming it. Use as `static_assert(prefrl::check_policy<P>());`.
template <class P>
consteval bool check_policy() {
    static_assert(requires { typename P::state_type; },
                  "prefrl::Policy: the type must declare `using state_type = ...;`");
    static_assert(requires { typename P::action_type; },
                  "prefrl::Policy: the type must declare `using action_type = ...;`");
    static_assert(requires { typename P::scalar_type; },
                  "prefrl::Policy: the type must declare `using scalar_type = float;` or double");
    if constexpr (requires { typename P::scalar_type; typename P::state_type; typename P::action_type; }) {
        static_assert(Scalar<typename P::scalar_type>,
                      "prefrl::Policy: scalar_type must be float or double");
        static_assert(requires(const P& p, const typename P::state_type& s, const typename P::action_type& a) {
                          { p.log_prob(s, a) } -> std::convertible_to<typename P::scalar_type>;
                      },
                      "prefrl::Policy: missing `scalar_type log_prob(const state_type&, const action_type&) const`");
        static_assert(requires(const P& p, const typename P::state_type& s, generator& rng) {
                          { p.sample(s, rng) } -> std::convertible_to<typename P::action_type>;
                      },
                      "prefrl::Policy: missing `template <class G> action_type sample(const state_type&, G& rng) const`");
    }
    return Policy<P>;
}

/// Checks `DiscretePolicy<P>` requirement by requirement (see `check_policy`).
template <class P>
consteval bool check_discrete_policy() {
    check_policy<P>();
    if constexpr (Policy<P>) {
        static_assert(std::integral<typename P::action_type>,
                      "prefrl::DiscretePolicy: action_type must be an integer type");
        static_assert(requires(const P& p) { { p.num_actions() } -> std::convertible_to<index_t>; },
                      "prefrl::DiscretePolicy: missing `index_t num_actions() const`");
        static_assert(requires(const P& p, const typename P::state_type& s) {
                          { p.probabilities(s) } -> std::convertible_to<vector<typename P::scalar_type>>;
                      },
                      "prefrl::DiscretePolicy: missing `vector<scalar_type> probabilities(const state_type&) const`");
    }
    return DiscretePolicy<P>;
}

/// Checks `DifferentiablePolicy<P>` requirement by requirement (see `check_policy`).
template <class P>
consteval bool check_differentiable_policy() {
    check_policy<P>();
    if constexpr (Policy<P>) {
        using T = typename P::scalar_type;
        static_assert(requires(const P& p) { { p.num_parameters() } -> std::convertible_to<index_t>; },
                      "prefrl::DifferentiablePolicy: missing `index_t num_parameters() const`");
        static_assert(requires(const P& p) { { p.parameters() } -> std::convertible_to<vector<T>>; },
                      "prefrl::DifferentiablePolicy: missing `vector<scalar_type> parameters() const`");
        static_assert(requires(P& q, const vector<T>& theta) { q.set_parameters(theta); },
                      "prefrl::DifferentiablePolicy: missing `void set_parameters(const vector<scalar_type>&)`");
        static_assert(requires(const P& p, const typename P::state_type& s, const typename P::action_type& a) {
                          { p.grad_log_prob(s, a) } -> std::convertible_to<vector<T>>;
                      },
                      "prefrl::DifferentiablePolicy: missing `vector<scalar_type> grad_log_prob(const state_type&, const action_type&) const`");
    }
    return DifferentiablePolicy<P>;
}

}  // namespace prefrl

#endif  // PREFRL_CORE_POLICY_HPP

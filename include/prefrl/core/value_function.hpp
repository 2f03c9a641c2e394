#ifndef PREFRL_CORE_VALUE_FUNCTION_HPP
#define PREFRL_CORE_VALUE_FUNCTION_HPP

/// \file
/// The `ValueFunction` and `ActionValueFunction` concepts.

#include <concepts>

#include "prefrl/core/types.hpp"

namespace prefrl {

/// **ValueFunction** — an estimate V(s) that moves toward a target.
///
/// Given `const V v`, a mutable `V w`, a `state_type s` and `scalar_type target, step_size`:
///
/// 1. `V::state_type`, `V::scalar_type` (`float` or `double`).
/// 2. `v.value(s)` -> `scalar_type`: the estimate V(s).
/// 3. `w.update(s, target, step_size)`: one semi-gradient step of
///    `0.5 (target - V(s))^2` with the given step size (TD methods pass their TD target).
///
/// Laws: for a small enough positive step size, `|target - value(s)|` does not grow
/// after `update(s, target, step_size)`; with step size 0 nothing changes.
///
/// Not required: a finite state set, batched updates, eligibility traces (the TD functions
/// in `prefrl::value` are pure and work on any estimate).
///
/// Models: `prefrl::value` tabular and linear V. Check a type with
/// `static_assert(prefrl::check_value_function<V>())`.
template <class V>
concept ValueFunction =
    requires {
        typename V::state_type;
        typename V::scalar_type;
    } && Scalar<typename V::scalar_type> &&
    requires(const V& v, V& w, const typename V::state_type& s, typename V::scalar_type x) {
        { v.value(s) } -> std::convertible_to<typename V::scalar_type>;
        w.update(s, x, x);
    };

/// **ActionValueFunction** — an estimate Q(s, a) that moves toward a target.
///
/// 1. `Q::state_type`, `Q::action_type`, `Q::scalar_type`.
/// 2. `q.value(s, a)` -> `scalar_type`: the estimate Q(s, a).
/// 3. `w.update(s, a, target, step_size)`: one semi-gradient step toward `target`.
///
/// Laws: as `ValueFunction`, for the updated pair (s, a).
///
/// Models: `prefrl::value` tabular and linear Q.
template <class Q>
concept ActionValueFunction =
    requires {
        typename Q::state_type;
        typename Q::action_type;
        typename Q::scalar_type;
    } && Scalar<typename Q::scalar_type> &&
    requires(const Q& q, Q& w, const typename Q::state_type& s, const typename Q::action_type& a,
             typename Q::scalar_type x) {
        { q.value(s, a) } -> std::convertible_to<typename Q::scalar_type>;
        w.update(s, a, x, x);
    };

/// Checks `ValueFunction<V>` requirement by requirement, naming what is missing.
template <class V>
consteval bool check_value_function() {
    static_assert(requires { typename V::state_type; },
                  "prefrl::ValueFunction: the type must declare `using state_type = ...;`");
    static_assert(requires { typename V::scalar_type; },
                  "prefrl::ValueFunction: the type must declare `using scalar_type = float;` or double");
    if constexpr (requires { typename V::state_type; typename V::scalar_type; }) {
        using S = typename V::state_type;
        using T = typename V::scalar_type;
        static_assert(Scalar<T>, "prefrl::ValueFunction: scalar_type must be float or double");
        static_assert(requires(const V& v, const S& s) { { v.value(s) } -> std::convertible_to<T>; },
                      "prefrl::ValueFunction: missing `scalar_type value(const state_type&) const`");
        static_assert(requires(V& w, const S& s, T x) { w.update(s, x, x); },
                      "prefrl::ValueFunction: missing `void update(const state_type&, scalar_type target, scalar_type step_size)`");
    }
    return ValueFunction<V>;
}

/// Checks `ActionValueFunction<Q>` requirement by requirement, naming what is missing.
template <class Q>
consteval bool check_action_value_function() {
    static_assert(requires { typename Q::state_type; },
                  "prefrl::ActionValueFunction: the type must declare `using state_type = ...;`");
    static_assert(requires { typename Q::action_type; },
                  "prefrl::ActionValueFunction: the type must declare `using action_type = ...;`");
    static_assert(requires { typename Q::scalar_type; },
                  "prefrl::ActionValueFunction: the type must declare `using scalar_type = float;` or double");
    if constexpr (requires { typename Q::state_type; typename Q::action_type; typename Q::scalar_type; }) {
        using S = typename Q::state_type;
        using A = typename Q::action_type;
        using T = typename Q::scalar_type;
        static_assert(Scalar<T>, "prefrl::ActionValueFunction: scalar_type must be float or double");
        static_assert(requires(const Q& q, const S& s, const A& a) { { q.value(s, a) } -> std::convertible_to<T>; },
                      "prefrl::ActionValueFunction: missing `scalar_type value(const state_type&, const action_type&) const`");
        static_assert(requires(Q& w, const S& s, const A& a, T x) { w.update(s, a, x, x); },
                      "prefrl::ActionValueFunction: missing `void update(const state_type&, const action_type&, scalar_type target, scalar_type step_size)`");
    }
    return ActionValueFunction<Q>;
}

}  // namespace prefrl

#endif  // PREFRL_CORE_VALUE_FUNCTION_HPP

#ifndef PREFRL_CORE_ENVIRONMENT_HPP
#define PREFRL_CORE_ENVIRONMENT_HPP

/// \file
/// The `Environment` concept and the `step_result` an environment step returns.

#include <concepts>

#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl {

/// What one environment step returns. `terminal` means the episode ended in a terminal
/// state (do not bootstrap); `truncated` means it was cut by a time limit (bootstrap
/// from `next_state`): offline datasets keep the two apart, as D4RL's terminals/timeouts.
template <class State, class T>
struct step_result {
    State next_state;
    T reward;
    bool terminal = false;
    bool truncated = false;
};

/// **Environment** — a stateful simulator: reset to a start state, then step with actions.
///
/// Given a mutable `E e`, an `action_type a` and a `prefrl::generator rng`:
///
/// 1. `E::state_type`, `E::action_type`, `E::scalar_type` (`float` or `double`).
/// 2. `e.reset(rng)` -> `state_type`: starts an episode, drawing the start state from `rng`.
/// 3. `e.step(a, rng)` -> a `step_result` (fields `next_state`, `reward`, `terminal`,
///    `truncated`): applies `a` in the current state.
///
/// Laws: the same seed and the same actions give the same episode; `step` after a terminal
/// step without `reset` is an error (`prefrl::invalid_argument`).
///
/// Not required: a finite state set or a model (tabular environments also export a
/// `tabular_mdp`, so dynamic programming and learning can be compared), rendering.
///
/// Models: `prefrl::env` chain, gridworld, cliff walking, Garnet, two-state average reward.
template <class E>
concept Environment =
    requires {
        typename E::state_type;
        typename E::action_type;
        typename E::scalar_type;
    } && Scalar<typename E::scalar_type> &&
    requires(E& e, const typename E::action_type& a, generator& rng) {
        { e.reset(rng) } -> std::convertible_to<typename E::state_type>;
        { e.step(a, rng).next_state } -> std::convertible_to<typename E::state_type>;
        { e.step(a, rng).reward } -> std::convertible_to<typename E::scalar_type>;
        { e.step(a, rng).terminal } -> std::convertible_to<bool>;
        { e.step(a, rng).truncated } -> std::convertible_to<bool>;
    };

/// Checks `Environment<E>` requirement by requirement, naming what is missing.
template <class E>
consteval bool check_environment() {
    static_assert(requires { typename E::state_type; },
                  "prefrl::Environment: the type must declare `using state_type = ...;`");
    static_assert(requires { typename E::action_type; },
                  "prefrl::Environment: the type must declare `using action_type = ...;`");
    static_assert(requires { typename E::scalar_type; },
                  "prefrl::Environment: the type must declare `using scalar_type = float;` or double");
    if constexpr (requires { typename E::state_type; typename E::action_type; typename E::scalar_type; }) {
        using S = typename E::state_type;
        using A = typename E::action_type;
        static_assert(requires(E& e, generator& rng) { { e.reset(rng) } -> std::convertible_to<S>; },
                      "prefrl::Environment: missing `template <class G> state_type reset(G& rng)`");
        static_assert(requires(E& e, const A& a, generator& rng) { e.step(a, rng); },
                      "prefrl::Environment: missing `template <class G> step_result<state_type, scalar_type> step(const action_type&, G& rng)`");
        static_assert(requires(E& e, const A& a, generator& rng) {
                          e.step(a, rng).next_state;
                          e.step(a, rng).reward;
                          e.step(a, rng).terminal;
                          e.step(a, rng).truncated;
                      },
                      "prefrl::Environment: step() must return fields next_state, reward, terminal, truncated (use prefrl::step_result)");
    }
    return Environment<E>;
}

}  // namespace prefrl

#endif  // PREFRL_CORE_ENVIRONMENT_HPP

#ifndef PREFRL_ENV_ROLLOUT_HPP
#define PREFRL_ENV_ROLLOUT_HPP

/// \file
/// Running a policy in an environment: one episode as a trajectory.

#include <concepts>
#include <vector>

#include "prefrl/core/environment.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/policy.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::env {

/// One episode: `states[k]`, `actions[k]`, `rewards[k]` for step k, and the state after the
/// last step; `terminal` / `truncated` say how it ended (neither: `max_steps` reached).
template <class State, class Action, std::floating_point T>
struct trajectory {
    std::vector<State> states;
    std::vector<Action> actions;
    std::vector<T> rewards;
    State final_state{};
    bool terminal = false;
    bool truncated = false;

    /// sum_k gamma^k r_k (gamma = 1: the undiscounted return).
    [[nodiscard]] double discounted_return(double gamma = 1.0) const {
        require_in_closed("prefrl::env::trajectory::discounted_return", "gamma", gamma, 0.0, 1.0);
        double total = 0.0, weight = 1.0;
        for (const T r : rewards) {
            total += weight * static_cast<double>(r);
            weight *= gamma;
        }
        return total;
    }
};

/// **Rolls out** `choose(state, rng) -> action` (a policy's `sample`, a greedy rule, ...) in
/// `environment` from `reset` until a terminal or truncated step or `max_steps` steps.
template <Environment E, class Choose, RandomGenerator G>
    requires std::invocable<Choose&, const typename E::state_type&, G&>
trajectory<typename E::state_type, typename E::action_type, typename E::scalar_type> rollout(E& environment, Choose&& choose, G& rng,
                                                                                          index_t max_steps) {
    require_positive("prefrl::env::rollout", "max_steps", max_steps);
    trajectory<typename E::state_type, typename E::action_type, typename E::scalar_type> out;
    auto state = environment.reset(rng);
    for (index_t k = 0; k < max_steps; ++k) {
        const auto action = choose(state, rng);
        auto step = environment.step(action, rng);
        out.states.push_back(state);
        out.actions.push_back(action);
        out.rewards.push_back(step.reward);
        state = step.next_state;
        if (step.terminal || step.truncated) {
            out.terminal = step.terminal;
            out.truncated = step.truncated;
            break;
        }
    }
    out.final_state = state;
    return out;
}

/// **Rolls out a `Policy`**: `policy.sample(state, rng)` chooses each action.
///
///     auto episode = prefrl::env::rollout(walk, pi, rng, 100);   // pi: any prefrl::Policy of the environment's states
template <Environment E, Policy P, RandomGenerator G>
    requires std::convertible_to<const typename E::state_type&, const typename P::state_type&> &&
             std::convertible_to<typename P::action_type, typename E::action_type>
trajectory<typename E::state_type, typename E::action_type, typename E::scalar_type> rollout(E& environment, const P& policy, G& rng,
                                                                                          index_t max_steps) {
    return rollout(environment, [&policy](const typename E::state_type& s, G& g) { return policy.sample(s, g); }, rng, max_steps);
}

}  // namespace prefrl::env

#endif  // PREFRL_ENV_ROLLOUT_HPP

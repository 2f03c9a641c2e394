#ifndef PREFRL_VALUE_TABULAR_CONTROL_HPP
#define PREFRL_VALUE_TABULAR_CONTROL_HPP

/// \file
/// Tabular TD control in an environment: Q-learning, SARSA, expected SARSA and double
/// Q-learning with epsilon-greedy exploration (Sutton & Barto 2018, ch. 6).

#include <algorithm>
#include <concepts>
#include <span>
#include <vector>

#include "prefrl/core/environment.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/policy/action_value_policies.hpp"
#include "prefrl/value/tabular.hpp"
#include "prefrl/value/td_errors.hpp"

namespace prefrl::value {

/// Which TD error drives the update.
enum class td_control { q_learning, sarsa, expected_sarsa, double_q_learning };

/// The loop's settings (defaults as Sutton & Barto 2018, sec. 6.5: alpha 0.1, epsilon-greedy 0.1).
struct td_control_options {
    int episodes = 500;
    double alpha = 0.1;
    double epsilon = 0.1;
    index_t max_steps = 10000;  ///< per episode
    td_control method = td_control::q_learning;  ///< the TD error (read by the `(environment, options, rng)` form)
    double gamma = 0.99;                         ///< the discount, in [0, 1] (read by the `(environment, options, rng)` form)
};

/// What the loop learned: Q (for double Q-learning, the mean of its two tables) and the
/// undiscounted return of every training episode (the learning curve).
template <std::floating_point T>
struct td_control_result {
    tabular_q<T> q;                        ///< the learned action values (`q.value(s, a)`, all of them in `q.values`)
    std::vector<double> episode_returns;   ///< one undiscounted return per training episode, in order
};

}  // namespace prefrl::value

namespace prefrl::detail {

/// A draw from `policy::epsilon_greedy`'s distribution on a row of action values (uniform with
/// probability epsilon, else a uniformly chosen maximizer), without building the probability
/// vector: the learners call it every step.
template <std::floating_point T, RandomGenerator G>
index_t epsilon_greedy_action(std::span<const T> q, double epsilon, G& rng) {
    const auto actions = static_cast<index_t>(q.size());
    if (uniform01<double>(rng) < epsilon) return uniform_index(actions, rng);
    T best = q[0];
    for (const T x : q) best = std::max(best, x);
    index_t count = 0;
    for (const T x : q) count += x == best ? 1 : 0;
    index_t pick = uniform_index(count, rng);
    for (index_t a = 0; a < actions; ++a)
        if (q[static_cast<std::size_t>(a)] == best && pick-- == 0) return a;
    return 0;
}

}  // namespace prefrl::detail

namespace prefrl::value {

/// **Tabular TD control** on an environment with integer states and actions that reports its
/// size (`env.states()`, `env.actions()`, as `prefrl::env::tabular_environment` does):
/// epsilon-greedy behaviour, updates `Q(s, a) += alpha delta` with delta from `q_learning`,
/// `sarsa`, `expected_sarsa` (the epsilon-greedy expectation) or `double_q_learning` (van
/// Hasselt 2010: with probability 1/2 the tables swap roles; act on QA + QB). `gamma` is the
/// discount; a terminal step does not bootstrap, a truncated one does.
template <std::floating_point T, Environment E, RandomGenerator G>
    requires std::integral<typename E::state_type> && std::integral<typename E::action_type> &&
             requires(const E& e) { e.states(); e.actions(); }
td_control_result<T> learn_tabular_control(E& environment, td_control method, T gamma, const td_control_options& options, G& rng) {
    constexpr auto fn = "prefrl::value::learn_tabular_control";
    require_positive(fn, "episodes", options.episodes);
    require_positive(fn, "alpha", options.alpha);
    require(options.epsilon >= 0.0 && options.epsilon <= 1.0, fn, "epsilon must be in [0, 1], got ", options.epsilon);
    require(gamma >= T(0) && gamma <= T(1), fn, "gamma must be in [0, 1], got ", gamma);
    const index_t states = environment.states(), actions = environment.actions();
    tabular_q<T> qa(states, actions), qb(states, actions);
    td_control_result<T> out{tabular_q<T>(states, actions), {}};
    const T alpha = static_cast<T>(options.alpha);
    const policy::epsilon_greedy<T> greedy{.epsilon = static_cast<T>(options.epsilon), .actions = actions};
    std::vector<T> sum(static_cast<std::size_t>(actions));
    auto behaviour = [&](index_t s) {
        if (method != td_control::double_q_learning) return detail::epsilon_greedy_action<T>(qa.row(s), options.epsilon, rng);
        for (index_t a = 0; a < actions; ++a) sum[static_cast<std::size_t>(a)] = qa.value(s, a) + qb.value(s, a);
        return detail::epsilon_greedy_action<T>(std::span<const T>(sum), options.epsilon, rng);
    };
    for (int episode = 0; episode < options.episodes; ++episode) {
        index_t s = environment.reset(rng);
        index_t a = behaviour(s);
        double total = 0.0;
        for (index_t k = 0; k < options.max_steps; ++k) {
            const auto step = environment.step(a, rng);
            total += static_cast<double>(step.reward);
            const T discount = step.terminal ? T(0) : gamma;
            const index_t next = step.next_state;
            const bool done = step.terminal || step.truncated;
            const index_t next_action = done ? 0 : behaviour(next);
            switch (method) {
                case td_control::q_learning:
                    qa.update(s, a, qa.value(s, a) + q_learning<T>(qa.row(s), a, step.reward, discount, qa.row(next)), alpha);
                    break;
                case td_control::sarsa:
                    qa.update(s, a, qa.value(s, a) + sarsa<T>(qa.row(s), a, step.reward, discount, qa.row(next), next_action), alpha);
                    break;
                case td_control::expected_sarsa: {
                    // the behaviour's own probabilities at s' (exact ties share the greedy mass)
                    const vector<T> probs = greedy.probabilities(as_eigen(qa.row(next)));
                    qa.update(s, a, qa.value(s, a) + expected_sarsa<T>(qa.row(s), a, step.reward, discount, qa.row(next), as_span(probs)), alpha);
                    break;
                }
                case td_control::double_q_learning: {
                    auto& first = uniform01<double>(rng) < 0.5 ? qa : qb;
                    auto& second = &first == &qa ? qb : qa;
                    first.update(s, a,
                                 first.value(s, a) + double_q_learning<T>(first.row(s), a, step.reward, discount, second.row(next), first.row(next)),
                                 alpha);
                    break;
                }
            }
            if (done) break;
            s = next;
            a = next_action;
        }
        out.episode_returns.push_back(total);
    }
    out.q.values = method == td_control::double_q_learning ? row_matrix<T>((qa.values + qb.values) / T(2)) : qa.values;
    return out;
}

/// The loop with everything in the options, as prefrl's other loops:
/// `learn_tabular_control(environment, {.method = td_control::sarsa, .gamma = 0.95}, rng)`, the
/// scalar the environment's. (The form taking `method` and `gamma` as arguments ignores those
/// two fields.)
template <Environment E, RandomGenerator G>
    requires std::integral<typename E::state_type> && std::integral<typename E::action_type> &&
             requires(const E& e) { e.states(); e.actions(); }
td_control_result<typename E::scalar_type> learn_tabular_control(E& environment, const td_control_options& options, G& rng) {
    using T = typename E::scalar_type;
    return learn_tabular_control<T>(environment, options.method, static_cast<T>(options.gamma), options, rng);
}

}  // namespace prefrl::value

#endif  // PREFRL_VALUE_TABULAR_CONTROL_HPP

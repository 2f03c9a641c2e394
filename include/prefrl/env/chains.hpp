#ifndef PREFRL_ENV_CHAINS_HPP
#define PREFRL_ENV_CHAINS_HPP

/// \file
/// Small classic MDPs as `tabular_mdp`s: the random walk, the n-chain, the two-state
/// average-reward MDP and the risky-detour MDP of the CVaR example.

#include <algorithm>
#include <concepts>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"

namespace prefrl::env {

/// The most states the chain builders take (their dense tensors are S^2 A).
inline constexpr index_t max_chain_states = index_t{1} << 14;

/// **Random walk** (Sutton & Barto 2018, Example 6.2) with n inner states: one action; left or
/// right with probability 1/2 from the middle start; leaving on the right pays 1, on the left
/// 0. The two exits are terminal states n and n + 1; the true values are (1 .. n) / (n + 1)
/// (gamma = 1 in the book; `gamma` here).
template <std::floating_point T = double>
mdp::tabular_mdp<T> random_walk(index_t n = 5, double gamma = 0.999999) {
    constexpr auto fn = "prefrl::env::random_walk";
    require_positive(fn, "n", n);
    require(n < max_chain_states, fn, "n must be < ", max_chain_states, ", got ", n);
    require(gamma >= 0.0 && gamma < 1.0, fn, "gamma must be in [0, 1), got ", gamma);
    detail::check_dense_mdp_size(fn, n + 2, 1);
    mdp::tabular_mdp<T> m;
    m.gamma = static_cast<T>(gamma);
    m.transitions = xt::xtensor<T, 3>::from_shape({static_cast<std::size_t>(n + 2), 1, static_cast<std::size_t>(n + 2)});
    m.transitions.fill(T(0));
    m.rewards = row_matrix<T>::Zero(n + 2, 1);
    for (index_t s = 0; s < n; ++s) {
        m.transitions(s, 0, s == 0 ? n : s - 1) += T(0.5);
        m.transitions(s, 0, s == n - 1 ? n + 1 : s + 1) += T(0.5);
        if (s == n - 1) m.rewards(s, 0) = T(0.5);
    }
    m.transitions(n, 0, n) = m.transitions(n + 1, 0, n + 1) = T(1);
    m.terminal.assign(static_cast<std::size_t>(n + 2), 0);
    m.terminal[static_cast<std::size_t>(n)] = m.terminal[static_cast<std::size_t>(n + 1)] = 1;
    m.start = vector<T>::Zero(n + 2);
    m.start[n / 2] = T(1);
    m.validate(fn);
    return m;
}

/// **Chain** (Strens 2000, "A Bayesian framework for RL"; the "n-chain"): states 0 .. n-1,
/// action 0 moves right (the last state pays `far_reward` and stays), action 1 returns to
/// state 0 paying `near_reward`; with probability `slip` the other action happens. Myopic
/// agents settle for the near reward; the optimum walks to the end.
template <std::floating_point T = double>
mdp::tabular_mdp<T> chain(index_t n = 5, double slip = 0.2, double near_reward = 2.0, double far_reward = 10.0, double gamma = 0.95) {
    constexpr auto fn = "prefrl::env::chain";
    require(n >= 2, fn, "n must be >= 2, got ", n);
    require(n < max_chain_states, fn, "n must be < ", max_chain_states, ", got ", n);
    require(slip >= 0.0 && slip <= 1.0, fn, "slip must be in [0, 1], got ", slip);
    require_finite(fn, "near_reward", near_reward);
    require_finite(fn, "far_reward", far_reward);
    require(gamma >= 0.0 && gamma < 1.0, fn, "gamma must be in [0, 1), got ", gamma);
    detail::check_dense_mdp_size(fn, n, 2);
    mdp::tabular_mdp<T> m;
    m.gamma = static_cast<T>(gamma);
    m.transitions = xt::xtensor<T, 3>::from_shape({static_cast<std::size_t>(n), 2, static_cast<std::size_t>(n)});
    m.transitions.fill(T(0));
    m.rewards = row_matrix<T>::Zero(n, 2);
    for (index_t s = 0; s < n; ++s) {
        const index_t forward = std::min(s + 1, n - 1);
        const double forward_reward = s == n - 1 ? far_reward : 0.0;
        for (index_t a = 0; a < 2; ++a) {
            const double p_forward = a == 0 ? 1.0 - slip : slip;
            m.transitions(s, a, forward) += static_cast<T>(p_forward);
            m.transitions(s, a, 0) += static_cast<T>(1.0 - p_forward);
            m.rewards(s, a) = static_cast<T>(p_forward * forward_reward + (1.0 - p_forward) * near_reward);
        }
    }
    m.start = vector<T>::Zero(n);
    m.start[0] = T(1);
    m.validate(fn);
    return m;
}

/// **The two-state average-reward MDP**, a standard test case: P[0, 0] = (.7, .3), R = 1;
/// P[0, 1] = (.95, .05), R = .5; P[1, 0] = (.2, .8), R = 0; P[1, 1] = (.9, .1), R = -.5. The
/// optimal policy is (0, 1) with gain 0.625 and bias (0, -1.25).
template <std::floating_point T = double>
mdp::tabular_mdp<T> two_state_average_reward() {
    mdp::tabular_mdp<T> m;
    m.gamma = T(0.9);  // unused by the average-reward solvers
    m.transitions = xt::xtensor<T, 3>::from_shape({2, 2, 2});
    const T p[2][2][2] = {{{T(0.7), T(0.3)}, {T(0.95), T(0.05)}}, {{T(0.2), T(0.8)}, {T(0.9), T(0.1)}}};
    for (std::size_t s = 0; s < 2; ++s)
        for (std::size_t a = 0; a < 2; ++a)
            for (std::size_t n = 0; n < 2; ++n) m.transitions(s, a, n) = p[s][a][n];
    m.rewards = row_matrix<T>{{T(1), T(0.5)}, {T(0), T(-0.5)}};
    m.validate("prefrl::env::two_state_average_reward");
    return m;
}

/// **The risky-detour MDP** of the CVaR example in docs/rl.md (7 states, 2 actions that differ only
/// at D; terminal T; horizon 4, undiscounted): s0 -> L (0.05) or H (0.95), reward 0; L -> D
/// paying 0, H -> D paying 10; at D, safe (action 0) -> T paying 1, risky (action 1) -> W or X
/// with probability 1/2 each, paying 0; W -> T paying 3, X -> T paying 0. States: s0 = 0,
/// L = 1, H = 2, D = 3, W = 4, X = 5, T = 6. Risk-neutral control takes the risky action
/// (mean 11, CVaR_0.1 5.75); the CVaR_0.1-optimal policy is risky only after L (CVaR 6.25).
template <std::floating_point T = double>
mdp::tabular_mdp<T> risky_detour() {
    mdp::tabular_mdp<T> m;
    m.gamma = T(0.9);  // unused: the CVaR routines are undiscounted over a horizon
    m.transitions = xt::xtensor<T, 3>::from_shape({7, 2, 7});
    m.transitions.fill(T(0));
    m.rewards = row_matrix<T>::Zero(7, 2);
    for (std::size_t a = 0; a < 2; ++a) {
        m.transitions(0, a, 1) = T(0.05);
        m.transitions(0, a, 2) = T(0.95);
        m.transitions(1, a, 3) = T(1);
        m.transitions(2, a, 3) = T(1);
        m.rewards(2, static_cast<index_t>(a)) = T(10);
        m.transitions(4, a, 6) = T(1);
        m.rewards(4, static_cast<index_t>(a)) = T(3);
        m.transitions(5, a, 6) = T(1);
        m.transitions(6, a, 6) = T(1);
    }
    m.transitions(3, 0, 6) = T(1);
    m.rewards(3, 0) = T(1);
    m.transitions(3, 1, 4) = m.transitions(3, 1, 5) = T(0.5);
    m.terminal = {0, 0, 0, 0, 0, 0, 1};
    m.start = vector<T>::Zero(7);
    m.start[0] = T(1);
    m.validate("prefrl::env::risky_detour");
    return m;
}

}  // namespace prefrl::env

#endif  // PREFRL_ENV_CHAINS_HPP

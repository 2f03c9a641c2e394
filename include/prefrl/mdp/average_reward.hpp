#ifndef PREFRL_MDP_AVERAGE_REWARD_HPP
#define PREFRL_MDP_AVERAGE_REWARD_HPP

/// \file
/// Average-reward (undiscounted, unichain) MDPs: a policy's gain and bias, and relative value
/// iteration for the optimal gain (Puterman 1994, ch. 8).

#include <cmath>
#include <concepts>
#include <type_traits>

#include <Eigen/Core>
#include <Eigen/LU>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/mdp/dynamic_programming.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"

namespace prefrl::mdp {

/// Gain g (average reward per step) and bias h (h(0) = 0) of a policy or of the optimum.
template <std::floating_point T>
struct average_reward_solution {
    T gain{};
    vector<T> bias;
    deterministic_policy policy = {};  ///< RVI: greedy in the last sweep
    int sweeps = 0;
};

/// **Gain and bias of a policy** (unichain): one (S+1) x (S+1) solve of
/// `g 1 + (I - P_pi) h = r_pi`, `h(0) = 0`. `mdp.gamma` is not used.
template <std::floating_point T>
average_reward_solution<T> policy_gain(const tabular_mdp<T>& mdp, std::type_identity_t<const_matrix_ref<T>> pi) {
    const auto [p_pi, r_pi] = detail::checked_policy_chain("prefrl::mdp::policy_gain", mdp, pi, false);
    const index_t n = mdp.states();
    // unknowns (g, h_1 .. h_{S-1}); h_0 = 0
    row_matrix<T> system = row_matrix<T>::Zero(n, n);
    system.col(0).setOnes();
    const row_matrix<T> i_minus_p = row_matrix<T>::Identity(n, n) - p_pi;
    system.rightCols(n - 1) = i_minus_p.rightCols(n - 1);
    const vector<T> x = system.partialPivLu().solve(r_pi);
    average_reward_solution<T> out{x[0], vector<T>::Zero(n)};
    out.bias.tail(n - 1) = x.tail(n - 1);
    return out;
}

/// Settings of `relative_value_iteration`.
struct relative_value_iteration_options {
    double tau = 0.5;          ///< the aperiodicity transform, in [0, 1)
    double tolerance = 1e-10;  ///< stop when the span of `T w - w` is below this
    int max_sweeps = 1000000;
};

/// **Relative value iteration** (White 1963) with the aperiodicity transform
/// `P_tau = tau I + (1 - tau) P` (same gain and optimal policies, bias h / (1 - tau)):
/// `w <- T w - (T w)(0)`, `(T w)(s) = max_a [R(s, a) + sum_s' P_tau(s, a, s') w(s')]`, until the
/// span of `T w - w` (which brackets g*) is below `tolerance`. Returns g*, the bias h* of the
/// original MDP (h*(0) = 0) and the greedy policy. tau = 0 is plain RVI (it may not converge on
/// periodic chains).
template <std::floating_point T>
average_reward_solution<T> relative_value_iteration(const tabular_mdp<T>& mdp, const relative_value_iteration_options& options = {}) {
    constexpr auto fn = "prefrl::mdp::relative_value_iteration";
    const double tau = options.tau, tolerance = options.tolerance;
    const int max_sweeps = options.max_sweeps;
    mdp.validate(fn);
    require(tau >= 0.0 && tau < 1.0, fn, "tau must be in [0, 1), got ", tau);
    require_finite(fn, "tolerance", tolerance);
    require_positive(fn, "tolerance", tolerance);
    require_positive(fn, "max_sweeps", max_sweeps);
    const index_t n = mdp.states(), actions = mdp.actions();
    const auto p = mdp.transition_matrix();
    const T keep = static_cast<T>(tau), move = static_cast<T>(1.0 - tau);
    vector<T> w = vector<T>::Zero(n);
    average_reward_solution<T> out{T(0), vector<T>::Zero(n)};
    row_matrix<T> q(n, actions);
    for (int sweep = 1; sweep <= max_sweeps; ++sweep) {
        const vector<T> backed = p * w;  // [S A]
        for (index_t s = 0; s < n; ++s)
            for (index_t a = 0; a < actions; ++a) q(s, a) = mdp.rewards(s, a) + keep * w[s] + move * backed[s * actions + a];
        const vector<T> tw = q.rowwise().maxCoeff();
        const vector<T> difference = tw - w;
        const T low = difference.minCoeff(), high = difference.maxCoeff();
        out.sweeps = sweep;
        w = tw.array() - tw[0];
        if (static_cast<double>(high - low) < tolerance) {
            out.gain = T(0.5) * (low + high);
            break;
        }
        out.gain = T(0.5) * (low + high);
    }
    out.bias = move * w;
    out.policy = greedy_policy<T>(q);
    return out;
}

/// The positional form `relative_value_iteration(mdp, tau, tolerance, max_sweeps)`, kept for
/// existing callers; prefer the options.
template <std::floating_point T, std::floating_point U>
average_reward_solution<T> relative_value_iteration(const tabular_mdp<T>& mdp, U tau, double tolerance = 1e-10, int max_sweeps = 1000000) {
    return relative_value_iteration<T>(
        mdp, relative_value_iteration_options{.tau = static_cast<double>(tau), .tolerance = tolerance, .max_sweeps = max_sweeps});
}

}  // namespace prefrl::mdp

#endif  // PREFRL_MDP_AVERAGE_REWARD_HPP

#ifndef PREFRL_MDP_DYNAMIC_PROGRAMMING_HPP
#define PREFRL_MDP_DYNAMIC_PROGRAMMING_HPP

/// \file
/// Discounted dynamic programming on a `tabular_mdp` (Puterman 1994; Sutton & Barto 2018,
/// ch. 4): policy evaluation (exact and iterative), Q from V, greedy policies,
/// value iteration and policy iteration.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <type_traits>
#include <span>
#include <vector>

#include <Eigen/Core>
#include <Eigen/LU>
#include <Eigen/SparseCore>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"

namespace prefrl::mdp {

/// A deterministic policy as one action per state.
using deterministic_policy = std::vector<index_t>;

/// pi as a `[S, A]` matrix from one action per state.
template <std::floating_point T>
stochastic_policy<T> as_stochastic(const tabular_mdp<T>& mdp, std::span<const index_t> actions) {
    constexpr auto fn = "prefrl::mdp::as_stochastic";
    require_same_size(fn, "actions", actions.size(), "states", static_cast<std::size_t>(mdp.states()));
    stochastic_policy<T> pi = stochastic_policy<T>::Zero(mdp.states(), mdp.actions());
    for (index_t s = 0; s < mdp.states(); ++s) {
        const index_t a = actions[static_cast<std::size_t>(s)];
        require(a >= 0 && a < mdp.actions(), fn, "actions[", s, "] must be in [0, ", mdp.actions(), "), got ", a);
        pi(s, a) = T(1);
    }
    return pi;
}

}  // namespace prefrl::mdp

namespace prefrl::detail {

template <std::floating_point T>
void check_policy_matrix(std::string_view fn, const mdp::tabular_mdp<T>& mdp, const_matrix_ref<T> pi) {
    require(pi.rows() == mdp.states() && pi.cols() == mdp.actions(), fn, "pi must be [", mdp.states(), ", ", mdp.actions(),
            "], got [", pi.rows(), ", ", pi.cols(), "]");
    for (index_t s = 0; s < pi.rows(); ++s) {
        double total = 0.0;
        for (index_t a = 0; a < pi.cols(); ++a) {
            require(pi(s, a) >= T(0) && std::isfinite(pi(s, a)), fn, "pi(", s, ", ", a, ") must be a probability, got ", pi(s, a));
            total += pi(s, a);
        }
        require(std::abs(total - 1.0) <= mdp.probability_tolerance(), fn, "pi(", s, ", :) must sum to 1, got ", total);
    }
}

/// A policy's Markov chain: P_pi[s, s'] and r_pi[s] (zero rows at terminal states).
template <std::floating_point T>
struct policy_chain {
    row_matrix<T> p_pi;
    vector<T> r_pi;
};

/// Validates the MDP and pi (naming `fn`), then builds P_pi and r_pi; with
/// `zero_terminal_columns` the columns of terminal states are zeroed (bootstrap weight 0).
template <std::floating_point T>
policy_chain<T> checked_policy_chain(std::string_view fn, const mdp::tabular_mdp<T>& mdp, const_matrix_ref<T> pi,
                                     bool zero_terminal_columns) {
    mdp.validate(fn);
    check_policy_matrix(fn, mdp, pi);
    const index_t states = mdp.states(), actions = mdp.actions();
    const auto p = mdp.transition_matrix();
    policy_chain<T> out{row_matrix<T>::Zero(states, states), vector<T>::Zero(states)};
    for (index_t s = 0; s < states; ++s) {
        if (mdp.is_terminal(s)) continue;
        for (index_t a = 0; a < actions; ++a) {
            if (pi(s, a) == T(0)) continue;
            out.p_pi.row(s) += pi(s, a) * p.row(s * actions + a);
            out.r_pi[s] += pi(s, a) * mdp.rewards(s, a);
        }
    }
    if (zero_terminal_columns)
        for (index_t s = 0; s < states; ++s)
            if (mdp.is_terminal(s)) out.p_pi.col(s).setZero();
    return out;
}

}  // namespace prefrl::detail

namespace prefrl::mdp {

/// **Policy evaluation, exact**: V^pi solves `(I - gamma P~_pi) v = r_pi` (partial-pivot LU),
/// P~_pi with the terminal states' columns zeroed.
template <std::floating_point T>
vector<T> evaluate_policy(const tabular_mdp<T>& mdp, std::type_identity_t<const_matrix_ref<T>> pi) {
    const auto chain = detail::checked_policy_chain("prefrl::mdp::evaluate_policy", mdp, pi, true);
    const row_matrix<T> system = row_matrix<T>::Identity(mdp.states(), mdp.states()) - mdp.gamma * chain.p_pi;
    return system.partialPivLu().solve(chain.r_pi);
}

/// Stopping rule of `evaluate_policy_iterative`.
struct policy_evaluation_options {
    double tolerance = 1e-12;  ///< stop when the largest change of a sweep is at most this
    int max_sweeps = 1000000;
};

/// **Policy evaluation, iterative**: `v <- r_pi + gamma P~_pi v` from 0 until the largest change
/// is at most `options.tolerance` (or `options.max_sweeps`); agrees with `evaluate_policy` to
/// the tolerance over (1 - gamma).
template <std::floating_point T>
vector<T> evaluate_policy_iterative(const tabular_mdp<T>& mdp, std::type_identity_t<const_matrix_ref<T>> pi,
                                    const policy_evaluation_options& options = {}) {
    constexpr auto fn = "prefrl::mdp::evaluate_policy_iterative";
    const double tolerance = options.tolerance;
    const int max_sweeps = options.max_sweeps;
    require_finite(fn, "tolerance", tolerance);
    require_positive(fn, "tolerance", tolerance);
    require_positive(fn, "max_sweeps", max_sweeps);
    const auto chain = detail::checked_policy_chain(fn, mdp, pi, true);
    vector<T> v = vector<T>::Zero(mdp.states());
    for (int sweep = 0; sweep < max_sweeps; ++sweep) {
        vector<T> next = chain.r_pi + mdp.gamma * (chain.p_pi * v);
        const double change = static_cast<double>((next - v).cwiseAbs().maxCoeff());
        v.swap(next);
        if (change <= tolerance) break;
    }
    return v;
}

/// The positional form `evaluate_policy_iterative(mdp, pi, tolerance, max_sweeps)`, kept for
/// existing callers; prefer the options.
template <std::floating_point T, std::floating_point E>
vector<T> evaluate_policy_iterative(const tabular_mdp<T>& mdp, std::type_identity_t<const_matrix_ref<T>> pi, E tolerance,
                                    int max_sweeps = 1000000) {
    return evaluate_policy_iterative<T>(mdp, pi, policy_evaluation_options{.tolerance = static_cast<double>(tolerance), .max_sweeps = max_sweeps});
}

/// **Q from V**: `Q[s, a] = R[s, a] + gamma sum_s' P[s, a, s'] (1 - terminal[s']) V[s']`
/// (0 at terminal states).
template <std::floating_point T>
row_matrix<T> q_from_v(const tabular_mdp<T>& mdp, const vector<T>& v) {
    constexpr auto fn = "prefrl::mdp::q_from_v";
    mdp.validate(fn);
    require(v.size() == mdp.states(), fn, "v has ", v.size(), " entries but there are ", mdp.states(), " states");
    for (index_t s = 0; s < v.size(); ++s) require(std::isfinite(v[s]), fn, "v[", s, "] must be finite, got ", v[s]);
    vector<T> bootstrap = v;
    for (index_t s = 0; s < mdp.states(); ++s)
        if (mdp.is_terminal(s)) bootstrap[s] = T(0);
    vector<T> backed = mdp.transition_matrix() * bootstrap;  // [S A]
    row_matrix<T> q = mdp.rewards + mdp.gamma * Eigen::Map<const row_matrix<T>>(backed.data(), mdp.states(), mdp.actions());
    for (index_t s = 0; s < mdp.states(); ++s)
        if (mdp.is_terminal(s)) q.row(s).setZero();
    return q;
}

/// **Greedy policy**: the first action of the exact maximum of each row of Q (numpy's argmax).
template <std::floating_point T>
deterministic_policy greedy_policy(const_matrix_ref<T> q) {
    constexpr auto fn = "prefrl::mdp::greedy_policy";
    require(q.cols() > 0, fn, "q must have at least one action column, got [", q.rows(), ", ", q.cols(), "]");
    for (index_t s = 0; s < q.rows(); ++s)
        for (index_t a = 0; a < q.cols(); ++a) require(!std::isnan(q(s, a)), fn, "q(", s, ", ", a, ") must not be NaN");
    deterministic_policy pi(static_cast<std::size_t>(q.rows()));
    for (index_t s = 0; s < q.rows(); ++s) {
        index_t best = 0;
        for (index_t a = 1; a < q.cols(); ++a)
            if (q(s, a) > q(s, best)) best = a;
        pi[static_cast<std::size_t>(s)] = best;
    }
    return pi;
}

/// `greedy_policy` of any Eigen matrix expression (a `row_matrix<double>`, a column-major Q),
/// the scalar deduced.
template <class Derived>
    requires std::floating_point<typename Derived::Scalar>
deterministic_policy greedy_policy(const Eigen::MatrixBase<Derived>& q) {
    using T = typename Derived::Scalar;
    return greedy_policy<T>(const_matrix_ref<T>(q.derived()));
}

/// What value and policy iteration return.
template <std::floating_point T>
struct dp_solution {
    vector<T> v;                   ///< V* (within the stopping rule)
    row_matrix<T> q;               ///< Q from v
    deterministic_policy policy;   ///< greedy in q
    int iterations = 0;            ///< sweeps (VI) or improvement steps (PI)
};

/// Stopping rule of `value_iteration`.
struct value_iteration_options {
    double epsilon = 1e-10;    ///< the greedy policy is epsilon-optimal; V is within epsilon / 2 of V*
    int max_sweeps = 1000000;
};

/// **Value iteration** (Bellman 1957): `V_{k+1}(s) = max_a Q_k(s, a)` from V_0 = 0, stopping
/// when `||V_{k+1} - V_k||_inf <= epsilon (1 - gamma) / (2 gamma)`, so that V is within
/// epsilon / 2 of V* and its greedy policy is epsilon-optimal (Puterman, Theorem 6.3.1). One
/// sweep is one matrix-vector product with P as a `[S A, S]` matrix; when at most a quarter
/// of P's entries are nonzero (Garnet, grid worlds) P is converted once to a sparse matrix and
/// a sweep reads only the nonzeros.
template <std::floating_point T>
dp_solution<T> value_iteration(const tabular_mdp<T>& mdp, const value_iteration_options& options = {}) {
    constexpr auto fn = "prefrl::mdp::value_iteration";
    const double epsilon = options.epsilon;
    const int max_sweeps = options.max_sweeps;
    mdp.validate(fn);
    require_finite(fn, "epsilon", epsilon);
    require_positive(fn, "epsilon", epsilon);
    require_positive(fn, "max_sweeps", max_sweeps);
    const double threshold = mdp.gamma > T(0) ? epsilon * (1.0 - mdp.gamma) / (2.0 * mdp.gamma) : 0.0;
    const index_t states = mdp.states(), actions = mdp.actions();
    const auto dense = mdp.transition_matrix();
    const bool sparse = 4 * (dense.array() != T(0)).count() <= dense.size();
    Eigen::SparseMatrix<T, Eigen::RowMajor> p_sparse;
    if (sparse) p_sparse = dense.sparseView();
    vector<T> rewards_flat = Eigen::Map<const vector<T>>(mdp.rewards.data(), states * actions);
    vector<T> bootstrap(states), backed(states * actions), next(states);
    dp_solution<T> out{vector<T>::Zero(states), {}, {}, 0};
    for (int sweep = 1; sweep <= max_sweeps; ++sweep) {
        bootstrap = out.v;
        for (index_t s = 0; s < states; ++s)
            if (mdp.is_terminal(s)) bootstrap[s] = T(0);
        if (sparse) {
            backed.noalias() = p_sparse * bootstrap;
        } else {
            backed.noalias() = dense * bootstrap;
        }
        backed = rewards_flat + mdp.gamma * backed;
        next = Eigen::Map<const row_matrix<T>>(backed.data(), states, actions).rowwise().maxCoeff();
        for (index_t s = 0; s < states; ++s)
            if (mdp.is_terminal(s)) next[s] = T(0);
        const double change = static_cast<double>((next - out.v).cwiseAbs().maxCoeff());
        out.v.swap(next);
        out.iterations = sweep;
        if (change <= threshold) break;
    }
    out.q = q_from_v(mdp, out.v);
    out.policy = greedy_policy<T>(out.q);
    return out;
}

/// The positional form `value_iteration(mdp, epsilon, max_sweeps)`, kept for existing callers;
/// prefer the options.
template <std::floating_point T, std::floating_point E>
dp_solution<T> value_iteration(const tabular_mdp<T>& mdp, E epsilon, int max_sweeps = 1000000) {
    return value_iteration<T>(mdp, value_iteration_options{.epsilon = static_cast<double>(epsilon), .max_sweeps = max_sweeps});
}

/// Stopping rule of `policy_iteration`.
struct policy_iteration_options {
    int max_iterations = 10000;  ///< improvement steps
};

/// **Policy iteration** (Howard 1960): from action 0 everywhere, evaluate exactly, switch a
/// state's action only when another is better by more than `1e-12 max(1, |Q(s, pi(s))|)` (no
/// cycling on ties), until stable.
template <std::floating_point T>
dp_solution<T> policy_iteration(const tabular_mdp<T>& mdp, const policy_iteration_options& options = {}) {
    constexpr auto fn = "prefrl::mdp::policy_iteration";
    const int max_iterations = options.max_iterations;
    mdp.validate(fn);
    require_positive(fn, "max_iterations", max_iterations);
    dp_solution<T> out{{}, {}, deterministic_policy(static_cast<std::size_t>(mdp.states()), 0), 0};
    for (int iteration = 1; iteration <= max_iterations; ++iteration) {
        out.v = evaluate_policy<T>(mdp, as_stochastic<T>(mdp, out.policy));
        out.q = q_from_v(mdp, out.v);
        out.iterations = iteration;
        bool stable = true;
        for (index_t s = 0; s < mdp.states(); ++s) {
            auto& current = out.policy[static_cast<std::size_t>(s)];
            const T q_current = out.q(s, current);
            const T margin = static_cast<T>(1e-12) * std::max(T(1), std::abs(q_current));
            index_t best = current;
            for (index_t a = 0; a < mdp.actions(); ++a)
                if (out.q(s, a) > out.q(s, best) + (best == current ? margin : T(0))) best = a;
            if (best != current) {
                current = best;
                stable = false;
            }
        }
        if (stable) break;
    }
    return out;
}

/// The positional form `policy_iteration(mdp, max_iterations)`, kept for existing callers;
/// prefer the options.
template <std::floating_point T, std::integral I>
dp_solution<T> policy_iteration(const tabular_mdp<T>& mdp, I max_iterations) {
    require(std::in_range<int>(max_iterations), "prefrl::mdp::policy_iteration", "max_iterations must fit an int, got ", max_iterations);
    return policy_iteration<T>(mdp, policy_iteration_options{.max_iterations = static_cast<int>(max_iterations)});
}

}  // namespace prefrl::mdp

#endif  // PREFRL_MDP_DYNAMIC_PROGRAMMING_HPP

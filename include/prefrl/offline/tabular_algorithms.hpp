#ifndef PREFRL_OFFLINE_TABULAR_ALGORITHMS_HPP
#define PREFRL_OFFLINE_TABULAR_ALGORITHMS_HPP

/// \file
/// Offline RL algorithms with tabular function classes, for datasets of a finite MDP: behaviour
/// cloning (plain or weighted), CQL-Q-learning and in-sample value learning (IQL, XQL, f-DVL).
/// Small, exact versions of the deep algorithms, to test claims about them on problems whose
/// optimum is known.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/regularizer.hpp"
#include "prefrl/core/types.hpp"

#include <Eigen/Cholesky>
#include "prefrl/offline/dataset.hpp"
#include "prefrl/offline/expectile.hpp"

namespace prefrl::detail {

/// Reads a tabular dataset's state and action indices (observations and actions are one column
/// each holding the index).
template <std::floating_point T>
void tabular_indices(std::string_view fn, const offline::transition_dataset<T>& data, index_t states, index_t actions,
                     std::vector<index_t>& s, std::vector<index_t>& a, std::vector<index_t>& next) {
    data.validate(fn);
    require(data.observations.cols() == 1 && data.actions.cols() == 1, fn,
            "a tabular dataset has one observation column (the state) and one action column (the action)");
    require_positive(fn, "states", states);
    require_positive(fn, "actions", actions);
    const auto n = static_cast<std::size_t>(data.size());
    s.resize(n);
    a.resize(n);
    next.resize(n);
    // checked in T before the conversion: a state of 1e30 or 0.5 is refused, not truncated
    auto index_of = [&](T x, index_t limit, std::size_t row, const char* what) {
        require(x >= T(0) && x < static_cast<T>(limit) && x == std::floor(x), fn, "row ", row, " has ", what, " ", x,
                ", not an integer in [0, ", limit, ")");
        return static_cast<index_t>(x);
    };
    for (std::size_t i = 0; i < n; ++i) {
        const auto row = static_cast<Eigen::Index>(i);
        s[i] = index_of(data.observations(row, 0), states, i, "a state");
        a[i] = index_of(data.actions(row, 0), actions, i, "an action");
        next[i] = index_of(data.next_observations(row, 0), states, i, "a next state");
    }
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// **Tabular behaviour cloning** (Pomerleau 1991): `pi(a | s)` proportional to the (weighted)
/// count of a at s in the data, uniform where s never appears. With `weights` from
/// `return_weighted_sampling` / `advantage_weighted_sampling` it is BC on the reweighted data
/// (Hong et al. 2023); with exponentiated advantages it is AWR / IQL's policy extraction.
/// Settings of `tabular_bc`.
struct tabular_bc_options {
    double pseudo_count = 0.0;  ///< added to every (s, a) count before normalizing (Laplace smoothing); >= 0, finite
};

/// **Tabular behaviour cloning** with options, the convention of the other learners:
/// `pi(a | s)` proportional to `pseudo_count` plus the (weighted) count of a at s.
template <std::floating_point T>
row_matrix<T> tabular_bc(const transition_dataset<T>& data, index_t states, index_t actions, const tabular_bc_options& options,
                         std::span<const T> weights = {}) {
    constexpr auto fn = "prefrl::offline::tabular_bc";
    require(std::isfinite(options.pseudo_count) && options.pseudo_count >= 0.0, fn, "pseudo_count must be finite and >= 0, got ",
            options.pseudo_count);
    std::vector<index_t> s, a, next;
    detail::tabular_indices(fn, data, states, actions, s, a, next);
    require(weights.empty() || weights.size() == s.size(), fn, "weights has ", weights.size(), " entries but the dataset ", s.size());
    row_matrix<T> counts = row_matrix<T>::Constant(states, actions, static_cast<T>(options.pseudo_count));
    for (std::size_t i = 0; i < s.size(); ++i) {
        const T w = weights.empty() ? T(1) : weights[i];
        require(w >= T(0) && std::isfinite(w), fn, "weights[", i, "] must be >= 0, got ", w);
        counts(s[i], a[i]) += w;
    }
    for (index_t state = 0; state < states; ++state) {
        const T total = counts.row(state).sum();
        if (total > T(0)) {
            counts.row(state) /= total;
        } else {
            counts.row(state).setConstant(T(1) / static_cast<T>(actions));
        }
    }
    return counts;
}

/// `tabular_bc(data, states, actions, {}, weights)`: plain counts.
template <std::floating_point T>
row_matrix<T> tabular_bc(const transition_dataset<T>& data, index_t states, index_t actions, std::span<const T> weights = {}) {
    return tabular_bc(data, states, actions, tabular_bc_options{}, weights);
}

/// What the tabular value learners return (`tabular_cql`, `tabular_in_sample`, `tabular_iql`).
template <std::floating_point T>
struct tabular_value_result {
    row_matrix<T> q;       ///< Q(s, a) (for the in-sample learners: meaningful where the data has (s, a))
    vector<T> v;           ///< V(s): CQL's max_a Q(s, a); in-sample: the value loss's minimizer over the data's Q(s, .)
    row_matrix<T> policy;  ///< pi(a|s). CQL: greedy in Q (one-hot); in-sample: advantage-weighted BC, pi(a|s) ∝ sum over data at (s, a) of min(exp((Q - V) / temperature), 100)
};

/// The name of `tabular_value_result` for the in-sample learners.
template <std::floating_point T>
using tabular_in_sample_result = tabular_value_result<T>;

/// Settings of the tabular offline value learners.
struct tabular_offline_options {
    double gamma = 0.95;
    int iterations = 300;        ///< outer (fitted) iterations
    double alpha = 1.0;          ///< CQL's penalty weight
    double tau = 0.7;            ///< IQL's expectile
    double temperature = 1.0 / 3.0;  ///< IQL's policy extraction: weights min(exp(A / temperature), 100)
};

}  // namespace prefrl::offline

namespace prefrl::detail {

/// Checks every field of the tabular learners' options (iterations at least 1).
inline void check_tabular_offline_options(std::string_view fn, const offline::tabular_offline_options& o) {
    require(o.gamma >= 0.0 && o.gamma < 1.0, fn, "gamma must be in [0, 1), got ", o.gamma);
    require_positive(fn, "iterations", o.iterations);
    require_non_negative(fn, "alpha", o.alpha);
    require_in_open(fn, "tau", o.tau, 0.0, 1.0);
    require_positive(fn, "temperature", o.temperature);
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// **CQL-Q-learning, tabular** (Kumar et al. 2020, CQL(H)): fitted Q iteration on the data,
/// each step minimizing over the table
/// `sum_i (1/2)(Q(s_i, a_i) - y_i)^2 + alpha sum_i (logsumexp Q(s_i, .) - Q(s_i, a_i))`,
/// `y_i = r_i + gamma (1 - terminal_i) max_a Q_k(s'_i, a)` (Newton steps on each state's row, whose
/// problem is separable). Returns Q, `v(s) = max_a Q(s, a)` and the greedy policy (the first of
/// tied actions, as `mdp::greedy_policy`), the algorithm's. Actions the data never takes at s are pushed down, so the greedy
/// policy stays on the data's support.
template <std::floating_point T>
tabular_value_result<T> tabular_cql(const transition_dataset<T>& data, index_t states, index_t actions, const tabular_offline_options& options = {}) {
    constexpr auto fn = "prefrl::offline::tabular_cql";
    detail::check_tabular_offline_options(fn, options);
    std::vector<index_t> s, a, next;
    detail::tabular_indices(fn, data, states, actions, s, a, next);
    row_matrix<double> q = row_matrix<double>::Zero(states, actions);
    row_matrix<double> count = row_matrix<double>::Zero(states, actions), target_sum(states, actions);
    for (int k = 0; k < options.iterations; ++k) {
        target_sum.setZero();
        count.setZero();
        for (std::size_t i = 0; i < s.size(); ++i) {
            const double bootstrap = data.terminals[i] ? 0.0 : options.gamma * q.row(next[i]).maxCoeff();
            target_sum(s[i], a[i]) += static_cast<double>(data.rewards[static_cast<Eigen::Index>(i)]) + bootstrap;
            count(s[i], a[i]) += 1.0;
        }
        // per state: minimize sum_a [ (n_a/2) Q_a^2 - (S_a + alpha n_a) Q_a ] + alpha N logsumexp(Q); Newton on the row
        for (index_t state = 0; state < states; ++state) {
            const double visits = count.row(state).sum();
            if (visits == 0.0) continue;
            Eigen::VectorXd row = q.row(state).transpose();
            for (int newton = 0; newton < 20; ++newton) {
                const double top = row.maxCoeff();
                const Eigen::VectorXd p = (row.array() - top).exp() / (row.array() - top).exp().sum();
                const Eigen::VectorXd n = count.row(state).transpose();
                const Eigen::VectorXd grad = n.cwiseProduct(row) - target_sum.row(state).transpose() - options.alpha * n + options.alpha * visits * p;
                if (grad.norm() <= 1e-12 * (visits + target_sum.row(state).norm())) break;  // converged
                Eigen::MatrixXd hessian = Eigen::MatrixXd(n.asDiagonal()) + options.alpha * visits * (Eigen::MatrixXd(p.asDiagonal()) - p * p.transpose());
                hessian.diagonal().array() += 1e-9;
                row -= hessian.ldlt().solve(grad);
            }
            q.row(state) = row.transpose();
        }
    }
    tabular_value_result<T> out{q.cast<T>(), q.rowwise().maxCoeff().cast<T>(), row_matrix<T>::Zero(states, actions)};
    for (index_t state = 0; state < states; ++state) {
        Eigen::Index best = 0;
        q.row(state).maxCoeff(&best);  // the first of tied actions, as mdp::greedy_policy
        out.policy(state, best) = T(1);
    }
    return out;
}

/// The former name of `tabular_in_sample_result`.
template <std::floating_point T>
using tabular_iql_result = tabular_in_sample_result<T>;

/// `prefrl::InSampleValueLoss` (`<prefrl/core/regularizer.hpp>`), under its former name.
template <class L, class T>
concept InSampleValueLoss = prefrl::InSampleValueLoss<L, T>;

}  // namespace prefrl::offline

namespace prefrl::detail {

/// The minimizer over one scalar v of `sum_a counts_a loss(q_a, v)`, from the sign of its slope
/// (the weighted sum of the term's d_v): starting at `guess` (the previous iteration's V), the
/// bracket widens (doubling) until the slope is <= 0 below and > 0 above, then bisection to
/// 1e-12 relative. Throws when the loss has no minimizer (the slope keeps its sign).
template <std::floating_point T, class Loss>
double in_sample_minimizer(std::string_view fn, const Loss& loss, const std::vector<T>& q, const std::vector<double>& counts, index_t state,
                           double guess) {
    std::vector<T> v(q.size());
    const auto slope = [&](double at) {
        std::fill(v.begin(), v.end(), static_cast<T>(at));
        const auto r = loss(std::span<const T>(q), std::span<const T>(v));
        double total = 0.0;
        for (std::size_t a = 0; a < q.size(); ++a) total += counts[a] * static_cast<double>(r.d_v[static_cast<Eigen::Index>(a)]);
        return total;
    };
    const double first_step = std::max(1e-3, 1e-3 * std::abs(guess));
    double low = guess - first_step, high = guess + first_step, step = first_step;
    for (int k = 0; k < 100 && slope(low) > 0.0; ++k, step *= 2.0) low -= step;
    step = first_step;
    for (int k = 0; k < 100 && slope(high) <= 0.0; ++k, step *= 2.0) high += step;
    require(slope(low) <= 0.0 && slope(high) > 0.0, fn, "the value loss has no minimizer over V(", state,
            ") (its slope keeps one sign; f-DVL's total variation needs lambda_ > 1/2)");
    for (int k = 0; k < 200 && high - low > 1e-12 * std::max(1.0, std::abs(low) + std::abs(high)); ++k) {
        const double mid = 0.5 * (low + high);
        (slope(mid) > 0.0 ? high : low) = mid;
    }
    return 0.5 * (low + high);
}

// tabular_in_sample's body, its errors naming the public function `fn` (tabular_in_sample or tabular_iql)
template <std::floating_point T, class Loss>
offline::tabular_in_sample_result<T> tabular_in_sample(std::string_view fn, const offline::transition_dataset<T>& data, index_t states,
                                                       index_t actions, const Loss& value_loss, const offline::tabular_offline_options& options,
                                                       std::span<const T> weights) {
    detail::check_tabular_offline_options(fn, options);
    std::vector<index_t> s, a, next;
    detail::tabular_indices(fn, data, states, actions, s, a, next);
    require(weights.empty() || weights.size() == s.size(), fn, "weights has ", weights.size(), " entries but the dataset ", s.size());
    const auto weight = [&](std::size_t i) { return weights.empty() ? 1.0 : static_cast<double>(weights[i]); };
    row_matrix<double> q = row_matrix<double>::Zero(states, actions), count = row_matrix<double>::Zero(states, actions);
    for (std::size_t i = 0; i < s.size(); ++i) {
        require(weight(i) >= 0.0 && std::isfinite(weight(i)), fn, "weights[", i, "] must be >= 0, got ", weight(i));
        count(s[i], a[i]) += weight(i);
    }
    Eigen::VectorXd v = Eigen::VectorXd::Zero(states);
    std::vector<T> q_row;
    std::vector<double> n_row;
    for (int k = 0; k < options.iterations; ++k) {
        for (index_t state = 0; state < states; ++state) {
            q_row.clear();
            n_row.clear();
            for (index_t act = 0; act < actions; ++act)
                if (count(state, act) > 0.0) {
                    q_row.push_back(static_cast<T>(q(state, act)));
                    n_row.push_back(count(state, act));
                }
            if (!q_row.empty()) v[state] = detail::in_sample_minimizer(fn, value_loss, q_row, n_row, state, v[state]);
        }
        row_matrix<double> sum = row_matrix<double>::Zero(states, actions);
        for (std::size_t i = 0; i < s.size(); ++i)
            sum(s[i], a[i]) += weight(i) * (static_cast<double>(data.rewards[static_cast<Eigen::Index>(i)]) + (data.terminals[i] ? 0.0 : options.gamma * v[next[i]]));
        for (index_t state = 0; state < states; ++state)
            for (index_t act = 0; act < actions; ++act)
                if (count(state, act) > 0.0) q(state, act) = sum(state, act) / count(state, act);
    }
    std::vector<T> extraction(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
        extraction[i] = static_cast<T>(weight(i) * std::min(std::exp((q(s[i], a[i]) - v[s[i]]) / options.temperature), 100.0));
    return {q.cast<T>(), v.cast<T>(), offline::tabular_bc<T>(data, states, actions, extraction)};
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// **In-sample value learning, tabular** — the value step shared by IQL (Kostrikov et al. 2022,
/// `expectile`), XQL (Garg et al. 2023, `gumbel`) and Dual RL's f-DVL (Sikchi et al. 2024,
/// `fdvl`): V(s) minimizes the value loss of the data's Q(s, a) at s (weighted by the data's
/// counts), `Q(s, a) = mean over the data's (s, a) of r + gamma (1 - terminal) V(s')`, iterated;
/// never a max over actions the data lacks. The policy is extracted by advantage-weighted BC
/// (weights `min(exp((Q - V) / temperature), 100)`, as IQL and DVL do). Optional per-transition
/// `weights` (trajectory weighting) weight every average, as training on batches drawn with
/// those probabilities does. `value_loss` is any `InSampleValueLoss`; V(s) is found from the sign
/// of its slope, so the loss must be convex in v. XQL's `gumbel` zeroes the gradient of entries
/// with `(Q - V) / beta > max_clip` (as the authors' code does), which breaks that monotonicity
/// when the data's Q at a state spread over more than `max_clip beta`: pick beta above it.
template <std::floating_point T, class Loss>
    requires InSampleValueLoss<Loss, T>
tabular_in_sample_result<T> tabular_in_sample(const transition_dataset<T>& data, index_t states, index_t actions, const Loss& value_loss,
                                              const tabular_offline_options& options = {}, std::span<const T> weights = {}) {
    return detail::tabular_in_sample("prefrl::offline::tabular_in_sample", data, states, actions, value_loss, options, weights);
}

/// **IQL, tabular** (Kostrikov et al. 2022): `tabular_in_sample` with IQL's expectile loss at
/// `options.tau` — V(s) is the tau-expectile of the data's Q(s, .).
template <std::floating_point T>
tabular_in_sample_result<T> tabular_iql(const transition_dataset<T>& data, index_t states, index_t actions, const tabular_offline_options& options = {},
                                        std::span<const T> weights = {}) {
    constexpr auto fn = "prefrl::offline::tabular_iql";
    require_in_open(fn, "tau", options.tau, 0.0, 1.0);
    return detail::tabular_in_sample(fn, data, states, actions, expectile{.tau = options.tau}, options, weights);
}

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_TABULAR_ALGORITHMS_HPP

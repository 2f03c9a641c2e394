#ifndef PREFRL_OFFLINE_LINEAR_ALGORITHMS_HPP
#define PREFRL_OFFLINE_LINEAR_ALGORITHMS_HPP

/// \file
/// Offline RL algorithms with linear function classes on state features: behaviour cloning
/// (a linear softmax policy), CQL-Q-learning, in-sample value learning (IQL, XQL, f-DVL) and
/// ODICE. With one-hot features they are the tabular algorithms.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <map>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/offline/behavior_cloning.hpp"
#include "prefrl/offline/cql.hpp"
#include "prefrl/offline/dataset.hpp"
#include "prefrl/offline/odice.hpp"
#include "prefrl/offline/tabular_algorithms.hpp"
#include "prefrl/offline/tabular_odice.hpp"
#include "prefrl/optim/adam.hpp"
#include "prefrl/policy/linear_softmax.hpp"

namespace prefrl::offline {

/// Settings of the linear offline algorithms.
struct linear_offline_options {
    double gamma = 0.95;
    int iterations = 100;            ///< outer (fitted) iterations
    int inner_steps = 10;            ///< optimizer steps per outer iteration (V's Adam, CQL's descent)
    int bc_steps = 300;              ///< descent steps of every BC fit (the policy)
    double alpha = 1.0;              ///< CQL's penalty weight
    double tau = 0.7;                ///< IQL's expectile (`linear_iql`), in (0, 1)
    double temperature = 1.0 / 3.0;  ///< policy extraction: weights min(exp(A / temperature), 100)
    double ridge = 1e-8;             ///< L2 weight of every least-squares and BC fit
    double relative_learning_rate = 0.01;  ///< Adam's step of the V fit, as a fraction of max |Q| over the data
};

}  // namespace prefrl::offline

namespace prefrl::detail {

/// The dataset's distinct transitions for the linear algorithms (double precision): rows equal
/// in (phi(s), a, r, phi(s'), terminal) are merged and counted, so a dataset of a small MDP
/// costs what its distinct transitions cost; `count` holds each row's share of the (weighted)
/// dataset, summing to 1.
struct linear_data {
    Eigen::MatrixXd x, x_next;  ///< [rows, k] state features
    std::vector<index_t> a;
    Eigen::VectorXd r, bootstrap, count;  ///< reward, gamma (1 - terminal), share of the dataset
};

/// Checks every field of the linear learners' options (the loops' counts at least 1).
inline void check_linear_offline_options(std::string_view fn, const offline::linear_offline_options& o) {
    require(o.gamma >= 0.0 && o.gamma < 1.0, fn, "gamma must be in [0, 1), got ", o.gamma);
    require_positive(fn, "iterations", o.iterations);
    require_positive(fn, "inner_steps", o.inner_steps);
    require_positive(fn, "bc_steps", o.bc_steps);
    require_non_negative(fn, "alpha", o.alpha);
    require_in_open(fn, "tau", o.tau, 0.0, 1.0);
    require_positive(fn, "temperature", o.temperature);
    require_positive(fn, "ridge", o.ridge);
    require_positive(fn, "relative_learning_rate", o.relative_learning_rate);
}

template <std::floating_point T>
linear_data linear_dataset(std::string_view fn, const offline::transition_dataset<T>& data, index_t actions, double gamma,
                           std::span<const T> weights = {}) {
    data.validate(fn);
    require(data.actions.cols() == 1, fn, "a discrete dataset has one action column holding the action index");
    require(gamma >= 0.0 && gamma < 1.0, fn, "gamma must be in [0, 1), got ", gamma);
    const Eigen::Index n = data.size(), k = data.observations.cols();
    require(weights.empty() || static_cast<Eigen::Index>(weights.size()) == n, fn, "weights has ", weights.size(), " entries but the dataset ", n);
    double total = 0.0;
    // a row's key: its features, action, reward, next features and terminal flag, as doubles
    std::map<std::vector<double>, Eigen::Index> seen;
    std::vector<Eigen::Index> first_row;
    std::vector<double> counts;
    std::vector<double> key(static_cast<std::size_t>(2 * k + 3));
    for (Eigen::Index i = 0; i < n; ++i) {
        const double action = static_cast<double>(data.actions(i, 0));
        require(action >= 0.0 && action < static_cast<double>(actions) && action == std::floor(action), fn, "row ", i,
                " has an action outside [0, ", actions, ")");
        for (Eigen::Index j = 0; j < k; ++j) {
            key[static_cast<std::size_t>(j)] = static_cast<double>(data.observations(i, j));
            key[static_cast<std::size_t>(k + j)] = static_cast<double>(data.next_observations(i, j));
        }
        key[static_cast<std::size_t>(2 * k)] = action;
        key[static_cast<std::size_t>(2 * k + 1)] = static_cast<double>(data.rewards[i]);
        key[static_cast<std::size_t>(2 * k + 2)] = data.terminals[static_cast<std::size_t>(i)] ? 1.0 : 0.0;
        const auto [it, inserted] = seen.try_emplace(key, static_cast<Eigen::Index>(first_row.size()));
        if (inserted) {
            first_row.push_back(i);
            counts.push_back(0.0);
        }
        const double w = weights.empty() ? 1.0 : static_cast<double>(weights[static_cast<std::size_t>(i)]);
        require(w >= 0.0 && std::isfinite(w), fn, "weights[", i, "] must be >= 0, got ", w);
        counts[static_cast<std::size_t>(it->second)] += w;
        total += w;
    }
    require(total > 0.0, fn, "the weights sum to 0");
    const auto rows = static_cast<Eigen::Index>(first_row.size());
    linear_data d;
    d.x.resize(rows, k);
    d.x_next.resize(rows, k);
    d.a.resize(static_cast<std::size_t>(rows));
    d.r.resize(rows);
    d.bootstrap.resize(rows);
    d.count.resize(rows);
    for (Eigen::Index u = 0; u < rows; ++u) {
        const Eigen::Index i = first_row[static_cast<std::size_t>(u)];
        d.x.row(u) = data.observations.row(i).template cast<double>();
        d.x_next.row(u) = data.next_observations.row(i).template cast<double>();
        d.a[static_cast<std::size_t>(u)] = static_cast<index_t>(data.actions(i, 0));
        d.r[u] = static_cast<double>(data.rewards[i]);
        d.bootstrap[u] = data.terminals[static_cast<std::size_t>(i)] ? 0.0 : gamma;
        d.count[u] = counts[static_cast<std::size_t>(u)] / total;
    }
    return d;
}

/// Minimizes a smooth convex f(theta) by gradient descent with a diagonal preconditioner and
/// Armijo backtracking; `fg(theta, grad)` returns f and writes its gradient.
template <class FG>
void preconditioned_descent(FG&& fg, Eigen::VectorXd& theta, const Eigen::VectorXd& preconditioner, int steps) {
    Eigen::VectorXd grad(theta.size()), trial_grad(theta.size());
    double value = fg(theta, grad);
    double step = 1.0;
    for (int k = 0; k < steps; ++k) {
        const Eigen::VectorXd direction = -grad.cwiseQuotient(preconditioner);
        const double slope = grad.dot(direction);
        if (!(slope < -1e-300)) break;  // stationary
        step = std::min(1.0, 2.0 * step);
        for (int halving = 0; halving < 60; ++halving, step *= 0.5) {
            const Eigen::VectorXd trial = theta + step * direction;
            const double trial_value = fg(trial, trial_grad);
            if (trial_value <= value + 1e-4 * step * slope) {
                theta = trial;
                value = trial_value;
                grad = trial_grad;
                break;
            }
        }
    }
}

/// Maximum likelihood of a linear softmax policy on the distinct rows of `d`, each weighted by
/// `share` (summing to the objective's scale): `sum_i share_i (-log softmax(W x_i)[a_i]) + ridge |W|^2 / 2`.
template <std::floating_point T>
policy::linear_softmax<T> linear_bc_fit(const linear_data& d, const Eigen::VectorXd& share, index_t actions, double ridge, int steps) {
    const Eigen::Index rows = d.x.rows(), k = d.x.cols();
    const std::vector<double> w(share.data(), share.data() + rows);
    const auto fg = [&](const Eigen::VectorXd& theta, Eigen::VectorXd& grad) {
        const Eigen::Map<const row_matrix<double>> W(theta.data(), actions, k);
        const row_matrix<double> logits = d.x * W.transpose();
        const auto r = offline::weighted_bc<double>(logits, d.a, w);  // a mean over rows: times rows for the weighted sum
        Eigen::Map<row_matrix<double>> G(grad.data(), actions, k);
        G = static_cast<double>(rows) * (r.d_logits.transpose() * d.x) + ridge * W;
        return static_cast<double>(rows) * r.value + 0.5 * ridge * theta.squaredNorm();
    };
    // a bound on the Hessian's diagonal: (1/4) sum_i share_i x_ij^2 for every action's weight j
    const Eigen::VectorXd scale = (d.x.array().square().colwise() * share.array()).colwise().sum().transpose() / 4.0;
    Eigen::VectorXd preconditioner(actions * k);
    for (index_t b = 0; b < actions; ++b) preconditioner.segment(b * k, k) = scale.array() + ridge;
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(actions * k);
    preconditioned_descent(fg, theta, preconditioner, steps);
    return policy::linear_softmax<T>{Eigen::Map<const row_matrix<double>>(theta.data(), actions, k).cast<T>()};
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// **Behaviour cloning with a linear softmax policy**: `pi(. | s) = softmax(W phi(s))` fitted to
/// the (optionally weighted) data by maximum likelihood with a small L2 weight (`ridge`), by
/// preconditioned gradient descent with backtracking (`bc_steps` steps). `weights` as in
/// `weighted_bc`. Observations are the features phi(s).
template <std::floating_point T>
policy::linear_softmax<T> linear_bc(const transition_dataset<T>& data, index_t actions, const linear_offline_options& options = {},
                                    std::span<const T> weights = {}) {
    constexpr auto fn = "prefrl::offline::linear_bc";
    detail::check_linear_offline_options(fn, options);
    const auto d = detail::linear_dataset(fn, data, actions, options.gamma, weights);
    return detail::linear_bc_fit<T>(d, d.count, actions, options.ridge, options.bc_steps);
}

/// What the linear value learners return.
template <std::floating_point T>
struct linear_value_result {
    row_matrix<T> q_weights;   ///< Q(s, a) = q_weights.row(a) . phi(s)
    vector<T> v_weights;       ///< V(s) = v_weights . phi(s) (empty for CQL)
    policy::linear_softmax<T> policy;
};

}  // namespace prefrl::offline

namespace prefrl::detail {

/// Per action, ridge least squares of targets on the rows of x taking that action, weighted by
/// their counts: the normal equations are factored once, each fit is two products and a solve.
class per_action_least_squares {
public:
    template <class = void>  // compiled only in a program that uses it (Eigen's LDLT is slow to compile)
    per_action_least_squares(const linear_data& d, index_t actions, double ridge) : d_(d) {
        for (index_t b = 0; b < actions; ++b) {
            Eigen::VectorXd mask = Eigen::VectorXd::Zero(d.x.rows());
            for (std::size_t i = 0; i < d.a.size(); ++i)
                if (d.a[i] == b) mask[static_cast<Eigen::Index>(i)] = d.count[static_cast<Eigen::Index>(i)];
            Eigen::MatrixXd gram = d.x.transpose() * mask.asDiagonal() * d.x;
            gram.diagonal().array() += ridge;
            weights_.push_back(std::move(mask));
            factors_.emplace_back(gram);
        }
    }

    /// Q's weights, one row per action, fitted to `targets` (one per row of the data).
    template <class = void>
    void fit(const Eigen::VectorXd& targets, row_matrix<double>& q_weights) const {
        for (std::size_t b = 0; b < factors_.size(); ++b)
            q_weights.row(static_cast<Eigen::Index>(b)) = factors_[b].solve(d_.x.transpose() * weights_[b].cwiseProduct(targets)).transpose();
    }

private:
    const linear_data& d_;
    std::vector<Eigen::VectorXd> weights_;  ///< count where the row takes the action, else 0
    std::vector<Eigen::LDLT<Eigen::MatrixXd>> factors_;
};

/// The advantage-weighted BC of IQL / f-DVL with linear Q and V.
template <std::floating_point T>
policy::linear_softmax<T> linear_extraction(const linear_data& d, const row_matrix<double>& q_weights, const Eigen::VectorXd& v, index_t actions,
                                            const offline::linear_offline_options& options) {
    Eigen::VectorXd share(d.x.rows());
    for (Eigen::Index i = 0; i < d.x.rows(); ++i) {
        const double advantage = q_weights.row(d.a[static_cast<std::size_t>(i)]).dot(d.x.row(i)) - v[i];
        share[i] = d.count[i] * std::min(std::exp(advantage / options.temperature), 100.0);
    }
    return linear_bc_fit<T>(d, share, actions, options.ridge, options.bc_steps);
}

/// `linear_in_sample`'s body; `fn` names the function the user called.
template <std::floating_point T, class Loss>
offline::linear_value_result<T> linear_in_sample(std::string_view fn, const offline::transition_dataset<T>& data, index_t actions, const Loss& value_loss,
                                                 const offline::linear_offline_options& options) {
    check_linear_offline_options(fn, options);
    const auto d = linear_dataset(fn, data, actions, options.gamma);
    const Eigen::Index n = d.x.rows(), k = d.x.cols();
    row_matrix<double> q_weights = row_matrix<double>::Zero(actions, k);
    Eigen::VectorXd w = Eigen::VectorXd::Zero(k), q(n), targets(n);
    std::vector<T> q_t(static_cast<std::size_t>(n)), v_t(static_cast<std::size_t>(n));
    std::vector<double> gradient(static_cast<std::size_t>(k));
    const per_action_least_squares least_squares(d, actions, options.ridge);
    for (int outer = 0; outer < options.iterations; ++outer) {
        targets = d.r + d.bootstrap.cwiseProduct(d.x_next * w);
        least_squares.fit(targets, q_weights);
        for (Eigen::Index i = 0; i < n; ++i) q[i] = q_weights.row(d.a[static_cast<std::size_t>(i)]).dot(d.x.row(i));
        optim::adam<double> adam(static_cast<std::size_t>(k), {.learning_rate = options.relative_learning_rate * std::max(q.cwiseAbs().maxCoeff(), 1e-8)});
        for (Eigen::Index i = 0; i < n; ++i) q_t[static_cast<std::size_t>(i)] = static_cast<T>(q[i]);
        for (int inner = 0; inner < options.inner_steps; ++inner) {
            const Eigen::VectorXd v = d.x * w;
            for (Eigen::Index i = 0; i < n; ++i) v_t[static_cast<std::size_t>(i)] = static_cast<T>(v[i]);
            const auto r = value_loss(std::span<const T>(q_t), std::span<const T>(v_t));  // d_v: a mean over the distinct rows
            Eigen::Map<Eigen::VectorXd>(gradient.data(), k) =
                static_cast<double>(n) * (d.x.transpose() * (r.d_v.template cast<double>().cwiseProduct(d.count)));
            adam.step(std::span<double>(w.data(), static_cast<std::size_t>(k)), std::span<const double>(gradient));
        }
    }
    const Eigen::VectorXd v = d.x * w;
    return {q_weights.cast<T>(), w.cast<T>(), linear_extraction<T>(d, q_weights, v, actions, options)};
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// **In-sample value learning with linear V and Q** (IQL, XQL, f-DVL — see `tabular_in_sample`):
/// each outer iteration fits Q per action by ridge least squares to `r + gamma (1 - terminal)
/// V(s')`, then takes `inner_steps` Adam steps on V's weights along the value loss's gradient
/// (`X^T d_v`; Adam's step is `relative_learning_rate` times the largest |Q| on the data, so it
/// follows the reward scale); the policy is advantage-weighted linear BC.
template <std::floating_point T, class Loss>
    requires InSampleValueLoss<Loss, T>
linear_value_result<T> linear_in_sample(const transition_dataset<T>& data, index_t actions, const Loss& value_loss,
                                        const linear_offline_options& options = {}) {
    return detail::linear_in_sample("prefrl::offline::linear_in_sample", data, actions, value_loss, options);
}

/// **IQL with linear V and Q** (Kostrikov et al. 2022): `linear_in_sample` with IQL's expectile
/// loss at `options.tau` — the same options field as `tabular_iql`'s.
template <std::floating_point T>
linear_value_result<T> linear_iql(const transition_dataset<T>& data, index_t actions, const linear_offline_options& options = {}) {
    constexpr auto fn = "prefrl::offline::linear_iql";
    require_in_open(fn, "tau", options.tau, 0.0, 1.0);
    return detail::linear_in_sample(fn, data, actions, expectile{.tau = options.tau}, options);
}


/// **CQL-Q-learning with a linear Q** (Kumar et al. 2020, CQL(H)): fitted Q iteration, each
/// step minimizing `mean_i (1/2)(Q(s_i, a_i) - y_i)^2 + alpha mean_i (logsumexp Q(s_i, .) - Q(s_i, a_i))`
/// over the weights (`inner_steps` of preconditioned descent with backtracking, warm-started),
/// `y_i = r_i + gamma (1 - terminal_i) max_a Q_k(s'_i, a)`. The policy is softmax(Q / temperature)
/// expressed as a linear softmax (W = Q's weights / temperature); its greedy policy is CQL's.
template <std::floating_point T>
linear_value_result<T> linear_cql(const transition_dataset<T>& data, index_t actions, const linear_offline_options& options = {}) {
    constexpr auto fn = "prefrl::offline::linear_cql";
    detail::check_linear_offline_options(fn, options);
    const auto d = detail::linear_dataset(fn, data, actions, options.gamma);
    const Eigen::Index n = d.x.rows(), k = d.x.cols();
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(actions * k), targets(n);
    // a bound on the Hessian's diagonal per (action, feature): the squared error's sum_i c_i x_ij^2 over the rows
    // taking the action, plus alpha / 4 sum_i c_i x_ij^2 from the log-sum-exp
    Eigen::VectorXd preconditioner = Eigen::VectorXd::Constant(actions * k, options.ridge);
    const Eigen::VectorXd second = (d.x.array().square().colwise() * d.count.array()).colwise().sum().transpose();
    for (std::size_t i = 0; i < d.a.size(); ++i) {
        const auto row = static_cast<Eigen::Index>(i);
        preconditioner.segment(d.a[i] * k, k) += d.count[row] * d.x.row(row).array().square().matrix().transpose();
    }
    for (index_t b = 0; b < actions; ++b) preconditioner.segment(b * k, k) += 0.25 * options.alpha * second;
    for (int outer = 0; outer < options.iterations; ++outer) {
        const Eigen::Map<const row_matrix<double>> W(theta.data(), actions, k);
        targets = d.r + d.bootstrap.cwiseProduct((d.x_next * W.transpose()).rowwise().maxCoeff());
        const auto fg = [&](const Eigen::VectorXd& t, Eigen::VectorXd& grad) {
            const Eigen::Map<const row_matrix<double>> weights(t.data(), actions, k);
            const row_matrix<double> qs = d.x * weights.transpose();
            // per row: alpha (logsumexp - Q at the data's action) + (1/2) residual^2, weighted by the row's count
            const Eigen::VectorXd top = qs.rowwise().maxCoeff();
            row_matrix<double> d_q = (qs.colwise() - top).array().exp().matrix();
            const Eigen::VectorXd sums = d_q.rowwise().sum();
            d_q.array().colwise() *= (options.alpha * d.count.array() / sums.array());  // c alpha softmax
            Eigen::VectorXd taken(n);
            for (Eigen::Index i = 0; i < n; ++i) taken[i] = qs(i, d.a[static_cast<std::size_t>(i)]);
            const Eigen::VectorXd residual = taken - targets;
            for (Eigen::Index i = 0; i < n; ++i) d_q(i, d.a[static_cast<std::size_t>(i)]) += d.count[i] * (residual[i] - options.alpha);
            const double loss = d.count.dot(0.5 * residual.cwiseAbs2() + options.alpha * (top + sums.array().log().matrix() - taken));
            Eigen::Map<row_matrix<double>> G(grad.data(), actions, k);
            G = d_q.transpose() * d.x + options.ridge * weights;
            return loss + 0.5 * options.ridge * t.squaredNorm();
        };
        detail::preconditioned_descent(fg, theta, preconditioner, options.inner_steps);
    }
    const row_matrix<double> q_weights = Eigen::Map<const row_matrix<double>>(theta.data(), actions, k);
    return {q_weights.cast<T>(), vector<T>(), policy::linear_softmax<T>{(q_weights / options.temperature).cast<T>()}};
}

/// Settings of `linear_odice`: ODICE's (as `tabular_odice_options`, the same defaults) and its
/// linear BC's.
struct linear_odice_options {
    double gamma = 0.95;
    double lambda_ = 0.6;          ///< weight of the f* term; 1 - lambda_ weighs mean V(s)
    double eta = 1.0;              ///< weight of the backward term
    double target_update = 0.005;  ///< EMA rate of the target weights
    double learning_rate = 0.3;    ///< Adam's
    int iterations = 4000;         ///< full-batch steps
    odice_gradient gradient = odice_gradient::orthogonal;
    double ridge = 1e-8;           ///< L2 weight of the policy's BC fit
    int bc_steps = 300;            ///< descent steps of the policy's BC fit
};

}  // namespace prefrl::offline

namespace prefrl::detail {

template <std::floating_point T>
offline::linear_value_result<T> linear_odice(std::string_view fn, const offline::transition_dataset<T>& data, index_t actions,
                                             const offline::tabular_odice_options& options, const offline::linear_offline_options& policy_options) {
    using offline::odice_gradient;
    check_odice_options(fn, options);
    require_positive(fn, "ridge", policy_options.ridge);
    require_positive(fn, "bc_steps", policy_options.bc_steps);
    const auto d = linear_dataset(fn, data, actions, options.gamma);
    const Eigen::Index n = d.x.rows(), k = d.x.cols();
    const auto f_star_slope = [](double y) { return y >= -2.0 ? 1.0 + y / 2.0 : 0.0; };
    Eigen::VectorXd w = Eigen::VectorXd::Zero(k), target = w, forward(n), backward(n), coef_f(n), coef_b(n);
    const double lambda = options.lambda_;
    const Eigen::VectorXd mean_features = d.x.transpose() * d.count;
    optim::adam<double> adam(static_cast<std::size_t>(k), {.learning_rate = options.learning_rate});
    std::vector<double> g(static_cast<std::size_t>(k));
    for (int step = 0; step < options.iterations; ++step) {
        const Eigen::VectorXd v = d.x * w, v_next = d.x_next * w, t = d.x * target, t_next = d.x_next * target;
        forward = d.r + d.bootstrap.cwiseProduct(t_next) - v;
        backward = d.r + d.bootstrap.cwiseProduct(v_next) - t;
        for (Eigen::Index i = 0; i < n; ++i) {
            coef_f[i] = -d.count[i] * lambda * f_star_slope(forward[i]);
            coef_b[i] = options.gradient == odice_gradient::semi ? 0.0 : d.count[i] * lambda * options.eta * f_star_slope(backward[i]) * d.bootstrap[i];
        }
        const Eigen::VectorXd g_f = d.x.transpose() * coef_f, g_b = d.x_next.transpose() * coef_b;
        Eigen::VectorXd combined = g_f + g_b;
        if (options.gradient == odice_gradient::orthogonal)
            combined = offline::odice_project<double>(std::span<const double>(g_f.data(), static_cast<std::size_t>(k)),
                                             std::span<const double>(g_b.data(), static_cast<std::size_t>(k)));
        Eigen::Map<Eigen::VectorXd>(g.data(), k) = combined + (1.0 - lambda) * mean_features;
        adam.step(std::span<double>(w.data(), static_cast<std::size_t>(k)), std::span<const double>(g));
        target += options.target_update * (w - target);
    }
    forward = d.r + d.bootstrap.cwiseProduct(d.x_next * target) - d.x * w;
    const Eigen::VectorXd share = d.count.cwiseProduct(forward.cwiseMax(0.0).cwiseMin(100.0));  // odice_weights
    return {row_matrix<T>(), w.cast<T>(), linear_bc_fit<T>(d, share, actions, policy_options.ridge, policy_options.bc_steps)};
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// **ODICE with a linear V** (Mao et al. 2024; see `tabular_odice`): the same full-batch update
/// with V(s) = w . phi(s), the forward and backward gradients taken in w (through phi(s) and
/// phi(s')), combined as `options.gradient` says, Adam on w. The policy is linear BC weighted by
/// `max(delta_f, 0)`. With one-hot features it is `tabular_odice`.
template <std::floating_point T>
linear_value_result<T> linear_odice(const transition_dataset<T>& data, index_t actions, const linear_odice_options& options = {}) {
    const tabular_odice_options odice{.gamma = options.gamma,
                                      .lambda_ = options.lambda_,
                                      .eta = options.eta,
                                      .target_update = options.target_update,
                                      .learning_rate = options.learning_rate,
                                      .iterations = options.iterations,
                                      .gradient = options.gradient};
    return detail::linear_odice("prefrl::offline::linear_odice", data, actions, odice, {.bc_steps = options.bc_steps, .ridge = options.ridge});
}

/// The former form, ODICE's options and the BC fit's apart (only `ridge` and `bc_steps` of
/// `policy_options` are read); prefer `linear_odice_options`.
template <std::floating_point T>
linear_value_result<T> linear_odice(const transition_dataset<T>& data, index_t actions, const tabular_odice_options& options,
                                    const linear_offline_options& policy_options) {
    return detail::linear_odice("prefrl::offline::linear_odice", data, actions, options, policy_options);
}

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_LINEAR_ALGORITHMS_HPP

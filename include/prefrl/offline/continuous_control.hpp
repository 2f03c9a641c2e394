#ifndef PREFRL_OFFLINE_CONTINUOUS_CONTROL_HPP
#define PREFRL_OFFLINE_CONTINUOUS_CONTROL_HPP

/// \file
/// TD3+BC and AWR on continuous actions with small function classes: a tanh-linear actor, a
/// critic (TD3+BC) or value (AWR) linear in quadratic features. The loss terms are the library's
/// (`td3_bc`, `mse_bc`, `exponential_advantage_weights`); this file chains their gradients
/// through the models, as a deep implementation would through its networks.
///
/// The functions here that are not generic are still templates (`template <class = void>`,
/// called as plain functions): a program that includes the header without calling them does
/// not compile their Eigen code (GCC otherwise instantiates it for every translation unit).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"
#include "prefrl/offline/behavior_cloning.hpp"
#include "prefrl/offline/dataset.hpp"
#include "prefrl/offline/td3_bc.hpp"
#include "prefrl/optim/adam.hpp"

namespace prefrl::offline {

/// Settings of `linear_td3_bc`, `linear_awr` and `tanh_linear_bc`.
struct continuous_offline_options {
    double gamma = 0.9;
    int iterations = 1000;              ///< full-batch actor steps (and critic fits for TD3+BC)
    double alpha = 2.5;                 ///< TD3+BC's weight of the Q term
    double actor_learning_rate = 0.01;  ///< Adam's
    double target_update = 0.05;        ///< EMA rate of TD3+BC's target critic and actor
    double temperature = 1.0;           ///< AWR's beta: weights min(exp(A / beta), max_weight)
    double max_weight = 20.0;           ///< AWR's clip
    double ridge = 1e-6;                ///< L2 weight of the least-squares fits
    double max_action = 1.0;
};

/// **Tanh-linear actor** `pi(s) = max_action tanh(W [1; s])`, W [action dims, 1 + state dims].
template <std::floating_point T>
struct tanh_linear_actor {
    row_matrix<T> weights;
    T max_action = T(1);

    /// Actions for a batch of states [B, state dims] -> [B, action dims].
    [[nodiscard]] row_matrix<T> act(const_matrix_ref<T> states) const { return act_for("prefrl::offline::tanh_linear_actor::act", states); }
    /// The action for one state.
    [[nodiscard]] vector<T> operator()(const vector<T>& state) const {
        const row_matrix<T> one = state.transpose();
        return act_for("prefrl::offline::tanh_linear_actor::operator()", one).row(0).transpose();
    }

private:
    [[nodiscard]] row_matrix<T> act_for(std::string_view fn, const_matrix_ref<T> states) const {
        require(weights.cols() >= 1, fn, "weights must have 1 + state dims columns, got 0");
        require(states.cols() + 1 == weights.cols(), fn, "states have ", states.cols(), " columns but the actor expects ", weights.cols() - 1);
        require(std::isfinite(static_cast<double>(max_action)) && max_action > T(0), fn, "max_action must be finite and > 0, got ", max_action);
        detail::require_all_finite<T>(fn, "states", states);
        row_matrix<T> pre = (states * weights.rightCols(weights.cols() - 1).transpose()).rowwise() + weights.col(0).transpose();
        return (max_action * pre.array().tanh()).matrix();
    }
};

/// What the continuous-control learners return.
template <std::floating_point T>
struct continuous_control_result {
    tanh_linear_actor<T> actor;
    vector<T> value_weights;  ///< TD3+BC: Q's weights on `quadratic_features([s; a])`; AWR: V's on `quadratic_features(s)`
};

/// `[1, z_1 .. z_m, z_i z_j for i <= j]`: the monomials of degree <= 2 of z (1 + m + m (m + 1) / 2 of them).
template <class = void>
inline Eigen::VectorXd quadratic_features(const Eigen::VectorXd& z) {
    const Eigen::Index m = z.size();
    for (Eigen::Index i = 0; i < m; ++i)
        require(std::isfinite(z[i]), "prefrl::offline::quadratic_features", "z[", i, "] must be finite, got ", z[i]);
    Eigen::VectorXd out(1 + m + m * (m + 1) / 2);
    out[0] = 1.0;
    out.segment(1, m) = z;
    Eigen::Index k = 1 + m;
    for (Eigen::Index i = 0; i < m; ++i)
        for (Eigen::Index j = i; j < m; ++j) out[k++] = z[i] * z[j];
    return out;
}

}  // namespace prefrl::offline

namespace prefrl::detail {

/// The quadratic features of each row of [left, right] (right may have 0 columns), a column
/// (monomial) at a time.
template <class = void>
inline Eigen::MatrixXd quadratic_rows(const Eigen::MatrixXd& left, const Eigen::MatrixXd& right) {
    const Eigen::Index m = left.cols() + right.cols(), n = left.rows();
    Eigen::MatrixXd z(n, m);
    z << left, right;
    Eigen::MatrixXd out(n, 1 + m + m * (m + 1) / 2);
    out.col(0).setOnes();
    out.middleCols(1, m) = z;
    Eigen::Index k = 1 + m;
    for (Eigen::Index i = 0; i < m; ++i)
        for (Eigen::Index j = i; j < m; ++j) out.col(k++) = z.col(i).cwiseProduct(z.col(j));
    return out;
}

/// dQ/da at each row for Q = w . quadratic_features([s; a]): the linear term's weight plus,
/// for each monomial z_i z_j, w times the other factor(s) when one factor is an action.
template <class = void>
inline Eigen::MatrixXd quadratic_action_gradient(const Eigen::VectorXd& w, const Eigen::MatrixXd& s, const Eigen::MatrixXd& a) {
    const Eigen::Index k = s.cols(), d = a.cols(), m = k + d, n = s.rows();
    Eigen::MatrixXd z(n, m);
    z << s, a;
    Eigen::MatrixXd out(n, d);
    for (Eigen::Index l = 0; l < d; ++l) out.col(l).setConstant(w[1 + k + l]);
    Eigen::Index idx = 1 + m;
    for (Eigen::Index i = 0; i < m; ++i)
        for (Eigen::Index j = i; j < m; ++j, ++idx) {
            if (i >= k) out.col(i - k) += w[idx] * z.col(j);
            if (j >= k) out.col(j - k) += w[idx] * z.col(i);
        }
    return out;
}

/// Weighted ridge least squares: argmin sum_i c_i (x_i . w - y_i)^2 + ridge |w|^2.
template <class = void>
inline Eigen::VectorXd weighted_least_squares(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& c, double ridge) {
    Eigen::MatrixXd gram = x.transpose() * c.asDiagonal() * x;
    gram.diagonal().array() += ridge;
    return gram.ldlt().solve(x.transpose() * c.cwiseProduct(y));
}

/// One Adam step on the tanh-linear actor from dL/d pi [B, d], given the actions `pi` it took at
/// the states (with a bias column): tanh' = 1 - (pi / max_action)^2, so the forward pass is not
/// recomputed.
template <class = void>
inline void actor_step(offline::tanh_linear_actor<double>& actor, const Eigen::MatrixXd& states_with_bias, const row_matrix<double>& pi,
                       const Eigen::MatrixXd& d_pi, optim::adam<double>& adam) {
    const double m = actor.max_action;
    const Eigen::MatrixXd d_pre = (d_pi.array() * m * (1.0 - (pi.array() / m).square())).matrix();
    const row_matrix<double> grad = d_pre.transpose() * states_with_bias;
    adam.step(std::span<double>(actor.weights.data(), static_cast<std::size_t>(actor.weights.size())),
              std::span<const double>(grad.data(), static_cast<std::size_t>(grad.size())));
}

template <std::floating_point T>
void check_continuous(std::string_view fn, const offline::transition_dataset<T>& data, const offline::continuous_offline_options& o) {
    data.validate(fn);
    require(o.gamma >= 0.0 && o.gamma < 1.0, fn, "gamma must be in [0, 1), got ", o.gamma);
    require(o.iterations >= 1, fn, "iterations must be >= 1, got ", o.iterations);
    require_positive(fn, "actor_learning_rate", o.actor_learning_rate);
    require_positive(fn, "max_action", o.max_action);
    require_non_negative(fn, "ridge", o.ridge);
    require(o.target_update > 0.0 && o.target_update <= 1.0, fn, "target_update must be in (0, 1], got ", o.target_update);
    const double limit = o.max_action;
    for (Eigen::Index i = 0; i < data.actions.rows(); ++i)
        for (Eigen::Index j = 0; j < data.actions.cols(); ++j)
            require(std::abs(static_cast<double>(data.actions(i, j))) <= limit, fn, "actions(", i, ", ", j, ") = ", data.actions(i, j),
                    " is outside [-max_action, max_action] = [", -limit, ", ", limit, "]");
}

}  // namespace prefrl::detail

namespace prefrl::offline {

/// **Behaviour cloning of a tanh-linear actor**: Adam on `mse_bc(pi(s), a, weights)` (the
/// Gaussian policy's log-likelihood up to constants), `options.iterations` full-batch steps.
template <std::floating_point T>
tanh_linear_actor<T> tanh_linear_bc(const transition_dataset<T>& data, const continuous_offline_options& options = {}, std::span<const T> weights = {}) {
    constexpr auto fn = "prefrl::offline::tanh_linear_bc";
    detail::check_continuous(fn, data, options);
    const Eigen::Index n = data.size(), k = data.observations.cols(), d = data.actions.cols();
    require(weights.empty() || weights.size() == static_cast<std::size_t>(n), fn, "weights has ", weights.size(), " entries for ", n,
            " rows (pass none for equal weights)");
    for (std::size_t i = 0; i < weights.size(); ++i)
        require(std::isfinite(weights[i]) && weights[i] >= T(0), fn, "weights[", i, "] must be finite and >= 0, got ", weights[i]);
    const Eigen::MatrixXd s = data.observations.template cast<double>();
    Eigen::MatrixXd x(n, k + 1);
    x << Eigen::VectorXd::Ones(n), s;
    const row_matrix<double> a = data.actions.template cast<double>();
    tanh_linear_actor<double> actor{row_matrix<double>::Zero(d, k + 1), options.max_action};
    optim::adam<double> adam(static_cast<std::size_t>(d * (k + 1)), {.learning_rate = options.actor_learning_rate});
    const std::vector<double> w(weights.begin(), weights.end());
    for (int it = 0; it < options.iterations; ++it) {
        const row_matrix<double> pi = actor.act(s);
        const auto bc = mse_bc<double>(pi, a, w);
        detail::actor_step(actor, x, pi, bc.d_policy_action, adam);
    }
    return {actor.weights.cast<T>(), static_cast<T>(options.max_action)};
}

/// **TD3+BC** (Fujimoto & Gu 2021) with a tanh-linear actor and a critic linear in the
/// quadratic features of (s, a), full batch: each iteration fits the critic by ridge least
/// squares to `r + gamma (1 - terminal) Qbar(s', pibar(s'))` (the target critic and actor are
/// EMAs, TD3's), then takes one Adam step on the actor along the `td3_bc` term's gradient:
/// its BC part `d_policy_action` plus `d_q` chained through dQ/da. TD3's target-policy noise and
/// twin critics are left out (one deterministic critic fit per step).
template <std::floating_point T>
continuous_control_result<T> linear_td3_bc(const transition_dataset<T>& data, const continuous_offline_options& options = {}) {
    constexpr auto fn = "prefrl::offline::linear_td3_bc";
    detail::check_continuous(fn, data, options);
    require_non_negative(fn, "alpha", options.alpha);
    const Eigen::Index n = data.size(), k = data.observations.cols(), d = data.actions.cols();
    const Eigen::MatrixXd s = data.observations.template cast<double>(), s_next = data.next_observations.template cast<double>();
    const Eigen::MatrixXd a = data.actions.template cast<double>();
    Eigen::MatrixXd x(n, k + 1);
    x << Eigen::VectorXd::Ones(n), s;
    Eigen::VectorXd bootstrap(n);
    for (Eigen::Index i = 0; i < n; ++i) bootstrap[i] = data.terminals[static_cast<std::size_t>(i)] ? 0.0 : options.gamma;
    const Eigen::MatrixXd features = detail::quadratic_rows(s, a);
    const Eigen::VectorXd r = data.rewards.template cast<double>();
    Eigen::MatrixXd gram = features.transpose() * features;  // the critic's normal equations, factored once
    gram.diagonal().array() += options.ridge;
    const Eigen::LDLT<Eigen::MatrixXd> normal_equations(gram);
    Eigen::VectorXd critic = Eigen::VectorXd::Zero(features.cols()), critic_target = critic;
    tanh_linear_actor<double> actor{row_matrix<double>::Zero(d, k + 1), options.max_action}, actor_target = actor;
    optim::adam<double> adam(static_cast<std::size_t>(d * (k + 1)), {.learning_rate = options.actor_learning_rate});
    const td3_bc term{.alpha = options.alpha};
    const row_matrix<double> a_row = a;
    for (int it = 0; it < options.iterations; ++it) {
        const Eigen::MatrixXd next_features = detail::quadratic_rows(s_next, actor_target.act(s_next));
        const Eigen::VectorXd y = r + bootstrap.cwiseProduct(next_features * critic_target);
        critic = normal_equations.solve(features.transpose() * y);
        const row_matrix<double> pi = actor.act(s);
        const Eigen::VectorXd q = detail::quadratic_rows(s, pi) * critic;
        const auto loss = term(const_matrix_ref<double>(pi), const_matrix_ref<double>(a_row), std::span<const double>(q.data(), static_cast<std::size_t>(n)));
        const Eigen::MatrixXd d_pi = loss.d_policy_action + (detail::quadratic_action_gradient(critic, s, pi).array().colwise() * loss.d_q.array()).matrix();
        detail::actor_step(actor, x, pi, d_pi, adam);
        critic_target += options.target_update * (critic - critic_target);
        actor_target.weights += options.target_update * (actor.weights - actor_target.weights);
    }
    return {{actor.weights.cast<T>(), static_cast<T>(options.max_action)}, critic.cast<T>()};
}

/// **AWR** (Peng et al. 2019, "Advantage-Weighted Regression") with a tanh-linear actor: V
/// linear in the quadratic features of s, fitted by ridge least squares to the discounted
/// returns-to-go (Monte Carlo, as AWR's TD(lambda) with lambda = 1; each episode's return stops
/// at its end); then the actor is BC weighted by `exponential_advantage_weights(G - V(s),
/// temperature, max_weight)` (`tanh_linear_bc`).
template <std::floating_point T>
continuous_control_result<T> linear_awr(const transition_dataset<T>& data, const continuous_offline_options& options = {}) {
    constexpr auto fn = "prefrl::offline::linear_awr";
    detail::check_continuous(fn, data, options);
    require_positive(fn, "temperature", options.temperature);
    require_positive(fn, "max_weight", options.max_weight);
    const Eigen::Index n = data.size();
    const Eigen::MatrixXd features = detail::quadratic_rows(data.observations.template cast<double>(), Eigen::MatrixXd(n, 0));
    const Eigen::VectorXd returns = data.returns_to_go(options.gamma).template cast<double>();
    const Eigen::VectorXd v = detail::weighted_least_squares(features, returns, Eigen::VectorXd::Ones(n), options.ridge);
    const Eigen::VectorXd advantage = returns - features * v;
    const std::vector<T> adv(advantage.data(), advantage.data() + n);
    const vector<T> w = exponential_advantage_weights<T>(adv, options.temperature, options.max_weight);
    const auto actor = tanh_linear_bc<T>(data, options, std::span<const T>(w.data(), static_cast<std::size_t>(n)));
    return {actor, v.cast<T>()};
}

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_CONTINUOUS_CONTROL_HPP

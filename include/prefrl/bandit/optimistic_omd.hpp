#ifndef PREFRL_BANDIT_OPTIMISTIC_OMD_HPP
#define PREFRL_BANDIT_OPTIMISTIC_OMD_HPP

/// \file
/// Optimistic online mirror descent (full-information online learning) on the simplex
/// (entropic, "optimistic Hedge") and on a Euclidean ball, with the last gradient as hint.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::detail {
template <std::floating_point T>
Eigen::VectorXd checked_gradient(std::string_view fn, std::span<const T> g, index_t size) {
    require(static_cast<index_t>(g.size()) == size, fn, "the gradient must have ", size, " entries, got ", g.size());
    Eigen::VectorXd out(size);
    for (index_t j = 0; j < size; ++j) {
        const T v = g[static_cast<std::size_t>(j)];
        require(std::isfinite(v), fn, "gradient[", j, "] must be finite, got ", v);
        out[j] = static_cast<double>(v);
    }
    return out;
}
}  // namespace prefrl::detail

namespace prefrl::bandit {

/// Options of `optimistic_hedge`.
struct optimistic_hedge_options {
    double eta = 0.1;  ///< fixed learning rate, > 0
};

/// **Optimistic Hedge** — optimistic online mirror descent with the entropic regularizer on the
/// simplex (Rakhlin & Sridharan 2013, "Optimization, Learning, and Games with Predictable
/// Sequences"; the two-step form analysed by Chen, Zhang, Tu, Zhao & Zhang 2023, "Optimistic
/// Online Mirror Descent for Bridging Stochastic and Adversarial Online Convex Optimization"):
///
///     x_t ∝ xh_t exp(-eta M_t)      (play; hint M_t = g_{t-1}, M_1 = 0)
///     xh_{t+1} ∝ xh_t exp(-eta g_t) (after seeing the loss gradient g_t)
///
/// kept in the log domain. Linear losses `<g_t, x>`: regret against any u in the simplex is at
/// most `ln K / eta + eta S_T / 2`, `S_T = sum_t ||g_t - M_t||_inf^2` (`regret_bound()`), so it
/// is O(1) when the gradients are constant and O(sqrt T) in the worst case. With a constant
/// eta, `x_t = softmax(-eta (sum_{s<t} g_s + M_t))`.
template <std::floating_point T = double>
class optimistic_hedge {
public:
    using scalar_type = T;
    explicit optimistic_hedge(index_t dimension, optimistic_hedge_options options = {}) : options_(options) {
        constexpr auto fn = "prefrl::bandit::optimistic_hedge";
        require(dimension >= 1, fn, "the dimension must be >= 1, got ", dimension);
        require_positive(fn, "eta", options.eta);
        log_xh_.setZero(dimension);
        hint_.setZero(dimension);
    }
    [[nodiscard]] index_t dimension() const { return log_xh_.size(); }
    /// The point x_t to play now (using the stored hint, the last gradient).
    [[nodiscard]] vector<T> predict() const {
        const Eigen::VectorXd z = log_xh_ - options_.eta * hint_;
        const Eigen::VectorXd e = (z.array() - z.maxCoeff()).exp();
        return (e / e.sum()).cast<T>();
    }
    /// Observes the loss gradient g_t at the point just played; the hint becomes g_t.
    void update(std::span<const T> gradient) {
        const Eigen::VectorXd g = prefrl::detail::checked_gradient("prefrl::bandit::optimistic_hedge::update", gradient, dimension());
        hint_error_ += (g - hint_).cwiseAbs().maxCoeff() * (g - hint_).cwiseAbs().maxCoeff();
        log_xh_ -= options_.eta * g;
        log_xh_.array() -= log_xh_.maxCoeff();
        hint_ = g;
    }
    /// `S_T = sum_t ||g_t - M_t||_inf^2` so far.
    [[nodiscard]] double hint_error() const { return hint_error_; }
    /// `ln K / eta + eta S_T / 2`: the regret bound for linear losses after the rounds so far.
    [[nodiscard]] double regret_bound() const {
        return std::log(static_cast<double>(dimension())) / options_.eta + options_.eta * hint_error_ / 2.0;
    }

private:
    optimistic_hedge_options options_;
    Eigen::VectorXd log_xh_, hint_;
    double hint_error_ = 0.0;
};

/// Options of `optimistic_ball_omd`.
struct optimistic_ball_omd_options {
    double radius = 1.0;  ///< R > 0 of the ball {||x|| <= R}
    double eta = 0.0;     ///< fixed learning rate > 0; 0 = adaptive `sqrt(2) R / sqrt(delta + S_{t-1})`
    double delta = 0.0;   ///< adaptive only: > 0, at least max ||g - M||^2 (e.g. 4 G^2 for ||g|| <= G)
};

/// **Optimistic online gradient descent on a Euclidean ball** (optimistic OMD with the squared
/// Euclidean regularizer; Chiang et al. 2012, Rakhlin & Sridharan 2013, Chen et al. 2023):
///
///     x_t = P(xh_t - eta_t M_t),   xh_{t+1} = P(xh_t - eta_t g_t),   P(y) = y min(1, R / ||y||)
///
/// with hint `M_t = g_{t-1}`, `xh_1 = 0`. Regret for linear losses: fixed eta,
/// `R^2 / (2 eta) + eta S_T / 2`; adaptive eta, `2 sqrt(2) R sqrt(delta + S_T)`, with
/// `S_T = sum_t ||g_t - M_t||_2^2` (`regret_bound()`).
template <std::floating_point T = double>
class optimistic_ball_omd {
public:
    using scalar_type = T;
    optimistic_ball_omd(index_t dimension, optimistic_ball_omd_options options = {}) : options_(options) {
        constexpr auto fn = "prefrl::bandit::optimistic_ball_omd";
        require(dimension >= 1, fn, "the dimension must be >= 1, got ", dimension);
        require_positive(fn, "radius", options.radius);
        require_non_negative(fn, "eta", options.eta);
        require(options.eta > 0.0 || options.delta > 0.0, fn, "the adaptive step (eta = 0) needs delta > 0, got ", options.delta);
        xh_.setZero(dimension);
        hint_.setZero(dimension);
    }
    [[nodiscard]] index_t dimension() const { return xh_.size(); }
    /// The learning rate of the current round.
    [[nodiscard]] double eta() const {
        return options_.eta > 0.0 ? options_.eta : std::sqrt(2.0) * options_.radius / std::sqrt(options_.delta + hint_error_);
    }
    [[nodiscard]] vector<T> predict() const { return project(xh_ - eta() * hint_).template cast<T>(); }
    void update(std::span<const T> gradient) {
        const Eigen::VectorXd g = prefrl::detail::checked_gradient("prefrl::bandit::optimistic_ball_omd::update", gradient, dimension());
        const double step = eta();
        xh_ = project(xh_ - step * g);
        hint_error_ += (g - hint_).squaredNorm();
        hint_ = g;
    }
    [[nodiscard]] double hint_error() const { return hint_error_; }
    [[nodiscard]] double regret_bound() const {
        const double r = options_.radius;
        if (options_.eta > 0.0) return r * r / (2.0 * options_.eta) + options_.eta * hint_error_ / 2.0;
        return 2.0 * std::sqrt(2.0) * r * std::sqrt(options_.delta + hint_error_);
    }

private:
    [[nodiscard]] Eigen::VectorXd project(const Eigen::VectorXd& y) const {
        const double n = y.norm();
        return n <= options_.radius ? y : Eigen::VectorXd(y * (options_.radius / n));
    }
    optimistic_ball_omd_options options_;
    Eigen::VectorXd xh_, hint_;
    double hint_error_ = 0.0;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_OPTIMISTIC_OMD_HPP

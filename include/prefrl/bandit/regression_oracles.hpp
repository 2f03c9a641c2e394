#ifndef PREFRL_BANDIT_REGRESSION_ORACLES_HPP
#define PREFRL_BANDIT_REGRESSION_ORACLES_HPP

/// \file
/// Two models of `RegressionOracle` for contextual bandits: ridge regression per arm with
/// O(d^2) Sherman-Morrison updates (LinUCB's and LinTS's statistics), and an online linear
/// model trained by SGD.

#include <cmath>
#include <concepts>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::detail {

/// Checks a (context, arm, reward) triple of a contextual learner with K arms and d features.
template <std::floating_point T>
void check_context(std::string_view fn, std::span<const T> x, index_t d) {
    require(static_cast<index_t>(x.size()) == d, fn, "the context must have ", d, " entries, got ", x.size());
    for (std::size_t j = 0; j < x.size(); ++j) require(std::isfinite(x[j]), fn, "context[", j, "] must be finite, got ", x[j]);
}
template <std::floating_point T>
void check_feedback(std::string_view fn, std::span<const T> x, index_t d, index_t arm, index_t arms, T reward) {
    check_context(fn, x, d);
    require(arm >= 0 && arm < arms, fn, "arm must be in [0, ", arms, "), got ", arm);
    require(std::isfinite(reward), fn, "reward must be finite, got ", reward);
}

}  // namespace prefrl::detail

namespace prefrl::bandit {

/// Options of `ridge_oracle`.
struct ridge_oracle_options {
    double lambda_ = 1.0;            ///< ridge penalty, A_a starts at lambda I; > 0
    index_t refactor_every = 10000; ///< rebuild A_a^{-1} from a Cholesky factor of A_a every this many updates of arm a
};

/// **Ridge regression per arm** (LinUCB's statistics; Li, Chu, Langford & Schapire 2010):
/// `A_a = lambda I + sum x x^T`, `b_a = sum r x`, `theta_a = A_a^{-1} b_a`. `fit` updates
/// `A_a^{-1}` by Sherman-Morrison in O(d^2) (`u = A^{-1} x`, `A^{-1} -= u u^T / (1 + x^T u)`, as
/// OBP's LinUCB), keeps A itself, and refactors from A every `refactor_every` updates of an arm
/// or whenever `1 + x^T u` is not a finite positive number. The inverses of all arms are
/// stacked, so `predict` and `widths` are one matrix-vector product each. A `RegressionOracle`.
template <std::floating_point T = double>
class ridge_oracle {
public:
    using scalar_type = T;
    ridge_oracle(index_t arms, index_t context_size, ridge_oracle_options options = {})
        : arms_(arms), d_(context_size), options_(options) {
        constexpr auto fn = "prefrl::bandit::ridge_oracle";
        require(arms >= 1, fn, "the number of arms must be >= 1, got ", arms);
        require(context_size >= 1, fn, "the context size must be >= 1, got ", context_size);
        require_positive(fn, "lambda_", options.lambda_);
        require(options.refactor_every >= 1, fn, "refactor_every must be >= 1, got ", options.refactor_every);
        a_.setZero(arms * d_, d_);
        a_inv_.setZero(arms * d_, d_);
        for (index_t a = 0; a < arms; ++a) {
            a_.block(a * d_, 0, d_, d_).diagonal().setConstant(static_cast<T>(options.lambda_));
            a_inv_.block(a * d_, 0, d_, d_).diagonal().setConstant(static_cast<T>(1.0 / options.lambda_));
        }
        b_.setZero(arms, d_);
        theta_.setZero(arms, d_);
        since_refactor_.assign(static_cast<std::size_t>(arms), 0);
        stacked_.resize(arms * d_);
        u_.resize(d_);
    }
    [[nodiscard]] index_t num_arms() const { return arms_; }
    [[nodiscard]] index_t context_size() const { return d_; }

    /// `theta_a^T x` for every arm.
    [[nodiscard]] vector<T> predict(scalar_span<T> x) const {
        prefrl::detail::check_context("prefrl::bandit::ridge_oracle::predict", x, d_);
        return theta_ * as_eigen(x);
    }

    /// `theta_a^T x` and `x^T A_a^{-1} x` for every arm, written to `means` and `widths_squared`
    /// (resized to K). One pass over the stacked inverses.
    void predict_with_variance(scalar_span<T> x, vector<T>& means, vector<T>& widths_squared) {
        prefrl::detail::check_context("prefrl::bandit::ridge_oracle::predict_with_variance", x, d_);
        const auto xe = as_eigen(x);
        means.noalias() = theta_ * xe;
        stacked_.noalias() = a_inv_ * xe;
        widths_squared.resize(arms_);
        for (index_t a = 0; a < arms_; ++a) widths_squared[a] = stacked_.segment(a * d_, d_).dot(xe);
    }

    void fit(scalar_span<T> x, index_t arm, T reward) {
        prefrl::detail::check_feedback("prefrl::bandit::ridge_oracle::fit", x, d_, arm, arms_, reward);
        const auto xe = as_eigen(x);
        auto a = a_.block(arm * d_, 0, d_, d_);
        auto a_inv = a_inv_.block(arm * d_, 0, d_, d_);
        a.noalias() += xe * xe.transpose();
        b_.row(arm) += reward * xe.transpose();
        u_.noalias() = a_inv * xe;
        const T denominator = T(1) + xe.dot(u_);
        auto& count = since_refactor_[static_cast<std::size_t>(arm)];
        if (++count >= options_.refactor_every || !(denominator > T(0)) || !std::isfinite(denominator)) {
            refactor(arm);
        } else {
            // u_i u_j / den, formed so that the update is exactly symmetric
            const T inverse = T(1) / denominator;
            for (index_t i = 0; i < d_; ++i) a_inv.row(i) -= ((u_[i] * u_.transpose()).array() * inverse).matrix();
        }
        theta_.row(arm).noalias() = (a_inv * b_.row(arm).transpose()).transpose();
    }

    /// `A_a` (the regularized Gram matrix), `A_a^{-1}` and `theta_a` of one arm.
    [[nodiscard]] row_matrix<T> gram(index_t arm) const { return a_.block(checked(arm) * d_, 0, d_, d_); }
    [[nodiscard]] row_matrix<T> gram_inverse(index_t arm) const { return a_inv_.block(checked(arm) * d_, 0, d_, d_); }
    [[nodiscard]] vector<T> theta(index_t arm) const { return theta_.row(checked(arm)).transpose(); }

private:
    index_t checked(index_t arm) const {
        require(arm >= 0 && arm < arms_, "prefrl::bandit::ridge_oracle", "arm must be in [0, ", arms_, "), got ", arm);
        return arm;
    }
    void refactor(index_t arm) {
        const row_matrix<T> a = a_.block(arm * d_, 0, d_, d_);
        const Eigen::LLT<row_matrix<T>> llt(a);
        a_inv_.block(arm * d_, 0, d_, d_) = llt.solve(row_matrix<T>::Identity(d_, d_));
        since_refactor_[static_cast<std::size_t>(arm)] = 0;
    }
    index_t arms_, d_;
    ridge_oracle_options options_;
    row_matrix<T> a_, a_inv_, b_, theta_;  // a_, a_inv_: [K d, d] stacked; b_, theta_: [K, d]
    std::vector<index_t> since_refactor_;
    vector<T> stacked_, u_;
};

/// Options of `online_linear_oracle`.
struct online_linear_oracle_options {
    double learning_rate = 0.1;  ///< SGD step on the squared error, > 0
    double l2 = 0.0;             ///< weight decay, >= 0
};

/// **Online linear regression by SGD** (the oracle of VW's `--squarecb` with a linear model):
/// `theta_a <- (1 - lr l2) theta_a - lr (theta_a^T x - r) x` on each (x, a, r). O(d) per fit.
/// A `RegressionOracle`.
template <std::floating_point T = double>
class online_linear_oracle {
public:
    using scalar_type = T;
    online_linear_oracle(index_t arms, index_t context_size, online_linear_oracle_options options = {})
        : arms_(arms), d_(context_size), options_(options) {
        constexpr auto fn = "prefrl::bandit::online_linear_oracle";
        require(arms >= 1, fn, "the number of arms must be >= 1, got ", arms);
        require(context_size >= 1, fn, "the context size must be >= 1, got ", context_size);
        require_positive(fn, "learning_rate", options.learning_rate);
        require_non_negative(fn, "l2", options.l2);
        theta_.setZero(arms, context_size);
    }
    [[nodiscard]] index_t num_arms() const { return arms_; }
    [[nodiscard]] index_t context_size() const { return d_; }
    [[nodiscard]] vector<T> predict(scalar_span<T> x) const {
        prefrl::detail::check_context("prefrl::bandit::online_linear_oracle::predict", x, d_);
        return theta_ * as_eigen(x);
    }
    void fit(scalar_span<T> x, index_t arm, T reward) {
        prefrl::detail::check_feedback("prefrl::bandit::online_linear_oracle::fit", x, d_, arm, arms_, reward);
        const auto xe = as_eigen(x);
        const T error = theta_.row(arm).dot(xe.transpose()) - reward;
        const auto lr = static_cast<T>(options_.learning_rate);
        theta_.row(arm) *= T(1) - lr * static_cast<T>(options_.l2);
        theta_.row(arm) -= lr * error * xe.transpose();
    }
    [[nodiscard]] vector<T> theta(index_t arm) const {
        require_index("prefrl::bandit::online_linear_oracle::theta", "arm", arm, arms_);
        return theta_.row(arm).transpose();
    }

private:
    index_t arms_, d_;
    online_linear_oracle_options options_;
    row_matrix<T> theta_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_REGRESSION_ORACLES_HPP

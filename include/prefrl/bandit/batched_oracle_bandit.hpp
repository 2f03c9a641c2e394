#ifndef PREFRL_BANDIT_BATCHED_ORACLE_BANDIT_HPP
#define PREFRL_BANDIT_BATCHED_ORACLE_BANDIT_HPP

/// \file
/// A contextual bandit run as payment processors run one: a supervised model, frozen for a
/// generation, sets a non-uniform exploration distribution; decisions are logged in batches,
/// rewards arrive with a delay, and the model is refitted by ERM on recent logs only.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <deque>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "prefrl/bandit/square_cb.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

namespace prefrl::bandit {

/// Options of `logistic_oracle`.
struct logistic_oracle_options {
    double l2 = 1e-2;            ///< ridge penalty on the weights (not the intercept), >= 0
    index_t newton_steps = 8;    ///< Newton (IRLS) iterations per fit
};

/// **Per-action logistic regression fitted by ERM** (the supervised success model of the Adyen
/// setup): `P(success | x, a) = sigmoid(w_a^T x + c_a)`, fitted on a whole batch of logs by
/// Newton's method on the (optionally importance-weighted) log-loss with an L2 penalty.
template <std::floating_point T = double>
class logistic_oracle {
public:
    using scalar_type = T;
    logistic_oracle(index_t arms, index_t context_size, logistic_oracle_options options = {}) : options_(options) {
        constexpr auto fn = "prefrl::bandit::logistic_oracle";
        check(fn, "", arms, context_size, options);
        theta_.setZero(arms, context_size + 1);
    }

    /// Checks the sizes and options for the public function `fn` (options' fields named `prefix` + field).
    static void check(std::string_view fn, std::string_view prefix, index_t arms, index_t context_size, const logistic_oracle_options& options) {
        require(arms >= 1 && context_size >= 1, fn, "arms and context_size must be >= 1, got ", arms, ", ", context_size);
        checked_size_product(fn, "arms * (context_size + 1)", arms, checked_size_sum(fn, "context_size + 1", context_size, index_t{1}));
        require_non_negative(fn, detail::concat(prefix, "l2"), options.l2);
        require(options.newton_steps >= 1, fn, prefix, "newton_steps must be >= 1, got ", options.newton_steps);
    }
    [[nodiscard]] index_t num_arms() const { return theta_.rows(); }
    [[nodiscard]] index_t context_size() const { return theta_.cols() - 1; }

    /// Success probabilities of every action for context x.
    [[nodiscard]] vector<T> predict(scalar_span<T> x) const { return predict_for("prefrl::bandit::logistic_oracle::predict", x); }

    /// `predict` for the public function `fn` that was called.
    [[nodiscard]] vector<T> predict_for(std::string_view fn, std::span<const T> x) const {
        require(static_cast<index_t>(x.size()) == context_size(), fn, "the context must have ", context_size(), " entries, got ", x.size());
        detail::require_all_finite<T>(fn, "x", x);
        vector<T> p(num_arms());
        for (index_t a = 0; a < num_arms(); ++a) {
            double z = theta_(a, context_size());
            for (index_t j = 0; j < context_size(); ++j) z += theta_(a, j) * static_cast<double>(x[static_cast<std::size_t>(j)]);
            p[a] = static_cast<T>(1.0 / (1.0 + std::exp(-z)));
        }
        return p;
    }

    /// Refits every action's model on the rows whose action it is: contexts [n x d], actions,
    /// rewards in [0, 1], per-row weights (empty = 1). An action with no rows keeps its model.
    void fit(const_matrix_ref<T> contexts, std::span<const index_t> actions, std::span<const T> rewards, std::span<const T> weights = {}) {
        constexpr auto fn = "prefrl::bandit::logistic_oracle::fit";
        require(contexts.cols() == context_size(), fn, "contexts have ", contexts.cols(), " columns for context size ", context_size());
        require_same_size(fn, "actions", actions.size(), "contexts' rows", static_cast<std::size_t>(contexts.rows()));
        require_same_size(fn, "rewards", rewards.size(), "contexts' rows", static_cast<std::size_t>(contexts.rows()));
        require(weights.empty() || weights.size() == rewards.size(), fn, "weights has ", weights.size(), " entries for ", rewards.size(), " rows");
        detail::require_all_finite<T>(fn, "contexts", contexts);
        for (std::size_t i = 0; i < weights.size(); ++i)
            require(weights[i] >= T(0) && std::isfinite(weights[i]), fn, "weights[", i, "] must be finite and >= 0, got ", weights[i]);
        const index_t d = context_size() + 1;
        for (index_t a = 0; a < num_arms(); ++a) {
            std::vector<index_t> rows;
            for (std::size_t i = 0; i < actions.size(); ++i) {
                require(actions[i] >= 0 && actions[i] < num_arms(), fn, "actions[", i, "] must be in [0, ", num_arms(), "), got ", actions[i]);
                require(rewards[i] >= T(0) && rewards[i] <= T(1), fn, "rewards[", i, "] must be in [0, 1], got ", rewards[i]);
                if (actions[i] == a) rows.push_back(static_cast<index_t>(i));
            }
            if (rows.empty()) continue;
            Eigen::MatrixXd x(static_cast<index_t>(rows.size()), d);
            Eigen::VectorXd y(x.rows()), w(x.rows());
            for (index_t k = 0; k < x.rows(); ++k) {
                const index_t i = rows[static_cast<std::size_t>(k)];
                x.row(k).head(d - 1) = contexts.row(i).template cast<double>();
                x(k, d - 1) = 1.0;
                y[k] = static_cast<double>(rewards[static_cast<std::size_t>(i)]);
                w[k] = weights.empty() ? 1.0 : static_cast<double>(weights[static_cast<std::size_t>(i)]);
            }
            Eigen::VectorXd theta = theta_.row(a).transpose();
            Eigen::VectorXd penalty = Eigen::VectorXd::Constant(d, options_.l2);
            penalty[d - 1] = 1e-8;  // the intercept is (almost) free
            for (index_t step = 0; step < options_.newton_steps; ++step) {
                const Eigen::VectorXd p = ((-(x * theta)).array().exp() + 1.0).inverse().matrix();
                const Eigen::VectorXd gradient = x.transpose() * (w.cwiseProduct(p - y)) + penalty.cwiseProduct(theta);
                Eigen::MatrixXd hessian = x.transpose() * (w.cwiseProduct(p.cwiseProduct((1.0 - p.array()).matrix())).asDiagonal()) * x;
                hessian.diagonal() += penalty;
                theta -= hessian.ldlt().solve(gradient);
            }
            theta_.row(a) = theta.transpose();
        }
    }

private:
    logistic_oracle_options options_;
    Eigen::MatrixXd theta_;  // [K, d + 1], last column the intercept
};

/// How `batched_oracle_bandit` explores around its frozen model.
enum class batched_exploration {
    inverse_gap,  ///< SquareCB's inverse-gap weighting over the available actions
    epsilon,      ///< epsilon-greedy over the available actions (uniform exploration)
};

/// Options of `batched_oracle_bandit`.
struct batched_oracle_options {
    batched_exploration exploration = batched_exploration::inverse_gap;
    double gamma = 50.0;          ///< IGW's gamma (fixed within and across generations), >= 0
    double epsilon = 0.2;         ///< epsilon of uniform exploration, in [0, 1]
    index_t delay = 1;            ///< D: rewards of batch b become visible at the end of batch b + D
    index_t refit_every = 5;      ///< G: batches per generation
    index_t window = 10;          ///< W: the refit uses the visible logs of the last W batches only
    bool importance_weighted = false;  ///< weight the ERM by 1 / propensity
    logistic_oracle_options oracle{};
};

/// **Batched contextual bandit with a supervised oracle and delayed feedback**, after Vangara &
/// Egg 2025, "Contextual Bandits in Payment Processing: Non-uniform Exploration and Supervised
/// Learning at Adyen" (prefrl's construction of their setup; their parameters and numbers were
/// not available): generation g freezes a `logistic_oracle`; each decision draws from IGW (or
/// epsilon-greedy) over the actions available for that context and is logged with its
/// propensity; `end_batch(rewards)` closes a batch, whose rewards the learner sees only D batches
/// later; every G batches the next generation's model is fitted on the visible logs of the last
/// W batches. A generation trained on its predecessor's logs can do worse (the exploration shifts
/// the training data): the paper's oscillation.
template <std::floating_point T = double>
class batched_oracle_bandit {
public:
    using scalar_type = T;
    batched_oracle_bandit(index_t arms, index_t context_size, batched_oracle_options options = {})
        : options_(checked(arms, context_size, options)), oracle_(arms, context_size, options.oracle) {}
    [[nodiscard]] index_t num_arms() const { return oracle_.num_arms(); }
    [[nodiscard]] index_t context_size() const { return oracle_.context_size(); }
    [[nodiscard]] index_t generation() const { return generation_; }
    [[nodiscard]] index_t batch() const { return batch_; }
    [[nodiscard]] const logistic_oracle<T>& oracle() const { return oracle_; }
    /// The share of successes in the data the current generation was trained on (NaN before the first refit).
    [[nodiscard]] double training_positive_rate() const { return training_positive_rate_; }
    /// The number of logged rounds the current generation was trained on.
    [[nodiscard]] index_t training_rows() const { return training_rows_; }

    /// The distribution over all K actions for context x when only `available` may be chosen.
    [[nodiscard]] vector<T> arm_probabilities(scalar_span<T> x, std::span<const index_t> available) const {
        return arm_probabilities_for("prefrl::bandit::batched_oracle_bandit::arm_probabilities", x, available);
    }

    /// Chooses among `available` for context x and logs the decision in the current batch.
    template <RandomGenerator G>
    decision<T> select(scalar_span<T> x, std::span<const index_t> available, G& rng) {
        const vector<T> p = arm_probabilities_for("prefrl::bandit::batched_oracle_bandit::select", x, available);
        const index_t arm = sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng);
        current_.contexts.emplace_back(x.begin(), x.end());
        current_.actions.push_back(arm);
        current_.propensities.push_back(p[arm]);
        return {arm, p[arm], false};
    }

    /// Closes the current batch with the rewards (in [0, 1]) of its decisions, in order. They
    /// become visible D batches later; every G batches the model is refitted.
    void end_batch(std::span<const T> rewards) {
        constexpr auto fn = "prefrl::bandit::batched_oracle_bandit::end_batch";
        require_same_size(fn, "rewards", rewards.size(), "decisions of this batch", current_.actions.size());
        for (std::size_t i = 0; i < rewards.size(); ++i)
            require(rewards[i] >= T(0) && rewards[i] <= T(1), fn, "rewards[", i, "] must be in [0, 1], got ", rewards[i]);
        current_.rewards.assign(rewards.begin(), rewards.end());
        current_.index = batch_;
        history_.push_back(std::move(current_));
        current_ = {};
        ++batch_;
        if (batch_ % options_.refit_every == 0) refit();
        while (!history_.empty() && history_.front().index + options_.window + options_.delay < batch_) history_.pop_front();
    }

private:
    static batched_oracle_options checked(index_t arms, index_t context_size, const batched_oracle_options& options) {
        constexpr auto fn = "prefrl::bandit::batched_oracle_bandit";
        logistic_oracle<T>::check(fn, "oracle.", arms, context_size, options.oracle);
        require_non_negative(fn, "gamma", options.gamma);
        require(options.epsilon >= 0.0 && options.epsilon <= 1.0, fn, "epsilon must be in [0, 1], got ", options.epsilon);
        require_non_negative(fn, "delay", options.delay);
        require(options.refit_every >= 1 && options.window >= 1, fn, "refit_every and window must be >= 1, got ", options.refit_every,
                ", ", options.window);
        checked_size_sum(fn, "window + delay", options.window, options.delay);
        return options;
    }

    vector<T> arm_probabilities_for(std::string_view fn, std::span<const T> x, std::span<const index_t> available) const {
        require_non_empty(fn, "available actions", available.size());
        const vector<T> scores = oracle_.predict_for(fn, x);
        std::vector<T> sub;
        for (std::size_t k = 0; k < available.size(); ++k) {
            require(available[k] >= 0 && available[k] < num_arms(), fn, "available[", k, "] must be in [0, ", num_arms(), "), got ", available[k]);
            sub.push_back(scores[available[k]]);
        }
        vector<T> p_sub;
        if (options_.exploration == batched_exploration::inverse_gap) {
            p_sub = inverse_gap_weighting<T>(sub, options_.gamma);
        } else {
            const auto best = static_cast<Eigen::Index>(std::max_element(sub.begin(), sub.end()) - sub.begin());
            p_sub = vector<T>::Constant(static_cast<Eigen::Index>(sub.size()), static_cast<T>(options_.epsilon / static_cast<double>(sub.size())));
            p_sub[best] += static_cast<T>(1.0 - options_.epsilon);
        }
        vector<T> p = vector<T>::Zero(num_arms());
        for (std::size_t k = 0; k < available.size(); ++k) p[available[k]] += p_sub[static_cast<Eigen::Index>(k)];
        return p;
    }

    struct logged_batch {
        index_t index = 0;
        std::vector<std::vector<T>> contexts;
        std::vector<index_t> actions;
        std::vector<T> propensities, rewards;
    };
    void refit() {
        // visible: batches b with b + D <= last closed batch; of those, the last W
        const index_t last_closed = batch_ - 1;
        std::vector<const logged_batch*> used;
        for (const auto& b : history_)
            if (b.index + options_.delay <= last_closed && b.index > last_closed - options_.delay - options_.window) used.push_back(&b);
        std::size_t rows = 0;
        for (const auto* b : used) rows += b->actions.size();
        if (rows == 0) return;
        row_matrix<T> x(static_cast<index_t>(rows), context_size());
        std::vector<index_t> actions;
        std::vector<T> rewards, weights;
        double positives = 0.0;
        index_t r = 0;
        for (const auto* b : used)
            for (std::size_t i = 0; i < b->actions.size(); ++i, ++r) {
                for (index_t j = 0; j < context_size(); ++j) x(r, j) = b->contexts[i][static_cast<std::size_t>(j)];
                actions.push_back(b->actions[i]);
                rewards.push_back(b->rewards[i]);
                weights.push_back(options_.importance_weighted ? T(1) / b->propensities[i] : T(1));
                positives += static_cast<double>(b->rewards[i]);
            }
        oracle_.fit(x, actions, rewards, weights);
        training_positive_rate_ = positives / static_cast<double>(rows);
        training_rows_ = static_cast<index_t>(rows);
        ++generation_;
    }
    batched_oracle_options options_;
    logistic_oracle<T> oracle_;
    logged_batch current_;
    std::deque<logged_batch> history_;
    index_t batch_ = 0, generation_ = 0, training_rows_ = 0;
    double training_positive_rate_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_BATCHED_ORACLE_BANDIT_HPP

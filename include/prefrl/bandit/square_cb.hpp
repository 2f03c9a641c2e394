#ifndef PREFRL_BANDIT_SQUARE_CB_HPP
#define PREFRL_BANDIT_SQUARE_CB_HPP

/// \file
/// SquareCB: inverse-gap weighting over the predictions of any regression oracle.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "prefrl/bandit/regression_oracles.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/regression_oracle.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::bandit {

/// **Inverse-gap weighting** (Abe & Long 1999; Foster & Rakhlin 2020): with `b = argmax yhat`
/// (the first on ties, as Vowpal Wabbit), `p_a = 1 / (K + gamma (yhat_b - yhat_a))` for a != b and
/// `p_b = 1 - sum_{a != b} p_a`. gamma >= 0; gamma = 0 is uniform. `p_b >= 1/K >= p_a`.
template <std::floating_point T>
vector<T> inverse_gap_weighting(std::span<const T> predictions, double gamma) {
    constexpr auto fn = "prefrl::bandit::inverse_gap_weighting";
    require_non_empty(fn, "predictions", predictions.size());
    require(gamma >= 0.0 && std::isfinite(gamma), fn, "gamma must be finite and >= 0, got ", gamma);
    std::size_t best = 0;
    for (std::size_t a = 0; a < predictions.size(); ++a) {
        require(std::isfinite(predictions[a]), fn, "predictions[", a, "] must be finite, got ", predictions[a]);
        if (predictions[a] > predictions[best]) best = a;
    }
    const double k = static_cast<double>(predictions.size());
    vector<T> p(static_cast<Eigen::Index>(predictions.size()));
    double rest = 0.0;
    for (std::size_t a = 0; a < predictions.size(); ++a) {
        if (a == best) continue;
        const double pa = 1.0 / (k + gamma * (static_cast<double>(predictions[best]) - static_cast<double>(predictions[a])));
        p[static_cast<Eigen::Index>(a)] = static_cast<T>(pa);
        rest += pa;
    }
    p[static_cast<Eigen::Index>(best)] = static_cast<T>(1.0 - rest);
    return p;
}

/// The same for any contiguous range, the scalar deduced: `inverse_gap_weighting(yhat, 10.0)`.
template <ScalarRange R>
vector<range_scalar_t<R>> inverse_gap_weighting(const R& predictions, double gamma) {
    return inverse_gap_weighting<range_scalar_t<R>>(as_span(predictions), gamma);
}

/// Options of `square_cb`: Vowpal Wabbit's schedule `gamma = gamma_scale * m^gamma_exponent`,
/// m the examples learned so far (so the first round is uniform).
struct square_cb_options {
    double gamma_scale = 10.0;     ///< >= 0
    double gamma_exponent = 0.5;   ///< >= 0
};

/// **SquareCB** (Foster & Rakhlin 2020, "Beyond UCB: Optimal and Efficient Contextual Bandits
/// with Regression Oracles"; VW's `--squarecb`): play from `inverse_gap_weighting` of the
/// oracle's predictions and train the oracle on (x, a, r) without importance weights. Regret
/// `O(sqrt(K T Reg_Sq(T)))` with the theory's gamma. Propensity exact. Wraps any
/// `RegressionOracle` (ridge_oracle, online_linear_oracle, yours). A `ContextualBandit`.
template <RegressionOracle Oracle>
class square_cb {
public:
    using scalar_type = typename Oracle::scalar_type;
    using T = scalar_type;
    explicit square_cb(Oracle oracle, square_cb_options options = {}) : oracle_(std::move(oracle)), options_(options) {
        constexpr auto fn = "prefrl::bandit::square_cb";
        require_non_negative(fn, "gamma_scale", options.gamma_scale);
        require_non_negative(fn, "gamma_exponent", options.gamma_exponent);
    }
    [[nodiscard]] index_t num_arms() const { return oracle_.num_arms(); }
    [[nodiscard]] index_t context_size() const { return oracle_.context_size(); }
    [[nodiscard]] const Oracle& oracle() const { return oracle_; }
    /// gamma of the next round.
    [[nodiscard]] double gamma() const {
        if (learned_ == 0) return 0.0;
        // a schedule that overflows is held at the largest double: inverse-gap weighting is then greedy
        return std::min(options_.gamma_scale * std::pow(static_cast<double>(learned_), options_.gamma_exponent),
                        std::numeric_limits<double>::max());
    }
    /// The probability of each arm for context x: inverse-gap weighting of the oracle's
    /// predictions at the current `gamma()`, the distribution `select` draws from (its
    /// propensities).
    [[nodiscard]] vector<T> arm_probabilities(scalar_span<T> x) const {
        prefrl::detail::check_context("prefrl::bandit::square_cb::arm_probabilities", x, context_size());
        return probabilities_unchecked(x);
    }
    template <RandomGenerator G>
    decision<T> select(scalar_span<T> x, G& rng) {
        prefrl::detail::check_context("prefrl::bandit::square_cb::select", x, context_size());
        const vector<T> p = probabilities_unchecked(x);
        const index_t arm = sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng);
        return {arm, p[arm], false};
    }
    void update(scalar_span<T> x, index_t arm, T reward) {
        prefrl::detail::check_feedback("prefrl::bandit::square_cb::update", x, context_size(), arm, num_arms(), reward);
        oracle_.fit(x, arm, reward);
        ++learned_;
    }

private:
    [[nodiscard]] vector<T> probabilities_unchecked(std::span<const T> x) const {
        const vector<T> yhat = oracle_.predict(x);
        return inverse_gap_weighting<T>(std::span<const T>(yhat.data(), static_cast<std::size_t>(yhat.size())), gamma());
    }
    Oracle oracle_;
    square_cb_options options_;
    index_t learned_ = 0;
};

/// Options of `oracle_epsilon_greedy`.
struct oracle_epsilon_greedy_options {
    double epsilon = 0.05;  ///< in [0, 1] (Vowpal Wabbit's default)
};

/// **Epsilon-greedy over a regression oracle** (Langford & Zhang 2007, epoch-greedy's simple
/// form; VW's `--cb_explore_adf --epsilon`): `p_a = eps / K + (1 - eps) 1[a in B] / |B|`, B the
/// argmax set of the oracle's predictions; the oracle learns from (x, a, r). Propensity exact.
/// A `ContextualBandit`.
template <RegressionOracle Oracle>
class oracle_epsilon_greedy {
public:
    using scalar_type = typename Oracle::scalar_type;
    using T = scalar_type;
    explicit oracle_epsilon_greedy(Oracle oracle, oracle_epsilon_greedy_options options = {})
        : oracle_(std::move(oracle)), options_(options) {
        require(options.epsilon >= 0.0 && options.epsilon <= 1.0, "prefrl::bandit::oracle_epsilon_greedy",
                "epsilon must be in [0, 1], got ", options.epsilon);
    }
    [[nodiscard]] index_t num_arms() const { return oracle_.num_arms(); }
    [[nodiscard]] index_t context_size() const { return oracle_.context_size(); }
    [[nodiscard]] const Oracle& oracle() const { return oracle_; }
    [[nodiscard]] vector<T> arm_probabilities(scalar_span<T> x) const {
        prefrl::detail::check_context("prefrl::bandit::oracle_epsilon_greedy::arm_probabilities", x, context_size());
        const vector<T> yhat = oracle_.predict(x);
        const T top = yhat.maxCoeff();
        const auto ties = static_cast<double>((yhat.array() == top).count());
        const double k = static_cast<double>(yhat.size());
        vector<T> p(yhat.size());
        for (Eigen::Index a = 0; a < yhat.size(); ++a)
            p[a] = static_cast<T>(options_.epsilon / k + (yhat[a] == top ? (1.0 - options_.epsilon) / ties : 0.0));
        return p;
    }
    template <RandomGenerator G>
    decision<T> select(scalar_span<T> x, G& rng) {
        prefrl::detail::check_context("prefrl::bandit::oracle_epsilon_greedy::select", x, context_size());
        const vector<T> p = arm_probabilities(x);
        const index_t arm = sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng);
        return {arm, p[arm], false};
    }
    void update(scalar_span<T> x, index_t arm, T reward) {
        prefrl::detail::check_feedback("prefrl::bandit::oracle_epsilon_greedy::update", x, context_size(), arm, num_arms(), reward);
        oracle_.fit(x, arm, reward);
    }

private:
    Oracle oracle_;
    oracle_epsilon_greedy_options options_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_SQUARE_CB_HPP

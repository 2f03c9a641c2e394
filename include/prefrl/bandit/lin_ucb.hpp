#ifndef PREFRL_BANDIT_LIN_UCB_HPP
#define PREFRL_BANDIT_LIN_UCB_HPP

/// \file
/// LinUCB with disjoint linear models.

#include <cmath>
#include <concepts>
#include <span>
#include <vector>

#include "prefrl/bandit/arm_statistics.hpp"
#include "prefrl/bandit/regression_oracles.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/ranges.hpp"

namespace prefrl::bandit {

/// Options of `lin_ucb`.
struct lin_ucb_options {
    double alpha = 1.0;              ///< width multiplier, >= 0 (MABWiser's default; Li et al.'s theory: 1 + sqrt(ln(2/delta)/2))
    double lambda_ = 1.0;             ///< ridge penalty, > 0
    index_t refactor_every = 10000;  ///< see `ridge_oracle_options`
};

/// **LinUCB, disjoint** (Li, Chu, Langford & Schapire 2010, "A Contextual-Bandit Approach to
/// Personalized News Article Recommendation", Alg. 1): per arm a ridge model (`ridge_oracle`);
/// play `argmax_a theta_a^T x + alpha sqrt(x^T A_a^{-1} x)`, ties at random (propensity
/// `1/|argmax set|`). select is O(K d^2), update O(d^2) (Sherman-Morrison).
/// A `ContextualBandit`.
template <std::floating_point T = double>
class lin_ucb {
public:
    using scalar_type = T;
    lin_ucb(index_t arms, index_t context_size, lin_ucb_options options = {})
        : model_(arms, context_size, {.lambda_ = options.lambda_, .refactor_every = options.refactor_every}),
          alpha_(options.alpha),
          scores_(static_cast<std::size_t>(arms)) {
        require_non_negative("prefrl::bandit::lin_ucb", "alpha", options.alpha);
    }
    [[nodiscard]] index_t num_arms() const { return model_.num_arms(); }
    [[nodiscard]] index_t context_size() const { return model_.context_size(); }
    /// The per-arm ridge regressions behind the bounds (`theta(arm)`, `gram_inverse(arm)`).
    [[nodiscard]] const ridge_oracle<T>& model() const { return model_; }

    /// The upper confidence bound of every arm for context x.
    [[nodiscard]] vector<T> upper_confidence_bounds(scalar_span<T> x) {
        prefrl::detail::check_context("prefrl::bandit::lin_ucb::upper_confidence_bounds", x, context_size());
        model_.predict_with_variance(x, means_, widths_);
        return means_.array() + static_cast<T>(alpha_) * widths_.array().max(T(0)).sqrt();
    }

    template <RandomGenerator G>
    decision<T> select(scalar_span<T> x, G& rng) {
        prefrl::detail::check_context("prefrl::bandit::lin_ucb::select", x, context_size());
        const vector<T> ucb = upper_confidence_bounds(x);
        for (index_t a = 0; a < num_arms(); ++a) scores_[static_cast<std::size_t>(a)] = static_cast<double>(ucb[a]);
        return prefrl::detail::choose_best<T>(scores_, best_, rng);
    }

    void update(scalar_span<T> x, index_t arm, T reward) {
        prefrl::detail::check_feedback("prefrl::bandit::lin_ucb::update", x, context_size(), arm, num_arms(), reward);
        model_.fit(x, arm, reward);
    }

private:
    ridge_oracle<T> model_;
    double alpha_;
    vector<T> means_, widths_;
    std::vector<double> scores_;
    std::vector<index_t> best_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_LIN_UCB_HPP

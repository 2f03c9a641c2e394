#ifndef PREFRL_BANDIT_LIN_TS_HPP
#define PREFRL_BANDIT_LIN_TS_HPP

/// \file
/// Linear Thompson sampling with disjoint models.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <vector>

#include "prefrl/bandit/arm_statistics.hpp"
#include "prefrl/bandit/regression_oracles.hpp"
#include "prefrl/bandit/thompson.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/ranges.hpp"

namespace prefrl::bandit {

/// Options of `lin_ts`.
struct lin_ts_options {
    double v = 1.0;                  ///< posterior scale, > 0 (MABWiser's and OBP's default; about the noise sd works best)
    double lambda_ = 1.0;             ///< ridge penalty, > 0
    index_t refactor_every = 10000;  ///< see `ridge_oracle_options`
    bool propensity = true;          ///< compute the exact propensity by quadrature (false: NaN, cheaper)
};

/// **Linear Thompson sampling, disjoint** (Agrawal & Goyal 2013, "Thompson Sampling for
/// Contextual Bandits with Linear Payoffs", with one model per arm as MABWiser and OBP): per arm
/// the ridge statistics A_a, b_a; `theta~_a ~ N(theta_a, v^2 A_a^{-1})`, play `argmax theta~_a^T x`.
///
/// Only `theta~_a^T x ~ N(theta_a^T x, v^2 x^T A_a^{-1} x)` matters for the choice, so it is drawn
/// directly (the same law as drawing theta~_a, in O(d^2) instead of a d-dimensional draw), and the
/// propensity is the exact `gaussian_argmax_probability` of these K normals (`estimated = false`),
/// not a Monte-Carlo estimate. A `ContextualBandit`.
template <std::floating_point T = double>
class lin_ts {
public:
    using scalar_type = T;
    lin_ts(index_t arms, index_t context_size, lin_ts_options options = {})
        : model_(arms, context_size, {.lambda_ = options.lambda_, .refactor_every = options.refactor_every}),
          options_(options),
          score_means_(static_cast<std::size_t>(arms)),
          score_sds_(static_cast<std::size_t>(arms)),
          draws_(static_cast<std::size_t>(arms)) {
        require_positive("prefrl::bandit::lin_ts", "v", options.v);
    }
    [[nodiscard]] index_t num_arms() const { return model_.num_arms(); }
    [[nodiscard]] index_t context_size() const { return model_.context_size(); }
    [[nodiscard]] const ridge_oracle<T>& model() const { return model_; }

    template <RandomGenerator G>
    decision<T> select(scalar_span<T> x, G& rng) {
        prefrl::detail::check_context("prefrl::bandit::lin_ts::select", x, context_size());
        model_.predict_with_variance(x, means_, widths_);
        for (index_t a = 0; a < num_arms(); ++a) {
            const auto k = static_cast<std::size_t>(a);
            score_means_[k] = static_cast<double>(means_[a]);
            score_sds_[k] = options_.v * std::sqrt(std::max(static_cast<double>(widths_[a]), std::numeric_limits<double>::min()));
            draws_[k] = score_means_[k] + score_sds_[k] * normal<double>(rng);
        }
        const index_t arm = prefrl::detail::choose_best<T>(draws_, best_, rng).arm;
        if (!options_.propensity) return {arm, std::numeric_limits<T>::quiet_NaN(), true};
        const double p = gaussian_argmax_probability(score_means_, score_sds_, arm);
        return {arm, static_cast<T>(std::clamp(p, static_cast<double>(std::numeric_limits<T>::min()), 1.0)), false};
    }

    void update(scalar_span<T> x, index_t arm, T reward) {
        prefrl::detail::check_feedback("prefrl::bandit::lin_ts::update", x, context_size(), arm, num_arms(), reward);
        model_.fit(x, arm, reward);
    }

private:
    ridge_oracle<T> model_;
    lin_ts_options options_;
    vector<T> means_, widths_;
    std::vector<double> score_means_, score_sds_, draws_;
    std::vector<index_t> best_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_LIN_TS_HPP

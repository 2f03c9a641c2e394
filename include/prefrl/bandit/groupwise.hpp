#ifndef PREFRL_BANDIT_GROUPWISE_HPP
#define PREFRL_BANDIT_GROUPWISE_HPP

/// \file
/// Online regression with low regret on every one of many overlapping groups at once: one
/// online ridge model (a one-arm `ridge_oracle`) per group, combined by sleeping-experts
/// (specialists) Hedge.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "prefrl/bandit/regression_oracles.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::bandit {

/// Options of `groupwise_regression`.
struct groupwise_regression_options {
    double eta = 0.0;          ///< Hedge rate > 0; 0 = `sqrt(2 ln N / horizon)` (Hedge's tuned rate)
    index_t horizon = 0;       ///< T, needed when eta = 0
    double lambda_ = 1.0;       ///< ridge penalty of each group's model
    double loss_scale = 0.25;  ///< the loss is `loss_scale (yhat - y)^2` (1/4 keeps it in [0, 1] for y, yhat in [-1, 1])
};

/// **Groupwise-regret online regression** (Acharya, Arunachaleswaran, Kannan, Roth & Ziani 2024,
/// "Oracle Efficient Online Multicalibration and Omniprediction" / "groupwise regret"; the
/// combiner is specialists Hedge, Freund, Schapire, Singer & Warmuth 1997): each round's x
/// belongs to a known set of groups (overlapping; include an always-awake group such as "all").
/// One ridge model per group (`ridge_oracle` with one arm: online ridge regression, Vovk 2001,
/// Azoury & Warmuth 2001) learns only on its group's rounds; the prediction is the mix
/// `yhat = sum_{g awake} p(g) yhat_g`, `p(g) = w_g / sum_awake w`; after y, awake weights become
/// `w_g e^{-eta l_g} * (sum_awake w) / (sum_awake w e^{-eta l})`, asleep ones stay. Regret on
/// group g against the best linear model on g: at most `Reg_ridge(T_g) + eta T_g / 2 + ln N / eta
/// + ln N / 2 + O(eta^2 T_g)` (the Hedge bound over the awake groups plus each group's ridge
/// regret; the paper's exact sleeping-experts variant is not implemented). Time per round linear in the awake groups.
template <std::floating_point T = double>
class groupwise_regression {
public:
    using scalar_type = T;
    groupwise_regression(index_t groups, index_t context_size, groupwise_regression_options options = {}) : options_(options) {
        constexpr auto fn = "prefrl::bandit::groupwise_regression";
        require(groups >= 1, fn, "the number of groups must be >= 1, got ", groups);
        if (options_.eta == 0.0) {
            require(options_.horizon >= 1, fn, "give the horizon (>= 1) or eta; horizon is ", options_.horizon);
            options_.eta = std::sqrt(2.0 * std::log(static_cast<double>(std::max<index_t>(groups, 2))) / static_cast<double>(options_.horizon));
        }
        require_positive(fn, "eta", options_.eta);
        require_positive(fn, "loss_scale", options_.loss_scale);
        for (index_t g = 0; g < groups; ++g) models_.emplace_back(1, context_size, ridge_oracle_options{.lambda_ = options.lambda_});
        log_weight_.assign(static_cast<std::size_t>(groups), -std::log(static_cast<double>(groups)));
    }
    [[nodiscard]] index_t num_groups() const { return static_cast<index_t>(models_.size()); }
    [[nodiscard]] double eta() const { return options_.eta; }
    [[nodiscard]] const ridge_oracle<T>& model(index_t g) const {
        require_index("prefrl::bandit::groupwise_regression::model", "g", g, num_groups());
        return models_[static_cast<std::size_t>(g)];
    }

    /// The mixed prediction for x whose groups are `awake` (distinct indices, at least one).
    [[nodiscard]] T predict(scalar_span<T> x, std::span<const index_t> awake) const {
        check_awake(awake);
        const auto p = awake_probabilities(awake);
        double yhat = 0.0;
        for (std::size_t k = 0; k < awake.size(); ++k)
            yhat += p[k] * static_cast<double>(models_[static_cast<std::size_t>(awake[k])].predict(x)[0]);
        return static_cast<T>(yhat);
    }

    /// Learns from the label y of x: the awake groups' weights by their models' losses, then
    /// each awake group's model.
    void update(scalar_span<T> x, std::span<const index_t> awake, T y) {
        check_awake(awake);
        require(std::isfinite(y), "prefrl::bandit::groupwise_regression::update", "y must be finite, got ", y);
        double top_before = -1e300, top_after = -1e300;
        std::vector<double> after(awake.size());
        for (std::size_t k = 0; k < awake.size(); ++k) {
            const auto g = static_cast<std::size_t>(awake[k]);
            const double e = static_cast<double>(models_[g].predict(x)[0]) - static_cast<double>(y);
            after[k] = log_weight_[g] - options_.eta * options_.loss_scale * e * e;
            top_before = std::max(top_before, log_weight_[g]);
            top_after = std::max(top_after, after[k]);
        }
        double before_sum = 0.0, after_sum = 0.0;
        for (std::size_t k = 0; k < awake.size(); ++k) {
            before_sum += std::exp(log_weight_[static_cast<std::size_t>(awake[k])] - top_before);
            after_sum += std::exp(after[k] - top_after);
        }
        // renormalize so the awake groups keep their total weight
        const double shift = (top_before + std::log(before_sum)) - (top_after + std::log(after_sum));
        for (std::size_t k = 0; k < awake.size(); ++k) {
            const auto g = static_cast<std::size_t>(awake[k]);
            log_weight_[g] = after[k] + shift;
            models_[g].fit(x, 0, y);
        }
    }

private:
    void check_awake(std::span<const index_t> awake) const {
        constexpr auto fn = "prefrl::bandit::groupwise_regression";
        require_non_empty(fn, "awake groups", awake.size());
        for (std::size_t k = 0; k < awake.size(); ++k) {
            require(awake[k] >= 0 && awake[k] < num_groups(), fn, "awake[", k, "] must be a group in [0, ", num_groups(), "), got ", awake[k]);
            for (std::size_t j = 0; j < k; ++j) require(awake[j] != awake[k], fn, "group ", awake[k], " is listed twice");
        }
    }
    [[nodiscard]] std::vector<double> awake_probabilities(std::span<const index_t> awake) const {
        double top = -1e300;
        for (index_t g : awake) top = std::max(top, log_weight_[static_cast<std::size_t>(g)]);
        std::vector<double> p(awake.size());
        double total = 0.0;
        for (std::size_t k = 0; k < awake.size(); ++k) total += p[k] = std::exp(log_weight_[static_cast<std::size_t>(awake[k])] - top);
        for (double& v : p) v /= total;
        return p;
    }
    groupwise_regression_options options_;
    std::vector<ridge_oracle<T>> models_;
    std::vector<double> log_weight_;
};

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_GROUPWISE_HPP

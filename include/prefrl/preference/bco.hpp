#ifndef PREFRL_PREFERENCE_BCO_HPP
#define PREFRL_PREFERENCE_BCO_HPP

/// \file
/// BCO, paired form (TRL loss_type "bco_pair").

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **BCO** — Jung et al. 2024, "Binary Classifier Optimization for Large Language Model
/// Alignment"; TRL `loss_type="bco_pair"`. `delta` is the running mean of the batch-mean
/// rewards beta [a; b] that TRL keeps (detached; 0 before the first update), which
/// `bco_running_mean` below computes:
///
///     loss = -log_sigmoid(beta a - delta) - log_sigmoid(-(beta b - delta))
struct bco {
    static constexpr bool separable = true;  ///< a mean of per-pair terms (`SeparablePairLoss`)
    double beta = 0.1;
    double delta = 0.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` (one entry per pair; reuse them
    /// across steps) and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::bco";
        require_positive(fn, "beta", beta);
        require_finite(fn, "delta", delta);
        const T beta_t = hyperparameter_in<T>(fn, "beta", beta), delta_t = hyperparameter_in<T>(fn, "delta", delta);
        return prefrl::detail::mean_over_pairs(fn, batch, {.reference = true}, d_chosen, d_rejected, [&](const auto& p, auto& t) {
            prefrl::detail::set_implicit_rewards(t, p, beta_t);
            const auto lc = prefrl::detail::logistic_of(t.reward_chosen - delta_t);
            const auto lr = prefrl::detail::logistic_of(t.reward_rejected - delta_t);
            t.loss = -lc.log_sigmoid - lr.log_sigmoid_neg;
            t.d_chosen = -beta_t * lc.sigmoid_neg;
            t.d_rejected = beta_t * lr.sigmoid;
        });
    }
};


/// The `delta` of BCO as TRL keeps it (`RunningMoments` in its DPO trainer): before each
/// step the batch's mean reward mean(beta [a; b]) is folded into a running mean over the
/// steps so far (each batch counts once), and that mean is the step's delta.
///
///     prefrl::preference::bco_running_mean running;
///     auto r = prefrl::preference::bco{.beta = 0.1, .delta = running.update(batch, 0.1)}(batch);
class bco_running_mean {
public:
    /// Folds in this batch's mean of beta (c - c0) and beta (r - r0); returns the new mean.
    template <std::floating_point T>
    double update(const pair_batch<T>& batch, double beta) {
        constexpr auto fn = "prefrl::preference::bco_running_mean::update";
        require_positive(fn, "beta", beta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        double sum = 0.0;
        for (std::size_t i = 0; i < batch.chosen.size(); ++i)
            sum += beta * ((static_cast<double>(batch.chosen[i]) - static_cast<double>(batch.ref_chosen[i])) +
                           (static_cast<double>(batch.rejected[i]) - static_cast<double>(batch.ref_rejected[i])));
        const double batch_mean = sum / static_cast<double>(2 * batch.chosen.size());
        ++count_;
        mean_ += (batch_mean - mean_) / static_cast<double>(count_);
        return mean_;
    }

    /// The running mean (0 before the first update).
    [[nodiscard]] double mean() const { return mean_; }
    /// Batches folded in so far.
    [[nodiscard]] long long count() const { return count_; }

private:
    double mean_ = 0.0;
    long long count_ = 0;
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_BCO_HPP

#ifndef PREFRL_PREFERENCE_WEIGHTED_SUM_HPP
#define PREFRL_PREFERENCE_WEIGHTED_SUM_HPP

/// \file
/// A weighted sum of pairwise losses on one batch (TRL's `loss_type` list with `loss_weights`).

#include <cmath>
#include <span>
#include <tuple>
#include <utility>

#include "prefrl/core/error.hpp"
#include "prefrl/core/pairwise_loss.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **Weighted sum of losses** — TRL's multi-loss form (`loss_type=["sigmoid", "bco_pair"]`,
/// `loss_weights=[0.8, 0.2]`, as in MPO, Wang et al. 2024): value and gradients are the
/// weighted sums of the terms'; the metrics are the first term's.
///
///     auto mpo = prefrl::preference::weighted_sum{std::pair{0.8, dpo{}}, std::pair{0.2, bco{}}};
///     auto r = mpo(batch);
template <class... Losses>
    requires((PairwiseLoss<Losses, pair_batch<double>> || PairwiseLoss<Losses, pair_batch<float>>) && ...)
struct weighted_sum {
    static_assert(sizeof...(Losses) > 0, "prefrl::preference::weighted_sum: give at least one (weight, loss) pair");
    std::tuple<std::pair<double, Losses>...> terms;
    /// A weighted sum of separable losses is separable (`SeparablePairLoss`).
    static constexpr bool separable = (SeparablePairLoss<Losses> && ...);

    explicit weighted_sum(std::pair<double, Losses>... weighted_terms) : terms(std::move(weighted_terms)...) {}

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the weighted gradient into `d_chosen`, `d_rejected` (the first term writes
    /// there directly; each further term needs a scratch pair of vectors).
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        constexpr auto fn = "prefrl::preference::weighted_sum";
        std::apply([&](const auto&... term) { (require_finite(fn, "weight", term.first), ...); }, terms);
        using array_map = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
        const auto n = static_cast<Eigen::Index>(batch.chosen.size());
        pair_loss_metrics<T> out;
        vector<T> scratch_chosen, scratch_rejected;
        bool first = true;
        double value = 0.0;
        auto add = [&](double weight, const auto& loss) {
            const T w = static_cast<T>(weight);
            if (first) {  // the first term writes straight into the caller's buffers
                out = loss(batch, d_chosen, d_rejected);
                value = weight * static_cast<double>(out.value);
                array_map(d_chosen.data(), n) *= w;
                array_map(d_rejected.data(), n) *= w;
                first = false;
                return;
            }
            scratch_chosen.resize(n);
            scratch_rejected.resize(n);
            const auto r = loss(batch, std::span<T>(scratch_chosen.data(), batch.chosen.size()),
                                std::span<T>(scratch_rejected.data(), batch.chosen.size()));
            value += weight * static_cast<double>(r.value);
            array_map(d_chosen.data(), n) += w * scratch_chosen.array();
            array_map(d_rejected.data(), n) += w * scratch_rejected.array();
        };
        std::apply([&](const auto&... term) { (add(term.first, term.second), ...); }, terms);
        out.value = static_cast<T>(value);
        return out;
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_WEIGHTED_SUM_HPP

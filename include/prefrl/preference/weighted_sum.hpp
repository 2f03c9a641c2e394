#ifndef PREFRL_PREFERENCE_WEIGHTED_SUM_HPP
#define PREFRL_PREFERENCE_WEIGHTED_SUM_HPP

/// \file
/// A weighted sum of pairwise losses on one batch (TRL's `loss_type` list with `loss_weights`).

#include <cmath>
#include <tuple>
#include <utility>

#include "prefrl/core/error.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **Weighted sum of losses** — TRL's multi-loss form (`loss_type=["sigmoid", "bco_pair"]`,
/// `loss_weights=[0.8, 0.2]`, as in MPO, Wang et al. 2024): value and gradients are the
/// weighted sums of the terms'; the metrics are the first term's.
///
///     auto mpo = prefrl::preference::weighted_sum{std::pair{0.8, dpo{}}, std::pair{0.2, bco{}}};
///     auto r = mpo(batch);
template <class... Losses>
struct weighted_sum {
    static_assert(sizeof...(Losses) > 0, "prefrl::preference::weighted_sum: give at least one (weight, loss) pair");
    std::tuple<std::pair<double, Losses>...> terms;

    explicit weighted_sum(std::pair<double, Losses>... weighted_terms) : terms(std::move(weighted_terms)...) {}

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::weighted_sum";
        std::apply([&](const auto&... term) { (require_finite(fn, "weight", term.first), ...); }, terms);
        pair_loss_result<T> out;
        bool first = true;
        double value = 0.0;
        auto add = [&](double weight, const auto& loss) {
            const pair_loss_result<T> r = loss(batch);
            value += weight * static_cast<double>(r.value);
            if (first) {
                out = r;
                out.d_chosen *= static_cast<T>(weight);
                out.d_rejected *= static_cast<T>(weight);
                first = false;
            } else {
                out.d_chosen += static_cast<T>(weight) * r.d_chosen;
                out.d_rejected += static_cast<T>(weight) * r.d_rejected;
            }
        };
        std::apply([&](const auto&... term) { (add(term.first, term.second), ...); }, terms);
        out.value = static_cast<T>(value);
        return out;
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_WEIGHTED_SUM_HPP

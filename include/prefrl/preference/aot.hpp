#ifndef PREFRL_PREFERENCE_AOT_HPP
#define PREFRL_PREFERENCE_AOT_HPP

/// \file
/// AOT: alignment via optimal transport, paired and unpaired (TRL loss_type "aot", "aot_pair").

#include <algorithm>
#include <cmath>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::detail {

/// Indices that sort `values` ascending, ties in index order (as a stable sort): sorts
/// (value, index) pairs, which keeps the comparisons on contiguous memory.
inline std::vector<std::size_t> sorting_permutation(const std::vector<double>& values) {
    std::vector<std::pair<double, std::size_t>> keyed(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) keyed[i] = {values[i], i};
    std::sort(keyed.begin(), keyed.end());
    std::vector<std::size_t> order(values.size());
    for (std::size_t k = 0; k < keyed.size(); ++k) order[k] = keyed[k].second;
    return order;
}

/// The AOT loss (checks included): `delta_k = first[order_first[k]] - second[order_second[k]]`,
/// loss_k the cDPO form on beta delta_k; gradients scattered back through the sorts.
/// `paired`: first = c - r (to chosen +, rejected -), second = c0 - r0 (constant);
/// unpaired: first = a (to chosen), second = b (to rejected, -). The sorts make it
/// O(n log n) and scalar; the per-pair results then go through `mean_over_pairs`.
template <class T>
pair_loss_metrics<T> aot_loss(std::string_view fn, const pair_batch<T>& batch, double beta, double eps, bool paired,
                              std::span<T> out_chosen, std::span<T> out_rejected) {
    require_positive(fn, "beta", beta);
    require_in_half_open(fn, "label_smoothing", eps, 0.0, 0.5);
    validate_pairs(fn, batch, {.reference = true});
    require(batch.weight.empty(), fn, "weight is not supported: AOT matches pairs by sorting, not by index");
    const std::size_t n = batch.chosen.size();
    std::vector<double> first(n), second(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double c = batch.chosen[i], r = batch.rejected[i], c0 = batch.ref_chosen[i], r0 = batch.ref_rejected[i];
        first[i] = paired ? c - r : c - c0;
        second[i] = paired ? c0 - r0 : r - r0;
    }
    const auto order_first = sorting_permutation(first);
    const auto order_second = sorting_permutation(second);
    // padded to whole blocks, so the last block reads its padding as zeros
    const std::size_t padded = n + static_cast<std::size_t>(pair_block_size<T>);
    std::vector<T> loss(padded, T(0)), d_chosen(padded, T(0)), d_rejected(padded, T(0));
    for (std::size_t k = 0; k < n; ++k) {
        const double u = beta * (first[order_first[k]] - second[order_second[k]]);
        loss[k] = static_cast<T>(-(1 - eps) * log_sigmoid(u) - eps * log_sigmoid(-u));
        const T d_delta = static_cast<T>(beta * (-(1 - eps) * sigmoid(-u) + eps * sigmoid(u)));
        if (paired) {  // first = c - r: d/dc = +, d/dr = -; second = c0 - r0 is constant
            d_chosen[order_first[k]] += d_delta;
            d_rejected[order_first[k]] -= d_delta;
        } else {  // first = a = c - c0, second = b = r - r0
            d_chosen[order_first[k]] += d_delta;
            d_rejected[order_second[k]] -= d_delta;
        }
    }
    const T beta_t = static_cast<T>(beta);
    using array = pair_array<T>;
    return mean_over_pairs(fn, batch, {.reference = true}, out_chosen, out_rejected, [&](const auto& p, auto& t) {
        // loss_k belongs to no single pair; any order sums the same
        t.loss = Eigen::Map<const array>(loss.data() + p.begin);
        t.d_chosen = Eigen::Map<const array>(d_chosen.data() + p.begin);
        t.d_rejected = Eigen::Map<const array>(d_rejected.data() + p.begin);
        t.reward_chosen = beta_t * (p.chosen - p.ref_chosen);
        t.reward_rejected = beta_t * (p.rejected - p.ref_rejected);
    });
}

}  // namespace prefrl::detail

namespace prefrl::preference {

/// **AOT, paired** — Melnyk et al. 2024, "Distributional Preference Alignment of LLMs via
/// Optimal Transport"; TRL `loss_type="aot"`. Aligns the distribution of the policy's
/// margins with the reference's by sorting over the batch:
///
///     L = sort(c - r), R = sort(c0 - r0), delta_k = L_k - R_k
///     loss = mean_k [ -(1 - eps) log_sigmoid(beta delta_k) - eps log_sigmoid(-beta delta_k) ]
///
/// Gradients go back through the sort permutation (ties: stable order).
struct aot {
    double beta = 0.1;
    double label_smoothing = 0.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        return prefrl::detail::aot_loss("prefrl::preference::aot", batch, beta, label_smoothing, true, d_chosen,
                                        d_rejected);
    }
};

/// **AOT, unpaired** — the same paper; TRL `loss_type="aot_pair"` (sic). Sorts the chosen
/// and rejected log-ratios separately: `delta_k = sort(a)_k - sort(b)_k`, same logistic form.
struct aot_unpaired {
    double beta = 0.1;
    double label_smoothing = 0.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        return prefrl::detail::aot_loss("prefrl::preference::aot_unpaired", batch, beta, label_smoothing, false, d_chosen,
                                        d_rejected);
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_AOT_HPP

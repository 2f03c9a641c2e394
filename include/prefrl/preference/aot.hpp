#ifndef PREFRL_PREFERENCE_AOT_HPP
#define PREFRL_PREFERENCE_AOT_HPP

/// \file
/// AOT: alignment via optimal transport, paired and unpaired (TRL loss_type "aot", "aot_pair").

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string_view>
#include <tuple>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::detail {

/// Indices that sort `key(i)` ascending (stable: ties keep their order).
template <class Key>
std::vector<std::size_t> sorting_permutation(std::size_t n, Key key) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return key(x) < key(y); });
    return order;
}

/// The AOT loss (checks included): `delta_k = first[order_first[k]] - second[order_second[k]]`,
/// loss_k the cDPO form on beta delta_k; gradients scattered back through the sorts.
/// `paired`: first = c - r (to chosen +, rejected -), second = c0 - r0 (constant);
/// unpaired: first = a (to chosen), second = b (to rejected, -).
template <class T>
pair_loss_result<T> aot_loss(std::string_view fn, const pair_batch<T>& batch, double beta, double eps, bool paired) {
    require_positive(fn, "beta", beta);
    require_in_half_open(fn, "label_smoothing", eps, 0.0, 0.5);
    validate_pairs(fn, batch, {.reference = true});
    require(batch.weight.empty(), fn, "weight is not supported: AOT matches pairs by sorting, not by index");
    const std::size_t n = batch.chosen.size();
    std::vector<double> first(n), second(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (paired) {
            first[i] = static_cast<double>(batch.chosen[i]) - static_cast<double>(batch.rejected[i]);
            second[i] = static_cast<double>(batch.ref_chosen[i]) - static_cast<double>(batch.ref_rejected[i]);
        } else {
            std::tie(first[i], second[i]) = pair_log_ratios(batch, i);
        }
    }
    const auto order_first = sorting_permutation(n, [&](std::size_t i) { return first[i]; });
    const auto order_second = sorting_permutation(n, [&](std::size_t i) { return second[i]; });
    std::vector<double> loss(n), d_chosen(n, 0.0), d_rejected(n, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        const double u = beta * (first[order_first[k]] - second[order_second[k]]);
        loss[k] = -(1 - eps) * log_sigmoid(u) - eps * log_sigmoid(-u);
        const double d_delta = beta * (-(1 - eps) * sigmoid(-u) + eps * sigmoid(u));
        if (paired) {  // first = c - r: d/dc = +, d/dr = -; second = c0 - r0 is constant
            d_chosen[order_first[k]] += d_delta;
            d_rejected[order_first[k]] -= d_delta;
        } else {  // first = a = c - c0, second = b = r - r0
            d_chosen[order_first[k]] += d_delta;
            d_rejected[order_second[k]] -= d_delta;
        }
    }
    return mean_over_pairs(batch, [&](std::size_t i) {
        const auto [a, b] = pair_log_ratios(batch, i);
        return pair_term{loss[i], d_chosen[i], d_rejected[i], beta * a, beta * b};  // loss: any order sums the same
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
        return prefrl::detail::aot_loss("prefrl::preference::aot", batch, beta, label_smoothing, true);
    }
};

/// **AOT, unpaired** — the same paper; TRL `loss_type="aot_pair"` (sic). Sorts the chosen
/// and rejected log-ratios separately: `delta_k = sort(a)_k - sort(b)_k`, same logistic form.
struct aot_unpaired {
    double beta = 0.1;
    double label_smoothing = 0.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::aot_loss("prefrl::preference::aot_unpaired", batch, beta, label_smoothing, false);
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_AOT_HPP

#ifndef PREFRL_PREFERENCE_PAIR_BATCH_HPP
#define PREFRL_PREFERENCE_PAIR_BATCH_HPP

/// \file
/// `pair_batch<T>`: the input of every pairwise preference loss, and `pair_loss_result<T>`,
/// what every loss returns (value, gradient, and TRL's logged metrics).

#include <concepts>
#include <cmath>
#include <span>
#include <string_view>
#include <utility>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::preference {

/// A batch of preference pairs as sequence log-probabilities, one entry per pair, in TRL's
/// vocabulary. `chosen`/`rejected` are log pi(y_w|x), log pi(y_l|x) of the policy being
/// trained (the losses differentiate with respect to them); `ref_*` of the frozen reference;
/// the optional fields are needed by some losses only (lengths by the length-normalized
/// ones, anchors by INPO / DNO / SPPO, win rates by SPPO, `target` by DNO).
template <std::floating_point T>
struct pair_batch {
    std::span<const T> chosen, rejected;                           ///< policy sequence log-probs
    std::span<const T> ref_chosen = {}, ref_rejected = {};         ///< reference model (absent: reference-free losses)
    std::span<const T> chosen_length = {}, rejected_length = {};   ///< token counts
    std::span<const T> anchor_chosen = {}, anchor_rejected = {};   ///< previous iterate pi_t
    std::span<const T> win_chosen = {}, win_rejected = {};         ///< estimated P(y > pi_t)
    std::span<const T> target = {};                                ///< soft label (DNO)
    std::span<const T> weight = {};  ///< per-pair weights (>= 0): value = mean_i weight_i loss_i, as TRL
};

/// What a pairwise loss returns: the mean loss over the pairs, its gradient with respect to
/// the policy's chosen and rejected log-probs, and the metrics TRL logs (means over pairs):
/// `rewards/chosen`, `rewards/rejected`, `rewards/accuracies`, `rewards/margins`,
/// `logps/chosen`, `logps/rejected`.
template <std::floating_point T>
struct pair_loss_result {
    T value{};
    vector<T> d_chosen, d_rejected;
    T rewards_chosen{}, rewards_rejected{}, rewards_accuracies{}, rewards_margins{};
    T logps_chosen{}, logps_rejected{};
};

/// Which optional fields of a `pair_batch` a loss reads (checked before it runs).
struct pair_fields {
    bool reference = true;
    bool lengths = false;
    bool anchors = false;    ///< anchor_chosen, anchor_rejected
    bool win_rates = false;  ///< win_chosen, win_rejected, in [0, 1]
    bool target = false;     ///< target, in [0, 1]
};

}  // namespace prefrl::preference

namespace prefrl::detail {

using preference::pair_batch;
using preference::pair_fields;
using preference::pair_loss_result;


template <class T>
void require_pair_field(std::string_view loss, std::string_view name, std::span<const T> field, std::size_t pairs,
                   bool positive) {
    if (field.empty()) fail(loss, name, " is required by this loss but was not given");
    require_same_size(loss, name, field.size(), "chosen", pairs);
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (!std::isfinite(field[i])) fail(loss, name, "[", i, "] must be finite, got ", field[i]);
        if (positive && !(field[i] > T(0))) fail(loss, name, "[", i, "] must be > 0, got ", field[i]);
    }
}

/// Checks a batch for a loss: non-empty, sizes agree, every field the loss reads is given
/// and finite, lengths > 0. Messages name the loss, the field and the offending value.
template <class T>
void validate_pairs(std::string_view loss, const pair_batch<T>& b, pair_fields fields) {
    require_non_empty(loss, "chosen", b.chosen.size());
    const std::size_t n = b.chosen.size();
    require_pair_field(loss, "chosen", b.chosen, n, false);
    require_pair_field(loss, "rejected", b.rejected, n, false);
    if (fields.reference) {
        require_pair_field(loss, "ref_chosen", b.ref_chosen, n, false);
        require_pair_field(loss, "ref_rejected", b.ref_rejected, n, false);
    }
    if (fields.lengths) {
        require_pair_field(loss, "chosen_length", b.chosen_length, n, true);
        require_pair_field(loss, "rejected_length", b.rejected_length, n, true);
    }
    if (fields.anchors) {
        require_pair_field(loss, "anchor_chosen", b.anchor_chosen, n, false);
        require_pair_field(loss, "anchor_rejected", b.anchor_rejected, n, false);
    }
    auto require_probabilities = [&](std::string_view name, std::span<const T> field) {
        require_pair_field(loss, name, field, n, false);
        for (std::size_t i = 0; i < n; ++i)
            if (!(field[i] >= T(0) && field[i] <= T(1)))
                fail(loss, name, "[", i, "] must be a probability in [0, 1], got ", field[i]);
    };
    if (fields.win_rates) {
        require_probabilities("win_chosen", b.win_chosen);
        require_probabilities("win_rejected", b.win_rejected);
    }
    if (fields.target) require_probabilities("target", b.target);
    if (!b.weight.empty()) {
        require_pair_field(loss, "weight", b.weight, n, false);
        for (std::size_t i = 0; i < n; ++i)
            if (!(b.weight[i] >= T(0))) fail(loss, "weight[", i, "] must be >= 0, got ", b.weight[i]);
    }
}

/// Per-pair loss and its derivatives with respect to the policy's chosen and rejected
/// log-probs, and the pair's implicit rewards (for the metrics), all in double.
struct pair_term {
    double loss, d_chosen, d_rejected, reward_chosen, reward_rejected;
};

/// Averages `term(i)` over the pairs, each scaled by its weight if the batch has weights:
/// the value (summed in double, in pair order), the gradients of the mean, and TRL's
/// metrics (unweighted, as TRL logs them).
template <class T, class Term>
pair_loss_result<T> mean_over_pairs(const pair_batch<T>& b, Term&& term) {
    const std::size_t n = b.chosen.size();
    const double inv_n = 1.0 / static_cast<double>(n);
    pair_loss_result<T> out;
    out.d_chosen.resize(static_cast<Eigen::Index>(n));
    out.d_rejected.resize(static_cast<Eigen::Index>(n));
    double value = 0, rc = 0, rr = 0, acc = 0, lc = 0, lr = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const pair_term t = term(i);
        const double w = b.weight.empty() ? 1.0 : static_cast<double>(b.weight[i]);
        value += w * t.loss;
        out.d_chosen[static_cast<Eigen::Index>(i)] = static_cast<T>(w * t.d_chosen * inv_n);
        out.d_rejected[static_cast<Eigen::Index>(i)] = static_cast<T>(w * t.d_rejected * inv_n);
        rc += t.reward_chosen;
        rr += t.reward_rejected;
        acc += t.reward_chosen > t.reward_rejected ? 1.0 : 0.0;
        lc += static_cast<double>(b.chosen[i]);
        lr += static_cast<double>(b.rejected[i]);
    }
    out.value = static_cast<T>(value * inv_n);
    out.rewards_chosen = static_cast<T>(rc * inv_n);
    out.rewards_rejected = static_cast<T>(rr * inv_n);
    out.rewards_accuracies = static_cast<T>(acc * inv_n);
    out.rewards_margins = static_cast<T>((rc - rr) * inv_n);
    out.logps_chosen = static_cast<T>(lc * inv_n);
    out.logps_rejected = static_cast<T>(lr * inv_n);
    return out;
}

/// The log-ratios a = c - c0, b = r - r0 of pair i (in double).
template <class T>
std::pair<double, double> pair_log_ratios(const pair_batch<T>& b, std::size_t i) {
    return {static_cast<double>(b.chosen[i]) - static_cast<double>(b.ref_chosen[i]),
            static_cast<double>(b.rejected[i]) - static_cast<double>(b.ref_rejected[i])};
}

/// Averages a loss that depends on the pair only through the margin u = beta (a - b):
/// `f(u)` returns {loss, d loss / d u}; then d/dc = beta f'(u), d/dr = -beta f'(u), and the
/// rewards are beta a, beta b (TRL's). Most of the DPO family is this shape.
template <class T, class F>
pair_loss_result<T> mean_over_margins(const pair_batch<T>& batch, double beta, F&& f) {
    return mean_over_pairs(batch, [&](std::size_t i) {
        const auto [a, b] = pair_log_ratios(batch, i);
        const auto [loss, d_u] = f(beta * (a - b));
        return pair_term{loss, beta * d_u, -beta * d_u, beta * a, beta * b};
    });
}

}  // namespace prefrl::detail

#endif  // PREFRL_PREFERENCE_PAIR_BATCH_HPP

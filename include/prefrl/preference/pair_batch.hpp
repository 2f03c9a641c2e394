#ifndef PREFRL_PREFERENCE_PAIR_BATCH_HPP
#define PREFRL_PREFERENCE_PAIR_BATCH_HPP

/// \file
/// `pair_batch<T>`: the input of every pairwise preference loss, and `pair_loss_result<T>`,
/// what every loss returns (value, gradient, and TRL's logged metrics).

#include <algorithm>
#include <concepts>
#include <cmath>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/parallel.hpp"

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

/// The metrics a pairwise loss returns beside its gradient: the mean loss over the pairs and
/// the means TRL logs, `rewards/chosen`, `rewards/rejected`, `rewards/accuracies`,
/// `rewards/margins`, `logps/chosen`, `logps/rejected`. The overloads that write the gradient
/// into the caller's buffers return this alone.
template <std::floating_point T>
struct pair_loss_metrics {
    T value{};
    T rewards_chosen{}, rewards_rejected{}, rewards_accuracies{}, rewards_margins{};
    T logps_chosen{}, logps_rejected{};
};

/// What a pairwise loss returns when called on a batch alone: the metrics (`value` first)
/// and the gradient of the mean loss with respect to the policy's chosen and rejected
/// log-probs.
template <std::floating_point T>
struct pair_loss_result : pair_loss_metrics<T> {
    vector<T> d_chosen, d_rejected;
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
using preference::pair_loss_metrics;
using preference::pair_loss_result;

/// Checks what can be checked without reading the values: non-empty, every field the loss
/// reads is present, sizes agree.
template <class T>
void validate_pair_shapes(std::string_view loss, const pair_batch<T>& b, pair_fields fields) {
    require_non_empty(loss, "chosen", b.chosen.size());
    const std::size_t n = b.chosen.size();
    auto present = [&](std::string_view name, std::span<const T> field) {
        if (field.empty()) fail(loss, name, " is required by this loss but was not given");
        require_same_size(loss, name, field.size(), "chosen", n);
    };
    present("rejected", b.rejected);
    if (fields.reference) {
        present("ref_chosen", b.ref_chosen);
        present("ref_rejected", b.ref_rejected);
    }
    if (fields.lengths) {
        present("chosen_length", b.chosen_length);
        present("rejected_length", b.rejected_length);
    }
    if (fields.anchors) {
        present("anchor_chosen", b.anchor_chosen);
        present("anchor_rejected", b.anchor_rejected);
    }
    if (fields.win_rates) {
        present("win_chosen", b.win_chosen);
        present("win_rejected", b.win_rejected);
    }
    if (fields.target) present("target", b.target);
    if (!b.weight.empty()) present("weight", b.weight);
}

/// Checks a batch for a loss: non-empty, sizes agree, every field the loss reads is given
/// and finite, lengths > 0, probabilities in [0, 1], weights >= 0. Messages name the loss,
/// the field, the index and the offending value.
template <class T>
void validate_pairs(std::string_view loss, const pair_batch<T>& b, pair_fields fields) {
    validate_pair_shapes(loss, b, fields);
    enum class rule { finite, positive, probability, non_negative };
    auto check = [&](std::string_view name, std::span<const T> field, rule r) {
        for (std::size_t i = 0; i < field.size(); ++i) {
            const T x = field[i];
            if (!std::isfinite(x)) fail(loss, name, "[", i, "] must be finite, got ", x);
            if (r == rule::positive && !(x > T(0))) fail(loss, name, "[", i, "] must be > 0, got ", x);
            if (r == rule::probability && !(x >= T(0) && x <= T(1)))
                fail(loss, name, "[", i, "] must be a probability in [0, 1], got ", x);
            if (r == rule::non_negative && !(x >= T(0))) fail(loss, name, "[", i, "] must be >= 0, got ", x);
        }
    };
    check("chosen", b.chosen, rule::finite);
    check("rejected", b.rejected, rule::finite);
    if (fields.reference) {
        check("ref_chosen", b.ref_chosen, rule::finite);
        check("ref_rejected", b.ref_rejected, rule::finite);
    }
    if (fields.lengths) {
        check("chosen_length", b.chosen_length, rule::positive);
        check("rejected_length", b.rejected_length, rule::positive);
    }
    if (fields.anchors) {
        check("anchor_chosen", b.anchor_chosen, rule::finite);
        check("anchor_rejected", b.anchor_rejected, rule::finite);
    }
    if (fields.win_rates) {
        check("win_chosen", b.win_chosen, rule::probability);
        check("win_rejected", b.win_rejected, rule::probability);
    }
    if (fields.target) check("target", b.target, rule::probability);
    check("weight", b.weight, rule::non_negative);
}

/// Pairs are processed in blocks of this many, loaded into arrays that stay in L1.
inline constexpr Eigen::Index pair_block_size = 256;

/// A block's worth of values (at most `pair_block_size`, on the stack). Losses compute in
/// the batch's type T: float batches run 16 lanes wide on AVX-512, double batches 8.
template <class T>
using pair_array = Eigen::Array<T, Eigen::Dynamic, 1, Eigen::ColMajor, pair_block_size, 1>;

/// One block of pairs, `[begin, begin + size)`. Only the fields the loss declared in its
/// `pair_fields` (and the weights, if given) are loaded; the others stay empty.
template <class T>
struct pair_block {
    Eigen::Index begin = 0, size = 0;
    pair_array<T> chosen, rejected, ref_chosen, ref_rejected, chosen_length, rejected_length;
    pair_array<T> anchor_chosen, anchor_rejected, win_chosen, win_rejected, target, weight;
};

/// What a loss computes on a block, per pair: the loss, its derivatives with respect to the
/// policy's chosen and rejected log-probs, and the implicit rewards (for the metrics).
template <class T>
struct pair_block_terms {
    pair_array<T> loss, d_chosen, d_rejected, reward_chosen, reward_rejected;
};

/// Loads a block and checks its values with a few vector reductions: `false` if any value is
/// NaN or infinite, a length is <= 0, a probability is outside [0, 1] or a weight is < 0
/// (the caller then runs `validate_pairs` for the message naming the field and the value).
template <class T>
bool load_pair_block(pair_block<T>& p, const pair_batch<T>& b, pair_fields fields, Eigen::Index begin,
                     Eigen::Index size) {
    p.begin = begin;
    p.size = size;
    // x * 0 is 0 for finite x and NaN for NaN or +-inf: one sum flags every non-finite value
    T poison = 0;
    auto load = [&](pair_array<T>& out, std::span<const T> field) {
        out = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(field.data() + begin, size);
        poison += (out * T(0)).sum();
    };
    bool ok = true;
    auto load_probability = [&](pair_array<T>& out, std::span<const T> field) {
        load(out, field);
        ok = ok && out.minCoeff() >= T(0) && out.maxCoeff() <= T(1);
    };
    load(p.chosen, b.chosen);
    load(p.rejected, b.rejected);
    if (fields.reference) {
        load(p.ref_chosen, b.ref_chosen);
        load(p.ref_rejected, b.ref_rejected);
    }
    if (fields.lengths) {
        load(p.chosen_length, b.chosen_length);
        load(p.rejected_length, b.rejected_length);
        ok = ok && p.chosen_length.minCoeff() > T(0) && p.rejected_length.minCoeff() > T(0);
    }
    if (fields.anchors) {
        load(p.anchor_chosen, b.anchor_chosen);
        load(p.anchor_rejected, b.anchor_rejected);
    }
    if (fields.win_rates) {
        load_probability(p.win_chosen, b.win_chosen);
        load_probability(p.win_rejected, b.win_rejected);
    }
    if (fields.target) load_probability(p.target, b.target);
    if (!b.weight.empty()) {
        load(p.weight, b.weight);
        ok = ok && p.weight.minCoeff() >= T(0);
    }
    return ok && poison == T(0);
}

/// Pairs per parallel task: each task sums its blocks in order into one partial, and the
/// partials are summed in task order, so any thread count gives the same bits.
inline constexpr Eigen::Index pair_task_size = 16 * pair_block_size;

/// Runs a loss over a batch: checks it (sizes up front, values block by block), calls
/// `term(block, terms)` on each block of pairs, writes the gradient of the weighted mean,
/// `d_chosen[i] = weight_i (d loss_i / d chosen_i) / n` (and d_rejected), into the caller's
/// spans, and returns the value and TRL's metrics (unweighted, as TRL logs them). A block is
/// summed in T, blocks in double. Large batches run in parallel under OpenMP. If the batch
/// holds a bad value, `validate_pairs` throws after the loop (the outputs then hold garbage).
template <class T, class Term>
pair_loss_metrics<T> mean_over_pairs(std::string_view loss, const pair_batch<T>& b, pair_fields fields,
                                     std::span<T> d_chosen, std::span<T> d_rejected, Term&& term) {
    validate_pair_shapes(loss, b, fields);
    const auto n = static_cast<Eigen::Index>(b.chosen.size());
    require_same_size(loss, "d_chosen", d_chosen.size(), "chosen", b.chosen.size());
    require_same_size(loss, "d_rejected", d_rejected.size(), "chosen", b.chosen.size());
    const double inv_n_double = 1.0 / static_cast<double>(n);
    const T inv_n = static_cast<T>(inv_n_double);
    const Eigen::Index tasks = (n + pair_task_size - 1) / pair_task_size;
    // per task: value, rewards chosen, rewards rejected, accuracies, logps chosen, logps rejected, bad block
    constexpr int sums = 7;
    std::vector<double> partial(static_cast<std::size_t>(tasks * sums), 0.0);
    PREFRL_PARALLEL_FOR_IF(n >= parallel_min_elements)
    for (Eigen::Index task = 0; task < tasks; ++task) {
        pair_block<T> p;
        pair_block_terms<T> t;
        double* s = partial.data() + task * sums;
        const Eigen::Index task_end = std::min(n, (task + 1) * pair_task_size);
        for (Eigen::Index begin = task * pair_task_size; begin < task_end; begin += pair_block_size) {
            const Eigen::Index size = std::min(pair_block_size, task_end - begin);
            if (!load_pair_block(p, b, fields, begin, size)) {
                s[6] = 1.0;
                continue;
            }
            term(static_cast<const pair_block<T>&>(p), t);
            Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> out_chosen(d_chosen.data() + begin, size);
            Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> out_rejected(d_rejected.data() + begin, size);
            if (b.weight.empty()) {
                s[0] += static_cast<double>(t.loss.sum());
                out_chosen = t.d_chosen * inv_n;
                out_rejected = t.d_rejected * inv_n;
            } else {
                s[0] += static_cast<double>((p.weight * t.loss).sum());
                out_chosen = p.weight * t.d_chosen * inv_n;
                out_rejected = p.weight * t.d_rejected * inv_n;
            }
            s[1] += static_cast<double>(t.reward_chosen.sum());
            s[2] += static_cast<double>(t.reward_rejected.sum());
            s[3] += static_cast<double>((t.reward_chosen > t.reward_rejected).count());
            s[4] += static_cast<double>(p.chosen.sum());
            s[5] += static_cast<double>(p.rejected.sum());
        }
    }
    double total[sums] = {};
    for (Eigen::Index task = 0; task < tasks; ++task)
        for (int k = 0; k < sums; ++k) total[k] += partial[static_cast<std::size_t>(task * sums + k)];
    if (total[6] != 0.0) {
        validate_pairs(loss, b, fields);                            // throws, naming the field and the value
        fail(loss, "the batch holds a value its checks refused");  // not reached
    }
    pair_loss_metrics<T> out;
    out.value = static_cast<T>(total[0] * inv_n_double);
    out.rewards_chosen = static_cast<T>(total[1] * inv_n_double);
    out.rewards_rejected = static_cast<T>(total[2] * inv_n_double);
    out.rewards_accuracies = static_cast<T>(total[3] * inv_n_double);
    out.rewards_margins = static_cast<T>((total[1] - total[2]) * inv_n_double);
    out.logps_chosen = static_cast<T>(total[4] * inv_n_double);
    out.logps_rejected = static_cast<T>(total[5] * inv_n_double);
    return out;
}

/// A loss whose pair enters only through the margin u = beta (a - b), a = c - c0, b = r - r0:
/// `f(u, loss, d_u)` fills the loss and d loss / d u per pair; then d/dc = beta f'(u),
/// d/dr = -beta f'(u), and the rewards are beta a, beta b (TRL's). Most of the DPO family.
template <class T, class F>
pair_loss_metrics<T> mean_over_margins(std::string_view loss, const pair_batch<T>& batch, double beta,
                                       std::span<T> d_chosen, std::span<T> d_rejected, F&& f) {
    const T beta_t = static_cast<T>(beta);
    return mean_over_pairs(loss, batch, {.reference = true}, d_chosen, d_rejected,
                           [&](const pair_block<T>& p, pair_block_terms<T>& t) {
                               t.reward_chosen = beta_t * (p.chosen - p.ref_chosen);
                               t.reward_rejected = beta_t * (p.rejected - p.ref_rejected);
                               const pair_array<T> u = t.reward_chosen - t.reward_rejected;
                               f(u, t.loss, t.d_chosen);
                               t.d_chosen *= beta_t;
                               t.d_rejected = -t.d_chosen;
                           });
}

/// The allocating form every loss offers: calls `loss(batch, d_chosen, d_rejected)` with
/// fresh gradient vectors and returns them with the metrics.
template <class Loss, class T>
pair_loss_result<T> with_new_gradients(const Loss& loss, const pair_batch<T>& batch) {
    pair_loss_result<T> out;
    out.d_chosen.resize(static_cast<Eigen::Index>(batch.chosen.size()));
    out.d_rejected.resize(static_cast<Eigen::Index>(batch.chosen.size()));
    static_cast<pair_loss_metrics<T>&>(out) = loss(batch, std::span<T>(out.d_chosen.data(), batch.chosen.size()),
                                                   std::span<T>(out.d_rejected.data(), batch.chosen.size()));
    return out;
}

}  // namespace prefrl::detail

#endif  // PREFRL_PREFERENCE_PAIR_BATCH_HPP

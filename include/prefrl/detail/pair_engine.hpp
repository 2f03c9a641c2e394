#ifndef PREFRL_DETAIL_PAIR_ENGINE_HPP
#define PREFRL_DETAIL_PAIR_ENGINE_HPP

/// \file
/// Internal: the block engine of the pairwise losses. A loss supplies a per-block term; the
/// engine loads SIMD blocks of pairs with their checks, runs the term, and reduces the value,
/// the gradient and TRL's metrics in a fixed order (1 and 2 threads give the same bits).
/// Included by `prefrl/preference/pair_batch.hpp`.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/detail/attributes.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::detail {

using preference::pair_batch;
using preference::pair_fields;
using preference::pair_loss_metrics;
using preference::pair_loss_result;

/// The reference log-probs of a whole step (`from_logits`, `from_hidden`): `pairs` finite
/// entries each, or both empty for a reference-free loss (which the loss itself then checks).
template <class T>
void check_step_reference(std::string_view fn, std::span<const T> ref_chosen, std::span<const T> ref_rejected,
                          std::size_t pairs) {
    if (ref_chosen.empty() && ref_rejected.empty()) return;
    require_same_size(fn, "ref_chosen", ref_chosen.size(), "pairs", pairs);
    require_same_size(fn, "ref_rejected", ref_rejected.size(), "pairs", pairs);
    for (std::size_t i = 0; i < pairs; ++i) {
        if (!std::isfinite(ref_chosen[i])) fail(fn, "ref_chosen[", i, "] must be finite, got ", ref_chosen[i]);
        if (!std::isfinite(ref_rejected[i])) fail(fn, "ref_rejected[", i, "] must be finite, got ", ref_rejected[i]);
    }
}

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

/// Pairs are processed in blocks of one 64-byte vector register (16 floats or 8 doubles):
/// a loss's whole per-pair computation runs on fixed-size Eigen arrays that the compiler
/// keeps in registers, one fused pass with no intermediate arrays in memory.
template <class T>
inline constexpr Eigen::Index pair_block_size = register_block_size<T>;

/// One block's worth of values, the type every loss computes with.
template <class T>
using pair_array = Eigen::Array<T, pair_block_size<T>, 1>;

/// One block of pairs starting at `begin`. Only the fields the loss declared in its
/// `pair_fields` (and the weights, if given) are loaded. The last block of a batch is padded
/// with harmless values (log-probs -1, lengths 1, probabilities 0.5) whose results are dropped.
template <class T>
struct pair_block {
    Eigen::Index begin = 0;
    pair_array<T> chosen, rejected, ref_chosen, ref_rejected, chosen_length, rejected_length;
    pair_array<T> anchor_chosen, anchor_rejected, win_chosen, win_rejected, target, weight;
};

/// What a loss computes on a block, per pair: the loss, its derivatives with respect to the
/// policy's chosen and rejected log-probs, and the implicit rewards (for the metrics).
template <class T>
struct pair_block_terms {
    pair_array<T> loss, d_chosen, d_rejected, reward_chosen, reward_rejected;
};

/// The implicit rewards of DPO and its family, as TRL logs them: beta (c - c0) for the
/// chosen and beta (r - r0) for the rejected completions of each pair in the block.
template <class T>
void set_implicit_rewards(pair_block_terms<T>& t, const pair_block<T>& p, T beta) {
    t.reward_chosen = beta * (p.chosen - p.ref_chosen);
    t.reward_rejected = beta * (p.rejected - p.ref_rejected);
}

/// Running checks of the loaded values, kept per lane and reduced once per task: `x * 0` is 0
/// for finite x and NaN for NaN or +-inf, so one sum flags every non-finite value.
template <class T>
struct pair_checks {
    pair_array<T> poison = pair_array<T>::Zero();
    pair_array<T> min_length = pair_array<T>::Ones(), min_probability = pair_array<T>::Constant(T(0.5));
    pair_array<T> max_probability = pair_array<T>::Constant(T(0.5)), min_weight = pair_array<T>::Zero();

    /// `false` if a value was NaN or infinite, a length <= 0, a probability outside [0, 1],
    /// or a weight < 0.
    bool passed() const {
        return poison.sum() == T(0) && min_length.minCoeff() > T(0) && min_probability.minCoeff() >= T(0) &&
               max_probability.maxCoeff() <= T(1) && min_weight.minCoeff() >= T(0);
    }
};

/// Loads the block of `rows` pairs at `begin` (`rows` < the block size only for the last
/// block, which is padded) and folds its values into the checks.
template <class T>
PREFRL_ALWAYS_INLINE inline void load_pair_block(pair_block<T>& p, pair_checks<T>& checks, const pair_batch<T>& b, pair_fields fields,
                     Eigen::Index begin, Eigen::Index rows) {
    constexpr Eigen::Index W = pair_block_size<T>;
    p.begin = begin;
    auto load = [&](pair_array<T>& out, std::span<const T> field, T pad) PREFRL_ALWAYS_INLINE {
        if (rows == W) {
            out = Eigen::Map<const pair_array<T>>(field.data() + begin);
        } else {
            out.setConstant(pad);
            out.head(rows) = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(field.data() + begin, rows);
        }
        checks.poison += out * T(0);
    };
    auto load_probability = [&](pair_array<T>& out, std::span<const T> field) PREFRL_ALWAYS_INLINE {
        load(out, field, T(0.5));
        checks.min_probability = checks.min_probability.min(out);
        checks.max_probability = checks.max_probability.max(out);
    };
    load(p.chosen, b.chosen, T(-1));
    load(p.rejected, b.rejected, T(-1));
    if (fields.reference) {
        load(p.ref_chosen, b.ref_chosen, T(-1));
        load(p.ref_rejected, b.ref_rejected, T(-1));
    }
    if (fields.lengths) {
        load(p.chosen_length, b.chosen_length, T(1));
        load(p.rejected_length, b.rejected_length, T(1));
        checks.min_length = checks.min_length.min(p.chosen_length).min(p.rejected_length);
    }
    if (fields.anchors) {
        load(p.anchor_chosen, b.anchor_chosen, T(-1));
        load(p.anchor_rejected, b.anchor_rejected, T(-1));
    }
    if (fields.win_rates) {
        load_probability(p.win_chosen, b.win_chosen);
        load_probability(p.win_rejected, b.win_rejected);
    }
    if (fields.target) load_probability(p.target, b.target);
    if (!b.weight.empty()) {
        load(p.weight, b.weight, T(1));
        checks.min_weight = checks.min_weight.min(p.weight);
    }
}

/// Pairs per parallel task: each task sums its blocks in a fixed order, and the task partials
/// are summed in task order, so any thread count gives the same bits.
inline constexpr Eigen::Index pair_task_size = 4096;

/// Pairs summed lane by lane in T before the partial sums move to double (16 per lane for
/// float: the rounding of those sums stays near float's own).
inline constexpr Eigen::Index pair_sum_group = 256;

/// Runs a loss over a batch: checks it (sizes up front, values as they are loaded), calls
/// `term(block, terms)` on each block of pairs, writes the gradient of the weighted mean,
/// `d_chosen[i] = weight_i (d loss_i / d chosen_i) / n` (and d_rejected), into the caller's
/// spans, and returns the value and TRL's metrics (unweighted, as TRL logs them), summed in
/// double. Large batches run in parallel under OpenMP. If the batch holds a bad value,
/// `validate_pairs` throws after the loop, naming it (the outputs then hold garbage).
template <class T, class Term>
pair_loss_metrics<T> mean_over_pairs(std::string_view loss, const pair_batch<T>& b, pair_fields fields,
                                     std::span<T> d_chosen, std::span<T> d_rejected, Term&& term) {
    constexpr Eigen::Index W = pair_block_size<T>;
    validate_pair_shapes(loss, b, fields);
    const auto n = static_cast<Eigen::Index>(b.chosen.size());
    require_same_size(loss, "d_chosen", d_chosen.size(), "chosen", b.chosen.size());
    require_same_size(loss, "d_rejected", d_rejected.size(), "chosen", b.chosen.size());
    const double inv_n_double = 1.0 / static_cast<double>(n);
    const T inv_n = static_cast<T>(inv_n_double);
    const bool weighted = !b.weight.empty();
    const Eigen::Index tasks = (n + pair_task_size - 1) / pair_task_size;
    // per task: value, rewards chosen, rewards rejected, accuracies, logps chosen, logps rejected, checks failed
    constexpr int sums = 7;
    std::vector<double> partial(static_cast<std::size_t>(tasks * sums), 0.0);
    PREFRL_PARALLEL_FOR_IF(n >= parallel_min_elements)
    for (Eigen::Index task = 0; task < tasks; ++task) {
        pair_block<T> p;
        pair_block_terms<T> t;
        pair_checks<T> checks;
        double* s = partial.data() + task * sums;
        const Eigen::Index task_end = std::min(n, (task + 1) * pair_task_size);
        // sums run lane by lane in T over a group of blocks, then go to double
        for (Eigen::Index group = task * pair_task_size; group < task_end; group += pair_sum_group) {
            pair_array<T> value = pair_array<T>::Zero(), reward_c = pair_array<T>::Zero();
            pair_array<T> reward_r = pair_array<T>::Zero(), accurate = pair_array<T>::Zero();
            pair_array<T> logp_c = pair_array<T>::Zero(), logp_r = pair_array<T>::Zero();
            const Eigen::Index group_end = std::min(task_end, group + pair_sum_group);
            for (Eigen::Index begin = group; begin < group_end; begin += W) {
                const Eigen::Index rows = std::min(W, group_end - begin);
                load_pair_block(p, checks, b, fields, begin, rows);
                term(static_cast<const pair_block<T>&>(p), t);
                if (weighted) {
                    t.loss *= p.weight;
                    t.d_chosen *= p.weight;
                    t.d_rejected *= p.weight;
                }
                pair_array<T> keep = pair_array<T>::Ones();  // 0 on the padding of the last block
                if (rows == W) {
                    Eigen::Map<pair_array<T>>(d_chosen.data() + begin) = t.d_chosen * inv_n;
                    Eigen::Map<pair_array<T>>(d_rejected.data() + begin) = t.d_rejected * inv_n;
                } else {
                    keep.tail(W - rows).setZero();
                    using dynamic = Eigen::Array<T, Eigen::Dynamic, 1>;
                    Eigen::Map<dynamic>(d_chosen.data() + begin, rows) = (t.d_chosen * inv_n).head(rows);
                    Eigen::Map<dynamic>(d_rejected.data() + begin, rows) = (t.d_rejected * inv_n).head(rows);
                }
                value += keep * t.loss;
                reward_c += keep * t.reward_chosen;
                reward_r += keep * t.reward_rejected;
                accurate += keep * step_array(pair_array<T>(t.reward_chosen - t.reward_rejected));
                logp_c += keep * p.chosen;
                logp_r += keep * p.rejected;
            }
            s[0] += static_cast<double>(value.sum());
            s[1] += static_cast<double>(reward_c.sum());
            s[2] += static_cast<double>(reward_r.sum());
            s[3] += static_cast<double>(accurate.sum());
            s[4] += static_cast<double>(logp_c.sum());
            s[5] += static_cast<double>(logp_r.sum());
        }
        s[6] = checks.passed() ? 0.0 : 1.0;
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
    const T beta_t = hyperparameter_in<T>(loss, "beta", beta);
    return mean_over_pairs(loss, batch, {.reference = true}, d_chosen, d_rejected,
                           [&](const pair_block<T>& p, pair_block_terms<T>& t) {
                               set_implicit_rewards(t, p, beta_t);
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

#endif  // PREFRL_DETAIL_PAIR_ENGINE_HPP

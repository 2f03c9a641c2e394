#ifndef PREFRL_GRPO_POLICY_LOSS_HPP
#define PREFRL_GRPO_POLICY_LOSS_HPP

/// \file
/// The token-level policy losses of RL for language models — GRPO and its family (Dr. GRPO,
/// BNPO, DAPO, CISPO, SAPO; GSPO's sequence-level importance sampling) — with the gradient
/// with respect to the per-token log-probs and TRL's logged metrics.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/detail/attributes.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/grpo/token_batch.hpp"

namespace prefrl::grpo {

/// The loss and its normalizer (TRL `GRPOConfig.loss_type`).
enum class loss_type {
    grpo,     ///< clipped surrogate; each completion's token mean, then the mean over completions
    bnpo,     ///< clipped surrogate; the mean over every active token of the batch
    dr_grpo,  ///< clipped surrogate; the token sum over B * max_completion_length (a constant)
    dapo,     ///< clipped surrogate; the token sum over the global batch's active tokens
    cispo,    ///< clipped importance weight, detached, times A log pi; DAPO's normalizer
    sapo      ///< a soft sigmoid gate in place of the clip; GRPO's normalizer
};

/// Where the importance ratio is taken (TRL `importance_sampling_level`).
enum class importance_sampling {
    token,    ///< w_t = pi(y_t) / pi_old(y_t), per token (PPO, GRPO)
    sequence  ///< w = exp(mean_t log(pi / pi_old)), one per completion (GSPO)
};

/// What a policy loss returns beside its gradient: the value and the metrics TRL logs.
template <std::floating_point T>
struct policy_loss_metrics {
    T value{};              ///< the loss (one micro-batch's; see `policy_loss` on accumulation)
    T kl{};                 ///< masked token mean of k3 = exp(ref - lp) - (ref - lp) - 1; 0 when beta = 0
    T clip_ratio_low{};     ///< fraction with w < 1 - epsilon and A < 0 (TRL clip_ratio/low_mean)
    T clip_ratio_high{};    ///< fraction with w > 1 + epsilon_high and A > 0 (clip_ratio/high_mean)
    T clip_ratio_region{};  ///< either of the two (clip_ratio/region_mean)
    T cispo_clip_ratio{};   ///< fraction with w > epsilon_high and A > 0 (TRL cispo_clip_ratio; cispo only)
    T dual_clip_ratio{};    ///< fraction where the dual-clip bound -A * dual_clip was taken (verl pg_clipfrac_lower)
    double active_tokens{};  ///< sum of the mask
};

/// The metrics and `d_logps` (B*T, d value / d logps, 0 on padding).
template <std::floating_point T>
struct policy_loss_result : policy_loss_metrics<T> {
    vector<T> d_logps;
};

/// **The GRPO family of token-level policy losses**, as TRL's `GRPOTrainer._compute_loss`
/// computes them (and verl's `compute_policy_loss_vanilla` for the dual clip).
///
/// Per token, with log_w = lp - old (token level) or the completion's masked mean of it
/// (sequence level, GSPO: Zheng et al. 2025, "Group Sequence Policy Optimization"), w = exp(log_w):
///
///     grpo, bnpo, dr_grpo, dapo:  l = -min(w' A, clip(w, 1 - epsilon, 1 + epsilon_high) A)
///                                 w' = min(w, delta) when delta > 0 (two-sided clipping), else w
///                                 dual_clip c > 1 (verl): for A < 0, l = min(l, -c A)
///     cispo:                      l = -sg(min(w, epsilon_high)) A lp    (epsilon_high is a cap, e.g. 5)
///     sapo:                       l = -(4 / tau) sigmoid(tau (w - 1)) A, tau = temperature_pos if A > 0
///     beta > 0:                   l += beta k3, k3 = exp(ref - lp) - (ref - lp) - 1
///
/// and the value is the masked sum of l over a normalizer that is part of the loss:
/// grpo, sapo: mean over completions of (token sum / |o_i|), |o_i| = max(1, active tokens of i)
/// (Shao et al. 2024, "DeepSeekMath"); bnpo: / max(1, active tokens of the batch); dr_grpo:
/// / (B * max_completion_length) (Liu et al. 2025, "Understanding R1-Zero-Like Training");
/// dapo, cispo: / N, the active tokens of the whole global batch (Yu et al. 2025, "DAPO";
/// MiniMax 2025, "MiniMax-M1"), this batch's unless `num_items_in_batch` is set. SAPO: Gao et
/// al. 2025, "Soft Adaptive Policy Optimization".
///
/// One call is one micro-batch. TRL divides grpo, bnpo and dr_grpo by the gradient-accumulation
/// steps as well: with k micro-batches per optimizer step, scale the value and d_logps by 1 / k
/// (dapo and cispo instead take the count over all k in `num_items_in_batch`).
///
/// The minimum's gradient goes through the unclipped branch at an exact tie (torch.min would
/// split it; ties are the clip edges, a set of measure zero). No clamping of log-ratios or of
/// k3 as verl's `low_var_kl` does: every value is exact in double for log-ratios of +-30 and
/// log-probs near -50. In float, exp overflows past a log-ratio (or ref - lp) of 88.7: the
/// value and gradient are then +-inf, as they are in PyTorch float32.
///
///     auto r = prefrl::grpo::policy_loss{.loss = prefrl::grpo::loss_type::dapo}(batch);
///     // r.value, r.d_logps, r.kl, r.clip_ratio_low, r.clip_ratio_high, r.clip_ratio_region
struct policy_loss {
    loss_type loss = loss_type::dapo;
    double epsilon = 0.2;       ///< lower clip width, in (0, 1) (TRL epsilon / verl clip_ratio_low)
    double epsilon_high = 0.2;  ///< upper clip width (> 0); for cispo the cap of w itself (TRL uses 5.0 there)
    double delta = 0.0;         ///< two-sided clipping's cap of w, > 1 + epsilon_high; 0: off
    double dual_clip = 0.0;     ///< verl clip_ratio_c, > 1 (3.0 there); 0: off
    double beta = 0.0;          ///< weight of the k3 KL to the reference, >= 0
    importance_sampling level = importance_sampling::token;
    index_t max_completion_length = 0;  ///< dr_grpo's constant; 0: the batch's steps
    double sapo_temperature_pos = 1.0, sapo_temperature_neg = 1.05;
    double num_items_in_batch = 0.0;  ///< dapo / cispo normalizer N; 0: this batch's active tokens

    /// The value, metrics and a new `d_logps`.
    template <std::floating_point T>
    policy_loss_result<T> operator()(const token_batch<T>& batch) const {
        policy_loss_result<T> out;
        out.d_logps.resize(static_cast<Eigen::Index>(batch.logps.size()));
        static_cast<policy_loss_metrics<T>&>(out) = (*this)(batch, std::span<T>(out.d_logps.data(), batch.logps.size()));
        return out;
    }

    /// Writes d value / d logps into the caller's `d_logps` (B*T; reuse it across steps) and
    /// returns the value and metrics.
    template <std::floating_point T>
    policy_loss_metrics<T> operator()(const token_batch<T>& batch, std::span<T> d_logps) const;

    /// Checks the hyperparameters; `fn` names the function the user called.
    void validate(std::string_view fn) const;
};

}  // namespace prefrl::grpo

namespace prefrl::detail {

/// Tokens are processed in blocks of one 64-byte register held in fixed-size Eigen arrays,
/// one fused pass per block with no intermediate arrays in memory.
template <class T>
inline constexpr Eigen::Index token_block_size = register_block_size<T>;

template <class T>
using token_array = Eigen::Array<T, token_block_size<T>, 1>;

/// The hyperparameters of a policy loss in T, ready for the block kernel.
template <class T>
struct policy_constants {
    grpo::loss_type loss;
    T lower, upper, cap;  ///< 1 - epsilon, 1 + epsilon_high, epsilon_high
    bool has_delta, has_dual, has_beta;
    T delta, dual, beta;
    T tau_pos, tau_neg;
};

/// One block's per-token terms of the importance-weighted part of the loss.
template <class T>
struct ratio_terms {
    token_array<T> loss;           ///< l without the KL term
    token_array<T> d_log_ratio;    ///< d l / d log_w
    token_array<T> d_logp_direct;  ///< d l / d lp outside log_w (cispo's A min(w, cap))
    token_array<T> low, high, cispo_clipped, dual;  ///< 0/1 flags for the metrics
};

/// The importance-weighted term of every loss type on one block: log-ratios `log_w`,
/// advantages `a`, policy log-probs `lp` (cispo only). Branches are 0/1 masks (`step_array`).
/// The three shapes of the importance-weighted term.
enum class ratio_family { clipped, cispo, sapo };

constexpr ratio_family family_of(grpo::loss_type loss) {
    return loss == grpo::loss_type::cispo  ? ratio_family::cispo
           : loss == grpo::loss_type::sapo ? ratio_family::sapo
                                           : ratio_family::clipped;
}

template <ratio_family F, class T>
PREFRL_ALWAYS_INLINE inline void ratio_block_of(const policy_constants<T>& k, const token_array<T>& log_w,
                                                const token_array<T>& a, const token_array<T>& lp, ratio_terms<T>& out) {
    using A = token_array<T>;
    const A w = log_w.exp();
    const A positive = step_array(a), negative = step_array(A(-a));
    out.low = step_array(A(k.lower - w)) * negative;
    out.high = step_array(A(w - k.upper)) * positive;
    switch (F) {
        case ratio_family::cispo: {
            const A capped = w.min(k.cap);
            out.loss = -capped * a * lp;
            out.d_log_ratio.setZero();
            out.d_logp_direct = -capped * a;
            out.cispo_clipped = step_array(A(w - k.cap)) * positive;
            out.dual.setZero();
            return;
        }
        case ratio_family::sapo: {
            const A tau = blend_array(positive, A::Constant(k.tau_pos), A::Constant(k.tau_neg));
            const A e = (-tau * (w - T(1))).exp();  // <= exp(tau): tau (w - 1) >= -tau
            const A s = T(1) / (T(1) + e);          // sigmoid(tau (w - 1)); 1 - s = e s
            out.loss = -(T(4) / tau) * s * a;
            out.d_log_ratio = -T(4) * s * (e * s) * w * a;
            out.dual.setZero();  // no dual clip for SAPO: the flag must not be left unset
            break;
        }
        case ratio_family::clipped: {  // grpo, bnpo, dr_grpo, dapo
            const A unclipped = k.has_delta ? A(w.min(k.delta)) : w;
            const A p1 = unclipped * a;
            const A p2 = w.max(k.lower).min(k.upper) * a;
            const A took_clip = step_array(A(p1 - p2));  // the unclipped branch at a tie
            out.loss = -p1.min(p2);
            const A slope = k.has_delta ? A(step_array(A(k.delta - w)) * w) : w;  // d unclipped / d log_w
            out.d_log_ratio = -(T(1) - took_clip) * a * slope;
            if (k.has_dual) {
                const A bound = -k.dual * a;
                out.dual = negative * step_array(A(out.loss - bound));
                out.loss -= out.dual * (out.loss - bound);
                out.d_log_ratio *= T(1) - out.dual;
            } else {
                out.dual.setZero();
            }
            break;
        }
    }
    out.d_logp_direct.setZero();
    out.cispo_clipped.setZero();
}

/// `ratio_block_of` for the family of `k.loss`, chosen at run time.
template <class T>
PREFRL_ALWAYS_INLINE inline void ratio_block(const policy_constants<T>& k, const token_array<T>& log_w,
                                             const token_array<T>& a, const token_array<T>& lp, ratio_terms<T>& out) {
    switch (family_of(k.loss)) {
        case ratio_family::cispo: ratio_block_of<ratio_family::cispo>(k, log_w, a, lp, out); return;
        case ratio_family::sapo: ratio_block_of<ratio_family::sapo>(k, log_w, a, lp, out); return;
        case ratio_family::clipped: ratio_block_of<ratio_family::clipped>(k, log_w, a, lp, out); return;
    }
}

/// One block of a row's tokens, loaded into registers. The last block of a row is padded
/// (mask 0, log-probs -1, advantage 0). On padding (mask 0) the caller may hold anything,
/// -inf or NaN included: such lanes are replaced by the padding values.
template <class T>
struct token_block {
    token_array<T> lp, m, old, ref, a;
    bool bad = false;  ///< a mask entry not 0/1, or a non-finite value on a token with mask 1
};

struct token_fields {
    bool old = false, ref = false, per_token_advantages = false;
};

template <class T>
PREFRL_ALWAYS_INLINE inline void load_token_block(token_block<T>& p, const T* lp, const T* m, const T* old, const T* ref,
                                                  const T* a, Eigen::Index len, token_fields f) {
    constexpr Eigen::Index W = token_block_size<T>;
    auto load = [&](token_array<T>& out, const T* src, T pad) PREFRL_ALWAYS_INLINE {
        if (len == W) {
            out = Eigen::Map<const token_array<T>>(src);
        } else {
            out.setConstant(pad);
            out.head(len) = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(src, len);
        }
    };
    load(p.lp, lp, T(-1));
    load(p.m, m, T(0));
    token_array<T> poison = p.lp * T(0) + (p.m * (T(1) - p.m)).abs();  // 0 unless non-finite or mask not 0/1
    if (f.old) {
        load(p.old, old, T(-1));
        poison += p.old * T(0);
    }
    if (f.ref) {
        load(p.ref, ref, T(-1));
        poison += p.ref * T(0);
    }
    if (f.per_token_advantages) {
        load(p.a, a, T(0));
        poison += p.a * T(0);
    }
    if (poison.sum() == T(0)) return;
    // rare: padding holding non-finite values, or a bad value; checked lane by lane
    for (Eigen::Index j = 0; j < W; ++j) {
        const T mj = p.m[j];
        if (mj == T(0)) {
            p.lp[j] = T(-1);
            if (f.old) p.old[j] = T(-1);
            if (f.ref) p.ref[j] = T(-1);
            if (f.per_token_advantages) p.a[j] = T(0);
        } else if (mj != T(1) || !std::isfinite(p.lp[j]) || (f.old && !std::isfinite(p.old[j])) ||
                   (f.ref && !std::isfinite(p.ref[j])) || (f.per_token_advantages && !std::isfinite(p.a[j]))) {
            p.bad = true;
            p.m[j] = T(0);  // keeps the rest of the pass finite; the call throws afterwards
            p.lp[j] = T(-1);
            if (f.old) p.old[j] = T(-1);
            if (f.ref) p.ref[j] = T(-1);
            if (f.per_token_advantages) p.a[j] = T(0);
        }
    }
}

/// Tokens summed lane by lane in T before the partial sums move to double.
inline constexpr Eigen::Index token_sum_group = 256;

/// Per-row sums the policy loss reduces in row order after the parallel loop.
enum token_row_sum : int { row_value, row_kl, row_low, row_high, row_cispo, row_dual, row_bad, row_sum_count };

/// One row of a sequence-level loss (GSPO) with one advantage per completion: the ratio
/// w = exp(mean_t log(pi / pi_old)) and with it the clipped term, its derivative d l / d log_w and
/// the clip flags are one value for the row, computed once. Per token, d value / d lp_t =
/// c m_t (direct_t + d l / d log_w): the row's sum of m_s d l / d log_w over |o_i| = its active
/// tokens is d l / d log_w itself. TRL's clip metrics are one flag per completion.
template <class T>
PREFRL_ALWAYS_INLINE inline void sequence_row(const policy_constants<T>& k, const token_array<T>& seq_lw,
                                              token_block<T>& p, ratio_terms<T>& r, double* s, T c, double c_double,
                                              Eigen::Index S, const T* lp, const T* m, const T* ref, T* d_out,
                                              token_fields fields) {
    using A = token_array<T>;
    constexpr Eigen::Index W = token_block_size<T>;
    // cispo's term is linear in lp: evaluated at lp = 1 it gives the coefficient of lp
    ratio_block(k, seq_lw, p.a, A(A::Ones()), r);
    const bool cispo = k.loss == grpo::loss_type::cispo;
    const T row_loss = r.loss[0], row_d = r.d_log_ratio[0] + r.d_logp_direct[0];
    s[row_low] = static_cast<double>(r.low[0]);
    s[row_high] = static_cast<double>(r.high[0]);
    s[row_cispo] = static_cast<double>(r.cispo_clipped[0]);
    s[row_dual] = static_cast<double>(r.dual[0]);
    const token_fields checked{.old = false, .ref = fields.ref, .per_token_advantages = false};
    // one block's terms; lp_v, m_v, ref_v hold clean values (padding replaced)
    auto block = [&](const A& lp_v, const A& m_v, const A& ref_v, A& loss_sum, A& kl_sum) PREFRL_ALWAYS_INLINE {
        A token_loss = cispo ? A(row_loss * lp_v) : A(A::Constant(row_loss));
        A direct = A::Constant(row_d);
        if (k.has_beta) {
            const A x = ref_v - lp_v;
            const A e = x.exp();
            const A k3 = e - x - T(1);
            token_loss += k.beta * k3;
            direct += k.beta * (T(1) - e);
            kl_sum += m_v * k3;
        }
        loss_sum += m_v * token_loss;
        return A(c * m_v * direct);
    };
    for (Eigen::Index g = 0; g < S; g += token_sum_group) {
        const Eigen::Index end = std::min(S, g + token_sum_group);
        A loss_sum = A::Zero(), kl_sum = A::Zero();
        bool clean = (end - g) % W == 0;
        if (clean) {  // whole blocks read straight from memory; any padding to replace sends the group below
            A poison = A::Zero();
            for (Eigen::Index t = g; t < end; t += W) {
                const A lp_v = Eigen::Map<const A>(lp + t), m_v = Eigen::Map<const A>(m + t);
                const A ref_v = k.has_beta ? A(Eigen::Map<const A>(ref + t)) : A(A::Zero());
                poison += lp_v * T(0) + ref_v * T(0) + (m_v * (T(1) - m_v)).abs();
                Eigen::Map<A>(d_out + t) = block(lp_v, m_v, ref_v, loss_sum, kl_sum);
            }
            clean = poison.sum() == T(0);
        }
        if (!clean) {  // padding holding non-finite values, a bad value, or a ragged end: block by block
            loss_sum.setZero();
            kl_sum.setZero();
            for (Eigen::Index t = g; t < end; t += W) {
                const Eigen::Index len = std::min(W, S - t);
                // old log-probs were checked with the row's mean log-ratio, just before
                load_token_block<T>(p, lp + t, m + t, nullptr, ref ? ref + t : nullptr, nullptr, len, checked);
                const A ref_v = k.has_beta ? p.ref : A(A::Zero());
                const A d = block(p.lp, p.m, ref_v, loss_sum, kl_sum);
                if (len == W)
                    Eigen::Map<A>(d_out + t) = d;
                else
                    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>(d_out + t, len) = d.head(len);
            }
        }
        s[row_value] += static_cast<double>(loss_sum.sum());
        s[row_kl] += static_cast<double>(kl_sum.sum());
    }
    s[row_value] *= c_double;
    s[row_bad] = p.bad ? 1.0 : 0.0;
}

/// One block's per-token loss (with the KL term) and d l / d lp at token level, the metric
/// flags left in `r`: the one definition `token_row` and `token_gradient` (from logits) share.
template <class T>
struct token_terms {
    token_array<T> loss, d, k3;  ///< k3 is 0 without the KL term
};

template <ratio_family F, class T>
PREFRL_ALWAYS_INLINE inline token_terms<T> token_terms_of(const policy_constants<T>& k, const token_array<T>& lp,
                                                          const token_array<T>& old, const token_array<T>& ref,
                                                          const token_array<T>& a, ratio_terms<T>& r) {
    using A = token_array<T>;
    ratio_block_of<F>(k, A(lp - old), a, lp, r);
    token_terms<T> out{r.loss, F == ratio_family::cispo ? r.d_logp_direct : r.d_log_ratio, A::Zero()};
    if (k.has_beta) {
        const A x = ref - lp;
        const A e = x.exp();
        out.k3 = e - x - T(1);
        out.loss += k.beta * out.k3;
        out.d += k.beta * (T(1) - e);
    }
    return out;
}

/// One row of a token-level loss, compiled once per loss family. Whole
/// groups of blocks are read straight from memory and checked once per group; a group holding
/// anything to replace (padding with non-finite values, a bad value) or a ragged end is done
/// again block by block with `load_token_block`. Without old log-probs `old` points at `lp`
/// (w = 1: the on-policy ratio); without per-token advantages `a` is null and `a_row` is used.
template <ratio_family F, class T>
PREFRL_FLATTEN void token_row(const policy_constants<T>& k, token_block<T>& p, double* s, T c, double c_double,
                              Eigen::Index S, const T* lp, const T* m, const T* old, const T* ref, const T* a, T a_row,
                              T* d_out) {
    using A = token_array<T>;
    constexpr Eigen::Index W = token_block_size<T>;
    struct group_sums {
        A loss = A::Zero(), kl = A::Zero(), low = A::Zero(), high = A::Zero(), cispo = A::Zero(), dual = A::Zero();
    };
    ratio_terms<T> r;
    auto block = [&](const A& lp_v, const A& m_v, const A& old_v, const A& ref_v, const A& a_v,
                     group_sums& q) PREFRL_ALWAYS_INLINE {
        const auto t = token_terms_of<F>(k, lp_v, old_v, ref_v, a_v, r);
        if (k.has_beta) q.kl += m_v * t.k3;
        q.loss += m_v * t.loss;
        q.low += m_v * r.low;
        q.high += m_v * r.high;
        if constexpr (F == ratio_family::cispo) q.cispo += m_v * r.cispo_clipped;
        if constexpr (F == ratio_family::clipped) q.dual += m_v * r.dual;
        return A(c * m_v * t.d);
    };
    const A a_const = A::Constant(a_row);
    const token_fields checked{.old = true, .ref = k.has_beta, .per_token_advantages = a != nullptr};
    for (Eigen::Index g = 0; g < S; g += token_sum_group) {
        const Eigen::Index end = std::min(S, g + token_sum_group);
        group_sums q;
        bool clean = (end - g) % W == 0;
        if (clean) {
            A poison = A::Zero();
            for (Eigen::Index t = g; t < end; t += W) {
                const A lp_v = Eigen::Map<const A>(lp + t), m_v = Eigen::Map<const A>(m + t);
                const A old_v = Eigen::Map<const A>(old + t);
                const A ref_v = k.has_beta ? A(Eigen::Map<const A>(ref + t)) : lp_v;
                const A a_v = a ? A(Eigen::Map<const A>(a + t)) : a_const;
                poison += (lp_v + old_v + ref_v + a_v) * T(0) + (m_v * (T(1) - m_v)).abs();
                Eigen::Map<A>(d_out + t) = block(lp_v, m_v, old_v, ref_v, a_v, q);
            }
            clean = poison.sum() == T(0);
        }
        if (!clean) {
            q = group_sums{};
            if (!a) p.a = a_const;
            for (Eigen::Index t = g; t < end; t += W) {
                const Eigen::Index len = std::min(W, S - t);
                load_token_block<T>(p, lp + t, m + t, old + t, k.has_beta ? ref + t : nullptr, a ? a + t : nullptr, len,
                                    checked);
                const A d = block(p.lp, p.m, p.old, k.has_beta ? p.ref : p.lp, p.a, q);
                if (len == W)
                    Eigen::Map<A>(d_out + t) = d;
                else
                    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>(d_out + t, len) = d.head(len);
            }
        }
        s[row_value] += static_cast<double>(q.loss.sum());
        s[row_kl] += static_cast<double>(q.kl.sum());
        s[row_low] += static_cast<double>(q.low.sum());
        s[row_high] += static_cast<double>(q.high.sum());
        s[row_cispo] += static_cast<double>(q.cispo.sum());
        s[row_dual] += static_cast<double>(q.dual.sum());
    }
    s[row_value] *= c_double;
    s[row_bad] = p.bad ? 1.0 : 0.0;
}

/// Each completion's active tokens: the sum of its mask (in T within groups of 256 tokens,
/// exact for 0/1 entries, then in double).
template <class T>
std::vector<double> row_token_counts(const grpo::token_batch<T>& b, bool parallel) {
    using A = token_array<T>;
    constexpr Eigen::Index W = token_block_size<T>;
    const Eigen::Index B = b.completions, S = b.steps;
    std::vector<double> count(static_cast<std::size_t>(B));
    PREFRL_PARALLEL_FOR_IF(parallel)
    for (Eigen::Index i = 0; i < B; ++i) {
        const T* m_row = b.mask.data() + i * S;
        double tokens = 0.0;
        for (Eigen::Index g = 0; g < S; g += token_sum_group) {
            const Eigen::Index end = std::min(S, g + token_sum_group);
            A m_sum = A::Zero();
            Eigen::Index t = g;
            for (; t + W <= end; t += W) m_sum += Eigen::Map<const A>(m_row + t);
            for (; t < end; ++t) m_sum[0] += m_row[t];
            tokens += static_cast<double>(m_sum.sum());
        }
        count[static_cast<std::size_t>(i)] = tokens;
    }
    return count;
}

/// The normalizer of completion i's tokens: d value / d (m l) (see `policy_loss`).
inline double policy_row_coefficient(const grpo::policy_loss& cfg, double count, double total_tokens, Eigen::Index B,
                                     Eigen::Index S) {
    const double Bd = static_cast<double>(B);
    switch (cfg.loss) {
        case grpo::loss_type::grpo:
        case grpo::loss_type::sapo: return 1.0 / (Bd * std::max(1.0, count));
        case grpo::loss_type::bnpo: return 1.0 / std::max(1.0, total_tokens);
        case grpo::loss_type::dr_grpo:
            return 1.0 / (Bd * static_cast<double>(cfg.max_completion_length > 0 ? cfg.max_completion_length : S));
        default: return 1.0 / std::max(1.0, cfg.num_items_in_batch > 0.0 ? cfg.num_items_in_batch : total_tokens);
    }
}

/// The token-level policy constants in T.
template <class T>
policy_constants<T> make_policy_constants(const grpo::policy_loss& cfg) {
    return {cfg.loss,
            static_cast<T>(1.0 - cfg.epsilon),
            static_cast<T>(1.0 + cfg.epsilon_high),
            static_cast<T>(cfg.epsilon_high),
            cfg.delta != 0.0,
            cfg.dual_clip != 0.0,
            cfg.beta != 0.0,
            static_cast<T>(cfg.delta),
            static_cast<T>(cfg.dual_clip),
            static_cast<T>(cfg.beta),
            static_cast<T>(cfg.sapo_temperature_pos),
            static_cast<T>(cfg.sapo_temperature_neg)};
}

/// d value / d lp of one token of a token-level loss: `token_terms_of` on a block holding the
/// token in every lane, so the bits of `token_row`. Without old log-probs pass `old = lp`;
/// without a reference any `ref`.
template <class T>
T token_gradient(const policy_constants<T>& k, T c, T m, T lp, T old, T ref, T a) {
    using A = token_array<T>;
    ratio_terms<T> r;
    auto d = [&]<ratio_family F>() {
        return A(c * A::Constant(m) *
                 token_terms_of<F>(k, A(A::Constant(lp)), A(A::Constant(old)), A(A::Constant(ref)), A(A::Constant(a)), r).d)[0];
    };
    switch (family_of(k.loss)) {
        case ratio_family::cispo: return d.template operator()<ratio_family::cispo>();
        case ratio_family::sapo: return d.template operator()<ratio_family::sapo>();
        case ratio_family::clipped: break;
    }
    return d.template operator()<ratio_family::clipped>();
}

template <class T>
grpo::policy_loss_metrics<T> run_policy_loss(std::string_view fn, const grpo::policy_loss& cfg,
                                            const grpo::token_batch<T>& b, std::span<const T> logps,
                                            std::span<T> d_logps) {
    using A = token_array<T>;
    constexpr Eigen::Index W = token_block_size<T>;
    const bool has_beta = cfg.beta != 0.0;
    const std::size_t n = validate_token_shapes(fn, b, false, has_beta);
    if (logps.size() != n)
        fail(fn, "logps has ", logps.size(), " entries but completions * steps = ", b.completions, " * ", b.steps, " = ", n);
    if (d_logps.size() != n) fail(fn, "d_logps has ", d_logps.size(), " entries but completions * steps = ", n);
    const Eigen::Index B = b.completions, S = b.steps;
    const bool sequence = cfg.level == grpo::importance_sampling::sequence;
    const token_fields fields{.old = !b.old_logps.empty(), .ref = has_beta,
                              .per_token_advantages = b.advantages.size() != static_cast<std::size_t>(B)};
    if (!fields.per_token_advantages)  // per-token advantages are checked where they are loaded
        for (std::size_t i = 0; i < b.advantages.size(); ++i)
            if (!std::isfinite(b.advantages[i])) fail(fn, "advantages[", i, "] must be finite, got ", b.advantages[i]);
    const policy_constants<T> k = make_policy_constants<T>(cfg);
    const bool parallel = static_cast<long long>(n) >= parallel_min_elements;
    const T* lp_data = logps.data();
    const T* m_data = b.mask.data();
    const T* old_data = fields.old ? b.old_logps.data() : nullptr;
    const T* ref_data = has_beta ? b.ref_logps.data() : nullptr;
    const T* a_data = b.advantages.data();

    // pass 1: each row's active tokens (the mask's sum; every value is checked in pass 2, and a
    // mask entry not 0 or 1 makes the call throw there)
    const std::vector<double> count = row_token_counts<T>(b, parallel);
    double total_tokens = 0.0;
    for (Eigen::Index i = 0; i < B; ++i) total_tokens += count[static_cast<std::size_t>(i)];
    auto row_coefficient = [&](Eigen::Index i) {
        return policy_row_coefficient(cfg, count[static_cast<std::size_t>(i)], total_tokens, B, S);
    };

    // pass 2: the loss, the gradient, the metrics' sums, row by row
    const bool per_sequence_metrics = sequence && !fields.per_token_advantages;
    std::vector<double> sums(static_cast<std::size_t>(B * row_sum_count), 0.0);
    PREFRL_PARALLEL_FOR_IF(parallel)
    for (Eigen::Index i = 0; i < B; ++i) {
        token_block<T> p;
        ratio_terms<T> r;
        double* s = sums.data() + i * row_sum_count;
        const Eigen::Index row = i * S;
        const double c_double = row_coefficient(i);
        const T c = static_cast<T>(c_double);
        A seq_lw = A::Zero();
        if (sequence && fields.old) {
            // the row's mean log-ratio, read just before the row's pass (its lp and mask stay in cache)
            double log_ratio = 0.0;
            const token_fields ratio_fields{.old = true};
            for (Eigen::Index g = 0; g < S; g += token_sum_group) {
                const Eigen::Index end = std::min(S, g + token_sum_group);
                A lr_sum = A::Zero();
                bool clean = (end - g) % W == 0;
                if (clean) {  // as in token_row: whole groups straight from memory, checked once
                    A poison = A::Zero();
                    for (Eigen::Index t = row + g; t < row + end; t += W) {
                        const A lp_v = Eigen::Map<const A>(lp_data + t), m_v = Eigen::Map<const A>(m_data + t);
                        const A old_v = Eigen::Map<const A>(old_data + t);
                        poison += (lp_v + old_v) * T(0) + (m_v * (T(1) - m_v)).abs();
                        lr_sum += m_v * (lp_v - old_v);
                    }
                    clean = poison.sum() == T(0);
                }
                if (!clean) {
                    lr_sum.setZero();
                    for (Eigen::Index t = g; t < end; t += W) {
                        load_token_block<T>(p, lp_data + row + t, m_data + row + t, old_data + row + t, nullptr, nullptr,
                                            std::min(W, S - t), ratio_fields);
                        lr_sum += p.m * (p.lp - p.old);
                    }
                }
                log_ratio += static_cast<double>(lr_sum.sum());
            }
            seq_lw.setConstant(static_cast<T>(log_ratio / std::max(1.0, count[static_cast<std::size_t>(i)])));
        }
        if (!fields.per_token_advantages) p.a.setConstant(a_data[i]);
        if (per_sequence_metrics) {
            // GSPO with one advantage per completion: the ratio term is the same for every token
            // of the row, so it is computed once; only the KL term varies along the row
            sequence_row<T>(k, seq_lw, p, r, s, c, c_double, S, lp_data + row, m_data + row,
                            ref_data ? ref_data + row : nullptr, d_logps.data() + row, fields);
            continue;
        }
        if (!sequence) {
            const T* a_row = fields.per_token_advantages ? a_data + row : nullptr;
            const T* old_row = fields.old ? old_data + row : lp_data + row;
            const T* ref_row = has_beta ? ref_data + row : nullptr;
            const T a_value = fields.per_token_advantages ? T(0) : a_data[i];
            auto run = [&]<ratio_family F>() {
                token_row<F, T>(k, p, s, c, c_double, S, lp_data + row, m_data + row, old_row, ref_row, a_row, a_value,
                                d_logps.data() + row);
            };
            switch (family_of(cfg.loss)) {
                case ratio_family::cispo: run.template operator()<ratio_family::cispo>(); break;
                case ratio_family::sapo: run.template operator()<ratio_family::sapo>(); break;
                case ratio_family::clipped: run.template operator()<ratio_family::clipped>(); break;
            }
            continue;
        }
        // sequence level with per-token advantages: the ratio is the row's, the terms are not
        double grad_sum = 0.0;  // sum_t m dl/dlog_w
        for (Eigen::Index g = 0; g < S; g += token_sum_group) {
            A loss_sum = A::Zero(), kl_sum = A::Zero(), low = A::Zero(), high = A::Zero(), cispo = A::Zero(),
              dual = A::Zero(), grad = A::Zero();
            for (Eigen::Index t = g; t < std::min(S, g + token_sum_group); t += W) {
                const Eigen::Index len = std::min(W, S - t);
                const Eigen::Index at = row + t;
                load_token_block<T>(p, lp_data + at, m_data + at, old_data ? old_data + at : nullptr,
                                 ref_data ? ref_data + at : nullptr, fields.per_token_advantages ? a_data + at : nullptr,
                                 len, fields);
                const A log_w = sequence ? seq_lw : (fields.old ? A(p.lp - p.old) : A(A::Zero()));
                ratio_block(k, log_w, p.a, p.lp, r);
                A direct = r.d_logp_direct;
                A token_loss = r.loss;
                if (has_beta) {
                    const A x = p.ref - p.lp;
                    const A e = x.exp();
                    const A k3 = e - x - T(1);
                    token_loss += k.beta * k3;
                    direct += k.beta * (T(1) - e);
                    kl_sum += p.m * k3;
                }
                const A d = sequence ? A(c * p.m * direct) : A(c * p.m * (r.d_log_ratio + direct));
                if (len == W)
                    Eigen::Map<A>(d_logps.data() + at) = d;
                else
                    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>(d_logps.data() + at, len) = d.head(len);
                loss_sum += p.m * token_loss;
                grad += p.m * r.d_log_ratio;
                low += p.m * r.low;
                high += p.m * r.high;
                cispo += p.m * r.cispo_clipped;
                dual += p.m * r.dual;
            }
            s[row_value] += static_cast<double>(loss_sum.sum());
            s[row_kl] += static_cast<double>(kl_sum.sum());
            s[row_low] += static_cast<double>(low.sum());
            s[row_high] += static_cast<double>(high.sum());
            s[row_cispo] += static_cast<double>(cispo.sum());
            s[row_dual] += static_cast<double>(dual.sum());
            grad_sum += static_cast<double>(grad.sum());
        }
        s[row_value] *= c_double;
        s[row_bad] = p.bad ? 1.0 : 0.0;
        if (sequence) {
            // d log_w / d lp_t = m_t / |o_i|: every active token gets the row's share
            const double tokens = count[static_cast<std::size_t>(i)];
            const T share = static_cast<T>(c_double * grad_sum / std::max(1.0, tokens));
            Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>(d_logps.data() + row, S) +=
                share * Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(m_data + row, S);
        }
    }
    double total[row_sum_count] = {};
    for (Eigen::Index i = 0; i < B; ++i)
        for (int j = 0; j < row_sum_count; ++j) total[j] += sums[static_cast<std::size_t>(i * row_sum_count + j)];
    if (total[row_bad] != 0.0) throw_first_bad_token(fn, b, logps, has_beta);

    const double tokens = std::max(1.0, total_tokens);
    const double flags = per_sequence_metrics ? static_cast<double>(B) : tokens;
    grpo::policy_loss_metrics<T> out;
    out.value = static_cast<T>(total[row_value]);
    out.kl = static_cast<T>(has_beta ? total[row_kl] / tokens : 0.0);
    out.clip_ratio_low = static_cast<T>(total[row_low] / flags);
    out.clip_ratio_high = static_cast<T>(total[row_high] / flags);
    out.clip_ratio_region = static_cast<T>((total[row_low] + total[row_high]) / flags);
    out.cispo_clip_ratio = static_cast<T>(total[row_cispo] / flags);
    out.dual_clip_ratio = static_cast<T>(total[row_dual] / flags);
    out.active_tokens = total_tokens;
    return out;
}

}  // namespace prefrl::detail

namespace prefrl::grpo {

inline void policy_loss::validate(std::string_view fn) const {
    const bool clipped = loss == loss_type::grpo || loss == loss_type::bnpo || loss == loss_type::dr_grpo ||
                         loss == loss_type::dapo;
    if (!clipped && loss != loss_type::cispo && loss != loss_type::sapo)
        fail(fn, "loss must be one of grpo, bnpo, dr_grpo, dapo, cispo, sapo, got the value ", static_cast<int>(loss));
    if (level != importance_sampling::token && level != importance_sampling::sequence)
        fail(fn, "level must be token or sequence, got the value ", static_cast<int>(level));
    require_in_open(fn, "epsilon", epsilon, 0.0, 1.0);
    require_finite(fn, "epsilon_high", epsilon_high);
    require_positive(fn, "epsilon_high", epsilon_high);
    require_finite(fn, "delta", delta);
    if (delta != 0.0) {
        require(clipped, fn, "delta applies to grpo, bnpo, dr_grpo and dapo only, got delta = ", delta);
        require(delta > 1.0 + epsilon_high, fn, "delta must be 0 (off) or > 1 + epsilon_high = ", 1.0 + epsilon_high,
                ", got ", delta);
    }
    require_finite(fn, "dual_clip", dual_clip);
    if (dual_clip != 0.0) {
        require(clipped, fn, "dual_clip applies to grpo, bnpo, dr_grpo and dapo only, got dual_clip = ", dual_clip);
        require(dual_clip > 1.0, fn, "dual_clip must be 0 (off) or > 1, got ", dual_clip);
    }
    require_finite(fn, "beta", beta);
    require_non_negative(fn, "beta", beta);
    require_non_negative(fn, "max_completion_length", max_completion_length);
    require_finite(fn, "sapo_temperature_pos", sapo_temperature_pos);
    require_positive(fn, "sapo_temperature_pos", sapo_temperature_pos);
    require_finite(fn, "sapo_temperature_neg", sapo_temperature_neg);
    require_positive(fn, "sapo_temperature_neg", sapo_temperature_neg);
    require_finite(fn, "num_items_in_batch", num_items_in_batch);
    require_non_negative(fn, "num_items_in_batch", num_items_in_batch);
}

template <std::floating_point T>
policy_loss_metrics<T> policy_loss::operator()(const token_batch<T>& batch, std::span<T> d_logps) const {
    constexpr auto fn = "prefrl::grpo::policy_loss";
    validate(fn);
    return prefrl::detail::run_policy_loss<T>(fn, *this, batch, batch.logps, d_logps);
}

}  // namespace prefrl::grpo

#endif  // PREFRL_GRPO_POLICY_LOSS_HPP

#ifndef PREFRL_GRPO_ADVANTAGES_HPP
#define PREFRL_GRPO_ADVANTAGES_HPP

/// \file
/// Advantages from the rewards of groups of completions: GRPO's group-normalized rewards,
/// RLOO's leave-one-out baseline, and REINFORCE++-baseline's token-level whitening.
/// Completions come in groups of `group_size` consecutive entries, one group per prompt.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::grpo {

/// How group-centred rewards are scaled (TRL `GRPOConfig.scale_rewards`).
enum class reward_scaling {
    group,  ///< by the group's standard deviation (GRPO)
    batch,  ///< by the whole batch's standard deviation (mean still per group)
    none    ///< not scaled (Dr. GRPO)
};

}  // namespace prefrl::grpo

namespace prefrl::detail {

template <class T>
void check_groups(std::string_view fn, std::span<const T> rewards, index_t group_size) {
    require_non_empty(fn, "rewards", rewards.size());
    require_positive(fn, "group_size", group_size);
    if (rewards.size() % static_cast<std::size_t>(group_size) != 0)
        fail(fn, "rewards has ", rewards.size(), " entries, not a multiple of group_size = ", group_size);
    for (std::size_t i = 0; i < rewards.size(); ++i)
        if (std::isinf(rewards[i])) fail(fn, "rewards[", i, "] must be finite or NaN (unscorable), got ", rewards[i]);
}

/// Mean and Bessel-corrected standard deviation of the non-NaN entries (TRL's nanstd; the
/// deviation is NaN for fewer than two entries).
struct nan_moments {
    double mean = 0.0, std = 0.0;
    std::size_t count = 0;
};

template <class T>
nan_moments moments_ignoring_nan(std::span<const T> x) {
    nan_moments out;
    double sum = 0.0;
    for (const T v : x)
        if (!std::isnan(v)) {
            sum += static_cast<double>(v);
            ++out.count;
        }
    if (out.count == 0) return out;
    out.mean = sum / static_cast<double>(out.count);
    double squares = 0.0;
    for (const T v : x)
        if (!std::isnan(v)) squares += (static_cast<double>(v) - out.mean) * (static_cast<double>(v) - out.mean);
    out.std = out.count > 1 ? std::sqrt(squares / static_cast<double>(out.count - 1)) : std::nan("");
    return out;
}

}  // namespace prefrl::detail

namespace prefrl::grpo {

/// **GRPO's advantages** (Shao et al. 2024, "DeepSeekMath"; TRL `_generate_and_score_completions`):
/// `A_i = (r_i - mean_g) / (std + 1e-4)`, mean over the completion's group, std the group's
/// (`group`) or the batch's (`batch`), both Bessel-corrected; `none`: `A_i = r_i - mean_g`
/// (Liu et al. 2025, Dr. GRPO). A NaN reward marks an unscorable completion: it is left out of
/// the means and deviations and gets A = 0 (as TRL). A group with one scorable completion, or
/// group_size 1, gives A = 0.
///
///     auto a = prefrl::grpo::group_advantages(rewards, 8);   // 8 completions per prompt
template <std::floating_point T>
vector<T> group_advantages(std::span<const T> rewards, index_t group_size,
                           reward_scaling scaling = reward_scaling::group) {
    constexpr auto fn = "prefrl::grpo::group_advantages";
    detail::check_groups(fn, rewards, group_size);
    if (scaling != reward_scaling::group && scaling != reward_scaling::batch && scaling != reward_scaling::none)
        fail(fn, "scaling must be group, batch or none, got the value ", static_cast<int>(scaling));
    const auto G = static_cast<std::size_t>(group_size);
    const double batch_std = detail::moments_ignoring_nan(rewards).std;
    vector<T> out(static_cast<Eigen::Index>(rewards.size()));
    for (std::size_t g = 0; g < rewards.size(); g += G) {
        const auto group = rewards.subspan(g, G);
        const auto mo = detail::moments_ignoring_nan(group);
        const double scale = scaling == reward_scaling::none ? 1.0
                             : scaling == reward_scaling::group ? mo.std + 1e-4
                                                                : batch_std + 1e-4;
        for (std::size_t j = 0; j < G; ++j) {
            const double centred = std::isnan(group[j]) || mo.count < 2 ? 0.0 : static_cast<double>(group[j]) - mo.mean;
            out[static_cast<Eigen::Index>(g + j)] = static_cast<T>(centred == 0.0 ? 0.0 : centred / scale);
        }
    }
    return out;
}

/// **RLOO's advantages** (Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style
/// Optimization for Learning from Human Feedback in LLMs"; TRL `RLOOTrainer`):
/// `A_i = r_i - (sum_{j != i} r_j) / (G - 1)` within each group (G >= 2), optionally whitened
/// over the batch, `(A - mean A) / (std A + 1e-4)` (TRL `normalize_advantages`). Rewards must
/// be finite (RLOO has no rule for unscorable completions).
template <std::floating_point T>
vector<T> rloo_advantages(std::span<const T> rewards, index_t group_size, bool normalize = false) {
    constexpr auto fn = "prefrl::grpo::rloo_advantages";
    detail::check_groups(fn, rewards, group_size);
    if (group_size < 2) fail(fn, "group_size must be >= 2 (the leave-one-out baseline needs a second completion), got ", group_size);
    for (std::size_t i = 0; i < rewards.size(); ++i)
        if (std::isnan(rewards[i])) fail(fn, "rewards[", i, "] must be finite, got ", rewards[i]);
    const auto G = static_cast<std::size_t>(group_size);
    std::vector<double> a(rewards.size());
    for (std::size_t g = 0; g < rewards.size(); g += G) {
        double sum = 0.0;
        for (std::size_t j = 0; j < G; ++j) sum += static_cast<double>(rewards[g + j]);
        for (std::size_t j = 0; j < G; ++j) {
            const double r = static_cast<double>(rewards[g + j]);
            a[g + j] = r - (sum - r) / static_cast<double>(G - 1);
        }
    }
    if (normalize) {
        const auto mo = detail::moments_ignoring_nan(std::span<const double>(a));
        const double sd = a.size() > 1 ? mo.std : 0.0;
        for (double& v : a) v = (v - mo.mean) / (sd + 1e-4);
    }
    vector<T> out(static_cast<Eigen::Index>(a.size()));
    for (std::size_t i = 0; i < a.size(); ++i) out[static_cast<Eigen::Index>(i)] = static_cast<T>(a[i]);
    return out;
}

/// **REINFORCE++-baseline's advantages** (Hu et al. 2025, "REINFORCE++"; verl
/// `compute_reinforce_plus_plus_baseline_outcome_advantage`): each reward minus its group's
/// mean (0 for a group of one, as verl), broadcast to the completion's tokens, then whitened
/// over every token with mask 1 of the batch, `(x - mean) / sqrt(var + 1e-8)` (verl
/// `masked_whiten`: masked mean over `sum(mask) + 1e-8`, unbiased variance), and multiplied by
/// the mask. Returns one advantage per token ([B*T], row-major): pass it as a `token_batch`'s
/// `advantages`. Needs at least two tokens with mask 1.
template <std::floating_point T>
vector<T> reinforce_pp_advantages(std::span<const T> rewards, index_t group_size, std::span<const T> mask,
                                  index_t steps) {
    constexpr auto fn = "prefrl::grpo::reinforce_pp_advantages";
    detail::check_groups(fn, rewards, group_size);
    for (std::size_t i = 0; i < rewards.size(); ++i)
        if (std::isnan(rewards[i])) fail(fn, "rewards[", i, "] must be finite, got ", rewards[i]);
    require_positive(fn, "steps", steps);
    const auto B = rewards.size();
    if (static_cast<std::size_t>(steps) > mask.size() || mask.size() / static_cast<std::size_t>(steps) != B ||
        mask.size() % static_cast<std::size_t>(steps) != 0)
        fail(fn, "mask has ", mask.size(), " entries but rewards * steps = ", B, " * ", steps);
    const auto S = static_cast<std::size_t>(steps);
    const auto G = static_cast<std::size_t>(group_size);
    std::vector<double> score(B);
    for (std::size_t g = 0; g < B; g += G) {
        double sum = 0.0;
        for (std::size_t j = 0; j < G; ++j) sum += static_cast<double>(rewards[g + j]);
        const double mean = G > 1 ? sum / static_cast<double>(G) : 0.0;
        for (std::size_t j = 0; j < G; ++j) score[g + j] = static_cast<double>(rewards[g + j]) - mean;
    }
    double tokens = 0.0, sum = 0.0;
    for (std::size_t k = 0; k < mask.size(); ++k) {
        if (!(mask[k] == T(0) || mask[k] == T(1))) fail(fn, "mask[", k, "] must be 0 or 1, got ", mask[k]);
        tokens += static_cast<double>(mask[k]);
        sum += static_cast<double>(mask[k]) * score[k / S];
    }
    if (tokens < 2.0) fail(fn, "mask must have at least 2 tokens with mask 1 (an unbiased variance), got ", tokens);
    const double mean = sum / (tokens + 1e-8);
    double squares = 0.0;
    for (std::size_t k = 0; k < mask.size(); ++k) {
        const double x = static_cast<double>(mask[k]) * score[k / S] - mean;
        squares += static_cast<double>(mask[k]) * x * x;
    }
    const double var = squares / (tokens + 1e-8) * (tokens / (tokens - 1.0));
    const double inv_sd = 1.0 / std::sqrt(var + 1e-8);
    vector<T> out(static_cast<Eigen::Index>(mask.size()));
    for (std::size_t k = 0; k < mask.size(); ++k)
        out[static_cast<Eigen::Index>(k)] =
            static_cast<T>(static_cast<double>(mask[k]) * (static_cast<double>(mask[k]) * score[k / S] - mean) * inv_sd);
    return out;
}

/// The overloads for any contiguous sequence (std::vector, std::array, Eigen vector), T deduced.
template <ScalarSequence R>
auto group_advantages(const R& rewards, index_t group_size, reward_scaling scaling = reward_scaling::group) {
    return group_advantages(as_const_span(rewards), group_size, scaling);
}
template <ScalarSequence R>
auto rloo_advantages(const R& rewards, index_t group_size, bool normalize = false) {
    return rloo_advantages(as_const_span(rewards), group_size, normalize);
}
template <ScalarSequence R, ScalarSequence M>
    requires std::same_as<sequence_scalar_t<R>, sequence_scalar_t<M>>
auto reinforce_pp_advantages(const R& rewards, index_t group_size, const M& mask, index_t steps) {
    return reinforce_pp_advantages(as_const_span(rewards), group_size, as_const_span(mask), steps);
}

}  // namespace prefrl::grpo

#endif  // PREFRL_GRPO_ADVANTAGES_HPP

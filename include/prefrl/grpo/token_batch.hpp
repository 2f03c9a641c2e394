#ifndef PREFRL_GRPO_TOKEN_BATCH_HPP
#define PREFRL_GRPO_TOKEN_BATCH_HPP

/// \file
/// `token_batch<T>`: the input of the token-level policy losses (GRPO and its family) — the
/// per-token log-probs of B sampled completions padded to T steps, their mask, and one
/// advantage per completion (or per token).

#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::grpo {

/// B completions of T steps each, every `[B*T]` span row-major `[completion][step]`, in the
/// vocabulary of TRL's `GRPOTrainer._compute_loss`. Spans view the caller's memory: build the
/// batch from named arrays that outlive the call, not from temporaries.
template <std::floating_point T>
struct token_batch {
    index_t completions = 0;  ///< B (rows)
    index_t steps = 0;        ///< T (columns: the longest completion, shorter ones padded)
    std::span<const T> logps;       ///< [B*T] log pi_theta(y_t | x, y_<t), differentiated
    std::span<const T> mask;        ///< [B*T] 1 on completion tokens (EOS included), 0 on padding
    std::span<const T> advantages;  ///< [B] one per completion, or [B*T] one per token (REINFORCE++)
    std::span<const T> old_logps = {};  ///< [B*T] the sampling policy; empty: on-policy (old = logps, held constant)
    std::span<const T> ref_logps = {};  ///< [B*T] the reference model; required when beta != 0
};

}  // namespace prefrl::grpo

namespace prefrl::detail {

/// Checks the shapes of a token batch (B, T > 0, every span of size B*T, advantages of size B
/// or B*T, logps present unless the caller computes them, ref_logps present when needed) and
/// returns B*T. Values are checked where they are read.
template <class T>
std::size_t validate_token_shapes(std::string_view fn, const grpo::token_batch<T>& b, bool needs_logps,
                                  bool needs_ref) {
    require_positive(fn, "completions", b.completions);
    require_positive(fn, "steps", b.steps);
    const index_t tokens = checked_size_product(fn, "completions * steps", b.completions, b.steps);
    const auto n = static_cast<std::size_t>(tokens);
    auto sized = [&](std::string_view name, std::span<const T> field) {
        if (field.size() != n)
            fail(fn, name, " has ", field.size(), " entries but completions * steps = ", b.completions, " * ", b.steps,
                 " = ", n);
    };
    if (needs_logps) sized("logps", b.logps);
    sized("mask", b.mask);
    if (b.advantages.size() != static_cast<std::size_t>(b.completions) && b.advantages.size() != n)
        fail(fn, "advantages has ", b.advantages.size(), " entries: it needs one per completion (", b.completions,
             ") or one per token (", n, ")");
    if (!b.old_logps.empty()) sized("old_logps", b.old_logps);
    if (needs_ref) {
        if (b.ref_logps.empty()) fail(fn, "ref_logps is required when beta != 0 but was not given");
        sized("ref_logps", b.ref_logps);
    }
    return n;
}

/// The first bad value of a token batch, for the error message once a vectorized check has
/// flagged one: a mask entry not 0 or 1, an advantage that is not finite, or a non-finite
/// log-prob (policy, old or reference) on a token whose mask is 1. Throws; returns if
/// nothing is wrong.
template <class T>
void throw_first_bad_token(std::string_view fn, const grpo::token_batch<T>& b, std::span<const T> logps, bool uses_ref) {
    for (std::size_t k = 0; k < b.mask.size(); ++k)
        if (!(b.mask[k] == T(0) || b.mask[k] == T(1))) fail(fn, "mask[", k, "] must be 0 or 1, got ", b.mask[k]);
    const bool per_token = b.advantages.size() == b.mask.size();
    for (std::size_t k = 0; k < b.advantages.size(); ++k)
        if (!std::isfinite(b.advantages[k]) && (!per_token || b.mask[k] != T(0)))
            fail(fn, "advantages[", k, "] must be finite, got ", b.advantages[k]);
    auto finite_where_masked = [&](std::string_view name, std::span<const T> field) {
        for (std::size_t k = 0; k < field.size(); ++k)
            if (b.mask[k] != T(0) && !std::isfinite(field[k]))
                fail(fn, name, "[", k, "] must be finite where mask is 1, got ", field[k]);
    };
    finite_where_masked("logps", logps);
    finite_where_masked("old_logps", b.old_logps);
    if (uses_ref) finite_where_masked("ref_logps", b.ref_logps);
}

}  // namespace prefrl::detail

#endif  // PREFRL_GRPO_TOKEN_BATCH_HPP

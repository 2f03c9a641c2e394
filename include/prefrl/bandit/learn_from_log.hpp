#ifndef PREFRL_BANDIT_LEARN_FROM_LOG_HPP
#define PREFRL_BANDIT_LEARN_FROM_LOG_HPP

/// \file
/// `update_from_log` and `learn_from_log`: a contextual bandit learns from logged rounds
/// (context, arm, reward, propensity) — one round, or a whole `ope::bandit_log` (a warm start
/// from another policy's data, as Vowpal Wabbit's `--cb` reads a log).

#include <cstddef>
#include <span>

#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/ope/bandit_log.hpp"

namespace prefrl::bandit {

/// Feeds one logged round to any `ContextualBandit`: the propensity (the logging policy's
/// probability of `arm`) is checked to be in (0, 1], then the round is learned as
/// `bandit.update(x, arm, reward)`. prefrl's contextual learners (LinUCB, LinTS, SquareCB,
/// oracle epsilon-greedy) fit their reward model without importance weights, as VW's SquareCB
/// does, so the propensity changes nothing once it is valid; keep it to evaluate the log
/// off-policy (`prefrl::ope`).
///
///     prefrl::bandit::lin_ucb<double> b(3, 2);
///     prefrl::bandit::update_from_log(b, x, arm, reward, propensity);
template <ContextualBandit B>
void update_from_log(B& bandit, std::span<const typename B::scalar_type> x, index_t arm, typename B::scalar_type reward,
                     typename B::scalar_type propensity) {
    using T = typename B::scalar_type;
    require(propensity > T(0) && propensity <= T(1), "prefrl::bandit::update_from_log",
            "propensity must be in (0, 1], got ", propensity);
    bandit.update(x, arm, reward);
}

/// Feeds every round of `log` to `bandit`, in order (`update_from_log` per round). The log
/// must hold contexts of the bandit's size (`bandit_log::context`, as `bandit_log_recorder`
/// records them with `record(d, reward, x)`) and actions in [0, num_arms()).
template <ContextualBandit B>
void learn_from_log(B& bandit, const ope::bandit_log<typename B::scalar_type>& log) {
    constexpr auto fn = "prefrl::bandit::learn_from_log";
    ope::validate(log, static_cast<index_t>(bandit.num_arms()), fn);
    require(log.context_size > 0, fn, "the log holds no contexts (log.context_size = 0): a contextual bandit learns from (x, arm, reward)");
    require(log.context_size == static_cast<index_t>(bandit.context_size()), fn, "log.context_size is ", log.context_size,
            " but the bandit's context_size() is ", bandit.context_size());
    for (std::size_t i = 0; i < log.size(); ++i) bandit.update(log.context_of(i), static_cast<index_t>(log.action[i]), log.reward[i]);
}

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_LEARN_FROM_LOG_HPP

#ifndef PREFRL_OPE_BANDIT_LOG_HPP
#define PREFRL_OPE_BANDIT_LOG_HPP

/// \file
/// Logged bandit feedback: what off-policy evaluation reads (`bandit_log`, a view) and a
/// small owner that records the decisions of any prefrl bandit (`bandit_log_recorder`).

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::ope {

/// One logged round per entry i: the reward r_i, the action a_i the logging policy took, and
/// the probability `pscore_i = pi_b(a_i | x_i)` with which it took it (Open Bandit
/// Pipeline's `reward`, `action`, `pscore`). A view: the caller owns the storage.
template <std::floating_point T>
struct bandit_log {
    std::span<const T> reward;             ///< r_i
    std::span<const std::int64_t> action;  ///< a_i in [0, K)
    std::span<const T> pscore;             ///< pi_b(a_i | x_i), in (0, 1]

    [[nodiscard]] std::size_t size() const { return reward.size(); }
};

/// Checks a log against K actions: non-empty, equal sizes, actions in [0, K), finite
/// rewards, propensities in (0, 1]. `function` names the caller in the message.
template <std::floating_point T>
void validate(const bandit_log<T>& log, index_t actions, std::string_view function) {
    require_non_empty(function, "log.reward", log.reward.size());
    require_same_size(function, "log.action", log.action.size(), "log.reward", log.reward.size());
    require_same_size(function, "log.pscore", log.pscore.size(), "log.reward", log.reward.size());
    for (std::size_t i = 0; i < log.size(); ++i) {
        require(std::isfinite(log.reward[i]), function, "log.reward[", i, "] must be finite, got ", log.reward[i]);
        require(log.action[i] >= 0 && log.action[i] < actions, function, "log.action[", i, "] must be in [0, ", actions,
                "), got ", log.action[i]);
        require(log.pscore[i] > T(0) && log.pscore[i] <= T(1), function, "log.pscore[", i,
                "] must be a probability in (0, 1], got ", log.pscore[i]);
    }
}

/// Records the decisions of a bandit and the rewards they earned, and views them as a
/// `bandit_log`. Contexts are not stored: keep them yourself if a reward model needs them.
///
///     prefrl::ope::bandit_log_recorder<double> recorder;
///     auto d = bandit.select(rng);            // any prefrl bandit
///     recorder.record(d, reward);
///     auto v = prefrl::ope::ips{}(recorder.log(), target_action_dist);
template <std::floating_point T>
class bandit_log_recorder {
public:
    /// Appends one round. A NaN or out-of-range propensity (e.g. Thompson sampling with
    /// `propensity_draws = 0`) is rejected here, not later in an estimator.
    void record(const decision<T>& d, T reward) { record(d.arm, d.propensity, reward); }
    void record(index_t arm, T propensity, T reward) {
        constexpr auto fn = "prefrl::ope::bandit_log_recorder::record";
        require(arm >= 0, fn, "arm must be >= 0, got ", arm);
        require(propensity > T(0) && propensity <= T(1), fn, "propensity must be in (0, 1], got ", propensity);
        require(std::isfinite(reward), fn, "reward must be finite, got ", reward);
        actions_.push_back(arm);
        pscores_.push_back(propensity);
        rewards_.push_back(reward);
    }
    [[nodiscard]] bandit_log<T> log() const { return {rewards_, actions_, pscores_}; }
    [[nodiscard]] std::size_t size() const { return rewards_.size(); }
    void clear() {
        actions_.clear();
        pscores_.clear();
        rewards_.clear();
    }

private:
    std::vector<std::int64_t> actions_;
    std::vector<T> pscores_;
    std::vector<T> rewards_;
};

}  // namespace prefrl::ope

#endif  // PREFRL_OPE_BANDIT_LOG_HPP

#ifndef PREFRL_OPE_BANDIT_LOG_HPP
#define PREFRL_OPE_BANDIT_LOG_HPP

/// \file
/// Logged bandit feedback: what off-policy evaluation reads (`bandit_log`, a view), a small
/// owner that records the decisions of any prefrl bandit (`bandit_log_recorder`), an owning
/// log (`owning_bandit_log`). CSV files of logs: `prefrl/ope/log_csv.hpp`.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::ope {

/// One logged round per entry i: the reward r_i, the action a_i the logging policy took, the
/// probability `pscore_i = pi_b(a_i | x_i)` with which it took it, and optionally the context
/// x_i (Open Bandit Pipeline's `reward`, `action`, `pscore`, `context`). A view: the caller
/// owns the storage (`owning_bandit_log` owns it).
///
/// The estimators read reward, action and pscore; the context is there for the reward model
/// a direct or doubly robust estimate needs (fit `q_hat` on `context`), and for `save_csv`.
template <std::floating_point T = double>
struct bandit_log {
    std::span<const T> reward;             ///< r_i
    std::span<const std::int64_t> action;  ///< a_i in [0, K)
    std::span<const T> pscore;             ///< pi_b(a_i | x_i), in (0, 1]
    std::span<const T> context = {};       ///< row-major [rounds x context_size], or empty: no contexts
    index_t context_size = 0;              ///< features per context (0 when context is empty)

    [[nodiscard]] std::size_t size() const { return reward.size(); }
    /// The context of round i (`context_size` values). Throws if i is out of range or the
    /// log holds no contexts.
    [[nodiscard]] std::span<const T> context_of(std::size_t i) const {
        constexpr auto fn = "prefrl::ope::bandit_log::context_of";
        require(context_size > 0, fn, "this log holds no contexts (context_size = 0)");
        require(i < size(), fn, "i must be < ", size(), ", got ", i);
        return context.subspan(i * static_cast<std::size_t>(context_size), static_cast<std::size_t>(context_size));
    }
};

/// Checks a log against K actions: non-empty, equal sizes, actions in [0, K), finite
/// rewards, propensities in (0, 1], contexts (if any) finite and `rounds x context_size`.
/// `function` names the caller in the message.
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
    require(log.context_size >= 0, function, "log.context_size must be >= 0, got ", log.context_size);
    if (log.context_size == 0) {
        require(log.context.empty(), function, "log.context holds ", log.context.size(),
                " values but log.context_size is 0 (set it to the features per round)");
        return;
    }
    const auto k = static_cast<std::size_t>(log.context_size);
    require(log.context.size() % k == 0 && log.context.size() / k == log.size(), function, "log.context holds ",
            log.context.size(), " values, expected ", log.size(), " rounds x ", k, " features");
    for (std::size_t j = 0; j < log.context.size(); ++j)
        require(std::isfinite(log.context[j]), function, "log.context[", j, "] (round ", j / k, ", feature ", j % k,
                ") must be finite, got ", log.context[j]);
}

/// Records the decisions of a bandit, the rewards they earned and (optionally) the contexts
/// they were made in, and views them as a `bandit_log`.
///
///     prefrl::ope::bandit_log_recorder<double> recorder;
///     auto d = bandit.select(x, rng);         // any prefrl bandit
///     recorder.record(d, reward, x);          // or record(d, reward) without contexts
///     auto v = prefrl::ope::ips{}(recorder.log(), target_action_dist);
///
/// Every round of one recorder has a context of the same size, or none has.
template <std::floating_point T = double>
class bandit_log_recorder {
public:
    /// Appends one round. A NaN or out-of-range propensity (e.g. Thompson sampling with
    /// `propensity_draws = 0`) is rejected here, not later in an estimator.
    void record(const decision<T>& d, T reward) { record(d.arm, d.propensity, reward); }
    void record(index_t arm, T propensity, T reward) {
        constexpr auto fn = "prefrl::ope::bandit_log_recorder::record";
        check(fn, arm, propensity, reward);
        require(context_size_ == 0, fn, "this recorder keeps contexts of ", context_size_,
                " features: pass the round's context as the last argument");
        push(arm, propensity, reward);
    }
    /// Appends one round with its context x (finite, the same size in every round).
    void record(const decision<T>& d, T reward, scalar_span<T> x) { record(d.arm, d.propensity, reward, x); }
    void record(index_t arm, T propensity, T reward, scalar_span<T> x) {
        constexpr auto fn = "prefrl::ope::bandit_log_recorder::record";
        check(fn, arm, propensity, reward);
        require(!x.empty(), fn, "the context x is empty (record without it instead)");
        if (rewards_.empty()) context_size_ = static_cast<index_t>(x.size());
        require(context_size_ > 0, fn, "the first rounds were recorded without contexts: record every round alike");
        require(x.size() == static_cast<std::size_t>(context_size_), fn, "x has ", x.size(), " features, the first round had ",
                context_size_);
        for (std::size_t j = 0; j < x.size(); ++j) require(std::isfinite(x[j]), fn, "x[", j, "] must be finite, got ", x[j]);
        contexts_.insert(contexts_.end(), x.begin(), x.end());
        push(arm, propensity, reward);
    }
    /// A view of the recorded rounds (not callable on a temporary recorder: it would dangle).
    [[nodiscard]] bandit_log<T> log() const& { return {rewards_, actions_, pscores_, contexts_, context_size_}; }
    bandit_log<T> log() const&& = delete;
    [[nodiscard]] std::size_t size() const { return rewards_.size(); }
    void clear() {
        actions_.clear();
        pscores_.clear();
        rewards_.clear();
        contexts_.clear();
        context_size_ = 0;
    }

private:
    static void check(const char* fn, index_t arm, T propensity, T reward) {
        require(arm >= 0, fn, "arm must be >= 0, got ", arm);
        require(propensity > T(0) && propensity <= T(1), fn, "propensity must be in (0, 1], got ", propensity);
        require(std::isfinite(reward), fn, "reward must be finite, got ", reward);
    }
    void push(index_t arm, T propensity, T reward) {
        actions_.push_back(arm);
        pscores_.push_back(propensity);
        rewards_.push_back(reward);
    }
    std::vector<std::int64_t> actions_;
    std::vector<T> pscores_;
    std::vector<T> rewards_;
    std::vector<T> contexts_;
    index_t context_size_ = 0;
};

/// **A bandit log that owns its arrays**, and is a `bandit_log` viewing them: every estimator
/// takes it, and it cannot outlive its data (`load_csv` returns one).
///
///     const prefrl::ope::owning_bandit_log<double> log({.reward = {1, 0, 1}, .action = {0, 1, 0},
///                                                       .pscore = {0.5, 0.5, 0.5}});
///     auto v = prefrl::ope::ips{}(log, target_action_dist);
///
/// Copies re-point at their own arrays. The arrays are checked when an estimator reads them
/// (or call `validate(log, actions, name)`).
template <std::floating_point T = double>
class owning_bandit_log : public bandit_log<T> {
public:
    /// The arrays, by field name (context: row-major rounds x context_size, or empty).
    struct columns {
        std::vector<T> reward = {};
        std::vector<std::int64_t> action = {};
        std::vector<T> pscore = {};
        std::vector<T> context = {};
        index_t context_size = 0;
    };

    owning_bandit_log() = default;
    explicit owning_bandit_log(columns data) : data_(std::move(data)) { bind(); }
    owning_bandit_log(const owning_bandit_log& other) : bandit_log<T>(), data_(other.data_) { bind(); }
    owning_bandit_log(owning_bandit_log&& other) noexcept : bandit_log<T>(), data_(std::move(other.data_)) {
        bind();
        other.bind();
    }
    owning_bandit_log& operator=(const owning_bandit_log& other) {
        if (this != &other) {
            data_ = other.data_;
            bind();
        }
        return *this;
    }
    owning_bandit_log& operator=(owning_bandit_log&& other) noexcept {
        if (this != &other) {
            data_ = std::move(other.data_);
            bind();
            other.bind();
        }
        return *this;
    }
    ~owning_bandit_log() = default;

    /// The arrays this log owns (read-only: the views point into them).
    [[nodiscard]] const columns& data() const { return data_; }

private:
    void bind() {
        bandit_log<T>& v = *this;
        v = bandit_log<T>{data_.reward, data_.action, data_.pscore, data_.context, data_.context_size};
    }
    columns data_;
};

}  // namespace prefrl::ope

#endif  // PREFRL_OPE_BANDIT_LOG_HPP

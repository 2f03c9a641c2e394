#ifndef PREFRL_BANDIT_SIMULATE_HPP
#define PREFRL_BANDIT_SIMULATE_HPP

/// \file
/// Runs a bandit against an environment and records its regret.

#include <concepts>
#include <span>
#include <string_view>
#include <vector>

#include "prefrl/core/bandit.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::detail {

/// Where the environment reports its arm count, requires the bandit's to equal it; `what`
/// names the environment in the message (`fn: the bandit has 3 arms but the environment 2`).
template <class B, class Env>
void check_same_arms(std::string_view fn, const B& bandit, const Env& env, std::string_view what) {
    if constexpr (requires { env.num_arms(); })
        require(static_cast<index_t>(bandit.num_arms()) == static_cast<index_t>(env.num_arms()), fn, "the bandit has ",
                bandit.num_arms(), " arms but ", what, " ", env.num_arms());
}

}  // namespace prefrl::detail

namespace prefrl::bandit {

/// The trace of one run: `cumulative_regret[t]` after round t + 1, the arms played, the
/// propensities reported and the rewards received.
struct bandit_run {
    std::vector<double> cumulative_regret;
    std::vector<index_t> arms;
    std::vector<double> propensities;
    std::vector<double> rewards;
    [[nodiscard]] double regret() const { return cumulative_regret.empty() ? 0.0 : cumulative_regret.back(); }
};

}  // namespace prefrl::bandit

namespace prefrl::detail {

/// `bandit.update(arm, reward, rng)` where the bandit draws when it learns (`thompson_beta`), so
/// the loop's generator is the only source of randomness; `bandit.update(arm, reward)` otherwise.
/// The most rounds a simulation records (4 arrays of `horizon` entries, 8.6 GB at the limit):
/// a longer horizon is refused by name instead of failing to allocate or running for days.
inline constexpr index_t max_simulation_horizon = index_t{1} << 28;

inline void check_simulation_horizon(std::string_view fn, index_t horizon) {
    require(horizon >= 1, fn, "horizon must be >= 1, got ", horizon);
    require(horizon <= max_simulation_horizon, fn, "horizon must be <= ", max_simulation_horizon,
            " (the run records 4 arrays of horizon entries), got ", horizon);
}

template <class B, class R, class G>
void update_bandit(B& bandit, index_t arm, R reward, G& rng) {
    if constexpr (requires { bandit.update(arm, reward, rng); }) {
        bandit.update(arm, reward, rng);
    } else {
        bandit.update(arm, reward);
    }
}

}  // namespace prefrl::detail

namespace prefrl::bandit {

/// Plays `horizon` rounds of a `Bandit` on stochastic arms (`env::bernoulli_arms`,
/// `env::gaussian_arms`, or any type with `pull(a, rng)`, `mean(a)`, `best_mean()`); the regret
/// is the pseudo-regret `sum_t (mu* - mu_{a_t})`.
template <Bandit B, class Arms, RandomGenerator G>
    requires requires(const Arms& e, index_t a, G& rng) {
        e.pull(a, rng);
        { e.mean(a) } -> std::convertible_to<double>;
        { e.best_mean() } -> std::convertible_to<double>;
    }
bandit_run simulate(B& bandit, const Arms& arms, index_t horizon, G& rng) {
    constexpr auto fn = "prefrl::bandit::simulate";
    prefrl::detail::check_simulation_horizon(fn, horizon);
    prefrl::detail::check_same_arms(fn, bandit, arms, "the environment");
    bandit_run run;
    run.cumulative_regret.reserve(static_cast<std::size_t>(horizon));
    const double best = arms.best_mean();
    double regret = 0.0;
    for (index_t t = 0; t < horizon; ++t) {
        const auto d = bandit.select(rng);
        const auto r = arms.pull(d.arm, rng);
        prefrl::detail::update_bandit(bandit, d.arm, r, rng);
        regret += best - arms.mean(d.arm);
        run.cumulative_regret.push_back(regret);
        run.arms.push_back(d.arm);
        run.propensities.push_back(static_cast<double>(d.propensity));
        run.rewards.push_back(static_cast<double>(r));
    }
    return run;
}

/// Plays a `Bandit` against an oblivious adversary's reward table (`env::oblivious_adversary`,
/// or any type with `horizon()`, `reward(t, a)`, `best_fixed_arm()`); the regret after round t
/// is `sum_{s <= t} (reward(s, a*) - reward(s, a_s))`, a* the best single arm in hindsight.
template <Bandit B, class Adversary, RandomGenerator G>
    requires requires(const Adversary& e, index_t t) {
        { e.horizon() } -> std::convertible_to<index_t>;
        e.reward(t, t);
        { e.best_fixed_arm() } -> std::convertible_to<index_t>;
    }
bandit_run simulate_adversarial(B& bandit, const Adversary& adversary, G& rng) {
    constexpr auto fn = "prefrl::bandit::simulate_adversarial";
    prefrl::detail::check_same_arms(fn, bandit, adversary, "the adversary");
    require(adversary.horizon() >= 0, fn, "the adversary's horizon must be >= 0, got ", adversary.horizon());
    require(adversary.horizon() <= prefrl::detail::max_simulation_horizon, fn, "the adversary's horizon must be <= ",
            prefrl::detail::max_simulation_horizon, ", got ", adversary.horizon());
    const index_t horizon = adversary.horizon();
    const index_t best = adversary.best_fixed_arm();
    bandit_run run;
    double regret = 0.0;
    for (index_t t = 0; t < horizon; ++t) {
        const auto d = bandit.select(rng);
        const auto r = adversary.reward(t, d.arm);
        prefrl::detail::update_bandit(bandit, d.arm, r, rng);
        regret += static_cast<double>(adversary.reward(t, best)) - static_cast<double>(r);
        run.cumulative_regret.push_back(regret);
        run.arms.push_back(d.arm);
        run.propensities.push_back(static_cast<double>(d.propensity));
        run.rewards.push_back(static_cast<double>(r));
    }
    return run;
}

/// Plays `horizon` rounds of a `ContextualBandit` on a contextual environment
/// (`env::linear_contextual_arms`, or any type with `context(rng)`, `expected_rewards(x)`,
/// `pull(x, a, rng)`); the regret is `sum_t (max_a q(x_t, a) - q(x_t, a_t))`.
template <ContextualBandit B, class Env, RandomGenerator G>
bandit_run simulate_contextual(B& bandit, const Env& env, index_t horizon, G& rng) {
    using T = typename B::scalar_type;
    constexpr auto fn = "prefrl::bandit::simulate_contextual";
    prefrl::detail::check_simulation_horizon(fn, horizon);
    prefrl::detail::check_same_arms(fn, bandit, env, "the environment");
    if constexpr (requires { env.context_size(); })
        require(static_cast<index_t>(bandit.context_size()) == static_cast<index_t>(env.context_size()), fn,
                "the bandit takes contexts of ", bandit.context_size(), " entries but the environment gives ", env.context_size());
    bandit_run run;
    double regret = 0.0;
    for (index_t t = 0; t < horizon; ++t) {
        const vector<T> x = env.context(rng);
        const std::span<const T> xs(x.data(), static_cast<std::size_t>(x.size()));
        const auto d = bandit.select(xs, rng);
        const auto r = env.pull(xs, d.arm, rng);
        bandit.update(xs, d.arm, r);
        const vector<T> q = env.expected_rewards(xs);
        regret += static_cast<double>(q.maxCoeff()) - static_cast<double>(q[d.arm]);
        run.cumulative_regret.push_back(regret);
        run.arms.push_back(d.arm);
        run.propensities.push_back(static_cast<double>(d.propensity));
        run.rewards.push_back(static_cast<double>(r));
    }
    return run;
}

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_SIMULATE_HPP

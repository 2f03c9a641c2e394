#ifndef PREFRL_ENV_TABULAR_ENVIRONMENT_HPP
#define PREFRL_ENV_TABULAR_ENVIRONMENT_HPP

/// \file
/// Any `tabular_mdp` as an `Environment`: reset draws from mu0, step samples s' from P.

#include <concepts>
#include <cstdint>
#include <span>

#include "prefrl/core/environment.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"

namespace prefrl::env {

/// **A simulator of a finite MDP** (a model of `Environment`): `reset` draws s_0 ~ mu0;
/// `step(a)` draws s' ~ P[s, a, .] and returns the expected reward R[s, a]; the step is
/// `terminal` when s' is a terminal state of the MDP, `truncated` when `horizon` steps (0:
/// none) have been taken. The chain, gridworld, cliff walking, Garnet and two-state MDPs of
/// this area are `tabular_environment`s over the `tabular_mdp`s their functions build, so
/// dynamic programming and learning run on the same problem.
template <std::floating_point T = double>
struct tabular_environment {
    using state_type = index_t;
    using action_type = index_t;
    using scalar_type = T;

    mdp::tabular_mdp<T> model;
    index_t horizon = 0;

    explicit tabular_environment(mdp::tabular_mdp<T> m, index_t horizon_ = 0) : model(std::move(m)), horizon(horizon_) {
        model.validate("prefrl::env::tabular_environment");
        require_non_negative("prefrl::env::tabular_environment", "horizon", horizon);
    }

    template <RandomGenerator G>
    index_t reset(G& rng) {
        const vector<T> mu0 = model.start_distribution();
        state_ = sample_categorical<T>(std::span<const T>(mu0.data(), static_cast<std::size_t>(mu0.size())), rng);
        steps_ = 0;
        done_ = false;
        return state_;
    }

    template <RandomGenerator G>
    step_result<index_t, T> step(index_t a, G& rng) {
        constexpr auto fn = "prefrl::env::tabular_environment::step";
        require(state_ >= 0, fn, "call reset() before the first step");
        require(!done_, fn, "the episode has ended (terminal or truncated): call reset()");
        require(a >= 0 && a < model.actions(), fn, "action must be in [0, ", model.actions(), "), got ", a);
        const auto row = model.transition_matrix().row(state_ * model.actions() + a);
        const index_t next = sample_categorical<T>(std::span<const T>(row.data(), static_cast<std::size_t>(row.size())), rng);
        const T reward = model.rewards(state_, a);
        state_ = next;
        ++steps_;
        const bool terminal = model.is_terminal(next);
        const bool truncated = !terminal && horizon > 0 && steps_ >= horizon;
        done_ = terminal || truncated;
        return {next, reward, terminal, truncated};
    }

    [[nodiscard]] index_t state() const { return state_; }
    [[nodiscard]] index_t states() const { return model.states(); }
    [[nodiscard]] index_t actions() const { return model.actions(); }

private:
    index_t state_ = -1;
    index_t steps_ = 0;
    bool done_ = false;
};

}  // namespace prefrl::env

#endif  // PREFRL_ENV_TABULAR_ENVIRONMENT_HPP

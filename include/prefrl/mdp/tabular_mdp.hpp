#ifndef PREFRL_MDP_TABULAR_MDP_HPP
#define PREFRL_MDP_TABULAR_MDP_HPP

/// \file
/// A finite MDP as arrays: P[s, a, s'] as an xtensor, R[s, a], gamma, a start distribution and
/// optional terminal states (see docs/rl.md).

#include <cmath>
#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>
#include <xtensor/xtensor.hpp>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::mdp {

/// A policy as a `[states, actions]` row-stochastic matrix pi[s, a].
template <std::floating_point T>
using stochastic_policy = row_matrix<T>;

/// **A finite MDP** (Puterman 1994): S states, A actions in every state, 0-based.
///
/// - `transitions` P[s, a, s'] >= 0, each (s, a) row summing to 1 within 1e-9 (1e-6 in float);
/// - `rewards` R[s, a], the expected reward of taking a in s;
/// - `gamma` in [0, 1);
/// - `start` mu0, a distribution over states (empty: uniform);
/// - `terminal` (empty: none): V(s) = Q(s, .) = 0 there, and the bootstrap weight of s' is
///   gamma (1 - terminal[s']); their rows of P and R are ignored.
///
/// `validate()` checks all of it (`prefrl::invalid_argument` naming the entry); every
/// algorithm calls it.
template <std::floating_point T = double>
struct tabular_mdp {
    xt::xtensor<T, 3> transitions;
    row_matrix<T> rewards;
    T gamma = T(0.9);
    vector<T> start = {};
    std::vector<std::uint8_t> terminal = {};

    [[nodiscard]] index_t states() const { return static_cast<index_t>(transitions.shape()[0]); }
    [[nodiscard]] index_t actions() const { return static_cast<index_t>(transitions.shape()[1]); }
    /// Whether s is terminal; throws `prefrl::invalid_argument` for s outside [0, states()) or
    /// outside a `terminal` of the wrong size.
    [[nodiscard]] bool is_terminal(index_t s) const {
        constexpr auto fn = "prefrl::mdp::tabular_mdp::is_terminal";
        if (s < 0 || s >= states()) fail(fn, "s must be in [0, ", states(), "), got ", s);
        if (terminal.empty()) return false;
        if (static_cast<std::size_t>(s) >= terminal.size())
            fail(fn, "terminal has ", terminal.size(), " entries but there are ", states(), " states");
        return terminal[static_cast<std::size_t>(s)] != 0;
    }

    /// P as a `[S A, S]` row-major matrix (row s A + a), without a copy.
    [[nodiscard]] Eigen::Map<const row_matrix<T>> transition_matrix() const {
        return {transitions.data(), states() * actions(), states()};
    }

    /// mu0 (uniform when `start` is empty).
    [[nodiscard]] vector<T> start_distribution() const {
        return start.size() == 0 ? vector<T>::Constant(states(), T(1) / static_cast<T>(states())) : start;
    }

    /// How far a row of P may sum from 1: 1e-9 in double, 1e-6 in float (its rounding).
    static constexpr double probability_tolerance() { return std::same_as<T, double> ? 1e-9 : 1e-6; }

    /// Throws `prefrl::invalid_argument` unless the MDP is well formed; `fn` names the caller.
    void validate(std::string_view fn = "prefrl::mdp::tabular_mdp") const {
        const auto& shape = transitions.shape();
        require(shape[0] > 0 && shape[1] > 0 && shape[2] == shape[0], fn, "transitions must be [S, A, S] with S, A > 0, got [",
                shape[0], ", ", shape[1], ", ", shape[2], "]");
        const index_t s_count = states(), a_count = actions();
        require(rewards.rows() == s_count && rewards.cols() == a_count, fn, "rewards must be [", s_count, ", ", a_count,
                "], got [", rewards.rows(), ", ", rewards.cols(), "]");
        require(gamma >= T(0) && gamma < T(1), fn, "gamma must be in [0, 1), got ", gamma);
        require(terminal.empty() || static_cast<index_t>(terminal.size()) == s_count, fn, "terminal has ", terminal.size(),
                " entries but there are ", s_count, " states");
        if (start.size() != 0) {
            require(start.size() == s_count, fn, "start has ", start.size(), " entries but there are ", s_count, " states");
            double total = 0.0;
            for (index_t s = 0; s < s_count; ++s) {
                require(start[s] >= T(0) && std::isfinite(start[s]), fn, "start[", s, "] must be a probability, got ", start[s]);
                total += start[s];
            }
            require(std::abs(total - 1.0) <= probability_tolerance(), fn, "start must sum to 1, got ", total);
        }
        for (index_t s = 0; s < s_count; ++s) {
            if (is_terminal(s)) {  // ignored by every algorithm, but never NaN or inf (0 * inf is NaN)
                for (index_t a = 0; a < a_count; ++a) {
                    require(std::isfinite(rewards(s, a)), fn, "rewards(", s, ", ", a, ") must be finite, got ", rewards(s, a));
                    for (index_t next = 0; next < s_count; ++next)
                        require(std::isfinite(transitions(s, a, next)), fn, "transitions(", s, ", ", a, ", ", next,
                                ") must be finite, got ", transitions(s, a, next));
                }
                continue;
            }
            for (index_t a = 0; a < a_count; ++a) {
                require(std::isfinite(rewards(s, a)), fn, "rewards(", s, ", ", a, ") must be finite, got ", rewards(s, a));
                double total = 0.0;
                for (index_t next = 0; next < s_count; ++next) {
                    const T p = transitions(s, a, next);
                    require(p >= T(0) && std::isfinite(p), fn, "transitions(", s, ", ", a, ", ", next, ") must be a probability, got ", p);
                    total += p;
                }
                require(std::abs(total - 1.0) <= probability_tolerance(), fn, "transitions(", s, ", ", a,
                        ", :) must sum to 1 (within ", probability_tolerance(), "), got ", total);
            }
        }
    }
};

/// The most entries (S A S) of the dense transition tensor the MDP builders make (2^28: 2 GiB
/// of doubles).
inline constexpr index_t max_transition_entries = index_t{1} << 28;

}  // namespace prefrl::mdp

namespace prefrl::detail {

/// Checks that a dense `[states, actions, states]` tensor can be built: sizes > 0, the product
/// neither overflowing nor above `mdp::max_transition_entries`; `fn` names the builder.
inline void check_dense_mdp_size(std::string_view fn, index_t states, index_t actions) {
    require_positive(fn, "states", states);
    require_positive(fn, "actions", actions);
    const index_t entries = checked_size_product(fn, "states * actions * states",
                                                 checked_size_product(fn, "states * actions", states, actions), states);
    require(entries <= mdp::max_transition_entries, fn, states, " states and ", actions, " actions make a dense transition tensor of ",
            entries, " entries, more than ", mdp::max_transition_entries);
}

}  // namespace prefrl::detail

#endif  // PREFRL_MDP_TABULAR_MDP_HPP

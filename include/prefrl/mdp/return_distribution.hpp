#ifndef PREFRL_MDP_RETURN_DISTRIBUTION_HPP
#define PREFRL_MDP_RETURN_DISTRIBUTION_HPP

/// \file
/// Finite-horizon return distributions and risk-sensitive (CVaR) control by dynamic
/// programming on the stock-augmented state ("Stock-augmented return-distribution
/// optimization"; Pires et al. 2025, "Optimizing Return Distributions with Distributional
/// Dynamic Programming"; Bauerle & Ott 2011).
///
/// Undiscounted returns over a horizon (the worked example of Pires et al. 2025 has gamma = 1, which
/// `tabular_mdp::gamma` cannot hold, so these routines ignore `gamma`); an episode ends at a
/// terminal state or after `horizon` steps. Returns are finite-support laws, exact.
///
/// The functions here that are not generic are still templates (`template <class = void>`,
/// called as plain functions): a program that includes the header without calling them does
/// not compile their Eigen code (GCC otherwise instantiates it for every translation unit).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string_view>
#include <tuple>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"

namespace prefrl::mdp {

/// A finite-support law of the return: value -> probability.
using return_law = std::map<double, double>;

}  // namespace prefrl::mdp

namespace prefrl::detail {

/// Checks a finite law: finite values, probabilities >= 0 summing to 1 within 1e-9.
/// The exact return-law enumerations refuse work they cannot finish: at most this many
/// (state, accumulated return) expansions in all (about a second), instead of hanging on a long
/// horizon or an exponential number of distinct returns.
inline constexpr std::size_t max_return_expansions = std::size_t{1} << 22;

/// The stock DP of `cvar_optimal_policy` recurses once per step: deeper horizons would overflow the stack.
inline constexpr index_t max_cvar_horizon = 4096;

template <class = void>
inline void count_return_expansions(std::string_view fn, std::size_t& done, std::size_t more, index_t t) {
    done += more;
    require(done <= max_return_expansions, fn, "the exact return law needs more than ", max_return_expansions,
            " (state, return) expansions (reached at t = ", t,
            "): too many distinct returns or too long a horizon to enumerate; shorten the horizon or sample returns instead");
}

template <class = void>
inline void check_return_law(std::string_view fn, const mdp::return_law& law) {
    require_non_empty(fn, "law", law.size());
    double mass = 0.0;
    for (const auto& [value, p] : law) {
        require(std::isfinite(value), fn, "law has a value ", value, "; values must be finite");
        require(p >= 0.0 && p <= 1.0, fn, "law's probability of ", value, " must be in [0, 1], got ", p);
        mass += p;
    }
    require(std::abs(mass - 1.0) <= 1e-9, fn, "law's probabilities must sum to 1, got ", mass);
}

}  // namespace prefrl::detail

namespace prefrl::mdp {

/// **CVaR_alpha** of a finite law: the mean of its lowest alpha-fraction (an atom at the
/// quantile counts pro rata), alpha in (0, 1]; alpha = 1 is the mean (Rockafellar & Uryasev
/// 2000: CVaR = max_c c - E[(c - G)^+] / alpha).
template <class = void>
inline double cvar(const return_law& law, double alpha) {
    constexpr auto fn = "prefrl::mdp::cvar";
    require(alpha > 0.0 && alpha <= 1.0, fn, "alpha must be in (0, 1], got ", alpha);
    detail::check_return_law(fn, law);
    double mass = 0.0, total = 0.0;
    for (const auto& [value, p] : law) {
        const double take = std::min(p, alpha - mass);
        if (take <= 0.0) break;
        total += take * value;
        mass += take;
    }
    return total / alpha;
}

/// The mean of a finite law.
template <class = void>
inline double mean(const return_law& law) {
    detail::check_return_law("prefrl::mdp::mean", law);
    double total = 0.0;
    for (const auto& [value, p] : law) total += value * p;
    return total;
}

/// A history-dependent policy through its sufficient statistics: `(t, s, accumulated reward)
/// -> action`.
using stock_policy = std::function<index_t(index_t t, index_t s, double accumulated)>;

/// **The exact return law** of a policy from `start` over `horizon` steps, by forward
/// enumeration of (state, accumulated reward) pairs (equal accumulations merged).
template <std::floating_point T>
return_law finite_horizon_return_law(const tabular_mdp<T>& mdp, index_t start, index_t horizon, const stock_policy& policy) {
    constexpr auto fn = "prefrl::mdp::finite_horizon_return_law";
    mdp.validate(fn);
    require(start >= 0 && start < mdp.states(), fn, "start must be in [0, ", mdp.states(), "), got ", start);
    require_positive(fn, "horizon", horizon);
    std::map<std::pair<index_t, double>, double> frontier{{{start, 0.0}, 1.0}};
    return_law law;
    std::size_t expansions = 0;
    for (index_t t = 0; t < horizon && !frontier.empty(); ++t) {
        detail::count_return_expansions(fn, expansions, frontier.size(), t);
        std::map<std::pair<index_t, double>, double> next;
        for (const auto& [key, p] : frontier) {
            const auto [s, accumulated] = key;
            if (mdp.is_terminal(s)) {
                law[accumulated] += p;
                continue;
            }
            const index_t a = policy(t, s, accumulated);
            require(a >= 0 && a < mdp.actions(), fn, "the policy chose action ", a, " at t = ", t, ", s = ", s);
            const double reward = static_cast<double>(mdp.rewards(s, a));
            for (index_t s2 = 0; s2 < mdp.states(); ++s2) {
                const double q = static_cast<double>(mdp.transitions(s, a, s2));
                if (q > 0.0) next[{s2, accumulated + reward}] += p * q;
            }
        }
        frontier.swap(next);
    }
    for (const auto& [key, p] : frontier) law[key.second] += p;
    return law;
}

/// **Finite-horizon value iteration** (backward induction, gamma = 1): the risk-neutral optimum,
/// `V_t(s) = max_a R[s, a] + sum_s' P[s, a, s'] V_{t+1}(s')`, V_H = 0, V = 0 at terminal
/// states. Returns `policy[t][s]` (first maximum) and `value[t][s]`.
template <std::floating_point T>
std::pair<std::vector<std::vector<index_t>>, std::vector<std::vector<double>>> finite_horizon_value_iteration(const tabular_mdp<T>& mdp,
                                                                                                           index_t horizon) {
    constexpr auto fn = "prefrl::mdp::finite_horizon_value_iteration";
    mdp.validate(fn);
    require_positive(fn, "horizon", horizon);
    const index_t entries = checked_size_product(fn, "(horizon + 1) * states", checked_size_sum(fn, "horizon + 1", horizon, index_t{1}),
                                                 mdp.states());
    require(entries <= (index_t{1} << 27), fn, "(horizon + 1) * states = ", entries,
            " values would not fit in memory; the limit is 134217728");
    const auto steps = static_cast<std::size_t>(horizon);
    std::vector<std::vector<double>> value(steps + 1, std::vector<double>(static_cast<std::size_t>(mdp.states()), 0.0));
    std::vector<std::vector<index_t>> policy(steps, std::vector<index_t>(static_cast<std::size_t>(mdp.states()), 0));
    for (std::size_t t = steps; t-- > 0;) {
        for (index_t s = 0; s < mdp.states(); ++s) {
            if (mdp.is_terminal(s)) continue;
            double best = -std::numeric_limits<double>::infinity();
            for (index_t a = 0; a < mdp.actions(); ++a) {
                double q = static_cast<double>(mdp.rewards(s, a));
                for (index_t s2 = 0; s2 < mdp.states(); ++s2) q += static_cast<double>(mdp.transitions(s, a, s2)) * value[t + 1][static_cast<std::size_t>(s2)];
                if (q > best) {
                    best = q;
                    policy[t][static_cast<std::size_t>(s)] = a;
                }
            }
            value[t][static_cast<std::size_t>(s)] = best;
        }
    }
    return {policy, value};
}

}  // namespace prefrl::mdp

namespace prefrl::detail {

/// V_f(t, s, C) for f(x) = min(x, 0) and its greedy action, memoized on (t, s, C); holds its
/// own copy of the model, so policies built on it outlive the caller's MDP.
template <std::floating_point T>
class stock_value_function {
public:
    stock_value_function(const mdp::tabular_mdp<T>& model, index_t horizon) : model_(model), horizon_(horizon) {}

    std::pair<double, index_t> best(index_t t, index_t s, double stock) {
        if (t == horizon_ || model_.is_terminal(s)) return {std::min(stock, 0.0), 0};
        const auto key = std::make_tuple(t, s, stock);
        if (const auto found = memo_.find(key); found != memo_.end()) return found->second;
        std::pair<double, index_t> result{-std::numeric_limits<double>::infinity(), 0};
        for (index_t a = 0; a < model_.actions(); ++a) {
            double q = 0.0;
            const double next_stock = stock + static_cast<double>(model_.rewards(s, a));
            for (index_t s2 = 0; s2 < model_.states(); ++s2) {
                const double p = static_cast<double>(model_.transitions(s, a, s2));
                if (p > 0.0) q += p * best(t + 1, s2, next_stock).first;
            }
            if (q > result.first) result = {q, a};
        }
        memo_[key] = result;
        return result;
    }

private:
    mdp::tabular_mdp<T> model_;
    index_t horizon_;
    std::map<std::tuple<index_t, index_t, double>, std::pair<double, index_t>> memo_;
};

}  // namespace prefrl::detail

namespace prefrl::mdp {

/// What `cvar_optimal_policy` returns.
struct cvar_solution {
    double threshold = 0.0;  ///< c*, the maximizing c (VaR_alpha of the optimal law)
    double value = 0.0;      ///< CVaR*_alpha = c* + V_f(start, C_0 = -c*) / alpha
    stock_policy policy;     ///< greedy for V_f on (t, s, C = accumulated - c*); t in [0, horizon]
    return_law law;          ///< the exact return law of `policy`
    std::vector<std::pair<double, double>> objective;  ///< (c, c + V_f(start, -c) / alpha) for every candidate c
};

/// **CVaR-optimal control by DP on the stock-augmented state** (Bauerle & Ott
/// 2011; Pires et al. 2025): with f(x) = min(x, 0), which is positively homogeneous,
///
///     V_f(t, s, C) = max_a sum_s' P[s, a, s'] V_f(t + 1, s', C + R[s, a]),   V_f(end, C) = f(C)
///     CVaR*_alpha = max_c { c + V_f(0, start, -c) / alpha }
///
/// (Rockafellar-Uryasev inside, a search over the reachable returns outside: the maximizer is
/// one of them). The policy starts at stock -c* and acts greedily for V_f: it depends on the
/// reward accumulated so far, which no Markov policy of s can, and is optimal among all
/// policies, randomized included.
template <std::floating_point T>
cvar_solution cvar_optimal_policy(const tabular_mdp<T>& mdp, index_t start, index_t horizon, double alpha) {
    constexpr auto fn = "prefrl::mdp::cvar_optimal_policy";
    mdp.validate(fn);
    require(alpha > 0.0 && alpha <= 1.0, fn, "alpha must be in (0, 1], got ", alpha);
    require(start >= 0 && start < mdp.states(), fn, "start must be in [0, ", mdp.states(), "), got ", start);
    require_positive(fn, "horizon", horizon);
    require(horizon <= detail::max_cvar_horizon, fn, "horizon must be <= ", detail::max_cvar_horizon,
            " (the stock DP recurses once per step), got ", horizon);
    // the returns any policy can reach are the candidates for c
    return_law reachable;
    {
        std::map<std::pair<index_t, double>, int> frontier{{{start, 0.0}, 1}};
        std::size_t expansions = 0;
        for (index_t t = 0; t < horizon && !frontier.empty(); ++t) {
            detail::count_return_expansions(fn, expansions, frontier.size() * static_cast<std::size_t>(mdp.actions()), t);
            std::map<std::pair<index_t, double>, int> next;
            for (const auto& [key, unused] : frontier) {
                const auto [s, accumulated] = key;
                if (mdp.is_terminal(s)) {
                    reachable[accumulated] = 1.0;
                    continue;
                }
                for (index_t a = 0; a < mdp.actions(); ++a)
                    for (index_t s2 = 0; s2 < mdp.states(); ++s2)
                        if (mdp.transitions(s, a, s2) > T(0)) next[{s2, accumulated + static_cast<double>(mdp.rewards(s, a))}] = 1;
            }
            frontier.swap(next);
        }
        for (const auto& [key, unused] : frontier) reachable[key.second] = 1.0;
    }
    const auto v_f = std::make_shared<detail::stock_value_function<T>>(mdp, horizon);
    cvar_solution out;
    out.value = -std::numeric_limits<double>::infinity();
    for (const auto& [c, unused] : reachable) {
        const double h = c + v_f->best(0, start, -c).first / alpha;
        out.objective.emplace_back(c, h);
        if (h > out.value) {
            out.value = h;
            out.threshold = c;
        }
    }
    const double threshold = out.threshold;
    out.policy = [v_f, threshold, horizon, states = mdp.states()](index_t t, index_t s, double accumulated) {
        constexpr auto policy_fn = "prefrl::mdp::cvar_solution::policy";
        require(t >= 0 && t <= horizon, policy_fn, "t must be in [0, ", horizon, "] (the horizon), got ", t);
        require(s >= 0 && s < states, policy_fn, "s must be in [0, ", states, "), got ", s);
        require(std::isfinite(accumulated), policy_fn, "accumulated must be finite, got ", accumulated);
        return v_f->best(t, s, accumulated - threshold).second;
    };
    out.law = finite_horizon_return_law(mdp, start, horizon, out.policy);
    return out;
}

}  // namespace prefrl::mdp

#endif  // PREFRL_MDP_RETURN_DISTRIBUTION_HPP

#ifndef PREFRL_BANDIT_RECOVERING_HPP
#define PREFRL_BANDIT_RECOVERING_HPP

/// \file
/// Bandits with recovering rewards: an arm pulled after d idle periods pays R_i(d),
/// non-decreasing in d up to d_max. An offline planner (an LP bound, rounded to a purely
/// periodic schedule), the exact optimum of small instances, and an online variant that
/// re-plans on optimistic estimates.
///
/// The functions here that are not generic are still templates (`template <class = void>`,
/// called as plain functions): a program that includes the header without calling them does
/// not compile their Eigen code (GCC otherwise instantiates it for every translation unit).

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <concepts>
#include <limits>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::bandit {

/// Mean rewards of a recovering bandit: `mean[i][d - 1] = R_i(d)` for d = 1..d_max (the same
/// d_max for every arm), non-decreasing in d; R_i(d) = R_i(d_max) for d >= d_max.
using recovering_means = std::vector<std::vector<double>>;

/// A purely periodic schedule: arm i is pulled in the periods t with `t mod period[i] ==
/// offset[i]` (period 0: never), at most K arms a period.
struct periodic_schedule {
    std::vector<index_t> period;
    std::vector<index_t> offset;
    double lp_value = 0.0;  ///< the LP upper bound on the long-run average reward
};

}  // namespace prefrl::bandit

namespace prefrl::detail {

template <class = void>
inline void check_recovering(std::string_view fn, const bandit::recovering_means& r, index_t k) {
    require_non_empty(fn, "mean rewards", r.size());
    require(k >= 1, fn, "the pulls per period K must be >= 1, got ", k);
    const std::size_t d_max = r[0].size();
    require(d_max >= 1, fn, "R_i needs at least one idle time (d_max >= 1)");
    for (std::size_t i = 0; i < r.size(); ++i) {
        require(r[i].size() == d_max, fn, "arm ", i, " has ", r[i].size(), " idle times, arm 0 has ", d_max);
        for (std::size_t d = 0; d < d_max; ++d) {
            require(std::isfinite(r[i][d]), fn, "R_", i, "(", d + 1, ") must be finite, got ", r[i][d]);
            require(d == 0 || r[i][d] >= r[i][d - 1], fn, "R_", i, " must be non-decreasing, but R_", i, "(", d + 1, ") = ", r[i][d],
                    " < R_", i, "(", d, ")");
        }
    }
}

// The Lagrangian of the LP for multiplier lambda: each arm's best (R_i(p) - lambda) / p, or 0.
struct recovering_dual {
    double value;  // lambda K + sum_i max(0, max_p (R_i(p) - lambda) / p)
    double load;   // sum_i 1/p_i over arms whose best is positive (the largest such p on ties)
};

template <class = void>
inline recovering_dual recovering_lagrangian(const bandit::recovering_means& r, index_t k, double lambda) {
    recovering_dual out{lambda * static_cast<double>(k), 0.0};
    for (const auto& arm : r) {
        double best = 0.0;
        std::size_t best_p = 0;
        for (std::size_t p = 1; p <= arm.size(); ++p) {
            const double v = (arm[p - 1] - lambda) / static_cast<double>(p);
            if (v > best + 1e-15 || (best_p != 0 && std::abs(v - best) <= 1e-15)) {
                best = v;
                best_p = p;
            }
        }
        out.value += best;
        if (best_p != 0 && best > 1e-15) out.load += 1.0 / static_cast<double>(best_p);
    }
    return out;
}

}  // namespace prefrl::detail

namespace prefrl::bandit {

/// **Offline planner for recovering rewards** (the setting of Simchi-Levi, Zheng & Zhu 2021,
/// "Dynamic Planning and Learning under Recovering Rewards"; this planner is prefrl's own
/// construction, their relaxation and rounding were not readable):
///
/// 1. LP `max sum_i sum_p x_ip R_i(p)/p` s.t. `sum_p x_ip <= 1` per arm, `sum_i sum_p x_ip/p <= K`,
///    `x >= 0` — an upper bound on the optimal long-run average. With one coupling constraint it
///    is `min_{lambda >= 0} lambda K + sum_i max(0, max_p (R_i(p) - lambda)/p)`, solved by
///    bisection on lambda (to 1e-12).
/// 2. Each arm gets the largest period among its best periods at the optimal lambda (an arm
///    whose best value is negative is never pulled); then, while `sum 1/p_i <= K` allows, the
///    period change (or new arm) with the most value per unit of load is made (prefrl's addition:
///    rounding alone leaves capacity unused when the LP splits an arm between two periods).
/// 3. Offsets by greedy load balancing over the lcm of the periods (arms with the shortest
///    periods first, each to the offset whose slots are least loaded). Where the lcm exceeds
///    `recovering_balance_window` periods (many distinct periods), over that many periods only.
/// The most periods `plan_recovering` balances its offsets over.
inline constexpr index_t recovering_balance_window = index_t{1} << 20;

[[nodiscard]] inline periodic_schedule plan_recovering(const recovering_means& r, index_t k) {
    constexpr auto fn = "prefrl::bandit::plan_recovering";
    prefrl::detail::check_recovering(fn, r, k);
    double hi = 0.0;
    for (const auto& arm : r) hi = std::max(hi, arm.back());
    double lo = 0.0;
    periodic_schedule out;
    if (prefrl::detail::recovering_lagrangian(r, k, 0.0).load > static_cast<double>(k)) {
        for (int it = 0; it < 200 && hi - lo > 1e-13; ++it) {
            const double mid = 0.5 * (lo + hi);
            (prefrl::detail::recovering_lagrangian(r, k, mid).load > static_cast<double>(k) ? lo : hi) = mid;
        }
    } else {
        hi = 0.0;
    }
    // the LP value: the dual minimum (g is convex piecewise linear; its minimum is at the crossing)
    const double lambda = hi;
    out.lp_value = std::min(prefrl::detail::recovering_lagrangian(r, k, lambda).value,
                            prefrl::detail::recovering_lagrangian(r, k, lo).value);
    const std::size_t n = r.size();
    out.period.assign(n, 0);
    out.offset.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        double best = -std::numeric_limits<double>::infinity();
        for (std::size_t p = 1; p <= r[i].size(); ++p) best = std::max(best, (r[i][p - 1] - lambda) / static_cast<double>(p));
        if (best < -1e-12 || r[i].back() <= 0.0) continue;  // outside the LP's support: never pulled
        for (std::size_t p = r[i].size(); p >= 1; --p)
            if ((r[i][p - 1] - lambda) / static_cast<double>(p) >= best - 1e-12) {
                out.period[i] = static_cast<index_t>(p);  // the largest of the arm's best periods
                break;
            }
    }
    // fill: rounding to the largest period can leave capacity unused (an arm the LP splits
    // between periods 2 and 3 gets 3). While the load stays within K, shorten the period (or
    // start an unused arm) with the largest value gained per unit of load added.
    const auto value_of = [&](std::size_t i, index_t p) { return p == 0 ? 0.0 : r[i][static_cast<std::size_t>(p - 1)] / static_cast<double>(p); };
    const auto load_of = [](index_t p) { return p == 0 ? 0.0 : 1.0 / static_cast<double>(p); };
    double total_load = 0.0;
    for (index_t p : out.period) total_load += load_of(p);
    for (;;) {
        double best_ratio = 0.0;
        std::size_t best_arm = n;
        index_t best_period = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const index_t current = out.period[i];
            const index_t longest = current == 0 ? static_cast<index_t>(r[i].size()) : current - 1;
            for (index_t p = 1; p <= longest; ++p) {
                const double extra = load_of(p) - load_of(current);
                const double gain = value_of(i, p) - value_of(i, current);
                if (extra <= 0.0 || gain <= 1e-12 || total_load + extra > static_cast<double>(k) + 1e-9) continue;
                if (gain / extra > best_ratio) {
                    best_ratio = gain / extra;
                    best_arm = i;
                    best_period = p;
                }
            }
        }
        if (best_arm == n) break;
        total_load += load_of(best_period) - load_of(out.period[best_arm]);
        out.period[best_arm] = best_period;
    }
    // offsets: greedy load balancing over the lcm of the periods, at most the window (the lcm
    // of many distinct periods overflows any buffer: lcm(1..40) is about 5e15)
    index_t cycle = 1;
    for (index_t p : out.period)
        if (p > 0) cycle = std::min(std::lcm(cycle, p), recovering_balance_window);
    std::vector<index_t> load(static_cast<std::size_t>(cycle), 0);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto pa = out.period[a] == 0 ? std::numeric_limits<index_t>::max() : out.period[a];
        const auto pb = out.period[b] == 0 ? std::numeric_limits<index_t>::max() : out.period[b];
        return pa < pb;
    });
    for (std::size_t i : order) {
        const index_t p = out.period[i];
        if (p == 0) continue;
        index_t best_offset = 0, best_load = std::numeric_limits<index_t>::max();
        for (index_t o = 0; o < p; ++o) {
            index_t worst = 0;
            for (index_t t = o; t < cycle; t += p) worst = std::max(worst, load[static_cast<std::size_t>(t)]);
            if (worst < best_load) {
                best_load = worst;
                best_offset = o;
            }
        }
        out.offset[i] = best_offset;
        for (index_t t = best_offset; t < cycle; t += p) ++load[static_cast<std::size_t>(t)];
    }
    return out;
}

}  // namespace prefrl::bandit

namespace prefrl::detail {

/// `scheduled_pulls` without its checks (the schedule, idle times and K already checked).
inline std::vector<index_t> scheduled_pulls_unchecked(const bandit::periodic_schedule& s, const bandit::recovering_means& r,
                                                      index_t k, std::span<const index_t> idle, index_t t) {
    std::vector<index_t> due;
    for (std::size_t i = 0; i < s.period.size(); ++i)
        if (s.period[i] > 0 && t % s.period[i] == s.offset[i]) due.push_back(static_cast<index_t>(i));
    if (static_cast<index_t>(due.size()) > k) {
        std::stable_sort(due.begin(), due.end(), [&](index_t a, index_t b) {
            return r[static_cast<std::size_t>(a)][static_cast<std::size_t>(idle[static_cast<std::size_t>(a)] - 1)] >
                   r[static_cast<std::size_t>(b)][static_cast<std::size_t>(idle[static_cast<std::size_t>(b)] - 1)];
        });
        due.resize(static_cast<std::size_t>(k));
    }
    return due;
}

/// Checks a schedule against R: one period and offset per arm, periods >= 0 (0 = never
/// pulled), offsets in [0, period).
inline void check_periodic_schedule(std::string_view fn, const bandit::periodic_schedule& s, const bandit::recovering_means& r) {
    require(s.period.size() == r.size() && s.offset.size() == r.size(), fn, "the schedule has ", s.period.size(), " periods and ",
            s.offset.size(), " offsets, R has ", r.size(), " arms");
    for (std::size_t i = 0; i < s.period.size(); ++i) {
        require(s.period[i] >= 0, fn, "period[", i, "] must be >= 0, got ", s.period[i]);
        require(s.period[i] == 0 || (s.offset[i] >= 0 && s.offset[i] < s.period[i]), fn, "offset[", i, "] must be in [0, ",
                s.period[i], "), got ", s.offset[i]);
    }
}

}  // namespace prefrl::detail

namespace prefrl::bandit {

/// The arms a periodic schedule pulls in period t given the current idle times: the due arms,
/// or, when more than K are due, the K with the largest `R_i(idle_i)` (the rest wait).
/// `idle[i]` is in [1, d_max]; t >= 0.
[[nodiscard]] inline std::vector<index_t> scheduled_pulls(const periodic_schedule& s, const recovering_means& r, index_t k,
                                                          std::span<const index_t> idle, index_t t) {
    constexpr auto fn = "prefrl::bandit::scheduled_pulls";
    prefrl::detail::check_recovering(fn, r, k);
    prefrl::detail::check_periodic_schedule(fn, s, r);
    require(idle.size() == r.size(), fn, "idle has ", idle.size(), " entries but R has ", r.size(), " arms");
    const auto d_max = static_cast<index_t>(r[0].size());
    for (std::size_t i = 0; i < idle.size(); ++i)
        require(idle[i] >= 1 && idle[i] <= d_max, fn, "idle[", i, "] must be in [1, ", d_max, "], got ", idle[i]);
    require(t >= 0, fn, "t must be >= 0, got ", t);
    return prefrl::detail::scheduled_pulls_unchecked(s, r, k, idle, t);
}

/// The average expected reward per period of a schedule over `periods` periods, from all idle
/// counters at d_max.
[[nodiscard]] inline double schedule_average_reward(const periodic_schedule& s, const recovering_means& r, index_t k, index_t periods) {
    constexpr auto fn = "prefrl::bandit::schedule_average_reward";
    prefrl::detail::check_recovering(fn, r, k);
    require(periods >= 1, fn, "periods must be >= 1, got ", periods);
    prefrl::detail::check_periodic_schedule(fn, s, r);
    const auto d_max = static_cast<index_t>(r[0].size());
    std::vector<index_t> idle(r.size(), d_max);
    double total = 0.0;
    for (index_t t = 0; t < periods; ++t) {
        const auto pulls = prefrl::detail::scheduled_pulls_unchecked(s, r, k, idle, t);
        std::vector<bool> pulled(r.size(), false);
        for (index_t i : pulls) {
            total += r[static_cast<std::size_t>(i)][static_cast<std::size_t>(idle[static_cast<std::size_t>(i)] - 1)];
            pulled[static_cast<std::size_t>(i)] = true;
        }
        for (std::size_t i = 0; i < r.size(); ++i) idle[i] = pulled[i] ? 1 : std::min(idle[i] + 1, d_max);
    }
    return total / static_cast<double>(periods);
}

/// The optimal long-run average reward of a small instance, exactly: relative value iteration
/// over the idle-time states (d_max^N of them, every set of at most K arms as an action), with
/// the aperiodicity step `h <- h/2 + T(h)/2` (plain RVI oscillates on these periodic chains).
/// For tests and small studies: N up to about 8.
/// The most arms `recovering_optimal_gain` plans for exactly.
inline constexpr index_t recovering_exact_max_arms = 20;

[[nodiscard]] inline double recovering_optimal_gain(const recovering_means& r, index_t k, double tolerance = 1e-10) {
    constexpr auto fn = "prefrl::bandit::recovering_optimal_gain";
    prefrl::detail::check_recovering(fn, r, k);
    require_finite(fn, "tolerance", tolerance);
    require_positive(fn, "tolerance", tolerance);
    const auto n = static_cast<index_t>(r.size());
    const auto d_max = static_cast<index_t>(r[0].size());
    require(n <= recovering_exact_max_arms, fn, "exact planning enumerates the 2^N sets of arms: N must be at most ",
            recovering_exact_max_arms, ", got ", n);
    index_t states = 1;
    for (index_t i = 0; i < n; ++i) {
        states *= d_max;
        require(states <= 2000000, fn, "d_max^N is too large for exact planning (N = ", n, ", d_max = ", d_max, ")");
    }
    std::vector<index_t> actions;  // bitmasks with at most K arms
    for (index_t m = 0; m < (index_t{1} << n); ++m)
        if (std::popcount(static_cast<std::uint64_t>(m)) <= k) actions.push_back(m);
    require(states * static_cast<index_t>(actions.size()) <= 20000000, fn, "d_max^N states times ", actions.size(),
            " sets of at most K arms is too large for exact planning (N = ", n, ", d_max = ", d_max, ", K = ", k, ")");
    // precompute successor and reward of every (state, action)
    std::vector<index_t> next(static_cast<std::size_t>(states * static_cast<index_t>(actions.size())));
    std::vector<double> reward(next.size());
    std::vector<index_t> idle(static_cast<std::size_t>(n));
    for (index_t s = 0; s < states; ++s) {
        index_t code = s;
        for (index_t i = 0; i < n; ++i) {
            idle[static_cast<std::size_t>(i)] = code % d_max + 1;
            code /= d_max;
        }
        for (std::size_t a = 0; a < actions.size(); ++a) {
            double rew = 0.0;
            index_t nxt = 0, scale = 1;
            for (index_t i = 0; i < n; ++i) {
                const bool pull = (actions[a] >> i) & 1;
                const index_t d = idle[static_cast<std::size_t>(i)];
                if (pull) rew += r[static_cast<std::size_t>(i)][static_cast<std::size_t>(d - 1)];
                const index_t nd = pull ? 1 : std::min(d + 1, d_max);
                nxt += (nd - 1) * scale;
                scale *= d_max;
            }
            next[static_cast<std::size_t>(s) * actions.size() + a] = nxt;
            reward[static_cast<std::size_t>(s) * actions.size() + a] = rew;
        }
    }
    std::vector<double> h(static_cast<std::size_t>(states), 0.0), th(h.size());
    for (int sweep = 0; sweep < 100000; ++sweep) {
        for (std::size_t s = 0; s < h.size(); ++s) {
            double best = -std::numeric_limits<double>::infinity();
            for (std::size_t a = 0; a < actions.size(); ++a)
                best = std::max(best, reward[s * actions.size() + a] + h[static_cast<std::size_t>(next[s * actions.size() + a])]);
            th[s] = best;
        }
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (std::size_t s = 0; s < h.size(); ++s) {
            lo = std::min(lo, th[s] - h[s]);
            hi = std::max(hi, th[s] - h[s]);
        }
        // for any h, min(T(h) - h) <= g* <= max(T(h) - h); the damped step only helps them meet
        if (hi - lo < tolerance) return 0.5 * (lo + hi);
        const double anchor = 0.5 * h[0] + 0.5 * th[0];
        for (std::size_t s = 0; s < h.size(); ++s) h[s] = 0.5 * h[s] + 0.5 * th[s] - anchor;
    }
    fail(fn, "relative value iteration did not converge in 100000 sweeps");
}


/// The largest arms * d_max `recovering_ucb` accepts (2^24).
inline constexpr index_t recovering_ucb_max_cells = index_t{1} << 24;

/// Options of `recovering_ucb`.
struct recovering_ucb_options {
    double r_max = 1.0;  ///< an upper bound on the mean rewards (the index of an untried (arm, idle time))
};

/// **Online learning with recovering rewards** (prefrl's variant of the online algorithm of
/// Simchi-Levi, Zheng & Zhu 2021; theirs reaches `O~(N sqrt T)` regret against the offline
/// benchmark): time is cut into epochs of `max(N d_max, ceil(sqrt T))` periods; at each epoch's
/// start the schedule is re-planned by `plan_recovering` on optimistic means
/// `U_i(d) = min(r_max, mu_i(d) + sqrt(2 ln T / n_i(d)))` (r_max if (i, d) is untried), made
/// non-decreasing by `U_i(d) <- min_{d' >= d} U_i(d')`. (Doubling epochs gave linear regret in our
/// simulations: a bad optimistic plan held for a whole long epoch.)
///
/// Not a `Bandit`: it pulls up to K arms per period and an arm's reward depends on its idle
/// time, so its calls say so — `choose(idle, t)` gives the period's arms, `observe(arm, idle,
/// reward)` learns one pull. The caller keeps the idle times (1 after a pull, then +1 per period
/// up to d_max).
class recovering_ucb {
public:
    recovering_ucb(index_t arms, index_t max_pulls, index_t d_max, index_t horizon, recovering_ucb_options options = {})
        : k_(max_pulls), d_max_(d_max), horizon_(horizon), options_(options) {
        constexpr auto fn = "prefrl::bandit::recovering_ucb";
        require(arms >= 1 && max_pulls >= 1 && d_max >= 1 && horizon >= 1, fn, "arms, K, d_max and horizon must be >= 1, got ", arms, ", ",
                max_pulls, ", ", d_max, ", ", horizon);
        require(max_pulls <= arms, fn, "K = ", max_pulls, " pulls per period exceeds the ", arms, " arms");
        const index_t cells = checked_size_product(fn, "arms * d_max", arms, d_max);
        require(cells <= recovering_ucb_max_cells, fn, "arms * d_max = ", arms, " * ", d_max, " = ", cells, " exceeds ", recovering_ucb_max_cells,
                " (the statistics and every re-plan are of that size)");
        require_positive(fn, "r_max", options.r_max);
        sums_.assign(static_cast<std::size_t>(arms), std::vector<double>(static_cast<std::size_t>(d_max), 0.0));
        counts_.assign(static_cast<std::size_t>(arms), std::vector<index_t>(static_cast<std::size_t>(d_max), 0));
        epoch_ = std::max(arms * d_max, static_cast<index_t>(std::ceil(std::sqrt(static_cast<double>(horizon)))));
    }
    [[nodiscard]] index_t epoch_length() const { return epoch_; }
    [[nodiscard]] const periodic_schedule& schedule() const { return schedule_; }

    /// The optimistic means used by the next plan.
    [[nodiscard]] recovering_means optimistic_means() const {
        recovering_means u(sums_.size(), std::vector<double>(static_cast<std::size_t>(d_max_)));
        const double log_t = std::log(static_cast<double>(std::max<index_t>(horizon_, 2)));
        for (std::size_t i = 0; i < u.size(); ++i) {
            for (std::size_t d = 0; d < u[i].size(); ++d) {
                const index_t n = counts_[i][d];
                u[i][d] = n == 0 ? options_.r_max
                                 : std::min(options_.r_max, sums_[i][d] / static_cast<double>(n) + std::sqrt(2.0 * log_t / static_cast<double>(n)));
            }
            for (std::size_t d = u[i].size() - 1; d-- > 0;) u[i][d] = std::min(u[i][d], u[i][d + 1]);
        }
        return u;
    }

    /// The arms to pull in period t (0-based) given every arm's idle time; re-plans at epoch starts.
    [[nodiscard]] std::vector<index_t> choose(std::span<const index_t> idle, index_t t) {
        constexpr auto fn = "prefrl::bandit::recovering_ucb::choose";
        require(idle.size() == sums_.size(), fn, "idle has ", idle.size(), " entries for ", sums_.size(), " arms");
        for (std::size_t i = 0; i < idle.size(); ++i)
            require(idle[i] >= 1 && idle[i] <= d_max_, fn, "idle[", i, "] must be in [1, ", d_max_, "], got ", idle[i]);
        require_non_negative(fn, "t", t);
        if (t % epoch_ == 0 || schedule_.period.empty()) {
            current_ = optimistic_means();
            schedule_ = plan_recovering(current_, k_);
        }
        return prefrl::detail::scheduled_pulls_unchecked(schedule_, current_, k_, idle, t);
    }

    /// Learns the reward of `arm` pulled after `idle` idle periods.
    void observe(index_t arm, index_t idle, double reward) {
        constexpr auto fn = "prefrl::bandit::recovering_ucb::observe";
        require(arm >= 0 && arm < static_cast<index_t>(sums_.size()), fn, "arm must be in [0, ", sums_.size(), "), got ", arm);
        require(idle >= 1 && idle <= d_max_, fn, "idle must be in [1, ", d_max_, "], got ", idle);
        require(std::isfinite(reward), fn, "reward must be finite, got ", reward);
        sums_[static_cast<std::size_t>(arm)][static_cast<std::size_t>(idle - 1)] += reward;
        ++counts_[static_cast<std::size_t>(arm)][static_cast<std::size_t>(idle - 1)];
    }

private:
    index_t k_, d_max_, horizon_, epoch_;
    recovering_ucb_options options_;
    std::vector<std::vector<double>> sums_;
    std::vector<std::vector<index_t>> counts_;
    recovering_means current_;
    periodic_schedule schedule_;
};

/// Random instances (prefrl's tests and benchmarks): `R_i(d) = r_i (1 - theta_i^d)`, r_i ~ U(0.3, 1), theta_i ~ U(0.2, 0.9).
template <RandomGenerator G>
recovering_means random_recovering_instance(index_t arms, index_t d_max, G& rng) {
    require(arms >= 1 && d_max >= 1, "prefrl::bandit::random_recovering_instance", "arms and d_max must be >= 1, got ", arms, ", ", d_max);
    (void)checked_size_product("prefrl::bandit::random_recovering_instance", "arms * d_max", arms, d_max);
    recovering_means r(static_cast<std::size_t>(arms), std::vector<double>(static_cast<std::size_t>(d_max)));
    for (auto& arm : r) {
        const double scale = 0.3 + 0.7 * uniform01<double>(rng), theta = 0.2 + 0.7 * uniform01<double>(rng);
        for (std::size_t d = 0; d < arm.size(); ++d) arm[d] = scale * (1.0 - std::pow(theta, static_cast<double>(d + 1)));
    }
    return r;
}

}  // namespace prefrl::bandit

#endif  // PREFRL_BANDIT_RECOVERING_HPP

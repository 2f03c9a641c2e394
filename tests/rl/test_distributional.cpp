// Distributional RL: the categorical projection's properties, categorical policy
// evaluation's means = V^pi, and CVaR-optimal control on the stock-augmented state (the paper's
// worked example, with Monte-Carlo checks).

#include <catch2/catch.hpp>

#include <prefrl/env.hpp>
#include <prefrl/mdp.hpp>
#include <prefrl/value.hpp>

#include <cmath>
#include <vector>

namespace env = prefrl::env;
namespace mdp = prefrl::mdp;
namespace value = prefrl::value;
using prefrl::index_t;

TEMPLATE_TEST_CASE("categorical projection: mass, mean, identity, C51's split, Cramer optimality", "[rl][distributional]", float, double) {
    using T = TestType;
    const std::vector<T> z{-2, -1, 0, 1, 2};
    const std::vector<T> atoms{T(-0.5), T(1.25), T(1)}, p{T(0.2), T(0.5), T(0.3)};
    const auto m = value::categorical_l2_project<T>(atoms, p, z);
    CHECK(m.sum() == Approx(1.0));
    double mean = 0.0, projected = 0.0;
    for (int j = 0; j < 3; ++j) mean += p[static_cast<std::size_t>(j)] * atoms[static_cast<std::size_t>(j)];
    for (int i = 0; i < 5; ++i) projected += m[i] * z[static_cast<std::size_t>(i)];
    CHECK(projected == Approx(mean));
    // -0.5 splits 1/2 : 1/2 between -1 and 0; 1.25 splits 3/4 : 1/4 between 1 and 2; 1 stays
    CHECK(m[1] == Approx(0.1));
    CHECK(m[2] == Approx(0.1));
    CHECK(m[3] == Approx(0.375 + 0.3));
    CHECK(m[4] == Approx(0.125));
    // identity on laws on the support; clipping beyond the ends
    const std::vector<T> on{T(0.1), T(0.2), T(0.3), T(0.4), T(0)};
    CHECK((value::categorical_l2_project<T>(z, on, z) - prefrl::vector<T>(Eigen::Map<const prefrl::vector<T>>(on.data(), 5))).cwiseAbs().maxCoeff() < 1e-7);
    const auto clipped = value::categorical_l2_project<T>(std::vector<T>{T(-7), T(9)}, std::vector<T>{T(0.5), T(0.5)}, z);
    CHECK(clipped[0] == Approx(0.5));
    CHECK(clipped[4] == Approx(0.5));
    // non-uniform support: the projection beats other laws on the support in Cramer distance
    const std::vector<double> zq{-1.0, 0.0, 0.5, 2.0};
    const std::vector<double> ya{-0.7, 0.2, 1.1, 1.9}, pa{0.1, 0.4, 0.3, 0.2};
    const auto best = value::categorical_l2_project<double>(ya, pa, zq);
    auto cramer = [&](const prefrl::vector<double>& q) {  // integral of (F_p - F_q)^2 on a fine grid
        double total = 0.0;
        for (double x = -1.5; x < 2.5; x += 1e-3) {
            double fp = 0.0, fq = 0.0;
            for (std::size_t j = 0; j < 4; ++j) fp += ya[j] <= x ? pa[j] : 0.0;
            for (int i = 0; i < 4; ++i) fq += zq[static_cast<std::size_t>(i)] <= x ? q[i] : 0.0;
            total += (fp - fq) * (fp - fq) * 1e-3;
        }
        return total;
    };
    for (int trial = 0; trial < 12; ++trial) {
        prefrl::vector<double> other = best;
        other[trial % 4] += 0.05;
        other[(trial % 4 + 1 + (trial / 4) % 3) % 4] -= 0.05;  // a different atom
        if ((other.array() < 0).any()) continue;
        CHECK(cramer(other) > cramer(best));
    }
    REQUIRE_THROWS_WITH(value::categorical_l2_project<T>(atoms, p, std::vector<T>{0, 0}),
                        "prefrl::value::categorical_l2_project: z_q must increase, z_q[1] = 0 after 0");
}

TEST_CASE("categorical policy evaluation: the fixed point's means are V^pi", "[rl][distributional]") {
    prefrl::generator rng(2);
    auto garnet = mdp::garnet<double>(6, 2, 3, 0.8, rng);
    garnet.terminal = {0, 0, 0, 0, 0, 1};
    prefrl::row_matrix<double> pi(6, 2);
    pi << 0.3, 0.7, 0.5, 0.5, 1.0, 0.0, 0.2, 0.8, 0.6, 0.4, 0.5, 0.5;
    // rewards in [0, 1]: the support [0, 1 / (1 - 0.8)] clips nothing
    std::vector<double> support;
    for (int i = 0; i < 51; ++i) support.push_back(5.0 * i / 50.0);
    const auto laws = mdp::categorical_policy_evaluation<double>(garnet, pi, support);
    const auto v = mdp::evaluate_policy<double>(garnet, pi);
    CHECK((laws.means() - v).cwiseAbs().maxCoeff() < 1e-11);
    CHECK((laws.probabilities.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
    CHECK(laws.probabilities(5, 0) == 1.0);  // terminal: a point mass at 0
}

TEST_CASE("CVaR on the stock-augmented state beats risk-neutral control (Pires et al. 2025's worked example)", "[rl][cvar]") {
    const auto m = env::risky_detour<double>();
    // risk-neutral: backward induction, risky at D, mean 11, CVaR_0.1 = 5.75
    const auto [neutral_policy, neutral_value] = mdp::finite_horizon_value_iteration(m, 4);
    CHECK(neutral_value[0][0] == Approx(11.0));
    const mdp::stock_policy neutral = [&](index_t t, index_t s, double) { return neutral_policy[static_cast<std::size_t>(t)][static_cast<std::size_t>(s)]; };
    const auto neutral_law = mdp::finite_horizon_return_law(m, 0, 4, neutral);
    CHECK(mdp::mean(neutral_law) == Approx(11.0));
    CHECK(mdp::cvar(neutral_law, 0.1) == Approx(5.75));
    // CVaR_0.1-optimal: c* = 11, value 6.25, risky only when behind (after L)
    const auto best = mdp::cvar_optimal_policy(m, 0, 4, 0.1);
    CHECK(best.threshold == 11.0);
    CHECK(best.value == Approx(6.25));
    CHECK(mdp::cvar(best.law, 0.1) == Approx(6.25));
    CHECK(mdp::mean(best.law) == Approx(10.525));
    CHECK(best.policy(2, 3, 0.0) == 1);   // at D after L: risky
    CHECK(best.policy(2, 3, 10.0) == 0);  // at D after H: safe
    for (const auto& [c, h] : best.objective) {  // the worked example's h(c)
        if (c == 0.0) CHECK(h == Approx(0.0));
        if (c == 3.0) CHECK(h == Approx(2.25));
        if (c == 10.0) CHECK(h == Approx(5.75));
        if (c == 13.0) CHECK(h == Approx(-7.0));
    }
    // alpha = 1 is the mean: the risk-neutral optimum
    CHECK(mdp::cvar_optimal_policy(m, 0, 4, 1.0).value == Approx(11.0));
    // Monte-Carlo: 10^5 episodes of each policy in the simulator
    env::tabular_environment<double> world(m, 4);
    prefrl::generator rng(3);
    for (const auto* policy : {&neutral, &best.policy}) {
        std::vector<double> returns;
        for (int episode = 0; episode < 100000; ++episode) {
            index_t s = world.reset(rng), t = 0;
            double total = 0.0;
            while (true) {
                const auto step = world.step((*policy)(t, s, total), rng);
                total += step.reward;
                s = step.next_state;
                ++t;
                if (step.terminal || step.truncated) break;
            }
            returns.push_back(total);
        }
        mdp::return_law sampled;
        for (const double g : returns) sampled[g] += 1.0 / returns.size();
        const double exact = policy == &neutral ? 5.75 : 6.25;
        CHECK(std::abs(mdp::cvar(sampled, 0.1) - exact) < 0.1);
    }
    REQUIRE_THROWS_WITH(mdp::cvar(neutral_law, 0.0), "prefrl::mdp::cvar: alpha must be in (0, 1], got 0");
}

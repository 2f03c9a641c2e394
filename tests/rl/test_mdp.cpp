// Tabular MDPs: Garnet, policy evaluation, VI = PI, occupancy identities, the
// average-reward solvers on 2-state MDPs, and the input checks.

#include <catch2/catch.hpp>

#include <prefrl/mdp.hpp>

#include <cmath>
#include <vector>

namespace mdp = prefrl::mdp;
using prefrl::index_t;

namespace {

// A 2-state average-reward MDP: optimal policy (0, 1), g* = 0.625, h* = (0, -1.25).
mdp::tabular_mdp<double> two_state() {
    mdp::tabular_mdp<double> m;
    m.transitions = xt::xtensor<double, 3>::from_shape({2, 2, 2});
    m.transitions(0, 0, 0) = 0.7, m.transitions(0, 0, 1) = 0.3;
    m.transitions(0, 1, 0) = 0.95, m.transitions(0, 1, 1) = 0.05;
    m.transitions(1, 0, 0) = 0.2, m.transitions(1, 0, 1) = 0.8;
    m.transitions(1, 1, 0) = 0.9, m.transitions(1, 1, 1) = 0.1;
    m.rewards = prefrl::row_matrix<double>{{1.0, 0.5}, {0.0, -0.5}};
    return m;
}

mdp::stochastic_policy<double> random_policy(index_t states, index_t actions, prefrl::generator& rng) {
    mdp::stochastic_policy<double> pi(states, actions);
    for (index_t s = 0; s < states; ++s) {
        for (index_t a = 0; a < actions; ++a) pi(s, a) = prefrl::uniform01<double>(rng) + 0.05;
        pi.row(s) /= pi.row(s).sum();
    }
    return pi;
}

}  // namespace

TEST_CASE("Garnet: b positive entries per row summing to 1, Dirichlet(1) moments, seeded", "[rl][mdp]") {
    prefrl::generator rng(1), same(1);
    const auto g = mdp::garnet<double>(200, 4, 5, 0.95, rng);
    const auto again = mdp::garnet<double>(200, 4, 5, 0.95, same);
    CHECK(g.transitions == again.transitions);
    CHECK(g.rewards == again.rewards);
    double sum = 0.0, squares = 0.0;
    int count = 0;
    for (index_t s = 0; s < 200; ++s) {
        for (index_t a = 0; a < 4; ++a) {
            int positive = 0;
            double row = 0.0;
            for (index_t n = 0; n < 200; ++n) {
                const double p = g.transitions(s, a, n);
                row += p;
                if (p > 0) {
                    ++positive;
                    sum += p;
                    squares += p * p;
                    ++count;
                }
            }
            CHECK(positive == 5);
            CHECK(std::abs(row - 1.0) < 1e-12);
        }
        CHECK(g.rewards(s, 0) == g.rewards(s, 3));  // r(s) per state by default
    }
    const double mean = sum / count, variance = squares / count - mean * mean;
    CHECK(mean == Approx(0.2).epsilon(1e-12));
    CHECK(variance == Approx(4.0 / (25.0 * 6.0)).epsilon(0.1));  // (b-1) / (b^2 (b+1))
}

TEST_CASE("value iteration and policy iteration agree on Garnet(50, 4, 3), evaluation exact = iterative", "[rl][mdp]") {
    prefrl::generator rng(2);
    const auto g = mdp::garnet<double>(50, 4, 3, 0.9, rng);
    const auto vi = mdp::value_iteration(g);
    const auto pi = mdp::policy_iteration(g);
    CHECK((vi.v - pi.v).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(vi.policy == pi.policy);
    CHECK(pi.iterations < 20);
    // the optimal V satisfies the Bellman optimality equation
    CHECK((mdp::q_from_v(g, pi.v).rowwise().maxCoeff() - pi.v).cwiseAbs().maxCoeff() < 1e-10);
    const auto policy = random_policy(50, 4, rng);
    const auto exact = mdp::evaluate_policy<double>(g, policy);
    const auto iterative = mdp::evaluate_policy_iterative<double>(g, policy);
    CHECK((exact - iterative).cwiseAbs().maxCoeff() < 1e-10);
    // no policy beats the optimum
    CHECK((exact.array() <= pi.v.array() + 1e-10).all());
}

TEST_CASE("occupancy: sums to 1, meets the flow constraint and the value identity", "[rl][mdp]") {
    prefrl::generator rng(3);
    auto g = mdp::garnet<double>(30, 3, 4, 0.8, rng);
    g.start = prefrl::vector<double>::Zero(30);
    g.start[0] = 0.5, g.start[7] = 0.5;
    const auto pi = random_policy(30, 3, rng);
    const auto d = mdp::occupancy<double>(g, pi);
    CHECK(d.state.sum() == Approx(1.0).epsilon(1e-12));
    CHECK(d.state_action.sum() == Approx(1.0).epsilon(1e-12));
    CHECK(mdp::occupancy<double>(g, pi, false).state.sum() == Approx(1.0 / (1 - 0.8)).epsilon(1e-12));
    const auto p = g.transition_matrix();
    for (index_t next = 0; next < 30; ++next) {
        double inflow = 0.0;
        for (index_t s = 0; s < 30; ++s)
            for (index_t a = 0; a < 3; ++a) inflow += p(s * 3 + a, next) * d.state_action(s, a);
        CHECK(d.state_action.row(next).sum() == Approx(0.2 * g.start[next] + 0.8 * inflow).margin(1e-14));
    }
    const auto v = mdp::evaluate_policy<double>(g, pi);
    CHECK(g.start.dot(v) == Approx((d.state_action.array() * g.rewards.array()).sum() / 0.2).epsilon(1e-12));
}

TEST_CASE("average reward: gains of every policy, relative VI's g* and h*, the periodic chain", "[rl][mdp]") {
    const auto m = two_state();
    const auto rvi = mdp::relative_value_iteration(m);
    CHECK(rvi.gain == Approx(0.625).epsilon(1e-9));
    CHECK(rvi.bias[0] == 0.0);
    CHECK(rvi.bias[1] == Approx(-1.25).epsilon(1e-8));
    CHECK(rvi.policy == mdp::deterministic_policy{0, 1});
    const std::vector<std::pair<mdp::deterministic_policy, double>> gains{
        {{0, 0}, 0.4}, {{1, 0}, 0.4}, {{1, 1}, 0.447368421052632}, {{0, 1}, 0.625}};
    for (const auto& [policy, gain] : gains) {
        const auto solved = mdp::policy_gain<double>(m, mdp::as_stochastic<double>(m, policy));
        CHECK(solved.gain == Approx(gain).epsilon(1e-12));
    }
    CHECK(mdp::policy_gain<double>(m, mdp::as_stochastic<double>(m, std::vector<index_t>{0, 1})).bias[1] == Approx(-1.25));

    // periodic chain: plain RVI's bounds never meet; with tau = 0.5 it stops at g = 0.5 in 2 sweeps
    mdp::tabular_mdp<double> periodic;
    periodic.transitions = xt::xtensor<double, 3>::from_shape({2, 1, 2});
    periodic.transitions(0, 0, 0) = 0, periodic.transitions(0, 0, 1) = 1;
    periodic.transitions(1, 0, 0) = 1, periodic.transitions(1, 0, 1) = 0;
    periodic.rewards = prefrl::row_matrix<double>{{1.0}, {0.0}};
    const auto damped = mdp::relative_value_iteration(periodic, 0.5);
    CHECK(damped.gain == Approx(0.5));
    CHECK(damped.sweeps == 2);
    CHECK(damped.bias[1] == Approx(-0.5));  // h_tau = (0, -1), h = (1 - tau) h_tau
    const auto plain = mdp::relative_value_iteration(periodic, 0.0, 1e-10, 50);
    CHECK(plain.sweeps == 50);  // did not converge
}

TEST_CASE("tabular MDPs: terminal states and bad input", "[rl][mdp]") {
    // a 3-state chain 0 -> 1 -> 2 (terminal), reward 1 per step
    mdp::tabular_mdp<double> chain;
    chain.transitions = xt::xtensor<double, 3>::from_shape({3, 1, 3});
    chain.transitions.fill(0.0);
    chain.transitions(0, 0, 1) = 1, chain.transitions(1, 0, 2) = 1, chain.transitions(2, 0, 2) = 1;
    chain.rewards = prefrl::row_matrix<double>{{1.0}, {1.0}, {5.0}};
    chain.gamma = 0.5;
    chain.terminal = {0, 0, 1};
    const auto v = mdp::value_iteration(chain).v;
    CHECK(v[2] == 0.0);
    CHECK(v[1] == Approx(1.0));
    CHECK(v[0] == Approx(1.5));

    auto bad = chain;
    bad.transitions(0, 0, 1) = 0.9;
    REQUIRE_THROWS_WITH(mdp::value_iteration(bad),
                        "prefrl::mdp::value_iteration: transitions(0, 0, :) must sum to 1 (within 1e-09), got 0.9");
    bad = chain;
    bad.gamma = 1.0;
    REQUIRE_THROWS_WITH(mdp::policy_iteration(bad), "prefrl::mdp::policy_iteration: gamma must be in [0, 1), got 1");
    bad = chain;
    bad.rewards = prefrl::row_matrix<double>::Zero(2, 1);
    REQUIRE_THROWS_WITH(mdp::value_iteration(bad), "prefrl::mdp::value_iteration: rewards must be [3, 1], got [2, 1]");
    REQUIRE_THROWS_WITH(mdp::as_stochastic<double>(chain, std::vector<index_t>{0, 1, 0}),
                        "prefrl::mdp::as_stochastic: actions[1] must be in [0, 1), got 1");
    const prefrl::row_matrix<double> wrong = prefrl::row_matrix<double>::Constant(3, 1, 0.5);
    REQUIRE_THROWS_WITH(mdp::evaluate_policy<double>(chain, wrong), "prefrl::mdp::evaluate_policy: pi(0, :) must sum to 1, got 0.5");
    prefrl::generator rng(4);
    REQUIRE_THROWS_WITH(mdp::garnet<double>(5, 2, 6, 0.9, rng), "prefrl::mdp::garnet: branching must be in [1, states = 5], got 6");
}

TEST_CASE("the solvers take plain Eigen matrices without template arguments", "[rl][mdp]") {
    prefrl::generator rng(4);
    const auto m = mdp::garnet<double>(6, 3, 2, 0.9, rng);
    const prefrl::row_matrix<double> pi = prefrl::row_matrix<double>::Constant(6, 3, 1.0 / 3.0);
    const prefrl::vector<double> v = mdp::evaluate_policy(m, pi);  // T from the MDP, pi converted
    CHECK((v - mdp::evaluate_policy_iterative(m, pi)).cwiseAbs().maxCoeff() < 1e-9);
    const prefrl::row_matrix<double> q = mdp::q_from_v(m, v);
    const auto policy = mdp::greedy_policy(q);  // the scalar deduced from the matrix
    CHECK(policy == mdp::greedy_policy<double>(q));
    const Eigen::MatrixXd column_major = q;
    CHECK(mdp::greedy_policy(column_major) == policy);
}

// Environments: tabular MDPs as simulators, grid worlds with walls, slip and
// cliffs, and tabular TD control on cliff walking (Sutton & Barto 2018, Example 6.6).

#include <catch2/catch.hpp>

#include <prefrl/core.hpp>
#include <prefrl/env.hpp>
#include <prefrl/mdp.hpp>
#include <prefrl/policy.hpp>
#include <prefrl/value.hpp>

#include <cmath>
#include <vector>

namespace env = prefrl::env;
namespace mdp = prefrl::mdp;
namespace value = prefrl::value;
using prefrl::index_t;

static_assert(prefrl::check_environment<env::tabular_environment<double>>());
static_assert(prefrl::Environment<env::tabular_environment<float>>);

namespace {

// The undiscounted return of the greedy policy of q from the start (deterministic world).
double greedy_return(const mdp::tabular_mdp<double>& m, const prefrl::row_matrix<double>& q) {
    env::tabular_environment<double> world(m, 200);
    prefrl::generator rng(0);
    const auto policy = mdp::greedy_policy<double>(q);
    return env::rollout(world, [&](index_t s, prefrl::generator&) { return policy[static_cast<std::size_t>(s)]; }, rng, 200)
        .discounted_return();
}

}  // namespace

TEST_CASE("tabular environment: seeded episodes, terminal and truncated steps, bad use", "[rl][env]") {
    env::tabular_environment<double> a(env::random_walk<double>(5)), b(env::random_walk<double>(5));
    prefrl::generator ra(4), rb(4);
    const auto first = env::rollout(a, [](index_t, prefrl::generator&) { return index_t{0}; }, ra, 1000);
    const auto second = env::rollout(b, [](index_t, prefrl::generator&) { return index_t{0}; }, rb, 1000);
    CHECK(first.states == second.states);
    CHECK(first.terminal);
    CHECK(first.states.front() == 2);
    CHECK((first.final_state == 5 || first.final_state == 6));
    // the simulator pays the expected reward R[s, a]: 1/2 for each step from the rightmost state
    double expected = 0.0;
    for (const index_t s : first.states) expected += s == 4 ? 0.5 : 0.0;
    CHECK(first.discounted_return() == expected);
    REQUIRE_THROWS_WITH(a.step(0, ra), "prefrl::env::tabular_environment::step: the episode has ended (terminal or truncated): call reset()");
    a.reset(ra);
    REQUIRE_THROWS_WITH(a.step(1, ra), "prefrl::env::tabular_environment::step: action must be in [0, 1), got 1");
    env::tabular_environment<double> short_walk(env::random_walk<double>(41), 3);
    const auto cut = env::rollout(short_walk, [](index_t, prefrl::generator&) { return index_t{0}; }, ra, 1000);
    CHECK(cut.truncated);
    CHECK(cut.states.size() == 3);
    // the random walk's values are (1..5)/6
    const auto walk = env::random_walk<double>(5);
    const auto v = mdp::evaluate_policy<double>(walk, prefrl::row_matrix<double>::Ones(7, 1));
    for (int s = 0; s < 5; ++s) CHECK(v[s] == Approx((s + 1) / 6.0).margin(1e-4));  // gamma = 1 - 1e-6
}

TEST_CASE("grid worlds: walls stop moves, slip spreads them, cliffs send back to the start", "[rl][env]") {
    const auto m = env::gridworld<double>({.layout = {"S.#", "..G"}, .slip = 0.2, .step_reward = -1.0, .goal_reward = 10.0});
    REQUIRE(m.states() == 5);  // S . | . . G (the wall is not a state)
    // from state 1 (row 0, column 1) right hits the wall and up the edge: it stays with
    // 1 - 0.2 + 0.05 (a slip to the right) + 0.05 (a slip up)
    CHECK(m.transitions(1, env::right, 1) == Approx(0.9));
    CHECK(m.transitions(1, env::down, 3) == Approx(0.85));
    CHECK(m.rewards(3, env::right) == Approx(-1 + 0.85 * 10));
    CHECK(m.is_terminal(4));
    const auto solved = mdp::value_iteration(m);
    CHECK(solved.policy[1] == env::down);  // around the wall
    CHECK(solved.policy[3] == env::right);  // into the goal
    REQUIRE_THROWS_WITH(env::gridworld<double>({.layout = {"S.x"}}),
                        "prefrl::env::gridworld: unknown layout character 'x' at row 0, column 2 (use . # S G C)");
    REQUIRE_THROWS_WITH(env::gridworld<double>({.layout = {"..G"}}), "prefrl::env::gridworld: the layout needs a start cell 'S'");

    const auto cliff = env::cliff_walking<double>();
    REQUIRE(cliff.states() == 48);
    CHECK(cliff.transitions(36, env::right, 36) == 1.0);  // S -> cliff -> back to S
    CHECK(cliff.rewards(36, env::right) == -100.0);
    CHECK(greedy_return(cliff, mdp::value_iteration(cliff).q) == -13.0);
}

TEST_CASE("TD control on cliff walking: Q-learning finds the cliff path, SARSA the safe one", "[rl][env][learning]") {
    // Sutton & Barto Example 6.6: alpha 0.5, epsilon 0.1; the greedy policies after 500 episodes
    // (double Q-learning: 1000; each of its tables learns from half the steps, and after 500 its
    // greedy policy still loops for 2 of 3 seeds, measured)
    const auto cliff = env::cliff_walking<double>();
    const value::td_control_options options{.episodes = 500, .alpha = 0.5, .epsilon = 0.1};
    std::vector<double> returns;
    for (const auto method : {value::td_control::q_learning, value::td_control::sarsa, value::td_control::expected_sarsa,
                              value::td_control::double_q_learning}) {
        env::tabular_environment<double> world(cliff);
        prefrl::generator rng(5);
        auto settings = options;
        if (method == value::td_control::double_q_learning) settings.episodes = 1000;
        const auto learned = value::learn_tabular_control<double>(world, method, 0.99, settings, rng);
        REQUIRE(learned.episode_returns.size() == static_cast<std::size_t>(settings.episodes));
        returns.push_back(greedy_return(cliff, learned.q.values));
        // the options form, method and gamma in the options, is the same loop: the same seed, the same bits
        env::tabular_environment<double> again(cliff);
        prefrl::generator rng_again(5);
        settings.method = method;
        settings.gamma = 0.99;
        const auto same = value::learn_tabular_control(again, settings, rng_again);
        CHECK(same.q.values == learned.q.values);
        CHECK(same.episode_returns == learned.episode_returns);
    }
    INFO("greedy returns: Q-learning " << returns[0] << ", SARSA " << returns[1] << ", expected SARSA " << returns[2]
                                       << ", double Q " << returns[3]);
    CHECK(returns[0] == -13.0);                       // the optimal path, along the cliff
    CHECK((returns[1] <= -15.0 && returns[1] >= -17.0));  // a safe path, away from the cliff
    CHECK(returns[2] >= -17.0);                       // reaches the goal
    CHECK(returns[3] >= -17.0);
}

TEST_CASE("chain and two-state MDPs", "[rl][env]") {
    const auto c = env::chain<double>(5, 0.2, 2.0, 10.0, 0.99);
    CHECK(mdp::value_iteration(c).policy == mdp::deterministic_policy(5, 0));  // walk to the end
    const auto m = env::two_state_average_reward<double>();
    const auto rvi = mdp::relative_value_iteration(m);
    CHECK(rvi.gain == Approx(0.625).epsilon(1e-9));
    CHECK(rvi.policy == mdp::deterministic_policy{0, 1});
}

TEST_CASE("rollout takes any Policy: the same episode as rolling out its sample by hand", "[rl][env]") {
    const auto m = env::random_walk<double>(5);
    env::tabular_environment<double> a(m), b(m);
    auto pi = prefrl::policy::tabular_softmax<double>::uniform(m.states(), m.actions());
    pi.logits(2, 0) = 0.5;
    prefrl::generator ra(9), rb(9);
    const auto with_policy = env::rollout(a, pi, ra, 1000);
    const auto by_hand = env::rollout(b, [&](index_t s, prefrl::generator& g) { return pi.sample(s, g); }, rb, 1000);
    CHECK(with_policy.states == by_hand.states);
    CHECK(with_policy.actions == by_hand.actions);
    CHECK(with_policy.rewards == by_hand.rewards);
    CHECK(with_policy.terminal);
    static_assert(prefrl::Policy<prefrl::policy::tabular_softmax<double>>);
}

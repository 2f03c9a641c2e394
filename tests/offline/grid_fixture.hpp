#ifndef PREFRL_TESTS_OFFLINE_GRID_FIXTURE_HPP
#define PREFRL_TESTS_OFFLINE_GRID_FIXTURE_HPP

// The offline learning tests' world: a 6 x 6 slippery grid world, datasets of random and
// expert episodes on it, and D4RL's normalized score of a policy by exact evaluation.

#include <prefrl/env.hpp>
#include <prefrl/mdp.hpp>
#include <prefrl/offline.hpp>

#include <string>
#include <vector>

namespace prefrl::test {

inline const std::vector<std::string>& grid_layout() {
    static const std::vector<std::string> layout{"S.....", ".####.", "......", ".#.##.", ".#....", "...#.G"};
    return layout;
}

inline mdp::tabular_mdp<double> grid() {
    return env::gridworld<double>({.layout = grid_layout(), .slip = 0.1, .step_reward = 0.0, .goal_reward = 1.0, .gamma = 0.95});
}

// D4RL-style normalized score of a stochastic policy, from exact evaluation at the start
inline double score(const mdp::tabular_mdp<double>& m, const row_matrix<double>& pi) {
    const row_matrix<double> uniform = row_matrix<double>::Constant(m.states(), m.actions(), 1.0 / static_cast<double>(m.actions()));
    const double random = mdp::evaluate_policy<double>(m, uniform)[0];
    const double expert = mdp::value_iteration(m).v[0];
    return offline::normalized_score(mdp::evaluate_policy<double>(m, pi)[0], random, expert);
}

// random and expert (optimal) episodes of at most 100 steps; one column each for the state and the action
inline offline::transition_dataset<double> mixed(const mdp::tabular_mdp<double>& m, int random_episodes, int expert_episodes, std::uint64_t seed) {
    env::tabular_environment<double> world(m);
    generator rng(seed);
    const auto optimal = mdp::value_iteration(m).policy;
    auto observe = [](index_t s) { return vector<double>::Constant(1, static_cast<double>(s)); };
    auto encode = [](index_t a) { return vector<double>::Constant(1, static_cast<double>(a)); };
    const auto random = offline::collect<double>(world, [](index_t, generator& g) { return uniform_index(4, g); }, observe, encode,
                                                 random_episodes, 100, rng);
    const auto expert = offline::collect<double>(world, [&](index_t s, generator&) { return optimal[static_cast<std::size_t>(s)]; }, observe,
                                                 encode, expert_episodes, 100, rng);
    return offline::concatenate(random, expert);
}

}  // namespace prefrl::test

#endif  // PREFRL_TESTS_OFFLINE_GRID_FIXTURE_HPP

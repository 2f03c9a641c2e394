#ifndef PREFRL_MDP_HPP
#define PREFRL_MDP_HPP

/// \file
/// Facade of the tabular-MDP area: the MDP type, discounted dynamic programming, occupancy
/// measures, average-reward solvers, Garnet random MDPs, categorical distributional evaluation
/// and CVaR-optimal control on the stock-augmented state. See docs/rl.md.

#include "prefrl/mdp/average_reward.hpp"
#include "prefrl/mdp/distributional.hpp"
#include "prefrl/mdp/dynamic_programming.hpp"
#include "prefrl/mdp/garnet.hpp"
#include "prefrl/mdp/occupancy.hpp"
#include "prefrl/mdp/return_distribution.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"

#endif  // PREFRL_MDP_HPP

#ifndef PREFRL_ENV_HPP
#define PREFRL_ENV_HPP

/// \file
/// Facade of the environments: any `tabular_mdp` as an `Environment`, grid worlds, cliff
/// walking, the random walk, the n-chain, the two-state average-reward MDP, and rollouts.
/// See docs/rl.md.

#include "prefrl/env/bandits.hpp"
#include "prefrl/env/chains.hpp"
#include "prefrl/env/gridworld.hpp"
#include "prefrl/env/point_mass.hpp"
#include "prefrl/env/rollout.hpp"
#include "prefrl/env/tabular_environment.hpp"

#endif  // PREFRL_ENV_HPP

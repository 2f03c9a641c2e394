#ifndef PREFRL_POLICY_HPP
#define PREFRL_POLICY_HPP

/// \file
/// Facade of the policy area: tabular and linear softmax, diagonal Gaussian, epsilon-greedy,
/// Boltzmann, the geometric mixture, and the categorical helpers. See docs/rl.md.

#include "prefrl/policy/action_value_policies.hpp"
#include "prefrl/policy/categorical.hpp"
#include "prefrl/policy/gaussian.hpp"
#include "prefrl/policy/geometric_mixture.hpp"
#include "prefrl/policy/linear_softmax.hpp"
#include "prefrl/policy/tabular_softmax.hpp"

#endif  // PREFRL_POLICY_HPP

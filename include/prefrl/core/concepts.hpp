#ifndef PREFRL_CORE_CONCEPTS_HPP
#define PREFRL_CORE_CONCEPTS_HPP

/// \file
/// Every public concept of prefrl (catalogued in docs/concepts.md).

#include "prefrl/core/action_generator.hpp"
#include "prefrl/core/bandit.hpp"
#include "prefrl/core/environment.hpp"
#include "prefrl/core/pairwise_loss.hpp"
#include "prefrl/core/policy.hpp"
#include "prefrl/core/regression_oracle.hpp"
#include "prefrl/core/regularizer.hpp"
#include "prefrl/core/value_function.hpp"

#endif  // PREFRL_CORE_CONCEPTS_HPP

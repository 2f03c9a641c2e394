#ifndef PREFRL_VALUE_HPP
#define PREFRL_VALUE_HPP

/// \file
/// Facade of the value area: TD errors and returns with rlax's names, TD(lambda), the
/// policy-gradient losses, tabular and linear value estimates, tabular TD control. See docs/rl.md.

#include "prefrl/value/categorical_projection.hpp"
#include "prefrl/value/policy_gradient.hpp"
#include "prefrl/value/returns.hpp"
#include "prefrl/value/tabular.hpp"
#include "prefrl/value/tabular_control.hpp"
#include "prefrl/value/td_errors.hpp"
#include "prefrl/value/td_lambda.hpp"

#endif  // PREFRL_VALUE_HPP

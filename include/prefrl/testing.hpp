#ifndef PREFRL_TESTING_HPP
#define PREFRL_TESTING_HPP

/// \file
/// Facade of `prefrl::testing`: law checkers for your own models of prefrl's concepts, free
/// of any test framework. Each returns a `law_result` (passed, and a message when not).

#include "prefrl/testing/gradient_check.hpp"
#include "prefrl/testing/law_result.hpp"
#include "prefrl/testing/policy_laws.hpp"
#include "prefrl/testing/value_function_laws.hpp"

#endif  // PREFRL_TESTING_HPP

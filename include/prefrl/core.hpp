#ifndef PREFRL_CORE_HPP
#define PREFRL_CORE_HPP

/// \file
/// Facade of the core area: errors, scalar and array types, stable math, randomness, concepts.

#include "prefrl/core/concepts.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"

#endif  // PREFRL_CORE_HPP

#ifndef PREFRL_PREFRL_HPP
#define PREFRL_PREFRL_HPP

/// \file
/// Umbrella header: includes every area's facade.

#include "prefrl/core.hpp"
#include "prefrl/icl.hpp"
#include "prefrl/interop.hpp"
#include "prefrl/kernel.hpp"
#include "prefrl/optim.hpp"
#include "prefrl/preference.hpp"

#endif  // PREFRL_PREFRL_HPP

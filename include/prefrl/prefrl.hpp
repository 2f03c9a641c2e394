#ifndef PREFRL_PREFRL_HPP
#define PREFRL_PREFRL_HPP

/// \file
/// Umbrella header: includes every area's facade.

#include "prefrl/bandit.hpp"
#include "prefrl/core.hpp"
#include "prefrl/env.hpp"
#include "prefrl/grpo.hpp"
#include "prefrl/icl.hpp"
#include "prefrl/interop.hpp"
#include "prefrl/kernel.hpp"
#include "prefrl/mdp.hpp"
#include "prefrl/ope.hpp"
#include "prefrl/offline.hpp"
#include "prefrl/optim.hpp"
#include "prefrl/policy.hpp"
#include "prefrl/preference.hpp"
#include "prefrl/value.hpp"

#endif  // PREFRL_PREFRL_HPP

#ifndef PREFRL_ICL_HPP
#define PREFRL_ICL_HPP

/// \file
/// Facade of the in-context-learning area: regression tasks as tokens, linear self-attention,
/// and its gradient-descent constructions. See docs/icl.md.

#include "prefrl/icl/lsa.hpp"
#include "prefrl/icl/regression_task.hpp"

#endif  // PREFRL_ICL_HPP

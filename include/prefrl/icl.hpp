#ifndef PREFRL_ICL_HPP
#define PREFRL_ICL_HPP

/// \file
/// Facade of the in-context-learning area: regression tasks as tokens, linear self-attention,
/// its gradient-descent constructions, training and the paper's metrics. See docs/icl.md.

#include "prefrl/icl/lsa.hpp"
#include "prefrl/icl/metrics.hpp"
#include "prefrl/icl/regression_task.hpp"
#include "prefrl/icl/training.hpp"

#endif  // PREFRL_ICL_HPP

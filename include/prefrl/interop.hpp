#ifndef PREFRL_INTEROP_HPP
#define PREFRL_INTEROP_HPP

/// \file
/// Facade of the interop area: zero-copy views between xtensor and Eigen / spans.

#include "prefrl/interop/xtensor.hpp"

#endif  // PREFRL_INTEROP_HPP

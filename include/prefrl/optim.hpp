#ifndef PREFRL_OPTIM_HPP
#define PREFRL_OPTIM_HPP

/// \file
/// Facade of the optimizers: Adam / AdamW and global-norm clipping. See docs/optim.md.

#include "prefrl/optim/adam.hpp"

#endif  // PREFRL_OPTIM_HPP

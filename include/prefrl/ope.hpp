#ifndef PREFRL_OPE_HPP
#define PREFRL_OPE_HPP

/// \file
/// Facade of off-policy evaluation: logged bandit feedback (`bandit_log`, a recorder for any
/// prefrl bandit), Open Bandit Pipeline's estimators (IPS, clipped IPS, SNIPS, DM, DR, SNDR,
/// switch-DR, DR-OS) with standard errors, and bootstrap intervals. See docs/ope.md.

#include "prefrl/ope/bandit_log.hpp"
#include "prefrl/ope/bootstrap.hpp"
#include "prefrl/ope/estimators.hpp"

#endif  // PREFRL_OPE_HPP

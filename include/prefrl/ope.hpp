#ifndef PREFRL_OPE_HPP
#define PREFRL_OPE_HPP

/// \file
/// Facade of off-policy evaluation: logged bandit feedback (`bandit_log`, a recorder for any
/// prefrl bandit), Open Bandit Pipeline's estimators (IPS, clipped IPS, SNIPS, DM, DR, SNDR,
/// switch-DR, DR-OS) with standard errors, several at once with a diagnosis of the log
/// (`off_policy_evaluation`), CSV files of logs, and bootstrap intervals. See docs/ope.md.

#include "prefrl/ope/bandit_log.hpp"
#include "prefrl/ope/bootstrap.hpp"
#include "prefrl/ope/estimators.hpp"
#include "prefrl/ope/evaluation.hpp"
#include "prefrl/ope/log_csv.hpp"

#endif  // PREFRL_OPE_HPP

#ifndef PREFRL_BANDIT_HPP
#define PREFRL_BANDIT_HPP

/// \file
/// Facade of the bandit area: multi-armed (epsilon-greedy, UCB1, KL-UCB, Thompson sampling,
/// EXP3, Boltzmann), contextual (LinUCB, LinTS, SquareCB and epsilon-greedy over a regression
/// oracle, ridge and SGD oracles), optimistic online mirror descent, and the simulation loops.
/// Environments are in `<prefrl/env/bandits.hpp>`. See docs/bandits.md.

#include "prefrl/bandit/arm_statistics.hpp"
#include "prefrl/bandit/batched_oracle_bandit.hpp"
#include "prefrl/bandit/boltzmann.hpp"
#include "prefrl/bandit/epsilon_greedy.hpp"
#include "prefrl/bandit/exp3.hpp"
#include "prefrl/bandit/groupwise.hpp"
#include "prefrl/bandit/kl_ucb.hpp"
#include "prefrl/bandit/learn_from_log.hpp"
#include "prefrl/bandit/lin_ts.hpp"
#include "prefrl/bandit/lin_ucb.hpp"
#include "prefrl/bandit/optimistic_omd.hpp"
#include "prefrl/bandit/recovering.hpp"
#include "prefrl/bandit/regression_oracles.hpp"
#include "prefrl/bandit/simulate.hpp"
#include "prefrl/bandit/square_cb.hpp"
#include "prefrl/bandit/thompson.hpp"
#include "prefrl/bandit/ucb1.hpp"
#include "prefrl/env/bandits.hpp"

#endif  // PREFRL_BANDIT_HPP

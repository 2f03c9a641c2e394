#ifndef PREFRL_OFFLINE_HPP
#define PREFRL_OFFLINE_HPP

/// \file
/// Facade of the offline-RL area: transition datasets (episodes, returns, normalized score,
/// sampling, CSV, collection), the value-regression terms (IQL's expectile, XQL's Gumbel,
/// f-DVL), CQL's penalties, TD3+BC's and A2PR's actor losses, BEER's rank regularizer, ORPO's
/// occupancy-measure regularization, ODICE's orthogonal gradient, and trajectory-weighted sampling. See docs/offline.md.

#include "prefrl/offline/a2pr.hpp"
#include "prefrl/offline/beer.hpp"
#include "prefrl/offline/behavior_cloning.hpp"
#include "prefrl/offline/cql.hpp"
#include "prefrl/offline/continuous_control.hpp"
#include "prefrl/offline/cql_continuous.hpp"
#include "prefrl/offline/dataset.hpp"
#include "prefrl/offline/expectile.hpp"
#include "prefrl/offline/fdvl.hpp"
#include "prefrl/offline/gumbel.hpp"
#include "prefrl/offline/linear_algorithms.hpp"
#include "prefrl/offline/occupancy_regularization.hpp"
#include "prefrl/offline/odice.hpp"
#include "prefrl/offline/tabular_algorithms.hpp"
#include "prefrl/offline/tabular_odice.hpp"
#include "prefrl/offline/td3_bc.hpp"
#include "prefrl/offline/trajectory_weighting.hpp"
#include "prefrl/offline/value_regression.hpp"

#endif  // PREFRL_OFFLINE_HPP

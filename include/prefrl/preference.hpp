#ifndef PREFRL_PREFERENCE_HPP
#define PREFRL_PREFERENCE_HPP

/// \file
/// Facade of the preference area: pair batches, the pairwise preference losses, preference
/// models and games, and the self-play / Nash-learning pieces.
/// See docs/preference.md.

#include "prefrl/preference/aot.hpp"
#include "prefrl/preference/apo.hpp"
#include "prefrl/preference/bco.hpp"
#include "prefrl/preference/discopop.hpp"
#include "prefrl/preference/dno.hpp"
#include "prefrl/preference/dpo.hpp"
#include "prefrl/preference/dpo_norm.hpp"
#include "prefrl/preference/exo.hpp"
#include "prefrl/preference/from_hidden.hpp"
#include "prefrl/preference/from_logits.hpp"
#include "prefrl/preference/hinge.hpp"
#include "prefrl/preference/inpo.hpp"
#include "prefrl/preference/ipo.hpp"
#include "prefrl/preference/kto.hpp"
#include "prefrl/preference/length_controlled.hpp"
#include "prefrl/preference/nash_md.hpp"
#include "prefrl/preference/nca.hpp"
#include "prefrl/preference/orpo.hpp"
#include "prefrl/preference/owning_pair_batch.hpp"
#include "prefrl/preference/pair_batch.hpp"
#include "prefrl/preference/population.hpp"
#include "prefrl/preference/preference_game.hpp"
#include "prefrl/preference/ranking_models.hpp"
#include "prefrl/preference/robust_dpo.hpp"
#include "prefrl/preference/self_play.hpp"
#include "prefrl/preference/simpo.hpp"
#include "prefrl/preference/sppo.hpp"
#include "prefrl/preference/sppo_hard.hpp"
#include "prefrl/preference/trl_loss_type.hpp"
#include "prefrl/preference/vpo.hpp"
#include "prefrl/preference/weighted_sum.hpp"

#endif  // PREFRL_PREFERENCE_HPP

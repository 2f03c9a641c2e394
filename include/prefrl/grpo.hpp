#ifndef PREFRL_GRPO_HPP
#define PREFRL_GRPO_HPP

/// \file
/// Facade of the token-level policy-optimization area (RL for language models): token
/// batches, the GRPO family of losses (GRPO, BNPO, Dr. GRPO, DAPO, CISPO, SAPO, GSPO's
/// sequence-level ratio), group / RLOO / REINFORCE++ advantages, KL estimators, and whole
/// steps from logits. See docs/grpo.md.

#include "prefrl/grpo/advantages.hpp"
#include "prefrl/grpo/from_hidden.hpp"
#include "prefrl/grpo/from_logits.hpp"
#include "prefrl/grpo/kl_estimators.hpp"
#include "prefrl/grpo/owning_token_batch.hpp"
#include "prefrl/grpo/policy_loss.hpp"
#include "prefrl/grpo/token_batch.hpp"

#endif  // PREFRL_GRPO_HPP

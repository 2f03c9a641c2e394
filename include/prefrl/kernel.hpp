#ifndef PREFRL_KERNEL_HPP
#define PREFRL_KERNEL_HPP

/// \file
/// Facade of the kernel area: row-wise max / log-sum-exp / softmax, token log-probs from
/// logits and their fused backward, per-sequence sums. See docs/kernels.md.

#include "prefrl/kernel/logsumexp.hpp"
#include "prefrl/kernel/sequence_sums.hpp"
#include "prefrl/kernel/softmax.hpp"
#include "prefrl/kernel/token_logprobs.hpp"

#endif  // PREFRL_KERNEL_HPP

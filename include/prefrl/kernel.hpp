#ifndef PREFRL_KERNEL_HPP
#define PREFRL_KERNEL_HPP

/// \file
/// Facade of the kernel area: row-wise max / log-sum-exp / softmax, token log-probs from
/// logits and their fused backward, the same from hidden states and the output projection
/// without the logits (fused linear), per-sequence sums. See docs/kernels.md.

#include "prefrl/kernel/linear_token_logprobs.hpp"
#include "prefrl/kernel/logsumexp.hpp"
#include "prefrl/kernel/sequence_sums.hpp"
#include "prefrl/kernel/softmax.hpp"
#include "prefrl/kernel/token_logprobs.hpp"

#endif  // PREFRL_KERNEL_HPP

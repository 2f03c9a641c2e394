#!/usr/bin/env python3
"""Reference values for prefrl's fused linear kernels (tests/data/linear_logprobs_reference.json).

PyTorch autograd in float64 on the materialized path: logits = F.linear(hidden, weight),
log_softmax, gather at the labels, masked; then three losses and their gradients with respect
to hidden and weight:
  - token NLL (SFT): -sum(mask * lp) / sum(mask)  (F.cross_entropy with ignore_index for a 0/1 mask)
  - DPO (TRL loss_type="sigmoid", beta 0.1) on per-sequence sums, chosen sequences first
  - GRPO (TRL's default loss_type, "dapo"-style normalizers aside: loss_type="grpo",
    epsilon 0.2, beta 0), on-policy (old_logps = logps detached)
Run: /usr/bin/python3 scripts/reference/linear_logprobs_reference.py > tests/data/linear_logprobs_reference.json
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(3)
dtype = torch.float64
pairs, steps, hidden_size, vocab = 2, 4, 6, 9
rows = 2 * pairs * steps
hidden = torch.randn(rows, hidden_size, dtype=dtype)
weight = torch.randn(vocab, hidden_size, dtype=dtype) * 0.7
labels = torch.randint(0, vocab, (rows,))
mask = torch.ones(rows, dtype=dtype)
mask[0] = 0.0       # a prompt token of chosen sequence 0
mask[steps] = 0.0   # and of chosen sequence 1
mask[-1] = 0.0      # padding at the end of the last rejected sequence
labels[-1] = 0      # (its label is never read)
ref_chosen = torch.tensor([-9.0, -11.5], dtype=dtype)
ref_rejected = torch.tensor([-10.0, -10.5], dtype=dtype)


def token_logprobs(h, w):
    lp = torch.log_softmax(F.linear(h, w), dim=-1).gather(1, labels[:, None])[:, 0]
    return lp * mask


def grads(loss_fn):
    h = hidden.clone().requires_grad_(True)
    w = weight.clone().requires_grad_(True)
    value = loss_fn(h, w)
    value.backward()
    return dict(value=value.item(), d_hidden=h.grad.flatten().tolist(), d_weight=w.grad.flatten().tolist())


def nll(h, w):
    return -token_logprobs(h, w).sum() / mask.sum()


def dpo(h, w, beta=0.1):
    seq = token_logprobs(h, w).view(2 * pairs, steps).sum(1)
    u = beta * ((seq[:pairs] - ref_chosen) - (seq[pairs:] - ref_rejected))
    return -F.logsigmoid(u).mean()


advantages = torch.tensor([1.0, -0.5, 0.25, -0.75], dtype=dtype)  # 4 completions of `steps` tokens


def grpo(h, w, eps=0.2):
    lp = token_logprobs(h, w).view(2 * pairs, steps)
    m = mask.view(2 * pairs, steps)
    ratio = torch.exp(lp - lp.detach())
    per_token = -torch.min(ratio * advantages[:, None], torch.clamp(ratio, 1 - eps, 1 + eps) * advantages[:, None])
    return ((per_token * m).sum(1) / m.sum(1).clamp(min=1.0)).mean()


print(json.dumps(dict(
    note="PyTorch float64 autograd through F.linear + log_softmax + gather; d_* are row-major",
    pairs=pairs, steps=steps, hidden_size=hidden_size, vocab=vocab,
    hidden=hidden.flatten().tolist(), weight=weight.flatten().tolist(),
    labels=labels.tolist(), mask=mask.tolist(),
    ref_chosen=ref_chosen.tolist(), ref_rejected=ref_rejected.tolist(), advantages=advantages.tolist(),
    token_logprobs=token_logprobs(hidden, weight).tolist(),
    nll=grads(nll), dpo=grads(dpo), grpo=grads(grpo),
), indent=1))

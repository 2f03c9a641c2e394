#!/usr/bin/env python3
"""Reference values for prefrl's continuous CQL terms (tests/data/offline_reference.json).

PyTorch autograd in float64, written as CORL's `cql.py` computes the penalty: the importance-
sampled set X = Q(s, a_j) - log density(a_j), `temperature * logsumexp(X / temperature) - Q(s, a)`
clamped and averaged, times cql_alpha; the Lagrange form `alpha' * cql_alpha * (gap - target)`
with alpha' = clamp(exp(log_alpha'), 0, 1e6).
Run: /usr/bin/python3 scripts/reference/offline_reference.py > tests/data/offline_reference.json
"""
import json
import math

import torch

torch.manual_seed(3)
cases = []
for name, batch, samples, clip_min, clip_max, temperature, alpha in (
        ("cql_continuous", 6, 9, -math.inf, math.inf, 1.0, 5.0),
        ("cql_continuous_clipped_tempered", 5, 7, -0.5, 2.0, 0.7, 2.0)):
    q_sampled = (torch.randn(batch, samples, dtype=torch.float64) * 2).requires_grad_()
    log_density = torch.cat([torch.full((batch, samples // 3), 3 * math.log(0.5), dtype=torch.float64),
                             torch.randn(batch, samples - samples // 3, dtype=torch.float64) - 1], dim=1)
    q_data = (torch.randn(batch, dtype=torch.float64) * 2 + 1).requires_grad_()
    ood = torch.logsumexp((q_sampled - log_density) / temperature, dim=1) * temperature
    gap = torch.clamp(ood - q_data, clip_min, clip_max).mean()
    value = alpha * gap
    value.backward()
    cases.append(dict(name=name, params=dict(alpha=alpha, temperature=temperature,
                                             clip_min=clip_min if math.isfinite(clip_min) else None,
                                             clip_max=clip_max if math.isfinite(clip_max) else None),
                      batch=batch, samples=samples,
                      q_sampled=q_sampled.detach().ravel().tolist(), log_density=log_density.ravel().tolist(),
                      q_data=q_data.detach().tolist(), gap=gap.item(), value=value.item(),
                      d_q_sampled=q_sampled.grad.ravel().tolist(), d_q_data=q_data.grad.tolist()))
for gap_value, log_alpha_value in ((7.5, 0.3), (2.0, -1.2)):
    gap = torch.tensor(gap_value, dtype=torch.float64, requires_grad=True)
    log_alpha = torch.tensor(log_alpha_value, dtype=torch.float64, requires_grad=True)
    alpha_prime = torch.clamp(torch.exp(log_alpha), 0.0, 1e6)
    value = alpha_prime * 5.0 * (gap - 5.0)
    value.backward()
    cases.append(dict(name="cql_lagrange", params=dict(alpha=5.0, target_gap=5.0), gap=gap_value, log_alpha_prime=log_alpha_value,
                      value=value.item(), alpha_prime=alpha_prime.item(), d_gap=gap.grad.item(), d_log_alpha_prime=log_alpha.grad.item()))
print(json.dumps(dict(note="PyTorch autograd float64; see scripts/reference/offline_reference.py", cases=cases)))

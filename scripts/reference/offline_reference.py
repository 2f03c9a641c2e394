#!/usr/bin/env python3
"""Reference values for prefrl's offline terms without a golden vector (tests/data/offline_reference.json):
continuous CQL and its Lagrange form, A2PR, BEER, the ORPO discriminator and action-distribution terms.

PyTorch autograd in float64, written as CORL's `cql.py` computes the penalty: the importance-
sampled set X = Q(s, a_j) - log density(a_j), `temperature * logsumexp(X / temperature) - Q(s, a)`
clamped and averaged, times cql_alpha; the Lagrange form `alpha' * cql_alpha * (gap - target)`
with alpha' = clamp(exp(log_alpha'), 0, 1e6).
Generated, not read at run time. Run: /usr/bin/python3 scripts/reference/offline_reference.py > tests/data/offline_reference.json
"""
import json
import math

import torch
import torch.nn.functional as F

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

# A2PR (ltlhuuu/A2PR, A2PR.py, the actor step), with the generated action held constant
batch, dims, alpha, mask = 8, 3, 2.5, 1.0
pi = torch.randn(batch, dims, dtype=torch.float64).requires_grad_()
action = torch.randn(batch, dims, dtype=torch.float64)
recon_pi = torch.randn(batch, dims, dtype=torch.float64)
value = torch.randn(batch, 1, dtype=torch.float64)
Q = (torch.randn(batch, 1, dtype=torch.float64) + 1).requires_grad_()
Q_new = torch.randn(batch, 1, dtype=torch.float64)
Q_pi = torch.randn(batch, 1, dtype=torch.float64)
lmbda = alpha / Q.abs().mean().detach()
actor_loss = -lmbda * Q.mean()
advantage_action, advantage_pi = Q_new - value, Q_pi - value
embedding = recon_pi * (advantage_pi >= advantage_action) + action * (advantage_action > advantage_pi)
adv = mask * ((Q_pi >= value).double() + (Q_new > value).double())
bc_loss = (torch.square(pi - embedding) * adv).mean()
loss = actor_loss + bc_loss
loss.backward()
cases.append(dict(name="a2pr", params=dict(alpha=alpha, mask=mask), batch=batch, dims=dims,
                  policy_action=pi.detach().ravel().tolist(), q_policy=Q.detach().ravel().tolist(), data_action=action.ravel().tolist(),
                  q_data=Q_new.ravel().tolist(), generated_action=recon_pi.ravel().tolist(), q_generated=Q_pi.ravel().tolist(),
                  v=value.ravel().tolist(), value=loss.item(), q_term=actor_loss.item(), bc_term=bc_loss.item(),
                  d_policy_action=pi.grad.ravel().tolist(), d_q_policy=Q.grad.ravel().tolist(), mask=adv.ravel().tolist()))

# BEER (sweetice/BEER-ICLR2024, BEER.py): gradient only through the current features
batch, features, gamma, beta = 10, 6, 0.99, 1e-3
current_feature = torch.relu(torch.randn(batch, features, dtype=torch.float64)).requires_grad_()
next_feature1 = torch.relu(torch.randn(batch, features, dtype=torch.float64))
target_feature = torch.relu(current_feature.detach() + 0.3 * torch.randn(batch, features, dtype=torch.float64))
reward = torch.randn(batch, 1, dtype=torch.float64) * 3
weight = torch.randn(1, features, dtype=torch.float64)
with torch.no_grad():
    nn_norm_square = torch.norm(weight) ** 2
    upper_bound1 = (0.5 / gamma) * (torch.norm(current_feature, dim=1, keepdim=True) ** 2 +
                                    gamma ** 2 * torch.norm(next_feature1, dim=1, keepdim=True) ** 2 - reward ** 2 / nn_norm_square)
    upper_bound1 = upper_bound1 / (torch.norm(current_feature, dim=1, keepdim=True) * torch.norm(target_feature, dim=1, keepdim=True))
cosine = F.cosine_similarity(current_feature, target_feature, dim=1, eps=1e-6)
beer_loss = beta * (F.relu(cosine - upper_bound1.reshape(1, -1))).mean()
beer_loss.backward()
cases.append(dict(name="beer", params=dict(beta=beta, gamma=gamma), batch=batch, features=features,
                  phi=current_feature.detach().ravel().tolist(), phi_next_online=next_feature1.ravel().tolist(),
                  phi_next_target=target_feature.ravel().tolist(), reward=reward.ravel().tolist(), w=weight.ravel().tolist(),
                  value=beer_loss.item(), d_phi=current_feature.grad.ravel().tolist(), cosine=cosine.detach().tolist(),
                  bound=[b if math.isfinite(b) else None for b in upper_bound1.ravel().tolist()],  # None: +inf (a zero feature row)
                  active=int((cosine.detach() > upper_bound1.ravel()).sum())))

# ORPO's discriminator loss (cassidylaidlaw/orpo, _kl_discriminator_loss)
policy_scores = (torch.randn(7, dtype=torch.float64) * 2).requires_grad_()
reference_scores = (torch.randn(5, dtype=torch.float64) * 2).requires_grad_()
loss = F.softplus(-policy_scores).mean() + F.softplus(reference_scores).mean()
loss.backward()
cases.append(dict(name="occupancy_discriminator", policy_scores=policy_scores.detach().tolist(), reference_scores=reference_scores.detach().tolist(),
                  value=loss.item(), d_policy_scores=policy_scores.grad.tolist(), d_reference_scores=reference_scores.grad.tolist()))

# the action-distribution alternative: lambda / (1 - gamma) mean_s KL or chi^2, gradients in the logits
for divergence in ("kl", "chi_square"):
    logits = torch.randn(4, 5, dtype=torch.float64).requires_grad_()
    reference = torch.softmax(torch.randn(4, 5, dtype=torch.float64), dim=1)
    p = torch.softmax(logits, dim=1)
    per_state = (p * torch.log(p / reference)).sum(1) if divergence == "kl" else ((p - reference) ** 2 / reference).sum(1)
    value = 0.5 / (1 - 0.9) * per_state.mean()
    value.backward()
    cases.append(dict(name="action_distribution_" + divergence, params=dict(lambda_=0.5, gamma=0.9), states=4, actions=5,
                      policy_probs=p.detach().ravel().tolist(), reference_probs=reference.ravel().tolist(), value=value.item(),
                      d_policy_logits=logits.grad.ravel().tolist()))
print(json.dumps(dict(note="PyTorch autograd float64; see scripts/reference/offline_reference.py", cases=cases)))

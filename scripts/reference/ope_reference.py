#!/usr/bin/env python3
"""Reference values for prefrl's off-policy estimators (tests/data/ope_reference.json).

An independent numpy implementation of Open Bandit Pipeline's estimator formulas
(obp/ope/estimators.py: InverseProbabilityWeighting, SelfNormalizedInverseProbabilityWeighting,
DirectMethod, DoublyRobust, SelfNormalizedDoublyRobust, SwitchDoublyRobust,
DoublyRobustWithShrinkage) on a small random log, with the standard errors prefrl documents.
Run: /usr/bin/python3 scripts/reference/ope_reference.py > tests/data/ope_reference.json
"""
import json

import numpy as np

rng = np.random.default_rng(7)
n, k = 40, 4
logits = rng.normal(size=(n, k))
pi_b = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
action = np.array([rng.choice(k, p=p) for p in pi_b])
pscore = pi_b[np.arange(n), action]
reward = rng.uniform(size=n).round(3)
target_logits = rng.normal(size=(n, k)) * 2
action_dist = np.exp(target_logits) / np.exp(target_logits).sum(1, keepdims=True)
q_hat = rng.uniform(size=(n, k))

w = action_dist[np.arange(n), action] / pscore
q_pi = (action_dist * q_hat).sum(1)
q_a = q_hat[np.arange(n), action]
e = reward - q_a
z = 1.959963984540054


def normal(c):
    v = c.mean()
    se = c.std(ddof=1) / np.sqrt(len(c))
    return dict(value=v, per_round=c.tolist(), standard_error=se, ci_lower=v - z * se, ci_upper=v + z * se)


def influence(c, psi):
    r = normal(c)
    # psi has mean zero: sd(psi; ddof=1) / sqrt(n), the convention of every other estimator
    se = np.sqrt((psi ** 2).sum() / (len(psi) - 1)) / np.sqrt(len(psi))
    r.update(standard_error=se, ci_lower=r["value"] - z * se, ci_upper=r["value"] + z * se)
    return r


lam, tau, lam_os = 2.0, 1.5, 3.0
out = dict(
    note="numpy implementation of OBP's estimator formulas; see scripts/reference/ope_reference.py",
    actions=k,
    reward=reward.tolist(), action=action.tolist(), pscore=pscore.tolist(),
    action_dist=action_dist.ravel().tolist(), q_hat=q_hat.ravel().tolist(),
    params=dict(clipped_ips_lambda=lam, dr_lambda=lam, switch_dr_tau=tau, dr_os_lambda=lam_os),
)
v_snips = (w * reward / w.mean()).mean()
e_bar = (w * e).sum() / w.sum()
out["estimates"] = dict(
    ips=normal(w * reward),
    clipped_ips=normal(np.minimum(w, lam) * reward),
    snips=influence(w * reward / w.mean(), w * (reward - v_snips) / w.mean()),
    dm=normal(q_pi),
    dr=normal(q_pi + w * e),
    dr_clipped=normal(q_pi + np.minimum(w, lam) * e),
    sndr=influence(q_pi + w * e / w.mean(), q_pi - q_pi.mean() + w * (e - e_bar) / w.mean()),
    switch_dr=normal(q_pi + (w <= tau) * w * e),
    dr_os=normal(q_pi + lam_os * w / (w ** 2 + lam_os) * e),
)
print(json.dumps(out, indent=1))

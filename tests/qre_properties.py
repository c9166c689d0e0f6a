"""The defining properties of a logit QRE, written plainly (tensordot, no solver code).

Shared by ``tests/solvers/test_logit_qre.py`` and ``tests/hardening/test_qre_limits.py``.
"""

from __future__ import annotations

import numpy as np


def action_payoffs(U: np.ndarray, profile: list[np.ndarray], i: int) -> np.ndarray:
    """u_i(a, p_{-i}) for every action a of player i, by plain tensordot."""
    T = np.asarray(U[i], dtype=float)
    # Contract the highest axes first so lower axis numbers stay valid.
    for j in reversed(range(len(profile))):
        if j != i:
            T = np.tensordot(T, profile[j], axes=([j], [0]))
    return T


def fixed_point_residual(U: np.ndarray, profile: list[np.ndarray], lam: float) -> float:
    """Largest violation of p_i = softmax(lam * u_i(., p_{-i})), softmax shifted by its max."""
    worst = 0.0
    for i, p in enumerate(profile):
        x = lam * action_payoffs(U, profile, i)
        q = np.exp(x - x.max())
        q /= q.sum()
        worst = max(worst, float(np.abs(p - q).max()))
    return worst


def nash_regret(U: np.ndarray, profile: list[np.ndarray]) -> float:
    """Largest gain any player gets by deviating to a pure strategy."""
    return max(
        float(action_payoffs(U, profile, i).max() - p @ action_payoffs(U, profile, i))
        for i, p in enumerate(profile)
    )

"""Hypothesis helpers shared by the stage-game tests: payoffs and chance for given stages."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from tradegame.model.stages import Stage


def payoffs_and_chance(
    draw: st.DrawFn, stages: list[Stage], n: int
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Payoffs for 1-3 draws and every full history, and each chance stage's probabilities.

    Returns
    -------
    V : ndarray, shape (D, n, A_0, ..., A_{k-1})
        Continuous normals (generic: no ties with probability one).
    probs : dict
        Chance stage -> ndarray of shape (D, A_s), Dirichlet(1, ..., 1) rows.
    """
    D = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    V = rng.normal(size=(D, n, *(len(x.actions) for x in stages)))
    probs: dict[int, Any] = {
        s: rng.dirichlet(np.ones(len(x.actions)), size=D)
        for s, x in enumerate(stages)
        if x.is_chance
    }
    return V, probs

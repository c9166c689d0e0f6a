"""Hypothesis generators for the logit QRE limits (precision at its extremes).

``normal_form_games`` draws payoff arrays ``U[i, a_0, ..., a_{n-1}]`` (the
convention of :mod:`tradegame.model`); ``tiny_lambdas`` draws precisions so
small that the QRE is the centroid plus a first-order term, down to the
smallest subnormal.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays


@st.composite
def normal_form_games(
    draw: st.DrawFn,
    *,
    min_players: int = 1,
    max_players: int = 3,
    max_actions: int = 3,
    integer: bool | None = None,
) -> np.ndarray:
    """A payoff array of shape (n, A_0, ..., A_{n-1}), finite, in [-3, 3].

    Parameters
    ----------
    min_players, max_players : int
        Range of the number of players n.
    max_actions : int
        Each player has 1 to ``max_actions`` actions (a player with one action
        is the edge case the tiny-lambda bug was found on).
    integer : bool, optional
        Small integer payoffs (ties, degenerate games) when True, floats when
        False, either when None.
    """
    n = draw(st.integers(min_players, max_players), label="n")
    sizes = tuple(draw(st.lists(st.integers(1, max_actions), min_size=n, max_size=n)))
    if integer is None:
        integer = draw(st.booleans(), label="integer")
    if integer:
        elements = st.integers(-3, 3).map(float)
    else:
        elements = st.floats(-3, 3, allow_nan=False, allow_subnormal=False)
    return draw(arrays(np.float64, (n, *sizes), elements=elements), label="U")


def tiny_lambdas() -> st.SearchStrategy[float]:
    """Positive precisions from the smallest subnormal to 1e-6."""
    return st.one_of(
        st.sampled_from([5e-324, 1e-300, 1e-20, 2.2e-16, 4.4e-16, 1e-15, 1e-12]),
        st.floats(5e-324, 1e-6, allow_nan=False, allow_infinity=False),
    )

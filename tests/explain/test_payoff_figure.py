"""The payoff figure's data: the best-response correspondences of a 2x2 game cross
exactly at its equilibria (Osborne 2004, section 4.3), and the figure draws what it is
given, in every format and style, the same bytes twice for SVG."""

from __future__ import annotations

import numpy as np
import pytest
from explain_cases import CASES
from hypothesis import given, settings
from hypothesis import strategies as st

import tradegame as tg
from tradegame.report.payoff_figure import indifference_spans, payoff_figure, response_lines


def on_segments(point: tuple[float, float], segments: list) -> bool:
    px, py = point
    for (x0, y0), (x1, y1) in segments:
        if (
            min(x0, x1) - 1e-9 <= px <= max(x0, x1) + 1e-9
            and min(y0, y1) - 1e-9 <= py <= max(y0, y1) + 1e-9
        ):
            return True
    return False


def best_p(U: np.ndarray, q: float) -> set[float]:
    """The row player's best probabilities of the first strategy against q (brute force)."""
    pay = U[0] @ np.array([q, 1 - q])
    if abs(pay[0] - pay[1]) < 1e-9:
        return {0.0, 0.5, 1.0}
    return {1.0 if pay[0] > pay[1] else 0.0}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-4, 4), min_size=8, max_size=8))
def test_responses_cross_at_the_equilibria(xs: list[int]) -> None:
    U = np.array(xs, dtype=float).reshape(2, 2, 2)
    row, col = response_lines(U)
    row_flat, _ = indifference_spans(U)
    # Every equilibrium, by vertex enumeration, is on both correspondences.
    from tradegame.solvers.mixed_nash_2p import mixed_nash_2p

    for x, y in mixed_nash_2p(U[0], U[1]):
        point = (float(x[0]), float(y[0]))
        assert on_segments(point, row) and on_segments(point, col)
    # The row player's correspondence is the brute-force best response at sampled q.
    for q in np.linspace(0, 1, 41):
        best = best_p(U, float(q))
        drawn = {p for p in (0.0, 0.5, 1.0) if on_segments((p, float(q)), row)}
        if any(lo <= q <= hi for lo, hi in row_flat):  # shaded: every p is a best response
            drawn = {0.0, 0.5, 1.0}
        assert drawn == best


def test_battle_of_the_sexes_curves_cross_at_two_thirds_one_third() -> None:
    U = tg.solve(tg.load_scenario(CASES["battle_of_the_sexes"])).payoffs
    assert U is not None
    row, col = response_lines(U)
    crossings = [
        (p, q)
        for p in np.linspace(0, 1, 31)
        for q in np.linspace(0, 1, 31)
        if on_segments((p, q), row) and on_segments((p, q), col)
    ]
    # On a grid through thirds, the curves meet exactly at the three equilibria.
    assert {(round(p, 6), round(q, 6)) for p, q in crossings} == {
        (0.0, 0.0),
        (round(2 / 3, 6), round(1 / 3, 6)),
        (1.0, 1.0),
    }


@pytest.mark.parametrize("style", ["talk", "paper"])
def test_svg_is_the_same_bytes_twice(style: str) -> None:
    table = tg.explain(CASES["mixed_dominator"]).account.table
    assert table is not None
    a = payoff_figure(table, "t", "svg", style)
    assert a == payoff_figure(table, "t", "svg", style)
    assert b"<svg" in a

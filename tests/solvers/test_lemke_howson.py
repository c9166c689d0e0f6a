"""Tests for the Lemke–Howson solver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.solvers.lemke_howson import lemke_howson, lemke_howson_batch
from tradegame.solvers.mixed_nash_2p import mixed_nash_2p

DATA = Path(__file__).parent.parent / "data"


def _records(name: str, field: str) -> list[dict[str, Any]]:
    return [r for r in json.loads((DATA / name).read_text())["records"] if field in r]


GAMES = _records("gambit_random_games.json", "mixed") + _records(
    "gambit_degenerate_games.json", "extreme_equilibria"
)


def max_regret(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Largest gain from a deviation, divided by the deviating player's payoff range."""
    ra = max(float(np.ptp(A)), 1e-300)
    rb = max(float(np.ptp(B)), 1e-300)
    return float(max((np.max(A @ y) - x @ A @ y) / ra, (np.max(x @ B) - x @ B @ y) / rb))


def assert_equilibrium(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    assert x.shape == (A.shape[0],) and y.shape == (A.shape[1],)
    assert np.all(x >= 0) and np.all(y >= 0)
    assert abs(x.sum() - 1) <= 1e-12 and abs(y.sum() - 1) <= 1e-12
    assert max_regret(A, B, x, y) <= 1e-9


def assert_among(x: np.ndarray, y: np.ndarray, eqs: list[tuple[np.ndarray, np.ndarray]]) -> None:
    assert any(np.abs(x - a).max() <= 1e-8 and np.abs(y - b).max() <= 1e-8 for a, b in eqs), (
        f"({x}, {y}) is not among the extreme equilibria"
    )


@pytest.mark.parametrize("rec", GAMES, ids=lambda r: r["kind"] + str(np.shape(r["payoffs"])))
def test_every_label_gives_an_extreme_equilibrium(rec: dict[str, Any]) -> None:
    # With the lexicographic ratio test the end point is a vertex pair of the
    # (unperturbed) polytopes, so even in degenerate games it is an extreme equilibrium.
    A, B = np.asarray(rec["payoffs"], float)
    eqs = mixed_nash_2p(A, B)
    for label in range(sum(A.shape)):
        x, y = lemke_howson(A, B, label)
        assert_equilibrium(A, B, x, y)
        assert_among(x, y, eqs)


def test_matching_pennies() -> None:
    A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    for label in range(4):
        x, y = lemke_howson(A, -A, label)
        np.testing.assert_allclose(x, [0.5, 0.5], atol=1e-12)
        np.testing.assert_allclose(y, [0.5, 0.5], atol=1e-12)


def test_labels_reach_different_equilibria() -> None:
    # Battle of the sexes: from the artificial equilibrium, dropping a label reaches
    # a pure equilibrium (the mixed one is the end of the path between the pure two).
    A = np.array([[3.0, 0.0], [0.0, 2.0]])
    B = np.array([[2.0, 0.0], [0.0, 3.0]])
    found = {tuple(np.round(np.concatenate(lemke_howson(A, B, k)), 9)) for k in range(4)}
    assert found == {(1.0, 0.0, 1.0, 0.0), (0.0, 1.0, 0.0, 1.0)}


def test_fully_degenerate_games_terminate() -> None:
    # Constant payoffs make every basis degenerate; without the lexicographic rule the
    # ratio test would tie everywhere.
    for shape in [(1, 1), (2, 2), (3, 4), (5, 5)]:
        Z = np.zeros(shape)
        for label in range(sum(shape)):
            x, y = lemke_howson(Z, Z, label)
            assert_equilibrium(Z, Z, x, y)


def test_integer_labels_from_numpy() -> None:
    A = np.eye(3)
    x, y = lemke_howson(A, A, np.int64(4))
    assert_equilibrium(A, A, x, y)


@st.composite
def generic_games(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    m, n = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A, B = rng.normal(size=(2, m, n))
    return A, B, draw(st.integers(0, m + n - 1))


@st.composite
def integer_games(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    vals = draw(st.lists(st.integers(-2, 2), min_size=2 * m * n, max_size=2 * m * n))
    A, B = np.array(vals, float).reshape(2, m, n)
    return A, B, draw(st.integers(0, m + n - 1))


@settings(max_examples=100, deadline=None)
@given(generic_games())
def test_property_generic_result_is_one_of_all_equilibria(game: Any) -> None:
    A, B, label = game
    x, y = lemke_howson(A, B, label)
    assert_equilibrium(A, B, x, y)
    assert_among(x, y, mixed_nash_2p(A, B))


@settings(max_examples=100, deadline=None)
@given(integer_games())
def test_property_degenerate_integer_games(game: Any) -> None:
    A, B, label = game
    x, y = lemke_howson(A, B, label)
    assert_equilibrium(A, B, x, y)
    assert_among(x, y, mixed_nash_2p(A, B))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 30), st.booleans(), st.data())
def test_batch_equals_single_game(m: int, n: int, D: int, integer: bool, data: Any) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    if integer:
        A, B = rng.integers(-1, 2, size=(2, D, m, n)).astype(float)
    else:
        A, B = rng.normal(size=(2, D, m, n))
    label = data.draw(st.integers(0, m + n - 1))
    xs, ys = lemke_howson_batch(A, B, label)
    assert xs.shape == (D, m) and ys.shape == (D, n)
    for d in range(D):
        x, y = lemke_howson(A[d], B[d], label)
        np.testing.assert_allclose(xs[d], x, atol=1e-12)
        np.testing.assert_allclose(ys[d], y, atol=1e-12)


def test_batch_accepts_U_with_leading_axes() -> None:
    U = np.random.default_rng(5).normal(size=(3, 4, 2, 3, 3))
    x, y = lemke_howson_batch(U, label=2)
    assert x.shape == (3, 4, 3) and y.shape == (3, 4, 3)
    x1, y1 = lemke_howson(U[1, 2, 0], U[1, 2, 1], 2)
    np.testing.assert_allclose(x[1, 2], x1)
    np.testing.assert_allclose(y[1, 2], y1)


def test_batch_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="label"):
        lemke_howson_batch(np.ones((4, 2, 2)), np.ones((4, 2, 2)), label=4)
    with pytest.raises(ValueError, match="same shape"):
        lemke_howson_batch(np.ones((4, 2, 2)), np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        lemke_howson_batch(np.full((4, 2, 2, 2), np.nan))


@pytest.mark.parametrize(
    ("A", "B", "label", "match"),
    [
        (np.ones(3), np.ones(3), 0, "2-D"),
        (np.ones((2, 3)), np.ones((2, 2)), 0, "same shape"),
        (np.array([[np.nan]]), np.ones((1, 1)), 0, "NaN"),
        (np.ones((2, 2)), np.ones((2, 2)), 4, "label"),
        (np.ones((2, 2)), np.ones((2, 2)), -1, "label"),
        (np.ones((2, 2)), np.ones((2, 2)), 1.0, "integer"),
        (np.ones((2, 2)), np.ones((2, 2)), True, "integer"),
    ],
)
def test_bad_input_raises(A: Any, B: Any, label: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        lemke_howson(A, B, label)

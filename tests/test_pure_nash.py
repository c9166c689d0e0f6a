"""Pure Nash equilibria: defining property, Gambit oracle, batching."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tradegame.solvers import best_response_mask, pure_nash


def brute_force_equilibria(U: np.ndarray) -> set[tuple[int, ...]]:
    """Profiles where no player gains by a unilateral deviation (the definition)."""
    n = U.shape[0]
    shape = U.shape[1:]
    found = set()
    for profile in itertools.product(*(range(a) for a in shape)):
        stable = True
        for i in range(n):
            for b in range(shape[i]):
                dev = list(profile)
                dev[i] = b
                if U[(i, *dev)] > U[(i, *profile)]:
                    stable = False
        if stable:
            found.add(profile)
    return found


def test_agrees_with_gambit_on_every_oracle_record(random_games: list[dict]) -> None:
    checked = 0
    for record in random_games:
        U = np.array(record["payoffs"], dtype=float)
        got = {tuple(p) for p in np.argwhere(pure_nash(U)).tolist()}
        assert got == brute_force_equilibria(U), "defining property"
        assert got == {tuple(p) for p in record["pure"]}, f"differs from Gambit: {record}"
        checked += 1
    assert checked == 400


def test_oracle_has_games_with_ties_and_several_equilibria(random_games: list[dict]) -> None:
    # The oracle exercises the hard cases: integer payoffs with ties, many equilibria, none.
    counts = [len(r["pure"]) for r in random_games if r["kind"] == "pure"]
    assert 0 in counts and max(counts) >= 3


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=2, max_size=4).flatmap(
        lambda shape: arrays(np.int64, (len(shape), *shape), elements=st.integers(-2, 2))
    )
)
def test_matches_definition_on_random_integer_games(U: np.ndarray) -> None:
    got = {tuple(p) for p in np.argwhere(pure_nash(U)).tolist()}
    assert got == brute_force_equilibria(U)


def test_batch_equals_one_game_at_a_time() -> None:
    rng = np.random.default_rng(3)
    U = rng.integers(-3, 4, size=(50, 3, 3, 2, 4)).astype(float)
    batched = pure_nash(U, n_players=3)
    assert batched.shape == (50, 3, 2, 4)
    for d in range(50):
        np.testing.assert_array_equal(batched[d], pure_nash(U[d]))


def test_two_batch_axes() -> None:
    rng = np.random.default_rng(4)
    U = rng.normal(size=(4, 5, 2, 3, 3))
    got = pure_nash(U, n_players=2)
    assert got.shape == (4, 5, 3, 3)
    np.testing.assert_array_equal(got[2, 3], pure_nash(U[2, 3]))


def test_prisoners_dilemma_and_matching_pennies() -> None:
    pd = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    assert np.argwhere(pure_nash(pd)).tolist() == [[1, 1]]
    pennies = np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    assert not pure_nash(pennies).any()


def test_tolerance_counts_near_ties_as_best_responses() -> None:
    U = np.array([[[1.0, 0.0], [1.0 - 1e-12, 0.0]], [[1.0, 0.0], [1.0, 0.0]]])
    assert pure_nash(U).sum() == 1
    assert pure_nash(U, tol=1e-9).sum() == 2
    assert best_response_mask(U, tol=1e-9)[0, 1, 0]


@pytest.mark.parametrize(
    ("U", "message"),
    [
        (np.zeros(3), "shape"),
        (np.zeros((3, 2, 2)), "infer"),
        (np.array([["a", "b"], ["c", "d"]]), "numeric"),
    ],
)
def test_bad_input_is_refused(U: np.ndarray, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        pure_nash(U)

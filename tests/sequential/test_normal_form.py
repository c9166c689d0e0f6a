"""Reduced normal form of stage games: equilibria carry over, payoffs match the tree."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stage_game_draws import payoffs_and_chance

from tradegame.model.normal_form import (
    plan_index,
    reduced_normal_form,
    reduced_strategies,
)
from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree
from tradegame.solvers.backward_induction import backward_induction
from tradegame.solvers.pure_nash import pure_nash


@st.composite
def small_stage_games(draw, perfect: bool = True):
    """Small random stage games (normal forms grow fast), with chance and draws."""
    n = draw(st.integers(1, 3))
    players = tuple(f"p{i}" for i in range(n))
    k = draw(st.integers(1, 3))
    stages = []
    for s in range(k):
        A = draw(st.integers(1, 3 if k < 3 else 2))
        mover = draw(st.sampled_from((*players, None)))
        observes = None
        if not perfect and mover is not None:
            observes = tuple(o for o in range(s) if draw(st.booleans()))
        stages.append(Stage(f"s{s}", mover, tuple(f"a{j}" for j in range(A)), observes))
    V, probs = payoffs_and_chance(draw, stages, n)
    return V, tuple(stages), players, probs


@given(small_stage_games())
@settings(max_examples=40, deadline=None)
def test_every_subgame_perfect_profile_is_a_nash_equilibrium_of_the_normal_form(game):
    V, stages, players, probs = game
    n = len(players)
    res = backward_induction(V, stages, players, probs)
    U, labels = reduced_normal_form(V, stages, players, probs)
    plans = reduced_strategies(stages, players)
    assert U.shape == (V.shape[0], n, *(len(p) for p in plans))
    assert [len(x) for x in labels] == [len(p) for p in plans]
    mask = pure_nash(U, n_players=n)
    for d in range(V.shape[0]):
        tree = GameTree.from_stages(V[d], stages, players, {s: p[d] for s, p in probs.items()})
        profile = tree.profile_from_arrays([None if x is None else x[d] for x in res.strategy])
        idx = tuple(plan_index(plans[i], profile) for i in range(n))
        assert mask[d][idx]
        # ... and its normal-form payoff is the value at the root.
        np.testing.assert_allclose(U[(d, slice(None), *idx)], res.values[d], atol=1e-12)


@given(small_stage_games(perfect=False))
@settings(max_examples=30, deadline=None)
def test_normal_form_payoffs_match_play_on_the_tree(game):
    V, stages, players, probs = game
    U, _ = reduced_normal_form(V, stages, players, probs)
    plans = reduced_strategies(stages, players)
    for d in range(V.shape[0]):
        tree = GameTree.from_stages(V[d], stages, players, {s: p[d] for s, p in probs.items()})
        for idx in itertools.product(*(range(len(p)) for p in plans)):
            profile = {}
            for i, j in enumerate(idx):
                profile.update(plans[i][j])
            expected = np.zeros(len(players))
            for node, prob in tree.reach_probabilities(profile).items():
                if tree.node(node)["kind"] == "terminal":
                    expected += prob * tree.terminal_payoffs(node)
            np.testing.assert_allclose(U[(d, slice(None), *idx)], expected, atol=1e-12)


def test_simultaneous_moves_give_the_matrix_game():
    # Prisoner's dilemma as two stages where the second mover sees nothing.
    stages = (Stage("row", "r", ("C", "D")), Stage("col", "c", ("C", "D"), observes=()))
    V = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]], dtype=float)
    U, labels = reduced_normal_form(V, stages, ("r", "c"))
    np.testing.assert_array_equal(U, V)
    assert labels == (("row=C", "row=D"), ("col=C", "col=D"))
    assert np.argwhere(pure_nash(U)).tolist() == [[1, 1]]


def test_reduction_drops_strategies_at_sets_the_player_rules_out():
    # A moves, B replies, A moves again having seen everything: 2 * 2**4 = 32 full
    # strategies, but only 2 * 2**2 = 8 plans (A's first move rules out half of the sets).
    stages = (
        Stage("a1", "A", ("x", "y")),
        Stage("b", "B", ("u", "v")),
        Stage("a2", "A", ("p", "q")),
    )
    plans = reduced_strategies(stages, ("A", "B"))
    assert len(plans[0]) == 8
    assert len(plans[1]) == 4
    assert all(len(p) == 3 for p in plans[0])
    # If A forgets its own first move, nothing can be ruled out: 2 * 2**2 = 8 again, with
    # information sets keyed by B's move only.
    forgetful = (*stages[:2], Stage("a2", "A", ("p", "q"), observes=(1,)))
    assert len(reduced_strategies(forgetful, ("A", "B"))[0]) == 8


def test_chance_is_taken_in_expectation_per_draw():
    stages = (Stage("nature", None, ("good", "bad")), Stage("act", "firm", ("invest", "wait"), ()))
    V = np.array([[[2.0, 0.0], [-1.0, 0.0]]])
    p = np.array([[0.2, 0.8], [0.7, 0.3]])
    U, labels = reduced_normal_form(np.stack([V, V]), stages, ("firm",), {0: p})
    np.testing.assert_allclose(U[:, 0, 0], [2 * 0.2 - 0.8, 2 * 0.7 - 0.3])
    np.testing.assert_allclose(U[:, 0, 1], [0.0, 0.0])
    assert labels == (("act=invest", "act=wait"),)


def test_a_player_without_moves_has_one_empty_strategy():
    stages = (Stage("a", "x", ("l", "r")),)
    U, labels = reduced_normal_form(np.array([[1.0, 2.0], [3.0, 4.0]]), stages, ("x", "y"))
    assert U.shape == (2, 2, 1)
    assert labels[1] == ("(no move)",)


def test_too_many_strategies_is_a_clear_error():
    stages = (Stage("a", "x", tuple("abc")), Stage("b", "y", tuple("abc")))
    with pytest.raises(ValueError, match="reduced strategies"):
        reduced_normal_form(np.zeros((2, 3, 3)), stages, ("x", "y"), max_strategies=5)

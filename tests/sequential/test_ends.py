"""Stage options that end the game ('ends:'): exact solutions, Monte Carlo, trees, checks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stage_game_draws import payoffs_and_chance

import tradegame as tg
from tradegame.model.normal_form import reduced_normal_form, reduced_strategies
from tradegame.model.stages import Stage, canonical_index, merge_phantoms
from tradegame.model.tree import GameTree
from tradegame.play.stages import central_stage_game, subgame_perfect_strategy
from tradegame.solvers.backward_induction import backward_induction


@st.composite
def stage_games_with_ends(draw, max_stages: int = 4, max_actions: int = 3):
    """A random perfect-information stage game, chance stages and random 'ends'.

    Payoffs are continuous normals, drawn for every full history, phantom ones
    included: the solver must ignore what lies after an ending action.
    """
    n = draw(st.integers(1, 3))
    players = tuple(f"p{i}" for i in range(n))
    k = draw(st.integers(1, max_stages))
    stages = []
    for s in range(k):
        A = draw(st.integers(1, max_actions))
        ends = draw(st.lists(st.integers(0, A - 1), unique=True, max_size=A))
        mover = draw(st.sampled_from((*players, None)))
        stages.append(
            Stage(f"s{s}", mover, tuple(f"a{j}" for j in range(A)), ends=tuple(sorted(ends)))
        )
    V, probs = payoffs_and_chance(draw, stages, n)
    return V, tuple(stages), players, probs


@given(stage_games_with_ends())
@settings(max_examples=80, deadline=None)
def test_backward_induction_equals_brute_force_on_the_tree_with_early_ends(game):
    V, stages, players, probs = game
    k = len(stages)
    res = backward_induction(V, stages, players, probs)
    for d in range(V.shape[0]):
        tree = GameTree.from_stages(V[d], stages, players, {s: p[d] for s, p in probs.items()})
        values = tree.subgame_values()
        np.testing.assert_allclose(res.values[d], values[()], rtol=1e-12, atol=1e-12)
        for node, a in tree.subgame_choices().items():
            assert res.strategy[len(node)][d][node] == a  # type: ignore[index]
        # Path probabilities: the tree's reach of each terminal (of any length), on the
        # canonical history (later stages at their first action); zero elsewhere.
        profile = tree.profile_from_arrays([None if x is None else x[d] for x in res.strategy])
        reach = tree.reach_probabilities(profile)
        expected = np.zeros(V.shape[2:])
        for node, p in reach.items():
            if tree.node(node)["kind"] == "terminal":
                expected[(*node, *(0,) * (k - len(node)))] += p
        np.testing.assert_allclose(res.path_probs[d], expected, atol=1e-12)
        # Expected payoffs follow from the path distribution.
        canonical_V = V[d].reshape(len(players), -1)[:, canonical_index(stages).reshape(-1)]
        np.testing.assert_allclose(
            canonical_V @ res.path_probs[d].reshape(-1), res.values[d], atol=1e-12
        )
        # Stage marginals count a stage only where it is reached.
        for s in range(k):
            at_s = [n for n in reach if len(n) == s and tree.node(n)["kind"] != "terminal"]
            p_reached = sum(reach[n] for n in at_s)
            assert res.action_probs[s][d].sum() == pytest.approx(p_reached, abs=1e-12)
            for a in range(len(stages[s].actions)):
                mass = sum(reach.get((*n, a), 0.0) for n in at_s)
                assert res.action_probs[s][d][a] == pytest.approx(mass, abs=1e-12)


@given(stage_games_with_ends(max_stages=3, max_actions=2))
@settings(max_examples=40, deadline=None)
def test_reduced_normal_form_equals_play_on_the_tree_for_every_plan_profile(game):
    """Each cell is the expected payoff of playing the plans out on the tree (brute force)."""
    V, stages, players, probs = game
    U, _ = reduced_normal_form(V, stages, players, probs)
    plans = reduced_strategies(stages, players)
    for d in range(V.shape[0]):
        tree = GameTree.from_stages(V[d], stages, players, {s: p[d] for s, p in probs.items()})
        for idx in itertools.product(*(range(len(p)) for p in plans)):
            profile = {k: a for i, j in enumerate(idx) for k, a in plans[i][j].items()}
            reach = tree.reach_probabilities(profile)
            value = sum(
                (
                    p * tree.terminal_payoffs(n)
                    for n, p in reach.items()
                    if len(tree.children(n)) == 0
                ),
                np.zeros(len(players)),
            )
            np.testing.assert_allclose(U[(d, slice(None), *idx)], value, atol=1e-12)
        # A plan decides only where the game can still be going on.
        for player_plans in plans:
            for plan in player_plans:
                for _s, seen in plan:
                    assert all(a not in stages[t].ends for t, a in enumerate(seen))


def test_merge_phantoms_keeps_the_total_and_empties_phantom_histories():
    stages = (Stage("a", "p", ("stop", "go"), ends=(0,)), Stage("b", None, ("x", "y", "z")))
    W = np.arange(6.0).reshape(2, 3)
    out = merge_phantoms(W, stages)
    assert out.tolist() == [[3.0, 0.0, 0.0], [3.0, 4.0, 5.0]]


ENTRY = """\
tradegame: 1
title: entry with an early end
players:
  entrant:
    levers:
      entry: [stay_out, enter]
  incumbent:
    levers:
      response: [fight, accommodate]
parameters:
  reputation_value: {dist: uniform, low: 0, high: 5}
chance:
  demand:
    options: {high: 0.5, low: 0.5}
stages:
  - player: entrant
    levers: [entry]
    ends: [stay_out]
  - chance: demand
  - player: incumbent
    levers: [response]
payoffs:
  entrant: "where(entry == 'enter', where(response == 'fight', -1, 2), 0)"
  incumbent: "where(entry == 'enter', where(response == 'fight', -1 + reputation_value, 2), 5)"
outcomes:
  deterred: entry == 'stay_out'
  price_war: response == 'fight'
  otherwise: accommodated_entry
analysis: {samples: 20000, seed: 11}
"""


def test_entry_deterred_with_the_closed_form_probability():
    """The incumbent fights iff reputation_value > 3, so the entrant stays out with P = 2/5.

    Each draw's mass on 'stay_out' is 0 or 1, so the estimate is binomial.
    """
    n = 20_000
    res = tg.simulate(tg.parse_scenario(ENTRY), samples=n, seed=11)
    half_width = 2.576 * math.sqrt(0.4 * 0.6 / n)  # 99 %
    p_out = res.outcome_probabilities["deterred"]
    assert abs(p_out - 0.4) < half_width
    assert res.outcome_probabilities["price_war"] == 0.0
    # Paths stop where the game ended; the demand stage's phantom masses are summed.
    paths = {p.label: p.probability for p in res.paths}
    assert paths["entry: stay_out"] == pytest.approx(p_out, abs=1e-12)
    assert set(paths) == {
        "entry: stay_out",
        "entry: enter > demand: high > response: accommodate",
        "entry: enter > demand: low > response: accommodate",
    }
    assert math.isclose(sum(paths.values()), 1.0, abs_tol=1e-12)
    # Lever options count only where their stage is reached: they sum to P(reached).
    lev = res.lever_options
    assert sum(lev["entrant"]["entry"].values()) == pytest.approx(1.0, abs=1e-12)
    assert sum(lev["incumbent"]["response"].values()) == pytest.approx(1 - p_out, abs=1e-12)
    assert lev["chance"]["demand"]["high"] == pytest.approx((1 - p_out) / 2, abs=1e-12)
    assert res.expected_payoffs["entrant"] == pytest.approx(2 * (1 - p_out), abs=1e-9)


def test_payoffs_of_an_ended_play_see_later_levers_at_their_first_option():
    # With the rule on 'response' first, an ended play (response at 'fight') matches it.
    text = ENTRY.replace(
        "  deterred: entry == 'stay_out'\n  price_war: response == 'fight'\n",
        "  price_war: response == 'fight'\n  deterred: entry == 'stay_out'\n",
    )
    res = tg.simulate(tg.parse_scenario(text), samples=2000, seed=1)
    assert res.outcome_probabilities["deterred"] == 0.0
    assert res.outcome_probabilities["price_war"] == pytest.approx(
        res.lever_options["entrant"]["entry"]["stay_out"], abs=1e-12
    )


def test_tree_of_a_scenario_with_ends_stops_at_the_ending_option():
    g = central_stage_game(tg.parse_scenario(ENTRY))
    tree = GameTree.from_stages(g.V, g.stages, g.players, g.chance_probs)
    # root, 'stay_out' (terminal), chance after 'enter', 2 incumbent nodes, 4 terminals
    assert len(tree) == 9
    assert len(tree.nodes("terminal")) == 5
    assert tree.node((0,))["kind"] == "terminal"
    np.testing.assert_array_equal(tree.node((0,))["payoffs"], [0.0, 5.0])
    without = GameTree.from_stages(
        g.V, [Stage(s.name, s.mover, s.actions) for s in g.stages], g.players, g.chance_probs
    )
    assert len(without) == 15


def test_subgame_perfect_strategy_skips_histories_that_ended():
    g = central_stage_game(tg.parse_scenario(ENTRY))
    rows = subgame_perfect_strategy(g, "first")
    assert [r["stage"] for r in rows] == ["entry", "response", "response"]
    assert all(r["after"].get("entry") == "enter" for r in rows[1:])


def test_reduced_normal_form_has_no_strategies_at_ended_histories():
    g = central_stage_game(tg.parse_scenario(ENTRY))
    U, labels = reduced_normal_form(g.V, g.stages, g.players, g.chance_probs)
    assert U.shape == (2, 2, 4)  # the incumbent decides after (enter, high) and (enter, low)
    assert all("stay_out" not in lab for lab in labels[1])
    # Staying out pays (0, 5) whatever the incumbent's plan.
    np.testing.assert_array_equal(U[:, 0, :], [[0.0] * 4, [5.0] * 4])


@pytest.mark.parametrize(
    ("old", "new", "fragment", "line", "column"),
    [
        (
            "    ends: [stay_out]",
            "    ends: [stay_in]",
            "'ends' option 'stay_in' is not an option of this stage",
            18,
            12,
        ),
        (
            "    ends: [stay_out]",
            "    ends: [stay_out, stay_out]",
            "'ends' lists option 'stay_out' twice",
            18,
            22,
        ),
        (
            "    ends: [stay_out]",
            "    ends: [fight]",
            "'ends' option 'fight' is not an option of this stage",
            18,
            12,
        ),
        (
            "    levers: [response]\n",
            "    levers: [response]\n    observes: [entry]\n",
            "needs perfect information",
            22,
            15,
        ),
        (
            "  - chance: demand\n",
            "  - chance: demand\n    ends: [hgh]\n",
            "did you mean 'high'?",
            20,
            12,
        ),
    ],
    ids=["unknown option", "twice", "other lever's option", "imperfect info", "chance typo"],
)
def test_bad_ends_are_refused_with_their_location(old, new, fragment, line, column):
    assert old in ENTRY
    with pytest.raises(tg.ScenarioError) as info:
        tg.parse_scenario(ENTRY.replace(old, new, 1), "entry.yaml")
    issues = [i for i in info.value.issues if fragment in i.message]
    assert issues, info.value
    assert str(issues[0].location) == f"entry.yaml:{line}:{column}"


def test_engine_refuses_ends_with_imperfect_information():
    stages = (
        Stage("a", "p", ("stop", "go"), ends=(0,)),
        Stage("b", "q", ("l", "r"), observes=()),
    )
    with pytest.raises(ValueError, match="needs perfect information"):
        reduced_normal_form(np.zeros((2, 2, 2)), stages, ("p", "q"))


def test_canonical_index_puts_later_stages_at_their_first_action():
    stages = (
        Stage("a", "p", ("x", "y"), ends=(1,)),
        Stage("b", "p", ("u", "v"), ends=(0,)),
        Stage("c", "p", ("s", "t")),
    )
    canon = canonical_index(stages)
    for h in itertools.product(range(2), repeat=3):
        if h[0] == 1:
            expected = (1, 0, 0)
        elif h[1] == 0:
            expected = (0, 0, 0)
        else:
            expected = h
        assert canon[h] == np.ravel_multi_index(expected, (2, 2, 2))


def test_an_ended_path_is_reported_up_to_its_last_stage(cli, write_scenario):
    # Reputation above 3 at the median: the incumbent would fight, the entrant stays out.
    text = ENTRY.replace("{dist: uniform, low: 0, high: 5}", "{dist: uniform, low: 2, high: 5}")
    central = tg.simulate(tg.parse_scenario(text), samples=200, seed=1).central_game
    (eq,) = central.equilibria
    assert eq.strategies == {"entry": "stay_out"} and eq.levers == {"entry": "stay_out"}
    assert eq.payoffs == {"entrant": 0.0, "incumbent": 5.0} and eq.outcome == "deterred"
    path = write_scenario(text)
    result = cli("solve", path)
    assert result.code == 0 and "entry: stay_out " in result.stdout
    assert "entry: stay_out >" not in result.stdout
    assert "stay_out (ends), enter" in result.stdout  # the order of moves marks it
    plot = path.with_suffix(".png")
    result = cli("tree", path, "-o", plot)
    assert result.code == 0 and "(9 nodes" in result.stdout and plot.exists()

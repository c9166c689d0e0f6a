"""Scenarios with a 'tree:': loading, bad trees, Monte Carlo against closed forms, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

import tradegame as tg
from tradegame.montecarlo.result import wilson_interval
from tradegame.scenario.sampling import BLOCK

Z_99 = 2.5758293035489

# Perfect information: the incumbent fights when fighting is cheap (fight_cost < 0,
# probability 1/4), and the entrant, foreseeing it, stays out.
ENTRY = """\
tradegame: 1
title: Entry deterrence as a tree
players:
  entrant:
    levers:
      enter: {in: {label: Enter}, out: {label: Stay out}}
  incumbent:
    levers:
      respond: [fight, accommodate]
parameters:
  fight_cost: {dist: uniform, low: -1, high: 3}
tree:
  outcomes:
    war: {payoffs: {entrant: -1, incumbent: 1 - fight_cost}}
    share: {label: Shared market, payoffs: {entrant: 1, incumbent: 1}}
    monopoly: {payoffs: {entrant: 0, incumbent: 2}}
  root:
    move: enter
    label: Entry decision
    then:
      in: {move: respond, then: {fight: war, accommodate: share}}
      out: monopoly
analysis: {samples: 20000, seed: 5}
"""

# The same game given by stages: every result must be the same.
ENTRY_STAGES = """\
tradegame: 1
title: Entry deterrence by stages
players:
  entrant:
    levers:
      enter: {in: {label: Enter}, out: {label: Stay out}}
  incumbent:
    levers:
      respond: [fight, accommodate]
parameters:
  fight_cost: {dist: uniform, low: -1, high: 3}
stages:
  - player: entrant
    ends: [out]
  - player: incumbent
payoffs:
  entrant: "where(enter == 'out', 0, where(respond == 'fight', -1, 1))"
  incumbent: "where(enter == 'out', 2, where(respond == 'fight', 1 - fight_cost, 1))"
outcomes:
  war: enter == 'in' and respond == 'fight'
  share: enter == 'in' and respond == 'accommodate'
  otherwise: monopoly
analysis: {samples: 20000, seed: 5}
"""


def test_a_tree_loads_into_nodes_in_preorder() -> None:
    sc = tg.parse_scenario(ENTRY)
    assert sc.is_tree and sc.is_sequential and sc.solution == "subgame_perfect"
    assert sc.tree is not None
    assert [n.history for n in sc.tree.nodes] == [(), (0,), (0, 0), (0, 1), (1,)]
    assert [n.lever for n in sc.tree.nodes] == ["enter", "respond", None, None, None]
    assert sc.outcome_labels == ("war", "share", "monopoly")
    assert sc.tree.is_perfect_information


def test_a_tree_gives_the_results_of_the_same_game_by_stages() -> None:
    tree = tg.simulate(tg.parse_scenario(ENTRY), samples=3 * BLOCK, seed=9)
    stages = tg.simulate(tg.parse_scenario(ENTRY_STAGES), samples=3 * BLOCK, seed=9)
    assert tree.outcome_probabilities == pytest.approx(stages.outcome_probabilities, abs=1e-12)
    assert tree.expected_payoffs == pytest.approx(stages.expected_payoffs, rel=1e-12)
    for player, levers in stages.lever_options.items():
        for lever, options in levers.items():
            assert tree.lever_options[player][lever] == pytest.approx(options, abs=1e-12)
    assert sorted(p.probability for p in tree.paths) == pytest.approx(
        sorted(p.probability for p in stages.paths), abs=1e-12
    )


def test_backward_induction_on_a_tree_gives_the_closed_form() -> None:
    """P(monopoly) = P(fight_cost < 0) = 1/4, within the 99 % interval."""
    res = tg.simulate(tg.parse_scenario(ENTRY), samples=20000, seed=5)
    est = next(o for o in res.outcomes if o.label == "monopoly")
    low, high = wilson_interval(est.count, 20000, Z_99)
    assert low <= 0.25 <= high
    assert res.outcome_probabilities["war"] == 0.0  # a fight never happens on the path
    doc = json.loads(res.to_json())
    strategy = doc["central_game"]["subgame_perfect_strategy"]
    assert [r["node"] for r in strategy] == ["Entry decision", "enter: in"]
    assert strategy[1]["action"] == "accommodate"  # fight_cost's median is 1: fighting costs
    assert {p["label"] for p in doc["paths"]} == {
        "enter: Enter > respond: accommodate",
        "enter: Stay out",
    }


def _card_game_closed_form() -> dict[str, float]:
    """Outcome probabilities of the card game's mixed equilibrium, averaged over bet ~ U(0.5, 2).

    Player 1 bluffs with q = b / (2 + b), player 2 meets with m = 2 / (2 + b)
    (each makes the other indifferent).
    """

    def mean(f) -> float:  # type: ignore[no-untyped-def]
        return float(integrate.quad(f, 0.5, 2.0)[0] / 1.5)

    def q(b: float) -> float:
        return b / (2 + b)

    def m(b: float) -> float:
        return 2 / (2 + b)

    return {
        "red_folded": 0.0,
        "black_folded": mean(lambda b: (1 - q(b)) / 2),
        "passed": mean(lambda b: (1 + q(b)) / 2 * (1 - m(b))),
        "red_called": mean(lambda b: m(b) / 2),
        "black_called": mean(lambda b: q(b) / 2 * m(b)),
    }


def test_hidden_information_plays_the_mixed_equilibrium_in_closed_form() -> None:
    """Myerson's card game: no pure equilibrium, so each draw plays its mixed one."""
    sc = tg.load_scenario("classroom/card_game")
    assert sc.tree is not None and not sc.tree.is_perfect_information
    n = 8192
    res = tg.simulate(sc, samples=n, seed=11)
    expected = _card_game_closed_form()
    for est in res.outcomes:
        if est.label in expected:
            low, high = wilson_interval(est.count, n, Z_99)
            assert low - 1e-12 <= expected[est.label] <= high + 1e-12, est.label
    assert res.equilibrium_counts == {0: n}  # no pure equilibrium in any draw
    assert "mixed" in res.no_equilibrium_rule


def test_two_pure_equilibria_of_a_hidden_move_are_equally_likely() -> None:
    """The entrant does not see the incumbent's type: (enter, accommodate) and
    (stay out, fight) are both equilibria of every draw, taken half and half."""
    text = ENTRY.replace(
        "  root:\n    move: enter\n    label: Entry decision\n    then:\n"
        "      in: {move: respond, then: {fight: war, accommodate: share}}\n"
        "      out: monopoly\n",
        "    war_strong: {payoffs: {entrant: -2, incumbent: 1}}\n"
        "  root:\n    move: type\n    then:\n"
        "      weak: {move: enter, then: {in: {move: respond, then: {fight: war, "
        "accommodate: share}}, out: monopoly}}\n"
        "      strong: {move: enter, then: {in: {move: respond, then: {fight: war_strong, "
        "accommodate: share}}, out: monopoly}}\n",
    ).replace(
        "  fight_cost: {dist: uniform, low: -1, high: 3}\n",
        "  fight_cost: {dist: uniform, low: 1.5, high: 3}\n  p_weak: {dist: uniform, low: 0.2, "
        "high: 0.8}\nchance:\n  type:\n    options: {weak: p_weak, strong: 1 - p_weak}\n",
    )
    res = tg.simulate(tg.parse_scenario(text), samples=BLOCK, seed=2)
    assert res.equilibrium_counts == {2: BLOCK}
    assert res.outcome_probabilities["share"] == pytest.approx(0.5, abs=1e-12)
    assert res.outcome_probabilities["monopoly"] == pytest.approx(0.5, abs=1e-12)


DRIVER = """\
tradegame: 1
title: Absent-minded driver with an uncertain first exit
players:
  driver:
    levers:
      turn: {go_on: {label: Go on}, exit: {label: Exit}}
parameters:
  first_exit: {dist: uniform, low: 0, high: 2}
tree:
  outcomes:
    far: {payoffs: {driver: 1}}
    second_exit: {payoffs: {driver: 4}}
    first: {payoffs: {driver: first_exit}}
  root:
    move: turn
    then:
      go_on: {move: turn, then: {go_on: far, exit: second_exit}}
      exit: first
analysis: {samples: 4096, seed: 1}
"""


def test_a_one_player_tree_with_imperfect_recall() -> None:
    """Both intersections are one information set: a pure plan goes on twice (1) or
    exits at once (first_exit); it exits when first_exit > 1, half the time."""
    res = tg.simulate(tg.parse_scenario(DRIVER), samples=4096, seed=1)
    assert res.outcome_probabilities["second_exit"] == 0.0  # no pure plan reaches it
    est = next(o for o in res.outcomes if o.label == "first")
    low, high = wilson_interval(est.count, 4096, Z_99)
    assert low <= 0.5 <= high
    # Expected payoff: E[max(1, first_exit)] = 1/2 * 1 + 1/2 * 1.5 = 1.25.
    assert res.expected_payoffs["driver"] == pytest.approx(1.25, abs=0.03)


def test_outcomes_on_inner_nodes_add_up_along_the_play() -> None:
    """An entry fee at the root is paid on every play; a play may end without an outcome."""
    text = ENTRY.replace(
        "    monopoly: {payoffs: {entrant: 0, incumbent: 2}}\n",
        "    monopoly: {payoffs: {entrant: 0, incumbent: 2}}\n"
        "    fee: {payoffs: {entrant: -0.5, incumbent: 0.5}}\n",
    ).replace("    label: Entry decision\n", "    label: Entry decision\n    outcome: fee\n")
    res = tg.simulate(tg.parse_scenario(text), samples=BLOCK, seed=3)
    plain = tg.simulate(tg.parse_scenario(ENTRY), samples=BLOCK, seed=3)
    assert res.expected_payoffs["entrant"] == pytest.approx(
        plain.expected_payoffs["entrant"] - 0.5, abs=1e-12
    )
    assert res.expected_payoffs["incumbent"] == pytest.approx(
        plain.expected_payoffs["incumbent"] + 0.5, abs=1e-12
    )
    silent = tg.parse_scenario(
        ENTRY.replace("out: monopoly", "out: {label: nothing happens}").replace(
            "    monopoly: {payoffs: {entrant: 0, incumbent: 2}}\n", ""
        )
    )
    assert silent.outcome_labels[-1] == "no_outcome"
    out = tg.simulate(silent, samples=BLOCK, seed=3)
    # Staying out still pays the entrant 0: the same plays, the last one now unnamed.
    assert out.outcome_probabilities["no_outcome"] == plain.outcome_probabilities["monopoly"]
    assert out.expected_payoffs["incumbent"] < plain.expected_payoffs["incumbent"]


def _centipede(depth: int) -> str:
    movers = {"a": range(0, depth, 2), "b": range(1, depth, 2)}
    lines = ["tradegame: 1", f"title: Centipede of {depth} moves", "players:"]
    for p, moves in movers.items():
        lines.append(f"  {p}: {{levers: {{{', '.join(f'm{k}: [take, pass]' for k in moves)}}}}}")
    lines += ["tree:", "  outcomes:"]
    for k in range(depth + 1):
        # Taking at move k gives the taker k + 2 and the other k: each prefers to take now.
        a, b = (k + 2, k) if k % 2 == 0 else (k, k + 2)
        lines.append(f"    o{k}: {{payoffs: {{a: {a}, b: {b}}}}}")
    node = f"o{depth}"
    for k in reversed(range(depth)):
        node = f"{{move: m{k}, then: {{take: o{k}, pass: {node}}}}}"
    return "\n".join([*lines, f"  root: {node}", "analysis: {samples: 2048, seed: 1}"]) + "\n"


def test_a_deep_centipede_is_taken_at_once() -> None:
    sc = tg.parse_scenario(_centipede(80))
    assert sc.tree is not None and len(sc.tree.nodes) == 161
    res = tg.simulate(sc, samples=BLOCK, seed=1)
    assert res.outcome_probabilities["o0"] == 1.0


def test_same_json_whatever_the_chunk_size_or_workers() -> None:
    sc = tg.load_scenario("classroom/card_game")
    samples = 2 * BLOCK + 11
    small = tg.simulate(sc, samples, seed=4, chunk_size=BLOCK).to_json()
    large = tg.simulate(sc, samples, seed=4, chunk_size=4 * BLOCK).to_json()
    parallel = tg.simulate(sc, samples, seed=4, chunk_size=BLOCK, workers=2).to_json()
    assert small == large == parallel


# ----------------------------------------------------------------------- bad trees
def _mutate(old: str, new: str) -> str:
    assert old in ENTRY, old
    return ENTRY.replace(old, new, 1)


BAD = [
    (
        "unknown lever",
        _mutate("    move: enter\n", "    move: entr\n"),
        "unknown lever 'entr'; did you mean 'enter'?",
    ),
    (
        "unknown option",
        _mutate("accommodate: share}", "acommodate: share}"),
        "'acommodate' is not an option of 'respond'; did you mean 'accommodate'?",
    ),
    (
        "missing option",
        _mutate("      out: monopoly\n", ""),
        "no node for option 'out' of 'enter'",
    ),
    (
        "unknown outcome",
        _mutate("out: monopoly", "out: monopol"),
        "unknown outcome 'monopol'; did you mean 'monopoly'?",
    ),
    (
        "unused outcome",
        _mutate("out: monopoly", "out: share"),
        "outcome 'monopoly' is never reached",
    ),
    (
        "unused lever",
        _mutate(
            "      respond: [fight, accommodate]\n",
            "      respond: [fight, accommodate]\n      threat: [loud, quiet]\n",
        ),
        "lever 'threat' is never moved in the tree",
    ),
    (
        "then without move",
        _mutate("in: {move: respond, then:", "in: {then:"),
        "a node with 'then:' needs 'move:'",
    ),
    (
        "move without then",
        _mutate(
            "in: {move: respond, then: {fight: war, accommodate: share}}", "in: {move: respond}"
        ),
        "the move 'respond' needs 'then:'",
    ),
    (
        "payoff for an unknown player",
        _mutate("{entrant: 0, incumbent: 2}", "{entrant: 0, incumbnt: 2}"),
        "payoff for unknown player 'incumbnt'; did you mean 'incumbent'?",
    ),
    (
        "payoff names a lever",
        _mutate("{entrant: 0, incumbent: 2}", "{entrant: 0, incumbent: \"2 * (enter == 'in')\"}"),
        "unknown name 'enter'",
    ),
    (
        "option fields",
        _mutate(
            "respond: [fight, accommodate]", "respond: {fight: {cost: 1}, accommodate: {cost: 0}}"
        ),
        "option fields (cost) of lever 'respond' have no use in a tree",
    ),
    (
        "payoffs beside a tree",
        ENTRY + "payoffs: {entrant: 1, incumbent: 1}\n",
        "a scenario with a 'tree:' has no 'payoffs:'",
    ),
    (
        "simultaneous concept",
        ENTRY.replace("analysis: {", "analysis: {solution: pure_nash, "),
        "'pure_nash' is for simultaneous-move scenarios",
    ),
    (
        "reserved outcome name",
        _mutate("    monopoly: {", "    no_outcome: {").replace("out: monopoly", "out: no_outcome"),
        "'no_outcome' is reserved",
    ),
    (
        "a child that is a number",
        _mutate("out: monopoly", "out: 3"),
        "a node of the tree (a mapping with 'move:' or 'outcome:') or the name of an outcome",
    ),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_tree_gives_one_located_line(cli, write_scenario, text: str, message: str) -> None:
    path = write_scenario(text)
    result = cli("validate", path)
    lines = result.stderr.strip().splitlines()
    assert result.code == 2
    assert len(lines) == 1, lines
    assert message in lines[0]
    where = lines[0].split(": ", 1)[0].split(":")
    assert where[0] == str(path) and int(where[1]) >= 1 and int(where[2]) >= 1


def test_one_player_needs_a_tree(cli, write_scenario) -> None:
    text = DRIVER.split("tree:")[0] + "payoffs: {driver: 1}\noutcomes: {otherwise: done}\n"
    result = cli("validate", write_scenario(text))
    assert result.code == 2 and "a game needs 2 to 16 players" in result.stderr


# ----------------------------------------------------------------------- CLI
def test_solve_shows_the_strategy_at_every_node(cli, write_scenario) -> None:
    result = cli("solve", write_scenario(ENTRY))
    assert result.code == 0, result.stderr
    assert "Subgame-perfect strategy" in result.stdout
    assert "respond: accommodate" in result.stdout


def test_solve_shows_the_reduced_normal_form_of_a_hidden_move(cli) -> None:
    result = cli("solve", "classroom/card_game")
    assert result.code == 0, result.stderr
    assert "reduced normal form" in result.stdout and "none" in result.stdout
    # What the run plays instead: the mixed equilibrium, meet with 2 / (2 + bet) at bet 1.25.
    assert "Extreme mixed equilibria" in result.stdout
    assert f"Meet {2 / 3.25:.3g}" in result.stdout


def test_tree_draws_a_tree_scenario(cli, tmp_path: Path) -> None:
    png = tmp_path / "card.png"
    result = cli("tree", "classroom/card_game", "--plot", png)
    assert result.code == 0, result.stderr
    assert "11 nodes" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_writes_json_with_paths_and_levers(cli, write_scenario, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = cli("run", write_scenario(ENTRY), "--samples", "2048", "--json", out)
    assert result.code == 0, result.stderr
    doc = json.loads(out.read_text())
    levers = doc["lever_options"]
    # A lever's option masses sum to the probability that its node is reached.
    entered = levers["entrant"]["enter"]["in"]
    assert math.isclose(sum(levers["incumbent"]["respond"].values()), entered, abs_tol=1e-12)
    assert math.isclose(sum(levers["entrant"]["enter"].values()), 1.0, abs_tol=1e-12)
    assert np.isclose(sum(p["probability"] for p in doc["paths"]), 1.0)


def _many_plans(n: int) -> str:
    """Chance picks one of n branches, each with its own 2-option lever of player a: with b's
    hidden move, a has 2**n reduced strategies."""
    levers = ", ".join(f"x{k}: [l, r]" for k in range(n))
    branches = ", ".join(
        f"c{k}: {{move: x{k}, then: {{l: {{move: hidden, then: {{u: o, v: p}}}}, r: p}}}}"
        for k in range(n)
    )
    chance = ", ".join(f"c{k}: 1/{n}" for k in range(n))
    return (
        "tradegame: 1\ntitle: many plans\nplayers:\n"
        f"  a: {{levers: {{{levers}}}}}\n  b: {{levers: {{hidden: [u, v]}}}}\n"
        f"chance:\n  c: {{options: {{{chance}}}}}\n"
        "tree:\n  outcomes:\n    o: {payoffs: {a: 1, b: 0}}\n    p: {payoffs: {a: 0, b: 1}}\n"
        f"  root: {{move: c, then: {{{branches}}}}}\n"
    )


MANY_PLANS_BY_STAGES = """\
tradegame: 1
title: many plans by stages
players:
  a: {levers: {x: [l, r]}}
  b: {levers: {y: [u, v]}}
chance:
  c: {options: CHANCE_OPTIONS}
stages:
  - chance: c
  - player: a
  - player: b
    observes: []
payoffs: {a: "(x == 'l') * (y == 'u')", b: "(y == 'v')"}
outcomes: {otherwise: done}
""".replace(  # a sees chance: 2**20 plans
    "CHANCE_OPTIONS", "{" + ", ".join(f"c{k}: 0.05" for k in range(20)) + "}"
)


@pytest.mark.parametrize("form", ["tree", "stages"])
@pytest.mark.parametrize(
    "command", [["run", "-n", "2048", "-q"], ["solve"], ["export", "-f", "nfg"]]
)
def test_too_many_plans_are_refused_in_one_located_line(cli, write_scenario, command, form) -> None:
    # Tree: 2**18 = 262,144 plans for a; located at the tree's root, or at 'stages:'.
    text, where = (_many_plans(18), "12:9") if form == "tree" else (MANY_PLANS_BY_STAGES, "9:3")
    path = write_scenario(text)
    result = cli(command[0], path, *command[1:])
    lines = result.stderr.strip().splitlines()
    assert result.code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: {path}:{where}:")
    assert "more than 100,000 reduced strategies" in lines[0]


def test_a_hidden_move_gives_the_normal_form_of_the_solver() -> None:
    """The run's batched reduced normal form is the solver's, draw by draw."""
    from tradegame.model.scenario_tree import (
        build_game_tree,
        chance_probabilities,
        outcome_payoffs,
        tree_environment,
    )
    from tradegame.play.options import RunOptions
    from tradegame.play.tree import TreePlay
    from tradegame.solvers.tree_normal_form import play_out, tree_normal_form

    sc = tg.load_scenario("classroom/card_game")
    options = RunOptions.resolve(sc, selection="uniform", no_equilibrium="mixed")
    assert options.tie_break == "first"
    model = TreePlay(sc, options)
    params = tg.scenario.sampling.ParameterSampler(sc.spec.parameters, 3).draws(0, 64)
    batch = model.play_batch(params, 64)
    U, weights = batch.payoffs, batch.weights
    env = tree_environment(sc, params)
    tree = build_game_tree(sc, env, 64)
    nf = tree_normal_form(tree)
    plans, reach = model._normal_form
    assert plans == nf.plans
    chance = model.structure.chance_weights(chance_probabilities(sc, env, 64))
    batched = (chance[:, None, :] * U) @ reach
    np.testing.assert_allclose(batched.reshape(nf.payoffs.shape), nf.payoffs, atol=1e-12)
    np.testing.assert_allclose(
        U, np.einsum("dik,kt->dit", outcome_payoffs(sc, env, 64), model.structure.payoff_matrix)
    )
    # The plays the run reports are the solver's play-out of the same profiles.
    assert np.all(weights >= 0) and np.allclose(weights.sum(axis=1), 1.0)
    uniform = np.full((64, reach.shape[1]), 1.0 / reach.shape[1])
    np.testing.assert_allclose((uniform @ reach.T) * chance, play_out(nf, uniform), atol=1e-12)

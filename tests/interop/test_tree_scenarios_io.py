"""Scenarios with a ``tree:`` and Gambit files: export, import, and back.

* A hand-written tree (chance, perfect information, an outcome on an inner node,
  two outcomes with the same label and payoffs) exports as an ``.efg`` that
  pygambit reads with every label and outcome, and whose pure Nash equilibria
  include the subgame-perfect play computed by hand; its ``.nfg`` is the reduced
  normal form, whose pure equilibria include the subgame-perfect plans.
* A parameterised tree exports its central game (every parameter at its median).
* An ``.efg`` with what a Gambit file may hold (repeated action labels, empty and
  reserved labels, outcomes on inner nodes, terminals without outcomes, node and
  information-set labels, quotes and backslashes) imports as a tree scenario that
  loads, validates and exports back to the same file; the CLI does the same.
* Refusals are one line: a malformed file, a tree the scenario format cannot hold.
* The Gambit writer keeps outcomes apart by identity (``outcome_key``).
"""

from __future__ import annotations

import io
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from tradegame.interop import GambitFormatError, read_efg, read_nfg, write_efg
from tradegame.interop.scenario_io import export_scenario, scenario_from_efg
from tradegame.model.tree import GameTree
from tradegame.scenario.load import parse_scenario
from tradegame.scenario.yaml_source import MAX_DEPTH

gbt = pytest.importorskip("pygambit")
pytestmark = pytest.mark.gambit

ENTRY = """\
tradegame: 1
title: Entry against a weak or a strong incumbent
description: A hand-written tree for the Gambit tests.
players:
  entrant:
    label: Entrant
    levers:
      enter_weak: {in: {label: Enter}, out: {label: Stay out}}
      enter_strong: {in: {label: Enter}, out: {label: Stay out}}
  incumbent:
    label: Incumbent
    levers:
      respond_weak: [fight, accommodate]
      respond_strong: [fight, accommodate]
chance:
  type:
    options:
      weak: {probability: 1/3, label: Weak}
      strong: {probability: 2/3, label: Strong}
tree:
  infoset_labels: {enter_weak: "Entrant, weak incumbent"}
  outcomes:
    entry_cost: {label: Entry cost, payoffs: {entrant: -0.25, incumbent: 0}}
    war: {payoffs: {entrant: -1, incumbent: -1}}
    share: {label: Shared market, payoffs: {entrant: 1, incumbent: 1}}
    monopoly: {label: Monopoly, payoffs: {entrant: 0, incumbent: 2}}
    monopoly_again: {label: Monopoly, payoffs: {entrant: 0, incumbent: 2}}
    war_strong: {payoffs: {entrant: -2, incumbent: 1}}
    share_strong: {payoffs: {entrant: 1, incumbent: 0}}
  root:
    move: type
    label: Nature
    then:
      weak:
        move: enter_weak
        then:
          in: {move: respond_weak, outcome: entry_cost, then: {fight: war, accommodate: share}}
          out: monopoly
      strong:
        move: enter_strong
        then:
          in: {move: respond_strong, then: {fight: war_strong, accommodate: share_strong}}
          out: monopoly_again
"""

#: Backward induction by hand. Weak incumbent: after entry (which costs the entrant
#: 1/4) fighting pays it -1 and accommodating 1, so it accommodates; the entrant gets
#: 1 - 1/4 > 0 and enters. Strong incumbent: fighting pays 1, accommodating 0, so it
#: fights; the entrant would get -2 < 0 and stays out.
SPE = {
    ("Entrant", "Entrant, weak incumbent"): "Enter",
    ("Incumbent", 0): "accommodate",  # pygambit numbers information sets from 0
    ("Entrant", 1): "Stay out",
    ("Incumbent", 1): "fight",
}
#: The plays it reaches: (chance, entrant, incumbent) action labels, and probabilities.
SPE_PLAYS = {
    ("Weak", "Enter", "accommodate"): Fraction(1, 3),
    ("Strong", "Stay out"): Fraction(2, 3),
}
#: Expected payoffs: 1/3 (3/4, 1) + 2/3 (0, 2).
SPE_VALUE = (Fraction(1, 4), Fraction(5, 3))


def _plays(game: Any, behaviour: Any) -> dict[tuple[str, ...], Fraction]:
    """Plays (action labels from the root) a behaviour profile reaches, with probabilities."""
    out: dict[tuple[str, ...], Fraction] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(game.root, ())]
    while stack:
        node, path = stack.pop()
        if node.is_terminal:
            p = Fraction(str(behaviour.realiz_prob(node)))
            if p > 0:
                out[path] = p
            continue
        for action, child in zip(node.infoset.actions, node.children, strict=True):
            stack.append((child, (*path, action.label)))
    return out


def _agent_profile(game: Any, eq: Any) -> dict[tuple[str, Any], str]:
    """A pure behaviour profile as (player, infoset label or number) -> action label."""
    return {
        (p.label, infoset.label or infoset.number): next(
            a.label for a in infoset.actions if Fraction(str(eq[a])) == 1
        )
        for p in game.players
        for infoset in p.infosets
    }


def test_a_hand_written_tree_exports_an_efg_gambit_solves_as_by_hand() -> None:
    scenario = parse_scenario(ENTRY, "entry.yaml")
    text = export_scenario(scenario, "efg")
    game = gbt.read_efg(io.StringIO(text))
    assert game.title == scenario.title
    assert game.description == "A hand-written tree for the Gambit tests."
    assert [p.label for p in game.players] == ["Entrant", "Incumbent"]
    assert game.root.label == "Nature"
    assert [a.label for a in game.root.infoset.actions] == ["Weak", "Strong"]
    assert [Fraction(str(a.prob)) for a in game.root.infoset.actions] == [
        Fraction(1, 3),
        Fraction(2, 3),
    ]
    # One Gambit outcome per outcome of the tree, in order of first appearance; the two
    # 'Monopoly' outcomes stay two (Gambit wants distinct labels: the second gets '#2').
    assert [o.label for o in game.outcomes] == [
        "Entry cost",
        "war",
        "Shared market",
        "Monopoly",
        "war_strong",
        "share_strong",
        "Monopoly #2",
    ]
    assert [i.label for i in game.players["Entrant"].infosets] == ["Entrant, weak incumbent", ""]

    pure = gbt.nash.enumpure_solve(game).equilibria
    assert SPE_PLAYS in [_plays(game, eq.as_behavior()) for eq in pure]
    agent = gbt.nash.enumpure_agent_solve(game).equilibria
    profiles = [_agent_profile(game, eq) for eq in agent]
    assert SPE in profiles
    spe = agent[profiles.index(SPE)]
    assert tuple(Fraction(str(spe.payoff(p))) for p in game.players) == SPE_VALUE


def test_a_hand_written_tree_exports_its_reduced_normal_form() -> None:
    scenario = parse_scenario(ENTRY, "entry.yaml")
    nfg = read_nfg(export_scenario(scenario, "nfg"))
    assert nfg.players == ("Entrant", "Incumbent")
    # Both information sets of each player are reached (chance picks the branch).
    assert nfg.strategy_labels[0] == (
        "Enter/Enter",
        "Enter/Stay out",
        "Stay out/Enter",
        "Stay out/Stay out",
    )
    game = gbt.read_nfg(io.StringIO(export_scenario(scenario, "nfg")))
    pure = [
        tuple(next(s.label for s in p.strategies if float(eq[s]) == 1) for p in game.players)
        for eq in gbt.nash.enumpure_solve(game).equilibria
    ]
    assert ("Enter/Stay out", "accommodate/fight") in pure
    r = nfg.strategy_labels[0].index("Enter/Stay out")
    c = nfg.strategy_labels[1].index("accommodate/fight")
    np.testing.assert_allclose(nfg.U[:, r, c], [float(x) for x in SPE_VALUE], rtol=0, atol=1e-12)


PARAMETERISED = """\
tradegame: 1
title: Launch a product into uncertain demand
players:
  firm:
    label: The firm
    levers:
      launch: [go, wait]
parameters:
  p_high: {dist: uniform, low: 0.2, high: 0.6}
  gain: {dist: lognormal, median: 3, sigma: 0.5}
  cost: {dist: triangular, low: 0, mode: 1, high: 2}
terms:
  net: gain - cost
chance:
  demand:
    options: {high: p_high, low: 1 - p_high}
tree:
  outcomes:
    boom: {payoffs: {firm: net}}
    bust: {payoffs: {firm: -cost}}
    nothing: {payoffs: {firm: 0}}
  root:
    move: launch
    then:
      go: {move: demand, then: {high: boom, low: bust}}
      wait: nothing
"""


def test_a_parameterised_tree_exports_its_medians() -> None:
    scenario = parse_scenario(PARAMETERISED, "launch.yaml")
    text = export_scenario(scenario, "efg")
    # Medians: p_high 0.4, gain 3, cost 1 (a symmetric triangle's mode).
    assert 'c "" 1 "" { "high" 2/5 "low" 3/5 } 0' in text
    tree = read_efg(text)
    assert tree.players == ("The firm",)
    np.testing.assert_allclose(tree.terminal_payoffs((0, 0)), [2.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(tree.terminal_payoffs((0, 1)), [-1.0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(tree.terminal_payoffs((1,)), [0.0])
    game = gbt.read_efg(io.StringIO(text))
    assert [Fraction(str(a.prob)) for a in game.root.children["go"].infoset.actions] == [
        Fraction(2, 5),
        Fraction(3, 5),
    ]
    # A one-player normal form: going pays 2/5 * 2 - 3/5 = 1/5 > 0.
    nfg = read_nfg(export_scenario(scenario, "nfg"))
    assert nfg.strategy_labels == (("go", "wait"),)
    np.testing.assert_allclose(nfg.U[0], [0.2, 0.0], rtol=0, atol=1e-12)


#: What a Gambit file may hold: chance actions with the same label, an action called
#: 'if', empty and reserved outcome labels, two outcomes with the same (empty) label and
#: payoffs, an outcome on an inner node, terminals without outcome, node labels,
#: information-set labels (one empty), quotes and a backslash Gambit reads as itself.
EVERYTHING = r"""EFG 2 R "Everything \"quoted\"" { "Alice" "Bob" }
"A comment with x\wedge y"

c "Nature" 1 "coin" { "1/2" 1/2 "1/2" 1/2 } 0
p "" 1 1 "" { "if" "go on" } 1 "" { 1/2, 0 }
t "" 2 "" { 1, 1 }
c "" 2 "" { "up" 1/3 "down" 2/3 } 0
p "b node" 2 1 "Bob's turn" { "L" "R" } 0
t "" 3 "" { 1, 1 }
t "end" 4 "no_outcome" { 0, 3 }
t "" 0
p "" 1 1 "" { "if" "go on" } 0
p "" 2 1 "Bob's turn" { "L" "R" } 0
t "" 5 "win" { 2.5, -1 }
t "" 3 "" { 1, 1 }
t "bare" 0
"""


def test_an_imported_tree_keeps_every_label_loads_and_exports_back() -> None:
    text = scenario_from_efg(read_efg(EVERYTHING), "everything.efg")
    scenario = parse_scenario(text, "everything.yaml")
    assert scenario.is_tree
    spec = scenario.spec
    assert spec.title == 'Everything "quoted"'
    assert spec.description == r"A comment with x\wedge y"
    assert [(p.name, p.label) for p in scenario.players] == [("Alice", "Alice"), ("Bob", "Bob")]
    # One lever per information set: named after its label, else <player>_<k>.
    assert [lv.name for p in scenario.players for lv in p.levers] == ["Alice_1", "Bob_s_turn"]
    assert [lv.name for lv in scenario.chance] == ["coin", "chance_2"]
    alice = scenario.players[0].levers[0]
    assert (alice.options, alice.labels) == (("a_if", "go_on"), ("if", "go on"))
    coin = scenario.chance[0]
    assert (coin.options, coin.labels) == (("a1_2", "a1_2_2"), ("1/2", "1/2"))
    assert "options: {up: 1/3, down: 2/3}" in text  # exact probabilities, as expressions
    assert spec.tree is not None
    assert spec.tree.infoset_labels == {"coin": "coin", "Bob_s_turn": "Bob's turn"}
    outcomes = {name: out.label for name, out in spec.tree.outcomes.items()}
    assert outcomes == {
        "outcome1": "",
        "outcome2": "",
        "outcome3": "",
        "outcome_no_outcome": "no_outcome",
        "win": None,
    }
    assert spec.tree.root.label == "Nature"
    first = spec.tree.root.then["a1_2"]
    assert not isinstance(first, str) and first.outcome == "outcome1"  # an inner outcome

    exported = export_scenario(scenario, "efg")
    assert write_efg(read_efg(exported)) == write_efg(read_efg(EVERYTHING))
    assert exported == write_efg(read_efg(EVERYTHING))
    theirs = gbt.read_efg(io.StringIO(EVERYTHING))
    ours = gbt.read_efg(io.StringIO(exported))
    assert (ours.title, ours.description) == (theirs.title, theirs.description)
    assert [o.label for o in ours.outcomes] == [o.label for o in theirs.outcomes]
    # Importing the export gives the same scenario.
    assert scenario_from_efg(read_efg(exported), "everything.efg") == text


def test_the_cli_imports_validates_and_exports_a_tree(cli, tmp_path: Path) -> None:
    game = tmp_path / "everything.efg"
    game.write_text(EVERYTHING, encoding="utf-8")
    scenario = tmp_path / "everything.yaml"
    result = cli("import", game, "-o", scenario)
    assert result.code == 0, result.stderr
    assert cli("validate", scenario).code == 0
    again = tmp_path / "again.efg"
    assert cli("export", scenario, "--format", "efg", "-o", again).code == 0
    assert again.read_text(encoding="utf-8") == write_efg(read_efg(EVERYTHING))
    nfg = tmp_path / "again.nfg"
    assert cli("export", scenario, "--format", "nfg", "-o", nfg).code == 0
    strategic = gbt.read_nfg(io.StringIO(nfg.read_text(encoding="utf-8")))
    assert [[s.label for s in p.strategies] for p in strategic.players] == [
        ["if", "go on"],
        ["L", "R"],
    ]


# A stage game (every play meets the same moves) with labels a scenario with stages drops.
STAGE_GAME = """EFG 2 R "two moves" { "A" "B" }
""

p "" 1 1 "A moves" { "l" "r" } 0
p "" 2 1 "B moves" { "x" "y" } 0
t "" 1 "first" { 1, 0 }
t "" 2 "second" { 0, 1 }
p "" 2 1 "B moves" { "x" "y" } 0
t "" 3 "third" { 0, 0 }
t "" 4 "fourth" { 2, 2 }
"""


def test_the_cli_imports_in_the_form_asked_for(cli, tmp_path: Path) -> None:
    game = tmp_path / "stage.efg"
    game.write_text(STAGE_GAME, encoding="utf-8")
    forms = {}
    for form in ("auto", "stages", "tree"):
        out = tmp_path / f"{form}.yaml"
        result = cli("import", game, "--form", form, "-o", out)
        assert result.code == 0, result.stderr
        forms[form] = out.read_text(encoding="utf-8")
    assert "\nstages:\n" in forms["stages"] and "\ntree:\n" not in forms["stages"]
    assert "\ntree:\n" in forms["tree"]
    assert forms["auto"] == forms["tree"]  # the stages would drop the labels
    # The stage form still exports the same game, its labels aside.
    back = tmp_path / "back.efg"
    assert cli("export", tmp_path / "stages.yaml", "--format", "efg", "-o", back).code == 0
    assert [n for n in read_efg(back.read_text()).nodes()] == read_efg(STAGE_GAME).nodes()
    result = cli("import", game, "--form", "nodes")
    assert (
        result.code == 2
        and result.stderr.strip()
        == "error: Invalid value for '--form': 'nodes' is not one of 'auto', 'stages', 'tree'. "
        "(see 'tradegame import --help')"
    )


MALFORMED = {
    "the file ends before the tree is complete": (
        'EFG 2 R "t" { "A" } ""\np "" 1 1 "" { "l" "r" } 0\nt "" 1 "" { 0 }\n'
    ),
    "needs 2 payoffs": 'EFG 2 R "t" { "A" "B" } ""\np "" 1 1 "" { "l" } 0\nt "" 1 "" { 0 }\n',
    "player number 3 out of range": (
        'EFG 2 R "t" { "A" "B" } ""\np "" 3 1 "" { "l" } 0\nt "" 1 "" { 0, 0 }\n'
    ),
}


@pytest.mark.parametrize("reason", list(MALFORMED))
def test_the_cli_refuses_a_malformed_efg_in_one_line(cli, tmp_path: Path, reason: str) -> None:
    game = tmp_path / "bad.efg"
    game.write_text(MALFORMED[reason], encoding="utf-8")
    out = tmp_path / "bad.yaml"
    result = cli("import", game, "-o", out)
    assert result.code == 2 and not out.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0]


def _centipede(k: int) -> str:
    """A centipede game of ``k`` moves, the players alternating (a chain ``k`` deep)."""
    lines = ['EFG 2 R "centipede" { "A" "B" }', '""', ""]
    for i in range(k):
        lines.append(f'p "" {i % 2 + 1} {i // 2 + 1} "" {{ "take" "pass" }} 0')
        lines.append(f't "" {i + 1} "" {{ {i}, {k - i} }}')
    lines.append(f't "" {k + 1} "end" {{ {k}, {k} }}')
    return "\n".join(lines) + "\n"


def test_a_deep_tree_imports_and_a_too_deep_one_is_refused_in_one_line() -> None:
    deepest = (MAX_DEPTH - 3) // 2  # two YAML levels per move, three above the root
    text = _centipede(deepest)
    scenario = parse_scenario(scenario_from_efg(read_efg(text)), "deep.yaml")
    assert scenario.is_tree and len(scenario.tree.terminals) == deepest + 1
    assert write_efg(read_efg(export_scenario(scenario, "efg"))) == write_efg(read_efg(text))
    for k in (deepest + 2, 5000):
        with pytest.raises(GambitFormatError, match=f"plays {k} moves long") as info:
            scenario_from_efg(read_efg(_centipede(k)))
        assert "\n" not in str(info.value)


def test_too_many_players_are_refused_in_one_line() -> None:
    players = " ".join(f'"P{i}"' for i in range(17))
    text = f'EFG 2 R "t" {{ {players} }} ""\np "" 1 1 "" {{ "l" }} 0\nt "" 0\n'
    with pytest.raises(GambitFormatError, match="17 players; scenarios") as info:
        scenario_from_efg(read_efg(text))
    assert "\n" not in str(info.value)


def test_one_player_trees_import_as_trees() -> None:
    text = 'EFG 2 R "driver" { "D" } ""\np "" 1 1 "" { "B" "E" } 0\np "" 1 1 "" { "B" "E" } 0\n'
    text += 't "" 1 "" { 1 }\nt "" 2 "" { 4 }\nt "" 3 "" { 0 }\n'
    scenario = parse_scenario(scenario_from_efg(read_efg(text)), "driver.yaml")
    assert scenario.is_tree and len(scenario.players) == 1
    assert not scenario.tree.is_perfect_information
    assert export_scenario(scenario, "efg") == write_efg(read_efg(text))


# ---------------------------------------------------------------------- the writer
def _two_terminals(keys: tuple[Any, Any] | None) -> GameTree:
    """A one-move tree whose two terminals pay outcomes with equal label and payoffs."""
    g = nx.DiGraph()
    g.add_node((), kind="decision", player="A", infoset="I", actions=("l", "r"), name="")
    for a in range(2):
        attrs: dict[str, Any] = {"kind": "terminal", "payoffs": [1.0], "outcome": "o", "name": ""}
        if keys is not None:
            attrs["outcome_key"] = keys[a]
        g.add_node((a,), **attrs)
        g.add_edge((), (a,))
    return GameTree(g, ("A",))


def test_the_writer_keeps_outcomes_apart_by_identity() -> None:
    merged = write_efg(_two_terminals(None)).splitlines()[-2:]
    assert merged == ['t "" 1 "o" { 1 }', 't "" 1 "o" { 1 }']
    shared = write_efg(_two_terminals(("x", "x"))).splitlines()[-2:]
    assert shared == ['t "" 1 "o" { 1 }', 't "" 1 "o" { 1 }']
    apart = write_efg(_two_terminals(("x", "y"))).splitlines()[-2:]
    assert apart == ['t "" 1 "o" { 1 }', 't "" 2 "o #2" { 1 }']
    labels = write_efg(_two_terminals(None), player_labels=["Alice"]).splitlines()[0]
    assert labels == 'EFG 2 R "" { "Alice" }'


def test_the_writer_refuses_one_outcome_with_two_payoffs() -> None:
    tree = _two_terminals(("x", "x"))
    tree.graph.nodes[(1,)]["payoffs"] = np.array([2.0])
    with pytest.raises(ValueError, match="outcome 'x' has label 'o' and payoffs"):
        write_efg(GameTree(tree.graph, tree.players))


def test_the_reader_records_outcome_numbers() -> None:
    tree = read_efg(EVERYTHING)
    keys = {n: tree.node(n).get("outcome_key") for n in tree.nodes()}
    assert keys[(0,)] == 1 and keys[(0, 1, 0, 0)] == 3 and keys[(1, 0, 1)] == 3
    assert keys[(0, 1, 1)] is None and keys[()] is None


@pytest.mark.parametrize("label", [r"x\wedge", "a\\", 'say "hi"', "a\\\\b", 'back\\"quote'])
def test_backslashes_read_back(label: str) -> None:
    text = write_efg(GameTree(_two_terminals(None).graph, ("A",), title=label))
    assert read_efg(text).title == label
    if not re.search(r'\\(?=["\\]|\Z)', label):
        # Gambit reads a backslash before anything but a quote or a backslash as itself
        # (and cannot read a label whose backslash stands before those, or last).
        assert gbt.read_efg(io.StringIO(text)).title == label


def _strategic_payoffs(game: Any) -> list[tuple[Fraction, ...]]:
    """Every pure profile's payoff vector of a pygambit game, exactly, as a sorted multiset."""
    arrays = game.to_arrays(dtype=gbt.Rational)
    return sorted(
        tuple(Fraction(str(a[idx])) for a in arrays) for idx in np.ndindex(arrays[0].shape)
    )


@pytest.mark.parametrize("name", ["classroom/card_game", "tiktok_deadline", "card_game_thirds"])
def test_the_exported_nfg_is_the_strategic_form_of_the_exported_efg(name: str) -> None:
    """Gambit's reduced strategic form of our .efg (in rationals) is our .nfg: each payoff
    is the exact value rounded once to the nearest float, and written exactly when that is
    a simple fraction (1/12, not 0.08333333333333331 from floating-point sums)."""
    from tradegame.scenario.load import load_scenario

    if name == "card_game_thirds":  # chance probabilities that are not finite decimals
        text = Path(__file__).parents[2] / "src/tradegame/scenarios/classroom/card_game.yaml"
        scenario = parse_scenario(
            text.read_text().replace("{red: 0.5, black: 0.5}", "{red: 1/3, black: 2/3}"), name
        )
    else:
        scenario = load_scenario(name)
    nfg = export_scenario(scenario, "nfg")
    efg = export_scenario(scenario, "efg")
    ours = _strategic_payoffs(gbt.read_nfg(io.StringIO(nfg)))
    theirs = _strategic_payoffs(gbt.read_efg(io.StringIO(efg)))
    assert [[float(x) for x in row] for row in ours] == [
        [float(x) for x in row] for row in theirs
    ]  # correctly rounded: the nearest float of every exact payoff
    if name == "card_game_thirds":
        assert ours == theirs  # simple fractions throughout: exactly Gambit's rationals
        assert re.search(r"-?\d+/\d+", nfg.split("{\n{", 1)[1])

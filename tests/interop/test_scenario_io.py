"""``tradegame export`` and ``import``: every file export writes imports, and back again.

For every shipped scenario and both formats: export the central game, import the
file, load the imported scenario, and check that its central game is the same game
(same payoffs, same equilibria; for ``.efg`` of a perfect-information game the same
backward-induction result; for a scenario with a tree the same reduced normal form
and equilibrium plays) and that exporting it writes the very same text. An
``.efg`` of a scenario with stages comes back as a scenario with stages, one of a
scenario with a tree as a tree.

Trees that are not stage games: the stage import (``form="stages"``) refuses them
with a one-line reason; the default imports them as trees.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from interop_support import IDS, SCENARIOS, profile_of

from tradegame.interop import GambitFormatError, read_efg, read_nfg, write_efg
from tradegame.interop.import_common import identifier
from tradegame.interop.scenario_io import (
    exact_reduced_payoffs,
    export_scenario,
    scenario_from_efg,
    scenario_from_nfg,
)
from tradegame.model.normal_form import TooManyStrategies, reduced_normal_form, reduced_strategies
from tradegame.model.tree import GameTree
from tradegame.play.central import central_payoffs, central_tree
from tradegame.play.solve import solve
from tradegame.play.stages import central_stage_game
from tradegame.scenario.load import Scenario, load_scenario, parse_scenario
from tradegame.solvers.backward_induction import backward_induction
from tradegame.solvers.pure_nash import pure_nash
from tradegame.solvers.tree_normal_form import tree_normal_form

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _import(text: str, fmt: str) -> str:
    if fmt == "nfg":
        return scenario_from_nfg(read_nfg(text), "exported")
    return scenario_from_efg(read_efg(text), "exported")


def _pure_equilibria(U: np.ndarray) -> set[tuple[int, ...]]:
    return {tuple(int(x) for x in idx) for idx in np.argwhere(pure_nash(U))}


def test_every_shipped_scenario_is_tested() -> None:
    assert len(SCENARIOS) >= 7
    assert {"tiktok_deadline", "classroom/ultimatum", "classroom/entry_deterrence"} <= set(IDS)


@pytest.mark.parametrize("fmt", ["nfg", "efg"])
@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_import_of_an_exported_central_game_is_the_same_game(path: Path, fmt: str) -> None:
    scenario = load_scenario(str(path))
    if fmt == "nfg" and IDS[SCENARIOS.index(path)] == "madrid_2025":
        # After each of its 6 openings Washington answers at 72 histories with one of 4
        # options: 6 * 4**72 reduced plans, no normal form to write; the export says so.
        with pytest.raises(TooManyStrategies):
            export_scenario(scenario, fmt)
        return
    text = export_scenario(scenario, fmt)
    imported = parse_scenario(_import(text, fmt), "<imported>")
    # Textual identity: export -> import -> export writes the same file.
    assert export_scenario(imported, fmt) == text

    if scenario.is_tree:
        _check_tree_round_trip(scenario, imported, fmt)
        return
    if fmt == "nfg":
        # A simultaneous game with one strategy per player: the strategic form, or the
        # reduced normal form of a sequential game.
        assert not imported.is_sequential
        if scenario.is_sequential:
            g = central_stage_game(scenario)
            U, _ = reduced_normal_form(g.V, g.stages, g.players, g.chance_probs)
            # Export computes the reduced form exactly and rounds once: the nearest floats.
            tree = GameTree.from_stages(g.V, g.stages, g.players, g.chance_probs)
            exact = exact_reduced_payoffs(tree, reduced_strategies(g.stages, g.players))
            assert exact is not None
            np.testing.assert_allclose(exact.astype(float), U, rtol=1e-14, atol=1e-14)
            U = exact.astype(float)
        else:
            _, U = central_payoffs(scenario)
        _, U_back = central_payoffs(imported)
        np.testing.assert_array_equal(U_back, U)
        ours = {profile_of(imported, e) for e in solve(imported).equilibria}
        assert ours == _pure_equilibria(U)
        if not scenario.is_sequential:
            assert ours == {profile_of(scenario, e) for e in solve(scenario).equilibria}
        return

    assert imported.is_sequential
    back = central_stage_game(imported)
    if not scenario.is_sequential:
        # Each player moves once without seeing the others: the same strategic game.
        _, U = central_payoffs(scenario)
        np.testing.assert_array_equal(back.V, U)
        assert not back.perfect_information
        paths = {profile_of(imported, e) for e in solve(imported).equilibria}
        central = solve(scenario)
        if central.pure_equilibria:
            assert paths == {profile_of(scenario, e) for e in central.equilibria}
        else:  # no pure equilibrium (matching pennies): the plays of the mixed equilibria
            assert central.mixed_equilibria
            assert paths == {
                (int(i), int(j))
                for x, y in central.mixed_equilibria
                for i in np.flatnonzero(x)
                for j in np.flatnonzero(y)
            }
        return
    g = central_stage_game(scenario)
    np.testing.assert_array_equal(back.V, g.V)
    assert [len(st.actions) for st in back.stages] == [len(st.actions) for st in g.stages]
    assert [st.observes for st in back.stages] == [st.observes for st in g.stages]
    assert sorted(back.chance_probs) == sorted(g.chance_probs)
    for s, p in g.chance_probs.items():
        # Gambit holds probabilities as rationals (denominators up to 10^9).
        np.testing.assert_allclose(back.chance_probs[s], p, rtol=0, atol=1e-9)
    assert back.perfect_information == g.perfect_information
    if g.perfect_information:
        tie = scenario.analysis.tie_break
        ours = backward_induction(g.V, g.stages, g.players, g.chance_probs, tie)
        theirs = backward_induction(back.V, back.stages, back.players, back.chance_probs, tie)
        np.testing.assert_allclose(theirs.values, ours.values, rtol=0, atol=1e-9)
        np.testing.assert_allclose(theirs.path_probs, ours.path_probs, rtol=0, atol=1e-9)
        for a, b in zip(theirs.behaviour, ours.behaviour, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)
    eq = {profile_of(scenario, e): e.probability for e in solve(scenario).equilibria}
    eq_back = {profile_of(imported, e): e.probability for e in solve(imported).equilibria}
    assert eq_back.keys() == eq.keys()
    for k, p in eq.items():
        assert eq_back[k] == pytest.approx(p, abs=1e-9)


def _check_tree_round_trip(scenario: Scenario, imported: Scenario, fmt: str) -> None:
    """A scenario with a tree and its export imported back are the same game."""
    nf = tree_normal_form(central_tree(scenario))
    if fmt == "nfg":
        # The reduced normal form, as a simultaneous game.
        assert not imported.is_sequential
        _, U_back = central_payoffs(imported)
        np.testing.assert_array_equal(U_back, nf.payoffs[0])
        assert [list(lv.labels or lv.options) for p in imported.players for lv in p.levers] == [
            list(x) for x in nf.labels
        ]
        return
    assert imported.is_tree
    back = tree_normal_form(central_tree(imported))
    np.testing.assert_array_equal(back.payoffs, nf.payoffs)
    assert back.labels == nf.labels

    # The same equilibrium plays, by option labels (lever and player names may differ).
    def plays(sc: Scenario) -> list[tuple[Any, ...]]:
        return sorted(
            (tuple(e.strategies.values()), tuple(e.payoffs.values()), round(e.probability or 0, 12))
            for e in solve(sc).equilibria
        )

    assert plays(imported) == plays(scenario)


@pytest.mark.parametrize("fmt", ["nfg", "efg"])
@pytest.mark.parametrize("scenario", ["tiktok_deadline", "classroom/ultimatum"])
def test_cli_imports_what_it_exports(cli, tmp_path: Path, scenario: str, fmt: str) -> None:
    game = tmp_path / f"game.{fmt}"
    assert cli("export", scenario, "--format", fmt, "-o", game).code == 0
    imported = tmp_path / "imported.yaml"
    result = cli("import", game, "-o", imported)
    assert result.code == 0, result.stderr
    assert cli("validate", imported).code == 0
    again = tmp_path / f"again.{fmt}"
    assert cli("export", imported, "--format", fmt, "-o", again).code == 0
    assert again.read_text() == game.read_text()


# ---------------------------------------------------------------------- names
def test_long_names_are_shortened_deterministically() -> None:
    text = "deadline=extend; " * 20
    taken: set[str] = set()
    first = identifier(text, "s", taken)
    assert len(first) == 64 and NAME.match(first)
    assert identifier(text, "s", set()) == first  # the same text, the same name
    second = identifier(text, "s", taken)  # a clash gets a suffix, still 64 at most
    assert second != first and len(second) <= 64 and second.endswith("_2")
    other = identifier(text + "x", "s", set())
    assert other != first  # texts that share 64 characters still differ


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2-0", "a2_0"),
        ("if", "a_if"),
        ("lambda", "a_lambda"),
        ("max", "a_max"),
        ("otherwise", "a_otherwise"),
        ("Player 1", "Player_1"),
        ("", "a"),
        ("---", "a"),
        ("Étape", "tape"),
    ],
)
def test_identifiers_are_valid_names(text: str, expected: str) -> None:
    assert identifier(text, "a", set()) == expected


def test_a_player_called_chance_is_renamed_and_keeps_its_label() -> None:
    nfg = 'NFG 1 R "t" { "chance" "if" } { { "x" "y" } { "x" "y" } }\n""\n\n1 2 3 4 5 6 7 8\n'
    doc = parse_scenario(scenario_from_nfg(read_nfg(nfg)), "<imported>")
    assert [p.name for p in doc.players] == ["player_chance", "player_if"]
    assert [p.label for p in doc.players] == ["chance", "if"]
    assert export_scenario(doc, "nfg").split()[:6] == ["NFG", "1", "R", '"t"', "{", '"chance"']


# ---------------------------------------------------------------------- refusals
REFUSED = {
    "plays of different lengths must end at an action that ends the game wherever": """\
EFG 2 R "t" { "A" "B" } ""
        p "" 1 1 "" { "l" "r" } 0
        p "" 2 1 "" { "x" "y" } 0
        t "" 1 "" { 0, 0 }
        p "" 1 2 "" { "a" "b" } 0
        t "" 2 "" { 1, 1 }
        t "" 3 "" { 2, 2 }
        p "" 2 2 "" { "x" "y" } 0
        p "" 1 3 "" { "a" "b" } 0
        t "" 4 "" { 1, 1 }
        t "" 5 "" { 2, 2 }
        t "" 6 "" { 3, 3 }""",
    "plays of different lengths need perfect information": """EFG 2 R "t" { "A" "B" } ""
        p "" 1 1 "" { "out" "in" } 0
        t "" 1 "" { 0, 0 }
        p "" 2 1 "" { "l" "r" } 0
        p "" 1 2 "" { "a" "b" } 0
        t "" 2 "" { 1, 1 }
        t "" 3 "" { 2, 2 }
        p "" 1 2 "" { "a" "b" } 0
        t "" 4 "" { 3, 3 }
        t "" 5 "" { 4, 4 }""",
    "differ between plays (the mover: 'A' or 'B')": """EFG 2 R "t" { "A" "B" } ""
        p "" 1 1 "" { "l" "r" } 0
        p "" 2 1 "" { "x" "y" } 0
        t "" 1 "" { 0, 0 }
        t "" 2 "" { 0, 0 }
        p "" 1 2 "" { "x" "y" } 0
        t "" 3 "" { 0, 0 }
        t "" 4 "" { 0, 0 }""",
    "chance probabilities at depth 2 differ": """EFG 2 R "t" { "A" "B" } ""
        p "" 1 1 "" { "l" "r" } 0
        c "" 1 "" { "h" 1/2 "t" 1/2 } 0
        p "" 2 1 "" { "x" } 0
        t "" 1 "" { 0, 0 }
        p "" 2 1 "" { "x" } 0
        t "" 2 "" { 0, 0 }
        c "" 2 "" { "h" 1/3 "t" 2/3 } 0
        p "" 2 1 "" { "x" } 0
        t "" 3 "" { 0, 0 }
        p "" 2 1 "" { "x" } 0
        t "" 4 "" { 0, 0 }""",
    "not 'what the mover has seen": """EFG 2 R "t" { "A" "B" } ""
        p "" 1 1 "" { "l" "r" } 0
        p "" 1 2 "" { "x" "y" } 0
        p "" 2 1 "" { "u" "d" } 0
        t "" 1 "" { 0, 0 }
        t "" 2 "" { 0, 0 }
        p "" 2 2 "" { "u" "d" } 0
        t "" 3 "" { 0, 0 }
        t "" 4 "" { 0, 0 }
        p "" 1 3 "" { "x" "y" } 0
        p "" 2 2 "" { "u" "d" } 0
        t "" 5 "" { 0, 0 }
        t "" 6 "" { 0, 0 }
        p "" 2 1 "" { "u" "d" } 0
        t "" 7 "" { 0, 0 }
        t "" 8 "" { 0, 0 }""",
    "never moves": """EFG 2 R "t" { "A" "B" } ""
        p "" 1 1 "" { "l" "r" } 0
        t "" 1 "" { 0, 0 }
        t "" 2 "" { 1, 1 }""",
    "1 player;": """EFG 2 R "t" { "A" } ""
        p "" 1 1 "" { "l" "r" } 0
        t "" 1 "" { 0 }
        t "" 2 "" { 1 }""",
}


@pytest.mark.parametrize("reason", list(REFUSED))
def test_trees_that_are_not_stage_games_are_refused_by_the_stage_import_in_one_line(
    reason: str,
) -> None:
    with pytest.raises(GambitFormatError, match=re.escape(reason)) as info:
        scenario_from_efg(read_efg(REFUSED[reason]), form="stages")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("reason", [r for r in REFUSED if r != "never moves"])
def test_trees_that_are_not_stage_games_import_as_trees(reason: str) -> None:
    text = REFUSED[reason]
    for form in ("auto", "tree"):
        scenario = parse_scenario(scenario_from_efg(read_efg(text), form=form), "<imported>")
        assert scenario.is_tree
        assert write_efg(read_efg(export_scenario(scenario, "efg"))) == write_efg(read_efg(text))


def test_a_player_who_never_moves_is_refused_in_one_line() -> None:
    for form in ("auto", "stages", "tree"):
        with pytest.raises(GambitFormatError, match="player 'B' never moves") as info:
            scenario_from_efg(read_efg(REFUSED["never moves"]), form=form)
        assert "\n" not in str(info.value)


def test_cli_refuses_a_tree_a_scenario_cannot_hold(cli, tmp_path: Path) -> None:
    game = tmp_path / "silent.efg"
    game.write_text(REFUSED["never moves"])
    out = tmp_path / "imported.yaml"
    result = cli("import", game, "-o", out)
    assert result.code == 2 and not out.exists()
    assert len(result.stderr.strip().splitlines()) == 1
    assert "never moves" in result.stderr


def test_cli_imports_a_tree_that_is_not_a_stage_game(cli, tmp_path: Path) -> None:
    game = tmp_path / "short.efg"
    game.write_text(next(t for r, t in REFUSED.items() if "wherever" in r))
    out = tmp_path / "imported.yaml"
    result = cli("import", game, "-o", out)
    assert result.code == 0, result.stderr
    assert "\ntree:\n" in out.read_text()
    assert cli("validate", out).code == 0
    again = tmp_path / "again.efg"
    assert cli("export", out, "--format", "efg", "-o", again).code == 0
    assert write_efg(read_efg(again.read_text())) == write_efg(read_efg(game.read_text()))


SHORT_PLAY = """EFG 2 R "t" { "A" "B" } ""
p "" 1 1 "" { "out" "in" } 0
t "" 1 "" { 0, 5 }
p "" 2 1 "" { "l" "r" } 0
t "" 2 "" { 1, 1 }
t "" 3 "" { 2, 2 }
"""


def test_a_play_that_ends_early_imports_as_ends_and_exports_back() -> None:
    text = scenario_from_efg(read_efg(SHORT_PLAY), "short.efg", form="stages")
    assert "ends: [out]" in text
    scenario = parse_scenario(text, "short.yaml")
    assert scenario.stages is not None and scenario.stages[0].ends == (("move1", "out"),)
    tree = read_efg(export_scenario(scenario, "efg"))
    assert len(tree) == 5 and tree.node((0,))["kind"] == "terminal"
    np.testing.assert_array_equal(tree.terminal_payoffs((0,)), [0, 5])
    np.testing.assert_array_equal(tree.terminal_payoffs((1, 1)), [2, 2])


def test_auto_takes_the_stages_only_when_they_export_back() -> None:
    """SHORT_PLAY is a stage game, but its labels are not those a scenario with stages
    writes (stage names, each play's actions): the default keeps them in a tree. The
    file the scenario with stages exports comes back as that scenario."""
    tree = read_efg(SHORT_PLAY)
    auto = parse_scenario(scenario_from_efg(tree), "<imported>")
    assert auto.is_tree
    assert write_efg(read_efg(export_scenario(auto, "efg"))) == write_efg(tree)
    stage_text = scenario_from_efg(tree, "short.efg", form="stages")
    exported = export_scenario(parse_scenario(stage_text, "<imported>"), "efg")
    assert 't "" 2 "in/l" { 1, 1 }' in exported
    assert scenario_from_efg(read_efg(exported), "short.efg") == stage_text


def test_information_set_labels_name_the_stages() -> None:
    """Labels that follow export's pattern become stage names; others do not."""
    efg = """EFG 2 R "t" { "A" "B" } ""
        p "" 1 1 "First move" { "l" "r" } 0
        p "" 2 1 "Reply|First move=l" { "x" "y" } 0
        t "" 1 "" { 0, 0 }
        t "" 2 "" { 1, 0 }
        p "" 2 2 "Reply|First move=r" { "x" "y" } 0
        t "" 3 "" { 0, 1 }
        t "" 4 "" { 1, 1 }"""
    doc = parse_scenario(scenario_from_efg(read_efg(efg), form="stages"), "<imported>")
    assert [st.label for st in doc.stages or ()] == ["First move", "Reply"]
    assert [st.levers for st in doc.stages or ()] == [("First_move",), ("Reply",)]
    assert export_scenario(doc, "efg").split() == read_efg_tokens(efg)
    other = efg.replace("Reply|First move=r", "Something else")
    doc = parse_scenario(scenario_from_efg(read_efg(other), form="stages"), "<imported>")
    assert [st.label for st in doc.stages or ()] == ["First move", "move2"]


def read_efg_tokens(text: str) -> list[str]:
    """Tokens of a file as tradegame's writer lays it out (outcome labels as written)."""
    tree = read_efg(text)
    for n in tree.nodes("terminal"):
        tree.graph.nodes[n]["outcome"] = "/".join(
            tree.graph.edges[n[:k], n[: k + 1]]["label"] for k in range(len(n))
        )
    return write_efg(tree).split()

"""Import then export on every example game shipped with pygambit.

The files are read at test time from the installed pygambit package (they are
Gambit's, GPL-licensed, and not copied here). Every file imports into a scenario
that loads; the counts are pinned to what was measured (pygambit 16.7: 38 files,
6 ``.nfg`` and 32 ``.efg``), so that a regression in either direction fails:

* the 6 ``.nfg`` become simultaneous scenarios;
* the 32 ``.efg`` become scenarios with a ``tree:`` (``scenario_from_efg``'s
  default, ``form="auto"``), among them 2 one-player trees (Gilboa 1997, the
  absent-minded driver). None is refused, and none becomes a scenario with
  ``stages:``: ``"auto"`` takes the stages only when exporting them writes the
  file again, and a scenario with stages writes its stage names as
  information-set labels and each play's actions as its outcome's label, where
  the shipped files have other labels (mostly empty ones).

The stage import (``form="stages"``, what ``import`` did before the tree form)
still turns 9 of the ``.efg`` into the same scenarios with stages as before; two
of them have plays of different lengths that end at "an action that ends the
game at that stage" (the centipede game of Shoham and Leyton-Brown, fig. 5.9,
and Selten's 1975 horse, fig. 2) and get ``ends:``. It refuses the other 23
with the one-line reasons it always gave: 10 have plays of different lengths
that are not of that kind (6: an action ends some plays at a depth but not
others; 4: imperfect information), 11 meet different moves, probabilities or
information sets at some depth, and 2 have one player.

What "import then export is the identity" means here, for a file F that imports
into scenario S:

``.nfg``
    ``export(S, "nfg")`` is F, byte for byte. Export writes Gambit's own layout,
    the outcome version with one unlabelled outcome per profile, which is how
    every ``.nfg`` shipped with Gambit is written. (A payoff-version file comes
    back as the outcome version of the same game: the scenario format has no
    place for the version.)

``.efg``
    Textually identical and equal as games:

    1. F and ``export(S, "efg")``, both normalised by tradegame's reader and
       writer (``write_efg(read_efg(text))``, which writes every action list in
       full and numbers information sets per player and outcomes in order of
       first appearance, as Gambit itself does when it writes a file), are the
       same text, every label included: node labels, information-set labels,
       action labels, outcome labels.
    2. pygambit reads F and the export into equal games: the same title,
       comment and player labels; the same tree, node by node in preorder: the
       same kind of node (chance, a player's, terminal) and node label; at a
       player's or chance node the same player, information set (its number as
       Gambit reads it, so the same partition of each player's nodes) and
       information-set label; the same action labels, the same chance
       probabilities (exact rationals); at every node the same outcome (number
       and label, or none), and at each terminal the same payoffs (the sum of the
       outcomes on its path, exact).

    For the 9 files the stage import takes, its scenarios are checked the same
    way with the labels it cannot hold (of information sets and of outcomes)
    blanked in 1. and left out of 2.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tradegame.interop import GambitFormatError, read_efg, read_nfg, write_efg
from tradegame.interop.scenario_io import (
    EfgForm,
    export_scenario,
    scenario_from_efg,
    scenario_from_nfg,
)
from tradegame.model.tree import GameTree
from tradegame.scenario.load import parse_scenario

gbt = pytest.importorskip("pygambit")
pytestmark = pytest.mark.gambit

ROOT = Path(gbt.__file__).parent
EXAMPLES = sorted(p for p in ROOT.rglob("*") if p.suffix in (".nfg", ".efg") and p.is_file())
IDS = [p.relative_to(ROOT).as_posix() for p in EXAMPLES]
EFG = [p for p in EXAMPLES if p.suffix == ".efg"]
EFG_IDS = [p.relative_to(ROOT).as_posix() for p in EFG]

#: Measured with pygambit 16.7: files; by the default import, simultaneous scenarios
#: (the .nfg), scenarios with stages, scenarios with a tree, refused.
N_FILES, N_SIMULTANEOUS, N_STAGES, N_TREE, N_REFUSED = 38, 6, 0, 32, 0
#: Of the tree scenarios, those with one player.
N_ONE_PLAYER = 2
#: The stage import (form="stages"): files it takes, files it refuses.
N_STAGE_GAMES, N_NOT_STAGE_GAMES = 9, 23
#: Files whose scenarios with stages end the game early at some stage ('ends:').
WITH_ENDS = ("shohamleytonbrown2008/fig5_9.efg", "selten1975/fig2.efg")
#: What the stage import (form="stages") says of the files that are not stage games.
STAGE_REASONS = (
    "only stage games can become scenarios: plays of different lengths",
    "only stage games can become scenarios: the moves at depth",
    "only stage games can become scenarios: the chance probabilities at depth",
    "only stage games can become scenarios: the information sets at depth",
    "the game has 1 player; scenarios have 2 to 16 players",
)


def _import(path: Path, form: EfgForm = "auto") -> str:
    """Scenario text for a Gambit file, as ``tradegame import`` makes it (``form="auto"``)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".nfg":
        return scenario_from_nfg(read_nfg(text), path.name)
    return scenario_from_efg(read_efg(text), path.name, form)


def _normalised(text: str, *, blank_labels: bool = False) -> str:
    """An ``.efg`` as tradegame writes it; optionally with information-set and outcome
    labels blanked."""
    tree = read_efg(text)
    if blank_labels:
        for n in tree.nodes():
            d = tree.graph.nodes[n]
            d["outcome"] = ""
            if d["kind"] != "terminal":
                d["infoset_label"] = ""
    return write_efg(GameTree(tree.graph, tree.players, tree.title, tree.comment))


def _game(game: Any, *, labels: bool = True) -> dict[str, Any]:
    """What pygambit knows about an extensive game, in plain Python values.

    With ``labels=False`` information-set and outcome labels are left out.
    """
    players = list(game.players)
    nodes: list[tuple[Any, ...]] = []
    # Preorder with an explicit stack: children pushed in reverse action order.
    stack: list[tuple[Any, tuple[Fraction, ...]]] = [
        (game.root, tuple(Fraction(0) for _ in players))
    ]
    while stack:
        node, paid = stack.pop()
        outcome = None
        if node.outcome:
            paid = tuple(
                p + Fraction(str(node.outcome[q])) for p, q in zip(paid, players, strict=True)
            )
            outcome = (node.outcome.number, node.outcome.label if labels else "")
        if node.is_terminal:
            nodes.append(("t", node.label, outcome, paid))
            continue
        infoset = node.infoset
        where = (infoset.number, infoset.label if labels else "")
        actions = tuple(a.label for a in infoset.actions)
        if node.player.is_chance:
            probs = tuple(Fraction(str(a.prob)) for a in infoset.actions)
            nodes.append(("c", node.label, where, actions, probs, outcome))
        else:
            nodes.append(("p", node.label, node.player.label, where, actions, outcome))
        stack.extend((child, paid) for child in reversed(list(node.children)))
    return {
        "title": game.title,
        "comment": game.description,
        "players": [p.label for p in players],
        "nodes": nodes,
    }


def _assert_same_efg(original: str, exported: str, *, labels: bool) -> None:
    """The two files are the same game (see the module docstring)."""
    blank = not labels
    assert _normalised(exported, blank_labels=blank) == _normalised(original, blank_labels=blank)
    theirs = _game(gbt.read_efg(io.StringIO(original)), labels=labels)
    ours = _game(gbt.read_efg(io.StringIO(exported)), labels=labels)
    assert ours == theirs


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_import_then_export_is_the_identity(path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    fmt = path.suffix[1:]
    scenario = parse_scenario(_import(path), path.name)
    exported = export_scenario(scenario, fmt)
    if fmt == "nfg":
        assert exported == original
        theirs, ours = gbt.read_nfg(io.StringIO(original)), gbt.read_nfg(io.StringIO(exported))
        assert [[s.label for s in p.strategies] for p in ours.players] == [
            [s.label for s in p.strategies] for p in theirs.players
        ]
        for a, b in zip(ours.to_arrays(), theirs.to_arrays(), strict=True):
            assert (a == b).all()
        return
    assert scenario.is_tree
    _assert_same_efg(original, exported, labels=True)


@pytest.mark.parametrize("path", EFG, ids=EFG_IDS)
def test_the_stage_import_then_export_is_the_identity_but_for_labels(path: Path) -> None:
    try:
        text = _import(path, "stages")
    except GambitFormatError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(STAGE_REASONS)
        return
    scenario = parse_scenario(text, path.name)
    assert scenario.stages is not None
    original = path.read_text(encoding="utf-8")
    _assert_same_efg(original, export_scenario(scenario, "efg"), labels=False)


def test_the_counts_are_as_measured() -> None:
    kinds: dict[str, list[Path]] = {"simultaneous": [], "stages": [], "tree": [], "refused": []}
    one_player = 0
    for path in EXAMPLES:
        try:
            scenario = parse_scenario(_import(path), path.name)
        except GambitFormatError:
            kinds["refused"].append(path)
            continue
        kind = "tree" if scenario.is_tree else "stages" if scenario.is_sequential else None
        kinds[kind or "simultaneous"].append(path)
        one_player += len(scenario.players) == 1
    assert len(EXAMPLES) == N_FILES
    assert {k: len(v) for k, v in kinds.items()} == {
        "simultaneous": N_SIMULTANEOUS,
        "stages": N_STAGES,
        "tree": N_TREE,
        "refused": N_REFUSED,
    }
    assert all(p.suffix == ".nfg" for p in kinds["simultaneous"])
    assert one_player == N_ONE_PLAYER
    stage_games = []
    for path in EFG:
        try:
            stage_games.append((path, _import(path, "stages")))
        except GambitFormatError:
            pass
    assert len(stage_games) == N_STAGE_GAMES
    assert len(EFG) - len(stage_games) == N_NOT_STAGE_GAMES
    with_ends = [p for p, text in stage_games if "\n  ends: [" in text]
    assert sorted(p.as_posix() for p in with_ends) == sorted(
        next(p.as_posix() for p in EXAMPLES if p.as_posix().endswith(e)) for e in WITH_ENDS
    )


def test_the_stage_import_refuses_the_other_trees_for_the_reasons_measured() -> None:
    reasons: dict[str, int] = {}
    for path in EFG:
        try:
            _import(path, "stages")
        except GambitFormatError as exc:
            assert "\n" not in str(exc)
            key = next(r for r in STAGE_REASONS if str(exc).startswith(r))
            if key == STAGE_REASONS[0]:
                key = "ends" if "wherever it is chosen" in str(exc) else "perfect"
            reasons[key] = reasons.get(key, 0) + 1
    assert reasons == {
        "ends": 6,
        "perfect": 4,
        STAGE_REASONS[1]: 9,
        STAGE_REASONS[2]: 1,
        STAGE_REASONS[3]: 1,
        STAGE_REASONS[4]: 2,
    }
    assert sum(reasons.values()) == N_NOT_STAGE_GAMES


def test_cli_imports_a_tree_and_exports_it_back(cli, tmp_path: Path) -> None:
    """A file the stage import refuses (imperfect information and plays of different
    lengths) goes through ``tradegame import``, ``validate`` and ``export``."""
    path = next(p for p in EFG if p.as_posix().endswith("myerson1991/fig2_1.efg"))
    with pytest.raises(GambitFormatError):
        _import(path, "stages")
    imported = tmp_path / "imported.yaml"
    result = cli("import", path, "-o", imported)
    assert result.code == 0, result.stderr
    assert "\ntree:\n" in imported.read_text(encoding="utf-8")
    assert cli("validate", imported).code == 0
    again = tmp_path / "again.efg"
    assert cli("export", imported, "--format", "efg", "-o", again).code == 0
    original = path.read_text(encoding="utf-8")
    _assert_same_efg(original, again.read_text(encoding="utf-8"), labels=True)

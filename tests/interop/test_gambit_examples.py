"""Import then export on every example game shipped with pygambit.

The files are read at test time from the installed pygambit package (they are
Gambit's, GPL-licensed, and not copied here). Each file either imports into a
scenario that loads, or is refused by ``import`` with a one-line reason; the
number of refused files is pinned to what was measured (pygambit 16.7: 38 files,
6 ``.nfg`` and 32 ``.efg``; 15 import, 23 are refused), so that a regression in
either direction fails. Two of the imported trees have plays of different
lengths that end at "an action that ends the game at that stage" (the centipede
game of Shoham and Leyton-Brown, fig. 5.9, and Selten's 1975 horse, fig. 2):
they become scenarios with ``ends:``. Of the refused, 10 have plays of
different lengths that are not of that kind (6: an action ends some plays at a
depth but not others; 4: imperfect information), 11 meet different moves,
probabilities or information sets at some depth, and 2 have one player.

What "import then export is the identity" means here, for a file F that imports
into scenario S:

``.nfg``
    ``export(S, "nfg")`` is F, byte for byte. Export writes Gambit's own layout,
    the outcome version with one unlabelled outcome per profile, which is how
    every ``.nfg`` shipped with Gambit is written. (A payoff-version file comes
    back as the outcome version of the same game: the scenario format has no
    place for the version.)

``.efg``
    Textually identical where the scenario format can hold the text, and equal
    as games everywhere:

    1. F and ``export(S, "efg")``, both read by tradegame's reader and written
       back by its writer (which writes every action list in full and numbers
       information sets per player in order of first appearance, as Gambit
       itself does when it writes a file), are the same text once the labels of
       information sets and of outcomes are blanked. Those labels are not
       carried: a scenario names a stage, not each of its information sets, and
       has no text for an outcome; the shipped files label their information
       sets ``""``, which is no name. (Labels that follow export's own pattern,
       ``<stage>|<stage>=<action>,...``, are carried: see ``test_scenario_io``.)
    2. pygambit reads F and the export into equal games: the same title,
       comment and player labels; the same tree, node by node in preorder: the
       same kind of node (chance, a player's, terminal); at a player's node the
       same player and information set (its number as Gambit reads it, so the
       same partition of each player's nodes); the same action labels, the same
       chance probabilities (exact rationals), the same outcome number at each
       terminal, and at each terminal the same payoffs (the sum of the outcomes
       on its path, exact).
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tradegame.interop import GambitFormatError, read_efg, read_nfg, write_efg
from tradegame.interop.scenario_io import export_scenario, scenario_from_efg, scenario_from_nfg
from tradegame.model.tree import GameTree
from tradegame.scenario.load import parse_scenario

gbt = pytest.importorskip("pygambit")
pytestmark = pytest.mark.gambit

ROOT = Path(gbt.__file__).parent
EXAMPLES = sorted(p for p in ROOT.rglob("*") if p.suffix in (".nfg", ".efg") and p.is_file())
IDS = [p.relative_to(ROOT).as_posix() for p in EXAMPLES]

#: Measured with pygambit 16.7.
N_FILES, N_IMPORTED, N_REFUSED = 38, 15, 23
#: Imported files whose scenarios end the game early at some stage ('ends:').
WITH_ENDS = ("shohamleytonbrown2008/fig5_9.efg", "selten1975/fig2.efg")
REASONS = (
    "only stage games can become scenarios: plays of different lengths",
    "only stage games can become scenarios: the moves at depth",
    "only stage games can become scenarios: the chance probabilities at depth",
    "only stage games can become scenarios: the information sets at depth",
    "the game has 1 player; scenarios have 2 to 16 players",
)


def _import(path: Path) -> str:
    """Scenario text for a Gambit file, as ``tradegame import`` makes it."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".nfg":
        return scenario_from_nfg(read_nfg(text), path.name)
    return scenario_from_efg(read_efg(text), path.name)


def _blank_labels(text: str) -> str:
    """An ``.efg`` as tradegame writes it, with information-set and outcome labels blanked."""
    tree = read_efg(text)
    for n in tree.nodes():
        d = tree.graph.nodes[n]
        d["outcome"] = ""
        if d["kind"] != "terminal":
            d["infoset_label"] = ""
    return write_efg(GameTree(tree.graph, tree.players, tree.title, tree.comment))


def _game(game: Any) -> dict[str, Any]:
    """What pygambit knows about an extensive game, in plain Python values."""
    players = list(game.players)
    nodes: list[tuple[Any, ...]] = []

    def visit(node: Any, paid: tuple[Fraction, ...]) -> None:
        if node.outcome:
            paid = tuple(
                p + Fraction(str(node.outcome[q])) for p, q in zip(paid, players, strict=True)
            )
        if node.is_terminal:
            nodes.append(("t", node.outcome.number if node.outcome else None, paid))
            return
        infoset = node.infoset
        actions = tuple(a.label for a in infoset.actions)
        if node.player.is_chance:
            probs = tuple(Fraction(str(a.prob)) for a in infoset.actions)
            nodes.append(("c", actions, probs))
        else:
            nodes.append(("p", node.player.label, infoset.number, actions))
        for child in node.children:
            visit(child, paid)

    visit(game.root, tuple(Fraction(0) for _ in players))
    return {
        "title": game.title,
        "comment": game.description,
        "players": [p.label for p in players],
        "nodes": nodes,
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_import_then_export_is_the_identity_or_a_one_line_refusal(path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    fmt = path.suffix[1:]
    try:
        scenario_text = _import(path)
    except GambitFormatError as exc:
        assert fmt == "efg"
        assert "\n" not in str(exc) and str(exc).startswith(REASONS)
        return
    exported = export_scenario(parse_scenario(scenario_text, path.name), fmt)
    if fmt == "nfg":
        assert exported == original
        theirs, ours = gbt.read_nfg(io.StringIO(original)), gbt.read_nfg(io.StringIO(exported))
        assert [[s.label for s in p.strategies] for p in ours.players] == [
            [s.label for s in p.strategies] for p in theirs.players
        ]
        for a, b in zip(ours.to_arrays(), theirs.to_arrays(), strict=True):
            assert (a == b).all()
        return
    assert _blank_labels(exported) == _blank_labels(original)
    theirs = _game(gbt.read_efg(io.StringIO(original)))
    ours = _game(gbt.read_efg(io.StringIO(exported)))
    assert ours == theirs


def test_the_number_of_refused_files_is_as_measured() -> None:
    imported, refused = [], []
    for path in EXAMPLES:
        try:
            _import(path)
        except GambitFormatError:
            refused.append(path)
        else:
            imported.append(path)
    assert len(EXAMPLES) == N_FILES
    assert sum(p.suffix == ".nfg" for p in imported) == 6  # every strategic game imports
    assert (len(imported), len(refused)) == (N_IMPORTED, N_REFUSED)
    with_ends = [p for p in imported if "\n  ends: [" in _import(p)]
    assert sorted(p.as_posix() for p in with_ends) == sorted(
        next(p.as_posix() for p in EXAMPLES if p.as_posix().endswith(e)) for e in WITH_ENDS
    )


def test_the_refusal_reasons_are_as_measured() -> None:
    reasons: dict[str, int] = {}
    for path in EXAMPLES:
        try:
            _import(path)
        except GambitFormatError as exc:
            key = next(r for r in REASONS if str(exc).startswith(r))
            if key == REASONS[0]:
                key = "ends" if "wherever it is chosen" in str(exc) else "perfect"
            reasons[key] = reasons.get(key, 0) + 1
    assert reasons == {
        "ends": 6,
        "perfect": 4,
        REASONS[1]: 9,
        REASONS[2]: 1,
        REASONS[3]: 1,
        REASONS[4]: 2,
    }


def test_cli_refuses_with_one_line(cli, tmp_path: Path) -> None:
    refused = []
    for path in EXAMPLES:
        try:
            _import(path)
        except GambitFormatError:
            refused.append(path)
    out = tmp_path / "imported.yaml"
    result = cli("import", refused[0], "-o", out)
    assert result.code == 2 and not out.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "only stage games can become scenarios" in lines[0]

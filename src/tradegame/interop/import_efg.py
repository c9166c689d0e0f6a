"""Import of a Gambit extensive game (``.efg``): the choice between stages and a tree.

:func:`scenario_from_efg` gives a scenario with ``stages:``
(:func:`~tradegame.interop.import_stages.stage_scenario_from_efg`) or one with a
``tree:`` (:func:`~tradegame.interop.import_tree.tree_scenario_from_efg`); by
default the one that exports back to the same file (see
:mod:`tradegame.interop.scenario_io`).
"""

from __future__ import annotations

from tradegame.errors import ScenarioError
from tradegame.interop.gambit import GambitFormatError, read_efg, write_efg
from tradegame.interop.import_stages import stage_scenario_from_efg
from tradegame.interop.import_tree import tree_scenario_from_efg
from tradegame.model.tree import GameTree
from tradegame.scenario.load import parse_scenario
from tradegame.scenario.vocabulary import EfgForm, parse_choice

__all__ = ["scenario_from_efg"]


def scenario_from_efg(tree: GameTree, source: str = "", form: str = EfgForm.AUTO) -> str:
    """A sequential scenario (YAML text) for an extensive game read from ``.efg``.

    Parameters
    ----------
    tree : GameTree
        One game (``tree.n_draws == 1``), as :func:`~.gambit.read_efg` reads it.
    source : str
        The file's name, for the header comment.
    form : EfgForm or str, default "auto"
        ``"stages"``: a scenario with ``stages:`` (:func:`stage_scenario_from_efg`;
        the tree must be a stage game, see the module docstring); ``"tree"``: a
        scenario with a ``tree:`` (:func:`tree_scenario_from_efg`), for any tree;
        ``"auto"``: the scenario with stages when exporting it gives back the same
        file (labels included: so every file tradegame writes for a scenario with
        stages), else the tree; so exporting the result gives back the file (which
        ``"stages"`` does only up to the labels it cannot hold).

    Returns
    -------
    str

    Raises
    ------
    GambitFormatError
        With a one-line reason: for ``"stages"`` when the tree is not a stage game,
        a player never moves or there are fewer than two players; for the other
        forms when the scenario format cannot hold the tree (see
        :func:`tree_scenario_from_efg`).
    ValueError
        For an unknown ``form``, or a tree of several draws.
    """
    form = parse_choice(EfgForm, form)
    if tree.n_draws != 1:
        raise ValueError(f"the tree holds {tree.n_draws} draws; import one game")
    if form == EfgForm.STAGES or (form == EfgForm.AUTO and _may_export_back(tree)):
        try:
            # "auto" loads the text in _exports_back: no need to load it twice.
            text = stage_scenario_from_efg(tree, source, check=form == EfgForm.STAGES)
        except GambitFormatError:
            if form == EfgForm.STAGES:
                raise
        else:
            if form == EfgForm.STAGES or _exports_back(text, tree):
                return text
    return tree_scenario_from_efg(tree, source)


def _may_export_back(tree: GameTree) -> bool:
    """Whether the tree has the labels a scenario with stages exports (a quick test that
    spares building and loading one when it cannot give the file back).

    Export labels no node, every information set (with its stage's name), and each
    play's outcome with the play's action labels joined by ``/``; outcomes are only
    at terminal nodes.
    """
    g = tree.graph
    for n in tree.nodes():
        d = g.nodes[n]
        if d.get("name"):
            return False
        if d["kind"] != "terminal":
            if d.get("payoffs") is not None or not d.get("infoset_label"):
                return False
            continue
        path = "/".join(g.nodes[n[:k]]["actions"][n[k]] for k in range(len(n)))
        if d.get("payoffs") is None or d.get("outcome") != path:
            return False
    return True


def _exports_back(text: str, tree: GameTree) -> bool:
    """Whether the scenario ``text`` exports as ``.efg`` to the game ``tree``, labels included
    (both as tradegame's writer writes them)."""
    # Imported here: the export module re-exports the importers, this one among them.
    from tradegame.interop.scenario_io import export_scenario

    try:
        exported = export_scenario(parse_scenario(text, "<imported>"), "efg")
    except ScenarioError:
        return False
    return write_efg(read_efg(exported)) == write_efg(tree)

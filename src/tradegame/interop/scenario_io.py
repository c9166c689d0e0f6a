"""Between Gambit games and tradegame scenarios: export a central game, import a file.

``tradegame export`` writes a scenario's central game (every parameter at its
median): a simultaneous game as ``.nfg`` (its strategic form) or ``.efg``
(each player moving once without seeing the others), a sequential game as
``.efg`` (its tree) or ``.nfg`` (its reduced normal form). Players, options
and stages are written with their labels; ``.nfg`` in Gambit's own layout (the
outcome version), the description as Gambit's comment. A scenario with a
``tree:`` is written node by node: node labels, information-set labels
('tree.infoset_labels'), one Gambit outcome per outcome of the tree with its
label; its ``.nfg`` is the reduced normal form of the tree
(:func:`~tradegame.solvers.tree_normal_form.tree_normal_form`).

``tradegame import`` turns a Gambit file into a scenario: an ``.nfg`` into a
simultaneous scenario (a matrix for two players, a table otherwise); an
``.efg`` into a scenario with ``stages:`` or one with a ``tree:``
(:func:`scenario_from_efg`).

A scenario with stages holds a *stage game* - every play meets the same movers
in the same order with the same actions (and chance the same probabilities),
and each information set is "what the mover has seen of the earlier stages".
Plays may be shorter than others when they end at an action that ends the game
at that stage (the same action, wherever it is chosen at that depth, ends
every play, and the game has perfect information): the stage then lists it
under ``ends:``. It has no place for node labels, outcome labels or
information-set labels other than its stage names, so
:func:`stage_scenario_from_efg` drops those, and refuses other trees with a
one-line reason.

A scenario with a tree holds any extensive game with 1 to 16 players in which
every player moves (:func:`tree_scenario_from_efg`): information sets become
levers, outcomes named outcomes, and every label is kept.

By default (``form="auto"``) import gives the scenario with stages when
exporting it writes the same file again - which is the case for every file
export writes for a scenario with stages - and the tree otherwise, so that
import then export is always the identity: the same text for every file export
writes, and for other files the same file as tradegame's writer lays it out
(information sets and outcomes renumbered in order of first appearance).

Names that are not valid scenario names are rewritten (over-long ones cut
and ended with a hash of the text, so the same text always gives the same
name); the original texts are kept as labels.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.interop.gambit import write_efg, write_nfg
from tradegame.model.budget import check_normal_form
from tradegame.model.game import GameStructure
from tradegame.model.normal_form import reduced_normal_form, reduced_strategies
from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree
from tradegame.play.central import central_normal_form, central_tree
from tradegame.play.solve import solve
from tradegame.play.stages import central_stage_game
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import EfgForm, GameFormat, GameKind, parse_choice

__all__ = [
    "EfgForm",
    "export_scenario",
    "scenario_from_efg",
    "scenario_from_nfg",
    "stage_scenario_from_efg",
    "tree_scenario_from_efg",
]


# ----------------------------------------------------------------------- export


def export_scenario(scenario: Scenario, fmt: str) -> str:
    """A scenario's central game as Gambit text.

    Parameters
    ----------
    scenario : Scenario
    fmt : GameFormat or str
        ``.nfg`` is written in Gambit's own layout (the outcome version, one
        unlabelled outcome per profile); ``.efg`` as :func:`~.gambit.write_efg` does.

    Returns
    -------
    str
    """
    fmt = parse_choice(GameFormat, fmt)
    # The description travels as Gambit's comment, so that import then export is the identity.
    comment = scenario.spec.description or ""
    players = tuple(p.label for p in scenario.players)
    return _EXPORTERS[scenario.kind](scenario, fmt, players, comment)


def _export_simultaneous(
    scenario: Scenario, fmt: str, players: tuple[str, ...], comment: str
) -> str:
    """A simultaneous game's central game: its normal form, or one stage per player (``.efg``)."""
    central = solve(scenario)
    U = central.payoffs
    assert U is not None
    game = GameStructure.from_scenario(scenario)
    labels = tuple(_option_labels(game, i) for i in range(len(scenario.players)))
    if fmt == GameFormat.NFG:
        return write_nfg(U, players, labels, scenario.title, comment, version="outcome")
    stages = tuple(
        Stage(p.name, p.label, labels[i], observes=()) for i, p in enumerate(scenario.players)
    )
    tree = GameTree.from_stages(U, stages, players, None, scenario.title)
    tree.comment = comment
    return write_efg(tree)


def _export_stages(scenario: Scenario, fmt: str, players: tuple[str, ...], comment: str) -> str:
    """A stage game's central game: its tree, or its reduced normal form in exact numbers."""
    g = central_stage_game(scenario)
    structure = GameStructure.from_scenario(scenario)
    # Players, stages and actions are written with their labels (names stay internal).
    stages = tuple(
        Stage(
            st.name,
            None if st.mover is None else _label_of(scenario, st.mover),
            _option_labels(structure, k),
            st.observes,
            st.ends,
        )
        for k, st in enumerate(g.stages)
    )
    tree = GameTree.from_stages(g.V, stages, players, g.chance_probs, scenario.title)
    if fmt == GameFormat.NFG:
        plans = reduced_strategies(stages, players)
        check_normal_form(scenario, tuple(len(p) for p in plans))
        U, labels = reduced_normal_form(g.V, stages, players, g.chance_probs)
        exact = exact_reduced_payoffs(tree, plans)
        return write_nfg(
            U if exact is None else exact,
            players,
            labels,
            scenario.title,
            comment,
            version="outcome",
        )
    tree.comment = comment
    return write_efg(tree)


def _export_tree(scenario: Scenario, fmt: str, players: tuple[str, ...], comment: str) -> str:
    """The central game of a scenario with a 'tree:', as ``.efg`` or ``.nfg`` text.

    ``.efg``: the tree itself, with the players' labels, the node labels, the
    information-set labels of 'tree.infoset_labels', the option labels as action
    labels, and one Gambit outcome per outcome of 'tree.outcomes' that some node
    pays (numbered in order of first appearance, labelled with its label).
    ``.nfg``: the reduced normal form (plans labelled as
    :func:`~tradegame.solvers.tree_normal_form.plan_labels` does).
    """
    tree = central_tree(scenario)
    tree.comment = comment
    if fmt == GameFormat.NFG:
        nf = central_normal_form(scenario)
        U = exact_reduced_payoffs(tree, nf.plans)
        return write_nfg(
            nf.payoffs[0] if U is None else U,
            players,
            nf.labels,
            scenario.title,
            comment,
            version="outcome",
        )
    return write_efg(tree, player_labels=players)


#: The exporter of each kind of game.
_EXPORTERS: dict[GameKind, Callable[[Scenario, str, tuple[str, ...], str], str]] = {
    GameKind.SIMULTANEOUS: _export_simultaneous,
    GameKind.STAGES: _export_stages,
    GameKind.TREE: _export_tree,
}

#: Largest (profiles x terminal nodes) for which ``.nfg`` export computes payoffs exactly.
MAX_EXACT_WORK = 2_000_000


def exact_reduced_payoffs(
    tree: GameTree, plans: Sequence[Sequence[Mapping[Any, int]]]
) -> NDArray[np.object_] | None:
    """The reduced normal form's payoffs in exact rational arithmetic, as Gambit computes them.

    Each terminal's payoff is the sum of the outcomes on its path and its chance
    weight the product of the chance probabilities on it, both taken as the exact
    numbers the ``.efg`` writer writes (:func:`~.gambit.exact_number`,
    :func:`~.gambit.exact_probabilities`), so the ``.nfg`` holds exactly the
    strategic form Gambit derives from the exported ``.efg`` (floating-point
    sums would write 0.41666666666666663 for 5/12 and could break ties).

    Parameters
    ----------
    tree : GameTree
        One draw.
    plans : sequence of sequence of mapping
        Each player's plans: information-set key -> action index (a plan need not
        give an action at a set it does not reach).

    Returns
    -------
    ndarray of Fraction (dtype object), shape (n, S_0, ..., S_{n-1}), or None
        ``None`` when profiles times terminal nodes exceed :data:`MAX_EXACT_WORK`
        (the caller then writes floating-point payoffs).
    """
    from tradegame.interop.gambit import exact_number, exact_probabilities

    terminals = tree.nodes("terminal")
    sizes = [len(p) for p in plans]
    if math.prod(sizes) * len(terminals) > MAX_EXACT_WORK:
        return None
    g = tree.graph
    n = len(tree.players)
    weights: list[Fraction] = []
    payoffs: list[list[Fraction]] = []
    ok = [np.ones((len(p), len(terminals)), dtype=bool) for p in plans]
    for t, leaf in enumerate(terminals):
        weight, paid = Fraction(1), [Fraction(0)] * n
        for depth in range(len(leaf) + 1):
            d = g.nodes[leaf[:depth]]
            if d.get("payoffs") is not None:
                paid = [a + exact_number(float(x)) for a, x in zip(paid, d["payoffs"], strict=True)]
            if depth == len(leaf):
                break
            action = leaf[depth]
            if d["kind"] == "chance":
                weight *= exact_probabilities(d["probs"])[action]
            else:
                i = tree.players.index(d["player"])
                for k, plan in enumerate(plans[i]):
                    if plan.get(d["infoset"]) != action:
                        ok[i][k, t] = False
        weights.append(weight)
        payoffs.append(paid)
    U = np.empty((n, *sizes), dtype=object)
    for profile in itertools.product(*(range(s) for s in sizes)):
        reached = np.ones(len(terminals), dtype=bool)
        for i, k in enumerate(profile):
            reached &= ok[i][k]
        for i in range(n):
            U[(i, *profile)] = sum(
                (weights[t] * payoffs[t][i] for t in np.flatnonzero(reached)), Fraction(0)
            )
    return U


def _label_of(scenario: Scenario, player: str) -> str:
    return next(p.label for p in scenario.players if p.name == player)


def _option_labels(game: GameStructure, axis: int) -> tuple[str, ...]:
    """Labels of the strategies (or stage actions) of one axis: option labels joined by '/'."""
    levers = game.axes[axis]
    return tuple(
        "/".join(levers[j].label(int(k)) for j, k in enumerate(row))
        for row in game.strategy_options(axis)
    )


# The importers, re-exported: callers import them from here.
from tradegame.interop.import_common import check_imported as check_imported  # noqa: E402
from tradegame.interop.import_efg import scenario_from_efg  # noqa: E402
from tradegame.interop.import_nfg import scenario_from_nfg  # noqa: E402
from tradegame.interop.import_stages import stage_scenario_from_efg  # noqa: E402
from tradegame.interop.import_tree import tree_scenario_from_efg  # noqa: E402

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
(:func:`~tradegame.solvers.tree_solvers.tree_normal_form`).

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

import functools
import hashlib
import itertools
import keyword
import math
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from tradegame.errors import ScenarioError
from tradegame.interop.gambit import (
    GambitFormatError,
    NfgGame,
    fraction_of,
    read_efg,
    source_of,
    write_efg,
    write_nfg,
)
from tradegame.model.budget import check_normal_form
from tradegame.model.game import GameStructure
from tradegame.model.normal_form import reduced_normal_form, reduced_strategies
from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree
from tradegame.play.central import central_normal_form, central_tree
from tradegame.play.solve import solve
from tradegame.play.stages import central_stage_game
from tradegame.scenario.load import NO_OUTCOME, Scenario, parse_scenario
from tradegame.scenario.vocabulary import EfgForm, GameFormat, GameKind, parse_choice
from tradegame.scenario.yaml_source import MAX_DEPTH, MAX_NODES

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
    :func:`~tradegame.solvers.tree_solvers.plan_labels` does).
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


# ----------------------------------------------------------------------- import

#: Names that expressions reserve (see docs/scenario-format.md, "Names").
_RESERVED = frozenset(
    {"min", "max", "abs", "exp", "log", "sqrt", "where", "clip", "True", "False", "None"}
    | {"otherwise"}
)
#: Longest name a scenario accepts.
_MAX_NAME = 64


def _identifier(
    text: str, prefix: str, taken: set[str], reserved: frozenset[str] = frozenset()
) -> str:
    """A valid, unused scenario name for ``text``; it is added to ``taken``.

    Runs of characters other than ASCII letters, digits and underscores become
    ``_``; a name starting with a digit, or reserved, gets ``prefix``. A name
    longer than 64 characters is cut and ends with 8 hex digits of the SHA-256
    of ``text``, so the same text always gives the same name. A name already
    taken gets ``_2``, ``_3``, ... (cut to stay within 64 characters).
    """
    name = re.sub(r"\W+", "_", text.strip(), flags=re.ASCII).strip("_") or prefix
    if name[0].isdigit():
        name = f"{prefix}{name}"
    if name in _RESERVED or name in reserved or keyword.iskeyword(name):
        name = f"{prefix}_{name}"
    if len(name) > _MAX_NAME:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        name = f"{name[: _MAX_NAME - 9].rstrip('_')}_{digest}"
    base, k = name, 2
    while name in taken:
        suffix = f"_{k}"
        name = f"{base[: _MAX_NAME - len(suffix)]}{suffix}"
        k += 1
    taken.add(name)
    return name


def scenario_from_nfg(game: NfgGame, source: str = "") -> str:
    """A simultaneous scenario (YAML text) for a strategic game read from ``.nfg``.

    Each player gets one lever; strategies become its options, with Gambit's
    strategy labels as the options' labels. Exporting the scenario as ``.nfg``
    gives back the same game in Gambit's layout.

    Raises
    ------
    GambitFormatError
        When a scenario cannot hold the game: fewer than two players or more than 16,
        a title over 300 characters, a player with more than 1,000 strategies, or a
        payoff table too large for a scenario file (located in the file read, when
        the game was read by :func:`~.gambit.read_nfg`).
    """
    _check_player_count(len(game.players), game)
    _check_title(game.title, game)
    for i, strategies in enumerate(game.strategy_labels):
        if len(strategies) > _MAX_OPTIONS:
            raise _refuse(
                f"player {i + 1} has {len(strategies):,} strategies; a scenario's lever has "
                f"at most {_MAX_OPTIONS:,} options",
                game,
                ("strategies", i),
            )
    n_prof = math.prod(len(x) for x in game.strategy_labels)
    # Each profile is at least a list of n payoffs in the scenario's YAML: refuse a table
    # the scenario file cannot hold before building it.
    if n_prof * (len(game.players) + 1) > MAX_NODES:
        raise _refuse(
            f"the game has {n_prof:,} strategy profiles of {len(game.players)} players; the "
            f"payoff table of a scenario file holds at most {MAX_NODES:,} values",
            game,
            "strategies",
        )
    taken: set[str] = set()
    names = [_identifier(p, "player", taken, _PLAYER_RESERVED) for p in game.players]
    players: dict[str, Any] = {}
    option_names: list[list[str]] = []
    for name, label, strategies in zip(names, game.players, game.strategy_labels, strict=True):
        opts, opt_names = _options(strategies, "s")
        option_names.append(opt_names)
        players[name] = {"label": label, "levers": {name: opts}}
    U = game.U
    if len(names) == 2:
        payoffs: dict[str, Any] = {
            "matrix": [
                [[_number(U[0, r, c]), _number(U[1, r, c])] for c in range(U.shape[2])]
                for r in range(U.shape[1])
            ]
        }
    else:
        rows = []
        for idx in itertools.product(*(range(s) for s in U.shape[1:])):
            rows.append(
                [option_names[i][a] for i, a in enumerate(idx)]
                + [_number(U[(i, *idx)]) for i in range(len(names))]
            )
        payoffs = {"table": {"levers": names, "rows": rows}}
    doc = {
        "tradegame": 1,
        "title": game.title or "Imported strategic game",
        "description": game.comment,
        "players": players,
        "payoffs": payoffs,
        "outcomes": {"otherwise": "played"},
        "analysis": {"samples": 1},
    }
    text = _dump(doc, f"# Imported from Gambit ({source}) by tradegame import\n")
    check_imported(text, game, "strategies")
    return text


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
    try:
        exported = export_scenario(parse_scenario(text, "<imported>"), "efg")
    except ScenarioError:
        return False
    return write_efg(read_efg(exported)) == write_efg(tree)


def stage_scenario_from_efg(tree: GameTree, source: str = "", *, check: bool = True) -> str:
    """A scenario with ``stages:`` (YAML text) for a stage game read from ``.efg``.

    Depth *s* of the tree becomes stage *s* with one lever (a chance lever for
    chance moves); Gambit's action labels become the options' labels. The
    stage is named after its information sets when their labels are the ones
    :func:`export_scenario` writes (``"<stage>"`` for a stage with one
    information set, ``"<stage>|<stage>=<action>,..."`` naming what the mover
    has seen), so that exporting the scenario writes them again; otherwise it
    is named ``move<s>``. Outcome labels and node labels are not kept (a stage
    scenario has no place for them). With ``check`` (the default) the text is
    loaded before it is returned (:func:`check_imported`).

    Raises
    ------
    GambitFormatError
        With a one-line reason, when the tree is not a stage game (see the
        module docstring), a player never moves, or there are fewer than two
        players.
    """
    _check_player_count(len(tree.players), tree)
    _check_title(tree.title, tree)
    g = tree.graph
    terminals = sorted(n for n in g.nodes if g.nodes[n]["kind"] == "terminal")
    depth = max(len(t) for t in terminals)
    if depth > _max_stages():
        raise _refuse(
            f"the tree has plays {depth} moves long; a scenario with stages has at most "
            f"{_max_stages()} stages",
            tree,
            next(t for t in terminals if len(t) == depth),
        )
    movers_at = _movers_by_depth(tree, depth)
    ends = _ending_actions(tree, movers_at)
    player_taken: set[str] = set()
    player_names = {
        p: _identifier(p, "player", player_taken, _PLAYER_RESERVED) for p in tree.players
    }
    taken: set[str] = set()
    stages: list[dict[str, Any]] = []
    levers: dict[str, dict[str, Any]] = {p: {} for p in tree.players}
    chance: dict[str, Any] = {}
    lever_order: list[str] = []
    stage_names: list[str] = []
    action_labels: list[tuple[str, ...]] = []
    option_names: list[list[str]] = []
    for s in range(depth):
        nodes = movers_at[s]
        kinds = {g.nodes[n]["kind"] for n in nodes}
        actions = {tuple(g.nodes[n]["actions"]) for n in nodes}
        movers = {g.nodes[n].get("player") for n in nodes}
        if len(kinds) != 1 or len(actions) != 1 or len(movers) != 1:
            if len(kinds) != 1:
                detail = "chance in some plays, a player in others"
            elif len(movers) != 1:
                detail = "the mover: " + " or ".join(repr(m) for m in sorted(movers, key=str))
            else:
                detail = "the actions: " + " or ".join(
                    "{" + ", ".join(repr(a) for a in x) + "}" for x in sorted(actions)
                )
            raise _refuse(
                f"only stage games can become scenarios: the moves at depth {s + 1} differ "
                f"between plays ({detail})",
                tree,
                _first_differing(g, nodes),
            )
        labels = next(iter(actions))
        is_chance = kinds == {"chance"}
        if is_chance:
            probs = {tuple(g.nodes[n]["probs"]) for n in nodes}
            if len(probs) != 1:
                first = tuple(g.nodes[nodes[0]]["probs"])
                raise _refuse(
                    f"only stage games can become scenarios: the chance probabilities at depth "
                    f"{s + 1} differ between plays",
                    tree,
                    next(n for n in nodes if tuple(g.nodes[n]["probs"]) != first),
                )
            # Chance sees everything: export labels its information sets with the whole history.
            seen: list[int] | None = list(range(s))
        else:
            seen = _observed(tree, nodes, s)
            if seen is not None and any(ends):
                raise _refuse(
                    "only stage games can become scenarios: plays of different lengths need "
                    f"perfect information, and the mover at depth {s + 1} has not seen every "
                    "earlier move",
                    tree,
                    nodes[0],
                )
        name = _stage_name(
            tree, nodes, list(range(s)) if seen is None else seen, stage_names, action_labels
        )
        if name in stage_names:
            name = ""  # two stages may not share a name: keep the lever's
        lever = _identifier(name or f"move{s + 1}", "move", taken)
        stage_names.append(name or lever)
        lever_order.append(lever)
        action_labels.append(labels)
        if is_chance:
            # Chance options have no labels: their names are all a scenario keeps.
            _, names = _options(labels, "a")
            option_names.append(names)
            p = next(iter(probs))
            chance[lever] = {
                **({"label": name} if name else {}),
                "options": {n: _fraction(x) for n, x in zip(names, p, strict=True)},
            }
            stages.append(
                {"chance": lever, **({"ends": [names[a] for a in ends[s]]} if ends[s] else {})}
            )
            continue
        opts, names = _options(labels, "a")
        option_names.append(names)
        player = next(iter(movers))
        levers[player][lever] = opts
        stage: dict[str, Any] = {"player": player_names[player], "levers": [lever]}
        if seen is not None:
            stage["observes"] = [lever_order[t] for t in seen]
        if name and name != lever:
            stage["label"] = name
        if ends[s]:
            stage["ends"] = [names[a] for a in ends[s]]
        stages.append(stage)
    _check_every_player_moves(tree, {p for p in tree.players if levers[p]})
    for s, names in enumerate(option_names):
        if len(names) > _MAX_OPTIONS:
            raise _refuse(
                f"the move at depth {s + 1} has {len(names):,} actions; a scenario's lever has "
                f"at most {_MAX_OPTIONS:,} options",
                tree,
                movers_at[s][0],
            )
    n_rows = math.prod(len(x) for x in option_names)
    if n_rows * (len(option_names) + len(tree.players) + 1) > MAX_NODES:
        raise _refuse(
            f"the payoff table of a scenario with stages would have {len(option_names)} "
            f"levers and {'more than 10^9' if n_rows > 10**9 else f'{n_rows:,}'} rows, more "
            f"than a scenario file holds ({MAX_NODES:,} values)",
            tree,
            (),
        )
    rows = []
    for h in itertools.product(*(range(len(x)) for x in option_names)):
        # A play that ended early: every continuation has its payoffs (they cannot matter).
        t = next(h[:s] for s in range(1, depth + 1) if h[:s] in g and _is_terminal(g, h[:s]))
        pay = tree.terminal_payoffs(t)
        rows.append([option_names[s][a] for s, a in enumerate(h)] + [_number(x) for x in pay])
    doc = {
        "tradegame": 1,
        "title": tree.title or "Imported extensive game",
        "description": tree.comment,
        "players": {player_names[p]: {"label": p, "levers": levers[p]} for p in tree.players},
        **({"chance": chance} if chance else {}),
        "stages": stages,
        "payoffs": {"table": {"levers": lever_order, "rows": rows}},
        "outcomes": {"otherwise": "played"},
        "analysis": {"samples": 1},
    }
    text = _dump(doc, f"# Imported from Gambit ({source}) by tradegame import\n")
    if check:
        check_imported(text, tree, ())
    return text


def _is_terminal(g: Any, node: tuple[int, ...]) -> bool:
    return bool(g.nodes[node]["kind"] == "terminal")


@functools.cache
def _max_stages() -> int:
    """The most stages a scenario has (the schema's limit)."""
    from tradegame.scenario.schema import ScenarioFile

    stages = ScenarioFile.model_json_schema()["properties"]["stages"]["anyOf"][0]
    return int(stages["maxItems"])


def _movers_by_depth(tree: GameTree, depth: int) -> list[list[tuple[int, ...]]]:
    """The decision and chance nodes at each depth below ``depth``, in preorder."""
    out: list[list[tuple[int, ...]]] = [[] for _ in range(depth)]
    for n in tree.nodes():
        if not _is_terminal(tree.graph, n):
            out[len(n)].append(n)
    return out


def _ending_actions(
    tree: GameTree, movers_at: list[list[tuple[int, ...]]]
) -> list[tuple[int, ...]]:
    """Per depth, the actions that end the game there (plays shorter than the longest).

    Raises
    ------
    GambitFormatError
        When a short play is not "an action that ends the game at that stage": the
        same action must end it wherever it is chosen at that depth.
    """
    g = tree.graph
    depth = len(movers_at)
    ends: list[tuple[int, ...]] = []
    for s, movers in enumerate(movers_at):
        ending: set[int] = set()
        going_on: set[int] = set()
        for n in movers:
            for c in tree.children(n):
                if s + 1 < depth and _is_terminal(g, c):
                    ending.add(c[-1])
                else:
                    going_on.add(c[-1])
        if ending & going_on:
            a = min(ending & going_on)
            raise _refuse(
                "only stage games can become scenarios: plays of different lengths must end "
                f"at an action that ends the game wherever it is chosen, and action {a + 1} at "
                f"depth {s + 1} ends some plays but not others",
                tree,
                next(n for n in movers if (*n, a) in g),
            )
        ends.append(tuple(sorted(ending)))
    return ends


#: Players may not be called 'chance' (results list chance levers under that key).
_PLAYER_RESERVED = frozenset({"chance"})


def _check_player_count(n: int, game: NfgGame | GameTree) -> None:
    if not 2 <= n <= 16:
        raise _refuse(
            f"the game has {n} player{'s' if n != 1 else ''}; scenarios have 2 to 16 players",
            game,
            "players",
        )


#: Most options of a lever (and children of a tree node), as the scenario schema has it.
_MAX_OPTIONS = 1000
#: Most levers of a player, as the scenario schema has it.
_MAX_LEVERS = 1000
#: Longest title of a scenario.
_MAX_TITLE = 300


def _refuse(message: str, game: NfgGame | GameTree, part: Hashable) -> GambitFormatError:
    """A :class:`GambitFormatError` at a part of the file the game was read from (see
    :class:`~.gambit.GambitSource`), or unlocated for a game made otherwise."""
    src = source_of(game)
    return GambitFormatError(message) if src is None else src.error(message, part)


def _check_title(title: str, game: NfgGame | GameTree) -> None:
    if len(title) > _MAX_TITLE:
        raise _refuse(
            f"the title has {len(title):,} characters; a scenario's title has at most {_MAX_TITLE}",
            game,
            "title",
        )


def _check_every_player_moves(tree: GameTree, moving: set[str]) -> None:
    silent = [i for i, p in enumerate(tree.players) if p not in moving]
    if silent:
        raise _refuse(
            f"player {tree.players[silent[0]]!r} never moves; scenarios need every player to move",
            tree,
            ("player", silent[0]),
        )


def _first_differing(g: Any, nodes: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The first node whose kind, mover or actions differ from the first one's."""

    def sig(n: tuple[int, ...]) -> tuple[Any, ...]:
        d = g.nodes[n]
        return (d["kind"], d.get("player"), tuple(d["actions"]))

    return next((n for n in nodes if sig(n) != sig(nodes[0])), nodes[0])


def check_imported(text: str, game: NfgGame | GameTree, part: Hashable) -> None:
    """Load an imported scenario's text; a problem is refused at ``part`` of the Gambit file.

    What the importers check beforehand covers the limits of scenario files that a
    Gambit game can meet; this is the last guard, so that what ``tradegame import``
    writes always loads and an error never points into text the user has not seen.

    Raises
    ------
    GambitFormatError
        ``the game does not fit in a scenario file: <the loader's first message>``,
        at ``part`` (see :class:`~.gambit.GambitSource`).
    """
    try:
        parse_scenario(text, "<imported>")
    except ScenarioError as exc:
        raise _refuse(
            f"the game does not fit in a scenario file: {exc.issues[0].message}", game, part
        ) from None


def _options(labels: Sequence[str], prefix: str) -> tuple[dict[str, Any], list[str]]:
    """Option names for Gambit's labels, and the options with their labels."""
    taken: set[str] = set()
    names = [_identifier(label, prefix, taken) for label in labels]
    return {n: {"label": lab} for n, lab in zip(names, labels, strict=True)}, names


def _stage_name(
    tree: GameTree,
    nodes: list[tuple[int, ...]],
    seen: list[int],
    stage_names: list[str],
    action_labels: list[tuple[str, ...]],
) -> str:
    """The stage name that makes export write this depth's information-set labels, or ''.

    Export labels an information set ``name`` when the mover has seen nothing,
    else ``name|<stage>=<action>,...`` over the stages seen (chance: all earlier
    stages). The name is found when every information set's label has that form.
    """
    g = tree.graph
    names: set[str] = set()
    for n in nodes:
        label = str(g.nodes[n].get("infoset_label") or "")
        if not seen:
            names.add(label)
            continue
        tail = "|" + ",".join(f"{stage_names[o]}={action_labels[o][n[o]]}" for o in seen)
        names.add(label[: -len(tail)] if label.endswith(tail) else "")
    name = names.pop() if len(names) == 1 else ""
    return name if name.strip() else ""


def _dump(doc: dict[str, Any], header: str) -> str:
    if not doc.get("description"):
        doc.pop("description", None)
    # Flow style for the innermost lists (table rows, matrix cells) keeps them on one line.
    return header + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else float(x)


def _fraction(x: float) -> float | str:
    f = Fraction(x).limit_denominator(10**9)
    return _number(x) if f.denominator == 1 or abs(float(f) - x) > 1e-15 else float(f)


def _observed(tree: GameTree, nodes: list[tuple[int, ...]], s: int) -> list[int] | None:
    """Earlier stages the mover at depth s sees, or None when it sees them all.

    Raises
    ------
    GambitFormatError
        When the information sets are not "same actions at the stages seen".
    """
    g = tree.graph
    groups: dict[Any, list[tuple[int, ...]]] = {}
    for n in nodes:
        groups.setdefault(g.nodes[n]["infoset"], []).append(n)
    seen = [
        t for t in range(s) if all(len({m[t] for m in members}) == 1 for members in groups.values())
    ]
    # The information sets must be exactly "same actions at the seen stages".
    by_seen: dict[tuple[int, ...], set[Any]] = {}
    for n in nodes:
        seen_here = tuple(n[t] for t in seen)
        by_seen.setdefault(seen_here, set()).add(g.nodes[n]["infoset"])
        if len(by_seen[seen_here]) != 1:
            raise _refuse(
                f"only stage games can become scenarios: the information sets at depth "
                f"{s + 1} are not 'what the mover has seen of earlier moves'",
                tree,
                n,
            )
    return None if seen == list(range(s)) else seen


# ----------------------------------------------------------------------- import as a tree

#: The most players a scenario has.
_MAX_PLAYERS = 16
#: A chance probability as written: a whole number, ``"p/q"``, or a float.
_Probability = int | float | str


def tree_scenario_from_efg(tree: GameTree, source: str = "") -> str:
    """A scenario with a ``tree:`` (YAML text) for any extensive game read from ``.efg``.

    The scenario holds the tree node by node, and everything of the file that a
    Gambit game is: exporting it as ``.efg`` writes the same file (renumbered in
    order of first appearance, as tradegame's writer does). Names:

    * players: their labels made names (:func:`_identifier`; ``chance`` is
      reserved), with the label kept as ``label:``;
    * levers: one per information set (a chance lever per chance information set),
      named after its label when it has one (made a name), else
      ``<player>_<k>`` (``chance_<k>``) with *k* the information set's number
      among the player's in order of first appearance in preorder; a non-empty
      label is kept in ``tree.infoset_labels``;
    * options: their action labels made names, each name distinct within its lever
      (two chance actions labelled ``1/2`` become ``a1_2`` and ``a1_2_2``), with the
      label kept as ``label:`` wherever the name differs from it;
    * outcomes: their labels made names, ``outcome<k>`` (*k*: its number in order
      of first appearance) when the label has no letter, digit or underscore,
      with the label kept as ``label:`` wherever the name differs (an empty label
      too). Outcomes are told apart by the nodes' ``outcome_key`` (the outcome
      number :func:`~.gambit.read_efg` records), else by label and payoffs.

    Chance probabilities are written exactly: a fraction with a denominator up to
    10^6 as the expression ``"p/q"`` (which evaluates to the same float), any other
    number as a float (whose text reads back to the same float); the Gambit writer
    turns each back into the same rational. Node labels, outcomes on non-terminal
    nodes and terminal nodes without an outcome are kept; title and comment
    become the title and the description.

    The nested ``tree.root`` is written by :func:`_tree_lines`, a loop over the
    nodes with an explicit stack, so deep trees never meet Python's recursion
    limit here (the rest of the file is shallow and written by PyYAML).

    Raises
    ------
    GambitFormatError
        With a one-line reason, when the scenario format cannot hold the tree: no
        players or more than 16, a player who never moves, a tree deeper than
        scenario files nest, or any other limit of scenario files (the text is
        loaded before it is returned).
    """
    n = len(tree.players)
    if not 1 <= n <= _MAX_PLAYERS:
        raise _refuse(
            f"the game has {n} player{'s' if n != 1 else ''}; scenarios with a tree have 1 to "
            f"{_MAX_PLAYERS} players",
            tree,
            "players",
        )
    _check_title(tree.title, tree)
    g = tree.graph
    nodes = tree.nodes()
    # YAML nesting of each node: the document, 'tree:', 'root:' at 2, then two levels
    # ('then:' and the child) per move; a node written as a mapping adds one for its values.
    too_deep = [
        h for h in nodes if 2 + 2 * len(h) + (0 if _is_bare_terminal(g.nodes[h]) else 1) > MAX_DEPTH
    ]
    if too_deep:
        raise _refuse(
            f"the tree has plays {max(map(len, nodes))} moves long; scenario files nest at "
            f"most {MAX_DEPTH} levels, which holds trees about {(MAX_DEPTH - 3) // 2} moves deep",
            tree,
            too_deep[0],
        )
    player_taken: set[str] = set()
    player_names = {
        p: _identifier(p, "player", player_taken, _PLAYER_RESERVED) for p in tree.players
    }
    levers, infoset_labels, options = _tree_levers(tree, player_names)
    _check_every_player_moves(tree, {who for who, _ in levers.values() if who is not None})
    outcome_of, outcomes = _tree_outcomes(tree, player_names, NO_OUTCOME)
    _check_yaml_size(tree, nodes, outcome_of, len(outcomes))

    players_doc: dict[str, Any] = {
        player_names[p]: {"label": p, "levers": {}} for p in tree.players
    }
    chance_doc: dict[str, Any] = {}
    for key, (who, lever) in levers.items():
        d = g.nodes[options[key][0]]
        names = options[key][1]
        labels = [str(a) for a in d["actions"]]
        if who is None:
            chance_doc[lever] = {
                "options": {
                    name: _probability(p)
                    if name == label
                    else {"probability": _probability(p), "label": label}
                    for name, label, p in zip(names, labels, d["probs"], strict=True)
                }
            }
        elif names == labels:
            players_doc[player_names[who]]["levers"][lever] = list(names)
        else:
            players_doc[player_names[who]]["levers"][lever] = {
                name: {} if name == label else {"label": label}
                for name, label in zip(names, labels, strict=True)
            }

    # Each node as YAML data, built in preorder: a child is added to its parent's
    # 'then:', whose option order is then the action order.
    then: dict[tuple[int, ...], dict[str, Any]] = {}
    root: dict[str, Any] = {}
    for h in nodes:
        d = g.nodes[h]
        outcome = outcome_of.get(h)
        label = str(d.get("name") or "")
        rep: Any
        if _is_bare_terminal(d):
            rep = outcome
        else:
            rep = {}
            if d["kind"] != "terminal":
                rep["move"] = levers[_infoset_key(d)][1]
            if label:
                rep["label"] = label
            if outcome is not None:
                rep["outcome"] = outcome
            if d["kind"] != "terminal":
                rep["then"] = then[h] = {}
        if h:
            parent = g.nodes[h[:-1]]
            then[h[:-1]][options[_infoset_key(parent)][1][h[-1]]] = rep
        else:
            root = rep
    doc = {
        "tradegame": 1,
        "title": tree.title or "Imported extensive game",
        "description": tree.comment,
        "players": players_doc,
        **({"chance": chance_doc} if chance_doc else {}),
        "analysis": {"samples": 1},
        # Last, so that 'root:' can follow as the last key of 'tree:'.
        "tree": {
            **({"infoset_labels": infoset_labels} if infoset_labels else {}),
            "outcomes": outcomes,
        },
    }
    text = _dump(doc, f"# Imported from Gambit ({source}) by tradegame import\n")
    text += "\n".join(_tree_lines("root", root, indent=2)) + "\n"
    check_imported(text, tree, ())
    return text


def _check_yaml_size(
    tree: GameTree, nodes: list[tuple[int, ...]], outcome_of: Mapping[Any, str], n_outcomes: int
) -> None:
    """Refuse, at the node where it happens, a tree whose scenario has more YAML values
    than a scenario file holds (counted as the loader counts them, before writing it).

    Each outcome is at least a key, a mapping, ``payoffs:`` and its mapping, and a key
    and a value per player; each node a key (its option, or ``root``) and either a bare
    outcome name or a mapping with ``move:`` and ``then:`` and their values, and
    ``label:`` and ``outcome:`` when it has them. The rest of the file is not counted,
    so this is a lower bound and :func:`check_imported` stays the last guard.
    """
    g = tree.graph
    count = n_outcomes * (4 + 2 * len(tree.players))
    for h in nodes:
        d = g.nodes[h]
        if _is_bare_terminal(d):
            count += 2
        else:
            count += 2 + 2 * (d["kind"] != "terminal") * 2
            count += 2 * bool(d.get("name")) + 2 * (h in outcome_of)
        if count > MAX_NODES:
            raise _refuse(
                f"the tree is too large for a scenario file: its scenario has more than "
                f"{MAX_NODES:,} YAML values by this node (the most a scenario file holds; "
                f"the tree has {len(nodes):,} nodes)",
                tree,
                h,
            )


#: Longest line :func:`_tree_lines` writes a mapping of names on (else one key a line).
_FLOW_WIDTH = 100


def _tree_lines(key: str, value: Any, indent: int) -> list[str]:
    """``key: value`` as YAML lines, for nested mappings of scalars, without recursion.

    Block style, except that a mapping whose values are all scalars is written on one
    line (``{fight: war, accommodate: share}``) when that line is at most 100
    characters, as PyYAML's ``default_flow_style=None`` does.
    """
    lines: list[str] = []
    stack: list[tuple[int, str, Any]] = [(indent, key, value)]
    while stack:
        at, k, v = stack.pop()
        head = f"{' ' * at}{_yaml_scalar(k)}:"
        if not isinstance(v, dict):
            lines.append(f"{head} {_yaml_scalar(v)}")
            continue
        if not any(isinstance(x, dict) for x in v.values()):
            items = ", ".join(f"{_yaml_scalar(a)}: {_yaml_scalar(b)}" for a, b in v.items())
            line = f"{head} {{{items}}}"
            if len(line) <= _FLOW_WIDTH or not v:
                lines.append(line)
                continue
        lines.append(head)
        stack.extend((at + 2, a, b) for a, b in reversed(v.items()))
    return lines


#: Characters YAML reads as line breaks.
_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")


#: Names that may be written plain, if YAML does not read them as something else.
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STR_TAG = "tag:yaml.org,2002:str"


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _yaml_scalar(value: Any) -> str:
    """A scalar as YAML text on one line, valid as a key or value in block or flow style.

    PyYAML's own choice of style in a flow sequence (plain when it can, quoted when it
    must), or double quotes (with escapes) when that would span lines. A name that
    YAML reads as a string is plain at once (what PyYAML writes for it); other values
    go through PyYAML, cached: a tree's names and outcomes repeat, and one PyYAML
    round trip costs about 0.1 ms, which made 50,000-node trees take half a minute.
    """
    if (
        isinstance(value, str)
        and _PLAIN_NAME.fullmatch(value)
        and yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG
    ):
        return value
    styles: tuple[dict[str, Any], ...] = (
        {"allow_unicode": True},
        {"allow_unicode": True, "default_style": '"'},
        {"default_style": '"'},
    )
    for style in styles:
        text = yaml.safe_dump([value], default_flow_style=True, width=2**31, **style)
        body = text.strip()[1:-1]
        if not _LINE_BREAKS.intersection(body) and yaml.safe_load(f"[{body}]") == [value]:
            return body
    raise ValueError(f"cannot write {value!r} as a YAML scalar on one line")


def _is_bare_terminal(d: dict[str, Any]) -> bool:
    """Whether a node is written as a bare outcome name (a terminal without a label)."""
    return bool(d["kind"] == "terminal" and d.get("payoffs") is not None and not d.get("name"))


def _infoset_key(d: dict[str, Any]) -> tuple[str | None, Any]:
    """A node's information set, told apart by mover (``None``: chance)."""
    return (None if d["kind"] == "chance" else d["player"], d["infoset"])


def _tree_levers(
    tree: GameTree, player_names: dict[str, str]
) -> tuple[
    dict[tuple[str | None, Any], tuple[str | None, str]],
    dict[str, str],
    dict[tuple[str | None, Any], tuple[tuple[int, ...], list[str]]],
]:
    """One lever per information set, in order of first appearance in preorder.

    Returns
    -------
    levers : dict
        Information set -> (the mover's label, or ``None`` for chance; lever name).
    infoset_labels : dict
        Lever -> its information set's label (non-empty ones only).
    options : dict
        Information set -> (its first node, the option names of its actions).
    """
    g = tree.graph
    taken: set[str] = set()
    levers: dict[tuple[str | None, Any], tuple[str | None, str]] = {}
    infoset_labels: dict[str, str] = {}
    options: dict[tuple[str | None, Any], tuple[tuple[int, ...], list[str]]] = {}
    count: dict[str | None, int] = {}
    for h in tree.nodes():
        d = g.nodes[h]
        if d["kind"] == "terminal":
            continue
        key = _infoset_key(d)
        if key in levers:
            continue
        who = key[0]
        count[who] = count.get(who, 0) + 1
        if len(d["actions"]) > _MAX_OPTIONS:
            raise _refuse(
                f"this information set has {len(d['actions']):,} actions; a scenario's lever "
                f"has at most {_MAX_OPTIONS:,} options",
                tree,
                h,
            )
        if who is not None and count[who] > _MAX_LEVERS:
            raise _refuse(
                f"player {who!r} has more than {_MAX_LEVERS:,} information sets; a scenario's "
                f"player has at most {_MAX_LEVERS:,} levers",
                tree,
                h,
            )
        prefix = "chance" if who is None else player_names[who]
        label = str(d.get("infoset_label") or "")
        text = label if label.strip() else f"{prefix}_{count[who]}"
        lever = _identifier(text, prefix, taken)
        levers[key] = (who, lever)
        if label:
            infoset_labels[lever] = label
        _, names = _options([str(a) for a in d["actions"]], "a")
        options[key] = (h, names)
    return levers, infoset_labels, options


def _tree_outcomes(
    tree: GameTree, player_names: dict[str, str], reserved: str
) -> tuple[dict[tuple[int, ...], str], dict[str, Any]]:
    """The tree's outcomes, named, in order of first appearance in preorder.

    Returns
    -------
    outcome_of : dict
        Node -> the name of the outcome it pays (nodes with one only).
    outcomes : dict
        Name -> ``{label?, payoffs}`` as 'tree.outcomes' holds it.
    """
    g = tree.graph
    taken: set[str] = set()
    names: dict[Hashable, str] = {}
    outcome_of: dict[tuple[int, ...], str] = {}
    outcomes: dict[str, Any] = {}
    for h in tree.nodes():
        d = g.nodes[h]
        pay = d.get("payoffs")
        if pay is None:
            continue
        label = str(d.get("outcome") or "")
        values = tuple(float(x) for x in pay)
        ident = d.get("outcome_key")
        key: Hashable = ("merged", label, values) if ident is None else ("key", ident)
        if key not in names:
            usable = re.search(r"\w", label, flags=re.ASCII) is not None
            name = _identifier(
                label if usable else f"outcome{len(names) + 1}",
                "outcome",
                taken,
                frozenset({reserved}),
            )
            names[key] = name
            outcomes[name] = {
                **({} if name == label else {"label": label}),
                "payoffs": {
                    player_names[p]: _number(x) for p, x in zip(tree.players, values, strict=True)
                },
            }
        outcome_of[h] = names[key]
    return outcome_of, outcomes


def _probability(p: float) -> _Probability:
    """A chance probability as scenario text that evaluates to exactly ``p``."""
    f = fraction_of(float(p))
    if f.denominator == 1:
        return int(f)
    if f.denominator <= 10**6:
        return f"{f.numerator}/{f.denominator}"
    return float(p)

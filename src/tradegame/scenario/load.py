"""Loading a scenario: YAML text -> checked, compiled :class:`Scenario`.

Three passes, each reporting every problem it finds with file:line:column:

1. YAML (safe, with a source map; :mod:`tradegame.scenario.yaml_source`);
2. shape, by the pydantic models of :mod:`tradegame.scenario.schema`;
3. meaning: names unique and not reserved, payoffs for exactly the players,
   matrices of the right size, every expression compiled against the names
   it may use (:mod:`tradegame.scenario.expressions`).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import keyword
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from tradegame.errors import Location, ScenarioError, ScenarioIssue
from tradegame.scenario.expressions import (
    CompiledExpression,
    ExpressionError,
    Namespace,
    compile_expression,
)
from tradegame.scenario.schema import (
    Analysis,
    ChanceOption,
    MatrixPayoffs,
    ScenarioFile,
    TablePayoffs,
    TreeNode,
)
from tradegame.scenario.vocabulary import GameKind, NoEquilibrium, Solution
from tradegame.scenario.yaml_source import (
    STDIN,
    STDIN_NAME,
    SourceMap,
    YamlDocument,
    parse_yaml,
    read_yaml_file,
)

__all__ = [
    "MAX_PROFILES",
    "LeverSpec",
    "PlayerSpec",
    "Scenario",
    "StagePlan",
    "TreeNodePlan",
    "TreeOutcomePlan",
    "TreePlan",
    "load_scenario",
    "parse_scenario",
]

#: Most strategy profiles (product of all levers' option counts) in a scenario's game.
MAX_PROFILES = 5_000_000
#: Most nodes in a scenario's 'tree:'.
MAX_TREE_NODES = 200_000
#: The outcome of plays that end at a terminal node without an outcome (payoffs zero).
NO_OUTCOME = "no_outcome"

_RESERVED = frozenset(
    {
        "min",
        "max",
        "abs",
        "exp",
        "log",
        "sqrt",
        "where",
        "clip",
        "True",
        "False",
        "None",
        "otherwise",
    }
)


@dataclass(frozen=True)
class LeverSpec:
    """A lever: its name, option names and the numbers attached to options.

    ``fields[f][k]`` is field *f* of option *k*; expressions read it as
    ``<lever>_<f>``.
    """

    name: str
    options: tuple[str, ...]
    fields: Mapping[str, tuple[float, ...]]
    labels: tuple[str, ...] = ()
    """Display labels of the options (their names unless the file gives 'label')."""

    def label(self, k: int) -> str:
        return self.labels[k] if self.labels else self.options[k]


@dataclass(frozen=True)
class PlayerSpec:
    """A player and their levers, in file order."""

    name: str
    label: str
    levers: tuple[LeverSpec, ...]


@dataclass(frozen=True)
class StagePlan:
    """A checked stage of a sequential scenario.

    ``mover`` is a player's name, or ``None`` for a chance stage, whose single
    lever is ``levers[0]``. ``observes`` names the levers of earlier stages the
    mover has seen (``None``: all of them).
    """

    mover: str | None
    levers: tuple[str, ...]
    observes: tuple[str, ...] | None
    label: str
    delay: tuple[tuple[str, str, float], ...] = ()
    """(lever, option, periods): choosing the option delays the game by that many periods."""
    ends: tuple[tuple[str, str], ...] = ()
    """(lever, option): choosing the option ends the game (no later stage is played)."""


@dataclass(frozen=True)
class TreeNodePlan:
    """A checked node of a scenario's game tree.

    ``history`` is the tuple of option indices from the root (the node's key in
    :class:`~tradegame.model.tree.GameTree`); ``lever`` is ``None`` at a terminal
    node; ``mover`` is the lever's player, ``None`` for chance (and terminals);
    ``outcome`` indexes :attr:`TreePlan.outcomes` (``None``: no outcome here).
    """

    history: tuple[int, ...]
    path: tuple[str | int, ...]
    """Where the node is in the file (for error messages)."""
    lever: str | None
    mover: str | None
    label: str
    outcome: int | None


@dataclass(frozen=True)
class TreeOutcomePlan:
    """A checked outcome of a game tree: name, label and one payoff per player."""

    name: str
    label: str
    payoffs: tuple[CompiledExpression, ...]


@dataclass(frozen=True)
class TreePlan:
    """A scenario's game tree: nodes in preorder, outcomes, information-set labels."""

    nodes: tuple[TreeNodePlan, ...]
    outcomes: tuple[TreeOutcomePlan, ...]
    infoset_labels: Mapping[str, str]

    @property
    def terminals(self) -> tuple[TreeNodePlan, ...]:
        """Terminal nodes in preorder (the plays of the game)."""
        return tuple(n for n in self.nodes if n.lever is None)

    @property
    def is_perfect_information(self) -> bool:
        """Whether every player's lever moves at one node only (singleton information sets)."""
        counts: dict[str, int] = {}
        for n in self.nodes:
            if n.mover is not None and n.lever is not None:
                counts[n.lever] = counts.get(n.lever, 0) + 1
        return all(c == 1 for c in counts.values())


@dataclass(frozen=True)
class Scenario:
    """A loaded, checked and compiled scenario.

    Attributes
    ----------
    source : str
        The file it came from (or ``"<string>"``).
    sha256 : str
        SHA-256 of the file's text, recorded in results.
    spec : ScenarioFile
        The validated file contents.
    players : tuple of PlayerSpec
    terms : tuple of (name, CompiledExpression)
        In evaluation order.
    payoffs : tuple of CompiledExpression, or None
        One per player (expression form).
    cells : tuple of tuple of CompiledExpression, or None
        Payoffs given per profile (matrix and table forms): ``cells[p][i]`` is
        player *i*'s payoff at flat profile *p* (C order over all levers, in
        player order, or in stage order for sequential scenarios).
    outcomes : tuple of (label, CompiledExpression)
        Rules in order; the first that holds names the outcome.
    fallback_outcome : str
        Label of the ``otherwise`` rule.
    """

    source: str
    sha256: str
    spec: ScenarioFile
    players: tuple[PlayerSpec, ...]
    terms: tuple[tuple[str, CompiledExpression], ...]
    payoffs: tuple[CompiledExpression, ...] | None
    cells: tuple[tuple[CompiledExpression, ...], ...] | None
    outcomes: tuple[tuple[str, CompiledExpression], ...]
    fallback_outcome: str
    source_map: SourceMap | None = None
    stages: tuple[StagePlan, ...] | None = None
    """Sequential scenarios: the order of moves (``None`` for simultaneous games)."""
    chance: tuple[LeverSpec, ...] = ()
    """Chance levers, with ``chance_probabilities[k]`` the probability of each option."""
    chance_probabilities: tuple[tuple[CompiledExpression, ...], ...] = ()
    text: str = ""
    """The file's text (worker processes re-load the scenario from it)."""
    discounts: tuple[CompiledExpression | None, ...] = ()
    """Sequential scenarios: each player's discount factor per period of delay
    (``None``: no discounting); see :attr:`StagePlan.delay`."""
    tree: TreePlan | None = None
    """Scenarios with a 'tree:': the game tree (``None`` otherwise)."""

    def locate(self, path: tuple[str | int, ...]) -> Location:
        """File, line and column of a part of the scenario, e.g. ``("payoffs", "us")``."""
        if self.source_map is None:
            return Location(self.source)
        return self.source_map.locate(path)

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def kind(self) -> GameKind:
        """How the players move: a 'tree:', 'stages:', or simultaneously."""
        if self.tree is not None:
            return GameKind.TREE
        return GameKind.SIMULTANEOUS if self.stages is None else GameKind.STAGES

    @property
    def size_location(self) -> tuple[str, ...]:
        """Where the game's size is declared: the tree's root, 'stages:' or 'players:'."""
        if self.tree is not None:
            return ("tree", "root")
        return ("players",) if self.stages is None else ("stages",)

    @property
    def kind_location(self) -> tuple[str, ...]:
        """The section that makes the kind of game: 'tree:', 'stages:' or 'players:'."""
        return ("tree",) if self.tree is not None else self.size_location

    @property
    def kind_described(self) -> str:
        """The kind of game in the words of an error message ("a tree", "stages:")."""
        if self.tree is not None:
            return "a tree"
        return "simultaneous moves" if self.stages is None else "stages:"

    @property
    def axes(self) -> tuple[tuple[str, tuple[LeverSpec, ...], tuple[tuple[str, str], ...]], ...]:
        """The axes of the game's grid of profiles: ``(name, levers, ends)``.

        One per stage with 'stages:' (``ends``: the (lever, option) pairs that
        end the game), else one per player with that player's levers.
        """
        if self.stages is None:
            return tuple((p.name, p.levers, ()) for p in self.players)
        by_name = {lv.name: lv for p in self.players for lv in p.levers}
        by_name.update({lv.name: lv for lv in self.chance})
        return tuple(
            (st.label, tuple(by_name[n] for n in st.levers), st.ends) for st in self.stages
        )

    @property
    def is_sequential(self) -> bool:
        """Whether moves are sequential: the scenario has 'stages:' or a 'tree:'."""
        return self.stages is not None or self.tree is not None

    @property
    def is_tree(self) -> bool:
        """Whether the scenario gives its game tree node by node ('tree:')."""
        return self.tree is not None

    @property
    def no_equilibrium(self) -> NoEquilibrium:
        """What draws without a pure equilibrium play (the file's, else by player count)."""
        if self.spec.analysis.no_equilibrium is not None:
            return self.spec.analysis.no_equilibrium
        return NoEquilibrium.MIXED if len(self.players) == 2 else NoEquilibrium.QRE

    @property
    def solution(self) -> Solution:
        """The solution concept: the file's, else the one that fits the scenario."""
        if self.spec.analysis.solution is not None:
            return self.spec.analysis.solution
        return Solution.SUBGAME_PERFECT if self.is_sequential else Solution.PURE_NASH

    @property
    def analysis(self) -> Analysis:
        return self.spec.analysis

    @property
    def outcome_labels(self) -> tuple[str, ...]:
        """All outcome labels, rules first, the fallback last (no duplicates).

        Tree scenarios: the outcomes that end a play, in the order of 'tree.outcomes',
        then :data:`NO_OUTCOME` if some terminal node has none.
        """
        if self.tree is not None:
            used = {n.outcome for n in self.tree.terminals}
            names = [o.name for k, o in enumerate(self.tree.outcomes) if k in used]
            return (*names, NO_OUTCOME) if None in used else tuple(names)
        labels = [label for label, _ in self.outcomes]
        if self.fallback_outcome not in labels:
            labels.append(self.fallback_outcome)
        return tuple(labels)

    @property
    def levers(self) -> tuple[LeverSpec, ...]:
        return tuple(lv for p in self.players for lv in p.levers)


# --- pydantic errors -> located, readable messages ---------------------------


def _real_path(loc: tuple[Any, ...], data: Any) -> tuple[list[str | int], bool, bool]:
    """Split a pydantic error location into the path through the data.

    Returns the parts that exist in the document, whether the error is about a
    mapping key, and whether the location went through a union branch that
    does not match the data's type (such errors are noise: another branch's
    error describes the problem).
    """
    path: list[str | int] = []
    node = data
    is_key = False
    wrong_branch = False
    for part in loc:
        if part == "[key]":
            is_key = True
            continue
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(part, str):
            if part.startswith("list[") and not isinstance(node, list):
                wrong_branch = True
            elif part.startswith("dict[") and not isinstance(node, dict):
                wrong_branch = True
            elif part == "MatrixPayoffs" and not (isinstance(node, dict) and "matrix" in node):
                wrong_branch = True
            elif part == "TablePayoffs" and not (isinstance(node, dict) and "table" in node):
                wrong_branch = True
            elif part == "TreeNode" and isinstance(node, str):
                wrong_branch = True  # a child given as an outcome's name
            elif part == "constrained-str" and isinstance(node, dict):
                wrong_branch = True  # a child given as a node
            elif (
                part.startswith("dict[")
                and isinstance(node, dict)
                and ("matrix" in node or "table" in node)
            ):
                wrong_branch = True
    return path, is_key, wrong_branch


@functools.cache
def _schema_keys() -> tuple[str, ...]:
    """Every key some part of the scenario format accepts (for "did you mean")."""
    from pydantic import BaseModel

    from tradegame.scenario import schema

    keys: set[str] = set()
    for obj in vars(schema).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            keys.update(obj.model_fields)
    return tuple(sorted(keys))


def _describe(error: Mapping[str, Any], path: list[str | int], is_key: bool) -> str:
    kind = error["type"]
    names = [p for p in path if isinstance(p, str)]
    field = names[-1] if names else "scenario"
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        others = [k for k in _schema_keys() if k != key]  # a key valid elsewhere is misplaced
        close = difflib.get_close_matches(key, others, n=1, cutoff=0.75)
        return f"unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else "")
    if kind == "missing":
        return f"missing required key {str(error['loc'][-1])!r}"
    if kind in ("model_type", "string_type") and len(path) >= 2 and path[-2] == "then":
        return (
            f"{field}: a node of the tree (a mapping with 'move:' or 'outcome:') or the "
            "name of an outcome"
        )
    if kind == "union_tag_invalid":
        return (
            f"unknown distribution {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
        )
    if kind == "union_tag_not_found":
        return (
            "a parameter needs 'dist:' (normal, truncnormal, lognormal, uniform, "
            "triangular, beta, fixed or choice), or is a bare number"
        )
    if kind == "literal_error" and field == "tradegame":
        return "unsupported format version: this is tradegame format 1 ('tradegame: 1')"
    if kind == "string_pattern_mismatch":
        what = "name" if is_key else f"{field}"
        return (
            f"{what} {error.get('input')!r} is not a valid name: use letters, digits and "
            "underscores, not starting with a digit"
        )
    if kind == "too_short":
        return f"{field}: needs at least {ctx.get('min_length')}, has {ctx.get('actual_length')}"
    if kind in ("too_long", "too_short") and len(path) == 4 and path[:2] == ["payoffs", "matrix"]:
        return (
            "a matrix cell is [row player's payoff, column player's payoff]; put an "
            "expression that contains a comma in quotes"
        )
    if kind == "too_long":
        return f"{field}: at most {ctx.get('max_length')} allowed"
    msg = str(error["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{field}: {msg}"


def _pydantic_issues(exc: ValidationError, source: SourceMap, data: Any) -> list[ScenarioIssue]:
    issues: list[ScenarioIssue] = []
    seen: set[tuple[int, int]] = set()
    for error in exc.errors(include_url=False):
        path, is_key, wrong_branch = _real_path(tuple(error["loc"]), data)
        if wrong_branch:
            continue
        key = is_key or error["type"] == "extra_forbidden"
        if error["type"] == "extra_forbidden":
            path = [*path, error["loc"][-1]]
        location = source.locate(tuple(path), key=key)
        # One message per place: union branches can fail the same value twice.
        if (location.line, location.column) in seen:
            continue
        seen.add((location.line, location.column))
        issues.append(ScenarioIssue(location, _describe(error, path, is_key)))
    if not issues:  # every error was in a non-matching branch: report the first plainly
        error = exc.errors(include_url=False)[0]
        path, is_key, _ = _real_path(tuple(error["loc"]), data)
        issues.append(ScenarioIssue(source.locate(tuple(path)), _describe(error, path, is_key)))
    return issues


# --- meaning ------------------------------------------------------------------


class _IssueLog:
    """Problems found in a document, each located in the file."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.src = doc.source
        self.issues: list[ScenarioIssue] = []
        self.lines = doc.text.splitlines()

    def add(self, path: tuple[str | int, ...], message: str, *, key: bool = False) -> None:
        self.issues.append(ScenarioIssue(self.src.locate(path, key=key), message))

    def add_expression_error(self, path: tuple[str | int, ...], exc: ExpressionError) -> None:
        loc = self.src.locate(path)
        line, column = loc.line, loc.column
        # Point inside the expression when it sits on one line of the file as written.
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        rest = text[column - 1 :]
        if exc.line == 0 and rest[:1] in ("'", '"'):
            column += 1 + exc.offset
        elif exc.line == 0 and rest[:1] not in ("|", ">"):
            column += exc.offset
        self.issues.append(ScenarioIssue(Location(loc.file, line, column), exc.message))


class _Checker(_IssueLog):
    """Checks what needs the whole (schema-valid) file: names, expressions, sizes."""

    def __init__(self, doc: YamlDocument, spec: ScenarioFile) -> None:
        super().__init__(doc)
        self.spec = spec

    def players(self) -> tuple[PlayerSpec, ...]:
        out = []
        for pname, player in self.spec.players.items():
            if pname == "chance":
                # Results file chance levers under 'chance', beside the players.
                self.add(
                    ("players", pname),
                    "'chance' is reserved for chance moves; name the player otherwise",
                    key=True,
                )
            levers: list[LeverSpec] = []
            if player.strategies is not None:
                raw: dict[str, Any] = {pname: player.strategies}
            else:
                raw = dict(player.levers or {})
            for lname, options in raw.items():
                base = (
                    ("players", pname, "levers", lname)
                    if player.levers
                    else ("players", pname, "strategies")
                )
                if isinstance(options, list):
                    names = tuple(options)
                    labels = names
                    fields: dict[str, tuple[float, ...]] = {}
                else:
                    names = tuple(options)
                    for opt, values in options.items():
                        for key, value in (values or {}).items():
                            if (key == "label") != isinstance(value, str):
                                self.add(
                                    (*base, opt, key),
                                    f"{key!r} of option {opt!r} must be "
                                    + ("text" if key == "label" else "a number"),
                                )
                    labels = tuple(str((options[o] or {}).get("label", o)) for o in names)
                    options = {
                        o: {k: v for k, v in (options[o] or {}).items() if k != "label"}
                        for o in names
                    }
                    field_sets = [set((v or {}).keys()) for v in options.values()]
                    all_fields = sorted(set().union(*field_sets))
                    for opt, fs in zip(names, field_sets, strict=True):
                        missing = [f for f in all_fields if f not in fs]
                        if missing:
                            self.add(
                                (*base, opt),
                                f"option {opt!r} of lever {lname!r} lacks "
                                f"{', '.join(missing)} (every option needs the same numbers)",
                            )
                    # A non-number was reported above; 0.0 stands in so checking goes on.
                    fields = {
                        f: tuple(
                            float(v)
                            if isinstance(v := (options[o] or {}).get(f, 0.0), int | float)
                            else 0.0
                            for o in names
                        )
                        for f in all_fields
                    }
                if len(set(names)) != len(names):
                    dup = sorted({n for n in names if names.count(n) > 1})
                    self.add(base, f"lever {lname!r} lists option {dup[0]!r} twice")
                levers.append(LeverSpec(lname, names, fields, labels))
            out.append(PlayerSpec(pname, player.label or pname, tuple(levers)))
        return tuple(out)

    def namespace(self, players: tuple[PlayerSpec, ...]) -> tuple[Namespace, list[str]]:
        """Check that names are unique and not reserved; return the namespace."""
        owners: dict[str, tuple[str, tuple[str | int, ...]]] = {}

        def claim(name: str, what: str, path: tuple[str | int, ...]) -> None:
            if name in _RESERVED or keyword.iskeyword(name):
                self.add(path, f"{what} name {name!r} is reserved; choose another", key=True)
            elif name in owners:
                other = owners[name][0]
                self.add(path, f"{what} name {name!r} is already used by {other}", key=True)
            else:
                owners[name] = (what, path)

        for p in players:
            for lv in p.levers:
                path: tuple[str | int, ...] = ("players", p.name, "levers", lv.name)
                if self.spec.players[p.name].strategies is not None:
                    path = ("players", p.name, "strategies")
                claim(lv.name, f"lever of {p.name}", path)
        for cname in self.spec.chance:
            claim(cname, "chance lever", ("chance", cname))
        for p in players:
            for lv in p.levers:
                for f in lv.fields:
                    claim(
                        f"{lv.name}_{f}",
                        f"option field of lever {lv.name!r}",
                        ("players", p.name, "levers", lv.name),
                    )
        for name in self.spec.parameters:
            claim(name, "parameter", ("parameters", name))
        terms: list[str] = []
        for name in self.spec.terms:
            claim(name, "term", ("terms", name))
            terms.append(name)
        numbers = {
            n
            for n, (what, _) in owners.items()
            if not what.startswith("lever of") and what != "chance lever"
        }
        levers = {lv.name: lv.options for p in players for lv in p.levers}
        levers.update({c: tuple(spec.options) for c, spec in self.spec.chance.items()})
        return Namespace(frozenset(numbers - set(terms)), levers), terms

    def _stage_options(
        self, players: tuple[PlayerSpec, ...], levers: tuple[str, ...]
    ) -> dict[str, tuple[str, ...]]:
        """Options of each of a stage's levers (player levers or a chance lever)."""
        options = {lv.name: lv.options for p in players for lv in p.levers}
        options.update({c: tuple(cl.options) for c, cl in self.spec.chance.items()})
        return {lv: options[lv] for lv in levers if lv in options}

    def stages(self, players: tuple[PlayerSpec, ...]) -> tuple[StagePlan, ...] | None:
        """Check 'stages:' against players and chance levers."""
        if self.spec.stages is None:
            for cname in self.spec.chance:
                self.add(
                    ("chance", cname),
                    "chance levers need 'stages:' saying when they happen",
                    key=True,
                )
            return None
        owner = {lv.name: p.name for p in players for lv in p.levers}
        by_player = {p.name: [lv.name for lv in p.levers] for p in players}
        decided: dict[str, int] = {}
        plans: list[StagePlan] = []
        for k, st in enumerate(self.spec.stages):
            path: tuple[str | int, ...] = ("stages", k)
            if st.chance is not None:
                if st.chance not in self.spec.chance:
                    self.add(
                        (*path, "chance"),
                        f"unknown chance lever {st.chance!r}"
                        f"{_suggest_name(st.chance, list(self.spec.chance))}; declare it "
                        "under 'chance:'",
                    )
                    continue
                levers: tuple[str, ...] = (st.chance,)
                mover = None
                label = st.label or self.spec.chance[st.chance].label or st.chance
            else:
                assert st.player is not None
                if st.player not in by_player:
                    self.add(
                        (*path, "player"),
                        f"unknown player {st.player!r}{_suggest_name(st.player, list(by_player))}",
                    )
                    continue
                levers = tuple(st.levers or by_player[st.player])
                bad = [lv for lv in levers if owner.get(lv) != st.player]
                for lv in bad:
                    whose = f"a lever of {owner[lv]}" if lv in owner else "not a lever"
                    self.add(
                        (*path, "levers"),
                        f"{lv!r} is {whose}; {st.player}'s levers are "
                        f"{', '.join(by_player[st.player])}",
                    )
                if bad:
                    continue
                mover = st.player
                label = st.label or "/".join(levers)
            for lv in levers:
                if lv in decided:
                    self.add(path, f"lever {lv!r} is already decided at stage {decided[lv] + 1}")
                decided[lv] = k
            observes = None
            if st.observes is not None:
                for o in st.observes:
                    if o not in decided or decided[o] >= k:
                        self.add(
                            (*path, "observes"),
                            f"stage {k + 1} cannot observe {o!r}: "
                            "only levers decided at earlier stages",
                        )
                observes = tuple(st.observes)
            if label in (plan.label for plan in plans):
                # Results name stages by label: two alike would overwrite each other.
                self.add(
                    (*path, "label") if st.label is not None else path,
                    f"stage label {label!r} is used by an earlier stage; give this one a 'label:'",
                )
            delay: list[tuple[str, str, float]] = []
            for opt, periods in (st.delay or {}).items():
                options_of = self._stage_options(players, levers)
                owners = [lv for lv, opts in options_of.items() if opt in opts]
                if len(owners) != 1:
                    known = sorted({o for opts in options_of.values() for o in opts})
                    self.add(
                        (*path, "delay", opt),
                        f"delay option {opt!r} is "
                        + (
                            "an option of several levers here; rename one"
                            if owners
                            else f"not an option of this stage{_suggest_name(opt, known)}"
                        ),
                        key=True,
                    )
                    continue
                delay.append((owners[0], opt, float(periods)))
            ends: list[tuple[str, str]] = []
            for j, opt in enumerate(st.ends or ()):
                options_of = self._stage_options(players, levers)
                owners = [lv for lv, opts in options_of.items() if opt in opts]
                if len(owners) != 1:
                    known = sorted({o for opts in options_of.values() for o in opts})
                    self.add(
                        (*path, "ends", j),
                        f"'ends' option {opt!r} is "
                        + (
                            "an option of several levers here; rename one"
                            if owners
                            else f"not an option of this stage{_suggest_name(opt, known)}"
                        ),
                    )
                    continue
                if (owners[0], opt) in ends:
                    self.add((*path, "ends", j), f"'ends' lists option {opt!r} twice")
                    continue
                ends.append((owners[0], opt))
            plans.append(StagePlan(mover, levers, observes, label, tuple(delay), tuple(ends)))
        for lv, p in owner.items():
            if lv not in decided:
                self.add(("stages",), f"lever {lv!r} of {p} is not decided at any stage")
        for cname in self.spec.chance:
            if cname not in decided:
                self.add(
                    ("chance", cname), f"chance lever {cname!r} is not used by any stage", key=True
                )
        if any(plan.ends for plan in plans) and len(plans) == len(self.spec.stages):
            for k, plan in enumerate(plans):
                earlier = {lv for p in plans[:k] for lv in p.levers}
                if plan.observes is not None and set(plan.observes) != earlier:
                    self.add(
                        ("stages", k, "observes"),
                        "a scenario whose stages end the game ('ends:') needs perfect "
                        "information: every stage observes every earlier one (the reduced "
                        "normal form would count strategies at histories never played)",
                    )
        if isinstance(self.spec.payoffs, MatrixPayoffs):
            self.add(
                ("payoffs", "matrix"),
                "sequential scenarios give payoffs as expressions, one per player, not a matrix",
            )
        solution = self.spec.analysis.solution
        if solution is not None and solution != Solution.SUBGAME_PERFECT:
            # The simultaneous-move concepts (pure_nash, correlated, ...) do not apply.
            self.add(
                ("analysis", "solution"),
                f"'{solution}' is for simultaneous-move scenarios; this one has 'stages:' and "
                "is solved with 'subgame_perfect' (backward induction; or leave it out)",
            )
        return tuple(plans)

    def compile(
        self, text: Any, ns: Namespace, path: tuple[str | int, ...]
    ) -> CompiledExpression | None:
        try:
            return compile_expression(text, ns)
        except ExpressionError as exc:
            self.add_expression_error(path, exc)
            return None


def _suggest_name(name: str, candidates: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _discounts(
    ck: _Checker,
    spec: ScenarioFile,
    players: tuple[PlayerSpec, ...],
    stages: tuple[StagePlan, ...] | None,
    numbers: Namespace,
) -> tuple[CompiledExpression | None, ...]:
    """Each player's compiled discount factor per period of delay (None: no discounting)."""
    delays = stages is not None and any(plan.delay for plan in stages)
    out: list[CompiledExpression | None] = []
    for p in players:
        text = spec.players[p.name].discount
        path: tuple[str | int, ...] = ("players", p.name, "discount")
        compiled = None
        if text is not None and not delays:
            ck.add(
                path,
                "'discount' needs stages with 'delay:' options (what delays the game); "
                "without them it changes nothing",
                key=True,
            )
        elif text is not None:
            # Like chance probabilities, a discount varies by draw only.
            compiled = ck.compile(text, numbers, path)
            if compiled is not None and not compiled.names:
                value = float(compiled.evaluate({}))
                if not 0 < value <= 1:
                    ck.add(path, f"discount {value:g} must be in (0, 1]")
        out.append(compiled)
    return tuple(out)


def _check_meaning(doc: YamlDocument, spec: ScenarioFile, name: str) -> Scenario:
    ck = _Checker(doc, spec)
    players = ck.players()
    is_tree = spec.tree is not None
    if is_tree:
        stages = None
        _check_tree_sections(ck, spec)
    else:
        stages = ck.stages(players)
        for key in ("payoffs", "outcomes"):
            if getattr(spec, key) is None:
                ck.add((), f"missing required key {key!r} (or give the game as a 'tree:')")
        if len(spec.players) < 2:
            ck.add(
                ("players",),
                "a game needs 2 to 16 players (a one-player decision problem can be given "
                "as a 'tree:')",
            )
        if ck.issues:  # as a schema error: later checks would only repeat it
            raise ScenarioError(ck.issues)
    if stages is None and not is_tree and spec.analysis.solution == Solution.SUBGAME_PERFECT:
        ck.add(
            ("analysis", "solution"),
            "'subgame_perfect' needs 'stages:' or a 'tree:' (the order of "
            "moves); simultaneous games use 'pure_nash'",
        )
    chance_levers = tuple(
        LeverSpec(
            c,
            tuple(cl.options),
            {},
            tuple(v.label if isinstance(v, ChanceOption) else o for o, v in cl.options.items()),
        )
        for c, cl in spec.chance.items()
    )
    n_profiles = math.prod(len(lv.options) for p in players for lv in p.levers) * math.prod(
        len(lv.options) for lv in chance_levers
    )
    if n_profiles > MAX_PROFILES and not is_tree:
        sizes = " x ".join(str(len(lv.options)) for p in players for lv in p.levers)
        ck.add(
            ("players",),
            f"the game has {n_profiles:,} strategy profiles ({sizes} options), "
            f"more than the {MAX_PROFILES:,} tradegame can solve; use fewer levers or options",
        )
        raise ScenarioError(ck.issues)
    ns, term_names = ck.namespace(players)
    # Option fields vary by profile, like levers: not usable where only draws vary.
    option_fields = frozenset(
        f"{lv.name}_{f}" for p in players for lv in p.levers for f in lv.fields
    )
    if isinstance(spec.payoffs, MatrixPayoffs | TablePayoffs) or is_tree:
        # Matrix and table cells (and tree outcomes) are numbers per draw; terms feeding
        # them cannot read levers.
        ns = Namespace(ns.numbers - option_fields, {}, ns.conditions)

    terms: list[tuple[str, CompiledExpression]] = []
    for tname in term_names:
        compiled = ck.compile(spec.terms[tname], ns, ("terms", tname))
        conditions = ns.conditions
        if compiled is not None:
            terms.append((tname, compiled))
            if compiled.is_boolean:
                conditions = conditions | {tname}
        ns = Namespace(ns.numbers | {tname}, ns.levers, conditions)

    # Chance probabilities vary by draw only: parameters and terms that read no lever.
    lever_names = set(ns.levers)
    lever_free = set(ns.numbers) - {t for t, _ in terms} - option_fields
    for tname, texpr in terms:
        if not (texpr.names & lever_names) and texpr.names <= lever_free | {tname}:
            lever_free.add(tname)
    probability_ns = Namespace(frozenset(lever_free), {}, ns.conditions)
    chance_probabilities = []
    for cname, cl in spec.chance.items():
        compiled_probs = [
            ck.compile(
                v.probability if isinstance(v, ChanceOption) else v,
                probability_ns,
                ("chance", cname, "options", opt)
                + (("probability",) if isinstance(v, ChanceOption) else ()),
            )
            for opt, v in cl.options.items()
        ]
        chance_probabilities.append(tuple(c for c in compiled_probs if c is not None))
        if all(c is not None and not c.names for c in compiled_probs):
            # Numbers only: check them now, not in the first draw of a run.
            fixed = [float(c.evaluate({})) for c in compiled_probs if c is not None]
            listed = ", ".join(f"{p:g}" for p in fixed)
            if not all(math.isfinite(p) for p in fixed):
                # Checked first: fsum refuses a sum of inf and -inf with a ValueError.
                ck.add(
                    ("chance", cname, "options"),
                    f"probabilities of chance lever {cname!r} are {listed}: they must be "
                    "finite, non-negative and sum to 1",
                )
            elif any(p < 0 for p in fixed) or not math.isclose(
                math.fsum(fixed), 1.0, rel_tol=0, abs_tol=1e-9
            ):
                ck.add(
                    ("chance", cname, "options"),
                    f"probabilities of chance lever {cname!r} are {listed} "
                    f"(sum {math.fsum(fixed):g}): they must be non-negative and sum to 1",
                )

    discounts = _discounts(ck, spec, players, stages, probability_ns)

    payoffs: tuple[CompiledExpression, ...] | None = None
    cells: tuple[tuple[CompiledExpression, ...], ...] | None = None
    tree = _tree_plan(ck, spec, players, chance_levers, probability_ns) if is_tree else None
    if spec.payoffs is None:
        pass
    elif isinstance(spec.payoffs, TablePayoffs):
        cells = _table_cells(ck, spec.payoffs, players, stages, chance_levers, ns)
    elif isinstance(spec.payoffs, MatrixPayoffs):
        if len(players) != 2:
            ck.add(
                ("payoffs", "matrix"),
                f"a payoff matrix needs exactly 2 players, this scenario has {len(players)}",
            )
        elif any(len(p.levers) != 1 for p in players):
            ck.add(
                ("payoffs", "matrix"),
                "a payoff matrix needs players given by 'strategies:' or a single lever each",
            )
        else:
            rows, cols = len(players[0].levers[0].options), len(players[1].levers[0].options)
            if len(spec.payoffs.matrix) != rows:
                ck.add(
                    ("payoffs", "matrix"),
                    f"matrix has {len(spec.payoffs.matrix)} rows; "
                    f"{players[0].name} has {rows} strategies",
                )
            matrix_cells = []
            for r, row in enumerate(spec.payoffs.matrix):
                if len(row) != cols:
                    ck.add(
                        ("payoffs", "matrix", r),
                        f"row {r + 1} has {len(row)} cells; "
                        f"{players[1].name} has {cols} strategies",
                    )
                cell_row = []
                for c, cell in enumerate(row):
                    pair = tuple(
                        ck.compile(v, ns, ("payoffs", "matrix", r, c, i))
                        for i, v in enumerate(cell)
                    )
                    cell_row.append(pair)
                matrix_cells.append(tuple(cell_row))
            if not ck.issues:
                cells = tuple(
                    tuple(x for x in pair if x is not None) for row in matrix_cells for pair in row
                )
    else:
        names = [p.name for p in players]
        missing = [n for n in names if n not in spec.payoffs]
        unknown = [p for p in spec.payoffs if p not in names]
        for pname in unknown:
            hint = f"; did you mean {missing[0]!r}?" if len(missing) == 1 == len(unknown) else ""
            ck.add(
                ("payoffs", pname),
                f"payoff for unknown player {pname!r}{hint} (players: {', '.join(names)})",
                key=True,
            )
        if missing and not unknown:
            ck.add(
                ("payoffs",),
                f"no payoff for player{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            )
        compiled_payoffs = [
            ck.compile(spec.payoffs[n], ns, ("payoffs", n)) for n in names if n in spec.payoffs
        ]
        if not missing and all(c is not None for c in compiled_payoffs):
            payoffs = tuple(c for c in compiled_payoffs if c is not None)

    outcomes: list[tuple[str, CompiledExpression]] = []
    fallback = ""
    labels = list(spec.outcomes or {})
    if spec.outcomes is None:
        pass
    elif "otherwise" not in spec.outcomes:
        ck.add(
            ("outcomes",),
            "the last outcome rule must be 'otherwise: <label>' (the outcome when no rule holds)",
        )
    elif labels[-1] != "otherwise":
        ck.add(("outcomes", "otherwise"), "'otherwise' must be the last outcome rule", key=True)
    else:
        fallback = spec.outcomes["otherwise"]
        if not fallback.isidentifier():
            ck.add(("outcomes", "otherwise"), f"outcome label {fallback!r} must be a name")
    # Outcome rules label profiles: they read every lever, chance levers included.
    levers = {lv.name: lv.options for p in players for lv in p.levers}
    levers.update({lv.name: lv.options for lv in chance_levers})
    outcome_ns = Namespace(ns.numbers | option_fields, levers, ns.conditions)
    for label, text in (spec.outcomes or {}).items():
        if label == "otherwise":
            continue
        compiled = ck.compile(text, outcome_ns, ("outcomes", label))
        if compiled is not None:
            if not compiled.is_boolean:
                ck.add(
                    ("outcomes", label),
                    f"outcome {label!r} needs a condition (true or "
                    f"false), e.g. tariffs == 'raise'; got a number",
                )
            outcomes.append((label, compiled))

    if ck.issues:
        raise ScenarioError(ck.issues)
    return Scenario(
        source=name,
        sha256=hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
        spec=spec,
        players=players,
        terms=tuple(terms),
        payoffs=payoffs,
        cells=cells,
        outcomes=tuple(outcomes),
        fallback_outcome=fallback,
        source_map=doc.source,
        stages=stages,
        chance=chance_levers,
        chance_probabilities=tuple(chance_probabilities),
        text=doc.text,
        discounts=discounts,
        tree=tree,
    )


def _check_tree_sections(ck: _Checker, spec: ScenarioFile) -> None:
    """A scenario with a 'tree:' has no stages, payoffs or outcome rules of its own."""
    for key, why in (
        ("stages", "the tree gives the order of moves"),
        ("payoffs", "the tree's outcomes carry the payoffs"),
        ("outcomes", "the outcome of a play is the outcome of the node where it ends"),
    ):
        if getattr(spec, key) is not None:
            ck.add((key,), f"a scenario with a 'tree:' has no '{key}:' ({why})", key=True)
    solution = spec.analysis.solution
    if solution is not None and solution != Solution.SUBGAME_PERFECT:
        ck.add(
            ("analysis", "solution"),
            f"'{solution}' is for simultaneous-move scenarios; a scenario with a 'tree:' is "
            "solved with 'subgame_perfect' (backward induction; or leave it out)",
        )
    for pname, player in spec.players.items():
        if player.discount is not None:
            ck.add(
                ("players", pname, "discount"),
                "'discount' needs stages with 'delay:' options; in a 'tree:' write the "
                "discounted payoffs into the outcomes",
                key=True,
            )


def _tree_plan(
    ck: _Checker,
    spec: ScenarioFile,
    players: tuple[PlayerSpec, ...],
    chance_levers: tuple[LeverSpec, ...],
    numbers: Namespace,
) -> TreePlan | None:
    """Check a scenario's 'tree:' and compile its outcomes' payoffs (None after problems).

    The nodes are walked in preorder with an explicit stack (trees may be deep).
    """
    assert spec.tree is not None
    tree = spec.tree
    base: tuple[str | int, ...] = ("tree",)
    owner = {lv.name: p.name for p in players for lv in p.levers}
    options = {lv.name: lv.options for p in players for lv in p.levers}
    options.update({lv.name: lv.options for lv in chance_levers})
    outcome_index = {name: k for k, name in enumerate(tree.outcomes)}
    if NO_OUTCOME in outcome_index:
        ck.add(
            (*base, "outcomes", NO_OUTCOME),
            f"{NO_OUTCOME!r} is reserved for plays that end without an outcome; choose another "
            "name",
            key=True,
        )
    for p in players:
        for lv in p.levers:
            if lv.fields:
                ck.add(
                    ("players", p.name, "levers", lv.name),
                    f"option fields ({', '.join(lv.fields)}) of lever {lv.name!r} have no use "
                    "in a tree, whose payoffs read no lever; write the numbers into the outcomes",
                )
    names = [p.name for p in players]
    compiled: list[TreeOutcomePlan] = []
    for oname, out in tree.outcomes.items():
        path = (*base, "outcomes", oname, "payoffs")
        missing = [n for n in names if n not in out.payoffs]
        for pname in out.payoffs:
            if pname not in names:
                ck.add(
                    (*path, pname),
                    f"payoff for unknown player {pname!r}{_suggest_name(pname, missing)} "
                    f"(players: {', '.join(names)})",
                    key=True,
                )
        if missing:
            if all(pname in names for pname in out.payoffs):  # else a misspelling, reported
                ck.add(path, f"no payoff for {', '.join(missing)} (every player needs one)")
            continue
        exprs = [ck.compile(out.payoffs[n], numbers, (*path, n)) for n in names]
        compiled.append(
            TreeOutcomePlan(
                oname,
                oname if out.label is None else out.label,
                tuple(e for e in exprs if e is not None),
            )
        )
    nodes: list[TreeNodePlan] = []
    used_levers: set[str] = set()
    used_outcomes: set[str] = set()
    stack: list[tuple[TreeNode | str, tuple[int, ...], tuple[str | int, ...]]] = [
        (tree.root, (), (*base, "root"))
    ]
    while stack:
        node, history, path = stack.pop()
        if len(nodes) >= MAX_TREE_NODES:
            ck.add((*base, "root"), f"the tree has more than {MAX_TREE_NODES:,} nodes")
            return None
        if isinstance(node, str):  # a terminal node given by its outcome's name
            node = TreeNode(outcome=node)
            outcome_path = path
        else:
            outcome_path = (*path, "outcome")
        outcome = None
        if node.outcome is not None:
            if node.outcome not in outcome_index:
                ck.add(
                    outcome_path,
                    f"unknown outcome {node.outcome!r}"
                    f"{_suggest_name(node.outcome, list(outcome_index))} (outcomes are "
                    "declared under 'tree: outcomes:')",
                )
            else:
                outcome = outcome_index[node.outcome]
                used_outcomes.add(node.outcome)
        lever = node.move
        if lever is None:
            if node.then is not None:
                ck.add((*path, "then"), "a node with 'then:' needs 'move:' (whose move it is)")
            nodes.append(TreeNodePlan(history, path, None, None, node.label or "", outcome))
            continue
        if lever not in options:
            ck.add(
                (*path, "move"),
                f"unknown lever {lever!r}{_suggest_name(lever, list(options))} (a player's "
                "lever or a chance lever)",
            )
            continue
        used_levers.add(lever)
        nodes.append(
            TreeNodePlan(history, path, lever, owner.get(lever), node.label or "", outcome)
        )
        if node.then is None:
            ck.add(
                (*path, "move"), f"the move {lever!r} needs 'then:': the node each option leads to"
            )
            continue
        opts = options[lever]
        unknown = [o for o in node.then if o not in opts]
        missing = [o for o in opts if o not in node.then]
        for o in unknown:
            ck.add(
                (*path, "then", o),
                f"{o!r} is not an option of {lever!r}{_suggest_name(o, missing)} "
                f"(options: {', '.join(opts)})",
                key=True,
            )
        if missing and not unknown:
            ck.add(
                (*path, "then"), f"no node for option {', '.join(map(repr, missing))} of {lever!r}"
            )
        if unknown or missing:
            continue
        # Children in the lever's option order; pushed reversed so preorder pops first.
        for a in reversed(range(len(opts))):
            stack.append((node.then[opts[a]], (*history, a), (*path, "then", opts[a])))
    if ck.issues:  # the walk stopped early: what it did not reach is not unused
        return None
    for p in players:
        for lv in p.levers:
            if lv.name not in used_levers:
                ck.add(
                    ("players", p.name, "levers", lv.name),
                    f"lever {lv.name!r} is never moved in the tree",
                    key=True,
                )
    for lv in chance_levers:
        if lv.name not in used_levers:
            ck.add(
                ("chance", lv.name),
                f"chance lever {lv.name!r} is never moved in the tree",
                key=True,
            )
    for oname in tree.outcomes:
        if oname not in used_outcomes:
            ck.add(
                (*base, "outcomes", oname),
                f"outcome {oname!r} is never reached: no node of the tree pays it",
                key=True,
            )
    for lname in tree.infoset_labels:
        if lname not in options:
            ck.add(
                (*base, "infoset_labels", lname),
                f"unknown lever {lname!r}{_suggest_name(lname, list(options))}",
                key=True,
            )
    if ck.issues:
        return None
    return TreePlan(tuple(nodes), tuple(compiled), dict(tree.infoset_labels))


def _table_cells(
    ck: _Checker,
    table: TablePayoffs,
    players: tuple[PlayerSpec, ...],
    stages: tuple[StagePlan, ...] | None,
    chance_levers: tuple[LeverSpec, ...],
    ns: Namespace,
) -> tuple[tuple[CompiledExpression, ...], ...] | None:
    """Per-profile payoffs from a table, or None after recording problems."""
    spec = table.table
    all_levers = {lv.name: lv for p in players for lv in p.levers}
    all_levers.update({lv.name: lv for lv in chance_levers})
    if stages is None:
        order = [lv.name for p in players for lv in p.levers]
    else:
        order = [name for st in stages for name in st.levers]
    base = ("payoffs", "table")
    if sorted(spec.levers) != sorted(order):
        missing = [x for x in order if x not in spec.levers]
        extra = [x for x in spec.levers if x not in order]
        detail = (
            "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(extra)}" if extra else "",
                )
                if part
            )
            or "a lever is listed twice"
        )
        ck.add((*base, "levers"), f"the table must list every lever once ({detail})")
        return None
    sizes = [len(all_levers[name].options) for name in order]
    n = len(players)
    width = len(spec.levers) + n
    found: dict[int, tuple[CompiledExpression, ...]] = {}
    lever_free = Namespace(ns.numbers, {}, ns.conditions)
    for r, row in enumerate(spec.rows):
        path = (*base, "rows", r)
        if len(row) != width:
            ck.add(
                path,
                f"row {r + 1} has {len(row)} entries; expected {width} "
                f"({len(spec.levers)} options, then {n} payoffs)",
            )
            continue
        index = []
        for j, name in enumerate(spec.levers):
            options = all_levers[name].options
            value = str(row[j])
            if value not in options:
                ck.add(
                    (*path, j),
                    f"{value!r} is not an option of {name!r} (options: {', '.join(options)})",
                )
                break
            index.append(options.index(value))
        else:
            by_name = dict(zip(spec.levers, index, strict=True))
            flat = int(np.ravel_multi_index([by_name[x] for x in order], sizes))
            if flat in found:
                ck.add(path, f"row {r + 1} repeats a combination of options")
                continue
            compiled = [
                ck.compile(v, lever_free, (*path, len(spec.levers) + i))
                for i, v in enumerate(row[len(spec.levers) :])
            ]
            if all(c is not None for c in compiled):
                found[flat] = tuple(c for c in compiled if c is not None)
    total = math.prod(sizes)
    if not ck.issues and len(found) != total:
        ck.add(
            (*base, "rows"),
            f"the table has {len(found)} of the {total} combinations of "
            "options; every one needs a row",
        )
        return None
    return tuple(found[p] for p in range(total)) if len(found) == total else None


def _from_document(doc: YamlDocument, name: str) -> Scenario:
    if not isinstance(doc.data, dict):
        raise ScenarioError.at(
            name, 1, 1, "a scenario must be a mapping of keys (tradegame, title, players, ...)"
        )
    try:
        spec = ScenarioFile.model_validate(doc.data)
    except ValidationError as exc:
        issues = _pydantic_issues(exc, doc.source, doc.data)
        seen = {(i.location.line, i.location.column) for i in issues}
        extra = [
            i
            for i in _raw_expression_issues(doc)
            if (i.location.line, i.location.column) not in seen
        ]
        raise ScenarioError(issues + extra) from None
    return _check_meaning(doc, spec, name)


# Messages about names: after a schema error the names known are a guess, so these
# could be wrong and are left to the run of `validate` after the file is fixed.
_NAME_MESSAGES = ("unknown name", "not an option of", "did you mean", "option names", "'in' tests")


def _raw_expression_issues(doc: YamlDocument) -> list[ScenarioIssue]:
    """Expression errors of a file whose shape is invalid, as far as they can be known.

    When the schema check fails, the names a scenario declares are not validated,
    so only what does not depend on them is reported: syntax, constructs outside
    the whitelist, unknown functions, constant overflow. Together with the schema
    errors, ``validate`` then shows nearly every problem of a file at once.
    """
    try:
        return _raw_expression_issues_unchecked(doc)
    except Exception:  # the data is malformed in some other way: the schema errors stand
        return []


def _raw_expression_issues_unchecked(doc: YamlDocument) -> list[ScenarioIssue]:
    data = doc.data
    if not isinstance(data, dict):
        return []

    def names_of(section: Any) -> set[str]:
        return {k for k in section if isinstance(k, str)} if isinstance(section, dict) else set()

    numbers = names_of(data.get("parameters")) | names_of(data.get("terms"))
    levers: dict[str, tuple[str, ...]] = {}
    players = data.get("players")
    for pname, player in players.items() if isinstance(players, dict) else ():
        if not isinstance(player, dict):
            continue
        raw = {pname: player["strategies"]} if "strategies" in player else player.get("levers")
        for lname, options in raw.items() if isinstance(raw, dict) else ():
            if isinstance(options, list):
                levers[str(lname)] = tuple(str(o) for o in options)
            elif isinstance(options, dict):
                levers[str(lname)] = tuple(str(o) for o in options)
                for fields in options.values():
                    numbers |= {f"{lname}_{f}" for f in names_of(fields)}
    for cname, chance in (data.get("chance") or {}).items():
        if isinstance(chance, dict) and isinstance(chance.get("options"), dict):
            levers[str(cname)] = tuple(str(o) for o in chance["options"])
    ns = Namespace(frozenset(numbers - set(levers)), levers)
    places: list[tuple[tuple[str | int, ...], Any]] = []
    for section in ("payoffs", "terms", "outcomes"):
        for key, text in (data.get(section) or {}).items():
            if isinstance(text, str) and key != "otherwise":
                places.append(((section, key), text))
    ck = _IssueLog(doc)
    for path, text in places:
        try:
            compile_expression(text, ns)
        except ExpressionError as exc:
            if not any(m in exc.message for m in _NAME_MESSAGES):
                ck.add_expression_error(path, exc)
    return ck.issues


def parse_scenario(text: str, name: str = "<string>") -> Scenario:
    """Load a scenario from YAML text (see :func:`load_scenario`)."""
    return _from_document(parse_yaml(text, name), name)


def load_scenario(path: str | Path) -> Scenario:
    """Load, check and compile a scenario file.

    Parameters
    ----------
    path : str or Path
        A scenario file, the name of a scenario shipped with tradegame
        (``"madrid_2025"``, ``"classroom/prisoners_dilemma"``; see
        ``tradegame list``), or ``"-"`` for standard input (named ``<stdin>``
        in messages). Anything but a regular file (a named pipe, a device, a
        directory) is refused.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        With every problem found, each with file, line and column.
    """
    from tradegame.scenario.library import resolve_scenario_path, suggest_shipped

    if str(path) == STDIN:
        return _from_document(read_yaml_file(STDIN), STDIN_NAME)
    resolved, display = resolve_scenario_path(path)
    if not resolved.exists():
        hint = suggest_shipped(str(path))
        raise ScenarioError.at(
            display,
            1,
            1,
            "no such file"
            + (f"; did you mean the shipped scenario {hint!r}?" if hint else "")
            + " ('tradegame list' shows the shipped scenarios)",
        )
    return _from_document(read_yaml_file(resolved, display), display)

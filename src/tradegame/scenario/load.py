"""Loading a scenario: YAML text -> checked, compiled :class:`Scenario`.

Three passes, each reporting every problem it finds with file:line:column:

1. YAML (safe, with a source map; :mod:`tradegame.scenario.yaml_source`);
2. shape, by the pydantic models of :mod:`tradegame.scenario.schema` (their
   errors made readable by :mod:`tradegame.scenario.schema_errors`);
3. meaning: names unique and not reserved, payoffs for exactly the players,
   matrices of the right size, every expression compiled against the names
   it may use (:mod:`tradegame.scenario.expressions`); see
   :mod:`tradegame.scenario.meaning`, :mod:`tradegame.scenario.checks` and
   :mod:`tradegame.scenario.tree_plan`.

This module holds the checked scenario (:class:`Scenario` and the plans it is
made of) and the entry points :func:`load_scenario` and :func:`parse_scenario`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tradegame._html import html_block, html_table
from tradegame.errors import Location, ScenarioError, ScenarioIssue
from tradegame.scenario.expressions import CompiledExpression
from tradegame.scenario.hindsight import hindsight_findings
from tradegame.scenario.overrides import Overrides, apply_overrides, explain
from tradegame.scenario.schema import Analysis, ScenarioFile, source_text
from tradegame.scenario.schema_errors import pydantic_issues, raw_expression_issues
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
    "BargainingPlan",
    "LeverSpec",
    "PlayerSpec",
    "RepeatedPlan",
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
class RepeatedPlan:
    """A checked ``repeated:`` block: the stage game repeated with grim trigger.

    ``cooperation`` and ``punishment`` are strategy indices, one per player,
    into the player's strategies (C order over the player's levers, as
    :class:`~tradegame.model.game.GameStructure` numbers them); ``punishment``
    is ``None`` when the file leaves it to the stage game's unique pure
    equilibrium (found when the central game is solved).
    """

    discount: CompiledExpression
    cooperation: tuple[int, ...]
    punishment: tuple[int, ...] | None


@dataclass(frozen=True)
class BargainingPlan:
    """A checked ``bargaining:`` block: the pie, and who proposes first (a player index)."""

    pie: CompiledExpression
    proposer: int


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
    overrides: Overrides = dataclasses.field(default_factory=Overrides)
    """What was applied to the file's text to make this scenario (a variant,
    ``--set`` values, ``--fix`` restrictions); empty for the file as written."""
    full_options: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """Levers a fix restricted -> all their options in the file, in file order
    (results give the removed ones probability 0)."""
    repeated: RepeatedPlan | None = None
    """Simultaneous scenarios with 'repeated:': the discount factor and grim
    trigger's profiles (``None`` otherwise)."""
    bargaining: BargainingPlan | None = None
    """Scenarios with 'bargaining:': Rubinstein's pie and first proposer; each
    player's discount factor is in :attr:`discounts`."""

    def with_overrides(
        self,
        sets: Mapping[str, Any] | None = None,
        *,
        fix: Mapping[str, Sequence[str] | str] | None = None,
    ) -> Scenario:
        """A new scenario with values set and levers restricted (the file is not rewritten).

        Parameters
        ----------
        sets : mapping of str to scalar, optional
            Dotted path of a scalar of the file -> its new value, e.g.
            ``{"parameters.china_resolve.median": 24}``.
        fix : mapping of str to option names, optional
            Lever -> the option or options kept, e.g. ``{"chip_controls": ["license"]}``.

        Returns
        -------
        Scenario
            Checked like a file; :attr:`overrides` records these overrides after
            any already applied to this scenario.

        Raises
        ------
        ScenarioError
            Located at the override, or in the file with the override named.

        Examples
        --------
        >>> import tradegame as tg
        >>> sc = tg.load_scenario("madrid_2025")
        >>> what_if = sc.with_overrides(fix={"chips": "ease"})
        >>> [lv.options for lv in what_if.levers if lv.name == "chips"]
        [('ease',)]
        >>> what_if.overrides.to_dict(), sc.overrides.to_dict()
        ({'fix': {'chips': ['ease']}}, {})
        """
        return self.apply(Overrides.make(sets, fix))

    def variant(self, name: str) -> Scenario:
        """A new scenario: the file's variant ``name`` (its 'set:' and 'fix:') applied."""
        return self.apply(Overrides(name))

    def apply(self, overrides: Overrides) -> Scenario:
        """A new scenario: ``overrides`` applied after those already applied to this one."""
        if not overrides:
            return self
        return parse_scenario(self.text, self.source, self.overrides.then(overrides))

    @property
    def base(self) -> Scenario:
        """The scenario of the file as written (this one if nothing was applied)."""
        return parse_scenario(self.text, self.source) if self.overrides else self

    def locate(self, path: tuple[str | int, ...]) -> Location:
        """File, line and column of a part of the scenario, e.g. ``("payoffs", "us")``."""
        if self.source_map is None:
            return Location(self.source)
        return self.source_map.locate(path)

    @property
    def title(self) -> str:
        return self.spec.title

    def hindsight(self) -> tuple[ScenarioIssue, ...]:
        """What this forecast cites that it could not have known on its ``as_of`` day.

        Sources dated after ``as_of`` (those in ``observed.sources`` are exempt:
        they report the outcome) and sources without a date, each located in the
        file. Empty for a scenario without ``as_of``. See
        :mod:`tradegame.scenario.hindsight`.

        Examples
        --------
        >>> import tradegame as tg
        >>> tg.load_scenario("classroom/ultimatum").hindsight()
        ()
        """
        return hindsight_findings(self.spec, self.locate)

    def _repr_html_(self) -> str:
        """The scenario at a glance for Jupyter: every text of the file escaped.

        Title, description, file, kind, players with their levers and
        options, parameters with their distributions, outcomes and sources.
        The file may be untrusted (SECURITY.md): nothing of it is markup.
        """
        spec = self.spec
        lines = [
            *([spec.description.strip()] if spec.description else []),
            f"{self.source} (sha256 {self.sha256[:12]}...), {self.kind_described}, "
            f"{len(self.players)} players"
            + (f", payoffs in {spec.units}" if spec.units else "")
            + (f", as of {spec.as_of}" if spec.as_of else ""),
        ]
        levers = [
            (p.name, lv.name, ", ".join(lv.options)) for p in self.players for lv in p.levers
        ] + [("chance", lv.name, ", ".join(lv.options)) for lv in self.chance]
        params = [
            (name, getattr(d, "dist", type(d).__name__), _params_text(d))
            for name, d in spec.parameters.items()
        ]
        tables = [
            html_table(["player", "lever", "options"], levers),
            html_table(["parameter", "distribution", "values"], params),
            html_table(["outcome"], [(o,) for o in self.outcome_labels]),
        ]
        if spec.sources:
            tables.append(
                html_table(
                    ["source", "reference"],
                    [(k, source_text(v)) for k, v in spec.sources.items()],
                )
            )
        return html_block(spec.title, lines, tables)

    @property
    def kind(self) -> GameKind:
        """How the players move: a 'tree:', 'stages:', or simultaneously."""
        if self.tree is not None:
            return GameKind.TREE
        if self.bargaining is not None:
            return GameKind.BARGAINING
        return GameKind.SIMULTANEOUS if self.stages is None else GameKind.STAGES

    @property
    def size_location(self) -> tuple[str, ...]:
        """Where the game's size is declared: the tree's root, 'stages:' or 'players:'."""
        if self.tree is not None:
            return ("tree", "root")
        return ("players",) if self.stages is None else ("stages",)

    @property
    def kind_location(self) -> tuple[str, ...]:
        """The section that makes the kind of game: 'tree:', 'stages:', 'bargaining:' or
        'players:'."""
        if self.bargaining is not None:
            return ("bargaining",)
        return ("tree",) if self.tree is not None else self.size_location

    @property
    def kind_described(self) -> str:
        """The kind of game in the words of an error message ("a tree", "stages:")."""
        if self.tree is not None:
            return "a tree"
        if self.bargaining is not None:
            return "'bargaining:' (alternating offers)"
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
        """Whether moves are sequential: the scenario has 'stages:', a 'tree:' or 'bargaining:'."""
        return self.stages is not None or self.tree is not None or self.bargaining is not None

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


def _from_document(doc: YamlDocument, name: str, overrides: Overrides | None = None) -> Scenario:
    """The scenario of a parsed file, with overrides applied if any.

    The file as written must load first (its own errors are its own); the
    overridden copy is then checked by the same passes.
    """
    base = _checked(doc, name)
    if not overrides:
        return base
    changed = apply_overrides(doc, base, overrides)
    try:
        sc = _checked(changed, name)
    except ScenarioError as exc:
        raise explain(exc, changed, overrides) from None
    every = (*base.levers, *base.chance)
    full = {lv.name: lv.options for lv in every if lv.name in changed.removed}
    return dataclasses.replace(sc, overrides=overrides, full_options=full)


def _checked(doc: YamlDocument, name: str) -> Scenario:
    # Imported here: the meaning checks build a Scenario, so they import this module.
    from tradegame.scenario.meaning import check_meaning

    if not isinstance(doc.data, dict):
        raise ScenarioError.at(
            name, 1, 1, "a scenario must be a mapping of keys (tradegame, title, players, ...)"
        )
    try:
        spec = ScenarioFile.model_validate(doc.data)
    except ValidationError as exc:
        issues = pydantic_issues(exc, doc.source, doc.data)
        seen = {(i.location.line, i.location.column) for i in issues}
        extra = [
            i
            for i in raw_expression_issues(doc)
            if (i.location.line, i.location.column) not in seen
        ]
        raise ScenarioError(issues + extra) from None
    return check_meaning(doc, spec, name)


def parse_scenario(
    text: str, name: str = "<string>", overrides: Overrides | None = None
) -> Scenario:
    """Load a scenario from YAML text, with overrides if given (see :func:`load_scenario`)."""
    return _from_document(parse_yaml(text, name), name, overrides)


def _params_text(dist: object) -> str:
    """A distribution's fields but its kind, ``name=value`` (for the HTML view)."""
    dump = getattr(dist, "model_dump", None)
    fields = dump(exclude_none=True) if callable(dump) else {}
    return ", ".join(f"{k}={v}" for k, v in fields.items() if k != "dist")


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

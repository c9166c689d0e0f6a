"""The scenario file format, version 1, as pydantic models.

These models check the *shape* of a scenario (types, required keys, allowed
values, distribution parameters); :mod:`tradegame.scenario.load` then checks
what needs the whole file (names, expressions, matrix sizes). Every model
forbids unknown keys, so a misspelt key is an error, not a silent default.
``tradegame schema`` prints :func:`scenario_json_schema`, which editors use to
check and complete scenario files.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from tradegame.scenario.vocabulary import (
    MAX_QRE_LAMBDA,
    MAX_SAMPLES,
    OUTCOME_CATEGORIES,
    Disagreement,
    NoEquilibrium,
    Selection,
    Solution,
    TieBreak,
)

__all__ = [
    "FORMAT_VERSION",
    "Analysis",
    "Bargaining",
    "ChanceLever",
    "ChanceOption",
    "Distribution",
    "MatrixPayoffs",
    "Observed",
    "Player",
    "Repeated",
    "ScenarioFile",
    "Source",
    "StageSpec",
    "TablePayoffs",
    "TreeNode",
    "TreeOutcome",
    "TreeSpec",
    "Variant",
    "scenario_json_schema",
    "source_text",
]

FORMAT_VERSION = 1

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64),
    Field(description="A name: letters, digits and underscores, not starting with a digit."),
]
Expression = Annotated[
    str | float,
    Field(
        description="An expression over parameters, terms, levers and option fields, "
        "or a number. See docs/scenario-format.md."
    ),
]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def _check_interval(low: float, high: float) -> None:
    """Refuse an empty interval, or one too wide for float64 (``high - low`` overflows)."""
    if not low < high:
        raise ValueError(f"low ({low}) must be below high ({high})")
    if not math.isfinite(high - low):
        raise ValueError(f"the interval [{low:g}, {high:g}] is wider than float64 can represent")


#: Range of Beta shape parameters: outside it the density is numerically a point mass
#: and SciPy's median and NumPy's sampler lose all precision.
BETA_SHAPE_RANGE = (1e-3, 1e6)
BetaShape = Annotated[
    float,
    Field(ge=BETA_SHAPE_RANGE[0], le=BETA_SHAPE_RANGE[1], allow_inf_nan=False),
]


def _inline(kind: type[StrEnum]) -> WithJsonSchema:
    """The JSON schema of a choice written in place, as a list of its strings.

    Pydantic would put an enum in ``$defs`` and refer to it; editors show the
    choices either way, but in place the schema stays as it was before the
    vocabulary became enums.
    """
    return WithJsonSchema({"enum": [m.value for m in kind], "type": "string"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class _Documented(_Strict):
    description: str | None = None
    """What the parameter stands for."""
    unit: str | None = None
    """Unit of the parameter's values."""
    source: str | None = None
    """Where the numbers come from, or the stated assumption."""


class Normal(_Documented):
    """Normal distribution."""

    dist: Literal["normal"]
    mean: FiniteFloat
    sd: PositiveFloat
    """Standard deviation, > 0."""


class TruncatedNormal(_Documented):
    """Normal distribution with mean and sd of the untruncated normal, cut to [low, high]."""

    dist: Literal["truncnormal"]
    mean: FiniteFloat
    sd: PositiveFloat
    low: FiniteFloat
    high: FiniteFloat

    @model_validator(mode="after")
    def _bounds(self) -> TruncatedNormal:
        _check_interval(self.low, self.high)
        # The interval must carry probability mass in float64, or sampling divides by zero.
        from scipy.special import ndtr

        if (
            ndtr((self.high - self.mean) / self.sd) - ndtr((self.low - self.mean) / self.sd)
            <= 1e-12
        ):
            raise ValueError("the interval [low, high] has no probability under this normal")
        return self


class LogNormal(_Documented):
    """Log-normal distribution: exp(N(log(median), sigma²))."""

    dist: Literal["lognormal"]
    median: PositiveFloat
    """Median, > 0 (exp of the mean of the underlying normal)."""
    sigma: PositiveFloat
    """Standard deviation of the logarithm, > 0."""


class Uniform(_Documented):
    """Uniform distribution on [low, high]."""

    dist: Literal["uniform"]
    low: FiniteFloat
    high: FiniteFloat

    @model_validator(mode="after")
    def _bounds(self) -> Uniform:
        _check_interval(self.low, self.high)
        return self


class Triangular(_Documented):
    """Triangular distribution on [low, high] with its peak at mode."""

    dist: Literal["triangular"]
    low: FiniteFloat
    mode: FiniteFloat
    high: FiniteFloat

    @model_validator(mode="after")
    def _bounds(self) -> Triangular:
        _check_interval(self.low, self.high)
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie in [low, high]")
        return self


class Beta(_Documented):
    """Beta(a, b) distribution, rescaled from [0, 1] to [low, high]."""

    dist: Literal["beta"]
    a: BetaShape
    """First shape parameter, in [0.001, 1e6]."""
    b: BetaShape
    """Second shape parameter, in [0.001, 1e6]."""
    low: FiniteFloat = 0.0
    high: FiniteFloat = 1.0

    @model_validator(mode="after")
    def _bounds(self) -> Beta:
        _check_interval(self.low, self.high)
        return self


class Fixed(_Documented):
    """A known number (no uncertainty). A bare number is shorthand for this."""

    dist: Literal["fixed"]
    value: FiniteFloat


class Choice(_Documented):
    """A discrete distribution over listed values."""

    dist: Literal["choice"]
    values: Annotated[list[FiniteFloat], Field(min_length=1, max_length=10_000)]
    probabilities: list[Annotated[float, Field(ge=0, le=1)]] | None = None
    """One probability per value, summing to 1; equal probabilities when omitted."""

    @model_validator(mode="after")
    def _probabilities(self) -> Choice:
        if self.probabilities is not None:
            if len(self.probabilities) != len(self.values):
                raise ValueError(
                    f"{len(self.probabilities)} probabilities for {len(self.values)} values"
                )
            total = math.fsum(self.probabilities)
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"probabilities sum to {total:g}, not 1")
        return self


Distribution = Annotated[
    Normal | TruncatedNormal | LogNormal | Uniform | Triangular | Beta | Fixed | Choice,
    Field(discriminator="dist"),
]

OptionFields = dict[Identifier, FiniteFloat | str]
"""Numbers an option carries (expressions read them as <lever>_<field>), and an
optional display 'label' (text, e.g. the original name of an imported strategy)."""
Lever = (
    Annotated[list[Identifier], Field(min_length=1, max_length=1000)]
    | Annotated[dict[Identifier, OptionFields | None], Field(min_length=1, max_length=1000)]
)


class Player(_Strict):
    """A player: who they are and the levers they control (none in a 'bargaining:' game)."""

    label: str | None = None
    """Display name, e.g. 'United States'."""
    description: str | None = None
    levers: Annotated[dict[Identifier, Lever], Field(min_length=1, max_length=1000)] | None = None
    """Lever name -> its options: a list of names, or a mapping of names to numbers
    that expressions can use as <lever>_<field>. A strategy is one option per lever."""
    strategies: Annotated[list[Identifier], Field(min_length=1, max_length=1000)] | None = None
    """Shorthand for a single lever named after the player (classroom games)."""
    discount: Expression | None = None
    """Sequential scenarios: the player's discount factor per period of delay, in
    (0, 1]; a number or an expression over parameters. Stages say which options
    delay the game ('delay:'); a payoff reached after T periods of delay is
    multiplied by discount**T. Default 1: delay costs nothing. In a 'bargaining:'
    scenario (required there): the factor, in (0, 1), by which a rejected offer
    discounts the player's share."""

    @model_validator(mode="after")
    def _one_form(self) -> Player:
        # Neither is allowed here: a 'bargaining:' scenario's players have no levers
        # (the loader refuses a player without either in every other scenario).
        if self.levers is not None and self.strategies is not None:
            raise ValueError("give either 'levers' or 'strategies' (exactly one)")
        return self


class ChanceOption(_Strict):
    """A chance option with a display label (e.g. the original text of an imported action)."""

    probability: Expression
    """A number or an expression over parameters and terms."""
    label: str
    """Display label of the option."""


class ChanceLever(_Strict):
    """A move of chance (a court, Congress, a market): options with probabilities."""

    label: str | None = None
    description: str | None = None
    options: Annotated[
        dict[Identifier, Expression | ChanceOption], Field(min_length=1, max_length=1000)
    ]
    """Option -> probability: a number or an expression over parameters and terms
    (or ``{probability: ..., label: ...}``). The probabilities of each draw must be
    non-negative and sum to 1."""


class StageSpec(_Strict):
    """One move of a sequential scenario: a player's levers, or a chance lever."""

    player: Identifier | None = None
    """The player who moves."""
    levers: Annotated[list[Identifier], Field(min_length=1)] | None = None
    """The mover's levers decided at this stage (default: all the player's levers)."""
    chance: Identifier | None = None
    """A chance lever (declared under 'chance:') resolved at this stage."""
    observes: list[Identifier] | None = None
    """Levers of earlier stages the mover has seen; default all (perfect information)."""
    label: str | None = None
    delay: dict[Identifier, Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]] | None = (
        None
    )
    """Option -> periods by which choosing it delays everything after (e.g.
    ``{extend: 1}``); each player's payoff is then discounted by its 'discount'
    per period. Options not listed delay nothing."""
    ends: Annotated[list[Identifier], Field(min_length=1)] | None = None
    """Options of this stage's levers (or of its chance lever) that end the game: once
    one is chosen no later stage is played. Payoffs and outcomes of a play that ended
    are evaluated with the levers of the later stages at their first option."""

    @model_validator(mode="after")
    def _one_mover(self) -> StageSpec:
        if (self.player is None) == (self.chance is None):
            raise ValueError("a stage has either 'player:' (with 'levers:') or 'chance:'")
        if self.chance is not None and self.levers is not None:
            raise ValueError("a chance stage has no 'levers:'")
        if self.chance is not None and self.observes is not None:
            raise ValueError("a chance stage has no 'observes:'")
        return self


class MatrixPayoffs(_Strict):
    """Payoffs of a two-player game as a table (classroom games).

    ``matrix[r][c]`` is ``[row player's payoff, column player's payoff]`` when
    the first player plays strategy r and the second strategy c. Each entry
    is a number or an expression over parameters.
    """

    matrix: Annotated[
        list[
            Annotated[
                list[Annotated[list[Expression], Field(min_length=2, max_length=2)]],
                Field(min_length=1),
            ]
        ],
        Field(min_length=1),
    ]


class _TableSpec(_Strict):
    levers: Annotated[list[Identifier], Field(min_length=1)]
    rows: Annotated[list[Annotated[list[str | float], Field(min_length=2)]], Field(min_length=1)]


class TablePayoffs(_Strict):
    """Payoffs as a table, one row per profile (any number of players; imports).

    ``levers`` names every lever (and chance lever) once, in any order; each
    row gives an option of each, in that order, then one payoff per player in
    the order of 'players:'. Every combination of options appears exactly once.
    Payoffs are numbers or expressions over parameters and terms.
    """

    table: _TableSpec


class TreeOutcome(_Strict):
    """An outcome of a game tree: a label and what it pays each player."""

    label: str | None = None
    """Display label (default: the outcome's name)."""
    description: str | None = None
    payoffs: dict[Identifier, Expression]
    """Player -> payoff: a number or an expression over parameters and terms, for
    every player."""


class TreeNode(_Strict):
    """A node of a game tree: a move (with a child for each option) or an end of play.

    A node with ``move:`` is a decision of the lever's player (or a move of chance,
    for a chance lever) and lists under ``then:`` the node each option leads to; a
    node without it is terminal. A child is a node, or the name of an outcome for a
    terminal node that pays it.
    """

    move: Identifier | None = None
    """A player's lever, or a chance lever. Nodes that move the same lever form one
    information set: the mover cannot tell them apart."""
    label: str | None = None
    """The node's label (Gambit's node label)."""
    outcome: Identifier | None = None
    """An outcome of 'tree.outcomes' paid at this node. Payoffs add up along a play
    (Gambit's convention); a terminal node's outcome is the outcome of the play."""
    then: (
        Annotated[dict[Identifier, TreeNode | Identifier], Field(min_length=1, max_length=1000)]
        | None
    ) = None
    """Option of the lever -> the node it leads to (every option once)."""


class TreeSpec(_Strict):
    """A game tree written out node by node: any extensive game (Kuhn 1953)."""

    outcomes: Annotated[dict[Identifier, TreeOutcome], Field(min_length=1)]
    """Named outcomes and their payoffs; nodes refer to them by name."""
    root: TreeNode
    """The first move."""
    infoset_labels: dict[Identifier, str] = Field(default_factory=dict)
    """Lever -> the label of its information set in Gambit files (default none)."""


class Repeated(_Strict):
    """The stage game repeated forever, with grim-trigger strategies.

    A simultaneous scenario's game is then the *stage game*, played in every
    period; future payoffs are discounted by a common factor. Each player plays
    its ``cooperation`` strategy until someone deviates, then its
    ``punishment`` strategy forever (grim trigger; Friedman 1971; Fudenberg &
    Tirole 1991, section 5.1). Cooperation is sustained when ``discount`` is at
    least the critical discount factor ``max_i (T_i - R_i) / (T_i - P_i)``.
    """

    discount: Expression
    """Common discount factor per period, in (0, 1): a number or an expression
    over parameters (it may be uncertain)."""
    cooperation: Annotated[dict[Identifier, str], Field(min_length=1)]
    """Player -> the strategy it plays on the cooperative path (every player once)."""
    punishment: Annotated[dict[Identifier, str], Field(min_length=1)] | None = None
    """Player -> the strategy it plays forever after a deviation (every player
    once); a pure equilibrium of the stage game at the parameters' medians.
    Default: the stage game's pure equilibrium, when it has exactly one."""


class Bargaining(_Strict):
    """Rubinstein (1982) alternating-offers bargaining over a pie.

    Two players, each with a 'discount:' in (0, 1) and no levers, divide the
    pie: the proposer offers, the responder accepts or rejects and proposes
    next period. The unique subgame-perfect equilibrium agrees at once, the
    proposer getting ``pie * (1 - d_r) / (1 - d_p * d_r)``.
    """

    pie: Expression
    """Size of the pie, > 0: a number or an expression over parameters."""
    proposer: Identifier
    """The player who makes the first offer."""


PartialDate = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$"),
    Field(description="A year (YYYY) or a month (YYYY-MM), when the day is not known."),
]


class Source(_Strict):
    """A dated entry of 'sources:': the reference and when it was published."""

    cite: Annotated[str, Field(min_length=1)]
    """The reference: author, title, publisher or outlet."""
    date: dt.date | PartialDate
    """Publication date, YYYY-MM-DD; YYYY-MM or YYYY when only the month or the
    year is known (it then counts as the period's last day, the latest it may
    have appeared)."""
    url: str | None = None
    """Where the source can be read."""

    @field_validator("date", mode="before")
    @classmethod
    def _year_as_text(cls, value: Any) -> Any:
        # YAML reads a bare year as an integer; pydantic would take it for a timestamp.
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:04d}"
        return value

    @property
    def latest(self) -> dt.date:
        """The last day the source may have been published (the date itself if exact)."""
        if isinstance(self.date, dt.date):
            return self.date
        year, _, month = self.date.partition("-")
        if not month:
            return dt.date(int(year), 12, 31)
        first_of_next = dt.date(int(year) + (month == "12"), int(month) % 12 + 1, 1)
        return first_of_next - dt.timedelta(days=1)

    @property
    def text(self) -> str:
        """The entry in one line: the reference, its date and its address."""
        return f"{self.cite} ({self.date})" + (f", {self.url}" if self.url else "")


def source_text(entry: str | Source) -> str:
    """A 'sources:' entry as one line of text (a plain string as it is)."""
    return entry if isinstance(entry, str) else entry.text


class Observed(_Strict):
    """What happened in the round a history scenario forecasts (scored by the backtest)."""

    outcome: Identifier
    """The outcome that happened: one of the scenario's outcome labels."""
    window: Annotated[str, Field(min_length=1)]
    """The resolution window in words, e.g. 'the round itself, 10-12 May 2025'. The
    same forecast scores very differently against another window."""
    resolved: dt.date
    """The day the resolution window closed (after 'as_of')."""
    sources: Annotated[list[str], Field(min_length=1)]
    """Keys of 'sources:' that report the outcome; they may be dated after 'as_of'."""


Category = Annotated[str, WithJsonSchema({"enum": list(OUTCOME_CATEGORIES), "type": "string"})]

OverrideValue = str | int | float | bool | None


class Variant(_Strict):
    """A named what-if: values of the scenario changed and levers restricted.

    Applied by ``--variant NAME`` (or ``Scenario.variant(NAME)``) to a copy of the
    scenario; the file itself is never rewritten. See
    :mod:`tradegame.scenario.overrides`.
    """

    description: str | None = None
    """What the variant stands for."""
    set_: dict[str, OverrideValue] = Field(default_factory=dict, alias="set")
    """Dotted path of a scalar of this file -> its value in the variant, as
    ``--set PATH=VALUE`` (e.g. ``parameters.china_resolve.median: 24``)."""
    fix: dict[Identifier, Identifier | list[Identifier]] = Field(default_factory=dict)
    """Lever (a player's or a chance lever) -> the option or options kept, as
    ``--fix LEVER=OPTION[,OPTION]``."""


def _field_title(name: str, field: Any) -> str:
    # Pydantic's own title of a field, which it leaves out for an enum's field.
    return name.title().replace("_", " ").strip()


class Analysis(_Strict):
    """How to analyse the scenario."""

    model_config = ConfigDict(**_Strict.model_config, field_title_generator=_field_title)

    solution: Annotated[Solution, _inline(Solution)] | None = None
    """Solution concept. 'pure_nash': the pure Nash equilibria of each draw's game,
    one chosen by 'selection'. 'mixed_nash' (two players): the extreme mixed
    equilibria. 'qre': the logit quantal response equilibrium at 'qre_lambda'.
    'subgame_perfect' (sequential scenarios): backward induction. Simultaneous
    scenarios only: 'correlated' (the correlated equilibrium with the largest
    sum of payoffs), 'maxmin' (every player's security strategy), 'nash_bargaining'
    and 'kalai_smorodinsky' (two players: the bargaining solution from the
    'disagreement' point, as a lottery over profiles), 'rationalizable' (the
    profiles surviving iterated strict dominance, equally likely). Default:
    'subgame_perfect' for scenarios with 'stages:' or a 'tree:', else 'pure_nash'."""
    selection: Annotated[Selection, _inline(Selection)] = Selection.UNIFORM
    """Which equilibrium is played when there are several: 'uniform' (each equally
    likely), 'payoff_dominant' (those no other equilibrium Pareto-dominates),
    'risk_dominant' (two players: largest product of deviation losses); or play
    the 'mixed' equilibrium or the 'qre' in every draw."""
    no_equilibrium: Annotated[NoEquilibrium, _inline(NoEquilibrium)] | None = None
    """What draws without a pure equilibrium play: their 'mixed' equilibrium (two
    players), their 'qre', or 'report' them as the outcome 'no_pure_equilibrium'.
    Default: 'mixed' for two players, 'qre' for more."""
    qre_lambda: Annotated[float, Field(ge=0, le=MAX_QRE_LAMBDA, allow_inf_nan=False)] = 1.0
    """Precision of the logit QRE (0: uniform play; large: close to Nash)."""
    tie_break: Annotated[TieBreak, _inline(TieBreak)] = TieBreak.FIRST
    """Sequential games: when a mover is indifferent, 'first' takes the option listed
    first, 'uniform' mixes equally over the best options."""
    disagreement: Annotated[Disagreement, _inline(Disagreement)] = Disagreement.MAXMIN
    """Disagreement point of 'nash_bargaining' and 'kalai_smorodinsky': 'maxmin' (each
    player's maxmin value) or 'nash' (the payoffs of the pure equilibrium chosen by
    'selection'; maxmin values in draws without a pure equilibrium)."""
    samples: Annotated[int, Field(ge=1, le=MAX_SAMPLES)] = 20_000
    """Number of Monte Carlo draws."""
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = None
    """Seed of the random draws; a run without one records the seed it used."""


class ScenarioFile(_Strict):
    """A tradegame scenario: players, levers, uncertain parameters, payoffs, outcomes."""

    tradegame: Literal[1]
    """Format version of this file."""
    title: Annotated[str, Field(min_length=1, max_length=300)]
    description: str | None = None
    as_of: dt.date | None = None
    """Date of the information the scenario uses: a forecast written on this day
    cites nothing published after it ('validate' warns)."""
    units: str | None = None
    """Unit of all payoffs, e.g. '$ billion a year, welfare-equivalent'."""
    sources: dict[str, str | Source] | None = None
    """Bibliography: short key -> full reference, as text or as ``{cite, date, url}``
    (the date of publication); parameters may cite the keys. A scenario with
    'as_of' dates every source."""
    players: Annotated[dict[Identifier, Player], Field(min_length=1, max_length=16)]
    """The players: 2 to 16, or 1 in a scenario with a 'tree:' (a decision problem)."""
    parameters: dict[Identifier, Distribution] = Field(default_factory=dict)
    """Uncertain inputs; each Monte Carlo draw samples all of them."""
    terms: dict[Identifier, Expression] = Field(default_factory=dict)
    """Named intermediate quantities, evaluated in order; later terms, payoffs and
    outcomes can use them."""
    payoffs: MatrixPayoffs | TablePayoffs | dict[Identifier, Expression] | None = None
    """One expression per player, a two-player matrix, or a table of profiles
    (required unless the scenario has a 'tree:', whose outcomes carry the payoffs)."""
    outcomes: Annotated[dict[Identifier, str], Field(min_length=1)] | None = None
    """Outcome label -> condition, first match wins; the last entry is
    'otherwise: <label>' (required unless the scenario has a 'tree:')."""
    chance: dict[Identifier, ChanceLever] = Field(default_factory=dict)
    """Chance levers (moves of nature) used by 'stages:'."""
    stages: Annotated[list[StageSpec], Field(min_length=1, max_length=64)] | None = None
    """Order of moves. When given, the scenario is a sequential game solved by
    backward induction; every lever of every player is decided at exactly one stage."""
    tree: TreeSpec | None = None
    """The game tree, node by node: any extensive game, instead of 'stages:',
    'payoffs:' and 'outcomes:'."""
    repeated: Repeated | None = None
    """Simultaneous scenarios: the game is repeated forever with a discount factor,
    and the players use grim trigger to sustain a cooperative profile."""
    bargaining: Bargaining | None = None
    """Rubinstein alternating-offers bargaining between two players (no levers,
    no 'payoffs:'): each player's 'discount:' and the pie decide the shares."""
    analysis: Analysis = Field(default_factory=Analysis)
    variants: dict[Identifier, Variant] = Field(default_factory=dict)
    """Named what-ifs: sets of overrides ('set:') and lever restrictions ('fix:'),
    chosen with ``--variant NAME``."""
    observed: Observed | None = None
    """History scenarios: the outcome that happened, in a stated window (needs
    'as_of' and 'categories')."""
    categories: dict[Identifier, Category] | None = None
    """Outcome label -> its common category (deal, partial_deal, extension,
    no_change, escalation), every label once; the backtest compares rounds by it."""

    @field_validator("parameters", mode="before")
    @classmethod
    def _bare_numbers_are_fixed(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: {"dist": "fixed", "value": v}
                if isinstance(v, int | float) and not isinstance(v, bool)
                else v
                for k, v in value.items()
            }
        return value


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of scenario files, for editors and validators."""
    schema = ScenarioFile.model_json_schema()
    # A game is given by payoffs and outcome rules, by a tree, or by a bargaining
    # block and outcome rules (checked by the loader).
    schema["oneOf"] = [
        {"required": ["payoffs", "outcomes"]},
        {"required": ["tree"]},
        {"required": ["bargaining", "outcomes"]},
    ]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tradegame scenario, format 1"
    return schema

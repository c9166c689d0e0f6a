r"""A scenario's central game explained step by step, as plain data (``tradegame explain``).

:func:`explain_scenario` solves the central game (every parameter at its median,
:func:`tradegame.solve` with the dominance trace) and writes down, section by
section, how a student would solve it by hand, with every number needed to check
each step:

- the payoff table with each player's best responses marked;
- iterated elimination of strictly dominated strategies, round by round, each
  removal with its dominator (a pure strategy or a mixture) and the inequality
  that shows it (Fudenberg & Tirole 1991, §2.1; Osborne & Rubinstein 1994, §4.2);
- each pure Nash equilibrium with every player's deviations (none profitable),
  or why there is none; Pareto comparisons and payoff dominance (Harsanyi &
  Selten 1988, §5.6);
- for 2x2 games the mixed equilibrium from the two indifference conditions
  (Osborne 2004, §4.3), for larger two-player games the mixed equilibria with
  their supports;
- risk dominance by the products of the deviation losses (Harsanyi & Selten 1988,
  §3.9) when the selection uses it or a 2x2 game has two strict equilibria;
- sequential games with perfect information: backward induction node by node,
  the subgame-perfect path, and the Nash equilibria of the reduced normal form that
  are not subgame-perfect, with the threat that is not credible (Selten 1975;
  Osborne 2004, §5.5);
- repeated games: grim trigger's critical discount factor from
  :math:`R/(1-\delta) \ge T + \delta P/(1-\delta)` (Fudenberg & Tirole 1991, §5.1);
- Rubinstein bargaining: the two indifference conditions and the shares
  (Rubinstein 1982; Osborne & Rubinstein 1990, ch. 3);
- what ``tradegame run`` then plays.

The result, :class:`Account`, is a list of :class:`Section`\ s made of four kinds
of blocks (:class:`Paragraph`, :class:`Table`, :class:`Equations`, :class:`Bullets`);
:mod:`tradegame.report.explain` renders it for the terminal, Markdown, LaTeX and
HTML. Equations carry a plain-text and a LaTeX form; all other text is plain.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.model.normal_form import TooManyStrategies
from tradegame.model.tree import GameTree, Node
from tradegame.play.concepts import CONCEPTS
from tradegame.play.kinds import play_for
from tradegame.play.options import RunOptions
from tradegame.play.solution import CentralSolution
from tradegame.play.solve import solve
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import Selection, Solution
from tradegame.solvers.dominance import DominanceResult, Elimination
from tradegame.solvers.pareto import pareto_optimal
from tradegame.solvers.pure_nash import pure_nash
from tradegame.solvers.tree_normal_form import tree_normal_form

__all__ = [
    "Account",
    "Bullets",
    "Equation",
    "Equations",
    "Paragraph",
    "Section",
    "Table",
    "explain_scenario",
]

#: Strategies per axis shown in a payoff table; larger tables are cut (and say so).
MAX_TABLE_AXIS = 12
#: Profiles listed for games with more than two players, or without a pure equilibrium.
MAX_PROFILES = 24
#: Decision nodes shown one by one in backward induction (otherwise only those on the path).
MAX_NODES = 40
#: Options listed per move or node (the best ones at a node).
MAX_OPTIONS = 8
#: Deviations listed per player and equilibrium (the best ones).
MAX_DEVIATIONS = 8
#: Pure equilibria explained one by one.
MAX_EQUILIBRIA = 12
#: Mixed equilibria listed.
MAX_MIXED = 12
#: Reduced normal forms of trees searched for equilibria that are not subgame-perfect.
MAX_NORMAL_FORM_CELLS = 20_000
TOL = 1e-9

_CONCEPT_WORDS: dict[str, str] = {
    Solution.PURE_NASH: "pure Nash equilibrium: a profile from which no player gains by "
    "changing strategy alone",
    Solution.MIXED_NASH: "mixed Nash equilibrium: each player randomises so that no one gains "
    "by changing their probabilities alone",
    Solution.QRE: "logit quantal response equilibrium: players choose better strategies more "
    "often, but not always",
    Solution.SUBGAME_PERFECT: "subgame-perfect equilibrium: optimal play at every point of the "
    "game, found by backward induction",
    **{k.value: v for k, v in CONCEPTS.items()},
}


# ---------------------------------------------------------------------------- the blocks
@dataclass(frozen=True)
class Paragraph:
    """Plain text (no markup)."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A list of plain-text items."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of plain-text cells.

    Attributes
    ----------
    header : tuple of str
    rows : tuple of tuple of str
        Each as long as ``header``.
    caption : str
        Said under the table (a legend, or what was cut).
    corner : bool
        The first column labels the rows (a payoff table).
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    corner: bool = False


@dataclass(frozen=True)
class Equation:
    """One line of a derivation, as plain text and as LaTeX (an ``align`` row, ``&=``)."""

    text: str
    tex: str


@dataclass(frozen=True)
class Equations:
    """A derivation: lines solved one after the other."""

    lines: tuple[Equation, ...]


Block = Paragraph | Bullets | Table | Equations


@dataclass(frozen=True)
class Section:
    """One step of the explanation: ``key`` names it (``game``, ``dominance`` ...)."""

    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class PayoffTable:
    """A normal form to draw (``explain --plot``): the game's, or a tree's reduced one.

    Attributes
    ----------
    players : tuple of str
    strategies : tuple of tuple of str
        Each player's strategy (or plan) labels.
    payoffs : ndarray, shape (n, S_0, ..., S_{n-1})
    best_responses : ndarray of bool, same shape
    equilibria : tuple of tuple of int
        The pure Nash equilibria.
    subgame_perfect : tuple of tuple of int
        Trees: the equilibria that are subgame-perfect (else empty).
    mixed : tuple of (ndarray, ndarray)
        Two players: the extreme mixed equilibria ``(x, y)`` (empty when not computed).
    """

    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: NDArray[np.float64] = field(repr=False)
    best_responses: NDArray[np.bool_] = field(repr=False)
    equilibria: tuple[tuple[int, ...], ...]
    subgame_perfect: tuple[tuple[int, ...], ...] = ()
    mixed: tuple[tuple[NDArray[np.float64], NDArray[np.float64]], ...] = ()


@dataclass(frozen=True)
class Account:
    """A scenario's central game explained: what :mod:`tradegame.report.explain` renders.

    Attributes
    ----------
    title, description, units : str
        From the scenario.
    sections : tuple of Section
        In reading order; each only when it applies.
    central : CentralSolution
        The solved central game the numbers come from (with the dominance trace).
    mixed_2x2 : tuple of float, or None
        2x2 games with a fully mixed equilibrium: ``(p, q)``, the probabilities of
        the row player's and the column player's first strategy, from the
        indifference conditions.
    not_subgame_perfect : tuple of dict
        Sequential games: the Nash equilibria of the reduced normal form that are
        not subgame-perfect, each ``{"profile": labels, "threats": [...]}``.
    """

    title: str
    description: str
    units: str
    sections: tuple[Section, ...]
    central: CentralSolution = field(repr=False)
    mixed_2x2: tuple[float, float] | None = None
    not_subgame_perfect: tuple[dict[str, Any], ...] = ()
    table: PayoffTable | None = None
    """The normal form ``explain --plot`` draws; None when there is none small enough."""

    def section(self, key: str) -> Section | None:
        """The section named ``key``, or None."""
        return next((s for s in self.sections if s.key == key), None)


# ---------------------------------------------------------------------------- numbers
def num(x: float) -> str:
    """A payoff as a student writes it: ``3``, ``-1``, ``2.5``, ``0.3333``."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if abs(x - round(x)) < 1e-9:
        return str(round(x))
    return f"{x:.4g}"


def frac(x: float) -> str:
    """A probability as a fraction when it is one with a small denominator: ``1/3``."""
    f = Fraction(float(x)).limit_denominator(1000)
    if f.denominator > 1 and abs(float(f) - x) < 1e-9:
        return f"{f.numerator}/{f.denominator}"
    return num(x)


def frac_tex(x: float) -> str:
    f = Fraction(float(x)).limit_denominator(1000)
    if f.denominator > 1 and abs(float(f) - x) < 1e-9:
        sign = "-" if f < 0 else ""
        return rf"{sign}\tfrac{{{abs(f.numerator)}}}{{{f.denominator}}}"
    return num(x)


def pn(x: float) -> str:
    """A number in a sum: negative ones in parentheses, ``(-1)``."""
    return f"({num(x)})" if float(x) < 0 else num(x)


def _vec(values: Any) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


def _profile(labels: Sequence[str]) -> str:
    return "(" + ", ".join(labels) + ")"


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


# ---------------------------------------------------------------------------- entry point
def explain_scenario(
    scenario: Scenario,
    *,
    solution: str | None = None,
    selection: str | None = None,
    central: CentralSolution | None = None,
) -> Account:
    """Explain a scenario's central game step by step.

    Parameters
    ----------
    scenario : Scenario
        From :func:`tradegame.load_scenario` (overrides already applied).
    solution, selection : str, optional
        Overrides of the scenario's ``analysis`` (as ``tradegame solve``).
    central : CentralSolution, optional
        The central game already solved *with* ``dominance=True`` (and, for stage
        games, ``game_tree=True``); solved here otherwise.

    Returns
    -------
    Account
    """
    options = RunOptions.resolve(scenario, solution=solution, selection=selection)
    if central is None or (central.payoffs is not None and central.dominance is None):
        central = solve(
            scenario,
            solution=solution,
            selection=selection,
            dominance=True,
            game_tree=scenario.is_sequential,
        )
    spec = scenario.spec
    builder = _Builder(scenario, central, options)
    sections = builder.build()
    return Account(
        title=scenario.title,
        description=" ".join((spec.description or "").split()),
        units=(spec.units or "").strip(),
        sections=tuple(sections),
        central=central,
        mixed_2x2=builder.mixed_2x2,
        not_subgame_perfect=tuple(builder.not_spe),
        table=builder.table(),
    )


class _Builder:
    def __init__(self, scenario: Scenario, central: CentralSolution, options: RunOptions) -> None:
        self.scenario = scenario
        self.c = central
        self.options = options
        self.players = central.players
        self.mixed_2x2: tuple[float, float] | None = None
        self.not_spe: list[dict[str, Any]] = []
        self.tree_table: PayoffTable | None = None
        labels = {p: (spec.label or p) for p, spec in (scenario.spec.players or {}).items()}
        self.label = {p: labels.get(p, p) for p in self.players}

    def table(self) -> PayoffTable | None:
        c = self.c
        if self.tree_table is not None:
            return self.tree_table
        if c.payoffs is None or c.best_responses is None:
            return None
        if any(len(s) > MAX_TABLE_AXIS for s in c.strategies) or len(self.players) != 2:
            return None
        return PayoffTable(
            self.players,
            c.strategies,
            c.payoffs,
            c.best_responses,
            c.pure_equilibria,
            mixed=tuple(c.mixed_equilibria or ()),
        )

    # ------------------------------------------------------------------ sections
    def build(self) -> list[Section]:
        out = [self.game()]
        c = self.c
        if c.payoffs is not None:
            out.append(self.dominance())
            out.append(self.pure())
            if len(c.pure_equilibria) >= 1 and c.payoffs.size <= 2_000_000:
                out.append(self.pareto())
            if len(self.players) == 2:
                out.append(self.mixed())
                risk = self.risk()
                if risk is not None:
                    out.append(risk)
        if c.tree is not None and c.payoffs is None and c.tree.is_perfect_information():
            out.append(self.backward())
            nash = self.nash_not_spe()
            if nash is not None:
                out.append(nash)
        repeated = getattr(c, "repeated", None)
        if repeated is not None:
            out.append(self.repeated(repeated))
        bargaining = getattr(c, "bargaining", None)
        if bargaining is not None:
            out.append(self.bargaining(bargaining))
        out.append(self.plays())
        if repeated is not None:  # the normal-form steps are about one round
            stage = ("dominance", "pure", "pareto", "mixed", "risk")
            out = [
                Section(s.key, s.title + " (stage game)", s.blocks) if s.key in stage else s
                for s in out
            ]
        return [s for s in out if s.blocks]

    # --- the game and its payoff table
    def game(self) -> Section:
        c = self.c
        blocks: list[Block] = []
        who = ", ".join(f"{self.label[p]} ({p})" if self.label[p] != p else p for p in self.players)
        kind = {
            "simultaneous": "a game of simultaneous moves",
            "stages": "a sequential game played in stages",
            "tree": "a sequential game given by its tree",
            "bargaining": "an alternating-offers bargaining game",
        }.get(c.kind, c.kind)
        blocks.append(Paragraph(f"Players: {who}. It is {kind}."))
        if c.parameters:
            blocks.append(
                Paragraph(
                    "Uncertain parameters at their medians (the central game): "
                    + ", ".join(f"{k} = {num(v)}" for k, v in c.parameters.items())
                    + "."
                )
            )
        if c.moves:
            blocks.append(
                Bullets(
                    tuple(
                        f"{m.name}: {m.mover if m.mover else 'chance'} chooses "
                        + " or ".join(
                            f"{o} ({frac(p)})" if m.probabilities else o
                            for o, p in itertools.islice(
                                itertools.zip_longest(m.options, m.probabilities), MAX_OPTIONS
                            )
                            if o is not None
                        )
                        + (
                            f" ... ({len(m.options)} options in all)"
                            if len(m.options) > MAX_OPTIONS
                            else ""
                        )
                        for m in c.moves
                    )
                )
            )
        if c.payoffs is not None:
            if c.kind != "simultaneous":
                blocks.append(
                    Paragraph(
                        "The game has imperfect information, so it is solved through its "
                        "reduced normal form: each strategy below is a plan of actions "
                        "(options joined by '/', '*' where the plan never gets to move)."
                    )
                )
            blocks.append(self.payoff_table(c.payoffs, c.best_responses, c.strategies))
        return Section("game", "The game", tuple(blocks))

    def payoff_table(
        self,
        U: NDArray[np.float64],
        best: NDArray[np.bool_] | None,
        strategies: Sequence[Sequence[str]],
        title: str = "",
    ) -> Table:
        n = len(self.players)
        if best is None:
            best = pure_best(U)
        units = (
            f" Payoffs in {self.scenario.spec.units.strip()}." if self.scenario.spec.units else ""
        )
        legend = (
            "Each cell lists the payoffs "
            + _profile(self.players)
            + "; * marks a best response: that player cannot do better against the others' "
            "strategies. A cell starred for every player is a pure Nash equilibrium." + units
        )
        if n == 2:
            m, k = U.shape[1:]
            rows_shown, cols_shown = min(m, MAX_TABLE_AXIS), min(k, MAX_TABLE_AXIS)
            header = (f"{self.players[0]} \\ {self.players[1]}", *strategies[1][:cols_shown])
            rows = tuple(
                (
                    strategies[0][a],
                    *(
                        _cell([U[0, a, b], U[1, a, b]], [best[0, a, b], best[1, a, b]])
                        for b in range(cols_shown)
                    ),
                )
                for a in range(rows_shown)
            )
            if rows_shown < m or cols_shown < k:
                legend += (
                    f" The table is {m} x {k}; only the first {rows_shown} x {cols_shown} "
                    "strategies are shown."
                )
            return Table(header, rows, title + legend if title else legend, corner=True)
        shape = U.shape[1:]
        cells = int(np.prod(shape))
        profiles = list(itertools.islice(itertools.product(*map(range, shape)), MAX_PROFILES))
        header = (*self.players, *(f"payoff {p}" for p in self.players))
        rows = tuple(
            (
                *(strategies[i][a] for i, a in enumerate(prof)),
                *(num(U[(i, *prof)]) + ("*" if best[(i, *prof)] else "") for i in range(n)),
            )
            for prof in profiles
        )
        if cells > len(profiles):
            legend += f" The game has {cells:,} profiles; the first {len(profiles)} are shown."
        return Table(header, rows, legend.replace("Each cell lists the payoffs", "Payoffs of"))

    # --- dominance
    def dominance(self) -> Section:
        c = self.c
        d = c.dominance
        if d is None:
            return Section("dominance", "Iterated elimination of dominated strategies", ())
        if not d.trace:
            return Section(
                "dominance",
                "Iterated elimination of dominated strategies",
                (
                    Paragraph(
                        "No strategy is strictly dominated, by a pure strategy or by a mixture "
                        "of strategies: elimination removes nothing."
                    ),
                ),
            )
        assert c.payoffs is not None
        blocks: list[Block] = [
            Paragraph(
                "A strategy is strictly dominated when another strategy, or a mixture of "
                "strategies, gives the same player strictly more against every combination "
                "of the others' remaining strategies. A rational player never plays it, so it "
                "is removed; removals can make other strategies dominated in the next round."
            )
        ]
        for r in range(1, d.rounds + 1):
            rows = tuple(self._removal(c.payoffs, d, e) for e in d.trace if e.round == r)
            blocks.append(
                Table(
                    ("player", "removed", "dominated by", "dominator's payoffs > removed one's"),
                    rows,
                    caption=f"Round {r}.",
                )
            )
        surviving = [
            f"{p}: " + ", ".join(c.strategies[i][a] for a in d.surviving[i])
            for i, p in enumerate(self.players)
        ]
        blocks.append(Paragraph("What survives: " + "; ".join(surviving) + "."))
        if d.solved:
            prof = tuple(c.strategies[i][s[0]] for i, s in enumerate(d.surviving))
            blocks.append(
                Paragraph(
                    f"The game is dominance solvable: only {_profile(prof)} survives, so it "
                    "is the unique Nash equilibrium."
                )
            )
        elif len(self.players) == 2 and d.payoffs.size <= 4 * MAX_TABLE_AXIS**2:
            blocks.append(
                self.payoff_table(
                    d.payoffs,
                    None,
                    [[c.strategies[i][a] for a in s] for i, s in enumerate(d.surviving)],
                    "The reduced game. ",
                )
            )
        return Section("dominance", "Iterated elimination of dominated strategies", tuple(blocks))

    def _removal(
        self, U: NDArray[np.float64], d: DominanceResult, e: Elimination
    ) -> tuple[str, str, str, str]:
        c = self.c
        i = e.player
        alive = alive_at(d, e.round, U.shape[1:])
        M = own_rows(U, i, alive)  # (A_i, K): own action x others' live profiles
        others = [j for j in range(len(self.players)) if j != i]
        profs = list(itertools.product(*(alive[j] for j in others)))
        against = ", ".join(
            "/".join(c.strategies[j][a] for j, a in zip(others, p, strict=True)) for p in profs
        )
        labels = c.strategies[i]
        if e.by_mixture:
            w = np.asarray(e.dominated_by, dtype=float)
            mix = " + ".join(f"{frac(w[b])} {labels[b]}" for b in np.flatnonzero(w > 1e-12))
            dom = w @ M
            by = f"the mixture {mix}"
        else:
            b = int(e.dominated_by)
            dom = M[b]
            by = labels[b]
        shown = 10
        cut = "" if len(profs) <= shown else f" ... ({len(profs)} in all)"
        whom = "/".join(self.players[j] for j in others)
        ineq = f"{_vec(dom[:shown])}{cut} > {_vec(M[e.action][:shown])}{cut}" + (
            f" against {whom} = {against}" if len(profs) <= shown else ""
        )
        if not e.strict:
            ineq = ineq.replace(" > ", " >= ")
        return (self.players[i], labels[e.action], by, ineq)

    # --- pure equilibria
    def pure(self) -> Section:
        c = self.c
        U = c.payoffs
        assert U is not None
        eqs = c.pure_equilibria
        title = "Pure Nash equilibria"
        if not eqs:
            return Section("pure", title, self._no_pure(U))
        blocks: list[Block] = [
            Paragraph(
                f"The game has {_plural(len(eqs), 'pure Nash equilibrium', 'pure Nash equilibria')}"
                ". At an equilibrium no player gains by changing strategy alone: every "
                "deviation below pays at most what the equilibrium pays."
            )
        ]
        for e in eqs[:MAX_EQUILIBRIA]:
            labels = c.profile_labels(e)
            pay = [U[(i, *e)] for i in range(len(self.players))]
            blocks.append(Paragraph(f"Equilibrium {_profile(labels)} with payoffs {_vec(pay)}."))
            rows: list[tuple[str, ...]] = []
            for i, p in enumerate(self.players):
                devs = deviations(U, e, i)
                devs.sort(key=lambda t: -t[1])
                for a, v in devs[:MAX_DEVIATIONS]:
                    rows.append(
                        (
                            p,
                            f"{c.strategies[i][e[i]]} -> {c.strategies[i][a]}",
                            num(v),
                            num(pay[i]),
                            num(v - pay[i]),
                        )
                    )
                if len(devs) > MAX_DEVIATIONS:
                    rows.append(
                        (p, f"({len(devs) - MAX_DEVIATIONS} more, paying less)", "", "", "")
                    )
            if rows:
                blocks.append(
                    Table(
                        ("player", "deviation", "payoff after", "at equilibrium", "gain"),
                        tuple(rows),
                    )
                )
        if len(eqs) > MAX_EQUILIBRIA:
            blocks.append(Paragraph(f"({len(eqs) - MAX_EQUILIBRIA} more equilibria not shown.)"))
        return Section("pure", title, tuple(blocks))

    def _no_pure(self, U: NDArray[np.float64]) -> tuple[Block, ...]:
        c = self.c
        n = len(self.players)
        rows: list[tuple[str, ...]] = []
        shape = U.shape[1:]
        for prof in itertools.islice(itertools.product(*map(range, shape)), MAX_PROFILES):
            for i in range(n):
                devs = deviations(U, prof, i)
                here = U[(i, *prof)]
                if not devs:
                    continue
                a, v = max(devs, key=lambda t: t[1])
                if v > here + TOL:
                    rows.append(
                        (
                            _profile(c.profile_labels(prof)),
                            self.players[i],
                            f"{c.strategies[i][prof[i]]} -> {c.strategies[i][a]}",
                            f"{num(here)} -> {num(v)}",
                        )
                    )
                    break
        cells = int(np.prod(shape))
        caption = (
            "" if cells <= MAX_PROFILES else f"The first {MAX_PROFILES} of {cells:,} profiles."
        )
        return (
            Paragraph(
                "The game has no pure Nash equilibrium: at every profile some player gains by "
                "changing strategy alone, as the table shows."
            ),
            Table(("profile", "player", "deviation", "payoff"), tuple(rows), caption),
        )

    # --- Pareto
    def pareto(self) -> Section:
        c = self.c
        U = c.payoffs
        assert U is not None
        n = len(self.players)
        optimal = pareto_optimal(U)
        flat = U.reshape(n, -1)
        shape = U.shape[1:]
        items: list[str] = []
        for e in c.pure_equilibria[:MAX_EQUILIBRIA]:
            labels = _profile(c.profile_labels(e))
            if optimal[e]:
                items.append(
                    f"The equilibrium {labels} is Pareto-optimal: no profile gives every player "
                    "at least as much and someone more."
                )
                continue
            v = np.array([U[(i, *e)] for i in range(n)])
            better = np.all(flat >= v[:, None] - TOL, axis=0) & np.any(
                flat > v[:, None] + TOL, axis=0
            )
            idx = sorted(
                np.flatnonzero(better).tolist(),
                key=lambda k: (not optimal.reshape(-1)[k], -flat[:, k].sum()),
            )
            names = [
                f"{_profile(c.profile_labels(_index(k, shape)))}, with {_vec(flat[:, k])}"
                for k in idx[:3]
            ]
            more = f" (and {len(idx) - 3} more)" if len(idx) > 3 else ""
            items.append(
                f"The equilibrium {labels}, with payoffs {_vec(v)}, is Pareto-dominated by "
                + " and by ".join(names)
                + more
                + ": every player gets at least as much there, someone more."
            )
        eqs = c.pure_equilibria
        if len(eqs) >= 2:
            pays = np.array([[U[(i, *e)] for i in range(n)] for e in eqs])
            dominant = [
                k
                for k in range(len(eqs))
                if all(
                    np.all(pays[k] >= pays[j] - TOL) and np.any(pays[k] > pays[j] + TOL)
                    for j in range(len(eqs))
                    if j != k and not np.allclose(pays[j], pays[k])
                )
                and not any(np.allclose(pays[j], pays[k]) for j in range(len(eqs)) if j != k)
            ]
            if dominant:
                k = dominant[0]
                items.append(
                    f"{_profile(c.profile_labels(eqs[k]))} is payoff-dominant: it gives every "
                    "player at least as much as any other equilibrium, and someone more "
                    "(Harsanyi and Selten's payoff dominance)."
                )
            else:
                undominated = [
                    _profile(c.profile_labels(eqs[k]))
                    for k in range(len(eqs))
                    if not any(
                        np.all(pays[j] >= pays[k] - TOL) and np.any(pays[j] > pays[k] + TOL)
                        for j in range(len(eqs))
                    )
                ]
                items.append(
                    "No equilibrium is payoff-dominant (better for everyone than every other "
                    "equilibrium); not Pareto-dominated by another equilibrium: "
                    + ", ".join(undominated)
                    + "."
                )
        return Section("pareto", "Pareto comparisons", (Bullets(tuple(items)),) if items else ())

    # --- mixed equilibria
    def mixed(self) -> Section:
        c = self.c
        U = c.payoffs
        assert U is not None
        title = "Mixed strategies"
        if c.mixed_equilibria is None:
            return Section(
                "mixed",
                title,
                (Paragraph("The mixed equilibria were not computed: the game is too large."),),
            )
        m, k = U.shape[1:]
        eqs = list(c.mixed_equilibria)
        blocks: list[Block] = []
        interior = [(x, y) for x, y in eqs if (x > 1e-9).sum() > 1 or (y > 1e-9).sum() > 1]
        if (m, k) == (2, 2):
            full = [(x, y) for x, y in eqs if np.all(x > 1e-9) and np.all(y > 1e-9)]
            if full:
                blocks.extend(self._indifference(U, full[0]))
            elif not interior:
                blocks.append(
                    Paragraph(
                        "No equilibrium has a player mixing: "
                        + (
                            "the pure equilibria above are the only ones."
                            if c.pure_equilibria
                            else "see above."
                        )
                    )
                )
        if (m, k) != (2, 2) or (
            interior and not any(np.all(x > 1e-9) and np.all(y > 1e-9) for x, y in eqs)
        ):
            if not interior:
                blocks.append(
                    Paragraph(
                        "Every extreme equilibrium is pure: no player mixes in any of them "
                        "(found by vertex enumeration of the best-response polytopes)."
                    )
                )
            else:
                blocks.append(
                    Paragraph(
                        "The game has "
                        + _plural(len(eqs), "extreme equilibrium", "extreme equilibria")
                        + " (vertex enumeration of the best-response polytopes); in each, every "
                        "strategy of a player's support pays the same against the other's mix, "
                        "and no strategy outside it pays more."
                    )
                )
                rows = []
                for x, y in eqs[:MAX_MIXED]:
                    rows.append(
                        tuple(
                            ", ".join(
                                f"{c.strategies[i][a]} {frac(z[a])}"
                                for a in np.flatnonzero(z > 1e-9)
                            )
                            for i, z in enumerate((x, y))
                        )
                        + tuple(num(c.mixed_payoff(i, x, y)) for i in range(2))
                    )
                cap = "" if len(eqs) <= MAX_MIXED else f"The first {MAX_MIXED} of {len(eqs)}."
                blocks.append(
                    Table(
                        (
                            f"{self.players[0]} mixes",
                            f"{self.players[1]} mixes",
                            f"payoff {self.players[0]}",
                            f"payoff {self.players[1]}",
                        ),
                        tuple(rows),
                        cap,
                    )
                )
        return Section("mixed", title, tuple(blocks))

    def _indifference(
        self, U: NDArray[np.float64], eq: tuple[NDArray[np.float64], NDArray[np.float64]]
    ) -> list[Block]:
        c = self.c
        A, B = U[0], U[1]
        r0, r1 = c.strategies[0]
        c0, c1 = c.strategies[1]
        rp, cp = self.players
        q, q_rhs, q_coef = _solve_indifference(A[0, 0], A[0, 1], A[1, 0], A[1, 1])
        p, p_rhs, p_coef = _solve_indifference(B[0, 0], B[1, 0], B[0, 1], B[1, 1])
        self.mixed_2x2 = (p, q)
        vr = float(np.array([p, 1 - p]) @ A @ np.array([q, 1 - q]))
        vc = float(np.array([p, 1 - p]) @ B @ np.array([q, 1 - q]))
        blocks: list[Block] = [
            Paragraph(
                f"In the mixed equilibrium {rp} plays {r0} with probability p and {r1} with "
                f"1 - p; {cp} plays {c0} with probability q and {c1} with 1 - q. A player "
                "mixes only if both strategies pay the same, so each player's mix makes the "
                f"other indifferent. {cp}'s q makes {rp} indifferent between {r0} (left) and "
                f"{r1} (right):"
            ),
            Equations(_steps("q", A[0, 0], A[0, 1], A[1, 0], A[1, 1], q_coef, q_rhs, q)),
            Paragraph(f"{rp}'s p makes {cp} indifferent between {c0} (left) and {c1} (right):"),
            Equations(_steps("p", B[0, 0], B[1, 0], B[0, 1], B[1, 1], p_coef, p_rhs, p)),
            Paragraph(
                f"So {rp} plays {r0} with probability {frac(p)} and {r1} with {frac(1 - p)}; "
                f"{cp} plays {c0} with probability {frac(q)} and {c1} with {frac(1 - q)}. "
                f"Expected payoffs: {rp} {num(vr)}, {cp} {num(vc)} (each equal to the payoff "
                "of either pure strategy against the other's mix)."
            ),
        ]
        return blocks

    # --- risk dominance
    def risk(self) -> Section | None:
        c = self.c
        U = c.payoffs
        assert U is not None
        eqs = c.pure_equilibria
        if len(eqs) < 2 or U.shape[1] < 2 or U.shape[2] < 2:
            return None
        losses = [risk_losses(U, e) for e in eqs]
        strict = sum(1 for a, b in losses if a > TOL and b > TOL)
        asked = self.options.selection == Selection.RISK_DOMINANT
        if not (asked or (U.shape[1:] == (2, 2) and strict == 2)):
            return None
        rows = []
        products = [a * b for a, b in losses]
        for e, (la, lb), prod in zip(eqs, losses, products, strict=True):
            rows.append((_profile(c.profile_labels(e)), num(la), num(lb), num(prod)))
        best = max(products)
        winners = [
            _profile(c.profile_labels(e))
            for e, pr in zip(eqs, products, strict=True)
            if pr >= best - TOL
        ]
        text = (
            "Risk dominance (Harsanyi and Selten) compares equilibria by how much each player "
            "loses by deviating from them alone: the equilibrium with the larger product of "
            "the two losses is the safer one to coordinate on."
        )
        verdict = (
            f"{winners[0]} risk-dominates: its Nash product {num(best)} is the largest."
            if len(winners) == 1
            else "Tie: " + ", ".join(winners) + f" share the largest Nash product {num(best)}."
        )
        return Section(
            "risk",
            "Risk dominance",
            (
                Paragraph(text),
                Table(
                    (
                        "equilibrium",
                        f"loss of {self.players[0]}",
                        f"loss of {self.players[1]}",
                        "Nash product",
                    ),
                    tuple(rows),
                    "A player's loss: the equilibrium payoff minus the best payoff of a "
                    "different strategy against the other's equilibrium strategy.",
                ),
                Paragraph(verdict),
            ),
        )

    # --- sequential games
    def _history(self, tree: GameTree, node: Node) -> str:
        if not node:
            return "at the start"
        steps = []
        for depth in range(len(node)):
            parent = node[:depth]
            label = tree.graph.edges[parent, node[: depth + 1]].get("label") or str(node[depth] + 1)
            name = self._move_name(tree, parent)
            steps.append(f"{name}: {label}" if name else label)
        return "after " + " -> ".join(steps)

    def _mover(self, tree: GameTree, node: Node) -> str:
        d = tree.graph.nodes[node]
        if d["kind"] == "chance":
            return "chance"
        return str(d["player"])

    def _move_name(self, tree: GameTree, node: Node) -> str:
        d = tree.graph.nodes[node]
        s = d.get("stage")
        if s is not None and s < len(self.c.moves):
            return self.c.moves[s].name
        return str(d.get("name") or d.get("infoset_label") or "")

    def backward(self) -> Section:
        c = self.c
        tree = c.tree
        assert tree is not None
        values = tree.subgame_values()
        path = c.path or frozenset()
        decisions = [n for n in tree.nodes() if tree.graph.nodes[n]["kind"] != "terminal"]
        shown = decisions
        note = ""
        if len(decisions) > MAX_NODES:
            shown = [n for n in decisions if n in path]
            note = (
                f"The tree has {len(decisions):,} decision and chance nodes; the "
                f"{len(shown)} on the subgame-perfect path are shown (each of the others is "
                "solved the same way; 'tradegame solve' lists the full strategy)."
            )
        shown = sorted(shown, key=lambda n: (-len(n), n))
        index = {p: i for i, p in enumerate(tree.players)}
        rows: list[tuple[str, ...]] = []
        for node in shown:
            d = tree.graph.nodes[node]
            kids = tree.children(node)
            acts = [tree.graph.edges[node, k].get("label") or str(k[-1] + 1) for k in kids]
            if d["kind"] == "chance":
                probs = d.get("probs") or ()
                opts = "; ".join(
                    f"{a} ({frac(pr)}): {_vec(values[k])}"
                    for a, pr, k in zip(acts, probs, kids, strict=False)
                )
                rows.append(
                    (self._history(tree, node), "chance", opts, "expected " + _vec(values[node]))
                )
                continue
            i = index[d["player"]]
            own = [float(values[k][i]) for k in kids]
            on = [k for k in kids if k in path]
            choice = on[0] if on else kids[int(np.argmax(own))]
            best = max(own)
            ties = [a for a, v in zip(acts, own, strict=True) if v >= best - TOL]
            ranked = sorted(zip(acts, own, strict=True), key=lambda t: -t[1])
            listed = list(zip(acts, own, strict=True)) if len(acts) <= MAX_OPTIONS else ranked
            opts = "; ".join(f"{a}: {num(v)}" for a, v in listed[:MAX_OPTIONS])
            if len(acts) > MAX_OPTIONS:
                opts += f"; ({len(acts) - MAX_OPTIONS} more options, none paying more)"
            pick = acts[kids.index(choice)]
            if len(ties) > 1:
                pick += f" (tie with {', '.join(t for t in ties if t != pick)}; rule {c.tie_break})"
            name = self._move_name(tree, node)
            rows.append(
                (
                    self._history(tree, node),
                    d["player"] + (f" ({name})" if name else ""),
                    opts,
                    pick + " -> " + _vec(values[choice]),
                )
            )
        blocks: list[Block] = [
            Paragraph(
                "Backward induction solves the game from its end: at each last decision the "
                "mover takes the option that pays them most; that choice fixes the value of "
                "the node for the decision before it, and so on back to the start. Each row "
                "gives the mover's payoff from each option (what follows played optimally) "
                "and the choice, with the payoffs " + _profile(tree.players) + " it leads to."
            ),
            Table(
                ("node", "mover", "mover's payoff by option", "choice -> payoffs"),
                tuple(rows),
                note,
            ),
        ]
        path_steps = [
            f"{self._mover(tree, n)}: " + (tree.graph.edges[n, k].get("label") or str(k[-1] + 1))
            for n in sorted(path, key=len)
            if tree.graph.nodes[n]["kind"] == "decision"
            for k in tree.children(n)
            if k in path
        ]
        value = c.values or {p: float(values[()][i]) for i, p in enumerate(tree.players)}
        blocks.append(
            Paragraph(
                "The subgame-perfect path: "
                + (" -> ".join(path_steps) if path_steps else "(chance only)")
                + ". Expected payoffs: "
                + ", ".join(f"{p} {num(v)}" for p, v in value.items())
                + "."
            )
        )
        return Section("backward", "Backward induction", tuple(blocks))

    def nash_not_spe(self) -> Section | None:
        c = self.c
        tree = c.tree
        assert tree is not None
        if len(tree) > 2000:
            return None
        try:
            nf = tree_normal_form(tree, limit=MAX_NORMAL_FORM_CELLS)
        except (ValueError, TooManyStrategies):
            return None
        U = nf.payoffs[0]
        if U[0].size > MAX_NORMAL_FORM_CELLS:
            return None
        mask = pure_nash(U)
        eqs = [tuple(int(a) for a in e) for e in np.argwhere(mask)]
        spe_choice = tree.subgame_choices()
        index = {p: i for i, p in enumerate(tree.players)}
        rows: list[tuple[str, ...]] = []
        spe_rows: list[str] = []
        spe_profiles: list[tuple[int, ...]] = []
        for e in eqs:
            profile: dict[Any, int] = {}
            for n, a in spe_choice.items():
                profile.setdefault(tree.graph.nodes[n]["infoset"], a)
            for i, s in enumerate(e):
                profile.update(nf.plans[i][s])
            vals = tree.subgame_values(profile)
            threats = []
            for n in tree.nodes("decision"):
                d = tree.graph.nodes[n]
                a = profile[d["infoset"]]
                i = index[d["player"]]
                kids = tree.children(n)
                own = [float(vals[k][i]) for k in kids]
                if max(own) > own[a] + TOL:
                    acts = [tree.graph.edges[n, k].get("label") or str(k[-1] + 1) for k in kids]
                    b = int(np.argmax(own))
                    threats.append(
                        {
                            "player": d["player"],
                            "node": n,
                            "action": acts[a],
                            "better": acts[b],
                            "payoff": own[a],
                            "better_payoff": own[b],
                            "history": self._history(tree, n),
                        }
                    )
            labels = tuple(nf.labels[i][s] for i, s in enumerate(e))
            pays = [float(U[(i, *e)]) for i in range(len(tree.players))]
            if not threats:
                spe_profiles.append(e)
                spe_rows.append(f"{_profile(labels)} {_vec(pays)}")
                continue
            self.not_spe.append({"profile": labels, "payoffs": pays, "threats": threats})
            if len(rows) >= MAX_EQUILIBRIA:
                continue
            t = threats[0]
            rows.append(
                (
                    _profile(labels),
                    _vec(pays),
                    f"'{t['action']}' {t['history']} is not credible: there {t['player']} gets "
                    f"{num(t['payoff'])} by {t['action']} and {num(t['better_payoff'])} > "
                    f"{num(t['payoff'])} by {t['better']}",
                )
            )
        if len(tree.players) == 2 and all(len(x) <= MAX_TABLE_AXIS for x in nf.labels):
            self.tree_table = PayoffTable(
                tuple(tree.players),
                tuple(tuple(x) for x in nf.labels),
                U,
                pure_best(U),
                tuple(eqs),
                tuple(spe_profiles),
            )
        blocks: list[Block] = [
            Paragraph(
                "In the normal form each player picks a whole plan at the start. Its pure Nash "
                f"equilibria ({len(eqs)}): "
                + (
                    "the subgame-perfect one"
                    + ("s " if len(spe_rows) > 1 else " ")
                    + ", ".join(spe_rows)
                    if spe_rows
                    else "none subgame-perfect"
                )
                + (
                    f", and {_plural(len(self.not_spe), 'other')} that "
                    + ("relies" if len(self.not_spe) == 1 else "rely")
                    + " on a threat the mover would "
                    "not carry out if the moment came (optimal play is required at every node, "
                    "also off the equilibrium path):"
                    if rows
                    else "; every one of them is subgame-perfect."
                )
            )
        ]
        if rows:
            blocks.append(
                Table(
                    ("Nash equilibrium (plans)", "payoffs", "why not subgame-perfect"),
                    tuple(rows),
                    ""
                    if len(self.not_spe) <= len(rows)
                    else f"The first {len(rows)} of {len(self.not_spe)}.",
                )
            )
        return Section("nash", "Nash equilibria and credible threats", tuple(blocks))

    # --- repeated games and bargaining
    def repeated(self, rep: Any) -> Section:
        c = self.c
        g = rep.grim
        d = float(rep.discount)
        coop = _profile(tuple(c.strategies[i][a] for i, a in enumerate(rep.cooperation)))
        pun = _profile(tuple(c.strategies[i][a] for i, a in enumerate(rep.punishment)))
        blocks: list[Block] = [
            Paragraph(
                f"The stage game is played forever; payoffs are discounted by d = {num(d)} per "
                f"round. Grim trigger: play {coop} as long as everyone has; after any deviation "
                f"play {pun} forever. A player i compares cooperating forever, R_i/(1 - d), "
                "with the best one-round deviation T_i followed by punishment P_i forever: "
                "cooperation is an equilibrium when R_i/(1 - d) >= T_i + d P_i/(1 - d), "
                "that is d >= (T_i - R_i)/(T_i - P_i)."
            )
        ]
        rows = []
        for i, p in enumerate(self.players):
            R, T, P = float(g.reward[i]), float(g.temptation[i]), float(g.punishment[i])
            crit = float(g.per_player[i])
            dev = c.strategies[i][g.best_deviation[i]]
            rows.append(
                (
                    p,
                    num(R),
                    f"{num(T)} ({dev})",
                    num(P),
                    f"({num(T)} - {num(R)})/({num(T)} - {num(P)}) = {num(crit)}"
                    if T > R and T > P
                    else num(crit),
                )
            )
        blocks.append(
            Table(
                (
                    "player",
                    "R (cooperate)",
                    "T (best deviation)",
                    "P (punishment)",
                    "d* of the player",
                ),
                tuple(rows),
            )
        )
        derivations: dict[tuple[float, float, float], list[str]] = {}
        for i, p in enumerate(self.players):
            R, T, P = float(g.reward[i]), float(g.temptation[i]), float(g.punishment[i])
            if T > R and T > P:
                derivations.setdefault((R, T, P), []).append(p)
        for (R, T, P), who in derivations.items():
            blocks.append(Paragraph(f"For {' and '.join(who)}:"))
            blocks.append(Equations(_grim_steps(R, T, P)))
        crit = float(g.critical_delta)
        verdict = (
            f"The critical discount factor is d* = {num(crit)} (the largest of the players'). "
            + (
                f"With d = {num(d)} >= {num(crit)}, cooperation is sustained."
                if rep.sustained
                else f"With d = {num(d)} < {num(crit)}, cooperation is not sustained: the "
                "stage game's equilibrium is played."
                if g.sustainable
                else f"Cooperation cannot be sustained for any d < 1: {g.reason}"
            )
        )
        blocks.append(Paragraph(verdict))
        return Section("repeated", "The repeated game: grim trigger", tuple(blocks))

    def bargaining(self, bar: Any) -> Section:
        pie = float(bar.pie)
        pr, rs = bar.proposer, bar.responder
        dp, dr = float(bar.discounts[pr]), float(bar.discounts[rs])
        x = (1 - dr) / (1 - dp * dr)
        y = (1 - dp) / (1 - dp * dr)
        blocks: list[Block] = [
            Paragraph(
                f"{pr} and {rs} alternate offers to split a pie of {num(pie)}, {pr} first; "
                f"each round of delay shrinks what a player gets by their discount factor "
                f"(d_p = {num(dp)} for {pr}, d_r = {num(dr)} for {rs}). In the unique "
                "subgame-perfect equilibrium (Rubinstein 1982) every player proposes the same "
                "split whenever it is their turn, and the first offer is accepted. Let x be "
                f"the share of the pie {pr} keeps when proposing and y the share {rs} keeps "
                f"when proposing. {rs} accepts exactly what rejecting is worth: proposing y "
                f"one round later, d_r y now; likewise {pr} when {rs} proposes:"
            ),
            Equations(
                (
                    Equation("1 - x = d_r y", r"1 - x &= \delta_r\, y"),
                    Equation("1 - y = d_p x", r"1 - y &= \delta_p\, x"),
                    Equation(
                        "x = 1 - d_r (1 - d_p x)  =>  (1 - d_p d_r) x = 1 - d_r",
                        r"x &= 1 - \delta_r (1 - \delta_p x) \iff "
                        r"(1 - \delta_p\delta_r)\, x = 1 - \delta_r",
                    ),
                    Equation(
                        f"x = (1 - d_r) / (1 - d_p d_r) = (1 - {num(dr)}) / (1 - {num(dp)} * "
                        f"{num(dr)}) = {num(x)}",
                        rf"x &= \frac{{1-\delta_r}}{{1-\delta_p\delta_r}} = "
                        rf"\frac{{1-{num(dr)}}}{{1-{num(dp)}\cdot{num(dr)}}} = {num(x)}",
                    ),
                    Equation(
                        f"y = (1 - d_p) / (1 - d_p d_r) = {num(y)}",
                        rf"y &= \frac{{1-\delta_p}}{{1-\delta_p\delta_r}} = {num(y)}",
                    ),
                )
            ),
            Paragraph(
                f"Shares: {pr} gets {num(float(bar.shares[pr]))} and {rs} gets "
                f"{num(float(bar.shares[rs]))} of the pie of {num(pie)} "
                "(the fractions x and 1 - x of it). "
                f"First-mover advantage: proposing first gives {pr} x = {num(x)}, answering "
                f"first would give it 1 - y = d_p x = {num(dp * x)}. With equal discount "
                "factors d the proposer gets 1/(1 + d) > 1/2; as both factors approach 1 the "
                "split approaches half each and the advantage vanishes. Between the two, the "
                "more patient player gets more."
            ),
        ]
        return Section("bargaining", "Rubinstein bargaining", tuple(blocks))

    # --- what the analysis plays
    def plays(self) -> Section:
        o = self.options
        text = self.scenario
        rule = play_for(text, o).rule_text()
        concept = _CONCEPT_WORDS.get(str(o.solution), str(o.solution))
        items = [
            f"Solution concept: {o.solution} - {concept}.",
            f"Selection: {rule.selection_rule}.",
            f"Without an equilibrium: {rule.no_equilibrium_rule}.",
        ]
        return Section(
            "plays",
            "What the analysis plays",
            (
                Bullets(tuple(items)),
                Paragraph(
                    "'tradegame solve' shows this central game's equilibria; 'tradegame run' "
                    "plays the game in every Monte Carlo draw of the uncertain parameters "
                    "and reports how likely each outcome is."
                ),
            ),
        )


# ---------------------------------------------------------------------------- helpers
def _index(k: int, shape: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(z) for z in np.unravel_index(k, tuple(shape)))


def _cell(values: Sequence[float], best: Sequence[bool]) -> str:
    return ", ".join(num(v) + ("*" if b else "") for v, b in zip(values, best, strict=True))


def pure_best(U: NDArray[np.float64]) -> NDArray[np.bool_]:
    """``best[i, ...]``: player *i*'s strategy at that profile is a best response."""
    n = U.shape[0]
    return np.stack([U[i] >= U[i].max(axis=i, keepdims=True) - TOL for i in range(n)])


def deviations(U: NDArray[np.float64], profile: Sequence[int], i: int) -> list[tuple[int, float]]:
    """Player *i*'s other strategies at ``profile``, each with the payoff it would get."""
    out = []
    for a in range(U.shape[1 + i]):
        if a == profile[i]:
            continue
        dev = list(profile)
        dev[i] = a
        out.append((a, float(U[(i, *dev)])))
    return out


def alive_at(d: DominanceResult, rnd: int, shape: Sequence[int]) -> list[list[int]]:
    """Each player's strategies at the start of round ``rnd`` of an elimination."""
    gone = {(e.player, e.action) for e in d.trace if e.round < rnd}
    return [[a for a in range(m) if (i, a) not in gone] for i, m in enumerate(shape)]


def own_rows(U: NDArray[np.float64], i: int, alive: Sequence[Sequence[int]]) -> NDArray[np.float64]:
    """Player *i*'s payoffs, shape (A_i, K): own strategy x the others' live profiles."""
    sub = U[i]
    for j, keep in enumerate(alive):
        if j != i:
            sub = np.take(sub, keep, axis=j)
    return np.moveaxis(sub, i, 0).reshape(sub.shape[i], -1)


def risk_losses(U: NDArray[np.float64], e: Sequence[int]) -> tuple[float, float]:
    """The two players' deviation losses at a pure equilibrium of a bimatrix game."""
    a, b = e
    A, B = U[0], U[1]
    la = float(A[a, b] - np.max(np.delete(A[:, b], a)))
    lb = float(B[a, b] - np.max(np.delete(B[a, :], b)))
    return la, lb


def _solve_indifference(a: float, b: float, c: float, d: float) -> tuple[float, float, float]:
    """``z`` solving ``a z + b (1 - z) = c z + d (1 - z)``; with the equation's coefficient
    ``a - b - c + d`` and right-hand side ``d - b``."""
    coef = a - b - c + d
    rhs = d - b
    return rhs / coef, rhs, coef


def _grim_steps(R: float, T: float, P: float) -> tuple[Equation, ...]:
    """``R/(1-d) >= T + d P/(1-d)`` solved for ``d``, line by line."""
    crit = (T - R) / (T - P)
    return (
        Equation(
            f"{num(R)}/(1 - d) >= {num(T)} + {pn(P)} d/(1 - d)",
            rf"\frac{{{num(R)}}}{{1-\delta}} &\ge {num(T)} + \frac{{{pn(P)}\,\delta}}{{1-\delta}}",
        ),
        Equation(
            f"{num(R)} >= {num(T)} (1 - d) + {pn(P)} d",
            rf"{num(R)} &\ge {num(T)}\,(1-\delta) + {pn(P)}\,\delta",
        ),
        Equation(
            f"({num(T)} - {pn(P)}) d >= {num(T)} - {pn(R)}",
            rf"({num(T)} - {pn(P)})\,\delta &\ge {num(T)} - {pn(R)}",
        ),
        Equation(f"d >= {frac(crit)}", rf"\delta &\ge {frac_tex(crit)}"),
    )


def _lin(a: float, b: float, z: str, tex: bool = False) -> str:
    one = "(1-" + z + ")" if tex else "(1 - " + z + ")"
    mul = "" if tex else " "
    return f"{num(a)}{mul}{z} + {num(b)}{mul}{one}".replace("+ -", "- ")


def _steps(
    z: str, a: float, b: float, c: float, d: float, coef: float, rhs: float, val: float
) -> tuple[Equation, ...]:
    """``a z + b (1 - z) = c z + d (1 - z)`` solved for ``z``, line by line."""
    return (
        Equation(
            f"{_lin(a, b, z)} = {_lin(c, d, z)}", f"{_lin(a, b, z, True)} &= {_lin(c, d, z, True)}"
        ),
        Equation(
            f"({num(a)} - {pn(b)} - {pn(c)} + {pn(d)}) {z} = {num(d)} - {pn(b)}",
            rf"({num(a)} - {pn(b)} - {pn(c)} + {pn(d)})\,{z} &= {num(d)} - {pn(b)}",
        ),
        Equation(f"{num(coef)} {z} = {num(rhs)}", rf"{num(coef)}\,{z} &= {num(rhs)}"),
        Equation(f"{z} = {frac(val)}", rf"{z} &= {frac_tex(val)}"),
    )

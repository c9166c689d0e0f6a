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
from typing import Any

from tradegame.analysis.explain.blocks import (
    MAX_OPTIONS,
    MAX_TABLE_AXIS,
    Account,
    Block,
    Bullets,
    Equation,
    Equations,
    Paragraph,
    PayoffTable,
    Section,
    Table,
    frac,
    frac_tex,
    num,
)
from tradegame.analysis.explain.dynamic import DynamicSteps
from tradegame.analysis.explain.normal_form import NormalFormSteps, pure_best
from tradegame.analysis.explain.sequential import SequentialSteps
from tradegame.play.concepts import CONCEPTS
from tradegame.play.kinds import play_for
from tradegame.play.options import RunOptions
from tradegame.play.solution import CentralSolution
from tradegame.play.solve import solve
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import Solution

__all__ = [
    "Account",
    "Bullets",
    "Equation",
    "Equations",
    "Paragraph",
    "PayoffTable",
    "Section",
    "Table",
    "explain_scenario",
    "frac",
    "frac_tex",
    "num",
    "pure_best",
]

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


class _Builder(NormalFormSteps, SequentialSteps, DynamicSteps):
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

"""What a run plays in its central draw: the parameters at their medians, played as a run plays.

:func:`tradegame.solve` lists a central game's equilibria; a run does more:
its solution concept and selection rule choose among them (risk dominance in
a stag hunt picks one of two equilibria), and draws without a pure
equilibrium follow the ``no_equilibrium`` rule. :func:`central_play` plays
the one draw whose every parameter is at its median exactly as a run plays
each of its draws (:meth:`~tradegame.play.base.GamePlay.play_batch`), so
``tradegame solve`` can show what a run of the same scenario plays at the
medians, and how it chose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradegame.play.base import medians
from tradegame.play.kinds import play_for
from tradegame.play.options import RunOptions
from tradegame.play.solution import CentralSolution
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import Selection, Solution

__all__ = ["CentralPlay", "PlayedProfile", "central_play", "solve_document"]

#: Plays with a smaller probability are left out (numerical noise of mixed equilibria).
_NEGLIGIBLE = 1e-12


@dataclass(frozen=True)
class PlayedProfile:
    """One play of the central draw with the probability the run gives it.

    Attributes
    ----------
    play : str
        ``"player: strategy, ..."`` for a simultaneous game, ``"stage: action > ..."``
        for a sequential one.
    probability : float
    outcome : str
        The outcome's label.
    payoffs : dict of str to float
    """

    play: str
    probability: float
    outcome: str
    payoffs: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "play": self.play,
            "probability": self.probability,
            "outcome": self.outcome,
            "payoffs": self.payoffs,
        }


@dataclass(frozen=True)
class CentralPlay:
    """How a run plays its central draw (every parameter at its median).

    Attributes
    ----------
    solution : str
        The solution concept's name (``pure_nash``, ``subgame_perfect``, ...).
    concept : str
        The solution concept in words.
    selection : str
        The selection's name, as a run's result records it (``uniform``,
        ``risk_dominant``, ``tie_break:first``, ``none`` ...).
    selection_rule : str
        One sentence on how the selection chooses.
    no_equilibrium_rule : str
        One sentence on what a draw without an equilibrium plays.
    n_equilibria : int
        Equilibria the concept found in the central draw.
    plays : tuple of PlayedProfile
        The plays with a positive probability, most likely first.
    no_equilibrium : float
        Probability the run reports the central draw as having no equilibrium
        (1 or 0).
    outcomes : dict of str to float
        Each outcome's probability in the central draw (those above zero).
    expected_payoffs : dict of str to float
        Each player's expected payoff in the central draw (empty when it is
        reported as having no equilibrium).
    """

    solution: str
    concept: str
    selection: str
    selection_rule: str
    no_equilibrium_rule: str
    n_equilibria: int
    plays: tuple[PlayedProfile, ...]
    no_equilibrium: float
    outcomes: dict[str, float]
    expected_payoffs: dict[str, float]

    @property
    def fell_back(self) -> bool:
        """Whether the central draw has no pure equilibrium and plays the fallback instead."""
        pure = self.solution in (Solution.PURE_NASH, Solution.SUBGAME_PERFECT) and (
            self.selection not in (Selection.MIXED, Selection.QRE)
        )
        return pure and self.n_equilibria == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (``tradegame solve --json`` writes it as ``played_at_medians``)."""
        return {
            "solution": self.solution,
            "concept": self.concept,
            "selection": self.selection,
            "selection_rule": self.selection_rule,
            "no_equilibrium_rule": self.no_equilibrium_rule,
            "equilibria_found": self.n_equilibria,
            "plays": [p.to_dict() for p in self.plays],
            "no_equilibrium": self.no_equilibrium,
            "outcomes": self.outcomes,
            "expected_payoffs": self.expected_payoffs,
        }


def central_play(
    scenario: Scenario,
    *,
    solution: str | None = None,
    selection: str | None = None,
    no_equilibrium: str | None = None,
    qre_lambda: float | None = None,
    disagreement: str | None = None,
) -> CentralPlay:
    """Play the central draw (every parameter at its median) as a run plays each draw.

    Parameters
    ----------
    scenario : Scenario
    solution, selection, no_equilibrium, qre_lambda, disagreement : optional
        Overrides of the scenario's ``analysis``, checked as a run checks
        them (:meth:`~tradegame.play.options.RunOptions.resolve`).

    Returns
    -------
    CentralPlay
        The plays with their probabilities, and how the run chose them. A run
        of a scenario whose parameters are all fixed reports exactly these
        outcome probabilities (every draw is the central draw).

    Raises
    ------
    RunOptionError, ScenarioError, NonFiniteError
        As :func:`tradegame.solve`.

    Examples
    --------
    >>> import tradegame as tg
    >>> from tradegame.play.central_play import central_play
    >>> sc = tg.load_scenario("classroom/prisoners_dilemma")
    >>> [(p.play, p.probability) for p in central_play(sc).plays]
    [('row: defect, col: defect', 1.0)]
    """
    options = RunOptions.resolve(
        scenario,
        solution=solution,
        selection=selection,
        no_equilibrium=no_equilibrium,
        qre_lambda=qre_lambda,
        disagreement=disagreement,
    )
    play = play_for(scenario, options)
    _, params = medians(scenario)
    batch = play.play_batch(params, 1)
    weights = batch.weights[0]  # (T,)
    outcome_of = batch.outcomes[0]  # (T,) in the one draw
    payoffs = batch.payoffs[0]  # (n, T)
    labels = scenario.outcome_labels
    order = sorted(
        (int(t) for t in np.flatnonzero(weights > _NEGLIGIBLE)),
        key=lambda t: (-weights[t], t),
    )
    sep = ", " if not play.sequential else " > "
    plays = tuple(
        PlayedProfile(
            play=play.path_label(t).replace(" > ", sep),
            probability=float(weights[t]),
            outcome=labels[int(outcome_of[t])],
            payoffs={p: float(payoffs[i, t]) for i, p in enumerate(play.players)},
        )
        for t in order
    )
    total = float(weights.sum())
    outcomes: dict[str, float] = {}
    for p in plays:
        outcomes[p.outcome] = outcomes.get(p.outcome, 0.0) + p.probability
    text = play.rule_text()
    return CentralPlay(
        solution=str(getattr(options.solution, "value", options.solution)),
        concept=_concept(play.solution_concept, options),
        selection=str(getattr(text.selection, "value", text.selection)),
        selection_rule=text.selection_rule,
        no_equilibrium_rule=text.no_equilibrium_rule,
        n_equilibria=int(batch.n_equilibria[0]),
        plays=plays,
        no_equilibrium=1.0 if total < 0.5 else 0.0,
        outcomes=dict(sorted(outcomes.items(), key=lambda kv: -kv[1])),
        expected_payoffs=(
            {p: float(weights @ payoffs[i]) for i, p in enumerate(play.players)}
            if total >= 0.5
            else {}
        ),
    )


def solve_document(central: CentralSolution, played: CentralPlay, description: str | None) -> str:
    """The JSON document of ``tradegame solve --json``, ending in a newline.

    :meth:`CentralSolution.to_dict` (payoffs, best responses, pure and mixed
    equilibria ...) with the scenario's ``description`` (``null`` when it has
    none) after its title, and ``played_at_medians``
    (:meth:`CentralPlay.to_dict`): what a run plays in its central draw.
    """
    body = central.to_dict()
    doc: dict[str, Any] = {"scenario": body.pop("scenario"), "description": description}
    doc.update(body)
    doc["played_at_medians"] = played.to_dict()
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def _concept(words: str, options: RunOptions) -> str:
    """The concept in words; a simultaneous game's play names mixed play and the QRE."""
    if options.solution == Solution.MIXED_NASH:
        return "mixed Nash equilibria"
    if options.solution == Solution.QRE:
        return f"logit quantal response equilibrium at lambda = {options.qre_lambda:g}"
    if options.solution == Solution.PURE_NASH and options.selection == Selection.MIXED:
        return "the mixed Nash equilibrium in every draw"
    if options.solution == Solution.PURE_NASH and options.selection == Selection.QRE:
        return f"the logit QRE at lambda = {options.qre_lambda:g} in every draw"
    return words

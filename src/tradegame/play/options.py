"""The options of a run or a solve: the scenario's analysis, with overrides, checked.

:meth:`RunOptions.resolve` is the one place a solution concept, selection
rule, fallback, QRE precision and disagreement point are checked against
each other and against the kind of game (simultaneous games take the
concepts of simultaneous moves, sequential games ``subgame_perfect``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import numpy as np

from tradegame.errors import ScenarioError, ScenarioIssue, TradegameError
from tradegame.play.concepts import CONCEPTS, size_problem
from tradegame.play.repeated import punishment_profile
from tradegame.play.rule import PlayRule
from tradegame.play.selection import PURE_RULES
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import (
    BARGAINING,
    Disagreement,
    NoEquilibrium,
    Selection,
    Solution,
    TieBreak,
    UnknownChoice,
    parse_choice,
)

__all__ = ["RunOptionError", "RunOptions"]


class RunOptionError(TradegameError, ValueError):
    """A run option given by the caller (not by the file) that does not fit the scenario.

    Attributes
    ----------
    option : str
        The keyword of :meth:`RunOptions.resolve` it came from (``"solution"``,
        ``"selection"``, ``"no_equilibrium"``, ``"qre_lambda"``,
        ``"disagreement"``); the command line names it ``--solution`` and so on.
    value : object
        The value given.
    reason : str
        What is wrong, without the option's name.
    """

    def __init__(self, option: str, value: Any, reason: str) -> None:
        super().__init__(f"{option}={value!r}: {reason}")
        self.option = option
        self.value = value
        self.reason = reason


_Choice = TypeVar("_Choice", Solution, Selection, NoEquilibrium, Disagreement)

#: The choices of a run, in the order blame goes to them when two conflict.
_RUN_CHOICES = ("solution", "selection", "no_equilibrium", "disagreement", "qre_lambda")


@dataclass(frozen=True)
class RunOptions:
    """How a run solves and plays each draw: the scenario's analysis with overrides."""

    solution: Solution
    selection: Selection
    no_equilibrium: NoEquilibrium
    qre_lambda: float
    tie_break: TieBreak
    disagreement: Disagreement = Disagreement.MAXMIN

    @classmethod
    def resolve(
        cls,
        scenario: Scenario,
        *,
        solution: str | None = None,
        selection: str | None = None,
        no_equilibrium: str | None = None,
        qre_lambda: float | None = None,
        disagreement: str | None = None,
    ) -> RunOptions:
        """The scenario's choices, overridden where given, checked for consistency.

        A problem is blamed on the choices that make it, in the order of
        :data:`_RUN_CHOICES`: on an override given here if one of them is, else
        on the file's ``analysis`` key that chose it, located by line and column.

        Raises
        ------
        RunOptionError
            An override with an unknown value, or one that does not fit the
            scenario (a mixed equilibrium of a three-player game, backward
            induction without stages, a concept for simultaneous moves with
            stages, bargaining between more than two players); a ValueError.
        ScenarioError
            The same problems when the file's ``analysis`` made the choice,
            located at its key (or at ``analysis``, ``players``, ``stages:`` or
            ``tree:`` when the file left the choice to its default).
        """
        a = scenario.analysis
        given = {
            "solution": solution,
            "selection": selection,
            "no_equilibrium": no_equilibrium,
            "qre_lambda": qre_lambda,
            "disagreement": disagreement,
        }
        in_file = scenario.source_map.values if scenario.source_map is not None else {}

        def fail(
            reason: str, *choices: str, default: tuple[str | int, ...] = ("analysis",)
        ) -> NoReturn:
            ordered = [c for c in _RUN_CHOICES if c in choices]
            for c in ordered:
                if given[c] is not None:
                    raise RunOptionError(c, given[c], reason)
            chosen = [("analysis", c) for c in ordered if ("analysis", c) in in_file]
            where = scenario.locate(chosen[0] if chosen else default)
            raise ScenarioError(ScenarioIssue(where, reason))

        def choice(name: str, kind: type[_Choice], value: str) -> _Choice:
            try:
                return parse_choice(kind, value)
            except UnknownChoice as exc:
                fail(str(exc), name)

        # Checked in the order blame goes to them (_RUN_CHOICES).
        chosen_solution = choice("solution", Solution, solution or scenario.solution)
        chosen_selection = choice("selection", Selection, selection or a.selection)
        chosen_no_equilibrium = choice(
            "no_equilibrium", NoEquilibrium, no_equilibrium or scenario.no_equilibrium
        )
        lam = float(a.qre_lambda if qre_lambda is None else qre_lambda)
        if not (np.isfinite(lam) and lam >= 0):
            fail("qre_lambda must be a non-negative number", "qre_lambda")
        opts = cls(
            solution=chosen_solution,
            selection=chosen_selection,
            no_equilibrium=chosen_no_equilibrium,
            qre_lambda=lam,
            tie_break=TieBreak(a.tie_break),
            disagreement=choice("disagreement", Disagreement, disagreement or a.disagreement),
        )
        n = len(scenario.players)
        sequential = scenario.kind.sequential
        shape_key: tuple[str | int, ...] = scenario.kind_location
        if sequential and opts.solution in CONCEPTS:
            fail(
                f"'{opts.solution}' is for simultaneous-move scenarios; this one has "
                f"{scenario.kind_described} and is solved with 'subgame_perfect'",
                "solution",
                default=shape_key,
            )
        shape = tuple(math.prod(len(lv.options) for lv in p.levers) for p in scenario.players)
        problem = size_problem(opts.solution, shape)
        if problem is not None and not sequential:
            fail(problem, "solution", default=("players",))
        if opts.solution in BARGAINING and n != 2:
            fail(
                f"'{opts.solution}' bargains between two players; this scenario has {n} players",
                "solution",
                default=("players",),
            )
        if (
            opts.solution in BARGAINING
            and opts.disagreement == Disagreement.NASH
            and opts.selection not in PURE_RULES
        ):
            fail(
                "disagreement 'nash' takes the pure equilibrium chosen by selection (uniform, "
                f"payoff_dominant or risk_dominant), not selection '{opts.selection}'",
                "selection",
                "disagreement",
                "solution",
            )
        if sequential != (opts.solution == Solution.SUBGAME_PERFECT):
            fail(
                "sequential scenarios (with stages or a tree) are solved with "
                "'subgame_perfect', and only they are",
                "solution",
                default=shape_key,
            )
        if (
            n != 2
            and opts.solution not in CONCEPTS
            and (
                opts.solution == Solution.MIXED_NASH
                or opts.selection in (Selection.MIXED, Selection.RISK_DOMINANT)
                or (
                    opts.no_equilibrium == NoEquilibrium.MIXED
                    and opts.solution == Solution.PURE_NASH
                )
            )
        ):
            blamed = [
                c
                for c, culprit in (
                    ("solution", opts.solution == Solution.MIXED_NASH),
                    ("selection", opts.selection in (Selection.MIXED, Selection.RISK_DOMINANT)),
                    ("no_equilibrium", opts.no_equilibrium == NoEquilibrium.MIXED),
                )
                if culprit
            ]
            fail(
                f"mixed equilibria and risk dominance are for two-player games; "
                f"this scenario has {n} players (use qre)",
                *blamed,
                default=("players",),
            )
        if opts.solution == Solution.MIXED_NASH and opts.selection not in (
            Selection.UNIFORM,
            Selection.PAYOFF_DOMINANT,
        ):
            fail(
                "with mixed_nash, selection is uniform or payoff_dominant", "selection", "solution"
            )
        if scenario.repeated is not None:
            punishment_profile(scenario)  # a located error if it is no stage equilibrium
        return opts

    @property
    def play_rule(self) -> PlayRule:
        return PlayRule(
            self.solution, self.selection, self.no_equilibrium, self.qre_lambda, self.disagreement
        )

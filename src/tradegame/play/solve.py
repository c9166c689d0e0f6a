"""``tg.solve``: a scenario's central game (every parameter at its median), solved, as data."""

from __future__ import annotations

import dataclasses

from tradegame.play.kinds import play_for
from tradegame.play.options import RunOptions
from tradegame.play.solution import CentralSolution
from tradegame.scenario.load import Scenario

__all__ = ["solve"]


def solve(
    scenario: Scenario,
    *,
    solution: str | None = None,
    selection: str | None = None,
    no_equilibrium: str | None = None,
    qre_lambda: float | None = None,
    disagreement: str | None = None,
    dominance: bool = False,
    game_tree: bool = False,
    normal_form: bool = True,
) -> CentralSolution:
    """Solve a scenario's central game: every uncertain parameter at its median.

    The same object backs ``tradegame solve`` (its tables and ``--json``),
    ``tree``, ``export`` and a run's ``central_game``.

    Parameters
    ----------
    scenario : Scenario
        From :func:`tradegame.load_scenario`.
    solution, selection, no_equilibrium, qre_lambda, disagreement : optional
        Overrides of the scenario's ``analysis``, checked as a run checks
        them (:meth:`~tradegame.play.options.RunOptions.resolve`). They decide
        which plays a sequential game with imperfect information reaches.
    dominance : bool, default False
        Also eliminate strictly dominated strategies of the normal form,
        iteratively (pure and mixed dominators), and keep the trace.
    game_tree : bool, default False
        Stage games: also build the central game tree (:attr:`CentralSolution.tree`)
        and its equilibrium path. Tree scenarios always have it; simultaneous
        games have none.
    normal_form : bool, default True
        Sequential games with imperfect information are played through their
        reduced normal form; ``False`` skips it (and so their equilibria), to
        draw a tree too large for its normal form. Other games are unaffected.

    Returns
    -------
    CentralSolution
        Labelled payoffs and best responses, pure and (two players) mixed
        equilibria, the subgame-perfect strategy and path of a sequential game,
        the dominance trace when asked; grim trigger of a ``repeated:`` game
        (:attr:`CentralSolution.repeated`) and the shares of a ``bargaining:``
        game (:attr:`CentralSolution.bargaining`).

    Raises
    ------
    RunOptionError
        An override that is unknown or does not fit the scenario.
    ScenarioError
        A choice of the file that does not fit, or a game too large to solve.
    NonFiniteError
        A payoff that is not finite at the medians.

    Examples
    --------
    >>> import tradegame as tg
    >>> central = tg.solve(tg.load_scenario("classroom/prisoners_dilemma"))
    >>> central.players
    ('row', 'col')
    >>> [central.profile_labels(e) for e in central.pure_equilibria]
    [('defect', 'defect')]
    >>> central.payoffs.shape  # (players, row strategies, column strategies)
    (2, 2, 2)
    >>> bool(central.best_responses[0, 1, 0])  # defecting answers cooperation best
    True

    A repeated game's grim trigger, and Rubinstein bargaining's shares:

    >>> rep = tg.solve(tg.load_scenario("classroom/repeated_prisoners_dilemma")).repeated
    >>> rep.grim.critical_delta, rep.sustained  # (T - R) / (T - P) = (5 - 3) / (5 - 1)
    (0.5, True)
    >>> deal = tg.solve(tg.load_scenario("classroom/rubinstein_bargaining")).bargaining
    >>> deal.proposer, round(deal.shares["buyer"], 4)  # (1 - 0.89) / (1 - 0.9 * 0.89)
    ('buyer', 0.5528)
    """
    options = RunOptions.resolve(
        scenario,
        solution=solution,
        selection=selection,
        no_equilibrium=no_equilibrium,
        qre_lambda=qre_lambda,
        disagreement=disagreement,
    )
    central = play_for(scenario, options).central(
        dominance=dominance, game_tree=game_tree, normal_form=normal_form
    )
    if scenario.overrides:  # what made this scenario from its file, as a run records it
        central = dataclasses.replace(central, overrides=scenario.overrides.to_dict())
    return central

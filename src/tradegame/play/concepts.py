"""Solution concepts beyond Nash equilibrium, for simultaneous-move draws.

Each concept turns every draw's game ``U`` of shape (D, n, A_0, ..., A_{n-1})
into a distribution over its profiles, shape (D, P), like the Nash concepts
of :mod:`tradegame.play.rule`; outcome probabilities, expected payoffs
and lever options then follow from it in the same way.

``correlated``
    The correlated equilibrium with the largest sum of expected payoffs
    (:func:`tradegame.solvers.correlated.correlated_equilibrium_batch`); ties
    lexicographic over profiles in listed order.
``maxmin``
    Every player plays a maxmin (security) mixed strategy, independently
    (:func:`tradegame.solvers.maxmin.maxmin_batch`): of those guaranteeing the
    maxmin value, the best against the others' uniform play, then
    lexicographic over actions.
``nash_bargaining``, ``kalai_smorodinsky`` (two players)
    The bargaining solution over the convex hull of the profiles' payoffs
    (:func:`tradegame.solvers.bargaining.bargaining_batch`), played as a
    lottery over the one or two frontier vertices it mixes. The disagreement
    point is ``maxmin`` (the players' maxmin values) or ``nash`` (the expected
    payoffs of the pure equilibria chosen by the run's selection rule, maxmin
    values in draws without a pure equilibrium).
``rationalizable``
    Every profile surviving iterated elimination of strictly dominated
    strategies (by pure and mixed strategies) equally likely
    (:func:`tradegame.solvers.dominance.strict_dominance_batch`).

Every draw's answer depends on that draw alone (vectorised NumPy for all
draws, and HiGHS linear programs one draw at a time where one is needed), so
results do not change with the chunk size.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from tradegame.play.selection import SELECTION_RULES, select
from tradegame.scenario.vocabulary import (
    BARGAINING,
    Disagreement,
    Selection,
    Solution,
    parse_choice,
)
from tradegame.solvers.pure_nash import pure_nash

__all__ = [
    "CONCEPTS",
    "MAX_CORRELATED_ENTRIES",
    "concept_distribution",
    "describe_concept",
    "product",
    "size_problem",
]

#: The concepts of this module, with what a draw plays under each.
CONCEPTS: dict[Solution, str] = {
    Solution.CORRELATED: "the correlated equilibrium with the largest sum of the players' expected "
    "payoffs (a linear program, HiGHS); among equally good ones (within 1e-9 of the payoff "
    "scale) the most probability on the first profile in listed order, then on the second, "
    "and so on",
    Solution.MAXMIN: "each player independently plays a maxmin (security) mixed strategy: of those "
    "guaranteeing the player's maxmin value, the one with the largest mean payoff over the "
    "others' profiles (as if they played every profile equally likely), then the most weight "
    "on the first-listed strategy, then on the second, and so on",
    Solution.NASH_BARGAINING: "the Nash bargaining solution: the payoff pair of the convex hull of "
    "the profiles' payoffs that maximises (u1 - d1)(u2 - d2) over u >= d",
    Solution.KALAI_SMORODINSKY: "the Kalai-Smorodinsky solution: the Pareto-efficient payoff "
    "pair of the convex hull of the profiles' payoffs on the segment from d to the ideal point "
    "(equal relative gains)",
    Solution.RATIONALIZABLE: "every profile that survives iterated elimination of strictly "
    "dominated strategies (by pure or mixed strategies) equally likely",
}

#: ``correlated`` is refused when a draw's incentive constraints, as a dense
#: (constraints x profiles) matrix, would have more entries than this (200 MB).
MAX_CORRELATED_ENTRIES = 25_000_000

_LOTTERY = (
    ", played as a lottery over the one or two Pareto-frontier vertices it mixes (a vertex: "
    "its profile alone; profiles with identical payoffs equally likely); when no feasible "
    "pair beats d for both players, the Pareto-efficient pair with u >= d"
)


def product(marginals: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """Profile distribution from independent mixed strategies.

    Parameters
    ----------
    marginals : list of ndarray, each shape (D, A_i)

    Returns
    -------
    ndarray, shape (D, A_0 * ... * A_{n-1})
        C order over the players' axes.
    """
    out = marginals[0]
    for m in marginals[1:]:
        out = (out[:, :, None] * m[:, None, :]).reshape(out.shape[0], -1)
    return out


def size_problem(solution: str, shape: tuple[int, ...]) -> str | None:
    """Why a concept cannot solve games of this shape in reasonable memory, or None.

    Parameters
    ----------
    solution : str
    shape : tuple of int
        ``(A_0, ..., A_{n-1})``, the players' numbers of strategies.
    """
    if solution != Solution.CORRELATED:
        return None
    profiles = math.prod(shape)
    constraints = sum(a * (a - 1) for a in shape)
    if profiles * constraints <= MAX_CORRELATED_ENTRIES:
        return None
    return (
        f"'correlated' solves a linear program per draw over the {profiles:,} profiles with "
        f"{constraints:,} incentive constraints, too large for this game (at most "
        f"{MAX_CORRELATED_ENTRIES:,} constraint entries); use 'rationalizable', 'maxmin' or "
        "'qre', or fewer strategies"
    )


def describe_concept(solution: str, selection: str, disagreement: str) -> tuple[str, str, str]:
    """How a run of a concept played its draws, for the result's ``method``.

    Returns
    -------
    (selection, selection_rule, no_equilibrium) : tuple of str
        A short name of the rule choosing among the concept's solutions, that
        rule in a sentence, and what draws without a (pure) equilibrium did
        (for bargaining: the disagreement point).
    """
    rule = CONCEPTS[Solution(solution)]
    if solution == Solution.CORRELATED:
        return (
            "max_total_payoff",
            rule,
            "not needed: every game has a correlated equilibrium (its Nash equilibria are "
            "among them)",
        )
    if solution == Solution.MAXMIN:
        return (
            "best_against_uniform",
            rule,
            "not needed: every player has a maxmin strategy in every draw",
        )
    if solution == Solution.RATIONALIZABLE:
        return "uniform", rule, "not needed: some profile always survives"
    if disagreement == Disagreement.MAXMIN:
        return (
            "disagreement:maxmin",
            rule + _LOTTERY,
            "disagreement point d: each player's maxmin (security) value in the draw; no "
            "equilibrium is needed",
        )
    return (
        f"disagreement:nash/{selection}",
        rule + _LOTTERY,
        f"disagreement point d: the expected payoffs of the draw's pure Nash equilibria chosen "
        f"by selection '{selection}' ({SELECTION_RULES[Selection(selection)]}); draws with no pure "
        "equilibrium use the players' maxmin values",
    )


def concept_distribution(
    U: NDArray[np.float64],
    solution: str,
    selection: str = Selection.UNIFORM,
    disagreement: str = Disagreement.MAXMIN,
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Distribution over profiles of every draw's game under a concept of this module.

    Parameters
    ----------
    U : ndarray, shape (D, n, A_0, ..., A_{n-1})
    solution : str
        A key of :data:`CONCEPTS`.
    selection : one of :data:`~tradegame.scenario.vocabulary.PURE_SELECTIONS`
        With ``disagreement="nash"``: which pure equilibria give the
        disagreement point.
    disagreement : Disagreement or str
        Disagreement point of the bargaining concepts.

    Returns
    -------
    weights : ndarray, shape (D, P)
        Rows sum to 1.
    n_equilibria : ndarray of int, shape (D,)
        Pure Nash equilibria of each draw (for the result's counts).
    """
    from tradegame.solvers.bargaining import bargaining_batch
    from tradegame.solvers.correlated import correlated_equilibrium_batch
    from tradegame.solvers.dominance import strict_dominance_batch
    from tradegame.solvers.maxmin import maxmin_batch

    D, n = U.shape[0], U.shape[1]
    mask = pure_nash(U, n_players=n).reshape(D, -1)
    n_eq = mask.sum(axis=1).astype(np.intp)
    if solution == Solution.CORRELATED:
        return correlated_equilibrium_batch(U, n), n_eq
    if solution == Solution.MAXMIN:
        return product(list(maxmin_batch(U, n).strategies)), n_eq
    if solution == Solution.RATIONALIZABLE:
        alive = strict_dominance_batch(U, n, mixed=True)
        return product([a / a.sum(axis=1, keepdims=True) for a in alive]), n_eq
    if solution not in BARGAINING:
        raise ValueError(f"unknown solution concept {solution!r}; known: {', '.join(CONCEPTS)}")
    if n != 2:
        raise ValueError(f"{solution} is for two-player games; this one has {n} players")
    if parse_choice(Disagreement, disagreement) == Disagreement.NASH:
        flat = U.reshape(D, n, -1)
        chosen = select(mask, flat, selection, U.shape[2:])
        d = (chosen[:, None, :] * flat).sum(axis=2)
        none = np.flatnonzero(n_eq == 0)
        if none.size:
            d[none] = maxmin_batch(U[none], n, strategies=False).value
    else:
        d = maxmin_batch(U, n, strategies=False).value
    method = "nash" if solution == Solution.NASH_BARGAINING else "kalai_smorodinsky"
    return bargaining_batch(U, d, method).weights, n_eq

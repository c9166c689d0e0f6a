"""How each draw's game is played: a distribution over profiles per draw.

The simulation needs, for every draw, the probability of each strategy
profile. This module turns a draw's payoffs into that distribution under the
scenario's solution concept and selection rule:

``pure_nash`` with ``uniform``, ``payoff_dominant`` or ``risk_dominant``
    A pure equilibrium chosen by the rule (:mod:`.selection`). Draws without a
    pure equilibrium follow the ``no_equilibrium`` rule: ``mixed`` (two
    players: the mixed equilibria, uniformly), ``qre`` (the logit QRE) or
    ``report`` (counted as the outcome ``no_pure_equilibrium``).
``pure_nash`` with ``mixed`` or ``qre``, ``mixed_nash``, ``qre``
    Every draw plays the mixed equilibrium (extreme equilibria of the
    bimatrix game, uniformly or the payoff-dominant ones) or the logit QRE at
    ``qre_lambda``: the profile distribution is the product of the players'
    mixed strategies.

``correlated``, ``maxmin``, ``nash_bargaining``, ``kalai_smorodinsky``, ``rationalizable``
    Concepts beyond Nash equilibrium, each with its own rule for choosing
    among its solutions: see :mod:`tradegame.play.concepts`. Every draw
    plays them (no draw lacks a solution).

Mixed equilibria come from vertex enumeration (all extreme equilibria,
:func:`tradegame.solvers.mixed_nash_2p_batch`) for games small enough, and
from Lemke–Howson (one equilibrium, :func:`tradegame.solvers.lemke_howson_batch`)
beyond :data:`MAX_ENUMERATION_BASES` candidate bases, as the result records.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from tradegame.play.concepts import CONCEPTS, concept_distribution, describe_concept, product
from tradegame.play.selection import select
from tradegame.scenario.vocabulary import Disagreement, NoEquilibrium, Selection, Solution
from tradegame.solvers.lemke_howson import lemke_howson_batch
from tradegame.solvers.logit_qre import logit_qre, logit_qre_batch
from tradegame.solvers.mixed_nash_2p_batch import mixed_nash_2p_batch
from tradegame.solvers.pure_nash import pure_nash

__all__ = ["MAX_ENUMERATION_BASES", "PlayRule", "play_distribution"]

#: Games with more candidate bases C(m + n, m) use Lemke–Howson (one equilibrium).
MAX_ENUMERATION_BASES = 20_000


class PlayRule:
    """A solution concept with its selection and fallback, ready to apply.

    Parameters
    ----------
    solution : Solution or str
        Any but ``subgame_perfect``: ``pure_nash``, ``mixed_nash``, ``qre``, or
        a key of :data:`~tradegame.play.concepts.CONCEPTS`.
    selection : Selection or str
        See :data:`tradegame.play.selection.SELECTION_RULES`.
    no_equilibrium : NoEquilibrium or str
        For ``pure_nash`` with a pure selection rule: what draws without a pure
        equilibrium play.
    qre_lambda : float
        Precision of the logit QRE.
    disagreement : Disagreement or str, default "maxmin"
        Disagreement point of ``nash_bargaining`` and ``kalai_smorodinsky``.
    """

    def __init__(
        self,
        solution: str,
        selection: str,
        no_equilibrium: str,
        qre_lambda: float,
        disagreement: str = Disagreement.MAXMIN,
    ) -> None:
        self.solution = solution
        self.selection = selection
        self.no_equilibrium = no_equilibrium
        self.qre_lambda = qre_lambda
        self.disagreement = disagreement
        if solution in CONCEPTS:
            self.mode = solution
        elif solution == Solution.MIXED_NASH:
            self.mode = "mixed"
        elif solution == Solution.QRE:
            self.mode = "qre"
        elif selection in (Selection.MIXED, Selection.QRE):
            self.mode = selection
        else:
            self.mode = "pure"

    def compile_kernels(self) -> None:
        """Compile (or load from numba's disk cache) the kernels this rule's solvers use.

        A pool of worker processes then loads the cached machine code instead
        of each worker compiling it.
        """
        if self.mode == "qre" or self.no_equilibrium == NoEquilibrium.QRE:
            logit_qre(np.zeros((2, 2, 2)), 1.0)

    def describe(self, n_players: int, shape: tuple[int, ...]) -> str:
        """One sentence on how draws are played, for the result document."""
        if self.mode in CONCEPTS:
            return describe_concept(self.solution, self.selection, self.disagreement)[2]
        if self.mode == "mixed":
            method = _mixed_method(shape)
            if self.selection == Selection.PAYOFF_DOMINANT:
                method = method.replace(", equally likely", ", those not Pareto-dominated")
            return "every draw plays its mixed Nash equilibrium: " + method
        if self.mode == "qre":
            return f"every draw plays its logit QRE at lambda = {self.qre_lambda:g}"
        if self.no_equilibrium == NoEquilibrium.REPORT:
            return "draws with no pure equilibrium are reported as 'no_pure_equilibrium'"
        if self.no_equilibrium == NoEquilibrium.MIXED:
            return "draws with no pure equilibrium play their mixed equilibrium: " + (
                _mixed_method(shape)
            )
        return (
            f"draws with no pure equilibrium play their logit QRE at lambda = {self.qre_lambda:g}"
        )


def _mixed_method(shape: tuple[int, ...]) -> str:
    m, n = shape
    if math.comb(m + n, m) <= MAX_ENUMERATION_BASES:
        return "all extreme equilibria by vertex enumeration, equally likely"
    return "one equilibrium by Lemke-Howson (the game is too large to list them all)"


def _mixed(U: NDArray[np.float64], selection: str) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    D, _, m, n = U.shape
    if math.comb(m + n, m) > MAX_ENUMERATION_BASES:
        x, y = lemke_howson_batch(U)
        return product([x, y]), np.ones(D, dtype=np.intp)
    eq = mixed_nash_2p_batch(U)
    K = eq.valid.shape[1]
    weight = eq.valid.astype(float)
    if selection == Selection.PAYOFF_DOMINANT and K > 1:
        x = np.nan_to_num(eq.x)
        y = np.nan_to_num(eq.y)
        pay = np.stack(
            [np.einsum("dkm,dmn,dkn->dk", x, U[:, i], y) for i in range(2)], axis=1
        )  # (D, 2, K)
        a, b = pay[:, :, :, None], pay[:, :, None, :]
        dominates = (a >= b).all(axis=1) & (a > b).any(axis=1)
        dominates &= eq.valid[:, :, None] & eq.valid[:, None, :]
        weight = (eq.valid & ~dominates.any(axis=1)).astype(float)
    weight /= np.maximum(weight.sum(axis=1, keepdims=True), 1.0)
    dist = np.zeros((D, m * n))
    for k in range(K):
        has = weight[:, k] > 0
        if has.any():
            dist[has] += weight[has, k, None] * product(
                [np.nan_to_num(eq.x[has, k]), np.nan_to_num(eq.y[has, k])]
            )
    return dist, eq.n_equilibria.astype(np.intp)


def _qre(U: NDArray[np.float64], lam: float, n: int) -> NDArray[np.float64]:
    marginals = logit_qre_batch(U, lam, n_players=n)
    return product([np.asarray(p) for p in marginals])


def play_distribution(
    U: NDArray[np.float64], rule: PlayRule
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Distribution over profiles of every draw's game.

    Parameters
    ----------
    U : ndarray, shape (D, n, A_0, ..., A_{n-1})
    rule : PlayRule

    Returns
    -------
    weights : ndarray, shape (D, P)
        Rows sum to 1, or to 0 for draws reported as having no pure equilibrium.
    n_equilibria : ndarray of int, shape (D,)
        Pure equilibria of each draw (mixed equilibria for the ``mixed`` mode,
        1 for ``qre``; pure equilibria again for the concepts of
        :mod:`tradegame.play.concepts`).
    """
    D, n = U.shape[0], U.shape[1]
    shape = U.shape[2:]
    if rule.mode in CONCEPTS:
        return concept_distribution(U, rule.solution, rule.selection, rule.disagreement)
    if rule.mode == "mixed":
        return _mixed(U, rule.selection)
    if rule.mode == "qre":
        return _qre(U, rule.qre_lambda, n), np.ones(D, dtype=np.intp)
    mask = pure_nash(U, n_players=n).reshape(D, -1)
    flat = U.reshape(D, n, -1)
    weights = select(mask, flat, rule.selection, shape)
    n_eq = mask.sum(axis=1)
    none = np.flatnonzero(n_eq == 0)
    if none.size and rule.no_equilibrium != NoEquilibrium.REPORT:
        if rule.no_equilibrium == NoEquilibrium.MIXED and n == 2:
            weights[none] = _mixed(U[none], Selection.UNIFORM)[0]
        else:
            weights[none] = _qre(U[none], rule.qre_lambda, n)
    return weights, n_eq

"""Equilibrium selection: from each draw's equilibria to a distribution over profiles.

A selection rule turns the equilibrium mask of every draw into weights over
profiles that sum to 1 on draws with at least one equilibrium and to 0 on
draws with none (those draws are reported as their own category by the
simulation, never dropped).

Rules
-----
``uniform``
    Every pure equilibrium of the draw is equally likely.
``payoff_dominant``
    Equilibria Pareto-dominated by another equilibrium of the same draw
    (every player at least as well off, one strictly better) are discarded;
    the rest are equally likely. When one equilibrium dominates all others
    this is Harsanyi and Selten's (1988) payoff dominance.
``risk_dominant`` (two players)
    The equilibria with the largest product of the players' deviation losses
    ``(A[a, b] - max_{a' != a} A[a', b]) * (B[a, b] - max_{b' != b} B[a, b'])``
    (Harsanyi and Selten 1988, section 3.9; for 2x2 games their risk
    dominance), equally likely.

The rules ``mixed`` and ``qre``, which play a mixed profile rather than select
a pure equilibrium, are in :mod:`tradegame.play.rule`.

A rule that selects among pure equilibria is a function in
:data:`PURE_RULES` (the equilibria it keeps, from the equilibrium mask and
the payoffs) with its sentence in :data:`SELECTION_RULES` and its name in
:class:`~tradegame.scenario.vocabulary.Selection`; ``docs/contributing.md``
walks through adding one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from tradegame.scenario.vocabulary import Selection, parse_choice

__all__ = ["PURE_RULES", "SELECTION_RULES", "KeepRule", "select"]

#: Every selection rule (:class:`~tradegame.scenario.vocabulary.Selection`) in a sentence.
SELECTION_RULES: dict[Selection, str] = {
    Selection.UNIFORM: "each pure Nash equilibrium of a draw equally likely",
    Selection.PAYOFF_DOMINANT: "pure equilibria not Pareto-dominated by another equilibrium of the "
    "draw, equally likely (Harsanyi-Selten payoff dominance when one dominates all)",
    Selection.RISK_DOMINANT: "pure equilibria with the largest product of the two players' "
    "deviation losses (Harsanyi-Selten risk dominance), equally likely",
    Selection.MIXED: "the distribution over profiles of the mixed Nash equilibrium (two players; "
    "uniform over the extreme equilibria when there are several)",
    Selection.QRE: "the distribution over profiles of the logit quantal response equilibrium at "
    "the scenario's qre_lambda, principal branch",
}


def select(
    mask: NDArray[np.bool_],
    U: NDArray[np.float64],
    rule: str = Selection.UNIFORM,
    shape: tuple[int, ...] | None = None,
) -> NDArray[np.float64]:
    """Weights over profiles for each draw under a selection rule.

    Parameters
    ----------
    mask : ndarray of bool, shape (D, P)
        Pure equilibria of each draw (flattened profiles).
    U : ndarray of float, shape (D, n, P)
        Payoffs, flattened over profiles.
    rule : one of :data:`~tradegame.scenario.vocabulary.PURE_SELECTIONS`
    shape : tuple of int, optional
        ``(A_0, ..., A_{n-1})``; needed for ``risk_dominant``.

    Returns
    -------
    ndarray of float64, shape (D, P)
        Rows sum to 1 where the draw has an equilibrium, else 0.
    """
    rule = parse_choice(Selection, rule)
    keep_rule = PURE_RULES.get(rule)
    if keep_rule is None:
        raise ValueError(
            f"selection rule '{rule}' plays a mixed profile in every draw rather than select "
            "a pure equilibrium (see tradegame.play.rule)"
        )
    keep = keep_rule(mask, U, shape)
    counts = keep.sum(axis=1, keepdims=True)
    return np.divide(keep, counts, out=np.zeros(keep.shape), where=counts > 0)


def _every_equilibrium(
    mask: NDArray[np.bool_], U: NDArray[np.float64], shape: tuple[int, ...] | None
) -> NDArray[np.bool_]:
    return mask


def _pareto_undominated_equilibria(
    mask: NDArray[np.bool_], U: NDArray[np.float64], shape: tuple[int, ...] | None = None
) -> NDArray[np.bool_]:
    keep = mask.copy()
    counts = mask.sum(axis=1)
    several = np.flatnonzero(counts > 1)
    if several.size == 0:
        return keep
    # Only draws with several equilibria need comparing; pad their equilibria to a
    # (draws, k, k) comparison instead of comparing all P x P profile pairs.
    sub = mask[several]
    k = int(counts[several].max())
    order = np.argsort(~sub, axis=1, kind="stable")[:, :k]  # equilibria first
    valid = np.take_along_axis(sub, order, axis=1)  # (d, k)
    pay = np.take_along_axis(U[several], order[:, None, :], axis=2)  # (d, n, k)
    a = pay[:, :, :, None]  # candidate dominator
    b = pay[:, :, None, :]  # candidate dominated
    dominates = (a >= b).all(axis=1) & (a > b).any(axis=1)  # (d, k, k): row dominates col
    dominates &= valid[:, :, None] & valid[:, None, :]
    dominated = dominates.any(axis=1)  # (d, k)
    drop_rows, drop_cols = np.nonzero(dominated & valid)
    keep[several[drop_rows], order[drop_rows, drop_cols]] = False
    return keep


def _risk_dominant_equilibria(
    mask: NDArray[np.bool_], U: NDArray[np.float64], shape: tuple[int, ...] | None
) -> NDArray[np.bool_]:
    if shape is None or len(shape) != 2:
        raise ValueError("risk dominance is defined here for two-player games")
    m, n = shape
    D = mask.shape[0]
    A = U[:, 0].reshape(D, m, n)
    B = U[:, 1].reshape(D, m, n)
    # Each player's loss from deviating to their best other action.
    if m > 1:
        top2_A = -np.sort(-A, axis=1)[:, :2]  # (D, 2, n) best and second-best per column
        best_other_A = np.where(A >= top2_A[:, :1], top2_A[:, 1:2], top2_A[:, :1])
        loss_A = A - best_other_A
    else:
        loss_A = np.ones_like(A)
    if n > 1:
        top2_B = -np.sort(-B, axis=2)[:, :, :2]
        best_other_B = np.where(B >= top2_B[:, :, :1], top2_B[:, :, 1:2], top2_B[:, :, :1])
        loss_B = B - best_other_B
    else:
        loss_B = np.ones_like(B)
    product = (loss_A * loss_B).reshape(D, -1)
    score = np.where(mask, product, -np.inf)
    best = score.max(axis=1, keepdims=True)
    return mask & (score >= best)


#: A pure selection rule: from each draw's equilibrium mask ``(D, P)``, payoffs
#: ``(D, n, P)`` and the game's shape, the equilibria kept ``(D, P)``; the kept
#: ones of a draw are equally likely.
KeepRule = Callable[
    [NDArray[np.bool_], NDArray[np.float64], "tuple[int, ...] | None"], NDArray[np.bool_]
]

#: The rules that select among pure equilibria, by name.
PURE_RULES: dict[Selection, KeepRule] = {
    Selection.UNIFORM: _every_equilibrium,
    Selection.PAYOFF_DOMINANT: _pareto_undominated_equilibria,
    Selection.RISK_DOMINANT: _risk_dominant_equilibria,
}

r"""Subgame-perfect equilibrium of perfect-information stage games by backward induction.

The game is a fixed-depth tree of stages :math:`0, \dots, k-1` (see
:mod:`tradegame.model.stages`), with payoffs
``V[..., i, a_0, ..., a_{k-1}]`` and leading draw axes. Backward induction
(Kuhn 1953; Selten 1975; Osborne & Rubinstein 1994, Proposition 99.2) replaces the
last stage by its value and repeats:

1. Start from :math:`W_k = V`, shape ``(..., n, A_0, ..., A_{k-1})``.
2. For :math:`s = k-1, \dots, 0`, reduce the last action axis of :math:`W_{s+1}`:

   - a player stage with mover *i*: at every history :math:`(a_0, \dots, a_{s-1})`
     the mover picks an action maximising its own payoff
     :math:`W_{s+1}[\dots, i, a_0, \dots, a_{s-1}, a]`; every player's value is
     the payoff vector at that action (or the average over tied actions with
     ``tie_break="uniform"``);
   - a chance stage: the expectation over the action axis under that stage's
     probabilities.

3. :math:`W_0` of shape ``(..., n)`` holds the values at the root.

Each step is one vectorised reduction over *all* draws and *all* histories of the
stage at once, so the cost is one pass over ``V`` plus geometrically smaller
passes, with no Python loop over draws or nodes. Because the reduction is done at
every history, the strategy is complete: it prescribes an action off the
equilibrium path too, which is what makes the profile subgame perfect.

A forward pass then multiplies the per-stage behaviour (the chosen action, or the
tie mixture, or the chance probabilities) into the distribution of terminal
histories on the equilibrium path.

Stages that end the game (:attr:`~tradegame.model.stages.Stage.ends`): ``V`` is
first replaced by the payoffs of each history's canonical history, so every mover
after an end is indifferent and the values are those of the game that stops; the
path distribution is then moved onto canonical histories (the phantom continuations'
mass summed) and the stage marginals count a stage only where it is reached.

Ties. With ``tie_break="first"`` the mover takes the lowest-index best action (a
pure strategy). With ``"uniform"`` it mixes uniformly over its best actions; the
profile is then a behaviour-strategy subgame-perfect equilibrium (each mixture is
over best responses, so still optimal at every node), and ``strategy`` records the
lowest-index best action while ``behaviour`` records the mixture. ``ties`` marks
every history where the mover had more than one best action, so results can say
how often the rule mattered.

References
----------
H. W. Kuhn (1953), "Extensive games and the problem of information",
*Contributions to the Theory of Games II*, 193-216.

R. Selten (1975), "Reexamination of the perfectness concept for equilibrium points
in extensive games", *International Journal of Game Theory* 4, 25-55.

M. J. Osborne and A. Rubinstein (1994), *A Course in Game Theory*, MIT Press, ch. 6.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame._numeric import compiled_pays
from tradegame.model.stages import (
    ChanceProbs,
    Stage,
    canonical_index,
    canonical_payoffs,
    check_chance_probs,
    check_payoffs,
    check_stages,
    has_ends,
    merge_phantoms,
    observed_stages,
    reached_mask,
)
from tradegame.scenario.vocabulary import TieBreak, parse_choice
from tradegame.solvers.validation import check_finite, numeric_array

__all__ = [
    "SOLUTION_CONCEPT",
    "BackwardInductionResult",
    "backward_induction",
    "subgame_perfect_paths",
]

SOLUTION_CONCEPT = "subgame-perfect equilibrium (backward induction)"


@dataclass(frozen=True)
class BackwardInductionResult:
    r"""A subgame-perfect equilibrium of a stage game, for every draw.

    Shapes below use ``...`` for the draw axes of the payoff array, *n* players and
    :math:`A_s` actions at stage *s*.

    Attributes
    ----------
    values : ndarray of float, shape (..., n)
        Each player's equilibrium payoff at the root.
    strategy : tuple of (ndarray of intp or None)
        ``strategy[s]`` has shape ``(..., A_0, ..., A_{s-1})``: the action the mover
        of stage *s* takes at every history of earlier actions, on or off the
        equilibrium path (the lowest-index best action). ``None`` at chance stages.
    behaviour : tuple of ndarray of float
        ``behaviour[s]`` has shape ``(..., A_0, ..., A_{s-1}, A_s)``: the probability
        of each action of stage *s* at every history. One-hot for ``tie_break="first"``;
        uniform over best actions for ``"uniform"``; the chance probabilities at chance
        stages.
    ties : tuple of (ndarray of bool or None)
        ``ties[s]`` has shape ``(..., A_0, ..., A_{s-1})``: True where the mover had
        more than one best action. ``None`` at chance stages.
    path_probs : ndarray of float, shape (..., A_0, ..., A_{k-1})
        Probability of each terminal history when everyone follows the equilibrium
        (a distribution because of chance moves and ``"uniform"`` tie-breaking).
        With stages that end the game (:attr:`Stage.ends`) the mass of a history that
        ended sits on its canonical history (later stages at their first action) and is
        zero on the other, phantom, continuations.
    action_probs : tuple of ndarray of float
        ``action_probs[s]`` has shape ``(..., A_s)``: the probability that stage *s*
        ends in each action on the equilibrium path (a marginal of ``path_probs``),
        counted only where stage *s* is reached: it sums to P(stage *s* is reached).
    stages : tuple of Stage
    players : tuple of str
    tie_break : {"first", "uniform"}
        The tie-breaking rule used.
    tol : float
        Payoff tolerance within which actions counted as tied.
    solution_concept : str
    """

    values: NDArray[np.floating]
    strategy: tuple[NDArray[np.intp] | None, ...]
    behaviour: tuple[NDArray[np.floating], ...]
    ties: tuple[NDArray[np.bool_] | None, ...]
    path_probs: NDArray[np.floating]
    action_probs: tuple[NDArray[np.floating], ...]
    stages: tuple[Stage, ...]
    players: tuple[str, ...]
    tie_break: TieBreak
    tol: float
    solution_concept: str = SOLUTION_CONCEPT


def backward_induction(
    V: ArrayLike,
    stages: Sequence[Stage],
    players: Sequence[str],
    chance_probs: ChanceProbs = None,
    tie_break: str = TieBreak.FIRST,
    tol: float = 0.0,
) -> BackwardInductionResult:
    """Solve a perfect-information stage game by backward induction, over all draws at once.

    Parameters
    ----------
    V : array_like, shape (..., n, A_0, ..., A_{k-1})
        ``V[..., i, a_0, ..., a_{k-1}]`` is player *i*'s payoff when stage *s* ends in
        action :math:`a_s`; players in the order of ``players``; leading axes are draws.
    stages : sequence of Stage, length k
        The stages in the order they are played. All must have perfect information
        (``observes`` None or every earlier stage).
    players : sequence of str, length n
        Player names; the order of the player axis of ``V``.
    chance_probs : sequence or mapping, optional
        Probabilities of the chance stages, each of shape ``(A_s,)`` or ``(..., A_s)``:
        one entry per stage (None at player stages) or a mapping from a chance stage's
        index or name. Required when there are chance stages.
    tie_break : {"first", "uniform"}, default "first"
        "first": the mover takes its lowest-index best action. "uniform": it mixes
        uniformly over its best actions.
    tol : float, default 0.0
        Actions within ``tol`` of the best payoff count as tied (0.0 = exact).

    Returns
    -------
    BackwardInductionResult

    Raises
    ------
    ValueError
        On inconsistent shapes, bad probabilities, an unknown ``tie_break``, or a stage
        with imperfect information (solve those through
        :func:`tradegame.model.normal_form.reduced_normal_form`).

    Examples
    --------
    Entry deterrence: the entrant (stage 0) stays out or enters; the incumbent
    (stage 1) fights or accommodates.

    >>> import numpy as np
    >>> from tradegame.model.stages import Stage
    >>> stages = (Stage("entry", "E", ("out", "in")), Stage("reply", "I", ("fight", "accommodate")))
    >>> V = np.array([[[0, 0], [-1, 1]], [[2, 2], [-1, 1]]])  # V[i, entry, reply]
    >>> res = backward_induction(V, stages, ("E", "I"))
    >>> res.values.tolist(), int(res.strategy[0]), res.strategy[1].tolist()
    ([1.0, 1.0], 1, [0, 1])
    """
    stages = check_stages(stages, players)
    players = tuple(players)
    tie_break = parse_choice(TieBreak, tie_break)
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a non-negative finite number, got {tol!r}")
    for s, st in enumerate(stages):
        if not st.is_chance and observed_stages(stages, s) != tuple(range(s)):
            raise ValueError(
                f"stage {s} ({st.name!r}) has imperfect information (observes "
                f"{list(observed_stages(stages, s))} of earlier stages {list(range(s))}); "
                "backward induction needs perfect information: solve imperfect-information "
                "games through the normal form (tradegame.model.normal_form.reduced_normal_form)"
            )
    # The stage layout's shape check lives with the stages; dtype and finiteness are
    # the solver contract's, as for every other solver.
    arr, lead_shape = check_payoffs(numeric_array(V), stages, players)
    check_finite(arr)
    probs = check_chance_probs(chance_probs, stages, lead_shape)
    ends = has_ends(stages)
    if ends:
        # Later choices cannot matter once the game ended: movers there are indifferent.
        arr = canonical_payoffs(arr, stages)
    movers = [-1 if st.mover is None else players.index(st.mover) for st in stages]
    values, strategy, behaviour, ties = _backward(
        arr, len(lead_shape), movers, probs, tie_break, tol
    )
    path, action_probs = _forward(behaviour, lead_shape)
    if ends:
        path = merge_phantoms(path, stages)
        reach = reached_mask(stages)
        n_lead = len(lead_shape)
        action_probs = tuple(
            np.moveaxis(np.where(reach[s], path, 0.0), n_lead + s, -1).sum(
                axis=tuple(range(n_lead, n_lead + len(stages) - 1))
            )
            for s in range(len(stages))
        )
    return BackwardInductionResult(
        values=values,
        strategy=strategy,
        behaviour=behaviour,
        ties=ties,
        path_probs=path,
        action_probs=action_probs,
        stages=stages,
        players=players,
        tie_break=tie_break,
        tol=float(tol),
    )


def _backward(
    V: NDArray[np.floating],
    n_lead: int,
    movers: list[int],
    probs: dict[int, NDArray[np.floating]],
    tie_break: str,
    tol: float,
) -> tuple[
    NDArray[np.floating],
    tuple[NDArray[np.intp] | None, ...],
    tuple[NDArray[np.floating], ...],
    tuple[NDArray[np.bool_] | None, ...],
]:
    """Reduce the stage axes of ``V`` from last to first; see the module docstring."""
    k = len(movers)
    lead = (slice(None),) * n_lead
    strategy: list[NDArray[np.intp] | None] = [None] * k
    behaviour: list[NDArray[np.floating]] = [np.empty(0)] * k
    ties: list[NDArray[np.bool_] | None] = [None] * k
    W = V  # shape (..., n, A_0, ..., A_s) at the top of step s
    for s in range(k - 1, -1, -1):
        A = W.shape[-1]
        i = movers[s]
        if i < 0:
            p = probs[s]  # (..., A_s)
            # Put the probabilities on the last axis, broadcasting over players and history.
            p_b = p.reshape(p.shape[:n_lead] + (1,) * (s + 1) + (A,))
            W = np.einsum("...a,...a->...", W, p_b)
            behaviour[s] = np.broadcast_to(
                p.reshape(p.shape[:n_lead] + (1,) * s + (A,)),
                W.shape[:n_lead] + W.shape[n_lead + 1 :] + (A,),
            )
            continue
        mover_ix: tuple[slice | int, ...] = (*lead, i)
        u = W[mover_ix]  # mover's payoff, (..., A_0, ..., A_s)
        # Loops over the (few) actions do elementwise passes over whole arrays: much faster
        # than NumPy reductions along a short last axis, and the same arithmetic.
        u_a = [u[..., a] for a in range(A)]
        best = u_a[0].copy()
        for a in range(1, A):
            np.maximum(best, u_a[a], out=best)
        thr = best - tol if tol else best
        choice = np.zeros(best.shape, dtype=np.intp)  # becomes the first best action
        n_tied = np.zeros(best.shape, dtype=np.intp)
        hits = [u_a[a] >= thr for a in range(A)]
        for a in range(A - 1, -1, -1):  # descending, so the lowest tied index is kept
            n_tied += hits[a]
            np.copyto(choice, a, where=hits[a])
        strategy[s] = choice
        ties[s] = n_tied > 1
        beh = np.empty((*choice.shape, A), dtype=V.dtype)
        # The same choice applies to every player's payoff: broadcast over the player axis.
        if tie_break == "first":
            chosen = np.expand_dims(choice, axis=n_lead)
            W_next = W[..., 0].copy()
            for a in range(1, A):
                np.copyto(W_next, W[..., a], where=chosen == a)
            for a in range(A):
                beh[..., a] = choice == a
        else:
            for a in range(A):
                beh[..., a] = hits[a] / n_tied
            W_next = W[..., 0] * np.expand_dims(beh[..., 0], axis=n_lead)
            for a in range(1, A):
                W_next += W[..., a] * np.expand_dims(beh[..., a], axis=n_lead)
        W = W_next
        behaviour[s] = beh
    return W, tuple(strategy), tuple(behaviour), tuple(ties)


def _forward(
    behaviour: tuple[NDArray[np.floating], ...], lead_shape: tuple[int, ...]
) -> tuple[NDArray[np.floating], tuple[NDArray[np.floating], ...]]:
    """Distribution of terminal histories and per-stage action marginals on the path."""
    n_lead = len(lead_shape)
    path: NDArray[np.floating] = np.ones(lead_shape)
    action_probs = []
    for s, beh in enumerate(behaviour):
        path = path[..., None] * beh  # (..., A_0, ..., A_s)
        action_probs.append(path.sum(axis=tuple(range(n_lead, n_lead + s))))
    return path, tuple(action_probs)


def subgame_perfect_paths(
    V: NDArray[np.float64],
    stages: Sequence[Stage],
    players: Sequence[str],
    chance_probs: dict[int, NDArray[np.float64]],
    tie_break: str = TieBreak.FIRST,
    tol: float = 0.0,
) -> NDArray[np.float64]:
    """The path distribution of :func:`backward_induction`, with draws on the last axis.

    The pipeline's entry: a batch of draws laid out ``(n, A_0, ..., A_{k-1}, D)``,
    so that every step reduces over whole rows of draws (contiguous) rather than
    over the stage's few actions for one draw at a time. The arithmetic is that of
    :func:`backward_induction`, operation for operation, so the result equals its
    ``path_probs`` (moved to the last axis) bit for bit; only the layout differs.

    Parameters
    ----------
    V : ndarray of float64, shape (n, A_0, ..., A_{k-1}, D)
        Finite payoffs (checked by the caller).
    stages : sequence of Stage, length k
        With perfect information.
    players : sequence of str, length n
    chance_probs : dict of int to ndarray, each of shape (D, A_s)
        Every chance stage's probabilities per draw, each row a distribution
        (checked by the caller).
    tie_break : {"first", "uniform"}, default "first"
    tol : float, default 0.0

    Returns
    -------
    ndarray of float64, shape (A_0, ..., A_{k-1}, D)
        Probability of each terminal history in each draw; with stages that end
        the game, the mass of a history that ended sits on its canonical history.

    Examples
    --------
    Entry deterrence for two draws: accommodating pays the incumbent 1 in the
    first draw and -2 (worse than fighting) in the second.

    >>> import numpy as np
    >>> from tradegame.model.stages import Stage
    >>> stages = (Stage("entry", "E", ("out", "in")), Stage("reply", "I", ("fight", "accommodate")))
    >>> V = np.array([[[0, 0], [-1, 1]], [[2, 2], [-1, 1]]], dtype=float)  # V[i, entry, reply]
    >>> V = np.stack([V, V], axis=-1)
    >>> V[1, 1, 1, 1] = -2.0
    >>> subgame_perfect_paths(V, stages, ("E", "I"), {}).transpose(2, 0, 1).tolist()
    [[[0.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.0]]]
    """
    stages = tuple(stages)
    players = tuple(players)
    tie_break = parse_choice(TieBreak, tie_break)
    n_draws = V.shape[-1]
    ends = has_ends(stages)
    if ends:
        # As backward_induction: every mover after an end is indifferent.
        index = canonical_index(stages).reshape(-1)
        V = np.take(V.reshape(len(players), -1, n_draws), index, axis=1).reshape(V.shape)
    movers = [-1 if st.mover is None else players.index(st.mover) for st in stages]
    player_stage: PlayerStage = _player_stage_numpy
    if compiled_pays(V.size):
        from tradegame.solvers._backward_kernel import player_stage  # numba: when it pays

    behaviour = _backward_draws_last(V, movers, chance_probs, tie_break, tol, player_stage)
    path: NDArray[np.float64] = np.ones(n_draws)
    for beh in behaviour:
        path = path[..., None, :] * beh  # (A_0, ..., A_s, D)
    if ends:
        first = merge_phantoms(np.moveaxis(path, -1, 0), stages)
        path = np.ascontiguousarray(np.moveaxis(first, 0, -1))
    return path


def _backward_draws_last(
    V: NDArray[np.float64],
    movers: list[int],
    probs: dict[int, NDArray[np.float64]],
    tie_break: str,
    tol: float,
    player_stage: PlayerStage,
) -> list[NDArray[np.float64]]:
    """Each stage's behaviour, shape ``(A_0, ..., A_s, D)`` (chance: ``(A_s, D)``).

    :func:`_backward` with the draws on the last axis: the same operations on the
    same numbers in the same order. ``probs`` holds each chance stage's
    probabilities as given, ``(D, A_s)``; ``player_stage`` solves a player stage
    (:func:`_player_stage_numpy`, or its compiled twin).
    """
    k = len(movers)
    behaviour: list[NDArray[np.float64]] = [np.empty(0)] * k
    W = V  # shape (n, A_0, ..., A_s, D) at the top of step s
    for s in range(k - 1, -1, -1):
        A = W.shape[-2]
        i = movers[s]
        if i < 0:
            p = probs[s]  # (D, A_s), as given
            behaviour[s] = np.ascontiguousarray(p.T)
            if s:
                # The expectation exactly as _backward takes it (einsum's summation
                # order depends on the layout), on the chance stage's few values.
                first = np.ascontiguousarray(np.moveaxis(W, -1, 0))
                p_b = p.reshape(p.shape[:1] + (1,) * (s + 1) + (A,))
                W = np.moveaxis(np.einsum("...a,...a->...", first, p_b), 0, -1)
            continue
        history = W.shape[1:-2]
        flat = np.ascontiguousarray(W).reshape(W.shape[0], -1, A, W.shape[-1])
        W_next, beh = player_stage(flat, i, float(tol), tie_break == "uniform", s > 0)
        behaviour[s] = beh.reshape(*history, A, W.shape[-1])
        if s:
            W = W_next.reshape(W.shape[0], *history, W.shape[-1])
    return behaviour


#: ``(W (n, H, A, S), mover, tol, uniform, values) -> (W_next (n, H, S), behaviour (H, A, S))``.
PlayerStage = Callable[
    [NDArray[np.float64], int, float, bool, bool], tuple[NDArray[np.float64], NDArray[np.float64]]
]


def _player_stage_numpy(
    W: NDArray[np.float64], mover: int, tol: float, uniform: bool, values: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One player stage, draws last: the reference of the compiled kernel.

    Parameters
    ----------
    W : ndarray, shape (n, H, A, S)
        Every player's value after each action at each of the stage's ``H``
        histories, in each of ``S`` draws.
    mover : int
    tol : float
    uniform : bool
        Mix uniformly over tied actions (else take the first).
    values : bool
        Compute the values at the stage's histories.

    Returns
    -------
    W_next : ndarray, shape (n, H, S)
        Empty along ``H`` when ``values`` is False.
    behaviour : ndarray, shape (H, A, S)
    """
    n, H, A, S = W.shape
    u_a = [W[mover, :, a, :] for a in range(A)]
    best = u_a[0].copy()
    for a in range(1, A):
        np.maximum(best, u_a[a], out=best)
    thr = best - tol if tol else best
    hits = [u_a[a] >= thr for a in range(A)]
    beh = np.empty((H, A, S))
    W_next = np.empty((n, H if values else 0, S))
    if not uniform:
        choice = np.zeros(best.shape, dtype=np.intp)  # becomes the first best action
        for a in range(A - 1, -1, -1):  # descending, so the lowest tied index is kept
            np.copyto(choice, a, where=hits[a])
        for a in range(A):
            beh[:, a, :] = choice == a
        if values:
            W_next[:] = W[:, :, 0, :]
            for a in range(1, A):
                np.copyto(W_next, W[:, :, a, :], where=choice == a)
    else:
        n_tied = np.zeros(best.shape, dtype=np.intp)
        for a in range(A):
            n_tied += hits[a]
        for a in range(A):
            beh[:, a, :] = hits[a] / n_tied
        if values:
            W_next[:] = W[:, :, 0, :] * beh[:, 0, :]
            for a in range(1, A):
                W_next += W[:, :, a, :] * beh[:, a, :]
    return W_next, beh

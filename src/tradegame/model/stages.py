r"""Sequential games as an ordered list of stages, and the checks shared by their solvers.

A sequential game here is a *fixed-depth* game tree: stages :math:`s = 0, \dots, k-1`
are played in order (all of them unless an action ends the game early, see below);
at stage *s* either a player (the stage's *mover*) or chance picks one of :math:`A_s`
actions. A terminal history is one action per stage,
:math:`h = (a_0, \dots, a_{k-1})`, so payoffs are one array

.. math::

    V[\dots, i, a_0, \dots, a_{k-1}] = v_i(a_0, \dots, a_{k-1}),

player *i*'s payoff at terminal history *h*, players indexed in the order of a given
``players`` tuple; leading axes (``...``) are Monte Carlo draws. A chance stage *s*
has probabilities ``chance_probs[s]`` of shape ``(..., A_s)`` (per draw, or one row
for all draws), each row summing to one.

Information: the mover at stage *s* has seen the actions taken at the stages listed
in ``observes`` (indices of earlier stages); ``observes=None`` means every earlier
stage (perfect information). Two histories lead to the same *information set* of
stage *s* exactly when they agree on the observed stages, so an information set of
stage *s* is identified by ``(s, (a_o for o in observes))`` (Kuhn 1953).

Early ends: a stage may list actions that *end* the game (:attr:`Stage.ends`); after
one of them no later stage is played. The arrays keep their full stage shape: every
history is mapped to its *canonical* history, which keeps it up to the stage that
ended the game and puts every later stage at its first action (index 0). A history
that ended has the payoffs of its canonical history (:func:`canonical_payoffs`), so
later choices cannot matter; solvers report probabilities on canonical histories
only (:func:`merge_phantoms`) and count a stage only where it is reached
(:func:`reached_mask`). The other continuations are *phantom* histories: nodes of no
tree. Ends need perfect information (:func:`check_stages`).

References
----------
H. W. Kuhn (1953), "Extensive games and the problem of information", in
*Contributions to the Theory of Games II*, Annals of Mathematics Studies 28, 193-216.

M. J. Osborne and A. Rubinstein (1994), *A Course in Game Theory*, MIT Press, ch. 6 and 11.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ChanceProbs",
    "InfosetKey",
    "Stage",
    "canonical_index",
    "canonical_payoffs",
    "check_chance_probs",
    "check_payoffs",
    "check_stages",
    "ended_at",
    "has_ends",
    "infoset_key",
    "is_perfect_information",
    "merge_phantoms",
    "observed_stages",
    "played_prefix",
    "reached_mask",
]

#: An information set of a stage game: ``(stage index, actions at the observed stages)``.
InfosetKey = tuple[int, tuple[int, ...]]

#: Chance probabilities: a sequence with one entry per stage (``None`` for player stages)
#: or a mapping from a chance stage's index or name to its probabilities.
ChanceProbs = Sequence[ArrayLike | None] | Mapping[int | str, ArrayLike] | None

_PROB_TOL = 1e-9


@dataclass(frozen=True)
class Stage:
    """One move of a sequential game.

    Parameters
    ----------
    name : str
        The stage's name (for scenario games, the lever decided at this stage).
    mover : str or None
        The player who moves, or ``None`` for a chance move.
    actions : tuple of str
        The option labels; action *a* of this stage is ``actions[a]``.
    observes : tuple of int or None, default None
        Indices of the earlier stages whose actions the mover has seen when choosing.
        ``None`` means all earlier stages (perfect information at this stage).
        Ignored for chance stages.
    """

    name: str
    mover: str | None
    actions: tuple[str, ...]
    observes: tuple[int, ...] | None = None
    ends: tuple[int, ...] = ()
    """Indices of the actions that end the game: after one of them no later stage is
    played. A history that ended has the payoffs of its *canonical* history, the
    one with every later stage at its first action (see :func:`canonical_index`)."""

    @property
    def is_chance(self) -> bool:
        """Whether chance moves at this stage."""
        return self.mover is None


def observed_stages(stages: Sequence[Stage], s: int) -> tuple[int, ...]:
    """Sorted indices of the earlier stages seen by the mover of stage *s*."""
    obs = stages[s].observes
    if obs is None:
        return tuple(range(s))
    return tuple(sorted(set(obs)))


def infoset_key(stages: Sequence[Stage], s: int, history: Sequence[int]) -> InfosetKey:
    """The information set of stage *s* reached by ``history`` (at least *s* actions long).

    Chance stages have one information set per history (the key keeps all earlier
    actions), which is how a chance node is identified in the tree.
    """
    if stages[s].is_chance:
        return (s, tuple(int(a) for a in history[:s]))
    return (s, tuple(int(history[o]) for o in observed_stages(stages, s)))


def is_perfect_information(stages: Sequence[Stage]) -> bool:
    """Whether every player stage observes all earlier stages."""
    return all(
        st.is_chance or st.observes is None or set(st.observes) == set(range(s))
        for s, st in enumerate(stages)
    )


def check_stages(stages: Sequence[Stage], players: Sequence[str]) -> tuple[Stage, ...]:
    """Validate stages against the player list and return them as a tuple.

    Raises
    ------
    ValueError
        With a message naming the offending stage: no stages, an unknown mover, no
        actions, duplicate action labels, or ``observes`` listing a stage that is not
        earlier.
    """
    stages = tuple(stages)
    players = tuple(players)
    if not stages:
        raise ValueError("a sequential game needs at least one stage")
    if len(set(players)) != len(players):
        raise ValueError(f"player names must be unique, got {players}")
    for s, st in enumerate(stages):
        if not isinstance(st, Stage):
            raise ValueError(f"stage {s} is not a Stage: {st!r}")
        if st.mover is not None and st.mover not in players:
            raise ValueError(
                f"stage {s} ({st.name!r}): mover {st.mover!r} is not one of the players {players}"
            )
        if len(st.actions) == 0:
            raise ValueError(f"stage {s} ({st.name!r}) has no actions")
        if len(set(st.actions)) != len(st.actions):
            raise ValueError(f"stage {s} ({st.name!r}) has duplicate action labels {st.actions}")
        if st.observes is not None:
            bad = [o for o in st.observes if not (isinstance(o, int | np.integer) and 0 <= o < s)]
            if bad:
                raise ValueError(
                    f"stage {s} ({st.name!r}) observes {bad}: a stage can only observe "
                    f"earlier stages 0..{s - 1}"
                )
        bad_ends = [
            a for a in st.ends if not (isinstance(a, int | np.integer) and 0 <= a < len(st.actions))
        ]
        if bad_ends:
            raise ValueError(
                f"stage {s} ({st.name!r}) ends the game at actions {bad_ends}, which are "
                f"not action indices 0..{len(st.actions) - 1}"
            )
    if any(st.ends for st in stages) and not is_perfect_information(stages):
        raise ValueError(
            "a stage game with actions that end it ('ends') needs perfect information: "
            "its reduced normal form would count strategies at histories never played"
        )
    return stages


def has_ends(stages: Sequence[Stage]) -> bool:
    """Whether some action of some stage ends the game."""
    return any(st.ends for st in stages)


def ended_at(stages: Sequence[Stage], history: Sequence[int]) -> int | None:
    """The stage at which ``history`` (any length) ended the game, or ``None``."""
    for s, a in enumerate(history):
        if int(a) in stages[s].ends:
            return s
    return None


def played_prefix(stages: Sequence[Stage], history: Iterable[int]) -> tuple[int, ...]:
    """The actions of ``history`` actually played: up to the stage that ended the game."""
    h = tuple(int(a) for a in history)
    end = ended_at(stages, h)
    return h if end is None else h[: end + 1]


def reached_mask(stages: Sequence[Stage]) -> NDArray[np.bool_]:
    """Which stages each full history reaches.

    Returns
    -------
    ndarray of bool, shape (k, A_0, ..., A_{k-1})
        ``[s, h]`` is True when no stage before *s* ended the game along *h*.
    """
    shape = tuple(len(st.actions) for st in stages)
    grids = np.indices(shape)
    out = np.empty((len(stages), *shape), dtype=bool)
    ended = np.zeros(shape, dtype=bool)
    for s, st in enumerate(stages):
        out[s] = ~ended
        if st.ends:
            ended |= np.isin(grids[s], st.ends)
    return out


def canonical_index(stages: Sequence[Stage]) -> NDArray[np.intp]:
    """Flat (C order) index of each full history's canonical history.

    The canonical history of *h* keeps *h* up to the stage that ended the game and
    puts every later stage at its first action (index 0); a history that did not end
    early is its own canonical history.

    Returns
    -------
    ndarray of intp, shape (A_0, ..., A_{k-1})
    """
    shape = tuple(len(st.actions) for st in stages)
    grids = np.indices(shape)
    reach = reached_mask(stages)
    canon = np.where(reach, grids, 0)
    return np.ravel_multi_index(tuple(canon), shape).astype(np.intp)


def canonical_payoffs(V: NDArray[np.floating], stages: Sequence[Stage]) -> NDArray[np.floating]:
    """Payoffs with every history given those of its canonical history.

    Parameters
    ----------
    V : ndarray, shape (..., A_0, ..., A_{k-1})
        Any leading axes (draws, players).

    Returns
    -------
    ndarray, shape (..., A_0, ..., A_{k-1})
        ``V`` itself when no stage ends the game.
    """
    if not has_ends(stages):
        return V
    shape = tuple(len(st.actions) for st in stages)
    lead = V.shape[: V.ndim - len(shape)]
    flat = V.reshape(*lead, -1)
    return np.take(flat, canonical_index(stages).reshape(-1), axis=-1).reshape(V.shape)


def merge_phantoms(W: NDArray[np.floating], stages: Sequence[Stage]) -> NDArray[np.floating]:
    """Move the mass of every history onto its canonical history.

    Parameters
    ----------
    W : ndarray, shape (..., A_0, ..., A_{k-1})
        Masses (probabilities) of full histories.

    Returns
    -------
    ndarray, shape (..., A_0, ..., A_{k-1})
        Zero at histories that are not canonical; ``W`` itself without ``ends``.
    """
    if not has_ends(stages):
        return W
    shape = tuple(len(st.actions) for st in stages)
    lead = W.shape[: W.ndim - len(shape)]
    flat = W.reshape(*lead, -1)
    canon = canonical_index(stages).reshape(-1)
    order = np.argsort(canon, kind="stable")
    keys, starts = np.unique(canon[order], return_index=True)
    out = np.zeros_like(flat)
    out[..., keys] = np.add.reduceat(flat[..., order], starts, axis=-1)
    return out.reshape(W.shape)


def check_payoffs(
    V: ArrayLike, stages: Sequence[Stage], players: Sequence[str]
) -> tuple[NDArray[np.floating], tuple[int, ...]]:
    """Check a payoff array ``V`` of shape ``(..., n, A_0, ..., A_{k-1})``.

    Returns
    -------
    V : ndarray of float, shape (..., n, A_0, ..., A_{k-1})
    lead_shape : tuple of int
        The shape of the leading (draw) axes, ``()`` for a single game.
    """
    arr = np.asarray(V)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"payoff array must be numeric, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(float)
    k, n = len(stages), len(players)
    tail = (n, *(len(st.actions) for st in stages))
    if arr.ndim < k + 1 or arr.shape[arr.ndim - k - 1 :] != tail:
        raise ValueError(
            f"payoff array of shape {arr.shape} does not end in (n, A_0, ..., A_{{k-1}}) = {tail} "
            f"for {n} players and {k} stages"
        )
    return arr, arr.shape[: arr.ndim - k - 1]


def check_chance_probs(
    chance_probs: ChanceProbs, stages: Sequence[Stage], lead_shape: tuple[int, ...]
) -> dict[int, NDArray[np.floating]]:
    """Normalise chance probabilities to ``{stage index: array of shape lead_shape + (A_s,)}``.

    Parameters
    ----------
    chance_probs : sequence, mapping or None
        A sequence with one entry per stage (``None`` at player stages), or a mapping
        keyed by a chance stage's index or name. Each entry has shape ``(A_s,)`` or
        ``(..., A_s)`` broadcastable to the draw axes.
    stages : sequence of Stage
    lead_shape : tuple of int
        Shape of the draw axes of the payoff array.

    Raises
    ------
    ValueError
        When a chance stage has no probabilities, a player stage has some, or a row is
        negative or does not sum to one (tolerance 1e-9).
    """
    by_name = {st.name: s for s, st in enumerate(stages)}
    given: dict[int, ArrayLike] = {}
    if chance_probs is None:
        pass
    elif isinstance(chance_probs, Mapping):
        for key, p in chance_probs.items():
            if isinstance(key, str):
                if key not in by_name:
                    raise ValueError(f"chance probabilities given for unknown stage {key!r}")
                given[by_name[key]] = p
            else:
                given[int(key)] = p
    else:
        seq = list(chance_probs)
        if len(seq) != len(stages):
            raise ValueError(
                f"chance_probs has {len(seq)} entries for {len(stages)} stages; "
                "give one per stage (None at player stages) or a mapping"
            )
        given = {s: p for s, p in enumerate(seq) if p is not None}
    out: dict[int, NDArray[np.floating]] = {}
    for s, st in enumerate(stages):
        if not st.is_chance:
            if s in given:
                raise ValueError(
                    f"stage {s} ({st.name!r}) is moved by {st.mover!r}, not chance, "
                    "but has chance probabilities"
                )
            continue
        if s not in given:
            raise ValueError(f"chance stage {s} ({st.name!r}) has no probabilities")
        p = np.asarray(given[s], dtype=float)
        A = len(st.actions)
        if p.ndim == 0 or p.shape[-1] != A:
            raise ValueError(
                f"chance stage {s} ({st.name!r}): probabilities of shape {p.shape} "
                f"must end in its {A} actions"
            )
        try:
            p = np.broadcast_to(p, (*lead_shape, A))
        except ValueError:
            raise ValueError(
                f"chance stage {s} ({st.name!r}): probabilities of shape {p.shape} do not "
                f"broadcast to the draw shape {lead_shape}"
            ) from None
        if not np.all(np.isfinite(p)) or np.any(p < 0):
            raise ValueError(
                f"chance stage {s} ({st.name!r}) has negative or non-finite probabilities"
            )
        if np.any(np.abs(p.sum(axis=-1) - 1.0) > _PROB_TOL):
            raise ValueError(f"chance stage {s} ({st.name!r}): probabilities must sum to 1")
        out[s] = p
    extra = set(given) - set(range(len(stages)))
    if extra:
        raise ValueError(
            f"chance probabilities given for stage indices {sorted(extra)} out of range"
        )
    return out

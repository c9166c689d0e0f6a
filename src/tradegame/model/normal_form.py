r"""The reduced normal form of a stage game, perfect or imperfect information.

A pure strategy of player *i* in an extensive game picks an action at each of the
player's information sets (Kuhn 1953). Two strategies that differ only at
information sets ruled out by the player's *own* earlier actions lead to the same
play against every opponent profile; the *reduced* normal form keeps one of each
class (a "plan of action", Osborne & Rubinstein 1994, ch. 6). Here a reduced
strategy is built stage by stage over the player's own stages
:math:`t_1 < t_2 < \dots`: at stage :math:`t_j` it assigns an action to every
information set that some history consistent with the plan so far reaches. Only
the player's own moves are used to rule information sets out; every action of
other players and of chance counts as possible, whatever its probability.

The normal form is then, in tradegame's convention,

.. math::

    U[\dots, j, \sigma_0, \dots, \sigma_{n-1}]
      = \sum_h \pi(h)\, \Big(\prod_i \mathbf{1}[h \text{ consistent with } \sigma_i]\Big)
        V[\dots, j, h],

summing over terminal histories *h*, with :math:`\pi(h)` the product of the chance
probabilities along *h* (chance is taken in expectation, per draw). When stages end
the game (:attr:`~tradegame.model.stages.Stage.ends`) the terminal histories are the
canonical ones, the products and consistency run over the stages each reaches, and
a plan assigns no action at histories where the game already ended. A player who
never moves has the single, empty strategy.

Every subgame-perfect equilibrium of a perfect-information game maps to a Nash
equilibrium of this normal form (Selten 1975); imperfect-information games are
solved here with the normal-form solvers (:func:`tradegame.solvers.pure_nash`).

The size grows as the product over a player's stages of :math:`A_t` to the power of
the number of reachable information sets, so this is for small games; a limit
(``max_strategies``, per player) stops runaway enumerations with a clear message.

References
----------
H. W. Kuhn (1953), "Extensive games and the problem of information",
*Contributions to the Theory of Games II*, 193-216.

R. Selten (1975), "Reexamination of the perfectness concept for equilibrium points
in extensive games", *International Journal of Game Theory* 4, 25-55.

M. J. Osborne and A. Rubinstein (1994), *A Course in Game Theory*, MIT Press, ch. 6 and 11.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradegame.errors import Location, ScenarioError, ScenarioIssue, TradegameError
from tradegame.model.stages import (
    ChanceProbs,
    InfosetKey,
    Stage,
    canonical_index,
    check_chance_probs,
    check_payoffs,
    check_stages,
    ended_at,
    infoset_key,
    observed_stages,
    reached_mask,
)

__all__ = [
    "Plan",
    "TooManyStrategies",
    "plan_index",
    "plan_label",
    "reduced_normal_form",
    "reduced_strategies",
]

#: A reduced pure strategy: the action at each reachable information set of the player.
Plan = dict[InfosetKey, int]

DEFAULT_MAX_STRATEGIES = 100_000


class TooManyStrategies(TradegameError, ValueError):
    """A player has more reduced strategies than the enumeration allows.

    Attributes
    ----------
    player : str
    limit : int
    """

    def __init__(self, player: str, limit: int, hint: str) -> None:
        super().__init__(
            f"player {player!r} has more than {limit} reduced strategies: the normal "
            f"form is too large ({hint})"
        )
        self.player = player
        self.limit = limit

    def scenario_error(self, location: Location) -> ScenarioError:
        """The same refusal for a scenario's user: one located line, no API hint."""
        return ScenarioError(
            ScenarioIssue(
                location,
                f"player {self.player!r} has more than {self.limit:,} reduced strategies "
                "(imperfect information is solved through the reduced normal form); give "
                "the mover fewer information sets or options",
            )
        )


def reduced_strategies(
    stages: Sequence[Stage],
    players: Sequence[str],
    max_strategies: int = DEFAULT_MAX_STRATEGIES,
) -> tuple[list[Plan], ...]:
    """Every player's reduced pure strategies, in lexicographic order.

    Parameters
    ----------
    stages : sequence of Stage
    players : sequence of str
    max_strategies : int, default 100000
        Raise ValueError when a player would have more reduced strategies.

    Returns
    -------
    tuple of list of Plan
        For each player, the plans ``{(stage, observed actions): action}``; the plan of
        a player who never moves is ``{}``.
    """
    stages = check_stages(stages, players)
    return tuple(_player_plans(stages, p, max_strategies) for p in players)


def reduced_normal_form(
    V: ArrayLike,
    stages: Sequence[Stage],
    players: Sequence[str],
    chance_probs: ChanceProbs = None,
    max_strategies: int = DEFAULT_MAX_STRATEGIES,
) -> tuple[NDArray[np.floating], tuple[tuple[str, ...], ...]]:
    """Convert a stage game to its reduced normal form, for every draw.

    Parameters
    ----------
    V : array_like, shape (..., n, A_0, ..., A_{k-1})
        Terminal payoffs of the stage game; leading axes are draws.
    stages : sequence of Stage, length k
        Stages with their ``observes`` (imperfect information allowed).
    players : sequence of str, length n
    chance_probs : sequence or mapping, optional
        Chance probabilities, each ``(A_s,)`` or ``(..., A_s)``.
    max_strategies : int, default 100000
        Per-player limit on the number of reduced strategies.

    Returns
    -------
    U : ndarray of float, shape (..., n, S_0, ..., S_{n-1})
        ``U[..., j, s_0, ..., s_{n-1}]``: player *j*'s expected payoff when each player
        *i* plays its reduced strategy :math:`s_i`.
    strategy_labels : tuple of tuple of str
        For each player, a label per reduced strategy, e.g.
        ``"entry=in"`` or ``"reply(entry=in)=fight; reply(entry=out)=fight"``; in the
        order of :func:`reduced_strategies`.

    Examples
    --------
    >>> import numpy as np
    >>> from tradegame.model.stages import Stage
    >>> stages = (Stage("entry", "E", ("out", "in")), Stage("reply", "I", ("fight", "acc")))
    >>> V = np.array([[[0, 0], [-1, 1]], [[2, 2], [-1, 1]]])
    >>> U, labels = reduced_normal_form(V, stages, ("E", "I"))
    >>> U.shape, labels[0]
    ((2, 2, 4), ('entry=out', 'entry=in'))
    """
    stages = check_stages(stages, players)
    players = tuple(players)
    arr, lead_shape = check_payoffs(V, stages, players)
    probs = check_chance_probs(chance_probs, stages, lead_shape)
    plans = tuple(_player_plans(stages, p, max_strategies) for p in players)
    labels = tuple(tuple(plan_label(stages, plan) for plan in pl) for pl in plans)
    U = _normal_form_kernel(arr, stages, players, probs, plans, len(lead_shape))
    return U, labels


def plan_index(plans: Sequence[Plan], profile: Mapping[InfosetKey, int]) -> int:
    """Index of the plan that agrees with ``profile`` at all of the plan's information sets.

    ``profile`` may give actions at more information sets (e.g. a complete strategy
    from backward induction, including at sets the plan rules out).

    Raises
    ------
    ValueError
        If no plan agrees (the profile is missing an information set or picks an
        out-of-range action).
    """
    for j, plan in enumerate(plans):
        if all(profile.get(key) == a for key, a in plan.items()):
            return j
    raise ValueError("no reduced strategy agrees with the given profile")


def plan_label(stages: Sequence[Stage], plan: Plan) -> str:
    """A readable label for a plan, e.g. ``"reply(entry=in)=fight; tariff=raise"``."""
    if not plan:
        return "(no move)"
    parts = []
    for (t, obs), a in sorted(plan.items()):
        st = stages[t]
        seen = ",".join(
            f"{stages[o].name}={stages[o].actions[x]}"
            for o, x in zip(observed_stages(stages, t), obs, strict=True)
        )
        parts.append(f"{st.name}({seen})={st.actions[a]}" if seen else f"{st.name}={st.actions[a]}")
    return "; ".join(parts)


def _prefixes(stages: Sequence[Stage], t: int) -> Iterator[tuple[int, ...]]:
    return itertools.product(*(range(len(st.actions)) for st in stages[:t]))


def _player_plans(stages: tuple[Stage, ...], player: str, limit: int) -> list[Plan]:
    own = [s for s, st in enumerate(stages) if st.mover == player]
    plans: list[Plan] = []

    def consistent(plan: Plan, h: tuple[int, ...], upto: int) -> bool:
        # A prefix is possible under the plan when every own earlier move matches it.
        return all(plan.get(infoset_key(stages, s, h)) == h[s] for s in own if s < upto)

    def extend(plan: Plan, j: int) -> None:
        if j == len(own):
            plans.append(plan)
            if len(plans) > limit:
                raise TooManyStrategies(player, limit, "pass max_strategies= to raise the limit")
            return
        t = own[j]
        keys = sorted(
            {
                infoset_key(stages, t, h)
                for h in _prefixes(stages, t)
                if consistent(plan, h, t) and ended_at(stages, h) is None
            }
        )
        for acts in itertools.product(range(len(stages[t].actions)), repeat=len(keys)):
            extend({**plan, **dict(zip(keys, acts, strict=True))}, j + 1)

    extend({}, 0)
    return plans


def _normal_form_kernel(
    V: NDArray[np.floating],
    stages: tuple[Stage, ...],
    players: tuple[str, ...],
    probs: dict[int, NDArray[np.floating]],
    plans: tuple[list[Plan], ...],
    n_lead: int,
) -> NDArray[np.floating]:
    """Sum terminal payoffs weighted by chance and by each player's consistency indicator."""
    n = len(players)
    shape = tuple(len(st.actions) for st in stages)
    H = np.array(list(itertools.product(*(range(a) for a in shape))), dtype=np.intp)  # (Hn, k)
    lead_shape = V.shape[:n_lead]
    Vflat = V.reshape((*lead_shape, n, H.shape[0]))
    # With 'ends', only canonical histories are plays, and only reached stages count.
    reach = reached_mask(stages).reshape(len(stages), -1).T  # (Hn, k)
    canonical = canonical_index(stages).reshape(-1) == np.arange(H.shape[0])
    weight = np.ones((*lead_shape, H.shape[0])) * canonical
    for s, p in probs.items():
        weight = weight * np.where(reach[:, s], p[..., H[:, s]], 1.0)
    indicators = []
    for i, player in enumerate(players):
        own = [s for s, st in enumerate(stages) if st.mover == player]
        # Map each history to the id of its information set at each own stage once, so
        # that checking a plan is an array comparison per stage.
        key_ids: dict[int, tuple[NDArray[np.intp], dict[InfosetKey, int]]] = {}
        for s in own:
            keys = [infoset_key(stages, s, h) for h in H]
            ids: dict[InfosetKey, int] = {}
            key_ids[s] = (np.array([ids.setdefault(kk, len(ids)) for kk in keys]), ids)
        ind = np.ones((len(plans[i]), H.shape[0]), dtype=float)
        for j, plan in enumerate(plans[i]):
            for s in own:
                hist_ids, ids = key_ids[s]
                act = np.full(len(ids), -1, dtype=np.intp)
                for kk, a in plan.items():
                    if kk[0] == s:
                        act[ids[kk]] = a
                ind[j] *= (act[hist_ids] == H[:, s]) | ~reach[:, s]
        indicators.append(ind)
    letters = string.ascii_letters.replace("h", "").replace("j", "")
    if n > len(letters):
        raise ValueError(f"too many players ({n}) for the normal-form conversion")
    subs = letters[:n]
    spec = f"...jh,...h,{','.join(c + 'h' for c in subs)}->...j{subs}"
    return np.einsum(spec, Vflat, weight, *indicators, optimize=True)

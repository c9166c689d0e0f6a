"""The central game as data: what :func:`tradegame.solve` returns.

The *central game* is the scenario's game with every uncertain parameter at
its median. :class:`CentralSolution` holds it solved: its labelled payoffs
and best responses, its pure and mixed equilibria, the subgame-perfect
strategy and path of a sequential game, and, when asked, the iterated
dominance trace. ``tradegame solve`` prints it, ``solve --json`` writes
:meth:`CentralSolution.to_dict`, ``tree`` draws its tree, ``export`` writes
it, and a run's ``central_game`` is its :meth:`CentralSolution.summary`, so
each of them shows the same numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._html import html_block, html_table
from tradegame.model.tree import GameTree, Node
from tradegame.solvers.dominance import DominanceResult
from tradegame.solvers.repeated import GrimTrigger
from tradegame.solvers.rubinstein import RubinsteinSplit

__all__ = [
    "BargainingSummary",
    "CentralEquilibrium",
    "CentralGame",
    "CentralSolution",
    "Move",
    "RepeatedSummary",
]


@dataclass(frozen=True)
class CentralEquilibrium:
    """A pure equilibrium of the central game (for a sequential game, a path it reaches)."""

    strategies: dict[str, str]
    """Player -> strategy label (options joined by '/'); for a sequential game,
    stage (or lever) -> the action taken."""
    levers: dict[str, str]
    """Lever -> option."""
    payoffs: dict[str, float]
    outcome: str
    probability: float | None = None
    """Sequential games: probability of this path (chance moves make several)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "strategies": self.strategies,
            "levers": self.levers,
            "payoffs": self.payoffs,
            "outcome": self.outcome,
        }
        if self.probability is not None:
            out["probability"] = self.probability
        return out


@dataclass(frozen=True)
class CentralGame:
    """What a run reports of its central game: the parameters' medians and the equilibria."""

    parameters: dict[str, float]
    equilibria: tuple[CentralEquilibrium, ...]
    strategy: tuple[dict[str, Any], ...] = ()
    """Sequential games with perfect information: the subgame-perfect strategy,
    what each mover does after every history (or at every decision node)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "parameters": self.parameters,
            "pure_equilibria": [e.to_dict() for e in self.equilibria],
        }
        if self.strategy:
            out["subgame_perfect_strategy"] = list(self.strategy)
        return out


@dataclass(frozen=True)
class Move:
    """One move of a sequential game: a stage, or a lever of a tree.

    Attributes
    ----------
    name : str
        The stage's label, or the lever's name.
    mover : str or None
        The player who moves; ``None`` for chance.
    options : tuple of str
        Its options (a stage's options that end the game are listed in ``ends``).
    probabilities : tuple of float
        Chance moves: each option's probability at the medians (else empty).
    observes : tuple of str or None
        Stages: the earlier stages the mover has seen (``None``: all of them).
    ends : tuple of int
        Stages: the indices of the options that end the game.
    nodes : int
        Trees: the number of decision nodes the lever moves at (1 for a stage).
    """

    name: str
    mover: str | None
    options: tuple[str, ...]
    probabilities: tuple[float, ...] = ()
    observes: tuple[str, ...] | None = None
    ends: tuple[int, ...] = ()
    nodes: int = 1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "mover": self.mover if self.mover is not None else "chance",
            "options": list(self.options),
        }
        if self.probabilities:
            out["probabilities"] = list(self.probabilities)
        if self.observes is not None:
            out["observes"] = list(self.observes)
        if self.ends:
            out["ends"] = [self.options[k] for k in self.ends]
        if self.nodes != 1:
            out["nodes"] = self.nodes
        return out


def _finite(x: float) -> float | None:
    """A number for JSON: ``None`` for infinity (JSON has no inf)."""
    return float(x) if np.isfinite(x) else None


@dataclass(frozen=True)
class RepeatedSummary:
    """The central game of a ``repeated:`` scenario: grim trigger in the repeated stage game.

    Attributes
    ----------
    discount : float
        The common discount factor at the parameters' medians.
    cooperation : tuple of int
        The cooperative profile, as strategy indices into
        :attr:`CentralSolution.strategies`.
    punishment : tuple of int
        The stage equilibrium played forever after a deviation (indices).
    grim : GrimTrigger
        The critical discount factor and its parts: ``critical_delta``,
        ``per_player`` thresholds ``(T_i - R_i) / (T_i - P_i)``, ``reward``
        ``R``, ``temptation`` ``T``, ``punishment`` ``P`` (each shape (n,)),
        ``best_deviation``.
    sustained : bool
        Whether ``discount`` sustains cooperation (``grim.sustains(discount)``).
    """

    discount: float
    cooperation: tuple[int, ...]
    punishment: tuple[int, ...]
    grim: GrimTrigger
    sustained: bool

    def to_dict(
        self, players: tuple[str, ...], strategies: tuple[tuple[str, ...], ...]
    ) -> dict[str, Any]:
        """Plain JSON data, strategies by label (an infinite threshold is ``null``)."""

        def labels(profile: tuple[int, ...]) -> dict[str, str]:
            return {players[i]: strategies[i][a] for i, a in enumerate(profile)}

        g = self.grim
        return {
            "discount": self.discount,
            "cooperation": labels(self.cooperation),
            "punishment": labels(self.punishment),
            "critical_discount": _finite(g.critical_delta),
            "max_discount": g.max_delta,
            "sustainable": g.sustainable,
            "sustained": self.sustained,
            "players": {
                p: {
                    "reward": float(g.reward[i]),
                    "temptation": float(g.temptation[i]),
                    "punishment": float(g.punishment[i]),
                    "best_deviation": strategies[i][g.best_deviation[i]],
                    "critical_discount": _finite(g.per_player[i]),
                }
                for i, p in enumerate(players)
            },
            **({"reason": g.reason} if g.reason else {}),
        }


@dataclass(frozen=True)
class BargainingSummary:
    """The central game of a ``bargaining:`` scenario: Rubinstein's subgame-perfect split.

    Attributes
    ----------
    pie : float
        The pie's size at the parameters' medians.
    proposer, responder : str
        Who offers first, and the other player.
    discounts : dict of str to float
        Each player's discount factor at the medians.
    split : RubinsteinSplit
        The solver's result (players in the scenario's order; shapes ``(2,)``).
    shares : dict of str to float
        Each player's fraction of the pie (they add up to 1): the proposer's is
        ``(1 - d_r) / (1 - d_p * d_r)``; a player's payoff is its share times
        ``pie`` (as in ``split.shares``, which are in units of the pie).
    """

    pie: float
    proposer: str
    responder: str
    discounts: dict[str, float]
    split: RubinsteinSplit
    shares: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "pie": self.pie,
            "proposer": self.proposer,
            "responder": self.responder,
            "discounts": self.discounts,
            "shares": self.shares,
        }


@dataclass(frozen=True)
class CentralSolution:
    """A scenario's central game (every parameter at its median), solved.

    Attributes
    ----------
    title : str
        The scenario's title.
    kind : str
        ``simultaneous``, ``stages`` or ``tree``.
    solution : str
        The solution concept of the scenario (or of the ``solution=`` given).
    tie_break : str
        Sequential games: backward induction's rule for indifferent movers.
    players : tuple of str
    parameters : dict of str to float
        Each uncertain parameter's median.
    strategies : tuple of tuple of str
        The strategy labels of each player's axis of :attr:`payoffs`: the
        player's strategies (simultaneous games) or reduced plans (sequential
        games with imperfect information); empty when there is no normal form.
    payoffs : ndarray, shape (n, S_0, ..., S_{n-1}), or None
        The normal form: ``payoffs[i, s_0, ..., s_{n-1}]`` is player *i*'s
        payoff. ``None`` for sequential games with perfect information (solved
        on their tree, whose normal form can be astronomically large).
    best_responses : ndarray of bool, same shape as ``payoffs``, or None
        ``True`` where player *i*'s strategy is a best response to the others'.
    pure_equilibria : tuple of tuple of int
        The pure Nash equilibria of the normal form, as strategy indices.
    mixed_equilibria : tuple of (ndarray, ndarray), or None
        Two-player normal forms: every extreme mixed equilibrium ``(x, y)`` by
        vertex enumeration; ``None`` when not computed (more than two players,
        no normal form, or too many candidate bases).
    equilibria : tuple of CentralEquilibrium
        What a run reports as the central game's equilibria: the pure
        equilibria (simultaneous games) or the plays the equilibrium reaches,
        each with its probability (sequential games).
    strategy : tuple of dict
        Sequential games with perfect information: the subgame-perfect strategy,
        what the mover does after every history (or at every decision node).
    values : dict of str to float, or None
        Sequential games: each player's expected payoff of equilibrium play.
    moves : tuple of Move
        Sequential games: the stages (or the tree's levers, in the order the
        tree first meets them), in order.
    unreached : tuple of str
        Trees: the levers no node of the tree moves.
    dominance : DominanceResult or None
        Iterated elimination of strictly dominated strategies of the normal
        form (pure and mixed dominators), when asked for.
    tree : GameTree or None
        Sequential games: the central game tree (not written to JSON).
    path : frozenset of node, or None
        Sequential games with perfect information: the tree's nodes on the
        equilibrium path.
    repeated : RepeatedSummary or None
        ``repeated:`` scenarios: grim trigger's critical discount factor and
        whether the scenario's discount factor sustains cooperation.
    bargaining : BargainingSummary or None
        ``bargaining:`` scenarios: Rubinstein's shares.
    """

    title: str
    kind: str
    solution: str
    tie_break: str
    players: tuple[str, ...]
    parameters: dict[str, float]
    strategies: tuple[tuple[str, ...], ...] = ()
    payoffs: NDArray[np.float64] | None = field(default=None, repr=False)
    best_responses: NDArray[np.bool_] | None = field(default=None, repr=False)
    pure_equilibria: tuple[tuple[int, ...], ...] = ()
    mixed_equilibria: tuple[tuple[NDArray[np.float64], NDArray[np.float64]], ...] | None = None
    equilibria: tuple[CentralEquilibrium, ...] = ()
    strategy: tuple[dict[str, Any], ...] = ()
    values: dict[str, float] | None = None
    moves: tuple[Move, ...] = ()
    unreached: tuple[str, ...] = ()
    dominance: DominanceResult | None = field(default=None, repr=False)
    tree: GameTree | None = field(default=None, repr=False)
    path: frozenset[Node] | None = field(default=None, repr=False)
    repeated: RepeatedSummary | None = None
    bargaining: BargainingSummary | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    """What was applied to the scenario file (``variant``, ``set``, ``fix``), as in a
    run's ``scenario.overrides``; empty for the file as written."""

    def summary(self) -> CentralGame:
        """What a run reports of this central game (its ``central_game``)."""
        return CentralGame(self.parameters, self.equilibria, self.strategy)

    def profile_labels(self, profile: tuple[int, ...]) -> tuple[str, ...]:
        """Each player's strategy label at a profile of the normal form."""
        return tuple(self.strategies[i][a] for i, a in enumerate(profile))

    def to_dict(self) -> dict[str, Any]:
        """The central game as plain JSON data (``tradegame solve --json``).

        ``parameters``, ``pure_equilibria`` and ``subgame_perfect_strategy``
        are exactly a run's ``central_game``; the normal form's payoffs and best
        responses are nested lists, player first, then one axis per player.
        """
        out: dict[str, Any] = {
            "scenario": self.title,
            # Only when some were applied: the document of a file as written is unchanged.
            **({"overrides": self.overrides} if self.overrides else {}),
            "kind": self.kind,
            "solution": self.solution,
            "players": list(self.players),
        }
        if self.kind != "simultaneous":
            out["tie_break"] = self.tie_break
        out.update(self.summary().to_dict())
        if self.moves:
            out["moves"] = [m.to_dict() for m in self.moves]
        if self.values is not None:
            out["expected_payoffs"] = self.values
        if self.payoffs is not None and self.best_responses is not None:
            out["normal_form"] = {
                "strategies": {
                    p: list(s) for p, s in zip(self.players, self.strategies, strict=True)
                },
                "payoffs": {p: self.payoffs[i].tolist() for i, p in enumerate(self.players)},
                "best_responses": {
                    p: self.best_responses[i].tolist() for i, p in enumerate(self.players)
                },
                "pure_nash_equilibria": [
                    dict(zip(self.players, self.profile_labels(e), strict=True))
                    for e in self.pure_equilibria
                ],
            }
        if self.mixed_equilibria is not None:
            out["mixed_nash_equilibria"] = [
                {
                    "strategies": {
                        p: {self.strategies[i][k]: float(w) for k, w in enumerate(z) if w > 1e-12}
                        for i, (p, z) in enumerate(zip(self.players, (x, y), strict=True))
                    },
                    "payoffs": {p: self.mixed_payoff(i, x, y) for i, p in enumerate(self.players)},
                }
                for x, y in self.mixed_equilibria
            ]
        if self.repeated is not None:
            out["repeated"] = self.repeated.to_dict(self.players, self.strategies)
        if self.bargaining is not None:
            out["bargaining"] = self.bargaining.to_dict()
        if self.dominance is not None:
            out["dominance"] = {
                "rounds": self.dominance.rounds,
                "eliminated": [
                    {
                        "round": e.round,
                        "player": self.players[e.player],
                        "strategy": self.strategies[e.player][e.action],
                        "dominated_by": self._dominator(e.player, e.dominated_by),
                        "strict": e.strict,
                    }
                    for e in self.dominance.trace
                ],
                "surviving": {
                    p: [self.strategies[i][a] for a in self.dominance.surviving[i]]
                    for i, p in enumerate(self.players)
                },
            }
        return out

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON text, ending in a newline."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    def _repr_html_(self) -> str:
        """The central game's equilibria for Jupyter; scenario text escaped.

        Formats what is here only (see :mod:`tradegame._html`): the
        parameters' medians and each equilibrium (or equilibrium path) with
        its outcome, payoffs and, for sequential games, probability.
        """
        sequential = self.kind != "simultaneous"
        header = [
            "path" if sequential else "equilibrium",
            "outcome",
            *(f"payoff {p}" for p in self.players),
            *(["probability"] if sequential else []),
        ]
        rows = [
            [
                (" > " if sequential else ", ").join(f"{k}: {v}" for k, v in e.strategies.items()),
                e.outcome,
                *(f"{e.payoffs.get(p, float('nan')):.4g}" for p in self.players),
                *(
                    [f"{e.probability:.4g}" if e.probability is not None else ""]
                    if sequential
                    else []
                ),
            ]
            for e in self.equilibria
        ]
        lines = [
            f"central game (parameters at their medians): {self.kind}, {self.solution}, "
            f"{len(self.equilibria)} equilibri{'um' if len(self.equilibria) == 1 else 'a'}"
        ]
        if self.repeated is not None:
            g, rep = self.repeated.grim, self.repeated
            lines.append(
                "repeated game, grim trigger: critical discount factor "
                + (f"{g.critical_delta:.4g}" if g.sustainable else "none below 1")
                + f"; the discount factor at the medians, {rep.discount:.4g}, "
                + ("sustains" if rep.sustained else "does not sustain")
                + " cooperation"
            )
        if self.bargaining is not None:
            b = self.bargaining
            lines.append(
                f"Rubinstein bargaining, {b.proposer} proposes: shares "
                + ", ".join(f"{p} {x:.4g}" for p, x in b.shares.items())
                + f" of a pie of {b.pie:.4g}"
            )
        tables = [html_table(header, rows)]
        if self.parameters:
            tables.append(
                html_table(
                    ["parameter", "median"], [(k, f"{v:.4g}") for k, v in self.parameters.items()]
                )
            )
        return html_block(self.title, lines, tables)

    def mixed_payoff(self, i: int, x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
        """Player *i*'s expected payoff when the two players mix by ``x`` and ``y``."""
        assert self.payoffs is not None
        return float(x @ self.payoffs[i] @ y)

    def _dominator(self, player: int, by: int | NDArray[np.float64]) -> Any:
        labels = self.strategies[player]
        if isinstance(by, int | np.integer):
            return labels[int(by)]
        return {labels[k]: float(w) for k, w in enumerate(by) if w > 1e-12}

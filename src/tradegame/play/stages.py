"""Sequential scenarios in the Monte Carlo: from each draw's stage game to play.

With perfect information every draw is solved by backward induction
(:func:`tradegame.solvers.backward_induction.backward_induction`), vectorised
over the draws; ties are broken by the scenario's recorded ``tie_break`` rule.
The equilibrium path distribution over terminal histories (one action per
stage) plays the role that the selected equilibrium plays in a simultaneous
game. With imperfect information (a stage that does not observe every earlier
one) each draw's game is converted to its reduced normal form
(:func:`tradegame.model.normal_form.reduced_normal_form`), its pure Nash
equilibria are found and selected as for simultaneous games, and the selected
strategy profile is played out, chance in expectation, into a distribution
over terminal histories.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import compiled_pays, piece_rows, piecewise_matmul, transpose_into
from tradegame.model.budget import CommandCost, check_normal_form, stage_tree_nodes
from tradegame.model.build import PayoffParts, build_outcomes, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.model.normal_form import (
    TooManyStrategies,
    reduced_normal_form,
    reduced_strategies,
)
from tradegame.model.scenario_tree import chance_probabilities
from tradegame.model.stages import (
    Stage,
    ended_at,
    infoset_key,
    is_perfect_information,
    played_prefix,
)
from tradegame.model.tree import GameTree
from tradegame.play.base import (
    MemoryNeed,
    PlayedBatch,
    RuleText,
    play_columns,
    sequential_rule_text,
)
from tradegame.play.grid import GridPlay
from tradegame.play.options import RunOptions
from tradegame.play.rule import play_distribution
from tradegame.play.simultaneous import normal_form_fields
from tradegame.play.solution import CentralEquilibrium, CentralSolution, Move
from tradegame.scenario.load import Scenario
from tradegame.scenario.vocabulary import GameKind
from tradegame.solvers.backward_induction import backward_induction, subgame_perfect_paths

__all__ = [
    "MAX_STRATEGY_ROWS",
    "CentralStageGame",
    "Piece",
    "StagesPlay",
    "central_stage_game",
    "draws_per_piece",
    "expected_payoffs",
    "subgame_perfect_strategy",
]

#: Largest number of histories (or decision nodes) listed in a subgame-perfect strategy.
MAX_STRATEGY_ROWS = 2_000


@dataclass(frozen=True)
class Piece:
    """A piece of a batch of a perfect-information stage game, solved, draws last.

    Attributes
    ----------
    start, stop : int
        Its draws within the batch (``S = stop - start``).
    path : ndarray, shape (P, S)
        Probability of each terminal history (play) in each draw.
    payoffs : ndarray, shape (n, P, S)
        Every player's payoff at every play.
    labels : ndarray of int, shape (1, P) or (S, P)
        Outcome index of each play.
    """

    start: int
    stop: int
    path: NDArray[np.float64]
    payoffs: NDArray[np.float64]
    labels: NDArray[np.intp]

    def played(self) -> PlayedBatch:
        """The piece draws first, as :meth:`GamePlay.play_batch` gives a batch."""
        S = self.stop - self.start
        n, P, _ = self.payoffs.shape
        weights = np.empty((S, P))
        payoffs = np.empty((S, n, P))
        transpose_into(self.path, weights)
        transpose_into(self.payoffs.reshape(n * P, S), payoffs.reshape(S, n * P))
        return PlayedBatch(weights, self.labels, payoffs, np.ones(S, dtype=np.intp))


class StagesPlay(GridPlay):
    """Plays the draws of a scenario with 'stages:' (its terminal histories).

    With perfect information each draw is solved by backward induction,
    indifferent movers by the run's ``tie_break``; with imperfect information
    each draw's reduced normal form is played exactly as a simultaneous game
    would be (the run's solution concept, selection and fallback), and the
    chosen profiles are played out, chance in expectation.

    Parameters
    ----------
    scenario : Scenario
        A scenario with ``stages``.
    options : RunOptions
        The run's selection, tie rule and play rule.

    Raises
    ------
    ScenarioError
        Imperfect information: when a player has too many reduced strategies.
    """

    kind = GameKind.STAGES
    sequential = True

    @classmethod
    def command_cost(cls, scenario: Scenario, command: str) -> CommandCost:
        """Payoffs over the histories; every command but ``solve`` also builds the tree.

        ``export --format nfg`` builds it for the normal form's exact payoffs.
        """
        game = GameStructure.from_scenario(scenario)
        entries = game.n_players * game.n_profiles
        nodes = 0
        if command != "solve":
            nodes = stage_tree_nodes(game.shape, tuple(len(e) for e in game.ends))
        return CommandCost(entries, nodes, entries if command == "nfg" else 0, "histories")

    def __init__(self, scenario: Scenario, options: RunOptions) -> None:
        super().__init__(scenario, options)
        assert scenario.stages is not None
        game = self.game
        self.tie_break = options.tie_break
        first_stage = {lv: k for k, st in enumerate(scenario.stages) for lv in st.levers}
        self.stages = tuple(
            Stage(
                name=st.label,
                mover=st.mover,
                actions=tuple(game.strategy_labels(k)),
                observes=None
                if st.observes is None
                else tuple(sorted({first_stage[o] for o in st.observes})),
                ends=game.ending_actions(k),
            )
            for k, st in enumerate(scenario.stages)
        )
        self.perfect = is_perfect_information(self.stages)
        self.chance_index = {lv.name: k for k, lv in enumerate(scenario.chance)}
        self._plans: tuple[list[Any], ...] = ()
        if not self.perfect:
            # The plans are counted here (refused if too many); the matrices of which plan
            # agrees with which history, of their size times the histories', when first needed.
            try:
                self._plans = tuple(reduced_strategies(self.stages, self.players))
            except TooManyStrategies as exc:
                raise exc.scenario_error(scenario.locate(("stages",))) from None

    @classmethod
    def memory(cls, scenario: Scenario, options: RunOptions) -> MemoryNeed:
        """The grid's needs, and with imperfect information the reduced normal form's.

        Per draw, the normal form's payoffs and the play rule's work arrays; once, the
        (plans, histories) consistency matrices.

        Raises
        ------
        ScenarioError
            When a player has too many reduced strategies.
        """
        need = super().memory(scenario, options)
        play = cls(scenario, options)
        if play.perfect:
            return need
        shape = play.normal_form_shape
        n = len(play.players)
        return MemoryNeed(
            need.per_draw + math.prod(shape) * (2 * n + 6) * 8,
            need.fixed + sum(shape) * play.game.n_profiles * 8,
            need.size + f" ({' x '.join(map(str, shape))} reduced strategies)",
        )

    def play_batch(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> PlayedBatch:
        """Build, solve and play out a batch; perfect information piece by piece, draws last.

        See :meth:`pieces`. The numbers are those of the draws-first pipeline
        (:func:`~tradegame.model.build.build_payoffs` and
        :func:`~tradegame.solvers.backward_induction.backward_induction`), bit for bit.
        """
        if not self.perfect:
            return super().play_batch(parameters, n_draws)
        pieces = [piece.played() for piece in self.pieces(parameters, n_draws)]
        return PlayedBatch(
            np.concatenate([b.weights for b in pieces]),
            pieces[0].outcomes
            if pieces[0].outcomes.shape[0] == 1
            else np.concatenate([b.outcomes for b in pieces]),
            np.concatenate([b.payoffs for b in pieces]),
            np.concatenate([b.n_equilibria for b in pieces]),
        )

    def batch_columns(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """The per-draw quantities of a batch; perfect information piece by piece.

        The columns of :meth:`GamePlay.batch_columns`, bit for bit, each piece's
        written as soon as it is solved (see :meth:`pieces`), the batch's payoffs
        and path probabilities never held whole. A piece whose every draw puts
        positive probability on at most two plays (backward induction taking the
        first best action, with at most two chance outcomes on a path, say) is
        summed over those plays alone: every other term of the sums is an exact
        zero, so the columns are the same (a compiled kernel,
        ``play/_columns_kernel.py``); other pieces go through
        :func:`~tradegame.play.base.play_columns`.
        """
        if not self.perfect:
            return super().batch_columns(parameters, n_draws)
        K = len(self.scenario.outcome_labels)
        n, T = len(self.players), self.n_plays
        width = K + 1 + n + self.indicators.shape[1]
        cols = np.empty((n_draws, width + (T if self.reports_paths else 0)))
        sparse_columns = None
        if compiled_pays(n_draws * T):
            from tradegame.play._columns_kernel import sparse_columns  # numba: when it pays
        for piece in self.pieces(parameters, n_draws):
            out = cols[piece.start : piece.stop]
            if sparse_columns is not None and sparse_columns(
                piece.path, piece.payoffs, piece.labels, self.indicators, K, out
            ):
                if self.reports_paths:
                    transpose_into(piece.path, out[:, width:])
            else:
                play_columns(piece.played(), self.indicators, K, self.reports_paths, out=out)
        return cols, np.ones(n_draws, dtype=np.intp)

    def pieces(
        self, parameters: Mapping[str, NDArray[np.float64]], n_draws: int
    ) -> Iterator[Piece]:
        """A perfect-information batch solved piece by piece, draws last.

        The payoffs are computed for the whole batch
        (:class:`~tradegame.model.build.PayoffParts`), then laid out a piece of
        :meth:`piece_draws` draws at a time with the draws on the last,
        contiguous axis and solved by
        :func:`~tradegame.solvers.backward_induction.subgame_perfect_paths`, whose
        every step then reduces over rows of draws of a piece small enough to stay
        in cache.

        Yields
        ------
        Piece
            Each piece, solved, in draw order.
        """
        game = self.game
        n, P = game.n_players, game.n_profiles
        env = evaluation_environment(self.scenario, game, parameters)
        parts = PayoffParts(self.scenario, game, env, n_draws)
        probs = self.chance_probabilities(env, n_draws)
        labels = build_outcomes(self.scenario, game, env, n_draws)
        size = self.piece_draws(labels.shape[0] > 1)
        for start in range(0, n_draws, size):
            stop = min(n_draws, start + size)
            U = parts.draws_last(start, stop)  # (n, P, S)
            path = subgame_perfect_paths(
                U.reshape(n, *game.shape, stop - start),
                self.stages,
                self.players,
                {s: p[start:stop] for s, p in probs.items()},
                self.tie_break,
            )
            yield Piece(
                start,
                stop,
                path.reshape(P, stop - start),
                U,
                labels if labels.shape[0] == 1 else labels[start:stop],
            )

    def piece_draws(self, labels_per_draw: bool) -> int:
        """Draws in a piece of :meth:`pieces`: a power of two dividing 2048.

        :func:`draws_per_piece` of the game, or more where the columns' matrix
        products (:func:`~tradegame.play.base.play_columns`) take more rows at once:
        a piece is then a whole number of theirs, so every draw's arithmetic is the
        same as in one product over the batch.
        """
        K = len(self.scenario.outcome_labels)
        L = self.indicators.shape[1]
        P = self.game.n_profiles
        rows = [draws_per_piece(self.game.n_players, P), piece_rows(P, L)]
        rows.append(piece_rows(P, L) if labels_per_draw else piece_rows(P, K + L))
        return max(rows)

    @property
    def solution_concept(self) -> str:
        if self.perfect:
            return "subgame-perfect equilibrium by backward induction"
        return "pure Nash equilibria of the reduced normal form (imperfect information)"

    def rule_text(self) -> RuleText:
        return sequential_rule_text(self)

    def central_stage_game(self) -> CentralStageGame:
        """The stages, payoffs and chance probabilities at the parameters' medians."""
        _, env, U, _ = self.central_grid()
        probs: dict[int | str, NDArray[np.float64]] = {
            s: p[0] for s, p in self.chance_probabilities(env, 1).items()
        }
        return CentralStageGame(self.stages, self.players, U[0], probs, self.perfect)

    def central(
        self, *, dominance: bool = False, game_tree: bool = False, normal_form: bool = True
    ) -> CentralSolution:
        game = self.game
        g = self.central_stage_game()
        if not self.perfect and normal_form:
            # The normal form's size is checked before anything of its size is made.
            plans = reduced_strategies(g.stages, g.players)
            check_normal_form(self.scenario, tuple(len(p) for p in plans))
        values, env, U, labels = self.central_grid()
        equilibria = []
        if self.perfect or normal_form:
            probability = self.profile_weights(U, env, 1)[0][0].reshape(-1)
            flatU = U.reshape(game.n_players, -1)
            for p in np.flatnonzero(probability > 0):
                strategies = game.profile_strategies(int(p))
                played = game.played_stages(int(p))
                kept = {lv.name for axis in game.axes[:played] for lv in axis}
                equilibria.append(
                    CentralEquilibrium(
                        # A path stops at the stage that ended the game ('ends:').
                        strategies=dict(
                            zip(game.axis_names[:played], strategies[:played], strict=True)
                        ),
                        levers={
                            lv: o for lv, o in game.profile_labels(int(p)).items() if lv in kept
                        },
                        payoffs={pl.name: float(flatU[i, p]) for i, pl in enumerate(game.players)},
                        outcome=self.scenario.outcome_labels[int(labels[p])],
                        probability=float(probability[p]),
                    )
                )
        moves = tuple(
            Move(
                name=st.name,
                mover=st.mover,
                options=st.actions,
                probabilities=()
                if st.mover is not None
                else tuple(float(x) for x in g.chance_probs[k]),
                observes=None
                if st.observes is None
                else tuple(self.stages[o].name for o in st.observes),
                ends=st.ends,
            )
            for k, st in enumerate(self.stages)
        )
        tree = (
            GameTree.from_stages(g.V, g.stages, g.players, g.chance_probs, self.scenario.title)
            if game_tree
            else None
        )
        common: dict[str, Any] = {
            **self.central_fields(values, equilibria),
            "moves": moves,
            "tree": tree,
        }
        if self.perfect:
            res = backward_induction(g.V, g.stages, g.players, g.chance_probs, self.tie_break)
            ends = [played_prefix(g.stages, h) for h in np.argwhere(res.path_probs > 0)]
            return CentralSolution(
                **common,
                strategy=tuple(subgame_perfect_strategy(g, self.tie_break)),
                values={p: float(v) for p, v in zip(g.players, res.values, strict=True)},
                path=frozenset(h[:k] for h in ends for k in range(len(h) + 1)),
            )
        if not normal_form:
            return CentralSolution(**common)
        raw, plan_labels = reduced_normal_form(g.V, g.stages, g.players, g.chance_probs)
        NF: NDArray[np.float64] = np.asarray(raw, dtype=np.float64)
        names = tuple(tuple(labels) for labels in plan_labels)
        return CentralSolution(
            **common,
            **normal_form_fields(NF, names, dominance),
            values=expected_payoffs(equilibria, self.players),
        )

    def chance_probabilities(
        self, env: Mapping[str, Any], n_draws: int
    ) -> dict[int, NDArray[np.float64]]:
        """Probabilities of each chance stage's options, ``{stage: (D, A_s)}``.

        Raises
        ------
        ScenarioError
            When a draw's probabilities are negative, not finite, or do not sum
            to 1 (within 1e-9), naming the chance lever and the draw.
        """
        assert self.scenario.stages is not None
        by_lever = chance_probabilities(self.scenario, env, n_draws)
        return {
            s: by_lever[st.levers[0]]
            for s, st in enumerate(self.scenario.stages)
            if st.mover is None
        }

    def profile_weights(
        self, U: NDArray[np.float64], env: Mapping[str, Any], n_draws: int
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """Distribution over terminal histories, and equilibria counted, per draw.

        Parameters
        ----------
        U : ndarray, shape (D, n, A_0, ..., A_{k-1})
            Terminal payoffs.

        Returns
        -------
        weights : ndarray, shape (D, P)
            Probability of each terminal history (flattened in C order).
        n_equilibria : ndarray of int, shape (D,)
            1 per draw for backward induction (unique under the tie rule); the
            number of pure equilibria of the normal form otherwise.
        """
        probs = self.chance_probabilities(env, n_draws)
        if self.perfect:
            res = backward_induction(U, self.stages, self.players, probs, self.tie_break)  # type: ignore[arg-type]
            path = np.asarray(res.path_probs, dtype=np.float64).reshape(n_draws, -1)
            return path, np.ones(n_draws, dtype=np.intp)
        NF, _ = reduced_normal_form(U, self.stages, self.players, dict(probs))  # type: ignore[arg-type]
        chosen, n_eq = play_distribution(np.asarray(NF, dtype=np.float64), self.rule)
        # Play the chosen strategy profiles out: terminal h is reached when every
        # player's plan agrees with it, with the chance probabilities along it.
        sizes = [c.shape[0] for c in self._consistency]
        T = chosen.reshape(n_draws, *sizes)
        last = self._consistency[-1]
        rows = T.reshape(-1, sizes[-1])
        X = piecewise_matmul(rows, last).reshape(n_draws, *sizes[:-1], last.shape[1])
        for C in reversed(self._consistency[:-1]):
            X = np.einsum("...ah,ah->...h", X, C)
        reach = X.reshape(n_draws, -1)
        for s, p in probs.items():
            reach = reach * p[:, self._histories[:, s]]
        return reach, n_eq

    @property
    def normal_form_shape(self) -> tuple[int, ...]:
        """Imperfect information: the number of reduced strategies of each player."""
        return tuple(len(p) for p in self._plans)

    @cached_property
    def _consistency(self) -> list[NDArray[np.float64]]:
        return self._consistency_matrices()

    def _consistency_matrices(self) -> list[NDArray[np.float64]]:
        """``C_i[sigma, h]``: 1 if player i's plan sigma agrees with history h."""
        shape = tuple(len(st.actions) for st in self.stages)
        self._histories = np.array(
            list(itertools.product(*(range(a) for a in shape))), dtype=np.intp
        )
        out = []
        for player, player_plans in zip(self.players, self._plans, strict=True):
            own = [s for s, st in enumerate(self.stages) if st.mover == player]
            C = np.ones((len(player_plans), len(self._histories)))
            for j, plan in enumerate(player_plans):
                for h_index, h in enumerate(self._histories):
                    for s in own:
                        if plan.get(infoset_key(self.stages, s, h)) != h[s]:
                            C[j, h_index] = 0.0
                            break
            out.append(C)
        return out


#: Bytes of one piece's payoffs that :meth:`StagesPlay.play_batch` aims at (within a
#: core's share of cache).
PIECE_BYTES = 1 << 21


def draws_per_piece(n_players: int, n_profiles: int) -> int:
    """Draws solved at once inside a batch: a power of two from 16 to 2048.

    About :data:`PIECE_BYTES` of payoffs (``n_players * n_profiles`` values a
    draw). Pieces only change how a batch is walked through, never a number: every
    step is the same per draw whatever the piece (the payoff products are taken over
    the whole batch).

    Examples
    --------
    >>> draws_per_piece(2, 1728), draws_per_piece(2, 4), draws_per_piece(3, 10**6)
    (64, 2048, 16)
    """
    rows = max(1, PIECE_BYTES // (8 * n_players * n_profiles))
    return int(min(2048, max(16, 1 << (rows.bit_length() - 1))))


def expected_payoffs(
    equilibria: list[CentralEquilibrium], players: tuple[str, ...]
) -> dict[str, float] | None:
    """Each player's expected payoff over the plays reached (None if no play is)."""
    if sum(e.probability or 0.0 for e in equilibria) < 0.5:
        return None
    return {p: sum((e.probability or 0.0) * e.payoffs[p] for e in equilibria) for p in players}


@dataclass(frozen=True)
class CentralStageGame:
    """A stage game at the parameters' medians, in the engine's terms."""

    stages: tuple[Stage, ...]
    players: tuple[str, ...]
    V: NDArray[np.float64]
    """Payoffs, shape (n, A_0, ..., A_{k-1})."""
    chance_probs: dict[int | str, NDArray[np.float64]]
    """Probabilities of each chance stage's options, shape (A_s,)."""
    perfect_information: bool


def central_stage_game(scenario: Scenario) -> CentralStageGame:
    """The stages, payoffs and chance probabilities of a sequential scenario at its medians."""
    return StagesPlay(scenario, RunOptions.resolve(scenario)).central_stage_game()


def subgame_perfect_strategy(
    g: CentralStageGame, tie_break: str, limit: int = MAX_STRATEGY_ROWS
) -> list[dict[str, Any]]:
    """What each mover does after every history, by backward induction.

    The full strategy, off the equilibrium path too: it says why the path is
    what it is (the threats and promises that are credible).

    Parameters
    ----------
    g : CentralStageGame
        A perfect-information stage game (``g.perfect_information``).
    tie_break : {"first", "uniform"}
    limit : int
        At most this many histories are listed, stage by stage.

    Returns
    -------
    list of dict
        One per (stage, history before it) with a player to move, skipping
        histories at which the game already ended (:attr:`Stage.ends`):
        ``stage``, ``mover``, ``after`` (earlier stage -> action), ``action``,
        ``on_path`` (reached with positive probability) and ``tie`` (the mover
        was indifferent and the tie rule chose).
    """
    res = backward_induction(g.V, g.stages, g.players, g.chance_probs, tie_break)
    rows: list[dict[str, Any]] = []
    for s, st in enumerate(g.stages):
        strategy = res.strategy[s]
        if strategy is None:  # a chance stage
            continue
        tie = res.ties[s]
        for h in itertools.product(*(range(len(x.actions)) for x in g.stages[:s])):
            if ended_at(g.stages, h) is not None:
                continue  # the game ended before this stage
            if len(rows) >= limit:
                return rows
            rows.append(
                {
                    "stage": st.name,
                    "mover": st.mover,
                    "after": {g.stages[t].name: g.stages[t].actions[a] for t, a in enumerate(h)},
                    "action": st.actions[int(strategy[h])],
                    "on_path": bool(float(res.path_probs[h].sum()) > 0) if h else True,
                    "tie": bool(tie is not None and bool(tie[h])),
                }
            )
    return rows

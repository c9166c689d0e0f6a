"""Monte Carlo simulation of a scenario: sample, build, solve, select, aggregate.

For each chunk of draws the parameters are sampled (:mod:`.sampling`), each
draw's game is built (:mod:`tradegame.model.build`) and solved for its pure
Nash equilibria (:func:`tradegame.solvers.pure_nash`), an equilibrium is
selected (:mod:`.selection`), and per-draw quantities (outcome mass, payoffs,
lever options) are summed **per sampling block** and then over blocks in
order. Chunks are whole numbers of blocks, so every sum is computed the same
way whatever the chunk size: the result is byte-for-byte reproducible.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import multiprocessing
import multiprocessing.context
import os
import re
import signal
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import piecewise_matmul
from tradegame._version import __version__
from tradegame.errors import ScenarioError, ScenarioIssue, TradegameError
from tradegame.model.build import (
    NonFiniteError,
    build_outcomes,
    build_payoffs,
    evaluation_environment,
)
from tradegame.model.game import GameStructure
from tradegame.montecarlo.concepts import CONCEPTS, describe_concept, size_problem
from tradegame.montecarlo.play import PlayRule, play_distribution
from tradegame.montecarlo.result import (
    CentralEquilibrium,
    CentralGame,
    OutcomeEstimate,
    SimulationResult,
    wilson_interval,
)
from tradegame.montecarlo.sampling import BLOCK, ParameterSampler
from tradegame.montecarlo.selection import SELECTION_RULES
from tradegame.montecarlo.sequential import SequentialModel
from tradegame.montecarlo.tree_play import TreeModel
from tradegame.scenario.load import LeverSpec, Scenario
from tradegame.scenario.schema import Analysis
from tradegame.scenario.vocabulary import (
    BARGAINING,
    PURE_SELECTIONS,
    Disagreement,
    NoEquilibrium,
    Selection,
    Solution,
    TieBreak,
    UnknownChoice,
    parse_choice,
)
from tradegame.solvers.pure_nash import pure_nash

__all__ = [
    "NO_EQUILIBRIUM",
    "CheckpointError",
    "ChunkSolver",
    "RunOptions",
    "central_game",
    "memory_per_draw",
    "simulate",
]

#: Outcome label of draws whose game has no pure Nash equilibrium.
NO_EQUILIBRIUM = "no_pure_equilibrium"

#: Most draws a run may ask for: the bound of ``analysis.samples`` in scenario files.
MAX_SAMPLES: int = next(m.le for m in Analysis.model_fields["samples"].metadata if hasattr(m, "le"))
#: Sequential games report the probability of each path when they have at most this many.
MAX_PATHS_REPORTED = 4096
#: Memory a chunk aims at, in bytes, when its size is not given: large enough to
#: amortise NumPy's per-call costs, small enough to stay in the caches' reach.
CHUNK_BYTES = 128 * 1024 * 1024


def default_memory_limit() -> int:
    """Bytes a run may use unless told otherwise: half the machine's memory, at most 8 GiB."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        physical = 8 * 2**30
    return int(min(8 * 2**30, physical // 2))


ProgressCallback = Callable[[int, int], None]


def _solve_chunk(
    scenario: Scenario,
    game: GameStructure,
    params: dict[str, NDArray[np.float64]],
    n_draws: int,
    rule: PlayRule,
    indicators: NDArray[np.float64],
    sequential: SequentialModel | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Per-draw quantities of one chunk.

    Returns
    -------
    columns : ndarray, shape (D, K + 1 + n + L)
        Outcome masses (K outcomes then "no equilibrium"), selected payoffs of
        the n players, and the mass of each of the L lever options.
    n_equilibria : ndarray of int, shape (D,)
    """
    env = evaluation_environment(scenario, game, params)
    U = build_payoffs(scenario, game, env, n_draws)
    n, P = game.n_players, game.n_profiles
    flatU = U.reshape(n_draws, n, P)
    if sequential is None:
        weights, n_eq = play_distribution(U, rule)
    else:
        weights, n_eq = sequential.weights(U, env, n_draws)
    labels = build_outcomes(scenario, game, env, n_draws)
    paths = sequential is not None and P <= MAX_PATHS_REPORTED
    cols = _columns(weights, labels, flatU, indicators, len(scenario.outcome_labels), paths)
    return cols, n_eq


def _columns(
    weights: NDArray[np.float64],
    labels: NDArray[np.intp],
    flatU: NDArray[np.float64],
    indicators: NDArray[np.float64],
    K: int,
    with_paths: bool,
) -> NDArray[np.float64]:
    """The per-draw quantities a run adds up, from how likely each profile is.

    Parameters
    ----------
    weights : ndarray, shape (D, P)
        Probability of each profile (or play) in each draw.
    labels : ndarray of int, shape (1, P) or (D, P)
        Outcome index of each profile.
    flatU : ndarray, shape (D, n, P)
    indicators : ndarray, shape (P, L)
        1 where a profile uses a lever option.
    K : int
        Number of outcomes.
    with_paths : bool
        Append the weights themselves (the probability of each path).

    Returns
    -------
    ndarray, shape (D, K + 1 + n + L [+ P])
    """
    n_draws, n, P = flatU.shape
    paths = P if with_paths else 0
    cols = np.empty((n_draws, K + 1 + n + indicators.shape[1] + paths))
    # Outcome and lever-option masses: weights times 0/1 indicator columns over
    # profiles, one (pieced, reproducible) matrix product.
    if labels.shape[0] == 1:
        onehot = (labels[0][:, None] == np.arange(K)).astype(np.float64)  # (P, K)
        both = np.concatenate([onehot, indicators], axis=1)
        masses = piecewise_matmul(weights, both)
        cols[:, :K] = masses[:, :K]
        cols[:, K + 1 + n : K + 1 + n + indicators.shape[1]] = masses[:, K:]
    else:  # outcome rules that read parameters label each draw's profiles differently
        for k in range(K):
            cols[:, k] = (weights * (labels == k)).sum(axis=1)
        cols[:, K + 1 + n : K + 1 + n + indicators.shape[1]] = piecewise_matmul(weights, indicators)
    if paths:
        cols[:, -paths:] = weights
    cols[:, K] = weights.sum(axis=1) < 0.5  # no equilibrium in this draw
    cols[:, K + 1 : K + 1 + n] = np.einsum("dp,dip->di", weights, flatU)
    return cols


def central_game(
    scenario: Scenario,
    game: GameStructure | None = None,
    sequential: SequentialModel | None = None,
) -> CentralGame:
    """The game with every parameter at its median, and its equilibria.

    Simultaneous games: every pure Nash equilibrium. Sequential games: the
    terminal histories the equilibrium reaches, each with its probability.
    """
    if scenario.is_tree:
        options = RunOptions.resolve(scenario)
        return TreeModel(scenario, options.play_rule, options.tie_break).central_game()
    game = game or GameStructure.from_scenario(scenario)
    sampler = ParameterSampler(scenario.spec.parameters, 0)
    medians = sampler.medians()
    params = {k: np.array([v]) for k, v in medians.items()}
    env = evaluation_environment(scenario, game, params)
    U = build_payoffs(scenario, game, env, 1)
    if scenario.is_sequential and sequential is None:
        options = RunOptions.resolve(scenario)
        sequential = SequentialModel(
            scenario, game, options.selection, options.tie_break, options.play_rule
        )
    probability = None
    if sequential is not None:
        probability = sequential.weights(U, env, 1)[0].reshape(-1)
        mask = probability > 0
    else:
        mask = pure_nash(U, n_players=game.n_players).reshape(-1)
    labels = build_outcomes(scenario, game, env, 1)[0]
    flatU = U.reshape(game.n_players, -1)
    equilibria = []
    for p in np.flatnonzero(mask):
        strategies = game.profile_strategies(int(p))
        played = game.played_stages(int(p)) if sequential is not None else len(strategies)
        kept = {lv.name for axis in game.axes[:played] for lv in axis}
        equilibria.append(
            CentralEquilibrium(
                # A sequential path stops at the stage that ended the game ('ends:').
                strategies=dict(zip(game.axis_names[:played], strategies[:played], strict=True)),
                levers={lv: o for lv, o in game.profile_labels(int(p)).items() if lv in kept},
                payoffs={pl.name: float(flatU[i, p]) for i, pl in enumerate(game.players)},
                outcome=scenario.outcome_labels[int(labels[p])],
                probability=None if probability is None else float(probability[p]),
            )
        )
    strategy: tuple[dict[str, Any], ...] = ()
    if sequential is not None and sequential.perfect:
        from tradegame.montecarlo.central import central_stage_game, subgame_perfect_strategy

        strategy = tuple(
            subgame_perfect_strategy(central_stage_game(scenario), sequential.tie_break)
        )
    return CentralGame(parameters=medians, equilibria=tuple(equilibria), strategy=strategy)


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
        shape_key: tuple[str | int, ...] = (
            ("tree",)
            if scenario.is_tree
            else ("stages",)
            if scenario.is_sequential
            else ("players",)
        )
        if scenario.is_sequential and opts.solution in CONCEPTS:
            fail(
                f"'{opts.solution}' is for simultaneous-move scenarios; this one has "
                f"{'a tree' if scenario.is_tree else 'stages:'} and is solved with "
                "'subgame_perfect'",
                "solution",
                default=shape_key,
            )
        shape = tuple(math.prod(len(lv.options) for lv in p.levers) for p in scenario.players)
        problem = size_problem(opts.solution, shape)
        if problem is not None and not scenario.is_sequential:
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
            and opts.selection not in PURE_SELECTIONS
        ):
            fail(
                "disagreement 'nash' takes the pure equilibrium chosen by selection (uniform, "
                f"payoff_dominant or risk_dominant), not selection '{opts.selection}'",
                "selection",
                "disagreement",
                "solution",
            )
        if scenario.is_sequential != (opts.solution == Solution.SUBGAME_PERFECT):
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
        return opts

    @property
    def play_rule(self) -> PlayRule:
        return PlayRule(
            self.solution, self.selection, self.no_equilibrium, self.qre_lambda, self.disagreement
        )


def memory_per_draw(game: GameStructure, n_outcomes: int) -> int:
    """Bytes one draw needs while its chunk is solved (payoffs, masks, weights, sums)."""
    return game.n_profiles * (2 * game.n_players + 6) * 8 + (n_outcomes + 16) * 8


def memory_fixed(game: GameStructure, n_chance_options: int = 0) -> int:
    """Bytes a run needs whatever its chunk size: the (profiles, options) indicator matrix."""
    n_options = sum(len(lv.options) for p in game.players for lv in p.levers)
    return game.n_profiles * (n_options + n_chance_options) * 8


def tree_memory(scenario: Scenario, options: RunOptions) -> tuple[int, int, str]:
    """Bytes per draw and fixed bytes of a tree scenario's run, and the game's size in words.

    Per draw: outcome and play payoffs, weights and sums, and with imperfect
    information the reduced normal form's payoffs and the play rule's work
    arrays; fixed: the (plays, options) indicator matrix.

    Raises
    ------
    ScenarioError
        When a player's reduced strategies are too many to enumerate.
    """
    assert scenario.tree is not None
    T = len(scenario.tree.terminals)
    n = len(scenario.players)
    K = len(scenario.tree.outcomes)
    L = sum(len(lv.options) for p in scenario.players for lv in p.levers) + sum(
        len(lv.options) for lv in scenario.chance
    )
    per_draw = (T * (2 * n + 6) + K * n + len(scenario.outcome_labels) + 16) * 8
    size = f"{T:,}-play game tree"
    if not scenario.tree.is_perfect_information:
        shape = TreeModel(scenario, options.play_rule, options.tie_break).normal_form_shape
        profiles = math.prod(shape)
        per_draw += profiles * (2 * n + 6) * 8
        size += f" ({' x '.join(map(str, shape))} reduced strategies)"
        L += profiles  # the (plays, profiles) matrix of which profile reaches which play
    return per_draw, T * L * 8, size


def _gib(n_bytes: int) -> str:
    """A byte count in GiB with three significant digits (0.00098 GiB, not 0.00 GiB)."""
    return f"{n_bytes / 2**30:.3g} GiB"


def _plan_chunks(samples: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(s, min(samples, s + chunk_size)) for s in range(0, samples, chunk_size)]


class ChunkSolver:
    """Solves chunks of draws of one run; one per process.

    Returns, for every sampling block in the chunk, the block's sums of the
    per-draw quantities and its histogram of equilibrium counts. These are
    what a checkpoint stores and what workers send back: the run's totals are
    their sum over blocks *in block order*, whoever computed them.
    """

    def __init__(
        self,
        scenario: Scenario,
        options: RunOptions,
        seed: int,
        game: GameStructure | None = None,
    ) -> None:
        self.scenario = scenario
        self.options = options
        self.rule = options.play_rule
        self.sampler = ParameterSampler(scenario.spec.parameters, seed)
        self.lever_keys: list[tuple[str, str, str]] = []
        self.tree: TreeModel | None = None
        self.sequential: SequentialModel | None = None
        if scenario.is_tree:
            # The players' levers only (no profile grid: a tree's plays are its terminals).
            self.game = GameStructure(scenario.players)
            self.tree = TreeModel(scenario, options.play_rule, options.tie_break)
            self.lever_keys = list(self.tree.structure.lever_keys)
            self.indicators = self.tree.structure.indicators
            return
        self.game = game or GameStructure.from_scenario(scenario)
        onehots = []
        # A lever counts only where its stage is reached (stages after an 'ends:'
        # option are not played): its option masses then sum to P(stage reached).
        axis_of = {lv.name: i for i, axis in enumerate(self.game.axes) for lv in axis}
        reached = self.game.stage_reached

        def onehot(lever: LeverSpec) -> NDArray[np.float64]:
            idx = self.game.lever_profiles[lever.name]
            rows = np.eye(len(lever.options))[idx]
            if lever.name in axis_of and any(self.game.ends):
                rows *= reached[axis_of[lever.name]][:, None]
            return rows

        for player in self.game.players:
            for lever in player.levers:
                onehots.append(onehot(lever))
                self.lever_keys.extend((player.name, lever.name, o) for o in lever.options)
        for lever in scenario.chance:
            onehots.append(onehot(lever))
            self.lever_keys.extend(("chance", lever.name, o) for o in lever.options)
        self.indicators = np.concatenate(onehots, axis=1)  # (P, total options)
        self.sequential = (
            SequentialModel(
                scenario, self.game, options.selection, options.tie_break, options.play_rule
            )
            if scenario.is_sequential
            else None
        )

    @property
    def moves(self) -> SequentialModel | TreeModel | None:
        """The model of a sequential scenario (stages or tree); ``None`` if simultaneous."""
        return self.tree if self.tree is not None else self.sequential

    @property
    def solution_concept(self) -> str:
        if self.moves is not None:
            return self.moves.solution_concept
        if self.options.solution in CONCEPTS:
            return self.options.solution.replace("_", " ")
        return "pure Nash equilibria"

    def solve(self, start: int, stop: int) -> list[BlockResult]:
        params = self.sampler.draws(start, stop)
        for name, values in params.items():
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:  # e.g. a lognormal with a huge sigma overflowing
                raise NonFiniteError(
                    f"parameter {name!r}",
                    start + int(bad[0]),
                    float(values[bad[0]]),
                    ("parameters", name),
                )
        if self.tree is not None:
            U, weights, n_eq = self.tree.solve(params, stop - start)
            cols = _columns(
                weights,
                self.tree.structure.outcome_of_terminal[None, :],
                U,
                self.indicators,
                len(self.scenario.outcome_labels),
                self.tree.n_plays <= MAX_PATHS_REPORTED,
            )
        else:
            cols, n_eq = _solve_chunk(
                self.scenario,
                self.game,
                params,
                stop - start,
                self.rule,
                self.indicators,
                self.sequential,
            )
        out: list[BlockResult] = []
        for b0 in range(0, stop - start, BLOCK):
            counts = np.unique(n_eq[b0 : b0 + BLOCK], return_counts=True)
            # Sums of huge payoffs may overflow; _result names the player, quietly.
            with np.errstate(over="ignore", invalid="ignore"):
                sums = cols[b0 : b0 + BLOCK].sum(axis=0)
            out.append(
                (
                    (start + b0) // BLOCK,
                    sums,
                    {int(k): int(c) for k, c in zip(*counts, strict=True)},
                )
            )
        return out


BlockResult = tuple[int, NDArray[np.float64], dict[int, int]]

_WORKER: dict[str, ChunkSolver] = {}


def _worker_init(text: str, name: str, options: RunOptions, seed: int) -> None:
    from tradegame.scenario.load import parse_scenario

    # The parent handles Ctrl-C and SIGTERM and ends the pool. SIGINT has been
    # blocked since the process started (_QuietSpawnProcess); ignoring it too keeps
    # a worker quiet should anything unblock it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER["solver"] = ChunkSolver(parse_scenario(text, name), options, seed)


def _worker_solve(chunk: tuple[int, int]) -> list[BlockResult]:
    return _WORKER["solver"].solve(*chunk)


def simulate(
    scenario: Scenario,
    samples: int | None = None,
    seed: int | None = None,
    *,
    selection: str | None = None,
    solution: str | None = None,
    no_equilibrium: str | None = None,
    qre_lambda: float | None = None,
    disagreement: str | None = None,
    chunk_size: int | None = None,
    workers: int = 1,
    checkpoint: str | Path | None = None,
    max_memory: int | None = None,
    progress: ProgressCallback | None = None,
) -> SimulationResult:
    """Outcome probabilities of a scenario by Monte Carlo over its parameters.

    Parameters
    ----------
    scenario : Scenario
        From :func:`tradegame.load_scenario`.
    samples : int, optional
        Number of draws; default the scenario's ``analysis.samples``.
    seed : int, optional
        Root seed; default the scenario's ``analysis.seed``, else fresh
        entropy (recorded in the result, so the run can be repeated).
    selection : str, optional
        Equilibrium selection rule (see
        :class:`~tradegame.scenario.vocabulary.Selection`); default the scenario's.
    solution : str, optional
        Solution concept (:class:`~tradegame.scenario.vocabulary.Solution`); default the scenario's.
    no_equilibrium : NoEquilibrium or str, optional
        What draws without a pure equilibrium play; default the scenario's.
    qre_lambda : float, optional
        Precision of the logit QRE; default the scenario's.
    disagreement : Disagreement or str, optional
        Disagreement point of ``nash_bargaining`` and ``kalai_smorodinsky``;
        default the scenario's.
    chunk_size : int, optional
        Draws solved at once (rounded up to a multiple of the sampling block,
        2048); default from the memory budget. Does not change the result.
    workers : int, default 1
        Processes solving chunks in parallel (a local process pool). Does not
        change the result.
    checkpoint : path, optional
        File recording finished blocks, rewritten atomically after each chunk.
        If it exists, the run resumes from it: it must be intact and from the
        same scenario file, seed, sample count, options and versions
        (:func:`checkpoint_identity`, :func:`load_checkpoint`), else the run
        is refused before any draw and the file is left as it was. The
        result is byte-for-byte that of an uninterrupted run.
    max_memory : int, optional
        Bytes the run's arrays may use (default :func:`default_memory_limit`);
        a game too large for one block of draws within it is refused before
        anything is allocated. Chunks aim at :data:`CHUNK_BYTES` (at least one
        block) unless ``chunk_size`` is given.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ScenarioError
        When the game needs more memory than allowed (with the numbers).
    CheckpointError
        When a checkpoint file belongs to another run, is damaged, or is not
        a file (one line naming the file and why).
    """
    analysis = scenario.analysis
    samples = int(samples if samples is not None else analysis.samples)
    if not 1 <= samples <= MAX_SAMPLES:
        # Beyond the bound the bookkeeping alone (chunks, blocks) would exhaust memory.
        raise ValueError(f"samples must be from 1 to {MAX_SAMPLES:,}")
    if seed is None:
        seed = analysis.seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    if seed < 0:
        raise ValueError("seed must be non-negative")
    options = RunOptions.resolve(
        scenario,
        solution=solution,
        selection=selection,
        no_equilibrium=no_equilibrium,
        qre_lambda=qre_lambda,
        disagreement=disagreement,
    )
    if workers < 1:
        raise ValueError("workers must be at least 1")

    # Memory is checked before anything of the game's size is allocated.
    K = len(scenario.outcome_labels)
    budget = int(max_memory or default_memory_limit())
    if scenario.is_tree:
        game = GameStructure(scenario.players)
        per_draw, fixed, size = tree_memory(scenario, options)
    else:
        game = GameStructure.from_scenario(scenario)
        per_draw = memory_per_draw(game, K)
        fixed = memory_fixed(game, sum(len(lv.options) for lv in scenario.chance))
        size = f"{game.n_profiles:,}-profile game"
    if fixed + per_draw * BLOCK > budget:
        raise ScenarioError(
            ScenarioIssue(
                scenario.locate(("players",)),
                f"one block of {BLOCK} draws of this {size} needs "
                f"{_gib(fixed + per_draw * BLOCK)}, over the memory limit of "
                f"{_gib(budget)}; raise the limit (--max-memory, in GiB) or use fewer levers "
                "or options",
            )
        )
    solver = ChunkSolver(scenario, options, seed, game)
    if chunk_size is None:
        target = min(CHUNK_BYTES, budget - fixed)
        chunk_size = max(1, target // (per_draw * BLOCK)) * BLOCK
    # A chunk given by the caller is held to the limit too (rounding down, to whole blocks).
    chunk_size = min(int(chunk_size), max(1, (budget - fixed) // (per_draw * BLOCK)) * BLOCK)
    chunk_size = max(BLOCK, -(-int(chunk_size) // BLOCK) * BLOCK)

    meta: dict[str, Any] = {}
    if checkpoint is not None:
        meta = checkpoint_identity(scenario, solver, int(seed), samples)
    blocks: dict[int, tuple[NDArray[np.float64], dict[int, int]]] = {}
    if checkpoint is not None:
        blocks = load_checkpoint(checkpoint, meta)
    n_blocks = -(-samples // BLOCK)
    chunks = _plan_chunks(samples, chunk_size)
    pending = [
        c for c in chunks if any(b not in blocks for b in range(c[0] // BLOCK, -(-c[1] // BLOCK)))
    ]
    done = samples - sum(stop - start for start, stop in pending)

    def finished(results: list[BlockResult], size: int) -> None:
        nonlocal done
        for index, sums, counts in results:
            blocks[index] = (sums, counts)
        done += size
        if checkpoint is not None:
            save_checkpoint(checkpoint, meta, blocks)
        if progress is not None:
            progress(done, samples)

    if workers == 1 or len(pending) <= 1:
        for start, stop in pending:
            finished(solver.solve(start, stop), stop - start)
    else:
        _run_pool(scenario, options, int(seed), pending, workers, finished)

    totals = np.zeros_like(blocks[0][0])
    eq_counts: dict[int, int] = {}
    for b in range(n_blocks):  # fixed order: the sum does not depend on who computed what
        sums, counts = blocks[b]
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by name
            totals = totals + sums
        for k, c in counts.items():
            eq_counts[k] = eq_counts.get(k, 0) + c
    return _result(scenario, solver, totals, eq_counts, samples, int(seed))


def _run_pool(
    scenario: Scenario,
    options: RunOptions,
    seed: int,
    pending: list[tuple[int, int]],
    workers: int,
    finished: Callable[[list[BlockResult], int], None],
) -> None:
    """Solve the pending chunks on a pool of ``workers`` processes, in any order.

    Workers never see Ctrl-C: they start with SIGINT blocked (see
    :class:`_QuietSpawnProcess`) and then ignore it, so a Ctrl-C to the
    process group reaches the parent only, which ends the workers and reports
    one line. Only a few chunks per worker are submitted at a time, so the
    queue does not grow with the sample count.
    """
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    if "qre" in (options.solution, options.selection, options.no_equilibrium):
        # Compile the QRE kernel here (or load it from numba's disk cache), so that
        # the workers load the cached machine code instead of each compiling it.
        from tradegame.solvers.logit_qre import logit_qre

        logit_qre(np.zeros((2, 2, 2)), 1.0)
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(pending)),
        mp_context=_QuietSpawnContext(),
        initializer=_worker_init,
        initargs=(scenario.text, scenario.source, options, seed),
    )
    chunks = iter(pending)
    running: dict[Future[list[BlockResult]], tuple[int, int]] = {}
    completed = False
    try:
        while True:
            for chunk in chunks:
                with _signals_held():  # submit() may start workers and the pool's thread
                    running[pool.submit(_worker_solve, chunk)] = chunk
                if len(running) >= 2 * workers:
                    break
            if not running:
                break
            ready, _ = wait(running, return_when=FIRST_COMPLETED)
            for f in ready:
                start, stop = running.pop(f)
                finished(f.result(), stop - start)
        completed = True
    finally:
        if not completed:
            # Interrupted or failed: the workers' chunks are of no use any more, end them now
            # (they would otherwise finish their chunk first). SIGTERM ends them silently.
            # All our workers, including one whose start was interrupted before the pool
            # recorded it (it would outlive us and fail on the pool's vanished queues).
            for process in multiprocessing.active_children():
                if isinstance(process, _QuietSpawnProcess):
                    process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


class _QuietSpawnProcess(multiprocessing.context.SpawnProcess):
    """A spawned worker process that starts with SIGINT blocked.

    A blocked signal stays blocked across fork and exec, so the child cannot
    get a KeyboardInterrupt (and print its traceback) while it imports NumPy,
    before :func:`_worker_init` ignores SIGINT. In the parent, Ctrl-C and
    SIGTERM during the start are held and acted on once the child has its
    start-up data: raised half-way, they would leave the child reading a
    truncated pipe, which it reports with a traceback.
    """

    def start(self) -> None:
        with _signals_held():  # a Ctrl-C pending while blocked is held too
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                super().start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM during a block, and act on the first one after it.

    Raised in the middle of the process pool's own bookkeeping (starting a
    worker, or the pool's manager thread), an interruption would leave a child
    reading a truncated pipe or a thread that cannot be joined, each reported
    with a traceback. Outside the main thread (where handlers cannot be set)
    the block runs as it is. Nested blocks pass what they held outwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    handlers: dict[int, Any] = {
        sig: signal.signal(sig, lambda signum, frame: held.append(signum))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    if held:
        handler = handlers[held[0]]
        if callable(handler):
            handler(held[0], None)
        elif held[0] == signal.SIGINT and handler == signal.default_int_handler:
            raise KeyboardInterrupt
        elif handler == signal.SIG_DFL:
            signal.raise_signal(held[0])


class _QuietSpawnContext(multiprocessing.context.SpawnContext):
    """The spawn context, starting :class:`_QuietSpawnProcess` workers."""

    Process = _QuietSpawnProcess


class CheckpointError(TradegameError, ValueError):
    """A checkpoint file that does not belong to this run, or cannot be read."""


#: Version of the checkpoint format that :func:`save_checkpoint` writes and
#: :func:`load_checkpoint` reads. Format 1 (tradegame before the digest) is refused.
CHECKPOINT_FORMAT = 2
#: Bytes of a checkpoint besides its blocks (the header, with the run's options).
_CHECKPOINT_HEADER_BYTES = 64 * 1024
#: Longest hex float :meth:`float.hex` writes ('-0x1.fffffffffffffp+1023' is 24).
_HEX_CHARS = 24
_INDEX = re.compile(r"(?:0|[1-9][0-9]{0,11})\Z")
_RETRY = "delete it or choose another --checkpoint file"
_OTHER = "choose another --checkpoint file"


def checkpoint_identity(
    scenario: Scenario, solver: ChunkSolver, seed: int, samples: int
) -> dict[str, Any]:
    """What a checkpoint must match to be resumed: everything a block's sums depend on.

    The scenario file's sha256, the seed, the sample count, every
    :class:`RunOptions` field, the tradegame version and the NumPy, SciPy and
    Python versions (the result records them, and its bytes may depend on
    them), the sampling block size and the number of outcomes and of summed
    columns per block.
    """
    K = len(scenario.outcome_labels)
    if solver.tree is not None:
        plays = solver.tree.n_plays
    elif solver.sequential is not None:
        plays = solver.game.n_profiles
    else:
        plays = MAX_PATHS_REPORTED + 1  # simultaneous games sum no path probabilities
    paths = plays if plays <= MAX_PATHS_REPORTED else 0
    return {
        "scenario_sha256": scenario.sha256,
        "tradegame_version": __version__,
        "environment": _environment(),
        "seed": int(seed),
        "samples": int(samples),
        "options": dataclasses.asdict(solver.options),
        "block": BLOCK,
        "outcomes": K,
        "players": solver.game.n_players,
        "columns": K + 1 + solver.game.n_players + int(solver.indicators.shape[1]) + paths,
    }


def checkpoint_digest(identity: dict[str, Any], blocks: dict[str, Any]) -> str:
    """The sha256 a checkpoint stores, over the run's identity and the blocks' content.

    It is the hex sha256 of the ASCII JSON of ``{"tradegame_checkpoint": 2,
    "run": identity, "blocks": blocks}`` with sorted keys and no spaces
    (``separators=(",", ":")``), where ``blocks`` is the file's ``"blocks"``
    object. Since the identity is hashed with the blocks, blocks of another
    run under this run's header do not match. The digest detects damage and
    mixing, not deliberate forgery: whoever recomputes it can write any sums.
    """
    canonical = json.dumps(
        {"tradegame_checkpoint": CHECKPOINT_FORMAT, "run": identity, "blocks": blocks},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _short(value: Any) -> str:
    """A value for a one-line message: its JSON, cut to 60 characters."""
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=True)
    except (TypeError, ValueError):  # pragma: no cover - parsed JSON always dumps
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: ``true`` is not ``1`` and ``1.0`` is not ``1`` (unlike ``==``)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of duplicate keys; two entries for one block are damage.
    doc: dict[str, Any] = {}
    for key, value in pairs:
        if key in doc:
            raise ValueError(f"duplicate key {_short(key)}")
        doc[key] = value
    return doc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _short_int(text: str) -> int:
    # Python refuses over 4,300 digits with advice about sys.set_int_max_str_digits;
    # say it plainly (a seed may be long, but not that long: the file is bounded).
    if len(text) > 4000:
        raise ValueError(f"an integer of {len(text):,} digits")
    return int(text)


def _read_bounded(p: Path, limit: int) -> bytes | None:
    """The file's bytes, or ``None`` if it does not exist.

    Opened without blocking (a FIFO would wait for a writer) and refused
    unless a regular file; at most ``limit`` bytes are read.
    """
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError:  # Windows cannot open directories
        raise CheckpointError(f"{p}: checkpoint is a directory, not a file; {_OTHER}") from None
    except OSError as exc:
        raise CheckpointError(
            f"{p}: checkpoint cannot be read ({exc.strerror or type(exc).__name__}); {_RETRY}"
        ) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise CheckpointError(f"{p}: checkpoint is a directory, not a file; {_OTHER}")
        if not stat.S_ISREG(mode):
            raise CheckpointError(
                f"{p}: checkpoint is not a regular file (a device, pipe or socket); {_OTHER}"
            )
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise CheckpointError(
            f"{p}: checkpoint cannot be read ({exc.strerror or type(exc).__name__}); {_RETRY}"
        ) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise CheckpointError(
            f"{p}: checkpoint is damaged (over {limit:,} bytes, more than a checkpoint of "
            f"this run can hold); {_RETRY}"
        )
    return data


def _block_sums(values: Any, columns: int, where: str) -> NDArray[np.float64]:
    """A block's sums from their hex strings, each canonical and finite."""
    if not isinstance(values, list):
        raise ValueError(f"{where} sums are not a list")
    if len(values) != columns:
        raise ValueError(f"{where} has {len(values)} sums, this run has {columns} columns")
    sums = np.empty(columns)
    for j, text in enumerate(values):
        if not isinstance(text, str) or len(text) > _HEX_CHARS:
            raise ValueError(f"{where} sum {j} is not a hex float")
        try:
            x = float.fromhex(text)
        except (ValueError, OverflowError):
            raise ValueError(f"{where} sum {j} {_short(text)} is not a finite hex float") from None
        if not math.isfinite(x):
            raise ValueError(f"{where} sum {j} is {text}, not finite")
        if x.hex() != text:  # only what save_checkpoint writes: one spelling per number
            raise ValueError(f"{where} sum {j} {_short(text)} is not as float.hex writes it")
        sums[j] = x
    return sums


def _block_counts(values: Any, size: int, where: str) -> dict[int, int]:
    """A block's histogram of equilibrium counts; its draws add up to the block's size."""
    if not isinstance(values, dict):
        raise ValueError(f"{where} equilibria are not an object")
    counts: dict[int, int] = {}
    for key, c in values.items():
        if not _INDEX.match(key):
            raise ValueError(f"{where} equilibrium count {_short(key)} is not a count")
        if type(c) is not int or c < 1:
            raise ValueError(f"{where} has {_short(c)} draws with {key} equilibria")
        counts[int(key)] = c
    if sum(counts.values()) != size:
        raise ValueError(f"{where} counts {sum(counts.values())} draws, not {size}")
    return counts


def _check_masses(sums: NDArray[np.float64], size: int, K: int, n_players: int, where: str) -> None:
    """Every column but the payoffs adds up per-draw probabilities: within [0, size]."""
    masses = np.concatenate([sums[: K + 1], sums[K + 1 + n_players :]])
    slack = 1e-6 * size  # rounding in the sums of probabilities
    bad = np.flatnonzero((masses < -slack) | (masses > size + slack))
    if bad.size:
        j = int(bad[0]) + (0 if bad[0] <= K else n_players)
        raise ValueError(f"{where} sum {j} is {float(sums[j])!r}, outside [0, {size}]")
    if sums[K] != round(sums[K]):
        raise ValueError(f"{where} counts {float(sums[K])!r} draws without equilibrium")


def load_checkpoint(
    path: str | Path, meta: dict[str, Any]
) -> dict[int, tuple[NDArray[np.float64], dict[int, int]]]:
    """Finished blocks from a checkpoint file (empty if the file does not exist).

    Nothing in the file is used unless all of it checks out: a regular file of
    bounded size (from the run's blocks and columns), UTF-8 JSON without
    duplicate keys, format :data:`CHECKPOINT_FORMAT`, a header equal to
    ``meta`` (:func:`checkpoint_identity`), block indexes in range, sums of
    the run's column count, finite, in canonical hex, probability masses
    within the block's size, equilibrium counts that add up to the block's
    draws, and a digest (:func:`checkpoint_digest`) over this run's identity
    and the blocks. The file is only read.

    Parameters
    ----------
    path : path
    meta : dict
        This run's identity, from :func:`checkpoint_identity`.

    Returns
    -------
    dict
        Block index to (sums, shape (columns,); equilibrium-count histogram).

    Raises
    ------
    CheckpointError
        One line naming the file and what is wrong: not a file, not a
        tradegame checkpoint, an older format, damaged, or for another run.
    """
    p = Path(path)
    block = int(meta["block"])
    samples = int(meta["samples"])
    columns = int(meta["columns"])
    n_blocks = -(-samples // block)
    per_block = 64 + columns * (_HEX_CHARS + 4) + min(block, 4096) * 24
    data = _read_bounded(p, _CHECKPOINT_HEADER_BYTES + n_blocks * per_block)
    if data is None:
        return {}

    def damaged(why: str) -> CheckpointError:
        return CheckpointError(f"{p}: checkpoint is damaged ({why}); {_RETRY}")

    if not data.strip():
        raise damaged("empty file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise damaged(f"not UTF-8 text: byte {exc.start}") from None
    try:
        doc = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constant,
            parse_int=_short_int,
        )
    except json.JSONDecodeError as exc:
        raise damaged(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise damaged("nested too deeply") from None
    except ValueError as exc:  # duplicate keys, NaN, long integers
        raise damaged(str(exc).splitlines()[0]) from None
    if not isinstance(doc, dict) or "tradegame_checkpoint" not in doc:
        raise CheckpointError(f"{p}: not a tradegame checkpoint file; {_RETRY}")
    version = doc["tradegame_checkpoint"]
    if not _same(version, CHECKPOINT_FORMAT):
        if type(version) is int and 0 < version < CHECKPOINT_FORMAT:
            raise CheckpointError(
                f"{p}: checkpoint is from an older tradegame (format {version}, without a "
                f"digest); tradegame {__version__} reads format {CHECKPOINT_FORMAT} only; {_RETRY}"
            )
        raise CheckpointError(
            f"{p}: checkpoint format {_short(version)} is not supported (tradegame "
            f"{__version__} reads format {CHECKPOINT_FORMAT}); {_RETRY}"
        )
    if set(doc) != {"tradegame_checkpoint", "run", "blocks", "digest"}:
        raise damaged(f"keys {_short(sorted(doc))}, not run, blocks and digest")
    run = doc["run"]
    if not isinstance(run, dict):
        raise damaged("'run' is not an object")
    for key, value in meta.items():
        if key not in run:
            raise damaged(f"the run has no {key!r}")
        if not _same(run[key], value):
            ours, theirs = value, run[key]
            if isinstance(ours, dict) and isinstance(theirs, dict):
                # Name the option that differs, not the whole object.
                for sub in sorted(set(ours) | set(theirs)):
                    if not _same(ours.get(sub), theirs.get(sub)):
                        key, ours, theirs = f"{key}.{sub}", ours.get(sub), theirs.get(sub)
                        break
            raise CheckpointError(
                f"{p}: checkpoint is for another run ({key} {_short(theirs)}, this run "
                f"{_short(ours)}); {_RETRY}"
            )
    if set(run) != set(meta):
        raise damaged(f"unknown run fields {_short(sorted(set(run) - set(meta)))}")
    entries = doc["blocks"]
    if not isinstance(entries, dict):
        raise damaged("'blocks' is not an object")
    K = int(meta["outcomes"])
    n_players = int(meta["players"])
    blocks: dict[int, tuple[NDArray[np.float64], dict[int, int]]] = {}
    try:
        for key, entry in entries.items():
            if not _INDEX.match(key) or int(key) >= n_blocks:
                raise ValueError(
                    f"block {_short(key)} is not a block index of this run (0 to {n_blocks - 1})"
                )
            b = int(key)
            where = f"block {b}"
            if not isinstance(entry, dict) or set(entry) != {"sums", "equilibria"}:
                raise ValueError(f"{where} is not an object of sums and equilibria")
            size = min(block, samples - b * block)
            sums = _block_sums(entry["sums"], columns, where)
            _check_masses(sums, size, K, n_players, where)
            blocks[b] = (sums, _block_counts(entry["equilibria"], size, where))
    except ValueError as exc:
        raise damaged(str(exc)) from None
    digest = doc["digest"]
    if not isinstance(digest, str) or digest != checkpoint_digest(meta, entries):
        raise damaged(
            "its digest does not match its content: edited, or holding blocks of another run"
        )
    return blocks


def save_checkpoint(
    path: str | Path,
    meta: dict[str, Any],
    blocks: dict[int, tuple[NDArray[np.float64], dict[int, int]]],
) -> None:
    """Write finished blocks atomically; floats in hex, so nothing is rounded.

    The file holds the format, the run's identity ``meta``
    (:func:`checkpoint_identity`), the blocks and their digest
    (:func:`checkpoint_digest`). A block whose sums are not finite (payoffs
    near 1e308 overflowing) is not recorded: the run ends in an error naming
    the player, and a resumed run recomputes the block and ends the same way.

    Raises
    ------
    CheckpointError
        When the file cannot be written (one line, naming it).
    """
    from tradegame._output import atomic_write_text

    entries = {
        str(b): {
            "sums": [float(x).hex() for x in sums],
            "equilibria": {str(k): int(v) for k, v in sorted(counts.items())},
        }
        for b, (sums, counts) in sorted(blocks.items())
        if np.isfinite(sums).all()
    }
    doc = {
        "tradegame_checkpoint": CHECKPOINT_FORMAT,
        "run": meta,
        "blocks": entries,
        "digest": checkpoint_digest(meta, entries),
    }
    try:
        atomic_write_text(path, json.dumps(doc) + "\n")
    except OSError as exc:  # e.g. a read-only directory: say so, not "internal error"
        raise CheckpointError(
            f"{path}: checkpoint cannot be written ({exc.strerror or type(exc).__name__}); {_OTHER}"
        ) from None


def _result(
    scenario: Scenario,
    solver: ChunkSolver,
    totals: NDArray[np.float64],
    eq_counts: dict[int, int],
    samples: int,
    seed: int,
) -> SimulationResult:
    game = solver.game
    options = solver.options
    labels = scenario.outcome_labels
    K = len(labels)
    n = game.n_players
    outcomes = []
    for k, label in enumerate((*labels, NO_EQUILIBRIUM)):
        count = float(totals[k])
        outcomes.append(
            OutcomeEstimate(label, count / samples, count, wilson_interval(count, samples))
        )
    with_eq = samples - round(float(totals[K]))
    for i, p in enumerate(game.players):
        if not np.isfinite(totals[K + 1 + i]):
            # Every draw's payoff was finite (checked per draw), but their sum is not.
            raise ScenarioError(
                ScenarioIssue(
                    scenario.locate(("payoffs", p.name)),
                    f"the expected payoff of {p.name!r} overflows float64 (payoffs near "
                    "1e308 add up to infinity); state the payoffs in larger units",
                )
            )
    payoffs: dict[str, float | None] = {
        p.name: (float(totals[K + 1 + i]) / with_eq if with_eq else None)
        for i, p in enumerate(game.players)
    }
    levers: dict[str, dict[str, dict[str, Any]]] = {}
    for j, (player, lever, option) in enumerate(solver.lever_keys):
        levers.setdefault(player, {}).setdefault(lever, {})[option] = (
            float(totals[K + 1 + n + j]) / samples
        )
    paths: list[OutcomeEstimate] = []
    first_path = K + 1 + n + len(solver.lever_keys)
    if solver.moves is not None and totals.shape[0] > first_path:
        path_totals = totals[first_path:]
        for p in np.argsort(-path_totals, kind="stable"):
            count = float(path_totals[p])
            if count <= 0 or len(paths) >= 50:
                break
            paths.append(
                OutcomeEstimate(
                    _path_label(solver, int(p)),
                    count / samples,
                    count,
                    wilson_interval(count, samples),
                )
            )
    if solver.moves is not None and solver.moves.perfect:
        rule = scenario.analysis.tie_break
        selection_text = f"tie_break={rule}: an indifferent mover takes " + (
            "the option listed first" if rule == TieBreak.FIRST else "each best option equally"
        )
        no_eq = "every draw has a subgame-perfect equilibrium"
        selection_name = f"tie_break:{rule}"
    elif solver.moves is not None:
        selection_text = SELECTION_RULES[options.selection] + " (of the reduced normal form)"
        no_eq = solver.rule.describe(game.n_players, solver.moves.normal_form_shape)
        selection_name = options.selection
    elif options.solution in CONCEPTS:
        selection_name, selection_text, no_eq = describe_concept(
            options.solution, options.selection, options.disagreement
        )
    else:
        if options.solution == Solution.QRE:
            selection_text = "not needed: the logit QRE is unique on its principal branch"
        elif options.solution == Solution.MIXED_NASH:
            # The rule applies to the draw's extreme mixed equilibria, not to pure ones.
            selection_text = (
                "extreme mixed equilibria not Pareto-dominated (in expected payoffs) by "
                "another of the draw, equally likely"
                if options.selection == Selection.PAYOFF_DOMINANT
                else "each extreme mixed equilibrium of a draw equally likely"
            )
        else:
            selection_text = SELECTION_RULES[options.selection]
        no_eq = solver.rule.describe(game.n_players, game.shape)
        selection_name = "none" if options.solution == Solution.QRE else options.selection
    return SimulationResult(
        scenario_title=scenario.title,
        scenario_file=scenario.source,
        scenario_sha256=scenario.sha256,
        tradegame_version=__version__,
        seed=int(seed),
        samples=samples,
        solution=options.solution,
        selection=selection_name,
        selection_rule=selection_text,
        no_equilibrium_rule=no_eq,
        units=scenario.spec.units,
        outcomes=tuple(outcomes),
        expected_payoffs=payoffs,
        lever_options=levers,
        equilibrium_counts=eq_counts,
        central_game=solver.tree.central_game()
        if solver.tree is not None
        else central_game(scenario, game, solver.sequential),
        paths=tuple(paths),
        options=dataclasses.asdict(options),
        environment=_environment(),
    )


def _path_label(solver: ChunkSolver, p: int) -> str:
    """``"stage: action > ..."`` (or ``"lever: option > ..."`` in a tree) of path ``p``."""
    if solver.tree is not None:
        return solver.tree.structure.path_labels[p]
    game = solver.game
    played = game.played_stages(p)  # labels stop where the game ended
    return " > ".join(
        f"{name}: {action}"
        for name, action in zip(
            game.axis_names[:played], game.profile_strategies(p)[:played], strict=True
        )
    )


def _environment() -> dict[str, str]:
    import platform

    import scipy

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }

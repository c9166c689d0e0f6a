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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import piecewise_matmul
from tradegame._version import __version__
from tradegame.model.build import build_outcomes, build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.montecarlo.result import (
    CentralEquilibrium,
    CentralGame,
    OutcomeEstimate,
    SimulationResult,
    wilson_interval,
)
from tradegame.montecarlo.sampling import BLOCK, ParameterSampler
from tradegame.montecarlo.selection import SELECTION_RULES, select
from tradegame.scenario.load import Scenario
from tradegame.solvers.pure_nash import pure_nash

__all__ = ["NO_EQUILIBRIUM", "central_game", "default_chunk_size", "simulate"]

#: Outcome label of draws whose game has no pure Nash equilibrium.
NO_EQUILIBRIUM = "no_pure_equilibrium"
#: Memory a chunk may use for its arrays, in bytes.
CHUNK_BYTES = 128 * 1024 * 1024

ProgressCallback = Callable[[int, int], None]


def default_chunk_size(game: GameStructure, n_outcomes: int) -> int:
    """Draws per chunk so that one chunk's arrays stay near :data:`CHUNK_BYTES`."""
    # Payoffs (n per profile), best-response masks, weights, outcome labels and a
    # few profile-sized temporaries, in float64.
    per_draw = game.n_profiles * (2 * game.n_players + 6) * 8 + (n_outcomes + 16) * 8
    blocks = max(1, CHUNK_BYTES // (per_draw * BLOCK))
    return int(blocks * BLOCK)


@dataclass
class _Totals:
    """Running sums over blocks, always added in block order."""

    columns: NDArray[np.float64]
    eq_counts: dict[int, int]


def _solve_chunk(
    scenario: Scenario,
    game: GameStructure,
    params: dict[str, NDArray[np.float64]],
    n_draws: int,
    selection: str,
    indicators: NDArray[np.float64],
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
    mask = pure_nash(U, n_players=n).reshape(n_draws, P)
    flatU = U.reshape(n_draws, n, P)
    weights = select(mask, flatU, selection)  # type: ignore[arg-type]
    labels = build_outcomes(scenario, game, env, n_draws)
    K = len(scenario.outcome_labels)
    cols = np.empty((n_draws, K + 1 + n + indicators.shape[1]))
    # Outcome and lever-option masses: weights times 0/1 indicator columns over
    # profiles, one (pieced, reproducible) matrix product.
    if labels.shape[0] == 1:
        onehot = (labels[0][:, None] == np.arange(K)).astype(np.float64)  # (P, K)
        both = np.concatenate([onehot, indicators], axis=1)
        masses = piecewise_matmul(weights, both)
        cols[:, :K] = masses[:, :K]
        cols[:, K + 1 + n :] = masses[:, K:]
    else:  # outcome rules that read parameters label each draw's profiles differently
        for k in range(K):
            cols[:, k] = (weights * (labels == k)).sum(axis=1)
        cols[:, K + 1 + n :] = piecewise_matmul(weights, indicators)
    n_eq = mask.sum(axis=1)
    cols[:, K] = n_eq == 0
    cols[:, K + 1 : K + 1 + n] = np.einsum("dp,dip->di", weights, flatU)
    return cols, n_eq


def central_game(scenario: Scenario, game: GameStructure | None = None) -> CentralGame:
    """The game with every parameter at its median, solved for pure equilibria."""
    game = game or GameStructure.from_scenario(scenario)
    sampler = ParameterSampler(scenario.spec.parameters, 0)
    medians = sampler.medians()
    params = {k: np.array([v]) for k, v in medians.items()}
    env = evaluation_environment(scenario, game, params)
    U = build_payoffs(scenario, game, env, 1)
    mask = pure_nash(U, n_players=game.n_players).reshape(-1)
    labels = build_outcomes(scenario, game, env, 1)[0]
    flatU = U.reshape(game.n_players, -1)
    equilibria = []
    for p in np.flatnonzero(mask):
        strategies = game.profile_strategies(int(p))
        equilibria.append(
            CentralEquilibrium(
                strategies={pl.name: s for pl, s in zip(game.players, strategies, strict=True)},
                levers=game.profile_labels(int(p)),
                payoffs={pl.name: float(flatU[i, p]) for i, pl in enumerate(game.players)},
                outcome=scenario.outcome_labels[int(labels[p])],
            )
        )
    return CentralGame(parameters=medians, equilibria=tuple(equilibria))


def simulate(
    scenario: Scenario,
    samples: int | None = None,
    seed: int | None = None,
    *,
    selection: str | None = None,
    chunk_size: int | None = None,
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
    selection : {"uniform", "payoff_dominant"}, optional
        Equilibrium selection rule; default the scenario's.
    chunk_size : int, optional
        Draws solved at once (rounded up to a multiple of the sampling block,
        2048); default from a memory budget. Does not change the result.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk.

    Returns
    -------
    SimulationResult
    """
    analysis = scenario.analysis
    samples = int(samples if samples is not None else analysis.samples)
    if samples < 1:
        raise ValueError("samples must be at least 1")
    if seed is None:
        seed = analysis.seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    if seed < 0:
        raise ValueError("seed must be non-negative")
    selection = selection or analysis.selection
    if selection not in SELECTION_RULES:
        raise ValueError(
            f"unknown selection rule {selection!r}; known: {', '.join(SELECTION_RULES)}"
        )

    game = GameStructure.from_scenario(scenario)
    K = len(scenario.outcome_labels)
    if chunk_size is None:
        chunk_size = default_chunk_size(game, K)
    chunk_size = max(BLOCK, -(-int(chunk_size) // BLOCK) * BLOCK)

    lever_onehots = []
    lever_keys: list[tuple[str, str, str]] = []
    for player in game.players:
        for lever in player.levers:
            idx = game.lever_profiles[lever.name]
            lever_onehots.append(np.eye(len(lever.options))[idx])
            lever_keys.extend((player.name, lever.name, o) for o in lever.options)

    indicators = np.concatenate(lever_onehots, axis=1)  # (P, total options)
    sampler = ParameterSampler(scenario.spec.parameters, seed)
    totals: NDArray[np.float64] | None = None
    eq_counts: dict[int, int] = {}
    for start in range(0, samples, chunk_size):
        stop = min(samples, start + chunk_size)
        params = sampler.draws(start, stop)
        cols, n_eq = _solve_chunk(scenario, game, params, stop - start, selection, indicators)
        for b0 in range(0, stop - start, BLOCK):
            block_sum = cols[b0 : b0 + BLOCK].sum(axis=0)
            totals = block_sum if totals is None else totals + block_sum
            for k, c in zip(*np.unique(n_eq[b0 : b0 + BLOCK], return_counts=True), strict=True):
                eq_counts[int(k)] = eq_counts.get(int(k), 0) + int(c)
        if progress is not None:
            progress(stop, samples)
    assert totals is not None
    return _result(scenario, game, totals, eq_counts, samples, seed, selection, lever_keys)


def _result(
    scenario: Scenario,
    game: GameStructure,
    totals: NDArray[np.float64],
    eq_counts: dict[int, int],
    samples: int,
    seed: int,
    selection: str,
    lever_keys: list[tuple[str, str, str]],
) -> SimulationResult:
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
    payoffs: dict[str, float | None] = {
        p.name: (float(totals[K + 1 + i]) / with_eq if with_eq else None)
        for i, p in enumerate(game.players)
    }
    levers: dict[str, dict[str, dict[str, Any]]] = {}
    for j, (player, lever, option) in enumerate(lever_keys):
        levers.setdefault(player, {}).setdefault(lever, {})[option] = (
            float(totals[K + 1 + n + j]) / samples
        )
    return SimulationResult(
        scenario_title=scenario.title,
        scenario_file=scenario.source,
        scenario_sha256=scenario.sha256,
        tradegame_version=__version__,
        seed=int(seed),
        samples=samples,
        solution=scenario.analysis.solution,
        selection=selection,
        selection_rule=SELECTION_RULES[selection],
        no_equilibrium_rule=f"draws with no pure equilibrium are reported as {NO_EQUILIBRIUM!r}",
        units=scenario.spec.units,
        outcomes=tuple(outcomes),
        expected_payoffs=payoffs,
        lever_options=levers,
        equilibrium_counts=eq_counts,
        central_game=central_game(scenario, game),
    )

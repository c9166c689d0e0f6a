"""Monte Carlo simulation of a scenario: sample, play, aggregate.

For each chunk of draws the parameters are sampled
(:mod:`tradegame.scenario.sampling`) and the scenario's
:class:`~tradegame.play.base.GamePlay` plays them: it builds each draw's
game, solves it under the run's solution concept and selection rule and
gives the per-draw quantities (outcome masses, payoffs, lever options,
paths). This module knows nothing else of the kind of game. The quantities
are summed **per sampling block** (:mod:`.chunks`, in this process or in
worker processes) and then over blocks in order. Chunks are whole numbers of
blocks, so every sum is computed the same way whatever the chunk size: the
result is byte-for-byte reproducible, and a run resumes from a checkpoint
(:mod:`.checkpoint`) to the same bytes.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._version import __version__
from tradegame.errors import ScenarioError, ScenarioIssue
from tradegame.montecarlo.checkpoint import (
    CheckpointError,
    checkpoint_identity,
    load_checkpoint,
    save_checkpoint,
)
from tradegame.montecarlo.chunks import BlockResult, ChunkSolver, plan_chunks, run_pool
from tradegame.montecarlo.cluster import ClusterError, dask_client, run_dask
from tradegame.montecarlo.draws import (
    BlockDraws,
    DrawsMemoryError,
    draws_frame,
    kept_bytes_per_draw,
)
from tradegame.montecarlo.progress import progress_bar
from tradegame.montecarlo.result import (
    NO_EQUILIBRIUM,
    OutcomeEstimate,
    SimulationResult,
    mean_estimates,
    run_environment,
    t975,
    wilson_interval,
)
from tradegame.play.kinds import play_class
from tradegame.play.options import RunOptions
from tradegame.scenario.load import Scenario, parse_scenario
from tradegame.scenario.overrides import Overrides
from tradegame.scenario.sampling import BLOCK, Scheme
from tradegame.scenario.schema import Analysis

__all__ = [
    "MAX_SAMPLES",
    "NO_EQUILIBRIUM",
    "CheckpointError",
    "ChunkSolver",
    "ClusterError",
    "DrawsMemoryError",
    "RunOptions",
    "simulate",
    "simulate_many",
]


#: Most draws a run may ask for: the bound of ``analysis.samples`` in scenario files.
MAX_SAMPLES: int = next(m.le for m in Analysis.model_fields["samples"].metadata if hasattr(m, "le"))
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


#: What ``workers > 1`` runs on without a scheduler: ``"pool"`` (a process pool) or
#: ``"dask"`` (a local Dask cluster). The pool, not for speed (the runner's
#: ``workers_backend`` row: Dask as fast or slightly faster) but because its runs end
#: quietly on a signal at any moment, which is tested (docs/how-to/cluster.md).
LOCAL_BACKEND = "pool"

ProgressCallback = Callable[[int, int], None]


def _gib(n_bytes: int) -> str:
    """A byte count in GiB with three significant digits (0.00098 GiB, not 0.00 GiB)."""
    return f"{n_bytes / 2**30:.3g} GiB"


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
    scheduler: str | None = None,
    checkpoint: str | Path | None = None,
    max_memory: int | None = None,
    progress: ProgressCallback | bool | None = None,
    precision: float | None = None,
    max_samples: int | None = None,
    qmc: bool = False,
    keep_draws: bool = False,
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
        Processes solving chunks in parallel on this machine: a process pool
        (:data:`LOCAL_BACKEND`; ``"dask"`` starts a local Dask cluster instead).
        Does not change the result.
    scheduler : str, optional
        The address of a running Dask scheduler (``tcp://host:8786``): the
        chunks are solved as tasks by its workers. Not with ``workers``.
        Does not change the result.
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
    progress : callable or bool, optional
        A callable is called as ``progress(done, total)`` after each chunk
        (``total`` grows when a precision target asks for more draws).
        ``True`` shows a progress bar (on standard error, or in the notebook)
        once the run looks longer than a second; ``False`` shows none. The
        default, ``None``, shows one only in an interactive session: standard
        error a terminal, or a Jupyter kernel; never in scripts whose output
        is redirected, pipelines or tests.
    precision : float, optional
        A target for the 95 % half-width of every outcome's probability (for
        example 0.005, half a percentage point). The run first makes
        ``samples`` draws (rounded up to whole blocks of 2048), then, while
        some outcome's half-width is at or above the target, draws more whole
        blocks: as many as the current widths say are needed (widths shrink
        as one over the square root of the draws), plus a tenth, at least one
        block. It stops at ``max_samples`` and says so
        (``result.precision["reached"]``). The stopping rule reads the
        draws only, so the result is byte-for-byte reproducible.
    max_samples : int, optional
        The cap on draws of a run with ``precision`` (default
        :data:`MAX_SAMPLES`).
    qmc : bool, default False
        Randomised quasi-Monte Carlo: scrambled Sobol points in
        :data:`~tradegame.scenario.sampling.REPLICATES` independent
        randomisations (:mod:`tradegame.scenario.sampling`); the sample count
        is rounded up to whole blocks of 2048, and intervals come from the
        spread of the replicates' means (Student's t,
        :func:`~tradegame.montecarlo.result.mean_estimates`).
    keep_draws : bool, default False
        Keep every draw's parameters, plays, outcome masses and payoffs, as
        :attr:`SimulationResult.draws` (a pandas DataFrame, see
        :func:`~tradegame.montecarlo.draws.draws_frame`). Memory grows with
        the number of draws (:func:`~tradegame.montecarlo.draws.kept_bytes_per_draw`,
        counted in ``max_memory``: a run whose draws would not fit is refused
        before any draw); the result's JSON is the same either way. A run
        that keeps its draws does not resume a checkpoint holding finished
        blocks (their draws were not kept): it is refused before any draw.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ScenarioError
        When the game needs more memory than allowed (with the numbers).
    CheckpointError
        When a checkpoint file belongs to another run, is damaged, or is not
        a file, or holds finished blocks while ``keep_draws`` is set (one
        line naming the file and why).
    DrawsMemoryError
        When ``keep_draws`` is set and the draws would not fit in ``max_memory``.
    """
    analysis = scenario.analysis
    samples = int(samples if samples is not None else analysis.samples)
    if not 1 <= samples <= MAX_SAMPLES:
        # Beyond the bound the bookkeeping alone (chunks, blocks) would exhaust memory.
        raise ValueError(f"samples must be from 1 to {MAX_SAMPLES:,}")
    if precision is not None and not (0 < precision < 1):
        raise ValueError("precision must be between 0 and 1 (a half-width, e.g. 0.005)")
    cap = samples
    if precision is not None:
        cap = int(max_samples if max_samples is not None else MAX_SAMPLES)
        if not 1 <= cap <= MAX_SAMPLES:
            raise ValueError(f"max_samples must be from 1 to {MAX_SAMPLES:,}")
    scheme: Scheme = "sobol" if qmc else "monte_carlo"
    if qmc:
        # Whole blocks: a Sobol block holds equal shares of every replicate.
        samples = min(-(-samples // BLOCK) * BLOCK, _whole_blocks(MAX_SAMPLES))
        cap = max(BLOCK, _whole_blocks(cap)) if precision is not None else samples
    if precision is not None:
        # A run that grows must not have computed a partial block on the way: it
        # grows by whole blocks, and only the cap may end inside one.
        samples = min(-(-samples // BLOCK) * BLOCK, cap)
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
    if scheduler is not None and workers != 1:
        raise ValueError("workers: not with a scheduler (its cluster's workers solve the draws)")

    # Memory is checked before anything of the game's size is allocated.
    len(scenario.outcome_labels)
    budget = int(max_memory or default_memory_limit())
    need = play_class(scenario).memory(scenario, options)
    per_draw, fixed, size = need.per_draw, need.fixed, need.size
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
    if keep_draws:
        # The kept draws stay in memory until the run ends: they come out of the budget
        # (all the draws a precision target may ask for, up to its cap).
        kept_bytes = max(samples, cap) * kept_bytes_per_draw(
            len(scenario.spec.parameters), len(scenario.outcome_labels), len(scenario.players)
        )
        if fixed + per_draw * BLOCK + kept_bytes > budget:
            raise DrawsMemoryError(
                f"keeping every one of {max(samples, cap):,} draws needs about "
                f"{_gib(kept_bytes)}, over the memory limit of {_gib(budget)} with the run's "
                f"own {_gib(fixed + per_draw * BLOCK)}; ask for fewer draws or raise the limit"
            )
        fixed += kept_bytes
    solver = ChunkSolver(scenario, options, seed, scheme, keep_draws)
    if chunk_size is None:
        target = min(CHUNK_BYTES, budget - fixed)
        chunk_size = max(1, target // (per_draw * BLOCK)) * BLOCK
    # A chunk given by the caller is held to the limit too (rounding down, to whole blocks).
    chunk_size = min(int(chunk_size), max(1, (budget - fixed) // (per_draw * BLOCK)) * BLOCK)
    chunk_size = max(BLOCK, -(-int(chunk_size) // BLOCK) * BLOCK)

    meta: dict[str, Any] = {}
    if checkpoint is not None:
        # A precision run's blocks are a prefix of its cap's: the cap is its identity.
        meta = checkpoint_identity(scenario, solver, int(seed), cap, precision)
    blocks: dict[int, Block] = {}
    if checkpoint is not None:
        blocks = load_checkpoint(checkpoint, meta)
        if keep_draws and blocks:
            raise CheckpointError(
                f"{checkpoint}: checkpoint holds {len(blocks):,} finished block(s) whose draws "
                "were not kept, so the per-draw data (--draws, keep_draws) cannot be resumed "
                "from it; delete it, or resume without --draws"
            )
    kept: dict[int, BlockDraws] = {}
    target = samples
    done = 0

    client: Any = None
    with progress_bar(progress) as report, ExitStack() as clients:

        def finished(results: list[BlockResult], size: int) -> None:
            nonlocal done
            for index, sums, squares, counts, draws in results:
                blocks[index] = (sums, squares, counts)
                if draws is not None:
                    kept[index] = draws
            done += size
            if checkpoint is not None:
                save_checkpoint(checkpoint, meta, blocks)
            if report is not None:
                report(done, target)

        while True:
            chunks = plan_chunks(target, chunk_size)
            pending = [
                c
                for c in chunks
                if any(b not in blocks for b in range(c[0] // BLOCK, -(-c[1] // BLOCK)))
            ]
            done = target - sum(stop - start for start, stop in pending)
            on_dask = scheduler is not None or (workers > 1 and LOCAL_BACKEND == "dask")
            if on_dask and len(pending) > (0 if scheduler is not None else 1):
                if client is None:  # one client for every round of a precision run
                    if scheduler is None:
                        # Numba's machine code compiled (or loaded) here, the workers load it.
                        options.play_rule.compile_kernels()
                    client = clients.enter_context(
                        dask_client(workers=min(workers, len(pending)), scheduler=scheduler)
                    )
                run_dask(
                    client, scenario, options, int(seed), pending, finished, scheme, keep_draws
                )
            elif workers > 1 and len(pending) > 1:
                run_pool(
                    scenario, options, int(seed), pending, workers, finished, scheme, keep_draws
                )
            else:
                for start, stop in pending:
                    finished(solver.solve(start, stop), stop - start)
            totals, squares, eq_counts = _add_blocks(blocks, -(-target // BLOCK))
            result = _result(scenario, solver, totals, squares, eq_counts, target, int(seed))
            if precision is not None:
                widest = max(o.half_width for o in result.outcomes)
                if widest >= precision and target < cap:
                    # Half-widths shrink as 1/sqrt(draws): aim at the target, a tenth to spare.
                    want = target * (widest / precision) ** 2 * 1.1
                    target = int(min(cap, max(target + BLOCK, -(-int(want) // BLOCK) * BLOCK)))
                    continue
                result = dataclasses.replace(
                    result,
                    precision={
                        "target": precision,
                        "max_samples": cap,
                        "reached": widest < precision,
                        "half_width": widest,
                    },
                )
            if keep_draws:
                frame = draws_frame(
                    [kept[b] for b in range(-(-target // BLOCK))],  # block order, whoever solved
                    solver.play,
                    list(scenario.spec.parameters),
                    scenario.outcome_labels,
                )
                result = dataclasses.replace(result, draws=frame)
            return result


def simulate_many(
    runs: Sequence[tuple[Scenario, dict[str, Any]]],
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> list[SimulationResult]:
    """Several independent runs (the points of a grid, say), each one a task on a cluster.

    Parameters
    ----------
    runs : sequence of (Scenario, dict)
        Each run's scenario and the keyword arguments of :func:`simulate` for it
        (``samples``, ``seed``, ...; not ``workers``, ``scheduler``, ``checkpoint``
        or ``progress``).
    workers : int, default 1
        Worker processes of a local Dask cluster; with 1 (and no ``scheduler``) the
        runs are made one after the other in this process.
    scheduler : str, optional
        The address of a running Dask scheduler, whose workers make the runs. Not
        with ``workers``.

    Returns
    -------
    list of SimulationResult
        In the order of ``runs``; each is what :func:`simulate` gives for it in
        this process, whichever worker made it.

    Raises
    ------
    ClusterError
        When the scheduler cannot be reached (one line).
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if scheduler is not None and workers != 1:
        raise ValueError("workers: not with a scheduler (its cluster's workers solve the draws)")
    if scheduler is None and (workers == 1 or len(runs) <= 1):
        return [simulate(sc, **kwargs, progress=False) for sc, kwargs in runs]
    with dask_client(workers=min(workers, len(runs)), scheduler=scheduler) as client:
        futures = [
            client.submit(_simulate_text, sc.text, sc.source, sc.overrides, kwargs, pure=False)
            for sc, kwargs in runs
        ]
        results: list[SimulationResult] = client.gather(futures)
    return results


def _simulate_text(
    text: str, source: str, overrides: Overrides, kwargs: dict[str, Any]
) -> SimulationResult:
    """A task of :func:`simulate_many`: the scenario rebuilt from its text, then run."""
    return simulate(parse_scenario(text, source, overrides), **kwargs, progress=False)


Block = tuple[NDArray[np.float64], NDArray[np.float64], dict[int, int]]


def _whole_blocks(n: int) -> int:
    return n // BLOCK * BLOCK


def _add_blocks(
    blocks: dict[int, Block], n_blocks: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], dict[int, int]]:
    """The run's sums per replicate, sums of squares and equilibrium counts, over blocks."""
    totals = np.zeros_like(blocks[0][0])
    squares = np.zeros_like(blocks[0][1])
    eq_counts: dict[int, int] = {}
    for b in range(n_blocks):  # fixed order: the sum does not depend on who computed what
        sums, sq, counts = blocks[b]
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by name
            totals = totals + sums
            squares = squares + sq
        for k, c in counts.items():
            eq_counts[k] = eq_counts.get(k, 0) + c
    return totals, squares, eq_counts


def _result(
    scenario: Scenario,
    solver: ChunkSolver,
    grouped: NDArray[np.float64],
    squares: NDArray[np.float64],
    eq_counts: dict[int, int],
    samples: int,
    seed: int,
) -> SimulationResult:
    """The result of ``samples`` draws from their sums per replicate ``(R, C)`` and squares."""
    play = solver.play
    labels = scenario.outcome_labels
    K = len(labels)
    n = len(play.players)
    R = grouped.shape[0]
    totals = grouped.sum(axis=0) if R > 1 else grouped[0]
    per_replicate = samples / R  # a Sobol run is whole blocks: equal shares
    _, errors = mean_estimates(grouped, squares, per_replicate)
    t = t975(R - 1) if R > 1 else 0.0
    if R > 1:
        # A replicate's estimate of a probability moves in steps of one draw, 1/n_r.
        # When the outcome is decided by a boundary the points of one replicate
        # straddle a few at a time (one parameter alone: a single Sobol interval),
        # all R replicates may agree and their spread say 0 while the truth lies up
        # to a step away. The standard error is therefore at least one step over
        # sqrt(R): negligible when the spread is Monte Carlo-like, and an honest
        # bound when it is not (payoff columns, in other units, are left alone).
        floor = 1.0 / (per_replicate * np.sqrt(R))
        masses = np.ones(errors.shape, dtype=bool)
        masses[K + 1 : K + 1 + n] = False
        errors = np.where(masses & ~np.isnan(errors), np.maximum(errors, floor), errors)

    def estimate(label: str, j: int) -> OutcomeEstimate:
        count = float(totals[j])
        se = None if np.isnan(errors[j]) else float(errors[j])
        if R == 1:
            ci = wilson_interval(count, samples)
        else:
            p = count / samples
            half = t * (se or 0.0)
            ci = (max(0.0, p - half), min(1.0, p + half))
        return OutcomeEstimate(label, count / samples, count, ci, se)

    outcomes = [estimate(label, k) for k, label in enumerate((*labels, NO_EQUILIBRIUM))]
    with_eq = samples - round(float(totals[K]))
    for i, p in enumerate(play.players):
        if not np.isfinite(totals[K + 1 + i]):
            # Every draw's payoff was finite (checked per draw), but their sum is not.
            raise ScenarioError(
                ScenarioIssue(
                    scenario.locate(("payoffs", p)),
                    f"the expected payoff of {p!r} overflows float64 (payoffs near "
                    "1e308 add up to infinity); state the payoffs in larger units",
                )
            )
    payoffs: dict[str, float | None] = {
        p: (float(totals[K + 1 + i]) / with_eq if with_eq else None)
        for i, p in enumerate(play.players)
    }
    # Payoffs are means over the draws with an equilibrium (those without add 0 to
    # both sums): their count per replicate is the divisor.
    pay = slice(K + 1, K + 1 + n)
    with_eq_r = per_replicate - grouped[:, K : K + 1]
    _, pay_errors = mean_estimates(grouped[:, pay], squares[pay], with_eq_r)
    payoff_errors: dict[str, float | None] = {
        p: (None if not with_eq or not np.isfinite(pay_errors[i]) else float(pay_errors[i]))
        for i, p in enumerate(play.players)
    }
    levers: dict[str, dict[str, dict[str, Any]]] = {}
    lever_errors: dict[str, dict[str, dict[str, float | None]]] = {}
    for j, (player, lever, option) in enumerate(play.lever_keys):
        col = K + 1 + n + j
        levers.setdefault(player, {}).setdefault(lever, {})[option] = float(totals[col]) / samples
        lever_errors.setdefault(player, {}).setdefault(lever, {})[option] = (
            None if np.isnan(errors[col]) else float(errors[col])
        )
    # A lever a fix restricted lists every option of the file, the removed ones at 0,
    # so that results of variants line up option by option.
    for options in levers.values():
        for lever, probs in options.items():
            if lever in scenario.full_options:
                options[lever] = {o: probs.get(o, 0.0) for o in scenario.full_options[lever]}
    paths: list[OutcomeEstimate] = []
    first_path = K + 1 + n + len(play.lever_keys)
    if play.reports_paths:
        path_totals = totals[first_path:]
        for p in np.argsort(-path_totals, kind="stable"):
            count = float(path_totals[p])
            if count <= 0 or len(paths) >= 50:
                break
            paths.append(estimate(play.path_label(int(p)), first_path + int(p)))
    rules = play.rule_text()
    return SimulationResult(
        scenario_title=scenario.title,
        scenario_file=scenario.source,
        scenario_sha256=scenario.sha256,
        overrides=scenario.overrides.to_dict(),
        tradegame_version=__version__,
        seed=int(seed),
        samples=samples,
        solution=solver.options.solution,
        selection=rules.selection,
        selection_rule=rules.selection_rule,
        no_equilibrium_rule=rules.no_equilibrium_rule,
        units=scenario.spec.units,
        outcomes=tuple(outcomes),
        expected_payoffs=payoffs,
        lever_options=levers,
        equilibrium_counts=eq_counts,
        central_game=play.central().summary(),
        paths=tuple(paths),
        options=dataclasses.asdict(solver.options),
        environment=run_environment(),
        expected_payoffs_std_error=payoff_errors,
        lever_options_std_error=lever_errors,
        sampling={"scheme": solver.sampler.scheme, "replicates": R},
    )

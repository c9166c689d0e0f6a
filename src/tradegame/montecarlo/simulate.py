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
from collections.abc import Callable
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
from tradegame.montecarlo.result import (
    NO_EQUILIBRIUM,
    OutcomeEstimate,
    SimulationResult,
    run_environment,
    wilson_interval,
)
from tradegame.play.kinds import play_class
from tradegame.play.options import RunOptions
from tradegame.scenario.load import Scenario
from tradegame.scenario.sampling import BLOCK
from tradegame.scenario.schema import Analysis

__all__ = [
    "MAX_SAMPLES",
    "NO_EQUILIBRIUM",
    "CheckpointError",
    "ChunkSolver",
    "RunOptions",
    "simulate",
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
    solver = ChunkSolver(scenario, options, seed)
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
    chunks = plan_chunks(samples, chunk_size)
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
        run_pool(scenario, options, int(seed), pending, workers, finished)

    totals = np.zeros_like(blocks[0][0])
    eq_counts: dict[int, int] = {}
    for b in range(n_blocks):  # fixed order: the sum does not depend on who computed what
        sums, counts = blocks[b]
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by name
            totals = totals + sums
        for k, c in counts.items():
            eq_counts[k] = eq_counts.get(k, 0) + c
    return _result(scenario, solver, totals, eq_counts, samples, int(seed))


def _result(
    scenario: Scenario,
    solver: ChunkSolver,
    totals: NDArray[np.float64],
    eq_counts: dict[int, int],
    samples: int,
    seed: int,
) -> SimulationResult:
    play = solver.play
    labels = scenario.outcome_labels
    K = len(labels)
    n = len(play.players)
    outcomes = []
    for k, label in enumerate((*labels, NO_EQUILIBRIUM)):
        count = float(totals[k])
        outcomes.append(
            OutcomeEstimate(label, count / samples, count, wilson_interval(count, samples))
        )
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
    levers: dict[str, dict[str, dict[str, Any]]] = {}
    for j, (player, lever, option) in enumerate(play.lever_keys):
        levers.setdefault(player, {}).setdefault(lever, {})[option] = (
            float(totals[K + 1 + n + j]) / samples
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
            paths.append(
                OutcomeEstimate(
                    play.path_label(int(p)),
                    count / samples,
                    count,
                    wilson_interval(count, samples),
                )
            )
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
    )

"""Chunks of draws: solving them in this process or in a pool of worker processes.

A :class:`ChunkSolver` samples a chunk's parameters and has the scenario's
:class:`~tradegame.play.base.GamePlay` play them; it returns the sums of
every sampling block in the chunk. :func:`run_pool` hands chunks to worker
processes (spawned, quiet on Ctrl-C: the parent ends the pool) and gives
back their blocks as they finish.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame._numeric import column_sums
from tradegame.model.build import (
    NonFiniteError,
)
from tradegame.montecarlo.draws import BlockDraws, block_draws
from tradegame.play.base import play_columns
from tradegame.play.kinds import play_for
from tradegame.play.options import RunOptions
from tradegame.scenario.load import Scenario
from tradegame.scenario.overrides import Overrides
from tradegame.scenario.sampling import BLOCK, ParameterSampler, Scheme

__all__ = ["BlockResult", "ChunkSolver", "plan_chunks", "run_pool"]


def plan_chunks(samples: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(s, min(samples, s + chunk_size)) for s in range(0, samples, chunk_size)]


class ChunkSolver:
    """Solves chunks of draws of one run; one per process.

    Returns, for every sampling block in the chunk, the block's sums of the
    per-draw quantities (one row per independent replicate of the sampling
    scheme: one for ``monte_carlo``, :data:`~tradegame.scenario.sampling.REPLICATES`
    for ``sobol``), their sums of squares (for standard errors) and its
    histogram of equilibrium counts. These are what a checkpoint stores and
    what workers send back: the run's totals are their sum over blocks *in
    block order*, whoever computed them.

    When ``keep_draws`` is set, each block also carries its per-draw data
    (:class:`~tradegame.montecarlo.draws.BlockDraws`), which travels with its
    sums, so the run's frame is assembled in block order like its totals.

    Attributes
    ----------
    play : GamePlay
        How the scenario's draws are played (:func:`tradegame.play.play_for`);
        the only thing this layer knows of the kind of game.
    keep_draws : bool
        Whether blocks carry their per-draw data.
    """

    def __init__(
        self,
        scenario: Scenario,
        options: RunOptions,
        seed: int,
        scheme: Scheme = "monte_carlo",
        keep_draws: bool = False,
    ) -> None:
        self.scenario = scenario
        self.options = options
        self.sampler = ParameterSampler(scenario.spec.parameters, seed, scheme)
        self.play = play_for(scenario, options)
        self.keep_draws = keep_draws

    def parameters(self, start: int, stop: int) -> dict[str, NDArray[np.float64]]:
        """The parameter draws ``start:stop``, each of shape (stop - start,), checked finite.

        Raises
        ------
        NonFiniteError
            A parameter draw that is not finite (named, with its draw number).
        """
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
        return params

    def columns(self, start: int, stop: int) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """The per-draw quantities of draws ``start:stop`` (see :meth:`GamePlay.batch_columns`).

        Returns
        -------
        columns : ndarray, shape (stop - start, K + 1 + n + L [+ T])
        n_equilibria : ndarray of int, shape (stop - start,)

        Raises
        ------
        NonFiniteError
            A parameter draw that is not finite (named, with its draw number).
        """
        return self.play.batch_columns(self.parameters(start, stop), stop - start)

    def solve(self, start: int, stop: int) -> list[BlockResult]:
        kept: list[BlockDraws | None] = [None] * -(-(stop - start) // BLOCK)
        if self.keep_draws:
            # What batch_columns does, keeping the batch: the same columns, bit for bit.
            params = self.parameters(start, stop)
            batch = self.play.play_batch(params, stop - start)
            K = len(self.scenario.outcome_labels)
            cols = play_columns(batch, self.play.indicators, K, self.play.reports_paths)
            n_eq = batch.n_equilibria
            kept = list(block_draws(start, params, batch, cols, K, len(self.play.players)))
        else:
            cols, n_eq = self.columns(start, stop)
        out: list[BlockResult] = []
        groups = self.sampler.groups
        for b0 in range(0, stop - start, BLOCK):
            counts = np.unique(n_eq[b0 : b0 + BLOCK], return_counts=True)
            part = cols[b0 : b0 + BLOCK]
            # Sums of huge payoffs may overflow; _result names the player, quietly.
            with np.errstate(over="ignore", invalid="ignore"):
                # Draw i of a block belongs to replicate i % groups.
                sums, squares = column_sums(part, groups)
            out.append(
                (
                    (start + b0) // BLOCK,
                    sums,
                    squares,
                    {int(k): int(c) for k, c in zip(*counts, strict=True)},
                    kept[b0 // BLOCK],
                )
            )
        return out


#: A block's index, its sums per replicate (G, C), sums of squares (C,), histogram of
#: equilibrium counts and, when the run keeps its draws, its per-draw data.
BlockResult = tuple[
    int, NDArray[np.float64], NDArray[np.float64], dict[int, int], BlockDraws | None
]

_WORKER: dict[str, ChunkSolver] = {}


def _worker_init(
    text: str,
    name: str,
    overrides: Overrides,
    options: RunOptions,
    seed: int,
    scheme: Scheme,
    keep_draws: bool,
) -> None:
    from tradegame.scenario.load import parse_scenario

    # The parent handles Ctrl-C and SIGTERM and ends the pool. SIGINT has been
    # blocked since the process started (_QuietSpawnProcess); ignoring it too keeps
    # a worker quiet should anything unblock it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER["solver"] = ChunkSolver(
        parse_scenario(text, name, overrides), options, seed, scheme, keep_draws
    )


def _worker_solve(chunk: tuple[int, int]) -> list[BlockResult]:
    return _WORKER["solver"].solve(*chunk)


def run_pool(
    scenario: Scenario,
    options: RunOptions,
    seed: int,
    pending: list[tuple[int, int]],
    workers: int,
    finished: Callable[[list[BlockResult], int], None],
    scheme: Scheme = "monte_carlo",
    keep_draws: bool = False,
) -> None:
    """Solve the pending chunks on a pool of ``workers`` processes, in any order.

    Workers never see Ctrl-C: they start with SIGINT blocked (see
    :class:`_QuietSpawnProcess`) and then ignore it, so a Ctrl-C to the
    process group reaches the parent only, which ends the workers and reports
    one line. Only a few chunks per worker are submitted at a time, so the
    queue does not grow with the sample count.
    """
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    # Compiled here (or loaded from the disk cache), the workers load the machine code
    # instead of each compiling it.
    options.play_rule.compile_kernels()
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(pending)),
        mp_context=_QuietSpawnContext(),
        initializer=_worker_init,
        initargs=(
            scenario.text,
            scenario.source,
            scenario.overrides,
            options,
            seed,
            scheme,
            keep_draws,
        ),
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

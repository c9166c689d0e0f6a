"""Chunks of draws on a Dask cluster: a local one, or one already running at an address.

Each chunk of draws is one Dask task. A task rebuilds the scenario from its
text (once per worker process and run, then cached) and returns the sums of
its sampling blocks, exactly as :meth:`ChunkSolver.solve` does in this
process. The run adds the blocks in block order, whichever worker solved
them and in whatever order they came back, so the result is byte-for-byte
that of a single process with the same seed.

A worker that dies mid-task (killed, out of memory, its machine lost) is
Dask's business: the scheduler hands its tasks to another worker (up to
``distributed.scheduler.allowed-failures`` times a task), and since a
block's random numbers depend only on the seed and the block's index, the
recomputed block is the same. An exception raised *by* a task (a parameter
draw that is not finite, say) is not retried: it would only happen again.

Dask is imported only when a run uses it, so that the command line starts
without it.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from tradegame.errors import ClusterError
from tradegame.montecarlo.chunks import BlockResult, ChunkSolver
from tradegame.play.options import RunOptions
from tradegame.scenario.load import Scenario, parse_scenario
from tradegame.scenario.overrides import Overrides
from tradegame.scenario.sampling import Scheme

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["CONNECT_TIMEOUT", "ClusterError", "dask_client", "run_columns", "run_dask"]

#: Seconds to wait for the scheduler at ``--scheduler ADDRESS`` before giving up.
CONNECT_TIMEOUT: float = 10.0

#: A run's description, what a worker needs to rebuild its :class:`ChunkSolver`:
#: the scenario's text, its source name, overrides, options, seed, scheme and
#: whether blocks keep their draws.
RunSpec = tuple[str, str, Overrides, RunOptions, int, Scheme, bool]


@contextmanager
def dask_client(workers: int = 1, scheduler: str | None = None) -> Iterator[Client]:
    """A Dask client: of the scheduler at ``scheduler``, else of a new local cluster.

    The local cluster has ``workers`` worker processes of one thread each
    (the draws are NumPy work that holds the GIL between calls) and no
    dashboard on a fixed port; it is closed when the block ends. A client of an existing
    scheduler is closed too, the cluster is left running.

    Raises
    ------
    ClusterError
        When the scheduler does not answer within :data:`CONNECT_TIMEOUT`
        seconds, or its address is not one.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise ClusterError(
            f"Dask is not installed ({exc}): pip install 'dask[distributed]'"
        ) from None
    if scheduler is not None:
        _probe(scheduler)
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise ClusterError(f"no Dask scheduler at {scheduler!r}: {_first_line(exc)}") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # no fixed port: clusters side by side
        memory_limit=0,  # the run's own budget (--max-memory) bounds its arrays
        silence_logs=logging.ERROR,
    )
    try:
        client = Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _probe(address: str) -> None:
    """Refuse a malformed address, or a TCP one where nothing listens, at once.

    Dask's own client would retry for :data:`CONNECT_TIMEOUT` seconds before
    saying either (and, for a malformed address, print a traceback when it is
    collected).
    """
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return  # inproc://, ucx://: Dask's client checks them itself
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise ClusterError(
            f"{address!r} is not a Dask scheduler address ({_first_line(exc)}); "
            "use tcp://host:port, e.g. tcp://10.0.0.5:8786"
        ) from None
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ClusterError(f"no Dask scheduler at {address!r}: {_first_line(exc)}") from None


_SOLVERS: dict[str, ChunkSolver] = {}


def _solver(token: str, spec: RunSpec) -> ChunkSolver:
    """The run's solver in this worker process, built from ``spec`` the first time."""
    solver = _SOLVERS.get(token)
    if solver is None:
        text, name, overrides, options, seed, scheme, keep_draws = spec
        solver = ChunkSolver(
            parse_scenario(text, name, overrides), options, seed, scheme, keep_draws
        )
        if len(_SOLVERS) >= 4:  # a few runs' solvers per worker process (a comparison's sides)
            _SOLVERS.clear()
        _SOLVERS[token] = solver
    return solver


def _spec(
    scenario: Scenario,
    options: RunOptions,
    seed: int,
    scheme: Scheme,
    keep_draws: bool,
) -> tuple[str, RunSpec]:
    """A run's description for the workers and a short digest of it (the cache's key)."""
    spec: RunSpec = (
        scenario.text,
        scenario.source,
        scenario.overrides,
        options,
        int(seed),
        scheme,
        keep_draws,
    )
    return hashlib.sha256(pickle.dumps(spec)).hexdigest()[:16], spec


def _solve_chunk(token: str, spec: RunSpec, start: int, stop: int) -> list[BlockResult]:
    """The task: chunk ``start:stop`` of the run ``spec``, on whichever worker runs it."""
    return _solver(token, spec).solve(start, stop)


def _columns_chunk(token: str, spec: RunSpec, start: int, stop: int) -> NDArray[np.float64]:
    """The task: the per-draw columns of draws ``start:stop`` of the run ``spec``."""
    return _solver(token, spec).columns(start, stop)[0]


def run_columns(
    runs: Sequence[tuple[ChunkSolver, int]],
    step: int,
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> list[NDArray[np.float64]]:
    """The per-draw columns of several runs' first draws, computed in pieces of ``step`` draws.

    What an analysis that needs every draw (a comparison's paired differences,
    a sensitivity index) computes: for each ``(solver, n)``, the columns of
    draws ``0:n`` (:meth:`ChunkSolver.columns`), the same arrays in this
    process, on a local Dask cluster of ``workers`` processes, or on the
    cluster at ``scheduler``. The pieces are put together in draw order.

    Returns
    -------
    list of ndarray, shape (n, C) each
        In the order of ``runs``.
    """
    pieces = [[(s, min(n, s + step)) for s in range(0, n, step)] for _, n in runs]
    if scheduler is None and (workers == 1 or sum(map(len, pieces)) <= 1):
        return [
            np.concatenate([solver.columns(a, b)[0] for a, b in ranges])
            for (solver, _), ranges in zip(runs, pieces, strict=True)
        ]
    out: list[NDArray[np.float64]] = []
    with dask_client(workers=workers, scheduler=scheduler) as client:
        futures = []
        for (solver, _), ranges in zip(runs, pieces, strict=True):
            token, spec = _spec(
                solver.scenario, solver.options, solver.sampler.seed, solver.sampler.scheme, False
            )
            futures.append(
                [
                    client.submit(
                        _columns_chunk, token, spec, a, b, key=f"tradegame-columns-{token}-{a}-{b}"
                    )
                    for a, b in ranges
                ]
            )
        for run in futures:
            out.append(np.concatenate(client.gather(run)))
    return out


def run_dask(
    client: Client,
    scenario: Scenario,
    options: RunOptions,
    seed: int,
    pending: list[tuple[int, int]],
    finished: Callable[[list[BlockResult], int], None],
    scheme: Scheme = "monte_carlo",
    keep_draws: bool = False,
) -> None:
    """Solve the pending chunks as tasks on the cluster of ``client``, in any order.

    ``finished(blocks, size)`` is called in this thread as each chunk comes
    back; the caller files the blocks by index and adds them in block order.
    At most two chunks per worker are in flight, so neither the scheduler's
    queue nor the results waiting to be collected grow with the sample count.
    """
    from distributed import as_completed

    token, spec = _spec(scenario, options, seed, scheme, keep_draws)
    n_workers = max(1, sum(client.nthreads().values()))
    in_flight = 2 * n_workers
    chunks = iter(pending)
    futures: dict[Any, tuple[int, int]] = {}

    def submit(chunk: tuple[int, int]) -> Any:
        future = client.submit(
            _solve_chunk,
            token,
            spec,
            *chunk,
            key=f"tradegame-chunk-{token}-{chunk[0]}-{chunk[1]}",
            retries=0,
        )
        futures[future] = chunk
        return future

    first = [submit(c) for _, c in zip(range(in_flight), chunks, strict=False)]
    done = as_completed(first, loop=client.loop)
    try:
        for future in done:
            start, stop = futures.pop(future)
            blocks = future.result()
            future.release()
            finished(blocks, stop - start)
            following = next(chunks, None)
            if following is not None:
                done.add(submit(following))
    finally:
        for future in futures:  # failed or interrupted: the rest is of no use
            future.cancel()

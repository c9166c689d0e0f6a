"""The Dask backend: a run on a cluster is byte-identical to one in a single process.

One local cluster (two worker processes, one thread each) serves the whole
module through ``--scheduler``/``scheduler=``: starting one costs seconds.
The properties: the same JSON for clusters of 1, 2 and 4 workers, after a
worker is killed in the middle of a task, and when a run resumes a checkpoint
on the cluster; and one-line errors for a scheduler that is not there.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pytest
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

import tradegame as tg
from tradegame.errors import ClusterError
from tradegame.scenario.sampling import BLOCK

# The worker plugin below travels to the workers by value: they cannot import this file.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

SAMPLES = 3 * BLOCK + 77  # four chunks of one block, the last one partial


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    c = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # no fixed port: clusters side by side
        memory_limit=0,
        silence_logs=logging.ERROR,
    )
    try:
        yield c
    finally:
        # After a worker was killed and replaced, closing may meet a worker the cluster's
        # status watcher no longer knows (Dask's SpecCluster, dask/distributed#5407): harmless.
        with contextlib.suppress(KeyError):
            c.close()


@pytest.fixture(scope="module")
def client(cluster: LocalCluster) -> Iterator[Client]:
    with Client(cluster, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="module")
def madrid() -> tg.Scenario:
    return tg.load_scenario("madrid_2025")


@pytest.fixture(scope="module")
def reference(madrid: tg.Scenario) -> str:
    """The single-process run every cluster run must equal, byte for byte."""
    return tg.simulate(madrid, SAMPLES, seed=11, chunk_size=BLOCK).to_json()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow  # scaling the cluster to 4 and back: about 25 s on 2 loaded cores
def test_same_json_on_one_two_and_four_workers(
    madrid: tg.Scenario, reference: str, cluster: LocalCluster, client: Client
) -> None:
    address = cluster.scheduler_address
    for n in (2, 4, 1):
        cluster.scale(n)
        client.wait_for_workers(n, timeout=120)
        while len(client.nthreads()) != n:  # scaling down retires workers one by one
            time.sleep(0.1)
        result = tg.simulate(madrid, SAMPLES, seed=11, chunk_size=BLOCK, scheduler=address)
        assert result.to_json() == reference, f"{n} worker(s)"
    cluster.scale(2)
    client.wait_for_workers(2, timeout=120)


class _KillFirstAttempt(WorkerPlugin):
    """Kills its worker process when a tradegame chunk starts there, the first time only.

    The marker file, written just before the kill, makes it once per test
    whichever worker gets the task first, and whichever gets it again.
    """

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish == "executing" and "tradegame-chunk" in str(key):
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_worker_is_replaced_and_the_json_is_the_same(
    madrid: tg.Scenario, reference: str, cluster: LocalCluster, client: Client, tmp_path: Path
) -> None:
    marker = tmp_path / "killed"
    client.register_plugin(_KillFirstAttempt(str(marker)), name="kill-first-attempt")
    try:
        result = tg.simulate(
            madrid, SAMPLES, seed=11, chunk_size=BLOCK, scheduler=cluster.scheduler_address
        )
    finally:
        client.unregister_worker_plugin("kill-first-attempt")
    assert marker.exists(), "no worker was killed"
    assert result.to_json() == reference
    client.wait_for_workers(2, timeout=120)  # the nanny restarts it, for the tests after
    killed = int(marker.read_text())
    assert killed not in client.run(os.getpid).values(), "the worker was not killed"


class _Stop(Exception):
    pass


def test_a_checkpointed_run_resumes_on_the_cluster_to_the_same_json(
    madrid: tg.Scenario, reference: str, cluster: LocalCluster, tmp_path: Path
) -> None:
    ck = tmp_path / "run.ckpt"
    address = cluster.scheduler_address

    def stop_after_first(done: int, total: int) -> None:
        raise _Stop

    with pytest.raises(_Stop):
        tg.simulate(
            madrid,
            SAMPLES,
            seed=11,
            chunk_size=BLOCK,
            scheduler=address,
            checkpoint=ck,
            progress=stop_after_first,
        )
    assert ck.exists()
    seen: list[int] = []
    resumed = tg.simulate(
        madrid,
        SAMPLES,
        seed=11,
        chunk_size=BLOCK,
        scheduler=address,
        checkpoint=ck,
        progress=lambda done, total: seen.append(done),
    )
    assert resumed.to_json() == reference
    assert len(seen) < 4, "the finished chunk was not solved again"


def test_the_kept_draws_are_the_same_on_the_cluster(
    madrid: tg.Scenario, cluster: LocalCluster
) -> None:
    one = tg.simulate(madrid, 2 * BLOCK + 5, seed=2, chunk_size=BLOCK, keep_draws=True)
    many = tg.simulate(
        madrid,
        2 * BLOCK + 5,
        seed=2,
        chunk_size=BLOCK,
        keep_draws=True,
        scheduler=cluster.scheduler_address,
    )
    assert one.draws is not None and many.draws is not None
    assert one.draws.equals(many.draws)


def test_the_cli_runs_on_a_scheduler_to_the_same_bytes(cli, cluster, tmp_path: Path) -> None:
    here, there = tmp_path / "here.json", tmp_path / "there.json"
    args = ["run", "madrid_2025", "-n", str(SAMPLES), "--seed", "5", "--chunk-size", str(BLOCK)]
    assert cli(*args, "-q", "--json", here).code == 0
    r = cli(*args, "-q", "--json", there, "--scheduler", cluster.scheduler_address)
    assert r.code == 0, r.stderr
    assert there.read_bytes() == here.read_bytes()
    assert json.loads(there.read_text())["outcomes"], "a whole result, not an empty one"


@pytest.mark.parametrize(
    ("address", "says"),
    [
        (None, "no Dask scheduler at 'tcp://127.0.0.1:{port}': [Errno 111] Connection refused"),
        ("nonsense", "'nonsense' is not a Dask scheduler address"),
    ],
)
def test_an_unreachable_scheduler_is_one_line_exit_2(cli, address, says) -> None:
    port = _closed_port()
    address = address or f"tcp://127.0.0.1:{port}"
    r = cli("run", "madrid_2025", "-n", "100", "-q", "--scheduler", address)
    assert r.code == 2
    assert r.stderr.startswith("error: " + says.format(port=port))
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_workers_and_a_scheduler_together_are_refused(madrid, cli) -> None:
    r = cli("run", "madrid_2025", "-n", "100", "--workers", "2", "--scheduler", "tcp://h:1")
    assert (r.code, r.stderr) == (
        2,
        "error: --workers: not with --scheduler (the cluster's workers solve the draws)\n",
    )
    with pytest.raises(ValueError, match="not with a scheduler"):
        tg.simulate(madrid, 100, workers=2, scheduler="tcp://h:1")
    with pytest.raises(ClusterError, match="no Dask scheduler"):
        tg.simulate(madrid, 100, scheduler=f"tcp://127.0.0.1:{_closed_port()}")


def test_a_sweep_on_the_cluster_is_the_same(cli, cluster: LocalCluster, tmp_path: Path) -> None:
    sc = tg.load_scenario("classroom/chicken")
    axis = ["parameters.crash_cost.median=0.5:4:5"]
    here = tg.sweep(sc, axis, samples=BLOCK, seed=1)
    there = tg.sweep(sc, axis, samples=BLOCK, seed=1, scheduler=cluster.scheduler_address)
    assert there.to_json() == here.to_json()
    assert len({p.probabilities["crash"] for p in there.points}) > 1, "the points differ"
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    args = ["sweep", "classroom/chicken", "-p", axis[0], "-n", "2048", "--seed", "1"]
    assert cli(*args, "--json", a).code == 0
    assert cli(*args, "--json", b, "--scheduler", cluster.scheduler_address).code == 0
    assert a.read_bytes() == b.read_bytes()


def test_workers_on_a_local_dask_cluster_give_the_same_json(
    madrid: tg.Scenario, reference: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local cluster ``--workers`` starts when Dask is the local backend (what the
    benchmark runner's ``workers_backend`` row measures against the process pool)."""
    simulate_module = importlib.import_module("tradegame.montecarlo.simulate")

    monkeypatch.setattr(simulate_module, "LOCAL_BACKEND", "dask")
    result = tg.simulate(madrid, SAMPLES, seed=11, chunk_size=BLOCK, workers=2)
    assert result.to_json() == reference


def test_a_comparison_and_a_sensitivity_analysis_on_the_cluster_are_the_same(
    cli, cluster: LocalCluster
) -> None:
    address = cluster.scheduler_address
    sc = tg.load_scenario("classroom/chicken")
    other = sc.with_overrides({"parameters.crash_cost.median": 3.0})
    n = 2 * BLOCK + 9
    here = tg.compare(sc, [other, sc], samples=n, seed=4)
    there = tg.compare(sc, [other, sc], samples=n, seed=4, scheduler=address)
    assert [c.to_dict() for c in there] == [c.to_dict() for c in here]
    assert any(d.difference != 0 for d in there[0].outcomes), "the sides differ"
    alone = tg.sensitivity(sc, samples=n, seed=4)
    spread = tg.sensitivity(sc, samples=n, seed=4, scheduler=address)
    assert spread.to_json() == alone.to_json()
    args = ["sensitivity", "classroom/chicken", "-n", str(n), "--seed", "4", "--json", "-"]
    assert cli(*args, "--scheduler", address).stdout == cli(*args).stdout

"""Exact reproducibility: chunk sizes, worker processes, checkpoints, interruptions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tradegame as tg
from tradegame.montecarlo.simulate import CheckpointError
from tradegame.scenario.sampling import BLOCK


@pytest.fixture(scope="module")
def madrid() -> tg.Scenario:
    return tg.load_scenario("madrid_2025")


def test_worker_processes_give_identical_json(madrid) -> None:
    samples = 4 * BLOCK + 77
    serial = tg.simulate(madrid, samples, seed=11, chunk_size=BLOCK).to_json()
    parallel = tg.simulate(madrid, samples, seed=11, chunk_size=BLOCK, workers=2).to_json()
    assert parallel == serial


class Stop(Exception):
    pass


def test_checkpoint_resume_is_byte_identical(madrid, tmp_path: Path) -> None:
    samples = 5 * BLOCK + 5
    reference = tg.simulate(madrid, samples, seed=3, chunk_size=BLOCK).to_json()
    ck = tmp_path / "run.ckpt"

    def interrupt_after_two_chunks(done: int, total: int) -> None:
        if done >= 2 * BLOCK:
            raise Stop

    with pytest.raises(Stop):
        tg.simulate(
            madrid,
            samples,
            seed=3,
            chunk_size=BLOCK,
            checkpoint=ck,
            progress=interrupt_after_two_chunks,
        )
    saved = json.loads(ck.read_text())
    assert sorted(saved["blocks"]) == ["0", "1"]
    calls: list[int] = []
    resumed = tg.simulate(
        madrid,
        samples,
        seed=3,
        chunk_size=2 * BLOCK,
        checkpoint=ck,
        progress=lambda d, t: calls.append(d),
    )
    assert resumed.to_json() == reference
    assert calls[0] > 2 * BLOCK  # the first two blocks were not solved again
    assert [p.name for p in tmp_path.iterdir()] == ["run.ckpt"]


def test_checkpoint_of_another_run_is_refused(madrid, tmp_path: Path) -> None:
    ck = tmp_path / "run.ckpt"
    tg.simulate(madrid, BLOCK, seed=1, checkpoint=ck)
    with pytest.raises(CheckpointError, match="another run"):
        tg.simulate(madrid, BLOCK, seed=2, checkpoint=ck)
    ck.write_text("{not json")
    with pytest.raises(CheckpointError, match="damaged"):
        tg.simulate(madrid, BLOCK, seed=1, checkpoint=ck)


def test_memory_limit_refuses_with_numbers(madrid, cli, tmp_path: Path) -> None:
    result = cli("run", "madrid_2025", "--max-memory", "0.01", "-q")
    assert result.code == 2
    assert "GiB" in result.stderr and "--max-memory" in result.stderr
    assert "madrid_2025.yaml:" in result.stderr


def test_huge_games_are_refused_at_load(write_scenario, cli) -> None:
    levers = "\n".join(f"      l{k}: [a, b, c, d, e, f, g, h, i, j]" for k in range(8))
    text = (
        "tradegame: 1\ntitle: huge\nplayers:\n  a:\n    levers:\n"
        f"{levers}\n  b:\n    strategies: [x, y]\n"
        "payoffs: {a: 1, b: 1}\noutcomes: {otherwise: o}\n"
    )
    result = cli("validate", write_scenario(text))
    assert result.code == 2 and "200,000,000 strategy profiles" in result.stderr


def _start_long_run(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradegame",
            "run",
            "madrid_2025",
            "-n",
            "3000000",
            "--seed",
            "5",
            "--json",
            str(tmp_path / "out.json"),
            "--csv",
            str(tmp_path / "out.csv"),
            "--chunk-size",
            str(BLOCK),
            "-q",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "run never wrote its checkpoint"
        time.sleep(0.05)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_leaves_no_partial_output(tmp_path: Path, sig: int, code: int) -> None:
    ck = tmp_path / "run.ckpt"
    proc = _start_long_run(tmp_path, "--checkpoint", str(ck))
    _wait_for(ck, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code
    assert "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == ["run.ckpt"]  # no output, no temporary files
    json.loads(ck.read_text())  # the checkpoint is whole


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("when", ["start-up", "mid-run"])
def test_signal_without_checkpoint_leaves_nothing(
    tmp_path: Path, sig: int, code: int, when: str
) -> None:
    """A signal while modules load, or while draws are solved: one line, the code, no files."""
    proc = _start_long_run(tmp_path)
    if when == "start-up":
        time.sleep(0.3)  # past the interpreter's own start, inside the imports (about 1 s)
    else:
        # The run has started solving once its progress is past the imports.
        time.sleep(2.5)
        assert proc.poll() is None, proc.communicate()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert err.strip() in ("interrupted", "terminated", "error: interrupted", "error: terminated")
    assert os.listdir(tmp_path) == []  # no output, no temporary files


@pytest.mark.slow
def test_interrupted_cli_run_resumes_to_identical_result(tmp_path: Path) -> None:
    samples = 40 * BLOCK
    args = [
        "run",
        "madrid_2025",
        "-n",
        str(samples),
        "--seed",
        "9",
        "-q",
        "--chunk-size",
        str(BLOCK),
    ]
    first = tmp_path / "a"
    first.mkdir()
    ck = first / "run.ckpt"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradegame",
            *args,
            "--checkpoint",
            str(ck),
            "--json",
            str(first / "out.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(ck, proc)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode == 143 and not (first / "out.json").exists()
    resumed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradegame",
            *args,
            "--checkpoint",
            str(ck),
            "--json",
            str(first / "out.json"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr
    plain = subprocess.run(
        [sys.executable, "-m", "tradegame", *args, "--json", str(tmp_path / "plain.json")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert plain.returncode == 0
    assert (first / "out.json").read_bytes() == (tmp_path / "plain.json").read_bytes()

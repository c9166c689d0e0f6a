"""Damaged and foreign checkpoints are refused, in one line, before any draw.

The contract (hardening issue, class 3): ``tradegame run ... --checkpoint
FILE`` resumes only from a checkpoint that proves it belongs to this run
(scenario, seed, samples, options, tradegame and library versions) and is
intact. Anything else -- damaged in any way, from another run whole or in
part, not UTF-8 JSON, too large, too deep, not a file -- ends with exit code
2 and exactly one line ``error: FILE: ...`` on stderr, before any draw is
computed, with the file left exactly as it was and no output written. Never
exit 0 with a result that differs from a clean run, never exit 1 or a
traceback. An intact checkpoint holding any subset of the run's blocks
resumes to the byte-identical JSON of a clean run, without recomputing the
blocks it holds.

The damaged files come from ``checkpoint_strategies.py``, starting from real
checkpoints of real runs.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from checkpoint_strategies import (
    KINDS,
    CheckpointCase,
    Checkpoints,
    canonical,
    damaged_checkpoints,
    digest,
    dump,
    intact_subsets,
    redigest,
)
from fuzzing import CASE_SECONDS, fuzz_settings
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import tradegame as tg
from tradegame.cli import main
from tradegame.scenario.sampling import BLOCK

SCENARIO = "classroom/stag_hunt"
SEED = 3
#: Four blocks, the last one partial.
SAMPLES = 3 * BLOCK + 5
#: Upper bound on one refusal, in seconds: generous; the real test is that nothing is solved.
#: The module, not the function ``tradegame.montecarlo.simulate`` that shadows it.
simulate_module = importlib.import_module("tradegame.montecarlo.simulate")


class Stop(Exception):
    """Raised by a progress callback to interrupt a run after some chunks."""


def _partial(
    directory: Path, scenario: str, seed: int, samples: int, blocks: int = 2, **options: Any
) -> dict[str, Any]:
    """A real checkpoint of a run interrupted after ``blocks`` blocks (all if more)."""
    ck = directory / f"{scenario.replace('/', '_')}-{seed}-{samples}-{len(options)}.ckpt"

    def stop(done: int, total: int) -> None:
        if done >= blocks * BLOCK and done < total:
            raise Stop

    try:
        tg.simulate(
            tg.load_scenario(scenario),
            samples,
            seed=seed,
            chunk_size=BLOCK,
            checkpoint=ck,
            progress=stop,
            **options,
        )
    except Stop:
        pass
    doc: dict[str, Any] = json.loads(ck.read_text())
    return doc


def _with_run_field(doc: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """A copy of a checkpoint as another version of tradegame (or NumPy) would write it."""
    doc = json.loads(json.dumps(doc))
    run = doc.get("run", doc)
    if key == "numpy":
        run.setdefault("environment", {})["numpy"] = value
    else:
        run[key] = value
    return redigest(doc) if "run" in doc else doc


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> Checkpoints:
    d = tmp_path_factory.mktemp("checkpoints")
    base = _partial(d, SCENARIO, SEED, SAMPLES)
    foreign = {
        "seed 4": _partial(d, SCENARIO, 4, SAMPLES),
        "more samples": _partial(d, SCENARIO, SEED, SAMPLES + BLOCK),
        "another scenario": _partial(d, "classroom/chicken", SEED, SAMPLES),
        "selection uniform": _partial(d, SCENARIO, SEED, SAMPLES, selection="uniform"),
        "tradegame 0.0.1": _with_run_field(base, "tradegame_version", "0.0.1"),
        "numpy 1.0.0": _with_run_field(base, "numpy", "1.0.0"),
    }
    return Checkpoints(base, foreign)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, Any]]:
    """The clean run's JSON bytes (through the CLI) and its complete checkpoint."""
    d = tmp_path_factory.mktemp("clean")
    out = d / "clean.json"
    code = main(
        [
            "run",
            SCENARIO,
            "-n",
            str(SAMPLES),
            "--seed",
            str(SEED),
            "-q",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    complete = _partial(d, SCENARIO, SEED, SAMPLES, blocks=10)
    return out.read_bytes(), complete


@contextmanager
def counting_solves() -> Iterator[list[tuple[int, int]]]:
    """Record every chunk the run solves (the real solver, wrapped)."""
    calls: list[tuple[int, int]] = []
    original = simulate_module.ChunkSolver.solve

    def solve(self: Any, start: int, stop: int) -> Any:
        calls.append((start, stop))
        return original(self, start, stop)

    simulate_module.ChunkSolver.solve = solve  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        simulate_module.ChunkSolver.solve = original  # type: ignore[method-assign]


def _run_args(ck: Path, out: Path) -> list[str]:
    return [
        "run",
        SCENARIO,
        "-n",
        str(SAMPLES),
        "--seed",
        str(SEED),
        "--chunk-size",
        str(BLOCK),
        "--checkpoint",
        str(ck),
        "--json",
        str(out),
        "-q",
    ]


def _place(case: CheckpointCase, ck: Path) -> None:
    if case.special == "directory":
        ck.mkdir()
        (ck / "inside").write_text("x")
    elif case.special == "fifo":
        os.mkfifo(ck)
    elif case.special == "device":
        ck.symlink_to(os.devnull)
    else:
        ck.write_bytes(case.content)


def _state(ck: Path) -> Any:
    """What is at the checkpoint's path: bytes of a file, else the kind of thing."""
    if ck.is_symlink():
        return ("link", os.readlink(ck))
    if ck.is_dir():
        return ("directory", sorted(p.name for p in ck.iterdir()))
    if ck.is_fifo():
        return "fifo"
    return ck.read_bytes()


def check_refused(case: CheckpointCase, capsys: pytest.CaptureFixture[str]) -> None:
    """The defining property: exit 2, one ``error: CK: ...`` line, nothing solved or changed."""
    d = Path(tempfile.mkdtemp(prefix="ck-"))
    try:
        ck, out = d / "run.ckpt", d / "out.json"
        _place(case, ck)
        before = _state(ck)
        capsys.readouterr()
        t0 = time.monotonic()
        with counting_solves() as solved:
            code = main(_run_args(ck, out))
        elapsed = time.monotonic() - t0
        captured = capsys.readouterr()
        where = f"{case.kind} ({case.what})"
        assert code == 2, f"{where}: exit {code}\nstderr: {captured.err[-2000:]}"
        lines = captured.err.splitlines()
        assert len(lines) == 1, f"{where}: stderr is not one line: {captured.err[-2000:]!r}"
        assert lines[0].startswith(f"error: {ck}: "), f"{where}: {lines[0]!r}"
        assert len(lines[0]) < 400, f"{where}: message too long: {lines[0]!r}"
        assert "Traceback" not in captured.err + captured.out
        assert solved == [], f"{where}: draws were computed before the refusal: {solved}"
        assert elapsed < CASE_SECONDS, f"{where}: refusal took {elapsed:.1f} s"
        assert _state(ck) == before, f"{where}: the checkpoint was changed"
        assert sorted(p.name for p in d.iterdir()) == ["run.ckpt"], f"{where}: files left"
    finally:
        shutil.rmtree(d)


@fuzz_settings(150)
@given(data=st.data())
def test_damaged_or_foreign_checkpoint_is_refused(
    checkpoints: Checkpoints, capsys: pytest.CaptureFixture[str], data: st.DataObject
) -> None:
    case = data.draw(damaged_checkpoints(checkpoints), label="case")
    check_refused(case, capsys)


@pytest.mark.parametrize(
    "member",
    [
        "sum_times_1.5",
        "equilibrium_count_-5000",
        "seed_4_blocks_under_seed_3_header",
        "wrong_length_sums",
        "nan_sum",
        "hex_exponent_overflow",
        "deep_nesting",
    ],
)
def test_bug_issue_examples_are_refused(
    checkpoints: Checkpoints, capsys: pytest.CaptureFixture[str], member: str
) -> None:
    """The members the issue quotes (exit 0 with another result, or exit 1, before)."""
    doc = json.loads(json.dumps(checkpoints.base))
    block = doc["blocks"]["1"]
    if member == "sum_times_1.5":
        block["sums"][0] = (float.fromhex(block["sums"][0]) * 1.5).hex()
    elif member == "equilibrium_count_-5000":
        key = next(iter(block["equilibria"]))
        block["equilibria"]["-5000"] = block["equilibria"].pop(key)
    elif member == "seed_4_blocks_under_seed_3_header":
        doc["blocks"] = checkpoints.foreign["seed 4"]["blocks"]
    elif member == "wrong_length_sums":
        block["sums"].append(block["sums"][0])
    elif member == "nan_sum":
        block["sums"][0] = "nan"
    elif member == "hex_exponent_overflow":
        block["sums"][0] = "0x1p+99999"
    content = dump(doc)
    if member == "deep_nesting":
        content = content.replace(
            b'"equilibria"', b'"x": ' + b"[" * 100_000 + b"]" * 100_000 + b', "equilibria"', 1
        )
    check_refused(CheckpointCase("issue", member, content), capsys)


@fuzz_settings(12)
@given(data=st.data())
def test_intact_checkpoint_resumes_to_identical_json(
    clean_run: tuple[bytes, dict[str, Any]], data: st.DataObject
) -> None:
    reference, complete = clean_run
    doc = data.draw(intact_subsets(complete), label="checkpoint")
    held = {int(b) for b in doc["blocks"]}
    d = Path(tempfile.mkdtemp(prefix="ck-"))
    try:
        ck, out = d / "run.ckpt", d / "out.json"
        ck.write_bytes(dump(doc))
        with counting_solves() as solved:
            code = main(_run_args(ck, out))
        assert code == 0
        assert out.read_bytes() == reference
        recomputed = {start // BLOCK for start, _ in solved}
        assert recomputed == set(range(-(-SAMPLES // BLOCK))) - held
        # The checkpoint the run leaves proves what it holds: this run, every block.
        written = json.loads(ck.read_text())
        assert set(written["blocks"]) == {str(b) for b in range(4)}
        assert written["run"]["seed"] == SEED and written["run"]["samples"] == SAMPLES
        assert written["digest"] == digest(written["run"], written["blocks"])
    finally:
        shutil.rmtree(d)


# --- the generators' own contract --------------------------------------------------


def test_strategies_digest_is_tradegames(checkpoints: Checkpoints) -> None:
    """The generators' independent digest is the one real checkpoints carry."""
    for doc in (checkpoints.base, *checkpoints.foreign.values()):
        assert doc["digest"] == digest(doc["run"], doc["blocks"])
    assert len(checkpoints.base["blocks"]) == 2
    for name, other in checkpoints.foreign.items():
        assert canonical(other["run"]) != canonical(checkpoints.base["run"]), name


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@pytest.mark.parametrize("kind", KINDS)
def test_strategies_generate_every_kind(checkpoints: Checkpoints, kind: str) -> None:
    case = find(
        damaged_checkpoints(checkpoints),
        lambda c: c.kind == kind,
        settings=settings(max_examples=2000, phases=[Phase.generate], database=None),
    )
    assert case.kind == kind


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_strategies_never_generate_the_intact_file(
    checkpoints: Checkpoints, data: st.DataObject
) -> None:
    """Every case differs from the intact checkpoint; spliced ones hold another run's
    blocks or digest; structural damage carries a digest that matches its content."""
    case = data.draw(damaged_checkpoints(checkpoints))
    assert case.kind in KINDS
    if case.special is not None:
        return
    assert case.content != dump(checkpoints.base)
    if case.kind in ("spliced", "structure", "changed"):
        doc = json.loads(case.content)
        assert canonical(doc) != canonical(checkpoints.base)
        if case.kind == "spliced":
            ours = checkpoints.base
            assert doc["blocks"] != ours["blocks"] or doc["digest"] != ours["digest"]
        if case.kind == "structure" and "digest recomputed" in case.what:
            assert doc["digest"] == digest(doc.get("run"), doc.get("blocks"))

"""Per-draw data of a run (``keep_draws``, ``run --draws``): it adds up to the run, exactly.

The defining property of the frame is that it is the run, draw by draw: its
outcome masses and payoffs, added up in the run's order (draw after draw
within a sampling block, then the blocks in order), are the run's counts and
expected payoffs to the last bit; its parameters are the sampler's draws; and
it does not depend on how the run was split into chunks or processes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tradegame as tg
from tradegame.montecarlo.checkpoint import CheckpointError
from tradegame.montecarlo.result import NO_EQUILIBRIUM, SimulationResult
from tradegame.scenario.sampling import BLOCK, ParameterSampler

# Half the draws are matching pennies (no pure equilibrium; reported as such,
# or played mixed); in the other half col is indifferent and two profiles are
# equilibria, so weights are fractional (1/2) and outcome masses too.
PENNIES = """\
tradegame: 1
title: Matching pennies half the time
players:
  row: {strategies: [heads, tails]}
  col: {strategies: [heads, tails]}
parameters:
  stakes: {dist: uniform, low: -1, high: 1}
  inert: {dist: normal, mean: 0, sd: 1}
payoffs:
  matrix:
    - [[stakes, "-max(stakes, 0)"], [-stakes, "max(stakes, 0)"]]
    - [[-stakes, "max(stakes, 0)"], [stakes, "-max(stakes, 0)"]]
outcomes:
  match: (row == 'heads') == (col == 'heads')
  otherwise: mismatch
analysis: {samples: 5000, seed: 4}
"""

SAMPLES = 2 * BLOCK + 321  # three blocks, the last one short


def _in_run_order(values: np.ndarray, blocks: np.ndarray) -> float:
    """Sum as a run does: draw after draw within each block, then block after block."""
    total = 0.0
    for b in np.unique(blocks):  # ascending: block order
        total = total + float(np.add.accumulate(values[blocks == b])[-1])
    return total


def _check_adds_up(res: SimulationResult) -> None:
    d = res.draws
    assert d is not None and len(d) == res.samples
    assert (d["draw"].to_numpy() == np.arange(res.samples)).all()
    assert (d["block"].to_numpy() == np.arange(res.samples) // BLOCK).all()
    blocks = d["block"].to_numpy()
    for o in res.outcomes:
        count = _in_run_order(d[f"outcome.{o.label}"].to_numpy(), blocks)
        assert count == o.count, o.label
        assert count / res.samples == o.probability == res.outcome_probabilities[o.label]
    no_eq = d[f"outcome.{NO_EQUILIBRIUM}"].to_numpy()
    with_eq = res.samples - round(float(no_eq.sum()))
    for player, expected in res.expected_payoffs.items():
        pay = d[f"payoff.{player}"].to_numpy()
        assert (np.isnan(pay) == (no_eq > 0.5)).all()  # no payoff where nothing is played
        # Draws without an equilibrium add 0 to the run's sum: adding 0.0 changes no float.
        total = _in_run_order(np.nan_to_num(pay, nan=0.0), blocks)
        assert (total / with_eq if with_eq else None) == expected
    # Each draw's plays: JSON of (label, weight), in play order, heaviest named first-class.
    for row in d.to_dict("records"):
        plays = json.loads(row["plays"])
        assert row["n_plays"] == len(plays)
        if not plays:  # nothing played: the draw is reported as without an equilibrium
            assert row["play_weight"] == 0.0 and pd.isna(row["play"])
            assert row[f"outcome.{NO_EQUILIBRIUM}"] == 1.0
            continue
        assert row[f"outcome.{NO_EQUILIBRIUM}"] == 0.0
        weights = [w for _, w in plays]
        assert all(w > 0 for w in weights) and math.isclose(sum(weights), 1.0, rel_tol=1e-12)
        best = max(weights)
        assert (row["play"], row["play_weight"]) == tuple(plays[weights.index(best)])


@pytest.mark.parametrize(
    ("scenario", "options"),
    [
        ("madrid_2025", {}),  # simultaneous, several equilibria per draw (fractional masses)
        ("tiktok_deadline", {}),  # stages with a chance move: several paths per draw
        ("classroom/card_game", {}),  # a tree with imperfect information
        ("classroom/stag_hunt", {"selection": "uniform"}),
        (PENNIES, {"no_equilibrium": "report"}),  # draws without an equilibrium
        (PENNIES, {"no_equilibrium": "mixed"}),  # mixed play over all four profiles
    ],
)
def test_draws_add_up_to_the_run_exactly(scenario: str, options: dict[str, str]) -> None:
    sc = tg.parse_scenario(scenario) if "\n" in scenario else tg.load_scenario(scenario)
    res = tg.simulate(sc, SAMPLES, seed=11, keep_draws=True, progress=False, **options)
    _check_adds_up(res)
    # The parameters are the sampler's draws (draw k of a seed is the same numbers everywhere).
    sampled = ParameterSampler(sc.spec.parameters, 11).draws(0, SAMPLES)
    assert res.draws is not None
    for name, values in sampled.items():
        assert (res.draws[f"parameter.{name}"].to_numpy() == values).all()


def test_pennies_reported_draws_have_no_play_and_match_their_parameter() -> None:
    """Where stakes > 0 the game is matching pennies: no play, all mass on no equilibrium."""
    sc = tg.parse_scenario(PENNIES)
    res = tg.simulate(sc, SAMPLES, seed=2, no_equilibrium="report", keep_draws=True, progress=False)
    d = res.draws
    assert d is not None
    pennies = d["parameter.stakes"].to_numpy() > 0
    assert (d[f"outcome.{NO_EQUILIBRIUM}"].to_numpy() == pennies).all()
    assert (d["n_plays"].to_numpy()[pennies] == 0).all()
    # stakes < 0: (heads, tails) and (tails, heads) are the equilibria, each half the draw.
    assert (d["n_plays"].to_numpy()[~pennies] == 2).all()
    assert (d["outcome.mismatch"].to_numpy()[~pennies] == 1.0).all()
    assert (d["play_weight"].to_numpy()[~pennies] == 0.5).all()


def test_the_frame_is_the_same_whatever_the_chunks_and_workers() -> None:
    sc = tg.load_scenario("tiktok_deadline")
    runs = [
        tg.simulate(sc, SAMPLES, seed=5, keep_draws=True, progress=False, **kw)
        for kw in ({}, {"chunk_size": BLOCK}, {"chunk_size": 2 * BLOCK, "workers": 2})
    ]
    first = runs[0].draws
    assert first is not None
    for other in runs[1:]:
        assert other.draws is not None
        pd.testing.assert_frame_equal(other.draws, first, check_exact=True)
        assert other.to_json() == runs[0].to_json()
    # Keeping the draws changes nothing else: the JSON is the run's without them.
    plain = tg.simulate(sc, SAMPLES, seed=5, progress=False)
    assert plain.draws is None
    assert plain.to_json() == runs[0].to_json()


def test_a_checkpoint_without_draws_is_not_resumed_with_draws(tmp_path: Path) -> None:
    sc = tg.load_scenario("classroom/chicken")
    cp = tmp_path / "run.checkpoint"
    # A fresh checkpoint: every block is computed here, so the draws are all kept.
    fresh = tg.simulate(sc, SAMPLES, seed=3, checkpoint=cp, keep_draws=True, progress=False)
    _check_adds_up(fresh)
    before = cp.read_bytes()
    with pytest.raises(CheckpointError, match="cannot be resumed") as info:
        tg.simulate(sc, SAMPLES, seed=3, checkpoint=cp, keep_draws=True, progress=False)
    assert "\n" not in str(info.value) and str(cp) in str(info.value)
    assert cp.read_bytes() == before  # refused before any draw, the file as it was
    # Without the draws the same checkpoint resumes, to the same result.
    resumed = tg.simulate(sc, SAMPLES, seed=3, checkpoint=cp, progress=False)
    assert resumed.to_json() == fresh.to_json()


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".PARQUET"])
def test_run_draws_file_reads_back_with_the_same_values(cli, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"draws{suffix}"
    r = cli("run", "tiktok_deadline", "-n", str(SAMPLES), "--seed", "9", "-q", "--draws", path)
    assert r.code == 0, r.stderr
    sc = tg.load_scenario("tiktok_deadline")
    expected = tg.simulate(sc, SAMPLES, seed=9, keep_draws=True, progress=False).draws
    assert expected is not None
    got = pd.read_parquet(path) if suffix.lower() == ".parquet" else pd.read_csv(path)
    assert list(got.columns) == list(expected.columns)
    # Same values, bit for bit (CSV floats are written as Python writes them).
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file


@pytest.mark.parametrize("name", ["draws.txt", "draws", "draws.parquet.gz"])
def test_run_draws_refuses_other_extensions_before_the_run(cli, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    # A run this large would take minutes: the refusal must come before it.
    r = cli("run", "madrid_2025", "-n", "5000000", "-q", "--draws", path)
    assert r.code == 2
    assert r.stderr.strip() == f"error: --draws {path}: use a .parquet or .csv file name"
    assert not path.exists()


def test_run_draws_with_a_used_checkpoint_is_one_line(cli, tmp_path: Path) -> None:
    cp = tmp_path / "c.json"
    args = ("run", "classroom/chicken", "-n", "3000", "-q", "--checkpoint", cp)
    assert cli(*args).code == 0
    r = cli(*args, "--draws", tmp_path / "d.csv")
    assert r.code == 2 and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"error: {cp}: checkpoint holds 2 finished block(s)")
    assert not (tmp_path / "d.csv").exists()


def test_kept_draws_count_in_the_memory_limit() -> None:
    """A run whose kept draws would not fit in ``max_memory`` is refused before any draw."""
    from tradegame.montecarlo.draws import DrawsMemoryError, kept_bytes_per_draw
    from tradegame.play.kinds import play_class
    from tradegame.play.options import RunOptions

    sc = tg.load_scenario("classroom/chicken")
    need = play_class(sc).memory(sc, RunOptions.resolve(sc))
    own = need.fixed + need.per_draw * BLOCK
    kept = SAMPLES * kept_bytes_per_draw(
        len(sc.spec.parameters), len(sc.outcome_labels), len(sc.players)
    )
    res = tg.simulate(sc, SAMPLES, seed=1, keep_draws=True, max_memory=own + kept, progress=False)
    _check_adds_up(res)
    with pytest.raises(DrawsMemoryError, match=f"keeping every one of {SAMPLES:,} draws"):
        tg.simulate(sc, SAMPLES, seed=1, keep_draws=True, max_memory=own + kept - 1)
    # Without the draws the same limit is plenty.
    assert tg.simulate(sc, SAMPLES, seed=1, max_memory=own, progress=False).draws is None


def test_run_draws_too_many_for_memory_is_one_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    r = cli("run", "madrid_2025", "-n", "100000000", "-q", "--draws", path)
    assert r.code == 2 and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"error: --draws {path}: keeping every one of 100,000,000 draws")
    assert not path.exists()

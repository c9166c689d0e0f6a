"""Stage games solved with the draws on the last axis give the draws-first numbers, bit for bit.

The Monte Carlo solves perfect-information stage games piece by piece with the
draws last (``PayoffParts``, ``subgame_perfect_paths`` and its compiled player
stage, ``transpose_into``); the public solvers keep the draws-first layout. Each
test compares one of the new pieces with the draws-first reference it replaces,
with ``==`` on floats (no tolerance), on games chosen to have ties, chance
stages of several sizes anywhere in the tree, stages that end the game and
discounting.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import tradegame as tg
from tradegame._numeric import transpose_into
from tradegame.model.build import NonFiniteError, PayoffParts, build_payoffs, evaluation_environment
from tradegame.model.stages import Stage
from tradegame.montecarlo.chunks import ChunkSolver
from tradegame.play.base import GamePlay
from tradegame.play.grid import GridPlay
from tradegame.play.options import RunOptions
from tradegame.play.stages import StagesPlay, draws_per_piece
from tradegame.solvers._backward_kernel import player_stage
from tradegame.solvers.backward_induction import (
    _player_stage_numpy,
    backward_induction,
    subgame_perfect_paths,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["numpy", "compiled"])
def twin(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the NumPy twins of the kernels, then with the compiled kernels.

    ``compiled_pays`` picks one by the work a process has seen; both must agree.
    """
    import tradegame._numeric as numeric

    monkeypatch.setattr(numeric, "COMPILED_SETUP_WORK", 1 << 62 if request.param == "numpy" else -1)
    return str(request.param)


def _random_stage_game(
    rng: np.random.Generator, draws: int, *, ties: bool
) -> tuple[tuple[Stage, ...], np.ndarray, dict[int, np.ndarray]]:
    """2-4 stages of 1-4 actions, movers and chance anywhere, some actions ending the game."""
    players = ("a", "b", "c")
    k = int(rng.integers(2, 5))
    stages = []
    for s in range(k):
        A = int(rng.integers(1, 5))
        mover = None if rng.random() < 0.3 else players[int(rng.integers(0, 3))]
        ends: tuple[int, ...] = ()
        if mover is not None and s < k - 1 and A > 1 and rng.random() < 0.3:
            ends = (int(rng.integers(0, A)),)
        stages.append(
            Stage(f"s{s}", mover, tuple(f"x{a}" for a in range(A)), ends=ends)  # type: ignore[arg-type]
        )
    shape = tuple(len(st.actions) for st in stages)
    if ties:  # few distinct values: many ties
        V = rng.integers(-2, 3, size=(draws, 3, *shape)).astype(float)
    else:
        V = rng.normal(size=(draws, 3, *shape)) * 10.0
    probs = {
        s: rng.dirichlet(np.ones(len(st.actions)), size=draws)
        for s, st in enumerate(stages)
        if st.mover is None
    }
    return tuple(stages), V, probs


@pytest.mark.parametrize("uniform", [False, True])
@pytest.mark.parametrize("tol", [0.0, 0.5])
def test_the_compiled_player_stage_is_its_numpy_reference_bit_for_bit(
    uniform: bool, tol: float
) -> None:
    rng = np.random.default_rng(11)
    for trial in range(40):
        n, H, A, S = (int(x) for x in rng.integers(1, 6, size=4))
        W = rng.integers(-3, 4, size=(n, H, A, S)).astype(float)
        if trial % 2:
            W += rng.normal(size=W.shape) * 1e-3  # near ties, within tol or not
        mover = int(rng.integers(0, n))
        for values in (True, False):
            got = player_stage(W, mover, tol, uniform, values)
            want = _player_stage_numpy(W, mover, tol, uniform, values)
            for g, w in zip(got, want, strict=True):
                assert g.shape == w.shape
                assert np.array_equal(g, w)
        beh = want[1]
        # The defining property: a distribution over best actions only.
        assert np.allclose(beh.sum(axis=1), 1.0)
        best = W[mover].max(axis=1, keepdims=True)
        assert not ((beh > 0) & (best - tol > W[mover])).any()


@pytest.mark.parametrize("tie_break", ["first", "uniform"])
@pytest.mark.parametrize("ties", [False, True])
def test_subgame_perfect_paths_are_backward_inductions_path_probabilities(
    tie_break: str, ties: bool, twin: str
) -> None:
    rng = np.random.default_rng(5 if ties else 6)
    for _ in range(60):
        draws = int(rng.integers(1, 40))
        stages, V, probs = _random_stage_game(rng, draws, ties=ties)
        players = ("a", "b", "c")
        want = backward_induction(V, stages, players, probs, tie_break).path_probs
        last = np.ascontiguousarray(np.moveaxis(V, 0, -1))
        got = subgame_perfect_paths(last, stages, players, probs, tie_break)
        assert np.array_equal(np.moveaxis(got, -1, 0), want)
        # Piece by piece: each draw's numbers do not depend on its neighbours.
        cut = int(rng.integers(0, draws + 1))
        pieces = [
            subgame_perfect_paths(
                np.ascontiguousarray(last[..., a:b]),
                stages,
                players,
                {s: p[a:b] for s, p in probs.items()},
                tie_break,
            )
            for a, b in ((0, cut), (cut, draws))
            if b > a
        ]
        assert np.array_equal(np.concatenate(pieces, axis=-1), got)
        # A path distribution: each draw's masses sum to one.
        assert np.allclose(got.reshape(-1, draws).sum(axis=0), 1.0)


def test_transpose_into_copies_the_transpose(twin: str) -> None:
    rng = np.random.default_rng(0)
    for R, C in [(1, 1), (3, 17), (40, 33), (1728, 64)]:
        source = rng.normal(size=(R, C))
        out = np.empty((C, R))
        transpose_into(source, out)
        assert np.array_equal(out, source.T)
    wide = np.zeros((8, 10))
    transpose_into(np.ones((4, 8)), wide[:, 3:7])  # strided rows
    assert wide[:, 3:7].all() and not wide[:, :3].any() and not wide[:, 7:].any()
    with pytest.raises(ValueError, match="cannot transpose"):
        transpose_into(np.ones((2, 3)), np.empty((2, 3)))


def _stage_scenarios() -> list[Path]:
    """Every shipped scenario that is a perfect-information stage game."""
    out = []
    for path in sorted(ROOT.glob("scenarios/**/*.yaml")):
        scenario = tg.load_scenario(path)
        if scenario.stages is None:
            continue
        play = StagesPlay(scenario, RunOptions.resolve(scenario))
        if play.perfect:
            out.append(path)
    return out


STAGE_SCENARIOS = _stage_scenarios()


def test_the_shipped_library_has_stage_games_with_chance_discounts_and_ends() -> None:
    texts = [p.read_text() for p in STAGE_SCENARIOS]
    assert len(STAGE_SCENARIOS) >= 5
    assert any("chance" in t for t in texts)
    assert any("delay:" in t for t in texts)
    assert any("ends:" in t for t in texts)


@pytest.mark.parametrize("path", STAGE_SCENARIOS, ids=lambda p: p.stem)
def test_payoff_parts_lay_out_build_payoffs_numbers(path: Path, twin: str) -> None:
    scenario = tg.load_scenario(path)
    solver = ChunkSolver(scenario, RunOptions.resolve(scenario), seed=3)
    game = solver.play.game  # type: ignore[attr-defined]
    D = 301
    env = evaluation_environment(scenario, game, solver.parameters(0, D))
    first = build_payoffs(scenario, game, env, D).reshape(D, game.n_players, -1)
    parts = PayoffParts(scenario, game, env, D)
    for a, b in ((0, 64), (64, 65), (65, D)):
        assert np.array_equal(parts.draws_last(a, b), first[a:b].transpose(1, 2, 0))


@pytest.mark.parametrize("tie_break", ["first", "uniform"])
@pytest.mark.parametrize("path", STAGE_SCENARIOS, ids=lambda p: p.stem)
def test_stage_plays_give_the_draws_first_pipelines_columns(
    path: Path, tie_break: str, twin: str
) -> None:
    scenario = tg.load_scenario(path)
    options = RunOptions.resolve(scenario)
    options = RunOptions(
        options.solution,
        options.selection,
        options.no_equilibrium,
        options.qre_lambda,
        tie_break,  # type: ignore[arg-type]
    )
    solver = ChunkSolver(scenario, options, seed=1)
    play = solver.play
    assert isinstance(play, StagesPlay) and play.perfect
    D = 2048 + 3 * play.piece_draws(False)
    params = solver.parameters(0, D)
    # The reference: the draws-first pipeline (build_payoffs, backward_induction).
    reference = GridPlay.play_batch(play, params, D)
    batch = play.play_batch(params, D)
    for field in ("weights", "outcomes", "payoffs", "n_equilibria"):
        assert np.array_equal(getattr(batch, field), getattr(reference, field)), field
    want, want_eq = GamePlay.batch_columns(play, params, D)
    got, got_eq = play.batch_columns(params, D)
    assert np.array_equal(got, want) and np.array_equal(got_eq, want_eq)
    # Every draw's path distribution sums to one.
    assert np.allclose(batch.weights.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "bad_term",
    [
        "sqrt(shaky) + ",  # a draw-only factor: caught on the product, for the whole batch
        "where(response == 'fight', sqrt(shaky), 0) + ",  # a whole term: piece by piece
    ],
)
def test_a_payoff_that_is_not_finite_gets_the_draws_first_message(bad_term: str, twin: str) -> None:
    text = (ROOT / "scenarios/classroom/entry_deterrence.yaml").read_text()
    bad_text = text.replace(
        "parameters:\n", "parameters:\n  shaky: {dist: uniform, low: -1, high: 1}\n", 1
    ).replace('entrant: "where(', f'entrant: "{bad_term}where(', 1)
    assert bad_text.count("shaky") == 2
    bad = tg.parse_scenario(bad_text)
    solver = ChunkSolver(bad, RunOptions.resolve(bad), seed=2)
    D = 500
    params = solver.parameters(0, D)
    with pytest.raises(NonFiniteError) as want:
        GridPlay.play_batch(solver.play, params, D)  # type: ignore[arg-type]
    with pytest.raises(NonFiniteError) as got:
        solver.play.batch_columns(params, D)
    assert str(got.value) == str(want.value)
    assert (got.value.draw, got.value.path) == (want.value.draw, want.value.path)
    assert got.value.draw > 0  # not trivially the first draw


@pytest.mark.parametrize(("n", "P"), list(itertools.product([1, 2, 3], [1, 4, 1728, 10**6])))
def test_pieces_are_powers_of_two_dividing_a_block(n: int, P: int) -> None:
    piece = draws_per_piece(n, P)
    assert 16 <= piece <= 2048 and 2048 % piece == 0


@pytest.mark.parametrize("labels_per_draw", [False, True])
def test_columns_over_two_plays_are_play_columns_bit_for_bit(labels_per_draw: bool) -> None:
    from tradegame.play._columns_kernel import sparse_columns
    from tradegame.play.base import PlayedBatch, play_columns

    rng = np.random.default_rng(21)
    T, S, n, K, L = 50, 64, 3, 5, 7
    path = np.zeros((T, S))
    for d in range(S):  # one, two (a chance move) or, once, a tie of two plays
        plays = rng.choice(T, size=1 + d % 2, replace=False)
        w = rng.dirichlet(np.ones(len(plays)))
        path[plays, d] = w
    payoffs = rng.normal(size=(n, T, S)) * 100.0
    payoffs[0, :, :3] = -0.0  # signed zeros must come out as the einsum's
    labels = rng.integers(0, K, size=(S if labels_per_draw else 1, T))
    indicators = (rng.random((T, L)) < 0.4).astype(float)
    weights = np.ascontiguousarray(path.T)
    batch = PlayedBatch(
        weights, labels, np.ascontiguousarray(payoffs.transpose(2, 0, 1)), np.ones(S, dtype=np.intp)
    )
    want = play_columns(batch, indicators, K, False)
    got = np.full_like(want, np.nan)
    assert sparse_columns(path, payoffs, labels, indicators, K, got)
    assert np.array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))
    # A draw with three plays: refused, so the caller takes play_columns.
    path[:3, 5] = [0.2, 0.3, 0.5]
    path[3:, 5] = 0.0
    untouched = np.full_like(want, 7.0)
    assert not sparse_columns(path, payoffs, labels, indicators, K, untouched)
    assert (untouched == 7.0).all()


def test_gathered_and_scaled_rows_are_numpys(twin: str) -> None:
    from tradegame._numeric import gather_columns, scale_rows

    rng = np.random.default_rng(4)
    source = rng.normal(size=(100, 7))
    which = rng.integers(0, 7, size=30)
    out = np.empty((30, 40))
    gather_columns(source, which, 50, out)
    assert np.array_equal(out, source[50:90, which].T)
    factors = rng.uniform(0.1, 1.0, size=(100, 3))
    rows = rng.integers(0, 3, size=30)
    want = out * factors[50:90, rows].T
    scale_rows(out, factors, rows, 50)
    assert np.array_equal(out, want)
    with pytest.raises(ValueError, match="cannot take columns"):
        gather_columns(source, which, 70, out)  # past the last draw
    with pytest.raises(ValueError, match="cannot take columns"):
        gather_columns(source, which + 7, 0, out)  # a column out of range


def test_taken_columns_are_numpys_fancy_indexing(twin: str) -> None:
    from tradegame._numeric import take_columns

    rng = np.random.default_rng(8)
    source = rng.normal(size=(50, 9))
    which = rng.integers(0, 9, size=40)
    assert np.array_equal(take_columns(source, which), source[:, which])
    assert take_columns(source, which[:0]).shape == (50, 0)
    with pytest.raises(ValueError, match="cannot take columns"):
        take_columns(source, which + 9)


@pytest.mark.parametrize("groups", [1, 2, 16])
def test_column_sums_are_numpys_sums_bit_for_bit(groups: int, twin: str) -> None:
    from tradegame._numeric import column_sums

    rng = np.random.default_rng(groups)
    for C in (1, 2, 3, 9, 200):
        part = rng.normal(size=(2048, C)) * rng.choice([1e-9, 1.0, 1e9], size=(2048, C))
        sums, squares = column_sums(part, groups)
        assert np.array_equal(sums, part.reshape(-1, groups, C).sum(axis=0))
        assert np.array_equal(squares, (part * part).sum(axis=0))
    with pytest.raises(ValueError, match="multiple"):
        column_sums(np.ones((3, 2)), 2)


def _every_scenario() -> list[Path]:
    shipped = sorted(ROOT.glob("scenarios/**/*.yaml"))
    return [*shipped, ROOT / "tests/data/madrid_v1/madrid_2025.yaml"]


@pytest.mark.parametrize("path", _every_scenario(), ids=lambda p: p.stem)
def test_every_kind_gives_the_same_columns_with_kernels_and_without(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simultaneous, tree, bargaining and stage games: the compiled columns are NumPy's."""
    import tradegame._numeric as numeric

    scenario = tg.load_scenario(path)
    solver = ChunkSolver(scenario, RunOptions.resolve(scenario), seed=5)
    D = 2048
    params = solver.parameters(0, D)
    got = []
    for setup in (1 << 62, -1):  # NumPy twins, then the kernels
        monkeypatch.setattr(numeric, "COMPILED_SETUP_WORK", setup)
        got.append(solver.play.batch_columns(params, D))
    assert np.array_equal(got[0][0], got[1][0]) and np.array_equal(got[0][1], got[1][1])
    assert np.array_equal(np.signbit(got[0][0]), np.signbit(got[1][0]))

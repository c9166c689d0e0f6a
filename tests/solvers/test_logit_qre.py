"""Tests for the logit QRE solver (principal branch) and the lambda fit."""

from __future__ import annotations

import importlib
import json
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from qre_properties import fixed_point_residual
from tradegame.solvers.logit_fit import fit_logit_lambda
from tradegame.solvers.logit_qre import QREConvergenceError, logit_qre, logit_qre_batch

# The package exports the function under the module's name, so fetch the module itself.
QRE_MODULE = importlib.import_module("tradegame.solvers.logit_qre")
DATA = Path(__file__).parent.parent / "data"
FIXED_POINT_TOL = 1e-9
GAMBIT_TOL = 1e-6


def _qre_records() -> list[dict[str, Any]]:
    with open(DATA / "gambit_random_games.json") as f:
        records = json.load(f)["records"]
    return [r for r in records if r["kind"] == "qre"]


QRE_RECORDS = _qre_records()


# --- the defining property ---------------------------------------------------------


@pytest.mark.parametrize("rec", QRE_RECORDS, ids=lambda r: str(np.shape(r["payoffs"])))
def test_fixed_point_and_gambit(rec: dict[str, Any]) -> None:
    U = np.array(rec["payoffs"], dtype=float)
    lams = [float(k) for k in rec["qre"]]
    results = logit_qre(U, lams)
    for key, lam, profile in zip(rec["qre"], lams, results, strict=True):
        assert len(profile) == U.shape[0]
        for p in profile:
            assert np.all(p >= 0) and abs(p.sum() - 1) < 1e-12
        assert fixed_point_residual(U, profile, lam) < FIXED_POINT_TOL
        for p, ref in zip(profile, rec["qre"][key], strict=True):
            np.testing.assert_allclose(p, ref, rtol=0, atol=GAMBIT_TOL, err_msg=f"lambda={key}")


def test_gambit_records_cover_three_players() -> None:
    assert any(len(r["payoffs"]) == 3 for r in QRE_RECORDS)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_fixed_point_property(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 3), label="n")
    sizes = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n), label="sizes"))
    U = data.draw(
        arrays(
            np.float64,
            (n, *sizes),
            elements=st.floats(-3, 3, allow_nan=False, allow_subnormal=False),
        ),
        label="U",
    )
    lam = data.draw(st.floats(0, 6, allow_nan=False), label="lam")
    profile = logit_qre(U, lam)
    assert fixed_point_residual(U, profile, lam) < FIXED_POINT_TOL


# --- closed forms ------------------------------------------------------------------


def test_lambda_zero_is_centroid() -> None:
    rng = np.random.default_rng(0)
    U = rng.normal(size=(3, 2, 4, 3))
    for p, a in zip(logit_qre(U, 0.0), (2, 4, 3), strict=True):
        np.testing.assert_allclose(p, np.full(a, 1 / a), atol=1e-15)


@pytest.mark.parametrize("lam", [0.3, 1.0, 4.0, 15.0])
def test_dominant_strategy_closed_form(lam: float) -> None:
    # Player 0's payoff gap between its actions is 1.7 whatever player 1 does, so
    # p_0(0) = 1 / (1 + exp(-lam * gap)); player 1 then answers p_0 by softmax.
    gap = 1.7
    U0 = np.array([[gap + 0.5, gap - 2.0], [0.5, -2.0]])
    U1 = np.array([[1.0, 0.0], [-1.0, 2.0]])
    U = np.stack([U0, U1])
    p0, p1 = logit_qre(U, lam)
    expected0 = 1 / (1 + np.exp(-lam * gap))
    np.testing.assert_allclose(p0, [expected0, 1 - expected0], atol=1e-12)
    v1 = U1.T @ p0
    expected1 = np.exp(lam * v1 - np.max(lam * v1))
    np.testing.assert_allclose(p1, expected1 / expected1.sum(), atol=1e-12)


def test_matching_pennies_stays_at_centroid() -> None:
    U = np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    for profile in logit_qre(U, [0.5, 5.0, 50.0]):
        for p in profile:
            np.testing.assert_allclose(p, [0.5, 0.5], atol=1e-12)


@pytest.mark.parametrize("lam", [1e-12, 1.2e-7, 1e-3])
def test_tiny_lambda_is_not_rounded_to_zero(lam: float) -> None:
    U = np.array([[[0.0], [1.0]], [[1.0], [1.0]]])
    p0, p1 = logit_qre(U, lam)
    np.testing.assert_allclose(p0, [1 / (1 + np.exp(lam)), 1 / (1 + np.exp(-lam))], atol=1e-15)
    np.testing.assert_allclose(p1, [1.0])


def test_sequence_matches_scalar_calls() -> None:
    rng = np.random.default_rng(1)
    U = rng.normal(size=(3, 2, 3, 2))
    seq = logit_qre(U, [0.5, 2.0, 2.0, 8.0])
    for lam, profile in zip([0.5, 2.0, 2.0, 8.0], seq, strict=True):
        for p, q in zip(profile, logit_qre(U, lam), strict=True):
            np.testing.assert_allclose(p, q, atol=1e-10)


def _folding_game() -> np.ndarray:
    # A random 3-player 2x3x3 game whose principal branch folds: lambda rises to
    # about 3.01, falls back to about 2.60 and rises again, so lambda = 2.8 is
    # crossed three times. Steps of length 1 jump across the fold onto another
    # branch unless the tracer notices (here by the orientation test).
    rng = np.random.default_rng(11)
    for shape in [(3, 2, 2, 2), (3, 3, 3, 3), (3, 2, 3, 3)]:
        U = rng.normal(size=(120, *shape))
        U = U * rng.choice([0.5, 1, 3], size=(120,) + (1,) * len(shape))
    return U[76]


def test_first_crossing_of_a_folding_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    # The package exports the function under the module's name, so fetch the module itself.
    mod = importlib.import_module("tradegame.solvers.logit_qre")

    U = _folding_game()
    lams = [2.8, 8.0]
    ours = logit_qre(U, lams)
    # Reference: the same branch followed with tiny steps, which cannot skip the fold.
    monkeypatch.setattr(mod, "_H_MAX", 0.01)
    monkeypatch.setattr(mod, "_H_START", 0.01)
    fine = logit_qre(U, 2.8)
    for p, q in zip(ours[0], fine, strict=True):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-8)
    assert fixed_point_residual(U, ours[0], 2.8) < FIXED_POINT_TOL
    # Gambit 16.7's logit_solve_lambda at lambda = 8 on this game.
    gambit_8 = [
        [0.02742266070525379, 0.9725773392947462],
        [6.653484615172804e-11, 0.999997430455147, 2.5694783181363923e-06],
        [0.0002695043409566069, 6.284709036731697e-10, 0.9997304950305724],
    ]
    for p, ref in zip(ours[1], gambit_8, strict=True):
        np.testing.assert_allclose(p, ref, rtol=0, atol=GAMBIT_TOL)


def test_bifurcation_target_on_symmetric_coordination() -> None:
    # lambda = 3 is exactly the bifurcation point of the centroid branch here.
    U = np.stack([np.eye(3), np.eye(3)])
    for profile in logit_qre(U, [1.0, 3.0, 10.0]):
        for p in profile:
            np.testing.assert_allclose(p, np.full(3, 1 / 3), atol=1e-9)


# --- batch ---------------------------------------------------------------------------


def test_batch_matches_single_random_three_player() -> None:
    rng = np.random.default_rng(2)
    U = rng.normal(size=(25, 3, 2, 3, 2))
    lams = [0.5, 2.0, 8.0]
    batch = logit_qre_batch(U, lams, n_players=3)
    for d in range(U.shape[0]):
        single = logit_qre(U[d], lams)
        for k in range(len(lams)):
            for i in range(3):
                np.testing.assert_allclose(batch[k][i][d], single[k][i], rtol=0, atol=1e-8)


def test_batch_matches_gambit_records() -> None:
    groups: dict[tuple[int, ...], list[dict[str, Any]]] = defaultdict(list)
    for rec in QRE_RECORDS:
        groups[np.shape(rec["payoffs"])].append(rec)
    for shape, recs in groups.items():
        U = np.array([r["payoffs"] for r in recs], dtype=float)
        batch = logit_qre_batch(U, [0.5, 2.0, 8.0], n_players=shape[0])
        for k, key in enumerate(["0.5", "2.0", "8.0"]):
            for d, rec in enumerate(recs):
                for i in range(shape[0]):
                    np.testing.assert_allclose(
                        batch[k][i][d], rec["qre"][key][i], rtol=0, atol=GAMBIT_TOL
                    )


def test_batch_shapes_and_extra_leading_axes() -> None:
    rng = np.random.default_rng(3)
    U = rng.normal(size=(4, 5, 2, 3, 2))
    p = logit_qre_batch(U, 1.5, n_players=2)
    assert [x.shape for x in p] == [(4, 5, 3), (4, 5, 2)]
    flat = logit_qre_batch(U.reshape(20, 2, 3, 2), 1.5, n_players=2)
    for a, b in zip(p, flat, strict=True):
        np.testing.assert_allclose(a.reshape(b.shape), b, atol=1e-14)


def test_batch_empty() -> None:
    p = logit_qre_batch(np.zeros((0, 2, 2, 3)), 1.0, n_players=2)
    assert [x.shape for x in p] == [(0, 2), (0, 3)]


@pytest.mark.parametrize("shape", [(3, 3, 3, 3), (2, 3, 2)])
def test_batch_answer_is_bit_identical_alone_and_in_any_batch(shape: tuple[int, ...]) -> None:
    # The simulator's byte-identical output across chunk sizes relies on this.
    rng = np.random.default_rng(6)
    U = rng.normal(size=(40, *shape))
    lams = [0.5, 2.0, 8.0]
    n = shape[0]
    whole = logit_qre_batch(U, lams, n_players=n)
    chunked = [logit_qre_batch(U[a : a + 7], lams, n_players=n) for a in range(0, 40, 7)]
    for d in (0, 13, 39):
        alone = logit_qre_batch(U[d : d + 1], lams, n_players=n)
        single = logit_qre(U[d], lams)
        for k in range(len(lams)):
            for i in range(n):
                assert np.array_equal(whole[k][i][d], alone[k][i][0])
                assert np.array_equal(whole[k][i][d], single[k][i])
    for k in range(len(lams)):
        for i in range(n):
            joined = np.concatenate([c[k][i] for c in chunked])
            assert np.array_equal(whole[k][i], joined)


@pytest.mark.parametrize(
    "shape",
    [
        (1, 3),
        (1, 1),
        (2, 2, 2),
        (2, 1, 3),
        (2, 4, 4),
        (3, 2, 2, 2),
        (3, 3, 3, 3),
        (3, 1, 2, 3),
        (4, 2, 3, 1, 2),
    ],
)
def test_compiled_tracer_matches_numpy_tracer(shape: tuple[int, ...]) -> None:
    mod = QRE_MODULE
    rng = np.random.default_rng(7)
    U = rng.normal(size=(30, *shape)) * rng.choice([0.5, 1, 3], size=(30,) + (1,) * len(shape))
    lay = mod.Layout.of(shape[1:])
    targets = np.array([0.0, 0.5, 2.0, 2.0, 8.0])
    ref, _ = mod.trace(U, lay, targets)
    out = mod._trace_compiled(U, lay, targets)
    for p, q in zip(mod._to_profiles(out, lay), mod._to_profiles(ref, lay), strict=True):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-12)


def _failing_batch() -> np.ndarray:
    # Draws 1 and 3 have steep payoffs, so the branch bends sharply and needs many
    # short steps; draws 0 and 2 are null games, whose branch is a straight line.
    rng = np.random.default_rng(8)
    U = np.zeros((4, 3, 3, 3, 3))
    U[1], U[3] = 10 * rng.normal(size=(2, 3, 3, 3, 3))
    return U


def test_collapsed_step_names_the_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QRE_MODULE, "_H_MIN", 0.3)
    # Steep payoffs rescaled to unit size pass even this minimum; test the naming alone.
    monkeypatch.setattr(QRE_MODULE, "_retrace", lambda *args: False)
    with pytest.raises(QREConvergenceError, match=r"below its minimum .*draw\(s\) \[1, 3\]"):
        logit_qre_batch(_failing_batch(), 2.0, n_players=3)


def test_too_many_steps_names_the_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QRE_MODULE, "_MAX_STEPS", 3)
    monkeypatch.setattr(QRE_MODULE, "_retrace", lambda *args: False)
    with pytest.raises(QREConvergenceError, match=r"exceeded 3 steps for draw\(s\) \[1, 3\]"):
        logit_qre_batch(_failing_batch(), 2.0, n_players=3)


# --- fit -----------------------------------------------------------------------------


def test_fit_recovers_lambda_from_exact_frequencies() -> None:
    rng = np.random.default_rng(4)
    U = rng.normal(size=(2, 3, 3))
    profile = logit_qre(U, 1.5)
    lam_hat, ll = fit_logit_lambda(U, [p * 1e4 for p in profile])
    assert abs(lam_hat - 1.5) < 1e-6
    expected = sum(float((p * 1e4) @ np.log(p)) for p in profile)
    assert ll == pytest.approx(expected, rel=1e-9)


def test_fit_recovers_lambda_from_simulated_counts() -> None:
    rng = np.random.default_rng(5)
    U = rng.normal(size=(3, 2, 3, 2))
    true_lam = 2.0
    profile = logit_qre(U, true_lam)
    counts = [rng.multinomial(50_000, p) for p in profile]
    lam_hat, ll = fit_logit_lambda(U, counts)
    assert abs(lam_hat - true_lam) < 0.1
    fitted = logit_qre(U, lam_hat)
    assert ll == pytest.approx(
        sum(float(c @ np.log(p)) for c, p in zip(counts, fitted, strict=True))
    )


def test_fit_boundary_warns() -> None:
    U = np.stack([np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 0.0], [1.0, 0.0]])])
    with pytest.warns(RuntimeWarning, match="still increasing"):
        lam_hat, _ = fit_logit_lambda(U, [[10, 0], [10, 0]], lam_max=5.0)
    assert lam_hat == pytest.approx(5.0)


def test_fit_uninformative_counts_give_zero() -> None:
    # Choosing the dominated action more often than not is best explained by lambda = 0.
    U = np.stack([np.array([[1.0, 1.0], [0.0, 0.0]]), np.zeros((2, 2))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lam_hat, ll = fit_logit_lambda(U, [[3, 7], [5, 5]], lam_max=5.0)
    assert lam_hat == pytest.approx(0.0, abs=1e-8)
    assert ll == pytest.approx(20 * np.log(0.5))


# --- input checking ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("U", "lam", "match"),
    [
        (np.zeros((3, 2, 2)), 1.0, "first axis"),
        (np.zeros(3), 1.0, "first axis"),
        (np.array([[[np.nan, 0], [0, 0]], [[0, 0], [0, 0]]]), 1.0, "NaN"),
        (np.array([[[np.inf, 0], [0, 0]], [[0, 0], [0, 0]]]), 1.0, "NaN or infinite"),
        (np.zeros((2, 2, 2)), -1.0, "non-negative"),
        (np.zeros((2, 2, 2)), np.nan, "finite"),
        (np.zeros((2, 2, 2)), [2.0, 1.0], "increasing"),
        (np.zeros((2, 2, 2)), [], "non-empty"),
        (np.zeros((2, 2, 0)), 1.0, "at least one action"),
    ],
)
def test_bad_input_single(U: Any, lam: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        logit_qre(U, lam)


def test_bad_input_types() -> None:
    with pytest.raises(TypeError, match="numeric"):
        logit_qre(np.array([[["a", "b"]]]), 1.0)


def test_bad_input_batch() -> None:
    with pytest.raises(ValueError, match="player axis"):
        logit_qre_batch(np.zeros((5, 3, 2, 2)), 1.0, n_players=2)
    with pytest.raises(ValueError, match="n_players"):
        logit_qre_batch(np.zeros((5, 2, 2, 2)), 1.0, n_players=0)


@pytest.mark.parametrize(
    ("counts", "match"),
    [
        ([[1, 2]], "one vector per player"),
        ([[1, 2, 3], [1, 2]], "player 0"),
        ([[1, -2], [1, 2]], "non-negative"),
        ([[0, 0], [0, 0]], "all zero"),
        ([[np.nan, 1], [1, 2]], "NaN"),
    ],
)
def test_bad_counts(counts: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fit_logit_lambda(np.zeros((2, 2, 2)), counts)


def test_bad_lam_max() -> None:
    with pytest.raises(ValueError, match="lam_max"):
        fit_logit_lambda(np.zeros((2, 2, 2)), [[1, 1], [1, 1]], lam_max=-1.0)

"""The logit QRE at the extremes of its precision: the documented maximum and tiny values.

At the largest documented ``qre_lambda`` the principal branch must be followed
to the end in bounded time and the answer must satisfy the logit fixed-point
equations (evaluated stably, so exp overflow cannot hide a violation), be
close to a Nash equilibrium, and lie on the branch traced with short steps.
At tiny lambda the answer must be the centroid plus its first-order term.
Where a QRE still cannot be computed, the CLI says so in one located line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import annotated_types
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qre_strategies import normal_form_games, tiny_lambdas

from qre_properties import action_payoffs, fixed_point_residual, nash_regret
from tradegame.scenario.schema import Analysis
from tradegame.solvers.logit_qre import logit_qre

QRE_MODULE = importlib.import_module("tradegame.solvers.logit_qre")
SCENARIOS = Path(__file__).parent.parent.parent / "scenarios"


def _documented_max() -> float:
    meta = Analysis.model_fields["qre_lambda"].metadata
    return float(next(m.le for m in meta if isinstance(m, annotated_types.Le)))


LAM_MAX = _documented_max()  # 1e6 today
FIXED_POINT_TOL = 1e-8  # in probability, at lambda = LAM_MAX
# A QRE at precision lambda whose limit is mixed has regret of order 1 / lambda.
REGRET_TOL = 1e-5


def fp_tol(U: np.ndarray, lam: float) -> float:
    """Fixed-point tolerance: the exponent lam * u carries rounding of eps * lam * |u|."""
    return FIXED_POINT_TOL + 100 * np.finfo(float).eps * lam * float(np.abs(U).max())


def _game(*rows: Any) -> np.ndarray:
    return np.array(rows, dtype=float)


RNG = np.random.default_rng(20261206)
GAMES = {
    # 2x2, one strict pure equilibrium (dominance).
    "prisoners_dilemma": _game([[3, 0], [5, 1]], [[3, 5], [0, 1]]),
    # 2x2, two pure and one mixed equilibrium; symmetric, so the branch goes to the mixed one.
    "chicken": _game([[0, -1], [1, -10]], [[0, 1], [-1, -10]]),
    "stag_hunt": _game([[4, 0], [3, 3]], [[4, 3], [0, 3]]),
    # 2x2 with only a mixed equilibrium.
    "matching_pennies": _game([[1, -1], [-1, 1]], [[-1, 1], [1, -1]]),
    "asymmetric_pennies": _game([[2, -1], [-1, 1]], [[-1, 1], [3, -2]]),
    # 3x3, fully mixed equilibrium.
    "rock_paper_scissors": _game(
        [[0, -1, 1], [1, 0, -1], [-1, 1, 0]], [[0, 1, -1], [-1, 0, 1], [1, -1, 0]]
    ),
    "random_3x3": RNG.normal(size=(2, 3, 3)),
    # 3-player 2x2x2.
    "random_2x2x2": RNG.normal(size=(3, 2, 2, 2)),
    "random_2x2x2_b": RNG.normal(size=(3, 2, 2, 2)),
    # Degenerate: a null game, and ties (every action of player 0 equally good).
    "null": np.zeros((2, 2, 2)),
    "ties": _game([[1, 1], [1, 1]], [[2, 0], [2, 0]]),
    # Symmetric coordination: the branch stays at the centroid (a bifurcation at lambda 3).
    "coordination_3x3": np.stack([np.eye(3), np.eye(3)]),
    # A player with a single action.
    "one_action": _game([[0.5, -1.0, 2.0]], [[1.0, 3.0, -2.0]]),
}


@pytest.mark.parametrize("name", sorted(GAMES))
def test_qre_at_documented_maximum_is_a_fixed_point_near_nash(name: str) -> None:
    U = GAMES[name]
    profile = logit_qre(U, LAM_MAX)
    for p in profile:
        assert np.all(p >= 0) and abs(p.sum() - 1) < 1e-12
    assert fixed_point_residual(U, profile, LAM_MAX) < fp_tol(U, LAM_MAX)
    assert nash_regret(U, profile) < REGRET_TOL


@pytest.mark.parametrize("name", sorted(GAMES))
def test_large_lambda_stays_on_the_principal_branch(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The steps that grow with |z| must not jump branches: up to lambda = 300 the
    # answer equals that of the trace with steps capped at 1 (the original control).
    # From there to the maximum the branch is continuous: it moves by O(1 / lambda).
    U = GAMES[name]
    ours = logit_qre(U, [300.0, 1e5, LAM_MAX])
    monkeypatch.setattr(QRE_MODULE, "_H_GROW", 0.0)
    capped = logit_qre(U, 300.0)
    for p, q in zip(ours[0], capped, strict=True):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-8)
    for p, q in zip(ours[1], ours[2], strict=True):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-3)


@pytest.mark.parametrize("name", sorted(GAMES))
def test_large_lambda_matches_gambit_limit(name: str) -> None:
    # pygambit's logit_solve follows the same branch to its end; compare where it
    # reports having reached an equilibrium (on symmetric games it can stop short).
    gbt = pytest.importorskip("pygambit")
    U = GAMES[name]
    if U.shape[0] < 2:
        pytest.skip("pygambit needs two or more players")
    game = gbt.Game.from_arrays(*[U[i] for i in range(U.shape[0])])
    eq = gbt.nash.logit_solve(game, maxregret=1e-10).equilibria[0]
    if float(eq.max_regret()) > 1e-8:
        pytest.skip("pygambit stopped short of an equilibrium on this game")
    ref = [np.array([float(eq[s]) for s in pl.strategies]) for pl in game.players]
    for p, q in zip(logit_qre(U, LAM_MAX), ref, strict=True):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(U=normal_form_games(min_players=2, max_players=3, integer=False))
def test_generic_games_reach_documented_maximum(U: np.ndarray) -> None:
    profile = logit_qre(U, LAM_MAX)
    assert fixed_point_residual(U, profile, LAM_MAX) < fp_tol(U, LAM_MAX)
    assert nash_regret(U, profile) < REGRET_TOL


# Games whose first trace is lost at large lambda (found by random search), traced
# again with another reference action and/or in unit payoffs. Integer payoffs with
# ties: the reference action vanishes while other actions tie in the limit.
TIES_3X3 = _game([[-1, -2, -1], [0, -1, 1], [-1, -1, 1]], [[-2, 1, 2], [-2, 2, -1], [-2, -1, 2]])
TIES_3X3X3 = np.array(
    [
        [
            [[2, -1, 0], [1, 1, -2], [-1, 1, 2]],
            [[1, 2, 2], [-1, -2, -2], [2, -1, -2]],
            [[-2, 0, 2], [1, -2, 1], [-2, 0, -1]],
        ],
        [
            [[1, -2, 0], [-1, 1, 2], [1, -1, 2]],
            [[2, -2, 0], [-1, -1, -1], [2, -2, 0]],
            [[-2, -1, -2], [0, 1, -2], [1, 1, -2]],
        ],
        [
            [[-1, 1, 1], [0, 1, 1], [-2, 1, -1]],
            [[-1, -1, 0], [1, -2, 2], [1, 2, 2]],
            [[-2, 2, -2], [-1, -2, 2], [2, -2, 0]],
        ],
    ],
    dtype=float,
)
# Payoffs of size 1e-3 (a unit a thousand times too large): arc length is almost all lambda.
SMALL_UNIT_2X2X2X2 = 1e-6 * np.array(
    [
        [
            [[[1297, -309], [186, -1504]], [[-1269, -317], [680, 657]]],
            [[[405, 702], [1987, -997]], [[762, 1194], [-244, -1459]]],
        ],
        [
            [[[-1133, 139], [-871, 1102]], [[471, 1287], [121, -637]]],
            [[[1472, 794], [-214, -1772]], [[-1440, 1472], [-221, -395]]],
        ],
        [
            [[[1257, 314], [684, -1426]], [[579, -1083], [-1632, -74]]],
            [[[-889, -248], [2480, -954]], [[-592, 268], [140, 673]]],
        ],
        [
            [[[268, 371], [-654, 361]], [[242, -1034], [677, 132]]],
            [[[930, 1405], [300, 778]], [[-1942, 85], [310, -296]]],
        ],
    ],
    dtype=float,
)
# Branches with a sharp fold (the profile jumps by about 0.2 within 1 % of lambda),
# where Newton's method converges only linearly: a random 3-player 3x3x3 game
# (fold near lambda 2857.23) and an integer 4-player 2x2x2x2 game (near 8229.98).
FOLD_3X3X3 = np.array(
    [
        [
            [
                [-0.03335643010283462, 0.02098130954332586, 0.0430740205639347],
                [-0.06985097187130154, 0.18250388588690047, -0.023879704576105745],
                [-0.16587110444934322, -0.10181647533196328, 0.11658868677077588],
            ],
            [
                [-0.16958043629354458, 0.006809355513054727, 0.046019098989565126],
                [0.05677683437813263, 0.133295661551301, 0.0021075362000061537],
                [0.09367240592191005, -0.23157309187355923, -0.013457995519837987],
            ],
            [
                [0.15301636582092093, -0.029629935904645334, 0.10943929749427189],
                [-0.09671090351058186, -0.05305698377746818, 0.020983936762045408],
                [0.0997180296952983, -0.18094425246049906, 0.07522087951048174],
            ],
        ],
        [
            [
                [-0.06269036529771845, 0.05044047285078765, -0.015025318891345927],
                [-0.07873674343264045, -0.12886233832643507, 0.10225487948291725],
                [0.32151382141909157, 0.11745154992010082, -0.07014162854135113],
            ],
            [
                [0.04270663788378654, -0.06032722019734859, 0.13980330441878397],
                [0.059355079786776704, 0.08132281293924513, -0.015017574617342065],
                [0.12183655205207414, -0.1900027697358389, -0.1633376608970175],
            ],
            [
                [-0.0003372353462798615, 0.0002787032431405568, 0.06351587139836953],
                [0.1345095397944307, 0.011587286167052686, 0.00035132859156945687],
                [-0.18803032163902933, -0.016290690970247452, 0.06798172240637519],
            ],
        ],
        [
            [
                [-0.018310445504482603, -0.07800200828535858, -0.08480000673092958],
                [0.07857186332872224, -0.028902812542678475, 0.034713335672706756],
                [0.05597482192967991, 0.004150397390685212, -0.2153089650510756],
            ],
            [
                [0.03370669407793354, 0.05946857295187217, 0.09752920681209308],
                [-0.09357255041990462, -0.09249586857698643, -0.04953112849015254],
                [-0.1485713786912016, -0.07156656751806283, -0.042143495734696],
            ],
            [
                [-0.17474625999431992, 0.015165965794342885, 0.03892339250014774],
                [-0.1280412606240409, -0.07389328926574765, -0.05927192937247579],
                [0.09394117941282713, 0.02462870774978122, -0.02317601592367669],
            ],
        ],
    ]
)
FOLD_2X2X2X2 = np.array(
    [
        [[[[2, -1], [1, 1]], [[-1, -2], [0, 2]]], [[[-1, 1], [-2, 1]], [[-1, -2], [-1, 2]]]],
        [[[[1, -1], [-2, 1]], [[2, 1], [0, 0]]], [[[-1, 0], [-2, 0]], [[-2, 2], [1, -1]]]],
        [[[[-2, -1], [-1, 1]], [[1, 0], [-1, -1]]], [[[1, 2], [-2, -1]], [[0, -2], [2, 2]]]],
        [[[[1, 1], [-1, 0]], [[-2, 2], [2, 0]]], [[[1, -1], [1, 2]], [[0, 0], [-1, 0]]]],
    ],
    dtype=float,
)
FOLDS = {"fold_3x3x3": (FOLD_3X3X3, 2857.2333705), "fold_2x2x2x2": (FOLD_2X2X2X2, 8229.98)}
HARD = {
    "ties_3x3": TIES_3X3,
    "ties_3x3x3": TIES_3X3X3,
    "small_unit_2x2x2x2": SMALL_UNIT_2X2X2X2,
    **{name: U for name, (U, _) in FOLDS.items()},
}


@pytest.mark.parametrize("name", sorted(HARD))
def test_hard_games_reach_documented_maximum(name: str) -> None:
    U = HARD[name]
    profile = logit_qre(U, LAM_MAX)
    # A Nash equilibrium to within O(1 / lambda), whatever the payoff unit.
    assert fixed_point_residual(U, profile, LAM_MAX) < fp_tol(U, LAM_MAX)
    assert nash_regret(U, profile) < REGRET_TOL
    # ... and on the principal branch: continuous with the answer at a tenth of lambda
    # (the profile moves by O(1 / lambda) in the game's payoff unit).
    atol = max(1e-3, 100 / (LAM_MAX * float(np.abs(U).max())))
    for p, q in zip(logit_qre(U, LAM_MAX / 10), profile, strict=True):
        np.testing.assert_allclose(p, q, rtol=0, atol=atol)


@pytest.mark.parametrize("name", sorted(FOLDS))
def test_sharp_folds_match_a_short_step_tight_trace(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before, at and past the fold, the answers are those of the same branch traced
    # with steps of at most 0.5, no growth, and a corrector tolerance of 1e-8.
    U, fold = FOLDS[name]
    lams = [0.99 * fold, 1.01 * fold, 1.1 * fold]
    ours = logit_qre(U, lams)
    for attr, value in [
        ("_H_MAX", 0.5),
        ("_H_START", 0.5),
        ("_H_GROW", 0.0),
        ("_PATH_TOL", 1e-8),
        ("_MAX_STEPS", 10**6),
    ]:
        monkeypatch.setattr(QRE_MODULE, attr, value)
    ref = logit_qre(U, lams)
    for lam, prof, prof_ref in zip(lams, ours, ref, strict=True):
        assert fixed_point_residual(U, prof, lam) < fp_tol(U, lam)
        for p, q in zip(prof, prof_ref, strict=True):
            np.testing.assert_allclose(p, q, rtol=0, atol=1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    U=normal_form_games(min_players=2, max_players=3, integer=False),
    unit=st.sampled_from([1e-3, 1e-2, 1e2, 1e3]),
)
def test_qre_does_not_depend_on_the_payoff_unit(U: np.ndarray, unit: float) -> None:
    # The QRE of U at lambda is that of U * unit at lambda / unit; at the documented
    # maximum, whatever unit the payoffs come in.
    scaled = logit_qre(U * unit, LAM_MAX)
    plain = logit_qre(U, LAM_MAX * unit)
    assert fixed_point_residual(U * unit, scaled, LAM_MAX) < fp_tol(U * unit, LAM_MAX)
    for p, q in zip(scaled, plain, strict=True):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(U=normal_form_games(min_players=2, max_players=3, integer=False), data=st.data())
def test_qre_does_not_depend_on_the_order_of_actions(U: np.ndarray, data: st.DataObject) -> None:
    perms = [
        np.array(data.draw(st.permutations(range(a)), label=f"perm{i}"))
        for i, a in enumerate(U.shape[1:])
    ]
    V = U
    for i, perm in enumerate(perms):
        V = np.take(V, perm, axis=1 + i)
    for p, q, perm in zip(logit_qre(V, LAM_MAX), logit_qre(U, LAM_MAX), perms, strict=True):
        np.testing.assert_allclose(p, q[perm], rtol=0, atol=1e-6)


# --- tiny lambda ------------------------------------------------------------------


def test_tiny_lambda_reproducer() -> None:
    # Found by hypothesis: the tracer stopped with "step length fell below its
    # minimum", its corrections at rounding level being larger than the step.
    U = _game(
        [[0.9027556576068978, 1.1306803834256405, -0.6664714561253771]],
        [[-2.189420969865533, 1.3289300411644902, 0.15212593485435555]],
    )
    lam = 2.2e-16
    profile = logit_qre(U, lam)
    assert fixed_point_residual(U, profile, lam) < 1e-15


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(U=normal_form_games(), lam=tiny_lambdas())
def test_tiny_lambda_is_centroid_plus_first_order(U: np.ndarray, lam: float) -> None:
    profile = logit_qre(U, [lam, 2 * lam])
    for prof, x in zip(profile, [lam, 2 * lam], strict=True):
        assert fixed_point_residual(U, prof, x) < 1e-14
        # First order in lambda: p = 1/A * (1 + lam * (v - mean v)) with v at the centroid,
        # up to a second-order term of size (lam * payoff spread)^2.
        second = 10 * (x * (U.max() - U.min())) ** 2
        centroid = [np.full(a, 1.0 / a) for a in U.shape[1:]]
        for i, p in enumerate(prof):
            v = action_payoffs(U, centroid, i)
            expected = centroid[i] * (1 + x * (v - v.mean()))
            np.testing.assert_allclose(p, expected, rtol=0, atol=1e-14 + second)


# --- generators -------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_generators_make_what_they_claim(data: st.DataObject) -> None:
    U = data.draw(normal_form_games(min_players=1, max_players=3, max_actions=3, integer=True))
    n = U.shape[0]
    assert U.ndim == n + 1 and 1 <= n <= 3
    assert all(1 <= a <= 3 for a in U.shape[1:])
    assert np.all(np.isfinite(U)) and np.all(U == np.round(U)) and np.all(np.abs(U) <= 3)
    V = data.draw(normal_form_games(integer=False))
    assert np.all(np.isfinite(V)) and np.all(np.abs(V) <= 3)
    lam = data.draw(tiny_lambdas())
    assert 0 < lam <= 1e-6


# --- the CLI ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [
        "classroom/chicken.yaml",
        "classroom/prisoners_dilemma.yaml",
        "classroom/stag_hunt.yaml",
        # Madrid before issue 12 (simultaneous: QRE applies), kept as test data.
        str(Path(__file__).parents[1] / "data" / "madrid_v1" / "madrid_2025.yaml"),
    ],
)
def test_cli_runs_qre_at_documented_maximum(scenario: str, cli: Callable[..., Any]) -> None:
    res = cli(
        "run",
        SCENARIOS / scenario,
        "-n",
        "64",
        "-q",
        "--solution",
        "qre",
        "--qre-lambda",
        f"{LAM_MAX:g}",
    )
    assert res.code == 0, res.stderr


DEGENERATE = """\
tradegame: 1
title: A degenerate 3x3 game
players:
  row: {label: Row, strategies: [a, b, c]}
  col: {label: Col, strategies: [x, y, z]}
payoffs:
  matrix:
    - [[-1, -2], [-2, 1], [-1, 2]]
    - [[0, -2], [-1, 2], [1, -1]]
    - [[-1, -2], [-1, -1], [1, 2]]
outcomes:
  first: row == 'a'
  otherwise: other
analysis: {samples: 8, seed: 1, solution: qre, qre_lambda: 1000000}
"""


def test_cli_qre_failure_is_one_located_line(
    cli: Callable[..., Any], write_scenario: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Integer payoffs with ties: here the branch is lost at very large lambda. So that
    # the test does not hang on that, any lost branch (here forced by a step budget of
    # 3) must reach the user as one line naming what set lambda, exit 2.
    monkeypatch.setattr(QRE_MODULE, "_MAX_STEPS", 3)
    path = write_scenario(DEGENERATE)
    line = DEGENERATE.splitlines().index(
        next(x for x in DEGENERATE.splitlines() if "qre_lambda" in x)
    )
    column = DEGENERATE.splitlines()[line].index("1000000") + 1
    chicken = SCENARIOS / "classroom" / "chicken.yaml"
    for args, where in [
        ((path,), f"{path}:{line + 1}:{column}: "),
        ((path, "--qre-lambda", "1e6"), "--qre-lambda: "),
        ((chicken, "--solution", "qre", "--qre-lambda", "5"), "--qre-lambda: "),
        ((chicken, "--solution", "qre"), f"{chicken}:"),
    ]:
        res = cli("run", *args, "-q", "-n", "8")
        assert res.code == 2, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {where}"), res.stderr
        assert "logit QRE" in lines[0] and "internal error" not in lines[0]


# Payoffs of 0 and 1 with many ties: the limit of the branch is a continuum of
# equilibria (the row player is indifferent among all five actions), the Jacobian
# becomes singular as lambda grows and the trace is lost beyond lambda ~ 4e5.
CONTINUUM = """\
tradegame: 1
title: A game whose equilibria form a continuum
players:
  row: {label: Row, strategies: [a, b, c, d, e]}
  col: {label: Col, strategies: [w, x, y, z]}
payoffs:
  matrix:
    - [[0, 1], [1, 0], [1, 1], [1, 0]]
    - [[0, 0], [0, 0], [1, 1], [1, 0]]
    - [[0, 1], [1, 1], [1, 0], [0, 1]]
    - [[1, 0], [1, 0], [0, 1], [0, 1]]
    - [[1, 1], [0, 1], [0, 0], [0, 1]]
outcomes:
  first: row == 'a'
  otherwise: other
analysis: {samples: 4, seed: 1, solution: qre}
"""


def test_cli_real_qre_failure_is_one_located_line(
    cli: Callable[..., Any], write_scenario: Callable[..., Path]
) -> None:
    # Without any patching: at lambda = 1e5 the QRE is computed; at the maximum it
    # may not be, and then the user reads one line naming the option, exit 2.
    path = write_scenario(CONTINUUM)
    assert cli("run", path, "-q", "--qre-lambda", "1e5").code == 0
    res = cli("run", path, "-q", "--qre-lambda", f"{LAM_MAX:g}")
    if res.code != 0:
        assert res.code == 2, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: --qre-lambda: "), res.stderr

"""Solution concepts beyond Nash equilibrium: correlated, maxmin, bargaining, rationalizable.

Each concept is checked by its defining property on random games and on
draws of the shipped scenarios, against the scalar solvers, in closed-form
cases, through ``simulate`` and the command line, and for byte-identical
results whatever the chunk size.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

import tradegame as tg
from tradegame.model.build import build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.play.concepts import CONCEPTS, concept_distribution, product
from tradegame.scenario.sampling import BLOCK, ParameterSampler
from tradegame.solvers.bargaining import bargaining_batch, kalai_smorodinsky, nash_bargaining
from tradegame.solvers.correlated import (
    _welfare_2x2,
    _welfare_lp,
    ce_constraints,
    correlated_equilibrium,
    correlated_equilibrium_batch,
    obedience_matrix,
)
from tradegame.solvers.dominance import eliminate_dominated, strict_dominance_batch
from tradegame.solvers.maxmin import _security_lp, _two_actions, maxmin, maxmin_batch
from tradegame.solvers.pure_nash import pure_nash

SHAPES = [(2, 2), (2, 5), (3, 3), (4, 3), (2, 3, 2), (1, 3)]
CLASSROOM = ["chicken", "prisoners_dilemma", "stag_hunt"]


def _games(shape: tuple[int, ...], integer: bool, seed: int, D: int = 60) -> np.ndarray:
    """Random games; small integers make ties (and degenerate LPs) common."""
    rng = np.random.default_rng(seed)
    size = (D, len(shape), *shape)
    return rng.integers(-3, 4, size=size).astype(float) if integer else rng.normal(size=size)


def _scale(U: np.ndarray) -> float:
    return max(1.0, float(np.abs(U).max()))


#: The Madrid scenario before issue 12: a two-player simultaneous game with levers (the
#: shipped one is sequential now), kept as test data.
MADRID_V1 = Path(__file__).parent / "data" / "madrid_v1" / "madrid_2025.yaml"


def _draws(name: str | Path, D: int = 512, seed: int = 1) -> np.ndarray:
    """Payoffs of D draws of a shipped scenario, shape (D, n, A_0, ..., A_{n-1})."""
    sc = tg.load_scenario(name)
    game = GameStructure.from_scenario(sc)
    env = evaluation_environment(sc, game, ParameterSampler(sc.spec.parameters, seed).draws(0, D))
    return build_payoffs(sc, game, env, D)


@pytest.fixture(scope="module")
def madrid_draws() -> np.ndarray:
    return _draws(MADRID_V1)


def _cases(madrid: np.ndarray) -> list[np.ndarray]:
    games = [_games(s, integer, k) for k, s in enumerate(SHAPES) for integer in (True, False)]
    return [*games, madrid[:200], _draws("classroom/chicken", 100)]


# --------------------------------------------------------------------------- correlated


def test_correlated_is_an_obedient_welfare_maximising_distribution(madrid_draws) -> None:
    for U in _cases(madrid_draws):
        n, shape = U.shape[1], U.shape[2:]
        out = correlated_equilibrium_batch(U, n)
        assert out.shape == (U.shape[0], int(np.prod(shape)))
        np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-12)
        assert out.min() >= 0.0
        for d in range(U.shape[0]):
            p = out[d].reshape(shape)
            scale = _scale(U[d])
            assert ce_constraints(U[d]).violation(p) <= 1e-9 * scale  # obedience
            best = correlated_equilibrium(U[d]).objective_value
            welfare = sum(float((U[d, i] * p).sum()) for i in range(n))
            assert welfare >= best - 1e-8 * scale


def test_correlated_closed_forms_and_tie_rule() -> None:
    # Aumann's chicken: the welfare-maximising CE is unique.
    aumann = np.array([[[[6, 2], [7, 0]], [[6, 7], [2, 0]]]], dtype=float)
    np.testing.assert_allclose(correlated_equilibrium_batch(aumann)[0], [0.5, 0.25, 0.25, 0.0])
    # Everything ties: all mass on the first profile (lexicographic), 2x2 and LP paths.
    for shape in [(2, 2), (3, 2), (2, 2, 2)]:
        zero = np.zeros((1, len(shape), *shape))
        expected = np.eye(int(np.prod(shape)))[0]
        np.testing.assert_allclose(correlated_equilibrium_batch(zero)[0], expected, atol=1e-11)
    # Chicken with crash cost c: welfare 0 on any CE avoiding the crash; the
    # lexicographic tie rule puts (c - 1) / (c + 1) on (swerve, swerve).
    c = 4.0
    chicken = np.array([[[[0, -1], [1, -c]], [[0, 1], [-1, -c]]]])
    p = correlated_equilibrium_batch(chicken)[0]
    np.testing.assert_allclose(p, [(c - 1) / (c + 1), 1 / (c + 1), 1 / (c + 1), 0.0], atol=1e-9)


def test_correlated_two_by_two_closed_form_matches_the_linear_programs() -> None:
    for seed, integer in [(1, True), (2, True), (3, False)]:
        U = _games((2, 2), integer, seed, D=200)
        tol = 1e-9 * np.maximum(1.0, np.abs(U).reshape(len(U), -1).max(axis=1))
        closed = _welfare_2x2(U, tol)
        lp = np.stack([_welfare_lp(U[d], float(tol[d])) for d in range(len(U))])
        np.testing.assert_allclose(closed, lp, atol=1e-7)
        for d in range(len(U)):
            np.testing.assert_allclose(obedience_matrix(U[d]), ce_constraints(U[d]).matrix)


# --------------------------------------------------------------------------- maxmin


def test_maxmin_strategies_guarantee_the_maxmin_value(madrid_draws) -> None:
    for U in _cases(madrid_draws):
        n = U.shape[1]
        res = maxmin_batch(U, n)
        values_only = maxmin_batch(U, n, strategies=False).value
        for d in range(U.shape[0]):
            ref = maxmin(U[d]).value
            scale = _scale(U[d])
            np.testing.assert_allclose(values_only[d], ref, atol=1e-8 * scale)
            for i in range(n):
                sigma = res.strategies[i][d]
                assert sigma.min() >= 0.0 and sigma.sum() == pytest.approx(1.0, abs=1e-12)
                M = np.moveaxis(U[d, i], i, 0).reshape(U.shape[2 + i], -1)
                guarantee = float((sigma @ M).min())
                assert guarantee >= ref[i] - 1e-8 * scale  # what the player can guarantee
                assert res.value[d, i] == pytest.approx(guarantee, abs=1e-12)


def test_maxmin_tie_rule() -> None:
    # Identical actions: every strategy is maxmin and equally good on average;
    # ties go to the first-listed action (two actions in closed form, three by LP).
    for k in (2, 3):
        U = np.zeros((1, 2, k, 2))
        U[0, 0] = 1.0
        sigma = maxmin_batch(U).strategies[0][0]
        np.testing.assert_allclose(sigma, np.eye(k)[0], atol=1e-11)
    # Both rows guarantee 0; the second pays more on average against uniform play.
    U = np.array([[[[0, 0, 0], [0, 5, 0]], [[0, 0, 0], [0, 0, 0]]]], dtype=float)
    U3 = np.concatenate([U, np.full((1, 2, 1, 3), -1.0)], axis=2)  # a third, worse row
    for game in (U, U3):
        np.testing.assert_allclose(maxmin_batch(game).strategies[0][0][:2], [0, 1], atol=1e-11)
    # Two-action closed form and the linear programs agree, ties included.
    M = np.random.default_rng(4).integers(-2, 3, size=(300, 2, 4)).astype(float)
    tol = 1e-9 * np.maximum(1.0, np.abs(M).reshape(300, -1).max(axis=1))
    value, s = _two_actions(M, tol)
    for d in range(300):
        v, sigma = _security_lp(M[d], float(tol[d]), True)
        assert (v, sigma[0]) == pytest.approx((value[d], s[d]), abs=1e-7)


def test_maxmin_play_is_the_product_of_the_strategies() -> None:
    U = _games((3, 2, 2), False, 9)
    weights, _ = concept_distribution(U, "maxmin")
    strategies = maxmin_batch(U).strategies
    np.testing.assert_allclose(weights, product(list(strategies)))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)


# --------------------------------------------------------------------------- bargaining


def _dominated_by_some_feasible_point(V: np.ndarray, u: np.ndarray, tol: float) -> bool:
    """Whether some u' in conv(V) has u' >= u with a total gain above tol (LP)."""
    K = V.shape[1]
    res = linprog(
        -V.sum(axis=0),
        A_ub=-V,
        b_ub=-u,
        A_eq=np.ones((1, K)),
        b_eq=[1.0],
        bounds=(0, None),
        method="highs",
    )
    return res.status == 0 and -res.fun - u.sum() > tol


@pytest.mark.parametrize("method", ["nash", "kalai_smorodinsky"])
def test_bargaining_lotteries_are_individually_rational_and_efficient(
    method: str, madrid_draws
) -> None:
    scalar = nash_bargaining if method == "nash" else kalai_smorodinsky
    cases = [_games(s, i, k) for k, s in enumerate([(2, 2), (3, 2), (4, 5)]) for i in (1, 0)]
    for U in [*cases, madrid_draws[:100], _draws("classroom/chicken", 50)]:
        d = maxmin_batch(U, 2, strategies=False).value
        res = bargaining_batch(U, d, method)
        for k in range(U.shape[0]):
            V = U[k].reshape(2, -1)
            w = res.weights[k]
            scale = _scale(U[k])
            assert w.min() >= 0.0 and w.sum() == pytest.approx(1.0, abs=1e-12)
            support = np.flatnonzero(w)
            assert len({tuple(V[:, p]) for p in support}) <= 2  # at most two payoff points
            point = V @ w
            np.testing.assert_allclose(point, res.point[k], atol=1e-9 * scale)
            assert (point >= d[k] - 1e-8 * scale).all()  # individually rational
            assert not _dominated_by_some_feasible_point(V, point, 1e-7 * scale)  # efficient
            if res.gains[k]:
                np.testing.assert_allclose(point, scalar(U[k], d[k]).point, atol=1e-9 * scale)


def test_bargaining_closed_forms() -> None:
    # Battle of the sexes: maxmin values (2/3, 2/3); both solutions split the
    # frontier u1 + u2 = 3 evenly, a coin toss between the two equilibria.
    bos = np.array([[[[2, 0], [0, 1]], [[1, 0], [0, 2]]]], dtype=float)
    np.testing.assert_allclose(maxmin_batch(bos, strategies=False).value, [[2 / 3, 2 / 3]])
    for solution in ("nash_bargaining", "kalai_smorodinsky"):
        weights, _ = concept_distribution(bos, solution)
        np.testing.assert_allclose(weights, [[0.5, 0.0, 0.0, 0.5]])
    # Frontier from (4, 0) to (0, 2), d = (0, 0): Nash maximises u1 u2 at (2, 1).
    tri = np.array([[[[4, 0], [0, 0]], [[0, 2], [0, 0]]]], dtype=float)
    res = bargaining_batch(tri, [[0.0, 0.0]])
    np.testing.assert_allclose(res.point, [[2.0, 1.0]])
    np.testing.assert_allclose(res.weights, [[0.5, 0.5, 0.0, 0.0]])
    # Where the two differ: conv{(0, 1), (1, 0.5), (1, 0)} from (0, 0).
    U = np.array([[[[0, 1, 1]], [[1, 0.5, 0]]]])
    np.testing.assert_allclose(bargaining_batch(U, [[0, 0]], "nash").point, [[1.0, 0.5]])
    ks = bargaining_batch(U, [[0, 0]], "kalai_smorodinsky")
    np.testing.assert_allclose(ks.point, [[2 / 3, 2 / 3]])
    np.testing.assert_allclose(ks.weights, [[1 / 3, 2 / 3, 0.0]])
    # Prisoner's dilemma from the maxmin values (1, 1): mutual cooperation.
    pd = np.array([[[[3, 0], [5, 1]], [[3, 5], [0, 1]]]], dtype=float)
    np.testing.assert_allclose(concept_distribution(pd, "nash_bargaining")[0], [[1, 0, 0, 0]])


def test_bargaining_without_gains_and_from_the_equilibrium() -> None:
    # Matching pennies: d = (0, 0) is on the frontier, nothing beats it for both;
    # the point is d itself, half on each payoff pair, split over equal profiles.
    pennies = np.array([[[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]]], dtype=float)
    res = bargaining_batch(pennies, maxmin_batch(pennies, strategies=False).value)
    assert not res.gains[0]
    np.testing.assert_allclose(res.point, [[0.0, 0.0]], atol=1e-12)
    np.testing.assert_allclose(res.weights, [[0.25, 0.25, 0.25, 0.25]])
    # Stag hunt from its payoff-dominant equilibrium (4, 4): nothing to gain, stay there.
    stag = np.array([[[[4, 0], [3, 3]], [[4, 3], [0, 3]]]], dtype=float)
    weights, _ = concept_distribution(stag, "nash_bargaining", "payoff_dominant", "nash")
    np.testing.assert_allclose(weights, [[1, 0, 0, 0]])
    # ... and from both equilibria equally likely, d = (3.5, 3.5): (stag, stag) again.
    weights, _ = concept_distribution(stag, "kalai_smorodinsky", "uniform", "nash")
    np.testing.assert_allclose(weights, [[1, 0, 0, 0]])
    # No pure equilibrium: d falls back to the maxmin values.
    a, _ = concept_distribution(pennies, "nash_bargaining", "uniform", "nash")
    b, _ = concept_distribution(pennies, "nash_bargaining", "uniform", "maxmin")
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="two-player"):
        concept_distribution(np.zeros((1, 3, 2, 2, 2)), "nash_bargaining")


# --------------------------------------------------------------------------- rationalizable


def test_rationalizable_profiles_survive_elimination_and_include_every_nash(
    madrid_draws,
) -> None:
    for U in _cases(madrid_draws):
        D, n, shape = U.shape[0], U.shape[1], U.shape[2:]
        weights, n_eq = concept_distribution(U, "rationalizable")
        alive = strict_dominance_batch(U, n)
        nash = pure_nash(U, n_players=n).reshape(D, -1)
        np.testing.assert_array_equal(n_eq, nash.sum(axis=1))
        for d in range(D):
            ref = eliminate_dominated(U[d]).surviving
            assert tuple(tuple(np.flatnonzero(a[d]).tolist()) for a in alive) == ref
            support = np.zeros(shape, dtype=bool)
            support[np.ix_(*ref)] = True
            w = weights[d]
            np.testing.assert_allclose(w[support.ravel()], 1.0 / support.sum())  # equally likely
            assert (w[~support.ravel()] == 0).all()
            assert support.ravel()[nash[d]].all()  # every pure equilibrium survives


def test_rationalizable_removes_strategies_dominated_by_mixtures_only() -> None:
    # Row's 'bottom' (1, 1) is beaten by neither (3, 0) nor (0, 3) alone, but by
    # their 50/50 mixture (1.5, 1.5); the column player is indifferent.
    U = np.zeros((1, 2, 3, 2))
    U[0, 0] = [[3, 0], [0, 3], [1, 1]]
    assert strict_dominance_batch(U, mixed=False)[0].tolist() == [[True, True, True]]
    assert strict_dominance_batch(U)[0].tolist() == [[True, True, False]]
    weights, _ = concept_distribution(U, "rationalizable")
    np.testing.assert_allclose(weights, [[0.25, 0.25, 0.25, 0.25, 0.0, 0.0]])


# --------------------------------------------------------------------------- runs

THREE = """\
tradegame: 1
title: Three players
players:
  a: {strategies: [x, y]}
  b: {strategies: [x, y]}
  c: {strategies: [x, y, z]}
parameters:
  s: {dist: uniform, low: -1, high: 1}
payoffs:
  a: s * (a == 'x') + (a == 'y') * (b == 'y')
  b: (b == 'x') * (c == 'x') - s * (b == 'y')
  c: (c == 'z') * s + (a == 'y') * (c == 'x')
outcomes:
  all_x: a == 'x' and b == 'x' and c == 'x'
  otherwise: other
analysis: {samples: 2048, seed: 2}
"""

SEQUENTIAL = """\
tradegame: 1
title: Entry
players:
  entrant: {levers: {entry: [stay_out, enter]}}
  incumbent: {levers: {reply: [fight, accommodate]}}
stages:
  - player: entrant
  - player: incumbent
payoffs:
  entrant: (entry == 'enter') * (2 * (reply == 'accommodate') - 1)
  incumbent: 2 - (entry == 'enter') * (1 + (reply == 'fight'))
outcomes:
  entered: entry == 'enter'
  otherwise: kept_out
analysis: {solution: SOLUTION}
"""


@pytest.mark.parametrize("solution", list(CONCEPTS))
@pytest.mark.parametrize("game", CLASSROOM)
def test_each_concept_runs_through_the_cli_and_is_named(cli, solution: str, game: str) -> None:
    result = cli(
        "run",
        f"classroom/{game}",
        "--solution",
        solution,
        "-n",
        "600",
        "--seed",
        "3",
        "--json",
        "-",
    )
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    method = doc["method"]
    assert method["solution_concept"] == solution
    assert method["options"]["solution"] == solution
    assert method["options"]["disagreement"] == "maxmin"
    assert method["selection_rule"] and method["no_equilibrium"]
    probabilities = [o["probability"] for o in doc["outcomes"]]
    assert sum(probabilities) == pytest.approx(1.0)
    assert doc["outcomes"][-1] == {
        "label": "no_pure_equilibrium",
        "probability": 0.0,
        "std_error": 0.0,  # in no draw: no variance
        "count": 0.0,
        "ci95": [0.0, pytest.approx(0.0064, abs=1e-3)],
    }
    for lever in doc["lever_options"].values():
        for options in lever.values():
            assert sum(options.values()) == pytest.approx(1.0)


def test_result_records_the_rule_and_the_disagreement_point(cli) -> None:
    sc = tg.load_scenario("classroom/prisoners_dilemma")
    doc = tg.simulate(sc, 200, seed=1, solution="nash_bargaining").to_dict()["method"]
    assert doc["selection"] == "disagreement:maxmin"
    assert "Nash bargaining" in doc["selection_rule"] and "maxmin" in doc["no_equilibrium"]
    result = cli(
        "run",
        "classroom/stag_hunt",
        "--solution",
        "kalai_smorodinsky",
        "--disagreement",
        "nash",
        "-n",
        "300",
        "--json",
        "-",
    )
    method = json.loads(result.stdout)["method"]
    assert method["options"]["disagreement"] == "nash"
    # The scenario's own selection (payoff_dominant) picks the disagreement equilibrium.
    assert method["selection"] == "disagreement:nash/payoff_dominant"
    assert "payoff_dominant" in method["no_equilibrium"]
    doc = tg.simulate(sc, 200, seed=1, solution="correlated").to_dict()["method"]
    assert doc["selection"] == "max_total_payoff" and "sum" in doc["selection_rule"]


def test_scenario_files_choose_concepts_and_disagreement(write_scenario, cli) -> None:
    text = THREE.replace(
        "analysis: {samples: 2048, seed: 2}",
        "analysis: {samples: 2048, seed: 2, solution: rationalizable}",
    )
    res = tg.simulate(tg.parse_scenario(text))
    assert res.solution == "rationalizable"
    for solution in ("correlated", "maxmin"):  # any number of players
        res = tg.simulate(tg.parse_scenario(THREE), solution=solution)
        assert sum(res.outcome_probabilities.values()) == pytest.approx(1.0)
    pd = tg.load_scenario("classroom/prisoners_dilemma").text
    path = write_scenario(
        pd.replace("analysis: {", "analysis: {solution: nash_bargaining, disagreement: nash, ")
    )
    result = cli("run", path, "-n", "100", "--json", "-")
    assert result.code == 0, result.stderr
    method = json.loads(result.stdout)["method"]
    assert method["solution_concept"] == "nash_bargaining"
    assert method["options"]["disagreement"] == "nash"


def _one_line_error(result) -> str:
    assert result.code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_bad_combinations_are_refused_with_one_line(write_scenario, cli) -> None:
    line = _one_line_error(cli("run", "classroom/ultimatum", "--solution", "correlated"))
    assert "simultaneous-move" in line and "subgame_perfect" in line
    three = write_scenario(THREE, "three.yaml")
    line = _one_line_error(cli("run", three, "--solution", "nash_bargaining"))
    assert "two players" in line and "3" in line
    line = _one_line_error(cli("run", three, "--solution", "kalai_smorodinsky"))
    assert "two players" in line
    line = _one_line_error(
        cli("run", "classroom/chicken", "--solution", "maxmin", "--disagreement", "threat")
    )
    assert "--disagreement" in line
    line = _one_line_error(
        cli(
            "run",
            "classroom/chicken",
            "--solution",
            "nash_bargaining",
            "--disagreement",
            "nash",
            "--selection",
            "mixed",
        )
    )
    assert "disagreement 'nash'" in line
    line = _one_line_error(cli("run", "classroom/chicken", "--solution", "bargaining"))
    assert "rationalizable" in line  # the list of choices
    sequential = write_scenario(SEQUENTIAL.replace("SOLUTION", "maxmin"), "seq.yaml")
    line = _one_line_error(cli("run", sequential))
    assert "'maxmin' is for simultaneous-move scenarios" in line
    bad = write_scenario(SEQUENTIAL.replace("SOLUTION", "bargain"), "bad.yaml")
    assert cli("validate", bad).code == 2
    many = ", ".join(f"s{k}" for k in range(120))
    huge = write_scenario(
        f"tradegame: 1\ntitle: t\nplayers:\n  a: {{strategies: [{many}]}}\n"
        f"  b: {{strategies: [{many}]}}\npayoffs: {{a: 1, b: 1}}\noutcomes: {{otherwise: o}}\n",
        "huge.yaml",
    )
    line = _one_line_error(cli("run", huge, "--solution", "correlated", "-n", "10"))
    assert "too large" in line and "14,400 profiles" in line


def test_sequential_scenarios_refuse_the_new_concepts() -> None:
    sc = tg.load_scenario("classroom/entry_deterrence")
    for solution in CONCEPTS:
        with pytest.raises(ValueError, match="simultaneous-move"):
            tg.simulate(sc, 10, seed=1, solution=solution)


# --------------------------------------------------------------------------- reproducibility


@pytest.fixture(scope="module")
def madrid() -> tg.Scenario:
    return tg.load_scenario(MADRID_V1)


@pytest.mark.parametrize(
    ("solution", "disagreement"),
    [
        ("correlated", None),
        ("maxmin", None),
        ("nash_bargaining", "maxmin"),
        ("nash_bargaining", "nash"),
        ("kalai_smorodinsky", "maxmin"),
        ("kalai_smorodinsky", "nash"),
        ("rationalizable", None),
    ],
)
def test_same_json_whatever_the_chunk_size(madrid, solution: str, disagreement: str | None) -> None:
    samples = 2 * BLOCK + 77
    docs = {
        tg.simulate(
            madrid, samples, seed=5, solution=solution, disagreement=disagreement, chunk_size=c
        ).to_json()
        for c in (1, 2 * BLOCK, 3 * BLOCK)
    }
    assert len(docs) == 1


def test_worker_processes_give_identical_json(madrid) -> None:
    samples = 2 * BLOCK + 5
    serial = tg.simulate(madrid, samples, seed=2, solution="correlated", chunk_size=BLOCK)
    parallel = tg.simulate(
        madrid, samples, seed=2, solution="correlated", chunk_size=BLOCK, workers=2
    )
    assert parallel.to_json() == serial.to_json()


def test_a_draw_plays_the_same_in_any_batch(madrid_draws) -> None:
    U = madrid_draws[:300]
    for solution in CONCEPTS:
        whole, _ = concept_distribution(U, solution)
        parts = np.concatenate(
            [concept_distribution(U[s : s + 37], solution)[0] for s in range(0, 300, 37)]
        )
        np.testing.assert_array_equal(whole, parts)

"""The classroom library: every classic game gives its textbook answer.

Each test derives the answer from the scenario's own payoffs (brute force over
profiles, the indifference conditions of a 2 x 2 game, backward induction by
hand, closed forms over the parameters' distributions) and checks that
``tg.solve`` (and for some games ``tg.simulate``) agrees. Nothing is copied
from the solver's output.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from numpy.typing import NDArray
from scipy import integrate, stats

import tradegame as tg
from tradegame.play.solution import CentralSolution
from tradegame.solvers.tree_normal_form import tree_normal_form

CLASSROOM = Path(tg.__file__).parent / "scenarios" / "classroom"
FILES = sorted(CLASSROOM.glob("*.yaml"))
DOCS_TABLE = Path(__file__).parents[2] / "docs" / "classroom-games.md"


def _load(name: str) -> tg.Scenario:
    return tg.load_scenario(f"classroom/{name}")


def _text(name: str) -> dict[str, Any]:
    """The scenario file as plain YAML data, for reading numbers independently of the loader."""
    data: dict[str, Any] = yaml.safe_load((CLASSROOM / f"{name}.yaml").read_text("utf-8"))
    return data


def _pure_nash(U: NDArray[np.float64]) -> set[tuple[int, ...]]:
    """Every pure Nash equilibrium of ``U`` (shape (n, S_0, ..., S_{n-1})), by brute force."""
    n = U.shape[0]
    found = set()
    for profile in itertools.product(*(range(s) for s in U.shape[1:])):
        stable = True
        for i in range(n):
            for dev in range(U.shape[1 + i]):
                other = list(profile)
                other[i] = dev
                if U[(i, *other)] > U[(i, *profile)] + 1e-12:
                    stable = False
        if stable:
            found.add(profile)
    return found


def _pareto_dominates(a: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    """Payoff vector ``a`` is at least ``b`` for everyone and more for someone."""
    return bool(np.all(a >= b) and np.any(a > b))


def _mixed_2x2(U: NDArray[np.float64]) -> tuple[float, float]:
    """The completely mixed equilibrium of a 2 x 2 game from the indifference equations.

    Returns ``(p, q)``: the row player's probability of their first strategy (which
    makes the column player indifferent) and the column player's (which makes the
    row player indifferent).
    """
    A, B = U[0], U[1]
    # Column indifferent: p B00 + (1 - p) B10 = p B01 + (1 - p) B11.
    p = (B[1, 1] - B[1, 0]) / (B[0, 0] - B[1, 0] - B[0, 1] + B[1, 1])
    # Row indifferent: q A00 + (1 - q) A01 = q A10 + (1 - q) A11.
    q = (A[1, 1] - A[0, 1]) / (A[0, 0] - A[0, 1] - A[1, 0] + A[1, 1])
    return float(p), float(q)


def _has_mixed(central: CentralSolution, x: list[float], y: list[float]) -> bool:
    assert central.mixed_equilibria is not None
    return any(
        np.allclose(a, x, atol=1e-9) and np.allclose(b, y, atol=1e-9)
        for a, b in central.mixed_equilibria
    )


def _payoffs(central: CentralSolution) -> NDArray[np.float64]:
    assert central.payoffs is not None
    return central.payoffs


def _labels(central: CentralSolution, profiles: set[tuple[int, ...]]) -> set[tuple[str, ...]]:
    return {tuple(central.strategies[i][s] for i, s in enumerate(p)) for p in profiles}


# --- the library as a whole -------------------------------------------------------------


def test_the_library_has_at_least_17_games() -> None:
    assert len(FILES) >= 17, [f.stem for f in FILES]


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_game_has_a_description_and_a_source(path: Path) -> None:
    sc = _load(path.stem)
    assert sc.spec.description and len(sc.spec.description.split()) >= 40
    assert sc.spec.sources, f"{path.stem}: no source cited"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_game_is_in_the_docs_table(path: Path) -> None:
    rows = [line for line in DOCS_TABLE.read_text("utf-8").splitlines() if line.startswith("|")]
    assert any(f"`{path.stem}`" in row for row in rows), f"{path.stem} missing from {DOCS_TABLE}"


# --- simultaneous games -----------------------------------------------------------------


def test_prisoners_dilemma_mutual_defection_unique_and_pareto_dominated() -> None:
    central = tg.solve(_load("prisoners_dilemma"))
    U = _payoffs(central)
    A = U[0]
    T, R, P, S = A[1, 0], A[0, 0], A[1, 1], A[0, 1]
    assert T > R > P > S  # the textbook ordering
    eq = _pure_nash(U)
    assert _labels(central, eq) == {("defect", "defect")}
    assert set(central.pure_equilibria) == eq
    # Defecting is strictly dominant for both players.
    assert np.all(U[0][1, :] > U[0][0, :]) and np.all(U[1][:, 1] > U[1][:, 0])
    assert _pareto_dominates(U[:, 0, 0], U[:, 1, 1])


def test_battle_of_the_sexes_two_pure_and_the_mixed_equilibrium() -> None:
    sc = _load("battle_of_the_sexes")
    central = tg.solve(sc)
    U = _payoffs(central)
    assert (U[0, 0, 0], U[1, 0, 0], U[0, 1, 1], U[1, 1, 1]) == (2, 1, 1, 2)
    eq = _pure_nash(U)
    assert _labels(central, eq) == {("bach", "bach"), ("stravinsky", "stravinsky")}
    assert set(central.pure_equilibria) == eq
    p, q = _mixed_2x2(U)
    # With (2, 1) / (1, 2) each goes to their favourite with probability 2 / (2 + 1).
    assert Fraction(p).limit_denominator(100) == Fraction(2, 3)
    assert Fraction(1 - q).limit_denominator(100) == Fraction(2, 3)
    assert _has_mixed(central, [p, 1 - p], [q, 1 - q])
    # The run's mixed selection plays every extreme equilibrium equally likely: the two
    # pure ones never miss, the mixed one misses with probability p(1 - q) + (1 - p)q.
    res = tg.simulate(sc, samples=200, seed=1, selection="mixed")
    apart = p * (1 - q) + (1 - p) * q
    assert apart == pytest.approx(5 / 9)
    assert res.outcome_probabilities["apart"] == pytest.approx(apart / 3, abs=1e-9)


def test_matching_pennies_no_pure_equilibrium_mixed_half_half() -> None:
    sc = _load("matching_pennies")
    central = tg.solve(sc)
    U = _payoffs(central)
    assert np.all(U[0] + U[1] == 0)  # zero-sum
    assert _pure_nash(U) == set() and central.pure_equilibria == ()
    p, q = _mixed_2x2(U)
    assert (p, q) == (0.5, 0.5)
    assert central.mixed_equilibria is not None and len(central.mixed_equilibria) == 1
    assert _has_mixed(central, [p, 1 - p], [q, 1 - q])
    res = tg.simulate(sc, samples=200, seed=1)
    assert res.outcome_probabilities["matched"] == pytest.approx(p * q + (1 - p) * (1 - q))


def test_rock_paper_scissors_unique_uniform_mixed_equilibrium() -> None:
    central = tg.solve(_load("rock_paper_scissors"))
    U = _payoffs(central)
    assert np.all(U[0] + U[1] == 0) and np.array_equal(U[0], -U[0].T)  # zero-sum, symmetric
    assert _pure_nash(U) == set()
    assert central.mixed_equilibria is not None and len(central.mixed_equilibria) == 1
    x, y = central.mixed_equilibria[0]
    # Against the uniform mixture every strategy earns the value 0: the defining indifference.
    uniform = np.full(3, 1 / 3)
    assert np.allclose(U[0] @ uniform, 0) and np.allclose(uniform @ U[1], 0)
    assert np.allclose(x, uniform) and np.allclose(y, uniform)


def test_pure_coordination_two_equal_equilibria_and_a_half_half_mix() -> None:
    central = tg.solve(_load("pure_coordination"))
    U = _payoffs(central)
    eq = _pure_nash(U)
    assert _labels(central, eq) == {("left", "left"), ("right", "right")}
    a, b = U[:, 0, 0], U[:, 1, 1]
    assert not _pareto_dominates(a, b) and not _pareto_dominates(b, a)
    # Equal Nash products: risk dominance cannot choose either.
    products = [(U[0, i, i] - U[0, 1 - i, i]) * (U[1, i, i] - U[1, i, 1 - i]) for i in (0, 1)]
    assert products[0] == products[1] > 0
    p, q = _mixed_2x2(U)
    assert (p, q) == (0.5, 0.5) and _has_mixed(central, [p, 1 - p], [q, 1 - q])


def test_stag_hunt_payoff_dominant_stag_risk_dominant_hare() -> None:
    sc = _load("stag_hunt")
    central = tg.solve(sc)
    U = _payoffs(central)
    h = central.parameters["hare_value"]
    spec = _text("stag_hunt")["parameters"]["hare_value"]
    assert h == pytest.approx((spec["low"] + spec["high"]) / 2)  # the median of a uniform
    assert _labels(central, _pure_nash(U)) == {("stag", "stag"), ("hare", "hare")}
    # Payoff dominance: stag is better for both.
    assert _pareto_dominates(U[:, 0, 0], U[:, 1, 1])
    # Risk dominance by Nash products (Harsanyi-Selten): the product of the losses
    # from deviating, larger at (hare, hare).
    stag = (U[0, 0, 0] - U[0, 1, 0]) * (U[1, 0, 0] - U[1, 0, 1])
    hare = (U[0, 1, 1] - U[0, 0, 1]) * (U[1, 1, 1] - U[1, 1, 0])
    assert stag == pytest.approx((U[0, 0, 0] - h) ** 2) and hare == pytest.approx(h**2)
    assert hare > stag
    # Over the draws: hare is risk-dominant exactly when h > 4 / 2 (the stag's value
    # halved), and when h > 4 hare is the only equilibrium.
    stag_value = U[0, 0, 0]
    low, high = spec["low"], spec["high"]
    res = tg.simulate(sc, samples=4000, seed=2, selection="risk_dominant")
    assert res.outcome_probabilities["mutual_caution"] == pytest.approx(
        (high - stag_value / 2) / (high - low), abs=0.02
    )
    res = tg.simulate(sc, samples=4000, seed=2, selection="payoff_dominant")
    assert res.outcome_probabilities["cooperation"] == pytest.approx(
        (stag_value - low) / (high - low), abs=0.02
    )


def test_chicken_mixed_equilibrium_is_the_closed_form_in_the_crash_cost() -> None:
    sc = _load("chicken")
    central = tg.solve(sc)
    U = _payoffs(central)
    k = central.parameters["crash_cost"]
    spec = _text("chicken")["parameters"]["crash_cost"]
    assert k == pytest.approx(spec["median"]) and U[0, 1, 1] == pytest.approx(-k)
    assert _labels(central, _pure_nash(U)) == {("swerve", "straight"), ("straight", "swerve")}
    p, q = _mixed_2x2(U)
    assert p == pytest.approx((k - 1) / k) and q == pytest.approx((k - 1) / k)
    assert _has_mixed(central, [p, 1 - p], [q, 1 - q])
    # A run with the mixed selection: in a draw with k > 1 the three extreme equilibria
    # are equally likely and only the mixed one crashes, with probability 1 / k^2; with
    # k < 1 going straight is dominant and the drivers always crash.
    dist = stats.lognorm(s=spec["sigma"], scale=spec["median"])
    crash = integrate.quad(lambda c: dist.pdf(c) / (3 * c * c), 1, np.inf)[0] + dist.cdf(1)
    res = tg.simulate(sc, samples=20_000, seed=3, selection="mixed")
    assert res.outcome_probabilities["crash"] == pytest.approx(crash, abs=0.003)


def test_mixed_dominance_first_removal_needs_a_mixture() -> None:
    central = tg.solve(_load("mixed_dominance"), dominance=True)
    U = _payoffs(central)
    dom = central.dominance
    assert dom is not None
    first = dom.trace[0]
    assert (first.round, first.player, central.strategies[0][first.action]) == (1, 0, "bottom")
    assert first.by_mixture and first.strict
    weights = np.asarray(first.dominated_by)
    # The mixture strictly beats bottom against every column (all survive in round 1) ...
    assert np.all(weights @ U[0] > U[0][first.action] + 1e-9)
    assert np.isclose(weights.sum(), 1) and weights[first.action] == 0
    # ... and so does the half-half mixture the description names ...
    assert np.all(0.5 * U[0][0] + 0.5 * U[0][1] > U[0][2])
    # ... while no pure strategy does.
    for r in (0, 1):
        assert not np.all(U[0][r] > U[0][2])
    # Then right (by centre), middle (by top), centre (by left): four rounds to (top, left).
    removed = [
        (e.round, central.strategies[e.player][e.action], e.dominated_by) for e in dom.trace[1:]
    ]
    assert removed == [(2, "right", 1), (3, "middle", 0), (4, "centre", 0)]
    assert dom.solved and dom.surviving == ((0,), (0,))
    assert _pure_nash(U) == {(0, 0)} == set(central.pure_equilibria)


def test_tariff_war_mutual_tariffs_dominant_and_pareto_dominated() -> None:
    sc = _load("tariff_war")
    central = tg.solve(sc, dominance=True)
    U = _payoffs(central)
    assert central.strategies == (("free", "optimal"), ("free", "optimal"))
    # The optimal tariff is each country's strict best response to both choices.
    assert np.all(U[0][1, :] > U[0][0, :]) and np.all(U[1][:, 1] > U[1][:, 0])
    assert _labels(central, _pure_nash(U)) == {("optimal", "optimal")}
    assert central.pure_equilibria == ((1, 1),)
    war_loss = _text("tariff_war")["parameters"]["war_loss"]["value"]
    assert war_loss == 2.9  # Ossa (2014): losses from a breakdown of cooperation average 2.9 %
    assert np.allclose(U[:, 1, 1], -war_loss)
    assert _pareto_dominates(U[:, 0, 0], U[:, 1, 1])
    # A prisoner's dilemma in every draw: the run always ends in the war.
    res = tg.simulate(sc, samples=500, seed=1)
    assert res.outcome_probabilities["tariff_war"] == 1.0


def test_cournot_duopoly_best_replies_and_equilibrium() -> None:
    central = tg.solve(_load("cournot_duopoly"), dominance=True)
    U = _payoffs(central)
    params = central.parameters
    margin = params["demand_intercept"] - params["unit_cost"]
    q = np.array([int(s[1:]) for s in central.strategies[0]])
    # Profit q_i (a - c - q_i - q_j) while the price is positive, from the textbook formula.
    for i, j in itertools.product(range(len(q)), repeat=2):
        price = max(params["demand_intercept"] - q[i] - q[j], 0)
        assert U[0, i, j] == pytest.approx(q[i] * (price - params["unit_cost"]))
    # Best reply to q_j: the grid point nearest (a - c - q_j) / 2 (no ties on this grid).
    for j, qj in enumerate(q):
        target = (margin - qj) / 2
        assert q[np.argmax(U[0, :, j])] == q[np.argmin(np.abs(q - target))]
    eq = _pure_nash(U)
    assert eq == {(4, 4)} and q[4] == round(margin / 3)
    assert central.dominance is not None and central.dominance.surviving == ((4,), (4,))
    assert _pareto_dominates(U[:, 3, 3], U[:, 4, 4])  # sharing the monopoly output


def test_public_goods_nobody_contributes_though_all_would_gain() -> None:
    central = tg.solve(_load("public_goods"))
    U = _payoffs(central)
    r = central.parameters["multiplier"]
    assert 1 < r < 3
    # Keeping (index 1) is strictly dominant for each of the three players.
    for i in range(3):
        kept = np.take(U[i], 1, axis=i)
        given = np.take(U[i], 0, axis=i)
        assert np.allclose(kept - given, 1 - r / 3) and np.all(kept > given)
    assert _pure_nash(U) == {(1, 1, 1)} == set(central.pure_equilibria)
    assert np.allclose(U[:, 1, 1, 1], 1) and np.allclose(U[:, 0, 0, 0], r)
    assert _pareto_dominates(U[:, 0, 0, 0], U[:, 1, 1, 1])


# --- sequential games -------------------------------------------------------------------


def _backward_induction(node: Any, outcomes: dict[str, Any], owner: dict[str, str]) -> str:
    """The outcome a perfect-information tree without chance reaches (first option on ties)."""
    if isinstance(node, str):
        return node
    mover = owner[node["move"]]
    best, best_pay = "", -math.inf
    for child in node["then"].values():
        leaf = _backward_induction(child, outcomes, owner)
        pay = float(outcomes[leaf]["payoffs"][mover])
        if pay > best_pay:
            best, best_pay = leaf, pay
    return best


def test_centipede_takes_at_the_first_node() -> None:
    data = _text("centipede")
    owner = {lever: p for p, spec in data["players"].items() for lever in spec["levers"]}
    assert _backward_induction(data["tree"]["root"], data["tree"]["outcomes"], owner) == (
        "taken_at_1"
    )
    central = tg.solve(_load("centipede"))
    (play,) = central.equilibria
    assert play.outcome == "taken_at_1" and play.probability == 1.0
    assert play.payoffs == {"first": 1.0, "second": 0.0}
    # Every mover takes, on and off the path: the subgame-perfect strategy.
    assert {s["action"] for s in central.strategy} == {"take"}
    assert len(central.strategy) == 6
    # Passing to the end would be better for both.
    end = data["tree"]["outcomes"]["all_passed"]["payoffs"]
    assert end["first"] > 1 and end["second"] > 0
    # In every Nash equilibrium of the reduced normal form player 1 takes at once.
    assert central.tree is not None
    nf = tree_normal_form(central.tree)
    U = nf.payoffs[0]
    eq = _pure_nash(U)
    assert eq and all(nf.labels[0][p[0]].startswith("take") for p in eq)


def test_entry_deterrence_spe_and_the_non_credible_threat() -> None:
    central = tg.solve(_load("entry_deterrence"), game_tree=True)
    (play,) = central.equilibria
    assert play.levers == {"entry": "enter", "response": "accommodate"}
    assert central.tree is not None
    nf = tree_normal_form(central.tree)
    U = nf.payoffs[0]
    assert nf.labels == (["stay_out", "enter"], ["fight", "accommodate"])
    eq = _pure_nash(U)
    named = {(nf.labels[0][a], nf.labels[1][b]) for a, b in eq}
    assert named == {("enter", "accommodate"), ("stay_out", "fight")}
    # (stay out, fight) is not subgame-perfect: after entry, fighting pays the
    # incumbent less than accommodating.
    enter, fight, accommodate = 1, 0, 1
    assert U[1, enter, fight] < U[1, enter, accommodate]
    assert U[1, enter, fight] == pytest.approx(-1 + central.parameters["reputation_value"])


def _shares(name: str) -> dict[str, float]:
    levers = _text(name)["players"]["proposer"]["levers"]["offer"]
    return {option: float(fields["share"]) for option, fields in levers.items()}


def test_ultimatum_lowest_acceptable_offer() -> None:
    sc = _load("ultimatum")
    shares = _shares("ultimatum")

    def expected(envy: float) -> str:
        # The responder accepts s when s - envy (10 - 2 s) >= 0; the proposer offers the least.
        ok = [o for o, s in shares.items() if s - envy * (10 - 2 * s) >= 0]
        return min(ok, key=shares.__getitem__)

    central = tg.solve(sc)
    (play,) = central.equilibria
    envy = central.parameters["envy"]
    assert play.levers == {"offer": expected(envy), "response": "accept"}
    assert play.levers["offer"] == "o2"  # at the median envy 0.3
    # A responder who is all but selfish rejects only the zero offer: the lowest
    # positive offer is made and accepted.
    almost_selfish = sc.with_overrides({"parameters.envy.high": 1e-6})
    (play,) = tg.solve(almost_selfish).equilibria
    assert play.levers == {"offer": "o1", "response": "accept"} and expected(5e-7) == "o1"
    assert play.payoffs["proposer"] == 10 - shares["o1"]


def test_card_game_bluffing_and_meeting_probabilities() -> None:
    central = tg.solve(_load("card_game"))
    bet = central.parameters["bet"]
    assert central.mixed_equilibria is not None and len(central.mixed_equilibria) == 1
    x, y = central.mixed_equilibria[0]
    plans1, plans2 = central.strategies
    bluff = sum(w for w, plan in zip(x, plans1, strict=True) if plan.endswith("(bluff)"))
    raise_red = sum(w for w, plan in zip(x, plans1, strict=True) if plan.startswith("Raise/"))
    meet = sum(w for w, plan in zip(y, plans2, strict=True) if plan == "Meet")
    assert raise_red == pytest.approx(1)
    assert bluff == pytest.approx(bet / (2 + bet))  # Myerson (1991) 2.1: 1/3 at bet 1
    assert meet == pytest.approx(2 / (2 + bet))


def test_bayesian_entry_against_a_hidden_cost() -> None:
    sc = _load("entry_hidden_cost")
    data = _text("entry_hidden_cost")
    central = tg.solve(sc)
    p = central.parameters["p_high"]
    pay = {k: v["payoffs"] for k, v in data["tree"]["outcomes"].items()}
    # Hand derivation. The high type: not building beats building against either entrant move.
    assert pay["entered"]["incumbent"] > pay["high_built_entered"]["incumbent"]
    assert pay["alone"]["incumbent"] > pay["high_built_alone"]["incumbent"]
    # The low type builds iff entry is unlikely: 1.5 y + 3.5 (1 - y) > 2 y + 3 (1 - y) iff y < 1/2.
    gain_if_entry = pay["low_built_entered"]["incumbent"] - pay["entered"]["incumbent"]
    gain_if_alone = pay["low_built_alone"]["incumbent"] - pay["alone"]["incumbent"]
    threshold = gain_if_alone / (gain_if_alone - gain_if_entry)
    assert threshold == pytest.approx(0.5)
    # Pure Bayesian equilibria: nobody builds and the entrant enters (entering then earns
    # 1 > 0, and with y = 1 > threshold the low type does not build); and, if entering
    # against "only the low type builds" does not pay, the low type builds and the
    # entrant stays out.
    entering_vs_low_builds = (
        p * pay["entered"]["entrant"] + (1 - p) * (pay["low_built_entered"]["entrant"])
    )
    expected = {("no_plant/no_plant", "enter")}
    if entering_vs_low_builds <= 0:
        expected.add(("no_plant/build", "stay_out"))
    assert p == 0.375 and len(expected) == 2  # the median of uniform(1/8, 5/8)
    assert _labels(central, set(central.pure_equilibria)) == expected
    assert _labels(central, _pure_nash(_payoffs(central))) == expected
    # Over the uncertain prior (uniform on [low, high]): the low type builds alone in half
    # of the equilibria of the draws with p <= 1/2, when the cost is low (1 - p).
    spec = data["parameters"]["p_high"]
    low, high = spec["low"], spec["high"]
    built = integrate.quad(lambda t: (1 - t) / 2, low, 0.5)[0] / (high - low)
    res = tg.simulate(sc, samples=4000, seed=6)
    assert res.outcome_probabilities["low_built_alone"] == pytest.approx(built, abs=0.01)

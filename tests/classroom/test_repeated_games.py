"""Repeated games ('repeated:'): grim trigger's critical discount factor, in solve and run.

The defining property: grim trigger sustains the cooperative profile exactly
when no player gains by a one-shot deviation, R/(1 - d) >= T + d P/(1 - d),
i.e. d >= (T - R)/(T - P) (Fudenberg & Tirole 1991, section 5.1; Osborne 2004,
ch. 14). The Monte Carlo probability that cooperation is sustained must match
P(discount >= d*) from the discount's distribution.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from scipy import stats

import tradegame as tg
from tradegame.play.repeated import grim_trigger_batch
from tradegame.solvers.pure_nash import pure_nash
from tradegame.solvers.repeated import grim_trigger

LOCATED = re.compile(r"^error: \S+\.yaml:\d+:\d+: ")


def pd_scenario(T: float, R: float, P: float, S: float, discount: str, extra: str = "") -> str:
    return f"""
tradegame: 1
title: repeated PD
players:
  row: {{strategies: [cooperate, defect]}}
  col: {{strategies: [cooperate, defect]}}
{extra}
payoffs:
  matrix:
    - [[{R}, {R}], [{S}, {T}]]
    - [[{T}, {S}], [{P}, {P}]]
repeated:
  discount: {discount}
  cooperation: {{row: cooperate, col: cooperate}}
outcomes:
  cooperation: row == 'cooperate' and col == 'cooperate'
  defection: row == 'defect' and col == 'defect'
  otherwise: exploited
analysis: {{samples: 4000, seed: 3}}
"""


@pytest.mark.parametrize(
    ("T", "R", "P", "S"), [(5, 3, 1, 0), (4, 3, 2, 1), (10, 6, 1, -2), (3.5, 3, 0, -1)]
)
def test_critical_discount_is_the_pd_closed_form(T: float, R: float, P: float, S: float) -> None:
    central = tg.solve(tg.parse_scenario(pd_scenario(T, R, P, S, "0.9")))
    rep = central.repeated
    assert rep is not None
    assert rep.grim.critical_delta == pytest.approx((T - R) / (T - P), abs=1e-12)
    # the punishment defaults to the stage game's unique equilibrium, (defect, defect)
    assert central.profile_labels(rep.punishment) == ("defect", "defect")
    assert rep.sustained == (0.9 >= (T - R) / (T - P))


@pytest.mark.parametrize("delta", [0.1, 0.3, 0.49, 0.5, 0.51, 0.7, 0.95])
def test_sustained_exactly_when_no_one_shot_deviation_pays(delta: float) -> None:
    T, R, P, S = 5.0, 3.0, 1.0, 0.0
    central = tg.solve(tg.parse_scenario(pd_scenario(T, R, P, S, str(delta))))
    assert central.repeated is not None
    cooperate_forever = R / (1 - delta)
    deviate_once = T + delta * P / (1 - delta)
    assert central.repeated.sustained == (cooperate_forever >= deviate_once - 1e-12)
    run = tg.simulate(tg.parse_scenario(pd_scenario(T, R, P, S, str(delta))), samples=200)
    probs = {o["label"]: o["probability"] for o in run.to_dict()["outcomes"]}
    # a fixed discount: every draw sustains cooperation, or every draw plays the stage game
    assert probs["cooperation"] == (1.0 if central.repeated.sustained else 0.0)
    assert probs["defection"] == 1.0 - probs["cooperation"]


def test_batch_kernel_matches_grim_trigger_game_by_game() -> None:
    rng = np.random.default_rng(7)
    seen = np.zeros(2, dtype=int)  # draws sustained, draws with the punishment an equilibrium
    for shape in [(2, 2), (3, 2), (2, 2, 2), (3, 3)]:
        n = len(shape)
        U = rng.integers(-3, 4, size=(300, n, *shape)).astype(float)
        target = tuple(int(rng.integers(m)) for m in shape)
        delta = rng.uniform(0.01, 0.99, size=300)
        # punish with the first pure equilibrium of some draw: an equilibrium in some draws only
        pun = None
        for d in range(300):
            eq = np.argwhere(pure_nash(U[d]))
            if len(eq):
                pun = tuple(int(a) for a in eq[0])
                break
        assert pun is not None
        batch = grim_trigger_batch(U, target, pun, delta)
        seen += [int(batch.sustained.sum()), int(batch.punishment_ok.sum())]
        for d in range(300):
            is_eq = bool(pure_nash(U[d])[pun])
            assert batch.punishment_ok[d] == is_eq
            if not is_eq:
                assert not batch.sustained[d]
                continue
            one = grim_trigger(U[d], target, punishment=pun)
            assert batch.critical[d] == pytest.approx(one.critical_delta)
            assert batch.max_delta[d] == pytest.approx(one.max_delta)
            assert batch.sustained[d] == one.sustains(float(delta[d]))
    # both branches exercised: sustained draws, and equilibrium draws that are not sustained
    assert 0 < seen[0] < seen[1]


def test_monte_carlo_matches_the_discount_distribution() -> None:
    sc = tg.load_scenario("classroom/repeated_prisoners_dilemma")
    result = tg.simulate(sc, samples=20_000, seed=1)
    out = {o["label"]: o for o in result.to_dict()["outcomes"]}
    exact = stats.beta(6, 4).sf((5 - 3) / (5 - 1))  # P(delta >= 1/2), delta ~ Beta(6, 4)
    low, high = out["cooperation_sustained"]["ci95"]
    assert low <= exact <= high
    # draws below the critical factor play the stage game: both defect
    assert out["mutual_defection"]["probability"] == pytest.approx(
        1 - out["cooperation_sustained"]["probability"]
    )
    assert out["one_exploited"]["probability"] == 0.0


def test_uniform_discount_probability() -> None:
    # d* = (4 - 3) / (4 - 1) = 1/3 for T, R, P = 4, 3, 1; delta ~ U(0.2, 0.6)
    extra = "parameters:\n  d: {dist: uniform, low: 0.2, high: 0.6}"
    sc = tg.parse_scenario(pd_scenario(4, 3, 1, 0, "d", extra))
    out = {o["label"]: o for o in tg.simulate(sc, samples=8000, seed=11).to_dict()["outcomes"]}
    exact = (0.6 - 1 / 3) / 0.4
    low, high = out["cooperation"]["ci95"]
    assert low <= exact <= high


def test_run_is_reproducible_by_seed(cli) -> None:
    def outcomes(seed: int) -> str:
        res = cli(
            "run",
            "classroom/repeated_prisoners_dilemma",
            "-n",
            "3000",
            "--seed",
            str(seed),
            "--json",
            "-",
        )
        assert res.code == 0
        doc = json.loads(res.stdout)
        return json.dumps([doc["outcomes"], doc["expected_payoffs"]])

    assert outcomes(5) == outcomes(5)
    assert outcomes(5) != outcomes(6)


def test_solve_prints_and_writes_the_critical_discount(cli) -> None:
    res = cli("solve", "classroom/repeated_prisoners_dilemma")
    assert res.code == 0
    assert "Critical discount factor: 0.5" in res.stdout
    assert "cooperation is sustained" in res.stdout
    doc = json.loads(cli("solve", "classroom/repeated_prisoners_dilemma", "--json", "-").stdout)
    assert doc["repeated"]["critical_discount"] == 0.5
    assert doc["repeated"]["sustained"] is True
    assert doc["repeated"]["players"]["row"]["temptation"] == 5.0


BAD = [
    ("cooperation: {row: cooperate, column: cooperate}", "'column' is not a player"),
    ("cooperation: {row: cooperate}", "needs a strategy for every player; missing col"),
    ("cooperation: {row: cooperat, col: cooperate}", "'cooperat' is not a strategy of row"),
    (
        "cooperation: {row: cooperate, col: cooperate}\n  punishment: {row: cooperate, col: "
        "cooperate}",
        "punishment (cooperate, cooperate) is not a pure equilibrium",
    ),
]


@pytest.mark.parametrize(("block", "message"), BAD)
def test_bad_blocks_are_located_one_line_errors(cli, write_scenario, block, message) -> None:
    text = pd_scenario(5, 3, 1, 0, "0.9").replace(
        "cooperation: {row: cooperate, col: cooperate}", block
    )
    res = cli("validate", write_scenario(text))
    assert res.code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert re.match(r"^\S+\.yaml:\d+:\d+: ", lines[0])


@pytest.mark.parametrize(
    ("discount", "message"),
    [("1.5", "must be strictly between 0 and 1"), ("x", "unknown name 'x'")],
)
def test_bad_discount(cli, write_scenario, discount, message) -> None:
    res = cli("validate", write_scenario(pd_scenario(5, 3, 1, 0, discount)))
    assert res.code == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_uncertain_discount_outside_the_interval_in_a_draw(cli, write_scenario) -> None:
    extra = "parameters:\n  d: {dist: uniform, low: 0.5, high: 1.5}"
    res = cli("run", write_scenario(pd_scenario(5, 3, 1, 0, "d", extra)), "-n", "500")
    assert res.code == 2
    line = res.stderr.strip().splitlines()[-1]
    assert LOCATED.match(line) and "strictly between 0 and 1" in line


def test_repeated_needs_a_simultaneous_game(cli, write_scenario) -> None:
    text = """
tradegame: 1
title: entry
players:
  entrant: {strategies: [enter, stay_out]}
  incumbent: {strategies: [fight, accommodate]}
stages:
  - {player: entrant}
  - {player: incumbent}
payoffs:
  entrant: "2 if entrant == 'enter' and incumbent == 'accommodate' else 0"
  incumbent: 1
repeated:
  discount: 0.9
  cooperation: {entrant: enter, incumbent: accommodate}
outcomes:
  entry: entrant == 'enter'
  otherwise: no_entry
"""
    res = cli("validate", write_scenario(text))
    assert res.code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "'repeated:' repeats a simultaneous game" in lines[0]
    assert re.match(r"^\S+\.yaml:13:1: ", lines[0])  # the line of repeated:


def test_default_punishment_needs_a_unique_equilibrium(cli, write_scenario) -> None:
    # a coordination stage game has two pure equilibria: the punishment must be named
    text = pd_scenario(5, 3, 1, 0, "0.9").replace(
        "- [[3, 3], [0, 5]]\n    - [[5, 0], [1, 1]]", "- [[3, 3], [0, 0]]\n    - [[0, 0], [1, 1]]"
    )
    res = cli("validate", write_scenario(text))
    assert res.code == 2
    assert "2 pure equilibria" in res.stderr and "punishment:" in res.stderr


def test_notebook_view_states_the_verdict() -> None:
    central = tg.solve(tg.load_scenario("classroom/repeated_prisoners_dilemma"))
    assert "critical discount factor 0.5" in central._repr_html_()
    assert "sustains cooperation" in central._repr_html_()
    low = tg.solve(tg.parse_scenario(pd_scenario(5, 3, 1, 0, "0.3")))
    assert "does not sustain cooperation" in low._repr_html_()

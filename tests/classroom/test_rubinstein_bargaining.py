"""Rubinstein bargaining ('bargaining:'): the subgame-perfect shares, in solve and run.

Closed form (Rubinstein 1982; Osborne & Rubinstein 1990, ch. 3): the proposer
gets (1 - d_r) / (1 - d_p d_r) of the pie. The defining property checked
independently: the responder is offered exactly what rejecting is worth, its
own share as next period's proposer, discounted once.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import tradegame as tg
from tradegame.play.kinds import play_for
from tradegame.play.options import RunOptions

LOCATED = re.compile(r"^(error: )?\S+\.yaml:\d+:\d+: ")


def scenario(d_a: str, d_b: str, proposer: str = "a", pie: str = "1", extra: str = "") -> str:
    return f"""
tradegame: 1
title: bargaining
players:
  a: {{discount: {d_a}}}
  b: {{discount: {d_b}}}
{extra}
bargaining: {{pie: {pie}, proposer: {proposer}}}
outcomes:
  a_more: share_a > share_b
  a_rich: payoff_a > 5
  otherwise: b_at_least_half
analysis: {{samples: 2000, seed: 2}}
"""


@pytest.mark.parametrize(
    ("d_a", "d_b", "proposer"),
    [(0.9, 0.9, "a"), (0.9, 0.5, "a"), (0.5, 0.9, "a"), (0.3, 0.8, "b"), (0.99, 0.95, "b")],
)
def test_shares_are_the_closed_form(d_a: float, d_b: float, proposer: str) -> None:
    central = tg.solve(tg.parse_scenario(scenario(str(d_a), str(d_b), proposer, pie="10")))
    b = central.bargaining
    assert b is not None and b.proposer == proposer
    d_p, d_r = (d_a, d_b) if proposer == "a" else (d_b, d_a)
    responder = "b" if proposer == "a" else "a"
    x = (1 - d_r) / (1 - d_p * d_r)
    assert b.shares[proposer] == pytest.approx(x, abs=1e-12)
    assert b.shares[responder] == pytest.approx(1 - x, abs=1e-12)
    # payoffs are share x pie
    eq = central.equilibria[0]
    assert eq.payoffs[proposer] == pytest.approx(10 * x)
    # the responder is indifferent: accepting gives what rejecting and proposing gives,
    # discounted once (its proposer share with the roles swapped)
    y = (1 - d_p) / (1 - d_r * d_p)
    assert b.shares[responder] == pytest.approx(d_r * y, abs=1e-12)
    # and the proposer could not ask for more: the rest is exactly its share
    assert b.shares[proposer] + b.shares[responder] == pytest.approx(1.0)


def test_equal_patience_shares_tend_to_one_half() -> None:
    gaps = []
    for d in (0.5, 0.9, 0.99, 0.999):
        b = tg.solve(tg.parse_scenario(scenario(str(d), str(d)))).bargaining
        assert b is not None
        assert b.shares["a"] == pytest.approx(1 / (1 + d))
        gaps.append(b.shares["a"] - 0.5)
    assert all(g > 0 for g in gaps) and gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-3


def test_monte_carlo_over_an_uncertain_discount() -> None:
    # a proposes with d_a = 0.9; a gets more than half iff d_b < 1/1.1; d_b ~ U(0.8, 0.98)
    sc = tg.load_scenario("classroom/rubinstein_bargaining")
    result = tg.simulate(sc, samples=20_000, seed=1).to_dict()
    out = {o["label"]: o for o in result["outcomes"]}
    exact = (1 / 1.1 - 0.8) / (0.98 - 0.8)
    low, high = out["buyer_gets_more"]["ci95"]
    assert low <= exact <= high
    assert out["seller_gets_at_least_half"]["probability"] == pytest.approx(
        1 - out["buyer_gets_more"]["probability"]
    )


def test_payoff_names_in_outcome_rules() -> None:
    # pie 12, equal d = 0.5: a gets 12 * 2/3 = 8 > 5 but the first rule (a_more) wins
    sc = tg.parse_scenario(scenario("0.5", "0.5", pie="12"))
    assert tg.solve(sc).equilibria[0].outcome == "a_more"
    # b proposes: a gets 12 / 3 = 4, not more than b, not above 5
    sc = tg.parse_scenario(scenario("0.5", "0.5", proposer="b", pie="12"))
    assert tg.solve(sc).equilibria[0].outcome == "b_at_least_half"


def test_solve_prints_shares_and_writes_json(cli) -> None:
    res = cli("solve", "classroom/rubinstein_bargaining")
    assert res.code == 0
    assert "proposer" in res.stdout and "0.5528" in res.stdout
    doc = json.loads(cli("solve", "classroom/rubinstein_bargaining", "--json", "-").stdout)
    assert doc["kind"] == "bargaining"
    assert doc["bargaining"]["shares"]["buyer"] == pytest.approx((1 - 0.89) / (1 - 0.9 * 0.89))


def test_run_json_is_reproducible_by_seed(cli) -> None:
    def run(seed: str) -> str:
        res = cli(
            "run", "classroom/rubinstein_bargaining", "-n", "3000", "--seed", seed, "--json", "-"
        )
        assert res.code == 0
        doc = json.loads(res.stdout)
        return json.dumps([doc["outcomes"], doc["expected_payoffs"]])

    assert run("4") == run("4")
    assert run("4") != run("5")


@pytest.mark.parametrize("command", [("tree",), ("export",), ("export", "-f", "efg")])
def test_tree_and_export_refuse_in_one_line(cli, command) -> None:
    res = cli(*command, "classroom/rubinstein_bargaining")
    assert res.code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and LOCATED.match(lines[0])
    assert "alternating-offers game has no end" in lines[0]


BAD = [
    ("proposer: a", "proposer: c", "proposer 'c' is not a player"),
    ("a: {discount: 0.9}", "a: {discount: 1.2}", "discount 1.2 must be strictly between 0 and 1"),
    ("a: {discount: 0.9}", "a: {}", "player 'a' needs 'discount:'"),
    ("a: {discount: 0.9}", "a: {discount: 0.9, strategies: [x, y]}", "has no levers"),
    ("pie: 1", "pie: -1", "pie -1 must be positive"),
    ("share_a > share_b", "share_c > share_b", "unknown name 'share_c'"),
    ("b: {discount: 0.9}", "b: {discount: 0.9}\n  c: {discount: 0.9}", "between 2 players"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_bad_blocks_are_located_one_line_errors(cli, write_scenario, old, new, message) -> None:
    text = scenario("0.9", "0.9")
    assert old in text
    res = cli("validate", write_scenario(text.replace(old, new, 1)))
    assert res.code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert message in lines[0] and LOCATED.match(lines[0])


def test_players_without_levers_only_in_bargaining(cli, write_scenario) -> None:
    text = """
tradegame: 1
title: no levers
players:
  a: {label: A}
  b: {strategies: [x, y]}
payoffs: {a: 1, b: 1}
outcomes:
  otherwise: same
"""
    res = cli("validate", write_scenario(text))
    assert res.code == 2
    assert "player 'a' needs 'strategies:' or 'levers:'" in res.stderr
    assert LOCATED.match(res.stderr.strip().splitlines()[0])


def test_uncertain_discount_outside_the_interval_in_a_draw(cli, write_scenario) -> None:
    extra = "parameters:\n  d: {dist: uniform, low: 0.5, high: 1.5}"
    res = cli("run", write_scenario(scenario("d", "0.9", extra=extra)), "-n", "500")
    assert res.code == 2
    line = res.stderr.strip().splitlines()[-1]
    assert LOCATED.match(line) and "strictly between 0 and 1" in line


def test_notebook_view_states_the_shares() -> None:
    html = tg.solve(tg.parse_scenario(scenario("0.5", "0.5", pie="3")))._repr_html_()
    assert "a proposes: shares a 0.6667, b 0.3333 of a pie of 3" in html


def test_a_batch_of_draws_is_the_closed_form_draw_by_draw() -> None:
    extra = (
        "parameters:\n  da: {dist: uniform, low: 0.05, high: 0.99}\n"
        "  db: {dist: uniform, low: 0.05, high: 0.99}\n  size: {dist: uniform, low: 1, high: 9}"
    )
    sc = tg.parse_scenario(scenario("da", "db", proposer="b", pie="size", extra=extra))
    rng = np.random.default_rng(3)
    draws = {
        k: rng.uniform(lo, hi, 500)
        for k, lo, hi in (("da", 0.05, 0.99), ("db", 0.05, 0.99), ("size", 1, 9))
    }
    batch = play_for(sc, RunOptions.resolve(sc)).play_batch(draws, 500)
    x_b = (1 - draws["da"]) / (1 - draws["da"] * draws["db"])  # b proposes
    np.testing.assert_allclose(batch.payoffs[:, 1, 0], draws["size"] * x_b, rtol=1e-12)
    np.testing.assert_allclose(batch.payoffs[:, :, 0].sum(axis=1), draws["size"], rtol=1e-12)
    assert (batch.weights == 1).all()
    a_more = x_b < 0.5
    labels = np.array(sc.outcome_labels)[batch.outcomes[:, 0]]
    np.testing.assert_array_equal(labels == "a_more", a_more)

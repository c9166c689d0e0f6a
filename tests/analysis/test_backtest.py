"""``backtest`` and ``tradegame backtest``: scoring history rounds against what happened.

The synthetic rounds decide their outcome by a chance move with fixed
probabilities, so the model's probabilities are exact (a sequential game
weights each chance option by its probability in every draw) and every score
can be computed by hand; one round uses ``x > t`` with ``x`` uniform, whose
probability is known in closed form but estimated by the draws.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest

import tradegame as tg
from tradegame.analysis.backtest import (
    CATEGORIES,
    LOG_FLOOR,
    backtest,
    base_rate,
    brier_score,
    log_score,
    reliability,
    uniform_forecast,
)
from tradegame.errors import ScenarioError


def chance_round(
    title: str,
    as_of: str,
    resolved: str,
    probabilities: dict[str, float],
    categories: dict[str, str],
    observed: str,
    extra: str = "",
) -> str:
    """A round whose outcome is the option a chance move picks (P given exactly)."""
    options = ", ".join(f"{k}: {v}" for k, v in probabilities.items())
    labels = list(probabilities)
    rules = "\n".join(f"  {k}: luck == '{k}'" for k in labels[:-1])
    cats = ", ".join(f"{k}: {v}" for k, v in categories.items())
    return f"""\
tradegame: 1
title: {title}
as_of: {as_of}
sources:
  statement: "A joint statement"
players:
  a: {{strategies: [go, stay]}}
  b: {{strategies: [go, stay]}}
chance:
  luck: {{options: {{{options}}}}}
stages:
  - chance: luck
  - player: a
  - player: b
payoffs: {{a: 0, b: 0}}
outcomes:
{rules}
  otherwise: {labels[-1]}
observed:
  outcome: {observed}
  window: "the round itself"
  resolved: {resolved}
  sources: [statement]
categories: {{{cats}}}
{extra}"""


GENEVA = chance_round(
    "Geneva",
    "2025-05-09",
    "2025-05-12",
    {"truce": 0.3, "talks": 0.2, "tariffs_up": 0.5},
    {"truce": "deal", "talks": "extension", "tariffs_up": "escalation"},
    "truce",
)
# Two outcomes of one category: the model's category probability is their sum.
LONDON = chance_round(
    "London",
    "2025-06-08",
    "2025-06-10",
    {"framework": 0.1, "swap": 0.3, "extend": 0.4, "stall": 0.2},
    {
        "framework": "partial_deal",
        "swap": "partial_deal",
        "extend": "extension",
        "stall": "no_change",
    },
    "extend",
)
STOCKHOLM = chance_round(
    "Stockholm",
    "2025-07-27",
    "2025-07-29",
    {"extended": 0.6, "lapse": 0.4},
    {"extended": "extension", "lapse": "escalation"},
    "extended",
)


def rounds(*texts: str) -> list[tg.Scenario]:
    return [tg.parse_scenario(t, f"round{k}.yaml") for k, t in enumerate(texts)]


def hand_brier(p: dict[str, float], observed: str) -> float:
    return sum((p.get(k, 0.0) - (k == observed)) ** 2 for k in CATEGORIES)


def test_scores_match_the_hand_computation_and_rounds_go_in_as_of_order() -> None:
    # Given out of order: the backtest sorts by as_of.
    bt = backtest(rounds(STOCKHOLM, GENEVA, LONDON), samples=2048, seed=3)
    assert [r.title for r in bt.rounds] == ["Geneva", "London", "Stockholm"]
    geneva, london, stockholm = bt.rounds

    # Geneva: model (deal .3, extension .2, escalation .5), truce (deal) happened.
    assert geneva.p_observed == pytest.approx(0.3, abs=1e-12)
    assert geneva.scores["model"].brier == pytest.approx(0.7**2 + 0.2**2 + 0.5**2, abs=1e-12)
    assert geneva.scores["model"].log == pytest.approx(-math.log(0.3), abs=1e-12)
    # Uniform over the three categories Geneva can reach.
    assert geneva.scores["uniform"].brier == pytest.approx((2 / 3) ** 2 + 2 / 9, abs=1e-12)
    assert geneva.scores["uniform"].log == pytest.approx(math.log(3), abs=1e-12)
    # The first round's base rate: uniform over the five categories.
    assert geneva.scores["base_rate"].brier == pytest.approx(0.8**2 + 4 * 0.2**2, abs=1e-12)
    assert geneva.scores["base_rate"].log == pytest.approx(math.log(5), abs=1e-12)

    # London: partial_deal = framework + swap = .4; extend (extension) happened.
    assert london.forecasts["model"]["partial_deal"] == pytest.approx(0.4, abs=1e-12)
    assert london.p_observed == pytest.approx(0.4, abs=1e-12)
    assert london.scores["model"].brier == pytest.approx(0.4**2 + 0.6**2 + 0.2**2, abs=1e-12)
    assert london.scores["uniform"].brier == pytest.approx((2 / 3) ** 2 + 2 / 9, abs=1e-12)
    # After one deal: deal (1+1)/(1+5), the others 1/6.
    assert london.forecasts["base_rate"] == pytest.approx(
        {"deal": 2 / 6, "partial_deal": 1 / 6, "extension": 1 / 6, "no_change": 1 / 6,
         "escalation": 1 / 6}
    )  # fmt: skip
    assert london.scores["base_rate"].brier == pytest.approx(
        (2 / 6) ** 2 + (1 / 6) ** 2 + (5 / 6) ** 2 + 2 * (1 / 6) ** 2
    )
    assert london.scores["base_rate"].log == pytest.approx(math.log(6))

    # Stockholm: after a deal and an extension, extension (1+1)/(2+5) = 2/7.
    assert stockholm.forecasts["base_rate"]["extension"] == pytest.approx(2 / 7)
    assert stockholm.forecasts["base_rate"]["escalation"] == pytest.approx(1 / 7)
    assert stockholm.scores["base_rate"].log == pytest.approx(math.log(7 / 2))
    assert stockholm.scores["model"].brier == pytest.approx(0.4**2 + 0.4**2, abs=1e-12)
    assert stockholm.scores["uniform"].brier == pytest.approx(0.5, abs=1e-12)

    # Totals are sums over rounds, means their average.
    for f in ("model", "uniform", "base_rate"):
        total = sum(r.scores[f].brier for r in bt.rounds)
        assert bt.totals[f].brier == pytest.approx(total)
        assert bt.means[f].log == pytest.approx(sum(r.scores[f].log for r in bt.rounds) / 3)
    assert "not a validation" in bt.caveat and bt.caveat.startswith("3 rounds")


def test_reliability_counts_every_round_and_category_pair() -> None:
    bt = backtest(rounds(GENEVA, LONDON, STOCKHOLM), samples=2048, seed=3)
    # Model probabilities, by hand: Geneva .3 .0 .2 .0 .5 (deal observed), London
    # .0 .4 .4 .2 .0 (extension), Stockholm .0 .0 .6 .0 .4 (extension).
    by_bin = {(b.low, b.high): b for b in bt.reliability}
    assert sum(b.count for b in bt.reliability) == 15
    zero_to_20 = by_bin[(0.0, 0.2)]  # the seven zeros (the 0.2s sit in the next bin up)
    assert zero_to_20.count == 7 and zero_to_20.observed == 0
    low = by_bin[(0.2, 0.4)]  # Geneva .3 (hit) and .2, London .2
    assert low.count == 3 and low.observed == 1
    assert low.mean_predicted == pytest.approx((0.3 + 0.2 + 0.2) / 3)
    mid = by_bin[(0.4, 0.6)]  # Geneva .5, London .4 .4 (the extension hit), Stockholm .4
    assert mid.count == 4 and mid.observed == 1 and mid.observed_frequency == pytest.approx(0.25)
    assert by_bin[(0.6, 0.8)].count == 1 and by_bin[(0.6, 0.8)].observed_frequency == 1.0
    empty = by_bin[(0.8, 1.0)]
    assert empty.count == 0 and empty.mean_predicted is None and empty.observed_frequency is None


def test_a_perfect_forecaster_scores_zero_and_a_certain_wrong_one_the_maximum() -> None:
    right = chance_round(
        "Certain",
        "2025-05-09",
        "2025-05-12",
        {"truce": 1, "war": 0},
        {"truce": "deal", "war": "escalation"},
        "truce",
    )
    wrong = right.replace("outcome: truce", "outcome: war").replace("2025-05", "2025-09")
    bt = backtest(rounds(right, wrong), samples=2048, seed=1)
    assert bt.rounds[0].scores["model"].brier == pytest.approx(0.0, abs=1e-12)
    assert bt.rounds[0].scores["model"].log == pytest.approx(0.0, abs=1e-12)
    assert bt.rounds[1].scores["model"].brier == pytest.approx(2.0, abs=1e-12)
    assert bt.rounds[1].scores["model"].log == pytest.approx(-math.log(LOG_FLOOR))


def test_a_parameter_threshold_round_scores_its_closed_form_within_the_draws_error() -> None:
    # deal iff x > 0.8 with x ~ U(0, 1): P(deal) = 0.2, Brier of an observed deal 2 (1 - p)^2.
    text = """\
tradegame: 1
title: Threshold
as_of: 2025-05-09
sources: {statement: "A joint statement"}
players:
  a: {strategies: [go]}
  b: {strategies: [go]}
parameters:
  x: {dist: uniform, low: 0, high: 1}
payoffs: {a: 0, b: 0}
outcomes:
  deal: x > 0.8
  otherwise: nothing
observed: {outcome: deal, window: the round, resolved: 2025-05-12, sources: [statement]}
categories: {deal: deal, nothing: no_change}
analysis: {samples: 8192, seed: 11}
"""
    bt = backtest(rounds(text))
    r = bt.rounds[0]
    assert (r.samples, r.seed) == (8192, 11)  # the file's, as none were given
    assert r.p_observed_std_error is not None
    assert abs(r.p_observed - 0.2) < 4 * r.p_observed_std_error
    p = r.p_observed
    assert r.scores["model"].brier == pytest.approx(2 * (1 - p) ** 2, abs=1e-12)
    assert r.scores["model"].log == pytest.approx(-math.log(p), abs=1e-12)
    assert abs(r.scores["model"].brier - 2 * 0.8**2) < 4 * 0.8 * 4 * r.p_observed_std_error


def test_mass_on_no_category_counts_against_the_model() -> None:
    # Matching pennies has no pure equilibrium: every draw is reported as such.
    text = """\
tradegame: 1
title: Pennies
as_of: 2025-05-09
sources: {statement: "A joint statement"}
players:
  a: {strategies: [heads, tails]}
  b: {strategies: [heads, tails]}
payoffs:
  matrix:
    - [[1, -1], [-1, 1]]
    - [[-1, 1], [1, -1]]
outcomes:
  same: (a == 'heads' and b == 'heads') or (a == 'tails' and b == 'tails')
  otherwise: differ
observed: {outcome: same, window: the round, resolved: 2025-05-12, sources: [statement]}
categories: {same: deal, differ: escalation}
analysis: {no_equilibrium: report}
"""
    r = backtest(rounds(text), samples=2048, seed=1).rounds[0]
    assert r.unassigned == pytest.approx(1.0)
    assert all(v == 0 for v in r.forecasts["model"].values())
    assert r.scores["model"].brier == pytest.approx(1.0)
    assert r.scores["model"].log == pytest.approx(-math.log(LOG_FLOOR))


def test_the_scoring_functions_by_hand() -> None:
    assert brier_score({"deal": 0.6, "extension": 0.4}, "extension") == pytest.approx(0.72)
    assert log_score({"deal": 0.0}, "deal") == pytest.approx(-math.log(1e-6))
    assert uniform_forecast(["deal", "deal", "no_change"]) == {
        "deal": 0.5,
        "partial_deal": 0.0,
        "extension": 0.0,
        "no_change": 0.5,
        "escalation": 0.0,
    }
    rate = base_rate(["deal", "deal", "escalation", "deal"])
    assert rate["deal"] == pytest.approx(4 / 9) and rate["partial_deal"] == pytest.approx(1 / 9)
    assert sum(rate.values()) == pytest.approx(1.0)
    assert base_rate([]) == dict.fromkeys(CATEGORIES, 0.2)
    # A forecast of the observed category alone beats any other (a proper score).
    for other in ({"deal": 0.5, "extension": 0.5}, uniform_forecast(CATEGORIES)):
        assert brier_score({"deal": 1.0}, "deal") < brier_score(other, "deal")
    bins = reliability([(0.0, False), (0.5, True), (1.0, True), (0.99, False)], bins=2)
    assert [(b.count, b.observed) for b in bins] == [(1, 0), (3, 2)]


def located(text: str, path: Path) -> list[str]:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        backtest([tg.load_scenario(path)], samples=2048, seed=1)
    return [str(i) for i in exc.value.issues]


def line_of(text: str, needle: str) -> int:
    return next(k for k, line in enumerate(text.splitlines(), 1) if needle in line)


def test_bad_history_scenarios_are_refused_located(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    bad = (
        GENEVA.replace("outcome: truce", "outcome: peace")
        .replace("sources: [statement]", "sources: [statement, later]")
        .replace("resolved: 2025-05-12", "resolved: 2025-05-01")
        .replace("tariffs_up: escalation}", "}")
    )
    issues = located(bad, f)

    def at(needle: str, word: str) -> bool:
        """Some issue is on the line of ``needle`` and names ``word``."""
        return any(i.startswith(f"{f}:{line_of(bad, needle)}:") and word in i for i in issues)

    assert at("outcome: peace", "'peace'")
    assert at("resolved:", "2025-05-01")
    assert at("sources: [statement, later]", "'later'")
    assert at("categories:", "tariffs_up")
    (missing,) = located(GENEVA.split("observed:")[0], f)
    assert missing.startswith(f"{f}:1:1: not a history scenario")
    # A category outside the five is the schema's error, located at the value.
    wrong = GENEVA.replace("truce: deal", "truce: ceasefire")
    with pytest.raises(ScenarioError) as exc:
        tg.parse_scenario(wrong, "wrong.yaml")
    assert str(exc.value).startswith(f"wrong.yaml:{line_of(wrong, 'ceasefire')}:")


def test_cli_tables_json_and_csv(cli, tmp_path: Path) -> None:
    d = tmp_path / "history"
    d.mkdir()
    for name, text in (("geneva", GENEVA), ("london", LONDON), ("stockholm", STOCKHOLM)):
        (d / f"{name}.yaml").write_text(text, encoding="utf-8")
    (d / "notes.txt").write_text("not a scenario\n")
    j, c = tmp_path / "bt.json", tmp_path / "bt.csv"
    res = cli("backtest", d, "-n", "2048", "--seed", "3", "--json", j, "--csv", c)
    assert res.code == 0, res.stderr
    assert "Geneva" in res.stdout and "Reliability" in res.stdout
    assert "not a validation" in " ".join(res.stdout.split())
    doc = json.loads(j.read_text())
    api = tg.backtest(
        [tg.load_scenario(d / f"{n}.yaml") for n in ("geneva", "london", "stockholm")],
        samples=2048,
        seed=3,
    )
    assert doc["rounds"] == json.loads(api.to_json())["rounds"]
    assert doc["totals"]["model"]["brier"] == pytest.approx(api.totals["model"].brier)
    assert "not a validation" in doc["caveat"]
    assert [b["count"] for b in doc["reliability"]] == [7, 3, 4, 1, 0]
    text = c.read_text()
    assert text.startswith("# 3 rounds")
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    assert [r["title"] for r in rows] == ["Geneva", "London", "Stockholm"]
    assert float(rows[0]["model_brier"]) == pytest.approx(0.78)
    assert float(rows[1]["p_observed"]) == pytest.approx(0.4)
    assert float(rows[2]["base_rate_log"]) == pytest.approx(math.log(3.5))
    # JSON to standard output alone (no table), and a file argument as well as a directory.
    res = cli("backtest", d / "geneva.yaml", "-n", "2048", "--seed", "3", "--json", "-")
    assert res.code == 0 and json.loads(res.stdout)["rounds"][0]["title"] == "Geneva"


def test_cli_bad_input_is_one_located_line(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    res = cli("backtest", empty)
    assert res.code == 2
    assert res.stderr.strip() == (
        f"error: {empty}: no history scenarios in this directory (scenario files with an "
        "'observed:' block); it has no .yaml files"
    )
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "forecast.yaml").write_text(GENEVA.split("observed:")[0], encoding="utf-8")
    res = cli("backtest", plain)
    assert res.code == 2 and "no history scenarios in this directory" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    res = cli("backtest", plain / "forecast.yaml")
    assert res.code == 2
    assert res.stderr.strip().startswith(f"error: {plain / 'forecast.yaml'}:1:1: not a history")
    assert len(res.stderr.strip().splitlines()) == 1
    res = cli("backtest", tmp_path / "nowhere.yaml")
    assert res.code == 2 and "no such file" in res.stderr
    res = cli("backtest", plain / "forecast.yaml", "--json", "-", "--csv", "-")
    assert res.code == 2 and "only one of them" in res.stderr


def test_a_shipped_directory_is_found_by_name(cli) -> None:
    res = cli("backtest", "classroom")
    assert res.code == 2
    assert res.stderr.strip() == (
        "error: classroom: no history scenarios in this directory (scenario files with an "
        "'observed:' block)"
    )


HISTORY = Path(tg.__file__).parent / "scenarios" / "history"


@pytest.mark.skipif(not HISTORY.is_dir(), reason="no shipped history scenarios on this branch")
def test_the_shipped_history_backtests_and_its_numbers_add_up(cli, tmp_path: Path) -> None:
    j = tmp_path / "bt.json"
    res = cli("backtest", "history", "-n", "2048", "--seed", "1", "--json", j)
    assert res.code == 0, res.stderr
    doc = json.loads(j.read_text())
    rounds = doc["rounds"]
    assert len(rounds) == len(list(HISTORY.glob("*.yaml")))
    assert [r["as_of"] for r in rounds] == sorted(r["as_of"] for r in rounds)
    earlier: list[str] = []
    for r in rounds:
        model = r["forecasts"]["model"]
        assert math.fsum(model.values()) + r["unassigned"] == pytest.approx(1.0)
        assert math.fsum(r["forecasts"]["uniform"].values()) == pytest.approx(1.0)
        assert r["forecasts"]["base_rate"] == pytest.approx(base_rate(earlier))
        for f, p in r["forecasts"].items():
            assert r["scores"][f]["brier"] == pytest.approx(hand_brier(p, r["category"]))
            assert r["scores"][f]["log"] == pytest.approx(
                -math.log(max(p[r["category"]], LOG_FLOOR))
            )
        assert r["resolved"] >= r["as_of"]
        earlier.append(r["category"])
    n = len(rounds)
    for f in ("model", "uniform", "base_rate"):
        assert doc["means"][f]["brier"] == pytest.approx(
            math.fsum(r["scores"][f]["brier"] for r in rounds) / n
        )
    assert sum(b["count"] for b in doc["reliability"]) == 5 * n
    assert f"{n} rounds: an illustration" in doc["caveat"]

"""``tradegame solve``: the description, the run's choices, mixed equilibria, what a run plays.

What ``solve`` says a run plays at the medians is checked against a run
itself: on a scenario whose parameters are all fixed every draw is the
central draw, so the run's outcome probabilities must be exactly the
central play's. Mixed equilibria are checked against the 2x2 indifference
conditions, and the selection rules against their closed forms.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import tradegame as tg
from tradegame.play.central_play import central_play

STAG_HUNT = """\
tradegame: 1
title: Stag hunt, hare fixed
description: >
  Two hunters hunt a stag together or a hare alone.
  The hare's value is fixed, so every draw is the central draw.
players:
  row: {{strategies: [stag, hare]}}
  col: {{strategies: [stag, hare]}}
parameters:
  hare: {hare}
payoffs:
  matrix:
    - [[4, 4], [0, hare]]
    - [[hare, 0], [hare, hare]]
outcomes:
  cooperation: row == 'stag' and col == 'stag'
  caution: row == 'hare' and col == 'hare'
  otherwise: miscoordination
"""

THREE_PLAYERS = """\
tradegame: 1
title: Three-player coordination
players:
  a: {strategies: [x, y]}
  b: {strategies: [x, y]}
  c: {strategies: [x, y]}
payoffs:
  a: "1 if a == 'x' and b == 'x' else 0"
  b: "1 if b == 'x' and c == 'x' else 0"
  c: "1 if c == 'x' and a == 'x' else 0"
outcomes:
  otherwise: played
"""


def _stag(write_scenario, hare: float) -> Path:
    return write_scenario(STAG_HUNT.format(hare=hare), f"stag_{hare}.yaml")


def test_description_printed_on_top_and_in_json(cli, tmp_path: Path) -> None:
    sc = tg.load_scenario("classroom/chicken")
    j = tmp_path / "s.json"
    result = cli("solve", "classroom/chicken", "--json", j)
    assert result.code == 0, result.stderr
    head = result.stdout[: result.stdout.index("central game")]
    assert "Two drivers head for each other" in head  # before the payoff table
    doc = json.loads(j.read_text())
    assert doc["description"] == sc.spec.description
    assert list(doc)[:2] == ["scenario", "description"]


def test_json_schema_is_stable(cli, write_scenario, tmp_path: Path) -> None:
    """The keys of ``solve --json`` for a simultaneous and a sequential game."""
    j = tmp_path / "s.json"
    assert cli("solve", "classroom/stag_hunt", "--json", j).code == 0
    doc = json.loads(j.read_text())
    assert list(doc) == [
        "scenario",
        "description",
        "kind",
        "solution",
        "players",
        "parameters",
        "pure_equilibria",
        "normal_form",
        "mixed_nash_equilibria",
        "played_at_medians",
    ]
    assert list(doc["played_at_medians"]) == [
        "solution",
        "concept",
        "selection",
        "selection_rule",
        "no_equilibrium_rule",
        "equilibria_found",
        "plays",
        "no_equilibrium",
        "outcomes",
        "expected_payoffs",
    ]
    assert list(doc["played_at_medians"]["plays"][0]) == [
        "play",
        "probability",
        "outcome",
        "payoffs",
    ]
    assert cli("solve", "classroom/entry_deterrence", "--json", j).code == 0
    doc = json.loads(j.read_text())
    assert doc["description"] is not None and "played_at_medians" in doc
    assert doc["played_at_medians"]["solution"] == "subgame_perfect"
    # The document of a file without a description says so with null.
    bare = write_scenario(THREE_PLAYERS, "three.yaml")
    assert cli("solve", bare, "--json", j).code == 0
    assert json.loads(j.read_text())["description"] is None


@pytest.mark.parametrize("hare", [1.5, 3.0])
@pytest.mark.parametrize("selection", ["uniform", "payoff_dominant", "risk_dominant"])
def test_selection_closed_form_and_equal_to_a_run(
    cli, write_scenario, tmp_path: Path, hare: float, selection: str
) -> None:
    """Stag hunt (stag 4, hare h < 4 sure): both (stag, stag) and (hare, hare) are equilibria.

    Payoff dominance picks (stag, stag); risk dominance compares the Nash
    products of the deviation losses, (4 - h)^2 for stag against h^2 for hare
    (Harsanyi and Selten 1988), so hare when h > 2; uniform gives each 1/2.
    """
    path = _stag(write_scenario, hare)
    expected = {
        "uniform": {"cooperation": 0.5, "caution": 0.5},
        "payoff_dominant": {"cooperation": 1.0},
        "risk_dominant": {"caution": 1.0} if hare**2 > (4 - hare) ** 2 else {"cooperation": 1.0},
    }[selection]
    j = tmp_path / "s.json"
    result = cli("solve", path, "--selection", selection, "--json", j)
    assert result.code == 0, result.stderr
    played = json.loads(j.read_text())["played_at_medians"]
    assert played["selection"] == selection
    assert played["outcomes"] == pytest.approx(expected)
    # The run plays the same: every draw is the central draw.
    run = tg.simulate(tg.load_scenario(path), 64, 0, selection=selection)
    ran = {o.label: o.probability for o in run.outcomes if o.probability > 0}
    assert ran == pytest.approx(expected)
    # The terminal says what was chosen, and how, in words.
    text = " ".join(cli("solve", path, "--selection", selection).stdout.split())
    assert "What a run plays at the medians" in text
    assert f"selection {selection}:" in text
    if selection == "risk_dominant":
        assert "risk dominance" in text


OPTION_SETS = [
    {},
    {"solution": "mixed_nash"},
    {"solution": "qre", "qre_lambda": 2.0},
    {"selection": "mixed"},
    {"solution": "correlated"},
    {"solution": "maxmin"},
    {"solution": "nash_bargaining", "disagreement": "nash"},
    {"no_equilibrium": "report"},
    {"no_equilibrium": "qre", "qre_lambda": 0.5},
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(map(str, o.values())))
@pytest.mark.parametrize("game", ["stag", "no_pure"])
def test_central_play_is_what_a_run_plays_with_fixed_parameters(
    write_scenario, game: str, options: dict
) -> None:
    """Brute force: for every concept and fallback, a deterministic run equals the central play."""
    if game == "stag":
        path = _stag(write_scenario, 3.0)
    else:
        # Best responses cycle: no pure equilibrium.
        path = write_scenario(_bimatrix([[1, 0], [0, 2]], [[-1, 3], [1, 0]]), "no_pure.yaml")
    sc = tg.load_scenario(path)
    played = central_play(sc, **options)
    run = tg.simulate(sc, 32, 3, **options)
    ran = {o.label: o.probability for o in run.outcomes if o.probability > 1e-12}
    expected = dict(played.outcomes)
    if played.no_equilibrium:
        expected["no_pure_equilibrium"] = 1.0
    assert ran == pytest.approx(expected, abs=1e-9)
    for p, v in played.expected_payoffs.items():
        assert run.expected_payoffs[p] == pytest.approx(v, abs=1e-9)


def _indifference(A: np.ndarray, B: np.ndarray) -> tuple[float, float]:
    """The 2x2 mixed equilibrium: p makes col indifferent, q makes row indifferent."""
    p = (B[1, 1] - B[1, 0]) / (B[0, 0] - B[1, 0] - B[0, 1] + B[1, 1])
    q = (A[1, 1] - A[0, 1]) / (A[0, 0] - A[0, 1] - A[1, 0] + A[1, 1])
    return float(p), float(q)


GAMES = [  # (A, B) with no pure equilibrium: best responses cycle
    ([[1, -1], [-1, 1]], [[-1, 1], [1, -1]]),  # matching pennies
    ([[2, -1], [0, 3]], [[0, 1], [2, -1]]),
    ([[5, 0], [1, 4]], [[-3, 2], [1, -2]]),
]


@pytest.mark.parametrize(("A", "B"), GAMES)
def test_mixed_equilibrium_shown_without_a_pure_one(
    cli, write_scenario, tmp_path: Path, A: list, B: list
) -> None:
    a, b = np.array(A, float), np.array(B, float)
    path = write_scenario(_bimatrix(A, B), "g.yaml")
    p, q = _indifference(a, b)
    j = tmp_path / "s.json"
    result = cli("solve", path, "--json", j)
    assert result.code == 0, result.stderr
    mixed = json.loads(j.read_text())["mixed_nash_equilibria"]
    assert len(mixed) == 1  # a 2x2 game with cycling best responses: one equilibrium
    x, y = mixed[0]["strategies"]["row"], mixed[0]["strategies"]["col"]
    assert x["work"] == pytest.approx(p) and x["shirk"] == pytest.approx(1 - p)
    assert y["inspect"] == pytest.approx(q) and y["trust"] == pytest.approx(1 - q)
    xv, yv = np.array([p, 1 - p]), np.array([q, 1 - q])
    assert mixed[0]["payoffs"]["row"] == pytest.approx(xv @ a @ yv)
    assert mixed[0]["payoffs"]["col"] == pytest.approx(xv @ b @ yv)
    out = " ".join(result.stdout.split())
    assert "Mixed Nash equilibria" in out
    assert f"work {p:.4g}" in out and f"inspect {q:.4g}" in out
    assert f"{xv @ a @ yv:.4g}" in out
    # And the run's play at the medians is that mixed equilibrium, said as a fallback.
    assert "none here, and draws with no pure equilibrium play their mixed" in out
    plays = json.loads(j.read_text())["played_at_medians"]["plays"]
    got = {p["play"]: p["probability"] for p in plays}
    for (i, r), (k, c) in itertools.product(
        enumerate(("work", "shirk")), enumerate(("inspect", "trust"))
    ):
        assert got[f"row: {r}, col: {c}"] == pytest.approx(xv[i] * yv[k])


def _bimatrix(A: list, B: list) -> str:
    rows = [
        "    - [" + ", ".join(f"[{A[r][c]}, {B[r][c]}]" for c in range(2)) + "]" for r in range(2)
    ]
    return (
        "tradegame: 1\ntitle: A 2x2 game\nplayers:\n"
        "  row: {strategies: [work, shirk]}\n  col: {strategies: [inspect, trust]}\n"
        "payoffs:\n  matrix:\n" + "\n".join(rows) + "\noutcomes:\n  otherwise: played\n"
    )


def test_chicken_mixed_on_request(cli) -> None:
    """Chicken with crash cost c (median 4): each goes straight with probability 1/c."""
    plain = cli("solve", "classroom/chicken")
    assert plain.code == 0 and "Mixed Nash equilibria" not in plain.stdout
    asked = cli("solve", "classroom/chicken", "--mixed")
    out = " ".join(asked.stdout.split())
    assert "Mixed Nash equilibria" in out
    assert "swerve 0.75" in out and "straight 0.25" in out  # 1/c = 1/4
    assert out.count("pure ") >= 2  # the two pure equilibria are listed and marked


def test_mixed_not_shown_for_three_players_says_why(cli, write_scenario) -> None:
    path = write_scenario(THREE_PLAYERS, "three.yaml")
    result = cli("solve", path, "--mixed")
    assert result.code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "two-player games only" in out and "3 players" in out


def test_perfect_information_mixed_says_none_needed(cli) -> None:
    result = cli("solve", "classroom/entry_deterrence", "--mixed")
    assert result.code == 0, result.stderr
    assert "backward induction" in " ".join(result.stdout.split())
    # Its path is shown once (with the tie rule), not again as the run's play.
    assert "What a run plays" not in result.stdout


def test_imperfect_information_shows_what_a_run_plays(cli) -> None:
    """Myerson's card game: no pure equilibrium, so a run plays the mixed one's paths."""
    result = cli("solve", "classroom/card_game")
    assert result.code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "What a run plays at the medians" in out and "expected" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--solution", "qre", "--qre-lambda", "2"], "logit quantal response equilibrium"),
        (["--solution", "mixed_nash"], "mixed Nash equilibria"),
        (["--no-equilibrium", "report"], "reported as 'no_pure_equilibrium'"),
        (["--solution", "nash_bargaining", "--disagreement", "maxmin"], "nash bargaining"),
    ],
)
def test_solve_options_are_applied_and_said(cli, args: list, words: str) -> None:
    result = cli("solve", "classroom/chicken", *args)
    assert result.code == 0, result.stderr
    assert words in " ".join(result.stdout.split())


def test_qre_play_matches_the_solver(cli, tmp_path: Path) -> None:
    """--solution qre: the play's probabilities are the product of the logit QRE's mixes."""
    from tradegame.solvers.logit_qre import logit_qre

    j = tmp_path / "s.json"
    assert cli("solve", "classroom/chicken", "--solution", "qre", "--json", j).code == 0
    doc = json.loads(j.read_text())
    U = np.array([doc["normal_form"]["payoffs"][p] for p in ("row", "col")])
    lam = tg.load_scenario("classroom/chicken").analysis.qre_lambda
    x, y = logit_qre(U, lam)
    plays = {p["play"]: p["probability"] for p in doc["played_at_medians"]["plays"]}
    labels = ("swerve", "straight")
    for (i, r), (k, c) in itertools.product(enumerate(labels), enumerate(labels)):
        assert plays[f"row: {r}, col: {c}"] == pytest.approx(x[i] * y[k], abs=1e-9)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--selection", "risk_dominant"], "two-player games"),
        (["--solution", "subgame_perfect"], "sequential scenarios"),
        (["--qre-lambda", "nan"], "is not a number"),
    ],
)
def test_bad_choices_exit_2_in_one_line(cli, write_scenario, args: list, fragment: str) -> None:
    path = write_scenario(THREE_PLAYERS, "three.yaml")
    result = cli("solve", path, *args)
    assert result.code == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_many_plays_are_cut_to_the_most_likely(cli, write_scenario, tmp_path: Path) -> None:
    """A QRE of a 6x6 game plays all 36 profiles: the table lists 20, --json all of them."""
    strategies = ", ".join(f"s{k}" for k in range(6))
    path = write_scenario(
        "tradegame: 1\ntitle: Six by six\nplayers:\n"
        f"  row: {{strategies: [{strategies}]}}\n  col: {{strategies: [{strategies}]}}\n"
        "payoffs:\n  row: \"1 if row == 's0' else 0\"\n  col: \"1 if col == 's1' else 0\"\n"
        "outcomes:\n  otherwise: played\n",
        "six.yaml",
    )
    j = tmp_path / "s.json"
    result = cli("solve", path, "--solution", "qre", "--qre-lambda", "1", "--json", j)
    assert result.code == 0, result.stderr
    plays = json.loads(j.read_text())["played_at_medians"]["plays"]
    assert len(plays) == 36 and sum(p["probability"] for p in plays) == pytest.approx(1)
    text = cli("solve", path, "--solution", "qre", "--qre-lambda", "1").stdout
    assert "16 more plays" in text

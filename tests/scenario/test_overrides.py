"""Overrides of a scenario: ``--set``, ``--fix``, variants; in Python and on the command line.

The defining property of an override is that it equals editing the file by hand:
each test compares an overridden scenario (or run) with one made from edited
text, and checks that the file itself never changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tradegame as tg
from tradegame.errors import Location, ScenarioError
from tradegame.montecarlo.checkpoint import CheckpointError
from tradegame.scenario.library import shipped_scenarios
from tradegame.scenario.sampling import BLOCK
from tradegame.scenario.yaml_source import parse_yaml

SHIPPED = Path(tg.__file__).parent / "scenarios"
#: The Madrid scenario as it was before issue 12 (a simultaneous game whose levers,
#: terms and variants exercise every kind of override), kept as test data; the tests
#: run in its folder so that messages name it as the file "madrid_2025.yaml".
DATA = Path(__file__).parents[1] / "data" / "madrid_v1"
MADRID_TEXT = (DATA / "madrid_2025.yaml").read_text(encoding="utf-8")
#: China's resolve in that file, for edits by hand.
CHINA_RESOLVE = (
    "median: {median}\n    sigma: {sigma}\n    unit: $ bn-equivalent\n"
    '    source: "assumption: political value to Beijing'
)


@pytest.fixture(autouse=True)
def _in_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)


@pytest.fixture(scope="module")
def madrid() -> Any:
    return tg.load_scenario(DATA / "madrid_2025.yaml")


def _without_provenance(document: str) -> dict[str, Any]:
    """A run's JSON without what says which file and overrides made it."""
    doc = json.loads(document)
    doc["scenario"].pop("sha256")
    doc["scenario"].pop("overrides", None)
    doc["scenario"].pop("file")
    return doc


def _line_column(text: str, needle: str, after: str = "") -> str:
    """``line:column`` (1-based) of ``needle`` in ``text``, at its first place after ``after``."""
    start = text.index(after) if after else 0
    offset = text.index(needle, start)
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


# --- bad overrides: one located line each ----------------------------------------------

BAD = [
    (
        ["--set", "parameters.china_resolv.median=24"],
        "--set parameters.china_resolv.median: no such path: parameters has no key "
        "'china_resolv'; did you mean 'china_resolve'?",
    ),
    (
        ["--set", "parameters.china_resolve=24"],
        "--set parameters.china_resolve: parameters.china_resolve is a mapping, not a scalar; "
        "set one of its keys (dist, median, sigma, unit, source)",
    ),
    (
        ["--set", "parameters.china_resolve.median=abc"],
        "--set parameters.china_resolve.median: median: Input should be a valid number, "
        "unable to parse string as a number",
    ),
    (
        ["--set", "parameters.china_resolve.median=-1"],
        "--set parameters.china_resolve.median: median: Input should be greater than 0",
    ),
    (
        ["--set", "analysis.selection=best"],
        "--set analysis.selection: selection: Input should be 'uniform', 'payoff_dominant', "
        "'risk_dominant', 'mixed' or 'qre'",
    ),
    (
        ["--set", "parameters.china_resolve.median=[1,2]"],
        "--set parameters.china_resolve.median: VALUE '[1,2]' is a list; --set takes one "
        "scalar (a number, a name, true or false)",
    ),
    (["--set", "analysis.seed"], "--set analysis.seed: expected PATH=VALUE, e.g. analysis.seed=7"),
    (
        ["--set", "players.us.levers.tiktok.5=x"],
        "--set players.us.levers.tiktok.5: players.us.levers.tiktok is a list of 2; '5' is "
        "not an index from 0 to 1",
    ),
    (
        ["--set", "title.x=1"],
        "--set title.x: no such path: title is a value, not a mapping or a list",
    ),
    (
        ["--set", "parameters.china_resolve.medain=24"],
        "--set parameters.china_resolve.medain: unknown key 'medain'; did you mean 'median'?",
    ),
    (
        ["--set", "players.us.levers.tariffs.cut.rate=high"],
        "--set players.us.levers.tariffs.cut.rate: 'rate' of option 'cut' must be a number",
    ),
    (
        ["--set", "analysis.solution=subgame_perfect"],
        "--set analysis.solution: 'subgame_perfect' needs 'stages:' or a 'tree:' (the order "
        "of moves); simultaneous games use 'pure_nash'",
    ),
    (
        ["--fix", "chips=ease"],
        "--fix chips=ease: no lever 'chips' (levers: tariffs, chip_controls, tiktok, "
        "tiktok_sale, rare_earths, soybeans)",
    ),
    (
        ["--fix", "chip_controls=relax"],
        "--fix chip_controls=relax: 'relax' is not an option of lever 'chip_controls' "
        "(options: tighten, license, ease)",
    ),
    (
        ["--fix", "chip_controls="],
        "--fix chip_controls=: expected LEVER=OPTION[,OPTION], e.g. chip_controls=license",
    ),
    (
        ["--fix", "chip_controls=ease", "--fix", "chip_controls=license"],
        "--fix chip_controls=license: option 'license' of lever 'chip_controls' was removed "
        "by an earlier fix (of the variant, or another --fix)",
    ),
    (
        ["--variant", "hawkish_bejing"],
        "--variant hawkish_bejing: madrid_2025.yaml has no variant 'hawkish_bejing'; did you "
        "mean 'hawkish_beijing'? (variants: us_eases_chips, hawkish_beijing)",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_a_bad_override_is_one_line_at_the_override(cli, args: list[str], message: str) -> None:
    result = cli("run", "madrid_2025.yaml", "-n", "10", "-q", *args)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == f"error: {message}\n"


def test_an_override_that_breaks_another_part_names_both(cli) -> None:
    # A condition term made a number: the outcome rule that reads it fails, in the file.
    result = cli("run", "madrid_2025.yaml", "-n", "10", "-q", "--set", "terms.tiktok_deal=1")
    where = _line_column(MADRID_TEXT, "tiktok_deal", after="framework_deal:")
    assert result.code == 2
    assert result.stderr == (
        f"error: madrid_2025.yaml:{where}: outcome 'framework_deal' needs a condition (true "
        "or false), e.g. tariffs == 'raise'; got a number (with --set terms.tiktok_deal=1)\n"
    )


@pytest.mark.parametrize(
    ("command", "scenario"),
    [
        (["run", "-n", "10", "-q"], "madrid_2025.yaml"),
        (["solve"], "madrid_2025.yaml"),
        (["export"], "madrid_2025.yaml"),
        (["tree", "-o", "x.png"], "tiktok_deadline"),
        (["validate"], "madrid_2025.yaml"),
    ],
)
def test_every_command_takes_the_overrides(cli, command: list[str], scenario: str) -> None:
    for args, message in [
        (["--set", "analysis.seed=-1"], "--set analysis.seed: seed: Input should be greater"),
        (["--fix", "nothing=x"], "--fix nothing=x: no lever 'nothing'"),
        (["--variant", "nothing"], "--variant nothing: "),
    ]:
        result = cli(command[0], scenario, *command[1:], *args)
        assert result.code == 2, (command, args, result)
        assert message in result.stderr and result.stderr.count("\n") == 1


# --- --set: every kind of scalar equals the edited file ---------------------------------

SET_CASES = [
    # (scenario, path, value as given, the edit of the text that means the same)
    (
        "madrid_2025",
        "parameters.china_resolve.median",
        "24",
        (
            "china_resolve:\n    dist: lognormal\n    median: 12",
            "china_resolve:\n    dist: lognormal\n    median: 24",
        ),
    ),
    (
        "madrid_2025",
        "parameters.china_resolve.sigma",
        "0.25",
        (
            CHINA_RESOLVE.format(median=12, sigma=0.6),
            CHINA_RESOLVE.format(median=12, sigma=0.25),
        ),
    ),
    (
        "madrid_2025",
        "analysis.selection",
        "payoff_dominant",
        ("selection: uniform", "selection: payoff_dominant"),
    ),
    (
        "madrid_2025",
        "terms.us_escalates",
        "tariffs == 'raise'",
        (
            "us_escalates: tariffs == 'raise' or chip_controls == 'tighten'",
            "us_escalates: tariffs == 'raise'",
        ),
    ),
    ("madrid_2025", "analysis.seed", "null", ("  seed: 2025\n", "  seed: null\n")),
    ("madrid_2025", "as_of", "2025-10-01", ("as_of: 2025-09-10", "as_of: 2025-10-01")),
    (
        "madrid_2025",
        "title",
        "Madrid, again",
        (
            "title: Madrid talks, September 2025 (TikTok, tariffs, export controls)",
            "title: 'Madrid, again'",
        ),
    ),
    (
        "classroom/prisoners_dilemma",
        "payoffs.matrix.0.0.0",
        "4",
        ("- [[3, 3], [0, 5]]", "- [[4, 3], [0, 5]]"),
    ),
]


@pytest.mark.parametrize(
    ("name", "path", "value", "edit"), SET_CASES, ids=[c[1] for c in SET_CASES]
)
def test_set_equals_editing_the_file(
    cli, name: str, path: str, value: str, edit: tuple[str, str]
) -> None:
    from tradegame.scenario.overrides import parse_set_option

    folder = DATA if name == "madrid_2025" else SHIPPED
    text = (folder / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.count(edit[0]) == 1
    edited = tg.parse_scenario(text.replace(edit[0], edit[1]), "edited.yaml")
    parsed_path, parsed_value = parse_set_option(f"{path}={value}")
    overridden = tg.load_scenario(folder / f"{name}.yaml").with_overrides(
        {parsed_path: parsed_value}
    )
    assert overridden.spec == edited.spec
    assert overridden.overrides.to_dict() == {"set": {path: parsed_value}}


def test_a_run_with_set_equals_the_run_of_the_edited_file(madrid) -> None:
    edited = tg.parse_scenario(
        MADRID_TEXT.replace(
            CHINA_RESOLVE.format(median=12, sigma=0.6),
            CHINA_RESOLVE.format(median=24, sigma=0.6),
        ),
        "madrid_2025.yaml",
    )
    over = madrid.with_overrides({"parameters.china_resolve.median": 24})
    a = tg.simulate(over, 3000, seed=5)
    b = tg.simulate(edited, 3000, seed=5)
    assert _without_provenance(a.to_json()) == _without_provenance(b.to_json())
    assert json.loads(a.to_json())["scenario"]["overrides"] == {
        "set": {"parameters.china_resolve.median": 24}
    }
    assert "overrides" not in json.loads(b.to_json())["scenario"]


def test_with_overrides_returns_a_new_scenario(madrid) -> None:
    over = madrid.with_overrides(
        {"parameters.china_resolve.median": 24}, fix={"chip_controls": ["license"]}
    )
    assert not madrid.overrides and over.overrides
    assert madrid.spec.parameters["china_resolve"].median == 12  # type: ignore[union-attr]
    assert over.spec.parameters["china_resolve"].median == 24  # type: ignore[union-attr]
    assert [lv.options for lv in madrid.levers][1] == ("tighten", "license", "ease")
    assert [lv.options for lv in over.levers][1] == ("license",)
    assert over.base.spec == madrid.spec
    # Chained overrides accumulate, in order.
    again = over.with_overrides({"parameters.china_resolve.median": 30})
    assert again.spec.parameters["china_resolve"].median == 30  # type: ignore[union-attr]
    assert again.overrides.to_dict() == {
        "set": {"parameters.china_resolve.median": 30},
        "fix": {"chip_controls": ["license"]},
    }


# --- --fix ------------------------------------------------------------------------------


def test_fix_with_a_removed_option_in_expressions_equals_the_edited_game(madrid) -> None:
    # madrid compares chip_controls with 'tighten' in a term and an outcome rule.
    assert (
        "chip_controls == 'tighten'" in MADRID_TEXT and "chip_controls != 'tighten'" in MADRID_TEXT
    )
    edited_text = (
        MADRID_TEXT.replace(
            "        tighten: {access: 0.0}  # revoke H20 licences, as in April [h20]\n", ""
        )
        .replace(
            "        license: {access: 0.5}  # H20 licensed against a 15 % revenue share [h20]\n",
            "",
        )
        .replace("chip_controls == 'tighten'", "False")
        .replace("chip_controls != 'tighten'", "True")
    )
    edited = tg.parse_scenario(edited_text, "madrid_2025.yaml")
    fixed = madrid.with_overrides(fix={"chip_controls": "ease"})
    a = _without_provenance(tg.simulate(fixed, 4096, seed=3).to_json())
    b = _without_provenance(tg.simulate(edited, 4096, seed=3).to_json())
    chips = a["lever_options"]["us"].pop("chip_controls")
    b["lever_options"]["us"].pop("chip_controls")
    assert a == b
    # The removed options are listed, never played.
    assert list(chips) == ["tighten", "license", "ease"]
    assert chips["tighten"] == chips["license"] == 0.0 and chips["ease"] > 0.99


def test_fix_in_a_matrix_game_keeps_the_rows_and_columns_of_the_kept_strategies() -> None:
    pd = tg.load_scenario("classroom/prisoners_dilemma")
    fixed = pd.with_overrides(fix={"col": "cooperate"})
    central = tg.solve(fixed)
    # Only the column 'cooperate' is left: row's best response is to defect (5 > 3).
    assert fixed.players[1].levers[0].options == ("cooperate",)
    result = tg.simulate(fixed, 2048, seed=1)
    assert result.outcome_probabilities["one_exploited"] == 1.0
    assert [central.profile_labels(e) for e in central.pure_equilibria] == [("defect", "cooperate")]


def test_fix_in_a_tree_cuts_the_branches_of_the_removed_options() -> None:
    card = tg.load_scenario("classroom/card_game")
    text = (SHIPPED / "classroom" / "card_game.yaml").read_text(encoding="utf-8")
    edits = [
        (
            "with_black: {raise: {label: Raise (bluff)}, fold: {label: Fold}}",
            "with_black: {fold: {label: Fold}}",
        ),
        (
            "          raise: {move: answer, then: {meet: black_called, pass: passed}}\n"
            "          fold: black_folded",
            "          fold: black_folded",
        ),
        (
            '    black_called: {label: "Player 2 meets a black card", '
            "payoffs: {first: -1 - bet, second: 1 + bet}}\n",
            "",
        ),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    edited = tg.parse_scenario(text, "card_game.yaml")
    fixed = card.with_overrides(fix={"with_black": ["fold"]})
    a = _without_provenance(tg.simulate(fixed, 2048, seed=2).to_json())
    b = _without_provenance(tg.simulate(edited, 2048, seed=2).to_json())
    black = a["lever_options"]["first"].pop("with_black")
    b["lever_options"]["first"].pop("with_black")
    assert a == b
    assert black["raise"] == 0.0


CHANCE_STAGES = """
tradegame: 1
title: A chance move of three options
players:
  a: {levers: {go: [left, right]}}
  b: {levers: {answer: [agree, refuse]}}
parameters:
  p: {dist: uniform, low: 0.1, high: 0.3}
  q: {dist: uniform, low: 0.2, high: 0.4}
chance:
  weather:
    options: {sun: p, rain: q, snow: 1 - p - q}
  luck:
    options: {good: 0.2, bad: 0.3, ugly: 0.5}
stages:
  - player: a
  - chance: weather
  - chance: luck
  - player: b
payoffs:
  a: (go == 'left') * (weather == 'sun') + (luck == 'ugly')
  b: (answer == 'agree') * (weather != 'snow')
outcomes:
  sunny_left: go == 'left' and weather == 'sun'
  otherwise: other
"""


def test_fix_of_a_chance_lever_renormalises_the_kept_probabilities() -> None:
    sc = tg.parse_scenario(CHANCE_STAGES, "chance.yaml")
    fixed = sc.with_overrides(fix={"weather": ["sun", "rain"], "luck": ["good", "bad"]})
    p = np.array([0.1, 0.2, 0.3])[:, None]
    q = np.array([0.4, 0.2, 0.25])[:, None]
    sun, rain, snow = (e.evaluate({"p": p, "q": q}) for e in fixed.chance_probabilities[0])
    np.testing.assert_allclose(sun, p / (p + q), rtol=1e-15)
    np.testing.assert_allclose(rain, q / (p + q), rtol=1e-15)
    assert np.all(np.asarray(snow) == 0)
    luck = [float(e.evaluate({})) for e in fixed.chance_probabilities[1]]
    assert luck == [0.2 / 0.5, 0.3 / 0.5, 0.0]
    result = json.loads(tg.simulate(fixed, 2048, seed=4).to_json())
    assert result["lever_options"]["chance"]["weather"]["snow"] == 0.0
    assert result["lever_options"]["chance"]["luck"]["ugly"] == 0.0
    with pytest.raises(ScenarioError, match="no option"):
        sc.with_overrides(fix={"weather": []})


# --- variants ---------------------------------------------------------------------------


def test_a_variant_equals_its_overrides_given_by_hand(madrid, cli, tmp_path: Path) -> None:
    by_name = tg.simulate(madrid.variant("hawkish_beijing"), 3000, seed=9)
    by_hand = tg.simulate(
        madrid.with_overrides({"parameters.china_resolve.median": 24}), 3000, seed=9
    )
    assert _without_provenance(by_name.to_json()) == _without_provenance(by_hand.to_json())
    assert json.loads(by_name.to_json())["scenario"]["overrides"] == {"variant": "hawkish_beijing"}
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run = ("run", "madrid_2025.yaml", "-n", "3000", "-q")
    assert cli(*run, "--variant", "us_eases_chips", "--json", a).code == 0
    assert cli(*run, "--fix", "chip_controls=ease", "--json", b).code == 0
    assert _without_provenance(a.read_text()) == _without_provenance(b.read_text())


def test_the_default_run_of_madrid_is_unchanged_by_its_variants() -> None:
    """The shipped file's run equals the run of the same file without its variants."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "golden"))
    from make_golden import golden_document

    text = (SHIPPED / "madrid_2025.yaml").read_text(encoding="utf-8")
    start, end = text.index("\nvariants:"), text.index("\nanalysis:")
    without = text[:start] + text[end:]
    assert "variants:" in text and "variants:" not in without
    now = json.loads(golden_document(text, "shipped/madrid_2025"))
    before = json.loads(golden_document(without, "shipped/madrid_2025"))
    assert now["scenario"].pop("sha256") != before["scenario"].pop("sha256")
    assert now == before


def test_validate_checks_every_variant(cli, tmp_path: Path) -> None:
    bad = MADRID_TEXT.replace(
        "      parameters.china_resolve.median: 24", "      parameters.china_resolve.median: -24"
    )
    path = tmp_path / "madrid.yaml"
    path.write_text(bad, encoding="utf-8")
    result = cli("validate", path)
    where = _line_column(bad, "-24")
    assert result.code == 2
    assert result.stderr == (
        f"{path}:{where}: variant 'hawkish_beijing': median: Input should be greater than 0\n"
    )


# --- runs: workers, checkpoints, files ---------------------------------------------------


def test_workers_rebuild_the_overridden_scenario(cli, tmp_path: Path) -> None:
    args = [
        "run",
        "madrid_2025.yaml",
        "-n",
        str(3 * 2048),
        "--chunk-size",
        "2048",
        "-q",
        "--seed",
        "4",
        "--variant",
        "hawkish_beijing",
        "--fix",
        "tariffs=hold,raise",
    ]
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert cli(*args, "--json", one).code == 0
    assert cli(*args, "--workers", "2", "--json", two).code == 0
    assert one.read_bytes() == two.read_bytes()
    assert json.loads(one.read_text())["lever_options"]["us"]["tariffs"]["cut"] == 0.0


def test_a_checkpoint_of_another_variant_is_refused(madrid, tmp_path: Path) -> None:
    ck = tmp_path / "run.ckpt"
    hawkish = madrid.variant("hawkish_beijing")
    first = tg.simulate(hawkish, BLOCK, seed=1, checkpoint=ck)
    for other in (madrid, madrid.variant("us_eases_chips")):
        with pytest.raises(CheckpointError, match="another run"):
            tg.simulate(other, BLOCK, seed=1, checkpoint=ck)
    assert tg.simulate(hawkish, BLOCK, seed=1, checkpoint=ck).to_json() == first.to_json()


def test_scenario_files_are_never_rewritten(cli, tmp_path: Path) -> None:
    path = tmp_path / "madrid.yaml"
    shutil.copy(DATA / "madrid_2025.yaml", path)
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    assert (
        cli(
            "run",
            path,
            "-n",
            "2048",
            "-q",
            "--variant",
            "us_eases_chips",
            "--set",
            "parameters.china_resolve.median=30",
            "--fix",
            "tiktok=extend",
        ).code
        == 0
    )
    assert cli("solve", path, "--variant", "hawkish_beijing").code == 0
    tg.load_scenario(path).variant("hawkish_beijing").with_overrides(fix={"soybeans": "buy"})
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before
    assert [p.name for p in tmp_path.iterdir()] == ["madrid.yaml"]


NO_ANALYSIS = """
tradegame: 1
title: Coordination
players:
  row: {strategies: [a, b]}
  col: {strategies: [a, b]}
payoffs:
  matrix:
    - [[1, 1], [0, 0]]
    - [[0, 0], [1, 1]]
outcomes:
  both_a: row == 'a' and col == 'a'
  otherwise: other
"""


def test_set_of_an_analysis_key_in_a_file_without_analysis() -> None:
    edited = tg.parse_scenario(NO_ANALYSIS + "analysis:\n  seed: 3\n", "c.yaml")
    over = tg.parse_scenario(NO_ANALYSIS, "c.yaml").with_overrides({"analysis.seed": 3})
    assert over.spec == edited.spec and over.spec.analysis.seed == 3
    with pytest.raises(ScenarioError) as info:
        tg.parse_scenario(NO_ANALYSIS, "c.yaml").with_overrides({"analysis.sed": 3})
    assert str(info.value) == "--set analysis.sed: unknown key 'sed'; did you mean 'seed'?"


def test_solve_records_the_overrides_and_solves_the_overridden_game(madrid, cli) -> None:
    result = cli("solve", "madrid_2025.yaml", "--fix", "chip_controls=ease", "--json", "-")
    doc = json.loads(result.stdout)
    assert doc["overrides"] == {"fix": {"chip_controls": ["ease"]}}
    # Every US strategy of the central game plays the kept option.
    assert all("/ease/" in s for s in doc["normal_form"]["strategies"]["us"])
    assert "overrides" not in tg.solve(madrid).to_dict()


ENDS_AND_DELAY = """
tradegame: 1
title: Ends and delay
players:
  a: {levers: {offer: [high, low, walk]}, discount: 0.9}
  b: {levers: {reply: [accept, reject]}}
parameters:
  value: {dist: uniform, low: 0.5, high: 3}
stages:
  - player: a
    ends: [walk]
    delay: {low: 1}
  - player: b
payoffs:
  a: (offer == 'high') * 1 + (offer == 'low') * value * (reply == 'accept') - (offer == 'walk')
  b: (reply == 'accept') * ((offer == 'high') * 2 + (offer == 'low') * (value - 1))
outcomes:
  deal: reply == 'accept' and offer != 'walk'
  walked: offer == 'walk'
  otherwise: none
"""


def test_fix_in_stages_drops_the_delay_and_end_of_removed_options() -> None:
    sc = tg.parse_scenario(ENDS_AND_DELAY, "stages.yaml")
    edited = tg.parse_scenario(
        ENDS_AND_DELAY.replace("[high, low, walk]}, discount: 0.9}", "[high, walk]}}")
        .replace("    delay: {low: 1}\n", "")
        .replace("(offer == 'low')", "False"),
        "stages.yaml",
    )
    for kept, edit in [(["high", "walk"], edited), (["high", "low"], None)]:
        fixed = sc.with_overrides(fix={"offer": kept})
        a = _without_provenance(tg.simulate(fixed, 2048, seed=6).to_json())
        offer = a["lever_options"]["a"].pop("offer")
        assert {o for o, p in offer.items() if p > 0} <= set(kept) and sum(offer.values()) > 0.99
        if edit is not None:
            b = _without_provenance(tg.simulate(edit, 2048, seed=6).to_json())
            b["lever_options"]["a"].pop("offer")
            assert a == b


TABLE = """
tradegame: 1
title: Table
players:
  a: {levers: {x: [l, m, r]}}
  b: {levers: {y: [u, d]}}
parameters:
  bonus: {dist: uniform, low: 0, high: 2}
payoffs:
  table:
    levers: [y, x]
    rows:
      - [u, l, 1, 0]
      - [u, m, 2, 1]
      - [u, r, 0, bonus]
      - [d, l, 0, 2]
      - [d, m, 1, 0]
      - [d, r, bonus, 1]
outcomes:
  middle: x == 'm'
  otherwise: other
"""


def test_fix_in_a_payoff_table_drops_the_rows_of_removed_options() -> None:
    sc = tg.parse_scenario(TABLE, "table.yaml")
    edited = tg.parse_scenario(
        TABLE.replace("[l, m, r]", "[l, r]")
        .replace("      - [u, m, 2, 1]\n", "")
        .replace("      - [d, m, 1, 0]\n", "")
        .replace("x == 'm'", "1 == 0"),
        "table.yaml",
    )
    fixed = sc.with_overrides(fix={"x": ["l", "r"]})
    assert fixed.cells is not None and edited.cells is not None
    assert [[c.text for c in cell] for cell in fixed.cells] == [
        [c.text for c in cell] for cell in edited.cells
    ]
    a = _without_provenance(tg.simulate(fixed, 2048, seed=8).to_json())
    b = _without_provenance(tg.simulate(edited, 2048, seed=8).to_json())
    assert a["lever_options"]["a"].pop("x")["m"] == 0.0
    b["lever_options"]["a"].pop("x")
    assert a == b
    # A value set in a row the fix moved is still located at the override.
    with pytest.raises(ScenarioError) as info:
        sc.with_overrides({"payoffs.table.rows.5.2": "z"}, fix={"x": ["l", "r"]})
    assert str(info.value) == "--set payoffs.table.rows.5.2: unknown name 'z'; known names: bonus"


def _scalars(node: Any, path: tuple[str | int, ...] = ()) -> Any:
    """(path, value) of every scalar of parsed YAML data."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _scalars(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _scalars(value, (*path, i))
    else:
        yield path, node


@pytest.mark.parametrize("name", [s.name for s in shipped_scenarios()])
def test_setting_a_scalar_to_its_own_value_changes_nothing(name: str) -> None:
    # Every path a file has can be set (dates, numbers, text, list items), and the
    # document that results is the file's: the override lands where the path points.
    sc = tg.load_scenario(name)
    items = [(p, v) for p, v in _scalars(parse_yaml(sc.text).data) if p[0] != "variants"]
    step = max(1, len(items) // 40)  # spread over the whole file, at most ~40 loads
    for path, value in items[::step]:
        dotted = ".".join(map(str, path))
        over = sc.with_overrides({dotted: value})
        assert over.spec == sc.spec, dotted
        assert over.locate(path) == Location(f"--set {dotted}", 0, 0)

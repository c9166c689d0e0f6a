"""Hindsight: dated sources, the warnings of a forecast, and the 'observed:' checks.

The warnings' defining property: a forecast (a file with ``as_of:``) is warned
of exactly the sources it could not have read on that day (dated after it, a
month or a year counting as its last day, those in ``observed.sources``
exempt) and of those it does not date; each warning points at the line of the
source. The table below states the expected findings for each case.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

import tradegame as tg
from tradegame.errors import ScenarioError
from tradegame.scenario.library import shipped_scenarios
from tradegame.scenario.schema import Source

GAME = """\
tradegame: 1
title: Hindsight test
{as_of}sources:
{sources}players:
  us:
    strategies: [hold, cut]
  china:
    strategies: [buy, wait]
payoffs:
  us: 1.0 * (us == 'cut') + (china == 'buy')
  china: 1.0 * (china == 'buy') + (us == 'cut')
outcomes:
  truce: us == 'cut' and china == 'buy'
  stalemate: us == 'hold' and china == 'wait'
  otherwise: partial
{record}analysis: {{samples: 50, seed: 1}}
"""

CATEGORIES = """\
categories:
  truce: deal
  stalemate: no_change
  partial: partial_deal
"""


def observed(outcome: str = "truce", sources: str = "[statement]", resolved: str = "2025-05-12"):
    return (
        "observed:\n"
        f"  outcome: {outcome}\n"
        '  window: "the round itself, 10-12 May 2025"\n'
        f"  resolved: {resolved}\n"
        f"  sources: {sources}\n"
    )


def scenario_text(
    sources: dict[str, str], *, as_of: str | None = "2025-05-09", record: str = ""
) -> str:
    lines = "".join(f"  {key}: {value}\n" for key, value in sources.items())
    return GAME.format(as_of=f"as_of: {as_of}\n" if as_of else "", sources=lines, record=record)


def line_of(text: str, key: str) -> int:
    """The line (from 1) where the source ``key`` is written."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"  {key}: "):
            return number
    raise AssertionError(key)


# (case, sources, as_of, record, expected findings: source key -> "after" | "undated")
CASES = [
    ("dated before", {"old": "{cite: Old report, date: 2025-04-04}"}, "2025-05-09", "", {}),
    ("dated on as_of", {"same": "{cite: Same day, date: 2025-05-09}"}, "2025-05-09", "", {}),
    (
        "dated after as_of",
        {"late": "{cite: Later report, date: 2025-05-12}"},
        "2025-05-09",
        "",
        {"late": "after"},
    ),
    (
        "month that ends after as_of",
        {"month": "{cite: Sometime in May, date: 2025-05}"},
        "2025-05-09",
        "",
        {"month": "after"},
    ),
    ("month before as_of", {"april": "{cite: April, date: 2025-04}"}, "2025-05-09", "", {}),
    ("year before as_of", {"book": "{cite: A book, date: 1991}"}, "2025-05-09", "", {}),
    ("year of as_of", {"book": "{cite: A book, date: 2025}"}, "2025-05-09", "", {"book": "after"}),
    (
        "undated in a forecast",
        {"plain": "A plain reference"},
        "2025-05-09",
        "",
        {"plain": "undated"},
    ),
    (
        "observed source exempt",
        {
            "before": "{cite: Before, date: 2025-05-01}",
            "statement": "{cite: Joint statement, date: 2025-05-12}",
        },
        "2025-05-09",
        observed() + CATEGORIES,
        {},
    ),
    (
        "only observed sources are exempt",
        {
            "statement": "{cite: Joint statement, date: 2025-05-12}",
            "leak": "{cite: Later analysis, date: 2025-06-01}",
        },
        "2025-05-09",
        observed() + CATEGORIES,
        {"leak": "after"},
    ),
    (
        "not a forecast: no as_of",
        {"plain": "A plain reference", "late": "{cite: Later, date: 2030-01-01}"},
        None,
        "",
        {},
    ),
    (
        "mixed",
        {
            "a": "{cite: Fine, date: 2025-01-01}",
            "b": "Undated",
            "c": "{cite: Late, date: 2025-05-10, url: 'https://example.org/c'}",
        },
        "2025-05-09",
        "",
        {"b": "undated", "c": "after"},
    ),
]


@pytest.mark.parametrize(
    ("sources", "as_of", "record", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_findings(sources, as_of, record, expected) -> None:
    text = scenario_text(sources, as_of=as_of, record=record)
    findings = tg.parse_scenario(text, "h.yaml").hindsight()
    got = {}
    for f in findings:
        key = re.match(r"source '(\w+)'", f.message)
        assert key, f.message
        kind = "undated" if "has no date" in f.message else "after"
        got[key[1]] = kind
        # Located at the source's own line, in the file.
        assert f.location.file == "h.yaml"
        assert f.location.line == line_of(text, key[1])
    assert got == expected
    # In the order of 'sources:'.
    assert [m for m in sources if m in got] == [
        re.match(r"source '(\w+)'", f.message)[1] for f in findings
    ]


def test_validate_warns_located_and_exits_0(cli, write_scenario) -> None:
    text = scenario_text(
        {"late": "{cite: Later report, date: 2025-05-12}", "plain": "Undated text"}
    )
    path = write_scenario(text)
    result = cli("validate", path)
    assert result.code == 0
    warnings = [line for line in result.stderr.splitlines() if line]
    assert len(warnings) == 2
    for line, key in zip(warnings, ("late", "plain"), strict=True):
        assert re.match(rf"{re.escape(str(path))}:{line_of(text, key)}:\d+: warning: ", line)
    assert "after the scenario's as_of 2025-05-09" in warnings[0]
    assert "has no date" in warnings[1]
    assert f"{path}: ok" in result.stdout


def test_validate_with_warnings_and_an_error_exits_2(cli, write_scenario) -> None:
    text = scenario_text({"late": "{cite: Later, date: 2025-05-12}"}).replace(
        "samples: 50", "samples: 0"
    )
    result = cli("validate", write_scenario(text))
    assert result.code == 2
    assert ": warning: " not in result.stderr  # a file with errors shows its errors only


@pytest.mark.parametrize("command", ["solve", "run"])
def test_runs_stay_silent(cli, write_scenario, command: str) -> None:
    path = write_scenario(
        scenario_text({"plain": "Undated", "late": "{cite: L, date: 2026-01-01}"})
    )
    result = cli(command, path, *(["-n", "50"] if command == "run" else []))
    assert result.code == 0
    assert "warning" not in result.stderr.lower() and "warning" not in result.stdout.lower()


def test_a_month_or_year_counts_as_its_last_day() -> None:
    # Brute force: the latest day whose ISO form starts with the partial date.
    days = [dt.date(2023, 1, 1) + dt.timedelta(n) for n in range(3 * 366)]
    for partial in ("2023", "2024", "2024-02", "2023-02", "2024-12", "2025-04", "2024-09"):
        expected = max(d for d in days if d.isoformat().startswith(partial + "-"))
        assert Source(cite="x", date=partial).latest == expected
    assert Source(cite="x", date=dt.date(2025, 5, 9)).latest == dt.date(2025, 5, 9)
    # A bare year in YAML is an integer: a year, not a timestamp of 1991 seconds.
    assert Source.model_validate({"cite": "x", "date": 1991}).date == "1991"


@pytest.mark.parametrize("bad", ["2025-13", "2025-00", "25-05", "2025-5", "May 2025", "2025-05-32"])
def test_a_bad_date_is_a_located_error(bad: str, cli, write_scenario) -> None:
    text = scenario_text({"s": f"{{cite: S, date: '{bad}'}}"})
    result = cli("validate", write_scenario(text))
    assert result.code == 2
    first = result.stderr.splitlines()[0]
    assert re.match(rf".*scenario\.yaml:{line_of(text, 's')}:\d+: ", first), first


# Errors of 'observed:' and 'categories:': (case, record, as_of, where, words in the message)
ERRORS = [
    (
        "bad category",
        observed() + CATEGORIES.replace("partial: partial_deal", "partial: partal_deal"),
        "2025-05-09",
        "  partial: partal_deal",
        "category 'partal_deal' of 'partial' is not one of deal, partial_deal, extension, "
        "no_change, escalation; did you mean 'partial_deal'?",
    ),
    (
        "observed outcome not a label",
        observed(outcome="truse") + CATEGORIES,
        "2025-05-09",
        "  outcome: truse",
        "observed outcome 'truse' is not an outcome label of this scenario; did you mean "
        "'truce'? (labels: truce, stalemate, partial)",
    ),
    (
        "category of an unknown label",
        observed() + CATEGORIES + "  escalation: escalation\n",
        "2025-05-09",
        "  escalation: escalation",
        "'escalation' is not an outcome label",
    ),
    (
        "a label without a category",
        observed() + CATEGORIES.replace("  stalemate: no_change\n", ""),
        "2025-05-09",
        "categories:",
        "no category for outcome label stalemate",
    ),
    (
        "observed source not a key",
        observed(sources="[statment]") + CATEGORIES,
        "2025-05-09",
        "  sources: [statment]",
        "'statment' is not a key of 'sources:'; did you mean 'statement'?",
    ),
    (
        "observed without as_of",
        observed() + CATEGORIES,
        None,
        "observed:",
        "'observed:' needs 'as_of:'",
    ),
    (
        "resolved before as_of",
        observed(resolved="2025-05-01") + CATEGORIES,
        "2025-05-09",
        "  resolved: 2025-05-01",
        "resolved 2025-05-01 must come after as_of 2025-05-09",
    ),
    ("observed without categories", observed(), "2025-05-09", "observed:", "needs 'categories:'"),
]


@pytest.mark.parametrize(
    ("record", "as_of", "where", "words"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_record_errors_are_located(record, as_of, where, words, cli, write_scenario) -> None:
    text = scenario_text(
        {"statement": "{cite: Joint statement, date: 2025-05-12}"}, as_of=as_of, record=record
    )
    with pytest.raises(ScenarioError) as info:
        tg.parse_scenario(text, "h.yaml")
    assert len(info.value.issues) == 1
    issue = info.value.issues[0]
    assert words in issue.message
    assert text.splitlines()[issue.location.line - 1] == where
    # The command line: one located line, exit 2.
    result = cli("validate", write_scenario(text))
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].endswith(issue.message)
    assert re.match(rf".*scenario\.yaml:{issue.location.line}:\d+: ", lines[0])


def test_a_well_formed_record_loads_and_keeps_its_fields() -> None:
    text = scenario_text(
        {"statement": "{cite: Joint statement, date: 2025-05-12, url: 'https://example.org'}"},
        record=observed() + CATEGORIES,
    )
    spec = tg.parse_scenario(text).spec
    assert spec.observed is not None
    assert (spec.observed.outcome, spec.observed.resolved) == ("truce", dt.date(2025, 5, 12))
    assert spec.categories == {"truce": "deal", "stalemate": "no_change", "partial": "partial_deal"}
    assert spec.sources is not None
    entry = spec.sources["statement"]
    assert isinstance(entry, Source) and entry.url == "https://example.org"


FORECASTS = [
    s.name
    for s in shipped_scenarios()
    if (sc := tg.load_scenario(s.name)).spec.as_of is not None and sc.spec.observed is None
]


def test_the_shipped_forecasts_are_found() -> None:
    assert {"madrid_2025", "tiktok_deadline"} <= set(FORECASTS)


@pytest.mark.parametrize("name", FORECASTS)
def test_no_shipped_forecast_uses_hindsight(name: str) -> None:
    sc = tg.load_scenario(name)
    assert sc.spec.as_of is not None and sc.spec.sources
    for key, entry in sc.spec.sources.items():
        assert isinstance(entry, Source), f"{name}: source {key!r} has no date"
        assert entry.latest <= sc.spec.as_of, f"{name}: source {key!r} is dated {entry.date}"
    assert sc.hindsight() == ()

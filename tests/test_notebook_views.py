"""What analysts read in notebooks and spreadsheets: frames, HTML views, the CSV, the bar.

- ``res.to_frame()`` is the JSON's outcome table, value for value;
- ``_repr_html_`` of a scenario, a central solution and a result is markup of
  a fixed set of tags only, whatever the scenario's text (it is untrusted);
- the CSV of ``run`` reads back in pandas with the JSON's provenance;
- a progress bar is shown only when asked or when someone is watching.
"""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import tradegame as tg
from tradegame.montecarlo.progress import interactive, progress_bar

HOSTILE = """\
tradegame: 1
title: "<script>alert('title')</script> & \\"quotes\\" # not a comment"
description: "</div><img src=x onerror=alert(1)>\\nsecond line"
units: "<b>bn</b>"
sources:
  ref: "<a href='javascript:alert(1)'>click</a>"
players:
  row:
    label: "<i>Row</i>"
    strategies: [a, b]
  col: {strategies: [a, b]}
parameters:
  theta: {dist: normal, mean: 0.2, sd: 1, source: ref}
payoffs:
  matrix:
    - [[theta, 1], [theta, 0]]
    - [[0, 0], [0, 1]]
outcomes:
  row_plays_a: row == 'a'
  otherwise: row_plays_b
analysis: {samples: 3000, seed: 7}
"""

#: The only markup the views write; everything else is escaped text.
ALLOWED_TAGS = {"div", "strong", "br", "table", "thead", "tbody", "tr", "th", "td"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


def test_html_views_escape_the_scenarios_text() -> None:
    sc = tg.parse_scenario(HOSTILE)
    views = [
        sc._repr_html_(),
        tg.solve(sc)._repr_html_(),
        tg.simulate(sc, progress=False)._repr_html_(),
    ]
    for markup in views:
        parsed = _parse(markup)
        # No tag and no attribute came from the file: only the views' own bare markup.
        assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
        assert all(not attrs for _, attrs in parsed.tags)
        assert "<script" not in markup and "&lt;script&gt;" in markup
        # The text reads back as the file wrote it.
        assert sc.title in "".join(parsed.text)
    scenario_text = "".join(_parse(views[0]).text)
    for text in ("</div><img src=x onerror=alert(1)>", "<b>bn</b>", "javascript:alert(1)"):
        assert text in scenario_text


def test_html_views_show_the_numbers_of_what_they_show() -> None:
    sc = tg.load_scenario("classroom/stag_hunt")
    res = tg.simulate(sc, 3000, seed=1, progress=False)
    text = "".join(_parse(res._repr_html_()).text)
    for o in res.outcomes:
        assert o.label in text and f"{o.probability:.4f}" in text
    central = tg.solve(sc)
    text = "".join(_parse(central._repr_html_()).text)
    for e in central.equilibria:
        assert e.outcome in text


def test_to_frame_is_the_outcome_table_of_the_json() -> None:
    res = tg.simulate(tg.load_scenario("madrid_2025"), 3000, seed=2, progress=False)
    frame = res.to_frame()
    doc = res.to_dict()["outcomes"]
    assert list(frame.columns) == ["label", "probability", "count", "ci95_low", "ci95_high"]
    assert frame["label"].tolist() == [o["label"] for o in doc]
    for column, key in (("probability", "probability"), ("count", "count")):
        assert frame[column].tolist() == [o[key] for o in doc]
    assert frame["ci95_low"].tolist() == [o["ci95"][0] for o in doc]
    assert frame["ci95_high"].tolist() == [o["ci95"][1] for o in doc]
    assert (frame["ci95_low"] <= frame["probability"]).all()
    assert (frame["probability"] <= frame["ci95_high"]).all()
    assert frame["probability"].sum() == pytest.approx(1.0)


def test_run_csv_reads_back_in_pandas_with_its_provenance(cli, tmp_path: Path) -> None:
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(HOSTILE, encoding="utf-8")
    csv_path, json_path = tmp_path / "r.csv", tmp_path / "r.json"
    r = cli("run", scenario, "-q", "--csv", csv_path, "--json", json_path)
    assert r.code == 0, r.stderr
    doc = json.loads(json_path.read_text())
    text = csv_path.read_text(encoding="utf-8")
    # The table: what pandas reads past the comment lines is the JSON's outcomes, exactly.
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table.columns) == [
        "label",
        "probability",
        "count",
        "ci95_low",
        "ci95_high",
        "std_error",
    ]
    assert table["label"].tolist() == [o["label"] for o in doc["outcomes"]]
    assert table["probability"].tolist() == [o["probability"] for o in doc["outcomes"]]
    assert table["ci95_high"].tolist() == [o["ci95"][1] for o in doc["outcomes"]]
    assert table["std_error"].tolist() == [o["std_error"] for o in doc["outcomes"]]
    # The provenance: every comment line is 'key: JSON value', equal to the JSON's at that key.
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert text.splitlines()[: len(head)] == head  # leading lines, before the table
    provenance = {}
    for line in head:
        key, _, value = line[2:].partition(": ")
        provenance[key] = json.loads(value)
    for key, value in provenance.items():
        node = doc
        for part in key.split("."):
            node = node[part]
        assert node == value, key
    for key in (
        "scenario.file",
        "scenario.sha256",
        "scenario.title",
        "method.seed",
        "method.samples",
        "method.solution_concept",
        "method.selection",
        "tradegame_version",
    ):
        assert key in provenance
    assert provenance["scenario.title"] == tg.parse_scenario(HOSTILE).title


def test_progress_bar_only_when_asked_or_watched(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[tuple[int, int]] = []
    with progress_bar(lambda done, total: calls.append((done, total))) as report:
        assert report is not None
        report(1, 2)
    assert calls == [(1, 2)]  # a callable is used as it is
    with progress_bar(False) as report:
        assert report is None
    # Under the test runner standard error is captured, not a terminal: no bar by default.
    assert not interactive()
    with progress_bar(None) as report:
        assert report is None
    with progress_bar(True) as report:
        assert report is not None
        report(2048, 4096)  # too quick to be worth a bar: nothing is drawn
    res = tg.simulate(tg.load_scenario("classroom/chicken"), 5000, seed=1)
    assert res.samples == 5000
    assert capsys.readouterr().err == ""


def test_a_terminal_on_standard_error_is_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real pseudo-terminal as standard error makes the session interactive; a file does not."""
    import os
    import pty

    main, side = pty.openpty()
    with os.fdopen(side, "w") as terminal:
        monkeypatch.setattr("sys.stderr", terminal)
        assert interactive()
        with progress_bar(None) as report:
            assert report is not None
    os.close(main)
    with open(os.devnull, "w") as null:
        monkeypatch.setattr("sys.stderr", null)
        assert not interactive()

"""``tradegame report``: one self-contained HTML page, every scenario text escaped."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import tradegame as tg
from tradegame.analysis.report_data import PERCENTILES, gather, variant_names
from tradegame.montecarlo.result import NO_EQUILIBRIUM
from tradegame.report.html import SECTIONS, format_report, html_report
from tradegame.scenario.library import shipped_scenarios

HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'

#: One uncertain number of each family, a payoff that depends on one of them.
FAMILIES = """\
tradegame: 1
title: TITLE
description: DESCRIPTION
units: UNITS
sources:
  lab: SOURCE
players:
  a: {label: LABEL, strategies: [go, stay]}
  b: {strategies: [go, stay]}
parameters:
  n:  {dist: normal, mean: 2, sd: 0.5, source: SOURCE, description: DESCRIPTION, unit: UNITS}
  tn: {dist: truncnormal, mean: 1, sd: 2, low: 0, high: 3}
  ln: {dist: lognormal, median: 4, sigma: 0.5, source: "[lab] measured"}
  u:  {dist: uniform, low: -1, high: 3}
  tr: {dist: triangular, low: 0, mode: 1, high: 5}
  be: {dist: beta, a: 2, b: 5, low: 10, high: 20}
  f:  3
payoffs:
  matrix:
    - [[n, 1], [0, u]]
    - [[1, 0], [ln, tr + be * 0]]
outcomes:
  both_go: a == 'go' and b == 'go'
  otherwise: other
"""


def _families(**text: str) -> tg.Scenario:
    doc = FAMILIES
    for key in ("TITLE", "DESCRIPTION", "UNITS", "SOURCE", "LABEL"):
        doc = doc.replace(key, _yaml(text.get(key.lower(), key.lower())))
    return tg.parse_scenario(doc, text.get("file", "families.yaml"))


def _yaml(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_assumptions_have_the_distributions_percentiles() -> None:
    """Each parameter's 10th, 50th and 90th percentiles are its distribution's (scipy's)."""
    data = gather(_families(), samples=256, seed=1)
    q = np.array(PERCENTILES)
    a_tn, b_tn = (0 - 1) / 2, (3 - 1) / 2
    expected = {
        "n": stats.norm(2, 0.5).ppf(q),
        "tn": stats.truncnorm(a_tn, b_tn, loc=1, scale=2).ppf(q),
        "ln": stats.lognorm(0.5, scale=4).ppf(q),
        "u": stats.uniform(-1, 4).ppf(q),
        "tr": stats.triang(1 / 5, loc=0, scale=5).ppf(q),
        "be": stats.beta(2, 5, loc=10, scale=10).ppf(q),
        "f": np.full(3, 3.0),
    }
    got = {a.name: np.array(a.percentiles) for a in data.assumptions}
    assert list(got) == list(expected)  # file order
    for name, values in expected.items():
        np.testing.assert_allclose(got[name], values, rtol=1e-9, err_msg=name)
    page = format_report(data)
    for words in (
        "normal, mean 2, sd 0.5",
        "normal, mean 1, sd 2, truncated to [0, 3]",
        "lognormal, median 4, sigma 0.5",
        "uniform from -1 to 3",
        "triangular from 0 to 5, mode 1",
        "beta(a 2, b 5) on [10, 20]",
        "fixed at 3",
        "[lab] measured",
    ):
        assert html.escape(words) in page, words


def test_report_shows_the_run_it_made() -> None:
    """The page's numbers are those of tg.simulate with the same seed and draws."""
    sc = tg.load_scenario("classroom/chicken")
    data = gather(sc, samples=512, seed=4)
    res = tg.simulate(sc, 512, 4)
    assert data.result.to_dict() == res.to_dict()
    page = format_report(data)
    shown = [o for o in res.outcomes if o.count or o.label != NO_EQUILIBRIUM]  # as the table
    assert len(shown) >= 2
    for o in shown:
        cells = rf'<tr(?: class="dim")?><td>{o.label}</td><td class="num">([^<]*)</td>'
        row = re.search(cells, page)
        assert row is not None and row.group(1) == f"{100 * o.probability:.1f} %"
        lo, hi = (f"{100 * x:.1f} %" for x in o.ci95)
        assert f"{lo} – {hi}" in page
    assert tg.report.table.likelihood_word(res.outcomes[0].probability) in page
    assert f"seed {res.seed}" in page and sc.sha256 in page
    for version in data.environment.values():
        assert f"<code>{version}</code>" in page


def test_compared_with_itself_as_a_file_every_difference_is_zero() -> None:
    sc = tg.load_scenario("classroom/chicken")
    page = html_report(sc, samples=512, seed=2, others=[sc])
    section = page[page.index('<section id="variants">') : page.index('<section id="sensitivity">')]
    diffs = re.findall(r'<td class="num">([+-]\d+\.\d+) pp</td>', section)
    assert diffs and all(float(d) == 0 for d in diffs)
    assert '<figure id="figure-variants">' in section
    assert "--compare classroom/chicken.yaml" in page


def test_variants_are_compared_when_the_scenario_has_them() -> None:
    sc = tg.load_scenario("madrid_2025")
    names = variant_names(sc)
    assert names, "madrid_2025 ships variants"
    data = gather(sc, samples=512, seed=3)
    mine = tg.compare(sc, [sc.variant(n) for n in names], samples=512, seed=3)
    assert [c.to_dict()["outcomes"] for c in data.comparisons] == [
        c.to_dict()["outcomes"] for c in mine
    ]
    page = format_report(data)
    for n in names:
        assert f"<h3>variant {n}</h3>" in page


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name in ("href", "xlink:href", "src", "action"):
                self.urls.append(value or "")


#: Every element and attribute a report may hold: a scenario's text must add none.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "p", "h1", "h2", "h3"}
PAGE_TAGS |= {"nav", "a", "section", "div", "table", "thead", "tbody", "tr", "th", "wbr"}
PAGE_TAGS |= {"td", "dl", "dt", "dd", "code", "pre", "figure", "figcaption"}
SVG_TAGS = {"svg", "defs", "g", "path", "use", "clippath", "rect", "style", "polyline"}


@pytest.mark.parametrize("hostile", [HOSTILE_TITLE, HOSTILE_ATTR])
def test_scenario_text_cannot_reach_the_page_as_markup(hostile: str) -> None:
    """Title, description, units, sources, labels and the file name are shown as text."""
    sc = _families(
        title=hostile,
        description=hostile,
        units=hostile,
        source=hostile,
        label=hostile,
        file=f"{hostile}.yaml",
    )
    page = html_report(sc, samples=256, seed=1, others=[sc])
    parser = _Tags()
    parser.feed(page)
    assert parser.tags <= PAGE_TAGS | SVG_TAGS, parser.tags - PAGE_TAGS - SVG_TAGS
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not any(a.startswith("on") for a in parser.attributes)
    assert all(u.startswith("#") for u in parser.urls), parser.urls  # only links within the page
    assert "<script" not in page.lower() and "<img" not in page.lower()
    escaped = html.escape(hostile, quote=True)
    assert page.count(escaped) >= 6  # title, heading, description, units, sources, label
    assert f'<h1 id="title">{escaped}</h1>' in page


def test_page_loads_nothing_and_is_the_same_every_time() -> None:
    """No URL in the page at all (figures inline, no namespace URLs), and stable bytes."""
    sc = tg.load_scenario("classroom/chicken")
    page = html_report(sc, samples=300, seed=5, others=[sc])
    assert re.search(r"https?:|//[a-z]|@import|url\((?!#)", page, re.I) is None
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # figures' ids prefixed: none shared
    assert html_report(sc, samples=300, seed=5, others=[sc]) == page
    for key, _ in SECTIONS:
        assert f'<section id="{key}">' in page


def test_report_command_writes_what_the_python_function_makes(cli, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    r = cli("report", "classroom/chicken", "-o", out, "-n", "300", "--seed", "9")
    assert r.code == 0, r.stderr
    sc = tg.load_scenario("classroom/chicken")
    assert out.read_text(encoding="utf-8") == html_report(sc, 300, 9, output=str(out))
    assert f"-o {out} -n 300 --seed 9" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["classroom/chicken", "-o", "/nonexistent/dir/r.html"], "/nonexistent/dir/r.html:"),
        (["no_such.yaml", "-o", "OUT"], "no_such.yaml:1:1: no such file"),
        (["classroom/chicken", "-o", "OUT", "--compare", "gone.yaml"], "gone.yaml:1:1:"),
        (["classroom/chicken", "-o", "OUT", "-n", "1"], "--samples"),
    ],
)
def test_report_bad_input_is_one_line(cli, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "r.html"
    r = cli("report", *[str(out) if a == "OUT" else a for a in args])
    assert r.code == 2
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("name", [s.name for s in shipped_scenarios()])
def test_every_shipped_scenario_makes_a_well_formed_report(name: str) -> None:
    """Every kind of game: all sections, the figures the data has, only the page's elements."""
    sc = tg.load_scenario(name)
    data = gather(sc, samples=256, seed=1)
    page = format_report(data)
    parser = _Tags()
    parser.feed(page)
    assert parser.tags <= PAGE_TAGS | SVG_TAGS, parser.tags - PAGE_TAGS - SVG_TAGS
    assert re.findall(r'<section id="([^"]+)">', page) == [k for k, _ in SECTIONS]
    figures = re.findall(r'<figure id="figure-([a-z]+)">', page)
    expected = ["outcomes"] + (["variants"] if data.comparisons else [])
    assert figures == expected + (["sensitivity"] if data.sensitivity else [])
    assert len(data.comparisons) == len(sc.spec.variants)
    assert (data.sensitivity is None) == all(not a.uncertain for a in data.assumptions)


def test_report_of_a_what_if_names_its_overrides(cli, tmp_path: Path) -> None:
    """--variant, --set and --fix: the page is the Python one's, and its command gives them."""
    out = tmp_path / "r.html"
    args = ["--variant", "hawkish_beijing", "--set", "parameters.us_resolve.median=15"]
    r = cli("report", "madrid_2025", "-o", out, "-n", "300", "--seed", "3", *args)
    assert r.code == 0, r.stderr
    sc = (
        tg.load_scenario("madrid_2025")
        .variant("hawkish_beijing")
        .with_overrides({"parameters.us_resolve.median": 15})
    )
    page = out.read_text(encoding="utf-8")
    assert page == html_report(sc, 300, 3, output=str(out))
    assert f"madrid_2025.yaml {' '.join(args)} -o {out}" in page
    # The variant is the report's scenario: compared with the other variant, not with itself.
    assert "<h3>variant us_eases_chips</h3>" in page
    assert "<h3>variant hawkish_beijing</h3>" not in page


def test_a_variant_that_conflicts_with_a_fix_is_named_not_compared() -> None:
    """us_eases_chips keeps 'ease', which --fix removed: the report says so, and goes on."""
    sc = tg.load_scenario("madrid_2025").with_overrides(fix={"chips": "license"})
    data = gather(sc, samples=300, seed=3)
    assert [name for name, _ in data.variants_skipped] == ["us_eases_chips"]
    assert [c.other for c in data.comparisons] == ["variant hawkish_beijing"]
    page = format_report(data)
    assert "Variant us_eases_chips is not compared" in page
    assert "--fix chips=license" in page

"""One self-contained HTML report of a scenario (``tradegame report``).

The page opens offline: its stylesheet is inline, its figures are inline SVG
(text drawn as paths), and it has no script, no link to load and no font to
fetch; a Content-Security-Policy forbids loading anything, as a second line of
defence. Every piece of scenario text (titles, descriptions, sources, labels,
file names) is untrusted (SECURITY.md) and reaches the page only through
:func:`html.escape`, so no markup or script of a scenario can reach it.

The tables are the terminal's (:mod:`tradegame.report.table`,
:mod:`tradegame.report.compare`, :mod:`tradegame.report.sensitivity`), written
as HTML tables by :func:`rich_html`: the report and the command line always
show the same numbers. Nothing is computed here: :func:`html_report` gathers
its data with :func:`tradegame.analysis.report_data.gather`, and
:func:`format_report` formats it.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from tradegame._text import printable
from tradegame.analysis.report_data import PERCENTILES, Assumption, ReportData, gather
from tradegame.report.central_tables import central_game_tables
from tradegame.report.compare import comparison_figure, comparison_tables
from tradegame.report.plot import outcome_figure, outcome_labels
from tradegame.report.sensitivity import sensitivity_figure, sensitivity_tables, tornado_outcome
from tradegame.report.table import result_tables
from tradegame.scenario.load import Scenario
from tradegame.scenario.sampling import Dist
from tradegame.scenario.schema import (
    Beta,
    Choice,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    TruncatedNormal,
    Uniform,
    source_text,
)

__all__ = ["distribution_words", "format_report", "html_report", "inline_svg", "rich_html"]

#: Characters a two-player payoff matrix may take before the game is listed profile by
#: profile (a page is wider than a terminal, and its tables scroll sideways).
MATRIX_WIDTH = 260

#: The report's sections: (id, heading), in page order.
SECTIONS = (
    ("scenario", "Scenario"),
    ("assumptions", "Assumptions"),
    ("central-game", "The central game and its equilibria"),
    ("outcomes", "Outcome probabilities"),
    ("variants", "Variants compared"),
    ("sensitivity", "Which assumptions matter"),
    ("reproduce", "Reproducing this report"),
)

_STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: #1f2328; background: #fff; margin: 0; line-height: 1.5; }
main { max-width: 74rem; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.7rem; margin: 0.5rem 0 0.25rem; line-height: 1.25; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 0.75rem; padding-bottom: 0.3rem;
  border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 0.5rem; }
p, dl { margin: 0.5rem 0; }
.meta { color: #57606a; font-size: 0.9rem; }
nav { font-size: 0.9rem; margin: 1rem 0; padding: 0.5rem 0; border-top: 1px solid #d0d7de;
  border-bottom: 1px solid #d0d7de; display: flex; flex-wrap: wrap; gap: 0.2rem 1.1rem; }
nav a { color: #0b5cad; text-decoration: none; white-space: nowrap; }
.scroll { overflow-x: auto; margin: 0.5rem 0 0.25rem; }
table { border-collapse: collapse; font-size: 0.85rem; }
.table-title { font-weight: 600; font-size: 0.9rem; margin: 1.25rem 0 0.4rem; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { background: #f3f5f7; text-align: left; font-weight: 600; border-bottom: 1px solid #c9ced4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.mid, th.mid { text-align: center; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.dim td { color: #8c959f; }
tr.end td { border-bottom: 1px solid #9aa3ad; }
td.eq { background: #e3f4e6; font-weight: 600; }
.note { color: #3d444d; font-size: 0.85rem; white-space: pre-line; }
.table-note { color: #57606a; font-size: 0.8rem; white-space: pre-line; margin: 0.25rem 0 1rem; }
figure { margin: 1rem 0 1.5rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 0.85rem; }
dt { font-weight: 600; }
dd { margin: 0 0 0.5rem 1.5rem; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 0.85rem; }
pre { background: #f6f8fa; padding: 0.75rem 1rem; overflow-x: auto; border-radius: 4px; }
.dead { color: #a40e26; font-weight: 600; }
"""

# Nothing may be loaded: no script, no font, no image but inline ones. A hole in the
# escaping would still run nothing and fetch nothing.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(text: Any) -> str:
    """Scenario (or any) text as HTML text: control characters visible, markup escaped."""
    return html.escape(printable(str(text)), quote=True)


def _num(x: float) -> str:
    return f"{x:.4g}"


def distribution_words(dist: Dist) -> str:
    """A parameter's distribution in words.

    Examples
    --------
    >>> from tradegame.scenario.schema import LogNormal, Fixed
    >>> distribution_words(LogNormal(dist="lognormal", median=4, sigma=0.5))
    'lognormal, median 4, sigma 0.5'
    >>> distribution_words(Fixed(dist="fixed", value=3))
    'fixed at 3'
    """
    if isinstance(dist, Normal):
        return f"normal, mean {_num(dist.mean)}, sd {_num(dist.sd)}"
    if isinstance(dist, TruncatedNormal):
        return (
            f"normal, mean {_num(dist.mean)}, sd {_num(dist.sd)}, "
            f"truncated to [{_num(dist.low)}, {_num(dist.high)}]"
        )
    if isinstance(dist, LogNormal):
        return f"lognormal, median {_num(dist.median)}, sigma {_num(dist.sigma)}"
    if isinstance(dist, Uniform):
        return f"uniform from {_num(dist.low)} to {_num(dist.high)}"
    if isinstance(dist, Triangular):
        return f"triangular from {_num(dist.low)} to {_num(dist.high)}, mode {_num(dist.mode)}"
    if isinstance(dist, Beta):
        span = (
            ""
            if (dist.low, dist.high) == (0.0, 1.0)
            else (f" on [{_num(dist.low)}, {_num(dist.high)}]")
        )
        return f"beta(a {_num(dist.a)}, b {_num(dist.b)}){span}"
    if isinstance(dist, Fixed):
        return f"fixed at {_num(dist.value)}"
    if isinstance(dist, Choice):
        values = ", ".join(_num(v) for v in dist.values)
        if dist.probabilities is None:
            return f"one of {values}, equally likely"
        probs = ", ".join(_num(p) for p in dist.probabilities)
        return f"one of {values}, with probabilities {probs}"
    raise TypeError(f"unknown distribution {type(dist).__name__}")


# --- rich tables as HTML ----------------------------------------------------------


def _plain(cell: Any) -> str:
    if isinstance(cell, Text):
        return cell.plain
    return "" if cell is None else str(cell)


def _breakable(text: str) -> str:
    """Escaped text that may wrap after a '/' (strategy names such as 'hold/license/extend')."""
    return _e(text).replace("/", "/<wbr>")


def _cell(cell: Any, justify: str) -> str:
    if isinstance(cell, Table | Group):
        return f"<td>{rich_html(cell)}</td>"
    classes = {"right": "num", "center": "mid"}.get(justify, "")
    style = str(cell.style) if isinstance(cell, Text) else ""
    if "bold" in style:  # the terminal's bold cell: an equilibrium
        classes = (classes + " eq").strip()
    attr = f' class="{classes}"' if classes else ""
    return f"<td{attr}>{_e(_plain(cell))}</td>"


def rich_html(renderable: Any) -> str:
    """A terminal renderable of tradegame's tables as HTML: tables as ``<table>``, text as ``<p>``.

    Handles what :mod:`tradegame.report.table` builds: groups, tables (their
    title, caption, header, right-aligned columns, dim rows and section ends,
    bold cells), grids of tables and lines of text. Every string is escaped.
    """
    if isinstance(renderable, Group):
        return "".join(rich_html(r) for r in renderable.renderables)
    if isinstance(renderable, Text):
        plain = renderable.plain
        return f'<p class="note">{_e(plain)}</p>' if plain.strip() else ""
    if isinstance(renderable, str):
        return f'<p class="note">{_e(renderable)}</p>' if renderable.strip() else ""
    if not isinstance(renderable, Table):
        raise TypeError(f"cannot write a {type(renderable).__name__} as HTML")
    columns = renderable.columns
    cells = [list(c.cells) for c in columns]
    if not renderable.show_header:  # a grid: renderables laid out, not a table of data
        return "".join(
            rich_html(cells[c][r]) for r in range(renderable.row_count) for c in range(len(columns))
        )
    title = _plain(renderable.title)
    # The title above the table, not a <caption>: that would wrap to a narrow table's width.
    out = [f'<p class="table-title">{_e(title)}</p>' if title else "", '<div class="scroll">']
    out.append("<table>")
    numeric = ' class="num"'
    head = "".join(
        f"<th{numeric if c.justify == 'right' else ''}>{_breakable(_plain(c.header))}</th>"
        for c in columns
    )
    out.append(f"<thead><tr>{head}</tr></thead><tbody>")
    for r, row in enumerate(renderable.rows):
        classes = " ".join(
            k for k, on in (("dim", str(row.style or "") == "dim"), ("end", row.end_section)) if on
        )
        out.append(f'<tr class="{classes}">' if classes else "<tr>")
        out.extend(_cell(cells[c][r], str(col.justify)) for c, col in enumerate(columns))
        out.append("</tr>")
    out.append("</tbody></table>")
    out.append("</div>")
    caption = _plain(renderable.caption)
    if caption:
        out.append(f'<p class="table-note">{_e(caption)}</p>')
    return "".join(out)


# --- figures ------------------------------------------------------------------------

_XML_HEAD = re.compile(r"\A.*?(?=<svg\b)", re.S)
_NAMESPACE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)')


def inline_svg(svg: bytes, prefix: str) -> str:
    """Matplotlib's SVG as an element of an HTML page.

    The XML declaration, the DOCTYPE and the metadata go, and so do the
    namespace declarations (an HTML parser puts ``<svg>`` in the SVG namespace
    itself): none is needed, and each names a URL. Comments go too (matplotlib
    copies each text into one, escaped). Ids get ``prefix``, so that the
    figures of one page never share one.

    Parameters
    ----------
    svg : bytes
        A figure written by matplotlib's SVG backend.
    prefix : str
        An identifier unique within the page.
    """
    text = svg.decode("utf-8")
    text = _XML_HEAD.sub("", text, count=1)
    text = _METADATA.sub("", text)
    text = _COMMENT.sub("", text)
    head, _, rest = text.partition(">")
    text = _NAMESPACE.sub("", head) + ">" + rest
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}-", text)
    if re.search(r"<(script|foreignObject|image)\b", text, re.I):  # never from matplotlib
        raise ValueError("the figure holds an element a report does not inline")
    return text.strip()


def _figure(svg: bytes, prefix: str, caption: str) -> str:
    return (
        f'<figure id="figure-{prefix}">{inline_svg(svg, prefix)}'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


# --- sections -----------------------------------------------------------------------


_KINDS = {
    "simultaneous": "one-shot: the players choose at once",
    "stages": "in stages: the players move in turn",
    "tree": "a game tree",
}


def _scenario_section(data: ReportData) -> str:
    sc = data.scenario
    spec = sc.spec
    out = []
    if spec.description:
        out.append(f"<p>{_e(spec.description.strip())}</p>")
    facts = [
        ("kind of game", _KINDS.get(str(sc.kind.value), str(sc.kind.value))),
        ("as of", str(spec.as_of) if spec.as_of else None),
        ("units", spec.units),
    ]
    out.append("<dl>")
    out.extend(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts if v)
    out.append("</dl>")
    out.append("<h3>Players</h3><dl>")
    for p in sc.players:
        label = f" ({p.label})" if p.label and p.label != p.name else ""
        moves = "; ".join(f"{lv.name}: {', '.join(lv.options)}" for lv in p.levers)
        out.append(f"<dt>{_e(p.name + label)}</dt><dd>{_e(moves or 'moves in the tree')}</dd>")
    out.append("</dl>")
    return "".join(out)


def _assumption_row(a: Assumption) -> str:
    d = a.distribution
    described = d.description or ""
    unit = f" ({d.unit})" if d.unit else ""
    lo, mid, hi = (_num(x) for x in a.percentiles)
    return (
        f"<tr><td><code>{_e(a.name)}</code></td><td>{_e(described + unit)}</td>"
        f"<td>{_e(distribution_words(d))}</td>"
        f'<td class="num">{lo}</td><td class="num">{mid}</td><td class="num">{hi}</td>'
        f"<td>{_e(d.source or '(none given)')}</td></tr>"
    )


def _assumptions_section(data: ReportData) -> str:
    if not data.assumptions:
        return "<p>The scenario has no parameters.</p>"
    pct = [f"{100 * p:.0f}th" if p != 0.5 else "median" for p in PERCENTILES]
    uncertain = sum(a.uncertain for a in data.assumptions)
    out = [
        f"<p>{len(data.assumptions)} parameters, {uncertain} of them uncertain; each draw of "
        "the Monte Carlo run takes every uncertain one from its distribution.</p>",
        '<div class="scroll"><table><thead><tr><th>parameter</th><th>what it is</th>'
        "<th>distribution</th>"
        + "".join(f'<th class="num">{p}</th>' for p in pct)
        + "<th>source</th></tr></thead><tbody>",
        *(_assumption_row(a) for a in data.assumptions),
        "</tbody></table></div>",
    ]
    sources = data.scenario.spec.sources
    if sources:
        out.append("<h3>Sources</h3><dl>")
        out.extend(f"<dt>[{_e(k)}]</dt><dd>{_e(source_text(v))}</dd>" for k, v in sources.items())
        out.append("</dl>")
    return "".join(out)


def _outcomes_section(data: ReportData, style: str = "talk") -> str:
    r = data.result
    labels = outcome_labels(data.scenario)
    return rich_html(result_tables(r, words=True)) + _figure(
        outcome_figure(r, style=style, labels=labels),
        "outcomes",
        f"Outcome probabilities with their {r.confidence_interval}s.",
    )


def _variants_section(data: ReportData, style: str = "talk") -> str:
    skipped = "".join(
        f'<p class="note">Variant {_e(name)} is not compared: it cannot be applied on top of '
        f"this report's overrides ({_e(why)}).</p>"
        for name, why in data.variants_skipped
    )
    if not data.comparisons:
        return skipped or (
            "<p>The scenario has no <code>variants:</code> block, and no other scenario was "
            "given to compare it with.</p>"
        )
    out = [
        skipped,
        f"<p>Each side is run on the same {data.samples:,} draws (common random numbers, "
        f"seed {data.seed}): a difference is the effect of the change alone, with its 95 % "
        "paired interval.</p>",
    ]
    for c, (name, description) in zip(data.comparisons, data.compared, strict=True):
        out.append(f"<h3>{_e(name)}</h3>")
        if description:
            out.append(f"<p>{_e(description.strip())}</p>")
        out.append(rich_html(comparison_tables(c)))
    out.append(
        _figure(
            comparison_figure(data.comparisons, style=style, labels=outcome_labels(data.scenario)),
            "variants",
            "Differences in outcome probability from the base scenario, percentage points, "
            "with 95 % paired intervals.",
        )
    )
    return "".join(out)


def _sensitivity_section(data: ReportData, style: str = "talk") -> str:
    s = data.sensitivity
    if s is None:
        return f"<p>No sensitivity analysis: {_e(data.sensitivity_note or '')}.</p>"
    dead = (
        f'<p class="dead">Dead parameters (no effect on any outcome, within noise): '
        f"{_e(', '.join(s.dead))}.</p>"
        if s.dead
        else "<p>No parameter is dead: each moves some outcome beyond noise.</p>"
    )
    outcome = tornado_outcome(s)
    return (
        dead
        + rich_html(sensitivity_tables(s))
        + _figure(
            sensitivity_figure(s, outcome, style=style, labels=outcome_labels(data.scenario)),
            "sensitivity",
            f"Left: the tornado for {outcome}, each parameter from its 10th to its 90th "
            "percentile with the others at their medians. Right: PAWN indices from the draws, "
            "with 95 % bootstrap intervals; the dashed line is what an inert parameter scores.",
        )
    )


def _override_options(sc: Scenario) -> list[str]:
    """The command-line options that give a scenario its overrides (none for a plain file)."""
    o = sc.overrides
    if not o:
        return []
    words = [f"--variant {shlex.quote(o.variant)}"] if o.variant is not None else []
    words += [f"--set {shlex.quote(f'{p}={_yaml_scalar(v)}')}" for p, v in o.sets]
    words += [f"--fix {shlex.quote(f'{lv}={chr(44).join(kept)}')}" for lv, kept in o.fixes]
    return words


def _yaml_scalar(value: Any) -> str:
    # --set reads its value as YAML: None and booleans in YAML's words.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _python_scenario(sc: Scenario) -> str:
    """The Python expression that loads a scenario with its overrides."""
    code = f"tg.load_scenario({sc.source!r})"
    o = sc.overrides
    if not o:
        return code
    if o.variant is not None:
        code += f".variant({o.variant!r})"
    if o.sets or o.fixes:
        fix = {lv: list(kept) for lv, kept in o.fixes}
        code += f".with_overrides({dict(o.sets)!r}, fix={fix!r})"
    return code


def _command(data: ReportData, output: str) -> str:
    source = data.scenario.source
    scenario = "-" if source == "<stdin>" else shlex.quote(source)
    words = [
        "tradegame",
        "report",
        scenario,
        *_override_options(data.scenario),
        *(f"--compare {shlex.quote(o)}" for o in data.others),
        "-o",
        shlex.quote(output),
        "-n",
        str(data.samples),
        "--seed",
        str(data.seed),
    ]
    return " ".join(words) + (" < SCENARIO" if source == "<stdin>" else "")


def _reproduce_section(data: ReportData, output: str) -> str:
    r, sc = data.result, data.scenario
    rows = [
        ("scenario file", sc.source),
        ("its SHA-256", sc.sha256),
        ("seed", str(data.seed)),
        ("draws", f"{data.samples:,}"),
        ("solution concept", r.solution),
        ("selection", f"{r.selection}: {r.selection_rule}"),
        ("intervals", r.confidence_interval),
        *((f"{k} version", v) for k, v in data.environment.items()),
    ]
    if sc.overrides:
        rows.append(("overrides applied", sc.overrides.describe()))
    table = "".join(f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>" for k, v in rows)
    others = "".join(f", tg.load_scenario({o!r})" for o in data.others)
    python = (
        "import tradegame as tg\n"
        "from tradegame.report.html import html_report\n\n"
        f"page = html_report({_python_scenario(sc)}, samples={data.samples}, "
        f"seed={data.seed}" + (f", others=[{others[2:]}]" if others else "") + ")"
    )
    return (
        '<div class="scroll"><table><tbody>' + table + "</tbody></table></div>"
        "<p>The same scenario file, seed, draws and versions give the same numbers. "
        "The command that makes this report:</p>"
        f"<pre>{_e(_command(data, output))}</pre><p>From Python:</p><pre>{_e(python)}</pre>"
    )


def format_report(data: ReportData, output: str = "report.html", *, style: str = "talk") -> str:
    """The HTML page of a report's data (nothing is computed here).

    Parameters
    ----------
    data : ReportData
        From :func:`tradegame.analysis.report_data.gather`.
    output : str
        The file the page is written to, quoted in the command that reproduces it.
    style : {'talk', 'paper'}, default 'talk'
        The style of the page's figures (:mod:`tradegame.report.style`).

    Returns
    -------
    str
        One self-contained HTML document.
    """
    sc = data.scenario
    bodies = {
        "scenario": _scenario_section(data),
        "assumptions": _assumptions_section(data),
        "central-game": rich_html(central_game_tables(data.central, width=MATRIX_WIDTH)),
        "outcomes": _outcomes_section(data, style),
        "variants": _variants_section(data, style),
        "sensitivity": _sensitivity_section(data, style),
        "reproduce": _reproduce_section(data, output),
    }
    nav = "".join(f'<a href="#{k}">{_e(h)}</a>' for k, h in SECTIONS)
    sections = "".join(
        f'<section id="{k}"><h2>{_e(h)}</h2>{bodies[k]}</section>' for k, h in SECTIONS
    )
    r = data.result
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="tradegame {_e(data.environment["tradegame"])}">'
        f"<title>{_e(sc.title)}</title><style>{_STYLE}</style></head>"
        f'<body><main><p class="meta">tradegame report · {_e(sc.source)}</p>'
        f'<h1 id="title">{_e(sc.title)}</h1>'
        f'<p class="meta">{r.samples:,} draws · seed {r.seed} · {_e(r.solution)} · '
        f"selection {_e(r.selection)} · tradegame {_e(data.environment['tradegame'])}</p>"
        f"<nav>{nav}</nav>{sections}</main></body></html>\n"
    )


def html_report(
    scenario: Scenario,
    samples: int | None = None,
    seed: int | None = None,
    *,
    others: Sequence[Scenario] = (),
    output: str = "report.html",
    style: str = "talk",
) -> str:
    """A scenario's report as one self-contained HTML page.

    Runs the scenario, solves its central game, compares it with its variants
    (and ``others``) and analyses its sensitivity, all with one seed and sample
    count (:func:`tradegame.analysis.report_data.gather`), then formats them
    (:func:`format_report`).

    Parameters
    ----------
    scenario : Scenario
    samples : int, optional
        Draws; default the scenario's ``analysis.samples``.
    seed : int, optional
        Default the scenario's ``analysis.seed``, else a fresh one (shown in the page).
    others : sequence of Scenario
        Other scenarios to compare with this one.
    output : str
        The file name quoted in the command that reproduces the report.
    style : {'talk', 'paper'}, default 'talk'
        The style of the page's figures.

    Returns
    -------
    str
    """
    data = gather(scenario, samples=samples, seed=seed, others=others)
    return format_report(data, output, style=style)

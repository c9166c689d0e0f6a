"""Tables and a figure for comparisons of scenarios (:func:`tradegame.compare`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text

from tradegame.analysis.compare import Comparison, Difference
from tradegame.report.files import write_output
from tradegame.report.plot import figure_bytes, figure_format, figures, humanise
from tradegame.report.style import STYLES
from tradegame.report.table import plain_table

__all__ = ["comparison_figure", "comparison_tables", "plot_comparisons"]


def _pp(x: float) -> str:
    """A probability difference in percentage points, signed."""
    return f"{100 * x:+.1f} pp"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _rows(table: Table, diffs: Sequence[Difference], probability: bool) -> None:
    for d in diffs:
        if probability and d.base == 0 and d.other == 0:
            continue  # never happens on either side
        show = _pct if probability else (lambda v: f"{v:.2f}")
        diff = _pp if probability else (lambda v: f"{v:+.2f}")
        significant = d.ci95[0] > 0 or d.ci95[1] < 0
        table.add_row(
            " / ".join(d.key),
            show(d.base),
            show(d.other),
            diff(d.difference),
            f"{diff(d.ci95[0])} … {diff(d.ci95[1])}",
            "*" if significant else "",
        )


def comparison_tables(comparison: Comparison, levers: bool = True) -> Group:
    """Outcome probabilities, lever options and expected payoffs side by side, with differences.

    ``*`` marks a difference whose 95 % interval excludes zero.
    """
    c = comparison
    headers = ("", c.base, c.other, "difference", "95 % interval", "")
    parts: list[Table | Text] = []
    caption = (
        f"{c.samples:,} paired draws, seed {c.seed}: common random numbers; "
        "* the interval excludes 0"
    )
    out = plain_table(*headers, title="Outcome probabilities", caption=caption)
    _rows(out, c.outcomes, probability=True)
    parts += [out, Text("")]
    if levers and c.lever_options:
        lv = plain_table(*headers, title="Lever options (player / lever / option)")
        _rows(lv, c.lever_options, probability=True)
        parts += [lv, Text("")]
    if c.payoffs:
        pay = plain_table(
            *headers,
            title="Expected payoffs (draws with an equilibrium on both sides)",
        )
        _rows(pay, c.payoffs, probability=False)
        parts.append(pay)
    notes = []
    if c.parameters_only_in_base:
        notes.append(f"parameters only in {c.base}: {', '.join(c.parameters_only_in_base)}")
    if c.parameters_only_in_other:
        notes.append(f"parameters only in {c.other}: {', '.join(c.parameters_only_in_other)}")
    if c.parameters_changed:
        notes.append(f"parameters with other distributions: {', '.join(c.parameters_changed)}")
    if notes:
        parts += [Text(""), Text("\n".join(notes))]
    return Group(*parts)


def comparison_figure(
    comparisons: Sequence[Comparison],
    fmt: str = "svg",
    *,
    style: str = "talk",
    dpi: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> bytes:
    """Dot-and-interval plot of the outcome-probability differences, as ``fmt`` bytes.

    One panel row per outcome; each comparison is one dot (the paired
    difference, in percentage points) with its 95 % interval. ``style`` and
    ``dpi`` as in :func:`tradegame.report.plot.outcome_figure`; ``labels`` maps
    outcome names to what the figure calls them (default: the names in words).
    """
    outcomes = list(dict.fromkeys(d.key[0] for c in comparisons for d in c.outcomes))
    outcomes = [
        o
        for o in outcomes
        if any(d.key[0] == o and (d.base or d.other) for c in comparisons for d in c.outcomes)
    ]
    st = STYLES[style]
    row = 1.8 * st.small_size / 72.0
    height = row * len(outcomes) * max(1, len(comparisons)) + 10 * st.title_size / 72.0
    with figures(style, dpi) as plt:
        fig, ax = plt.subplots(figsize=(st.width, height), layout="constrained")
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        step = 1.0 / (len(comparisons) + 1)
        for j, c in enumerate(comparisons):
            by = {d.key[0]: d for d in c.outcomes}
            ys, xs, lo, hi = [], [], [], []
            for i, o in enumerate(outcomes):
                d = by.get(o)
                if d is None:
                    continue
                ys.append(len(outcomes) - 1 - i + (j + 1) * step - 0.5)
                xs.append(100 * d.difference)
                lo.append(100 * (d.difference - d.ci95[0]))
                hi.append(100 * (d.ci95[1] - d.difference))
            ax.errorbar(
                xs,
                ys,
                xerr=[lo, hi],
                fmt="o",
                capsize=st.cap_size,
                color=colors[j % len(colors)],
                label=c.other,
            )
        ax.axvline(0, color="#888888", linewidth=1)
        names = [(labels or {}).get(o) or humanise(o) for o in outcomes[::-1]]
        ax.set_yticks(range(len(outcomes)), [st.wrap(n, 0.35 * st.width) for n in names])
        ax.set_xlabel(st.wrap("change in probability (percentage points), 95 % paired interval"))
        base = comparisons[0].base if comparisons else ""
        ax.set_title(
            st.wrap(
                f"Compared with {base}: {comparisons[0].samples:,} draws on common random "
                "numbers (the same draws on each side)",
                0.8 * st.width,
                st.title_size,
            )
            if comparisons
            else "",
        )
        ax.legend(loc="best")
        ax.spines[["top", "right"]].set_visible(False)
        return figure_bytes(fig, fmt)


def plot_comparisons(
    comparisons: Sequence[Comparison],
    path: str | Path,
    *,
    style: str = "talk",
    dpi: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Dot-and-interval plot of the differences (:func:`comparison_figure`) to a file.

    The format follows the file's suffix (see ``write_output``).
    """
    fig = comparison_figure(comparisons, figure_format(path), style=style, dpi=dpi, labels=labels)
    write_output(path, fig)

"""Tables and a figure for sensitivity analyses (:func:`tradegame.sensitivity`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.console import Group
from rich.text import Text

from tradegame.analysis.sensitivity import DUMMY, Sensitivity
from tradegame.report.files import write_output
from tradegame.report.plot import figure_bytes, figure_format, figures, humanise
from tradegame.report.style import STYLES
from tradegame.report.table import plain_table

__all__ = ["plot_sensitivity", "sensitivity_figure", "sensitivity_tables", "tornado_outcome"]


def tornado_outcome(s: Sensitivity) -> str:
    """The outcome whose probability the parameters move most (the tornado's default)."""
    outcomes = list(s.central)
    return max(outcomes, key=lambda o: sum(b.span(o) for b in s.tornado))


def _ordinal(q: float) -> str:
    """A percentile in words: 0.1 -> '10th', 0.9 -> '90th', 0.01 -> '1st'."""
    n = round(100 * q)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def sensitivity_tables(s: Sensitivity) -> Group:
    """The parameters ranked: tornado swing, global index with its interval, dead or not."""
    t = plain_table(
        "parameter",
        "tornado swing",
        "most moved outcome",
        "global index",
        "95 % interval",
        "",
        title="Which assumptions drive the outcome probabilities",
        caption=(
            f"tornado: each parameter from its {s.percentiles[0]:.0%} to its "
            f"{s.percentiles[1]:.0%} percentile, the others at their medians; global: PAWN "
            f"index from {s.samples:,} draws (seed {s.seed}), largest over outcomes"
        ),
    )
    swing = {b.parameter: b for b in s.tornado}
    dummy = max((i for i in s.indices if i.parameter == DUMMY), key=lambda i: i.ci95[1])
    for p in s.ranking:
        bar = swing[p]
        moved = max(s.central, key=lambda o: bar.span(o))
        best = max((i for i in s.indices if i.parameter == p), key=lambda i: i.index)
        t.add_row(
            p,
            f"{100 * bar.swing:.1f} pp",
            moved if bar.swing else "—",
            f"{best.index:.3f}",
            f"{best.ci95[0]:.3f} … {best.ci95[1]:.3f}",
            "dead" if p in s.dead else "",
        )
    notes = [f"an inert dummy parameter scores up to {dummy.ci95[1]:.3f} by chance"]
    if s.dead:
        notes.append(
            f"dead parameters (no effect on any outcome, within noise): {', '.join(s.dead)}; "
            "an assumption that changes nothing is worth a second look"
        )
    return Group(t, Text("\n".join(notes)))


def sensitivity_figure(
    s: Sensitivity,
    outcome: str | None = None,
    fmt: str = "svg",
    *,
    style: str = "talk",
    dpi: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> bytes:
    """A tornado for one outcome and the global indices, side by side, as ``fmt`` bytes.

    Parameters
    ----------
    outcome : str, optional
        The tornado's outcome; default :func:`tornado_outcome`.
    style : {'talk', 'paper'}, default 'talk'
    dpi : int, optional
        As in :func:`tradegame.report.plot.outcome_figure`.
    labels : mapping of str to str, optional
        Outcome name -> what the figure calls it (default: the name in words).
    """
    outcome = outcome or tornado_outcome(s)
    name = (labels or {}).get(outcome) or humanise(outcome)
    params = list(s.ranking)
    st = STYLES[style]
    with figures(style, dpi) as plt:
        row = 1.7 * st.small_size / 72.0
        height = row * len(params) + 14 * st.title_size / 72.0
        fig, (left, right) = plt.subplots(1, 2, figsize=(st.width, height), layout="constrained")
        bars = sorted(s.tornado, key=lambda b: b.span(outcome))
        centre = 100 * s.central[outcome]
        for y, b in enumerate(bars):
            lo, hi = 100 * b.probabilities_low[outcome], 100 * b.probabilities_high[outcome]
            # Low end above, high end below the line: both show when they fall on the same side.
            left.barh(y + 0.18, lo - centre, left=centre, color="#4c78a8", height=0.34)
            left.barh(y - 0.18, hi - centre, left=centre, color="#f58518", height=0.34)
        left.axvline(centre, color="#333333", linewidth=1)
        left.set_yticks(range(len(bars)), [b.parameter for b in bars])
        left.set_xlabel(
            st.wrap(
                f"probability of '{name}' (%): blue with the parameter at its "
                f"{_ordinal(s.percentiles[0])} percentile, orange at its "
                f"{_ordinal(s.percentiles[1])}",
                0.3 * st.width,
                st.label_size,
            )
        )
        left.set_title(
            st.wrap(
                f"How far each parameter moves '{name}', the other parameters at their medians",
                0.3 * st.width,
                st.title_size,
            )
        )
        top = {
            p: max((i for i in s.indices if i.parameter == p), key=lambda i: i.index)
            for p in params
        }
        order = params[::-1]
        values = [top[p].index for p in order]
        errs = [
            [top[p].index - top[p].ci95[0] for p in order],
            [top[p].ci95[1] - top[p].index for p in order],
        ]
        colors = ["#bbbbbb" if p in s.dead else "#54a24b" for p in order]
        right.barh(
            range(len(order)),
            values,
            xerr=errs,
            color=colors,
            ecolor="#333333",
            capsize=st.cap_size,
        )
        noise = max(i.ci95[1] for i in s.indices if i.parameter == DUMMY)
        right.axvline(
            noise, color="#e45756", linestyle="--", label="what an inert parameter scores (95 %)"
        )
        right.set_yticks(range(len(order)), order)
        right.set_xlabel(
            st.wrap(
                "PAWN index, largest over outcomes (grey: no effect within noise)",
                0.3 * st.width,
                st.label_size,
            )
        )
        right.set_title(
            st.wrap(
                f"Global sensitivity: all parameters varied together, {s.samples:,} draws",
                0.3 * st.width,
                st.title_size,
            )
        )
        right.set_ylim(-1.8, len(order) - 0.4)  # a row of room for the legend below the bars
        right.legend(loc="lower right")
        for ax in (left, right):
            ax.spines[["top", "right"]].set_visible(False)
        return figure_bytes(fig, fmt)


def plot_sensitivity(
    s: Sensitivity,
    path: str | Path,
    outcome: str | None = None,
    *,
    style: str = "talk",
    dpi: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> None:
    """The tornado and the global indices (:func:`sensitivity_figure`) to a file.

    The format follows the file's suffix (see ``write_output``).
    """
    fig = sensitivity_figure(s, outcome, figure_format(path), style=style, dpi=dpi, labels=labels)
    write_output(path, fig)

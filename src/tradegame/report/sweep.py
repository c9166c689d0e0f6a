"""Figures and tables for sweeps (:func:`tradegame.sweep`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Group
from rich.text import Text

from tradegame.analysis.sweep import Sweep
from tradegame.report.files import write_output
from tradegame.report.plot import figure_bytes, figure_format, figures, humanise
from tradegame.report.style import STYLES, FigureStyle
from tradegame.report.table import plain_table

__all__ = ["plot_sweep", "sweep_figure", "sweep_table"]


def sweep_table(s: Sweep) -> Group:
    """One row per grid point: the settings, then each outcome's probability."""
    shown = [o for o in s.outcomes if any(p.probabilities[o] > 0 for p in s.points)]
    t = plain_table(
        *(a.path for a in s.axes),
        *shown,
        title=f"Outcome probabilities over {' x '.join(a.path for a in s.axes)}",
        caption=f"{s.samples:,} draws per point, seed {s.seed}, the same draws at every point",
    )
    for p in s.points:
        t.add_row(
            *(f"{v:.4g}" if isinstance(v, float) else str(v) for v in p.values),
            *(f"{100 * p.probabilities[o]:.1f} %" for o in shown),
        )
    return Group(t, Text(""))


def plot_sweep(
    s: Sweep,
    path: str | Path,
    *,
    style: str = "talk",
    dpi: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> None:
    """One axis: a line per outcome with its 95 % band. Two: a map of the most likely outcome
    with contours of its probability. The format follows the file's suffix.

    ``style``, ``dpi`` and ``labels`` as in :func:`tradegame.report.plot.outcome_figure`.
    """
    write_output(path, sweep_figure(s, figure_format(path), style=style, dpi=dpi, labels=labels))


def sweep_figure(
    s: Sweep,
    fmt: str = "svg",
    *,
    style: str = "talk",
    dpi: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> bytes:
    """The figure of :func:`plot_sweep` as ``fmt`` bytes."""
    with figures(style, dpi) as plt:
        return figure_bytes(_draw_sweep(plt, s, STYLES[style], labels or {}), fmt)


def _draw_sweep(plt: Any, s: Sweep, st: FigureStyle, labels: Mapping[str, str]) -> Any:
    def name(o: str) -> str:
        return labels.get(o) or humanise(o)

    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    height = 0.6 * st.width
    if len(s.axes) == 1:
        axis = s.axes[0]
        x = np.array(axis.values if axis.numeric else range(len(axis.values)), dtype=float)
        fig, ax = plt.subplots(figsize=(st.width, height), layout="constrained")
        for k, o in enumerate(s.outcomes):
            p = np.array([pt.probabilities[o] for pt in s.points])
            if not p.any():
                continue
            lo = np.array([pt.ci95[o][0] for pt in s.points])
            hi = np.array([pt.ci95[o][1] for pt in s.points])
            c = colors[k % len(colors)]
            ax.plot(x, 100 * p, marker="o", color=c, label=name(o))
            ax.fill_between(x, 100 * lo, 100 * hi, color=c, alpha=0.2, linewidth=0)
        if not axis.numeric:
            ax.set_xticks(x, [str(v) for v in axis.values])
        ax.set_xlabel(axis.path)
        ax.set_ylabel("probability (%), 95 % band")
        ax.set_ylim(-2, 102)
        ax.legend(loc="best")
    else:
        a0, a1 = s.axes
        shape = (len(a0.values), len(a1.values))
        index = {o: k for k, o in enumerate(s.outcomes)}
        best = np.array([index[p.most_likely] for p in s.points]).reshape(shape)
        top = np.array([max(p.probabilities.values()) for p in s.points]).reshape(shape)
        fig, ax = plt.subplots(figsize=(st.width, height), layout="constrained")
        from matplotlib.colors import ListedColormap

        cmap = ListedColormap([colors[k % len(colors)] for k in range(len(s.outcomes))])
        x = np.arange(shape[1])
        y = np.arange(shape[0])
        ax.pcolormesh(x, y, best, cmap=cmap, vmin=-0.5, vmax=len(s.outcomes) - 0.5, alpha=0.55)
        if min(shape) > 1:
            cs = ax.contour(x, y, 100 * top, levels=[50, 60, 70, 80, 90], colors="#222222")
            ax.clabel(cs, fmt="%d %%", fontsize=st.small_size)
        ax.set_xticks(x, [f"{v:.3g}" if isinstance(v, float) else str(v) for v in a1.values])
        ax.set_yticks(y, [f"{v:.3g}" if isinstance(v, float) else str(v) for v in a0.values])
        ax.set_xlabel(a1.path)
        ax.set_ylabel(a0.path)
        handles = [
            plt.Rectangle((0, 0), 1, 1, color=colors[index[o] % len(colors)], alpha=0.55)
            for o in s.outcomes
            if (best == index[o]).any()
        ]
        ax.legend(
            handles,
            [name(o) for o in s.outcomes if (best == index[o]).any()],
            loc="upper right",
            title="most likely outcome",
        )
    ax.set_title(
        st.wrap(
            f"{s.scenario}: {s.samples:,} draws per point, the same draws at every point",
            0.9 * st.width,
            st.title_size,
        )
    )
    return fig

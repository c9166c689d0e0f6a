"""``explain --plot``: the payoff table as a figure, and the best-response diagram of a 2x2 game.

The left panel is the bimatrix: each cell the row player's payoff (left, blue) and
the column player's (right, red); a payoff in bold with a box is a best response
to the other's strategy, and a cell where both are best responses, a pure Nash
equilibrium, is shaded green (for a sequential game drawn as its reduced normal
form: dark green the subgame-perfect equilibria, light green with hatching the
other Nash equilibria). For a 2x2 game the right panel plots both best-response
correspondences in mixed strategies, ``p`` (the row player's probability of the
first strategy) against ``q`` (the column player's), with every equilibrium, pure
or mixed, where they cross (Osborne 2004, §4.3, Figure 4.1 in spirit).

The figure only draws the :class:`~tradegame.analysis.explain.PayoffTable` it is
given; nothing is solved here.
"""

from __future__ import annotations

import io
import itertools
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradegame.analysis.explain import Account, PayoffTable, frac, num
from tradegame.report.files import write_output
from tradegame.report.plot import figure_format, figures
from tradegame.report.style import figure_style

__all__ = ["indifference_spans", "payoff_figure", "plot_payoff_figure", "response_lines"]

ROW_COLOUR = "#1f4e9c"
COL_COLOUR = "#b2182b"
EQ_FILL = "#b8e0b0"
SPE_FILL = "#6cbf5f"


def plot_payoff_figure(
    account: Account, path: Path, *, style: str = "talk", dpi: int | None = None
) -> None:
    """Write ``explain --plot``'s figure to ``path`` (.png, .svg or .pdf).

    Raises
    ------
    ValueError
        When the account has no payoff table to draw (``account.table`` is None).
    """
    if account.table is None:
        raise ValueError("this game has no payoff table small enough to draw")
    write_output(path, payoff_figure(account.table, account.title, figure_format(path), style, dpi))


def payoff_figure(
    table: PayoffTable,
    title: str,
    fmt: str = "svg",
    style: str = "talk",
    dpi: int | None = None,
) -> bytes:
    """The figure as ``fmt`` bytes (SVG without a date, so the same game gives the same bytes)."""
    import matplotlib

    two_by_two = table.payoffs.shape[1:] == (2, 2)
    m, k = table.payoffs.shape[1:]
    with figures() as plt, figure_style(style, dpi) as st:
        char = 0.6 * st.font_size / 72  # inches per character, roughly
        cell_w = max(1.6, char * max(len(x) for x in t_cols(table)) + 0.6, char * 12)
        cell_h = 1.1 * st.font_size / 12
        label_w = char * max(len(x) for x in table.strategies[0]) + 0.5
        table_w = label_w + k * cell_w
        table_h = 1.2 + m * cell_h
        panel = max(4.5, 0.3 * st.font_size) if two_by_two else 0.0
        width = table_w + (panel + 0.8 if two_by_two else 0.0)
        height = max(table_h, panel + 1.2) + 1.0
        fig = plt.figure(figsize=(max(width, 6.0), height), layout="constrained")
        if two_by_two:
            grid = fig.add_gridspec(1, 2, width_ratios=[table_w, panel + 0.8])
            ax = fig.add_subplot(grid[0])
            ax2 = fig.add_subplot(grid[1])
        else:
            ax = fig.add_subplot(1, 1, 1)
            ax2 = None
        _draw_table(ax, table, st.font_size, label_w / cell_w)
        if ax2 is not None:
            _draw_responses(ax2, table, st.line_width)
        per_line = max(20, int(max(width, 6.0) * 72 / (0.6 * st.title_size)))
        fig.suptitle(textwrap.fill(title, per_line), fontsize=st.title_size)
        buf = io.BytesIO()
        metadata: Any = (
            {"Date": None} if fmt == "svg" else ({"CreationDate": None} if fmt == "pdf" else None)
        )
        try:
            fig.savefig(buf, format=fmt, dpi=matplotlib.rcParams["savefig.dpi"], metadata=metadata)
        finally:
            plt.close(fig)
    return buf.getvalue()


def t_cols(table: PayoffTable) -> list[str]:
    return [*table.strategies[1], f"{table.players[0]} \\ {table.players[1]}"]


def _draw_table(ax: Any, t: PayoffTable, font: float, label: float) -> None:
    from matplotlib.patches import Rectangle

    U, best = t.payoffs, t.best_responses
    m, k = U.shape[1:]
    eqs = set(t.equilibria)
    spe = set(t.subgame_perfect)
    for a in range(m):
        for b in range(k):
            y = m - 1 - a
            face, hatch = "white", None
            if (a, b) in eqs:
                if t.subgame_perfect and (a, b) not in spe:
                    face, hatch = EQ_FILL, "//"
                else:
                    face = SPE_FILL if t.subgame_perfect else EQ_FILL
            ax.add_patch(
                Rectangle(
                    (b, y), 1, 1, facecolor=face, edgecolor="#444444", hatch=hatch, linewidth=1.2
                )
            )
            for i, (x, colour, ha) in enumerate(
                ((b + 0.42, ROW_COLOUR, "right"), (b + 0.58, COL_COLOUR, "left"))
            ):
                is_best = bool(best[i, a, b])
                ax.text(
                    x,
                    y + 0.5,
                    num(U[i, a, b]),
                    ha=ha,
                    va="center",
                    color=colour,
                    fontsize=font * 1.15,
                    fontweight="bold" if is_best else "normal",
                    bbox=(
                        {"boxstyle": "round,pad=0.15", "fc": "none", "ec": colour, "lw": 1.2}
                        if is_best
                        else None
                    ),
                )
            ax.text(b + 0.5, y + 0.5, ",", ha="center", va="center", fontsize=font)
    for a, s in enumerate(t.strategies[0]):
        ax.text(
            -0.08,
            m - 1 - a + 0.5,
            s,
            ha="right",
            va="center",
            color=ROW_COLOUR,
            fontsize=font * 0.9,
        )
    for b, s in enumerate(t.strategies[1]):
        ax.text(
            b + 0.5,
            m + 0.08,
            s,
            ha="center",
            va="bottom",
            color=COL_COLOUR,
            fontsize=font * 0.9,
            rotation=0 if len(s) <= 12 else 20,
        )
    ax.text(
        -0.08,
        m + 0.08,
        f"{t.players[0]} \\ {t.players[1]}",
        ha="right",
        va="bottom",
        fontsize=font * 0.75,
        color="#333333",
    )
    legend = "boxed bold = best response; green = Nash equilibrium"
    if t.subgame_perfect:
        legend = "boxed bold = best response; dark green = subgame-perfect, hatched = Nash only"
    mixing = [(x, y) for x, y in t.mixed if (x > 1e-9).sum() > 1 or (y > 1e-9).sum() > 1]
    if mixing and U.shape[1:] != (2, 2):  # a 2x2 game shows them in its second panel
        legend += "\nmixed equilibri" + ("um: " if len(mixing) == 1 else "a: ")
        legend += "; ".join(
            " / ".join(
                ", ".join(
                    f"{t.strategies[i][a]} {frac(float(z[a]))}" for a in np.flatnonzero(z > 1e-9)
                )
                for i, z in enumerate((x, y))
            )
            for x, y in mixing[:2]
        )
        if len(mixing) > 2:
            legend += f" (and {len(mixing) - 2} more)"
    ax.text(
        k / 2, -0.08, legend, ha="center", va="top", fontsize=font * 0.6, color="#333333", wrap=True
    )
    ax.set_xlim(-label, k + 0.02)
    ax.set_ylim(-0.45, m + 0.45)
    ax.set_aspect("auto")
    ax.axis("off")


Segment = tuple[tuple[float, float], tuple[float, float]]


def response_lines(U: NDArray[np.float64]) -> tuple[list[Segment], list[Segment]]:
    """The best-response correspondences of a 2x2 game as segments in the (p, q) square.

    ``p`` is the row player's probability of the first strategy, ``q`` the column
    player's. Returns the row player's best responses ``p(q)`` and the column
    player's ``q(p)``, each a list of segments ``((p0, q0), (p1, q1))``: where the
    player strictly prefers a strategy, a horizontal or vertical run at 0 or 1;
    where indifferent, the whole interval [0, 1] across.

    Examples
    --------
    Matching pennies: the row player matches (p = 1 when q > 1/2).

    >>> U = np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]], dtype=float)
    >>> row, col = response_lines(U)
    >>> row
    [((0.0, 0.0), (0.0, 0.5)), ((0.0, 0.5), (1.0, 0.5)), ((1.0, 0.5), (1.0, 1.0))]
    """
    A, B = U[0], U[1]
    # Row: first strategy minus second, against q; column: first minus second, against p.
    row = _segments(A[0, 0] - A[1, 0], A[0, 1] - A[1, 1])
    col = _segments(B[0, 0] - B[0, 1], B[1, 0] - B[1, 1])
    flip = [((b0, a0), (b1, a1)) for (a0, b0), (a1, b1) in row]
    return flip, col


def indifference_spans(
    U: NDArray[np.float64],
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Intervals of the other's probability over which a player of a 2x2 game is
    indifferent: the row player's as intervals of ``q``, the column player's of ``p``
    (every mix is then a best response; the figure shades them). Usually empty.

    >>> indifference_spans(np.zeros((2, 2, 2)))
    ([(0.0, 1.0)], [(0.0, 1.0)])
    """
    A, B = U[0], U[1]
    return (
        _flat(float(A[0, 0] - A[1, 0]), float(A[0, 1] - A[1, 1])),
        _flat(float(B[0, 0] - B[0, 1]), float(B[1, 0] - B[1, 1])),
    )


def _flat(at_one: float, at_zero: float, tol: float = 1e-12) -> list[tuple[float, float]]:
    return [(0.0, 1.0)] if abs(at_one) <= tol and abs(at_zero) <= tol else []


def _segments(at_one: float, at_zero: float, tol: float = 1e-12) -> list[Segment]:
    """Segments ``((z0, v0), (z1, v1))``: the best probability ``v`` of the first
    strategy against the other's ``z``, the first strategy paying
    ``at_one * z + at_zero * (1 - z)`` more than the second."""

    def diff(z: float) -> float:
        return at_one * z + at_zero * (1 - z)

    cuts = [0.0, 1.0]
    slope = at_one - at_zero
    star = None
    if abs(slope) > tol:
        star = float(-at_zero / slope)
        if 0 < star < 1:
            cuts = [0.0, star, 1.0]
    out: list[Segment] = []
    for lo, hi in itertools.pairwise(cuts):
        d = diff((lo + hi) / 2)
        if abs(d) <= tol:  # indifferent all along: every probability is a best response
            out += [
                ((lo, 0.0), (hi, 0.0)),
                ((lo, 1.0), (hi, 1.0)),
                ((lo, 0.0), (lo, 1.0)),
                ((hi, 0.0), (hi, 1.0)),
            ]
            continue
        v = 1.0 if d > 0 else 0.0
        if out and out[-1][1][1] != v:
            out.append(((lo, out[-1][1][1]), (lo, v)))  # the jump where indifferent
        out.append(((lo, v), (hi, v)))
    if star is not None and (abs(star) <= 1e-9 or abs(star - 1) <= 1e-9):
        z = round(star)
        out.append(((z, 0.0), (z, 1.0)))  # indifferent at an end of the interval
    return out


def _draw_responses(ax: Any, t: PayoffTable, lw: float) -> None:
    row, col = response_lines(t.payoffs)
    row_flat, col_flat = indifference_spans(t.payoffs)
    for lo, hi in row_flat:
        ax.axhspan(lo, hi, color=ROW_COLOUR, alpha=0.12, lw=0)
    for lo, hi in col_flat:
        ax.axvspan(lo, hi, color=COL_COLOUR, alpha=0.12, lw=0)
    for segs, colour, style, who in ((row, ROW_COLOUR, "-", 0), (col, COL_COLOUR, "--", 1)):
        for k, (a, b) in enumerate(segs):
            ax.plot(
                [a[0], b[0]],
                [a[1], b[1]],
                color=colour,
                lw=lw * 1.2,
                ls=style,
                label=f"{t.players[who]}'s best response" if k == 0 else None,
            )
    points = {(float(x[0]), float(y[0])) for x, y in t.mixed}
    points |= {(1.0 - a, 1.0 - b) for a, b in t.equilibria}
    for px, qy in sorted(points):
        ax.plot([px], [qy], "o", color="black", markersize=4 * lw, zorder=5)
        ax.annotate(
            f"({frac(px)}, {frac(qy)})",
            (px, qy),
            textcoords="offset points",
            xytext=(8 if px < 0.8 else -8, 8 if qy < 0.8 else -14),
            ha="left" if px < 0.8 else "right",
            fontsize="small",
        )
    ax.set_xlim(-0.06, 1.06)
    ax.set_ylim(-0.06, 1.06)
    ax.set_aspect("equal")
    ax.set_xlabel(f"p = P({t.players[0]} plays {t.strategies[0][0]})")
    ax.set_ylabel(f"q = P({t.players[1]} plays {t.strategies[1][0]})")
    ax.set_title("Best responses (mixed)", fontsize="medium")
    ax.figure.legend(loc="outside lower right", ncols=2, fontsize="small", frameon=False)
    ax.grid(True, alpha=0.3)

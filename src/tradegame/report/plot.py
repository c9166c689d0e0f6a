"""Figures: outcome probabilities with their confidence intervals.

Every figure is drawn by a function that returns its bytes (for the HTML
report, which inlines SVG) and written by one that calls it (for ``--plot``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tradegame.montecarlo.result import NO_EQUILIBRIUM, SimulationResult
from tradegame.report.files import write_output

__all__ = ["figure_bytes", "figure_format", "figures", "outcome_figure", "plot_outcomes"]


@contextmanager
def figures() -> Iterator[Any]:
    """Matplotlib's pyplot, with the settings every tradegame figure is drawn under.

    Scenario text is untrusted and shown as it is: ``text.parse_math`` is off,
    so a title with two ``$`` signs is not read as TeX (which may fail). SVG
    text is drawn as paths (no font is needed to view it, and no scenario text
    is left as markup), and SVG ids are salted with a constant, so that the
    same figure gives the same bytes.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(
        {"text.parse_math": False, "svg.fonttype": "path", "svg.hashsalt": "tradegame"}
    ):
        yield plt


def figure_format(path: str | Path) -> str:
    """The image format a path asks for by its suffix (PNG without one)."""
    return Path(path).suffix.lstrip(".").lower() or "png"


def figure_bytes(fig: Any, fmt: str) -> bytes:
    """A figure saved in memory as ``fmt`` (``png``, ``svg``, ``pdf``), then closed.

    SVG is written without its date, so the same figure gives the same bytes.
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    try:
        fig.savefig(buf, format=fmt, dpi=120, metadata=metadata)
    finally:
        plt.close(fig)
    return buf.getvalue()


def outcome_figure(result: SimulationResult, fmt: str = "svg") -> bytes:
    """Bar chart of outcome probabilities with 95 % interval bars, as ``fmt`` bytes."""
    reported = result.options.get("no_equilibrium", "report") == "report"
    outcomes = [
        o
        for o in result.outcomes
        # With a fallback rule, draws without a pure equilibrium are played, not counted apart.
        if reported or o.label != NO_EQUILIBRIUM or o.count > 0
    ]
    labels = [o.label.replace("_", " ") for o in outcomes]
    probs = [o.probability * 100 for o in outcomes]
    lower = [(o.probability - o.ci95[0]) * 100 for o in outcomes]
    upper = [(o.ci95[1] - o.probability) * 100 for o in outcomes]
    with figures() as plt:
        fig, ax = plt.subplots(figsize=(8, 0.55 * len(outcomes) + 1.6), layout="constrained")
        y = list(range(len(outcomes)))[::-1]
        ax.barh(y, probs, xerr=[lower, upper], color="#3b6ea8", ecolor="#222222", capsize=3)
        for yi, p in zip(y, probs, strict=True):
            ax.text(p + 1, yi, f"{p:.1f} %", va="center", fontsize=9)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, max(100.0, max(probs) + 12))
        ax.set_xlabel("probability (%) with 95 % Wilson interval")
        ax.set_title(
            f"{result.scenario_title}\n{result.samples:,} draws, seed {result.seed}, "
            f"{result.solution}, selection {result.selection}",
            fontsize=10,
        )
        ax.spines[["top", "right"]].set_visible(False)
        return figure_bytes(fig, fmt)


def plot_outcomes(result: SimulationResult, path: str | Path) -> None:
    """Bar chart of outcome probabilities with 95 % interval bars (see ``write_output``).

    The format follows the file's suffix (``.png``, ``.svg``, ``.pdf``).
    """
    write_output(path, outcome_figure(result, figure_format(path)))

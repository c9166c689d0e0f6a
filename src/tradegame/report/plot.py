"""Figures: outcome probabilities with their confidence intervals."""

from __future__ import annotations

import io
from pathlib import Path

from tradegame.montecarlo.result import NO_EQUILIBRIUM, SimulationResult
from tradegame.report.files import write_output

__all__ = ["plot_outcomes"]


def plot_outcomes(result: SimulationResult, path: str | Path) -> None:
    """Bar chart of outcome probabilities with 95 % interval bars (see ``write_output``).

    The format follows the file's suffix (``.png``, ``.svg``, ``.pdf``).
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

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
    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=120)
    plt.close(fig)
    write_output(path, buf.getvalue())

"""Tables and a figure of a backtest (:func:`tradegame.analysis.backtest.backtest`)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.text import Text

from tradegame.analysis.backtest import FORECASTERS, Backtest
from tradegame.report.files import write_output
from tradegame.report.plot import figure_bytes, figure_format, figures
from tradegame.report.style import STYLES
from tradegame.report.table import plain_table

__all__ = ["backtest_figure", "backtest_tables", "plot_backtest"]

_NAMES = {"model": "model", "uniform": "uniform", "base_rate": "base rate"}


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.1f} %"


def backtest_tables(bt: Backtest) -> Group:
    """A row per round, the totals and means, the model's reliability table, the caveat."""
    rounds = plain_table(
        "as of",
        "round",
        "observed",
        "category",
        "P(observed)",
        "P(category)",
        title="Backtest: what each round's model gave what happened",
        caption="P(observed): the model's probability of the outcome that happened; "
        "P(category): of its category (the outcomes of the category summed).",
    )
    rounds.columns[0].no_wrap = True
    rounds.columns[1].justify = "left"
    for r in bt.rounds:
        rounds.add_row(
            r.as_of.isoformat(),
            r.title,
            r.observed,
            r.category,
            _pct(r.p_observed),
            _pct(r.forecasts["model"][r.category]),
        )
    per_round = plain_table(
        "as of",
        *(f"{_NAMES[f]} {s}" for f in FORECASTERS for s in ("Brier", "log")),
        title="Scores per round (lower is better)",
        caption="Brier: sum over the 5 categories of (p - y)^2, 0 to 2; log: -ln p of the "
        "observed category. Uniform: over the categories the round can reach; base rate: the "
        "earlier rounds' categories, Laplace-smoothed.",
    )
    per_round.columns[0].no_wrap = True
    for r in bt.rounds:
        per_round.add_row(
            r.as_of.isoformat(),
            *(f"{getattr(r.scores[f], s):.3f}" for f in FORECASTERS for s in ("brier", "log")),
        )
    totals = plain_table(
        "forecast",
        "total Brier",
        "mean Brier",
        "total log",
        "mean log",
        title=f"Scores over {len(bt.rounds)} round{'s' if len(bt.rounds) != 1 else ''}",
    )
    for f in FORECASTERS:
        t, m = bt.totals[f], bt.means[f]
        totals.add_row(
            _NAMES[f], f"{t.brier:.3f}", f"{m.brier:.3f}", f"{t.log:.3f}", f"{m.log:.3f}"
        )
    rel = plain_table(
        "predicted",
        "pairs",
        "mean predicted",
        "observed",
        "observed frequency",
        title="Reliability of the model: every (round, category) pair, by predicted probability",
    )
    last = len(bt.reliability) - 1
    for k, b in enumerate(bt.reliability):
        close = "]" if k == last else ")"
        rel.add_row(
            f"[{100 * b.low:.0f} %, {100 * b.high:.0f} %{close}",
            str(b.count),
            _pct(b.mean_predicted),
            str(b.observed),
            _pct(b.observed_frequency),
        )
    windows = plain_table(
        "as of",
        "resolution window",
        "resolved",
        title="What each round was scored against: the resolution windows",
    )
    windows.columns[0].no_wrap = True
    windows.columns[1].justify = "left"
    for r in bt.rounds:
        windows.add_row(r.as_of.isoformat(), r.window, r.resolved.isoformat())
    unassigned = [r for r in bt.rounds if r.unassigned > 0]
    notes: list[Text] = []
    if unassigned:
        notes.append(
            Text(
                "Outcomes without a category (counted against the model): "
                + "; ".join(f"{r.title}: {_pct(r.unassigned)}" for r in unassigned)
            )
        )
    return Group(
        rounds,
        Text(""),
        per_round,
        Text(""),
        totals,
        Text(""),
        rel,
        Text(""),
        windows,
        Text(""),
        *notes,
        Text(f"Note: {bt.caveat}."),
    )


def backtest_figure(
    bt: Backtest, fmt: str = "svg", *, style: str = "talk", dpi: int | None = None
) -> bytes:
    """The backtest in two panels, as ``fmt`` bytes: each round's Brier score for the
    model, a uniform forecast and the base rate (lower is better), and the model's
    reliability diagram (mean predicted probability against observed frequency per bin,
    each point marked with its number of pairs; the diagonal is perfect calibration).

    ``style`` and ``dpi`` as in :func:`tradegame.report.plot.outcome_figure`.
    """
    st = STYLES[style]
    with figures(style, dpi) as plt:
        fig, (left, right) = plt.subplots(
            1, 2, figsize=(st.width, 0.5 * st.width), layout="constrained"
        )
        x = list(range(len(bt.rounds)))
        for f, marker in zip(FORECASTERS, ("o", "s", "^"), strict=False):
            left.plot(x, [r.scores[f].brier for r in bt.rounds], marker=marker, label=_NAMES[f])
        left.set_xticks(x, [r.as_of.isoformat() for r in bt.rounds], rotation=30, ha="right")
        left.set_ylabel("Brier score (lower is better)")
        left.set_title(st.wrap("Each round's forecast, scored", 0.4 * st.width, st.title_size))
        top = max(r.scores[f].brier for r in bt.rounds for f in FORECASTERS) if bt.rounds else 1
        left.set_ylim(0, 1.35 * max(top, 0.1))  # room for the legend above the lines
        left.legend(loc="upper center", ncol=len(FORECASTERS))
        used = [b for b in bt.reliability if b.count and b.mean_predicted is not None]
        right.plot([0, 100], [0, 100], ls="--", color="#888888", label="perfect calibration")
        right.plot(
            [100 * (b.mean_predicted or 0.0) for b in used],
            [100 * (b.observed_frequency or 0.0) for b in used],
            marker="o",
            color="#3b6ea8",
            label="the model (n: pairs in the bin)",
        )
        for b in used:
            right.annotate(
                f"n={b.count}",
                (100 * (b.mean_predicted or 0.0), 100 * (b.observed_frequency or 0.0)),
                textcoords="offset points",
                xytext=(0, st.small_size * 0.7),
                ha="center",
            )
        right.set_xlim(-3, 103)
        right.set_ylim(-3, 145)  # room for the legend above the points
        right.set_yticks(range(0, 101, 20))
        right.set_xlabel("predicted probability (%)")
        right.set_ylabel("observed frequency (%)")
        right.set_title(
            st.wrap("Reliability of the model's probabilities", 0.4 * st.width, st.title_size)
        )
        right.legend(loc="upper left")
        for ax in (left, right):
            ax.spines[["top", "right"]].set_visible(False)
        return figure_bytes(fig, fmt)


def plot_backtest(
    bt: Backtest, path: str | Path, *, style: str = "talk", dpi: int | None = None
) -> None:
    """The backtest's figure (:func:`backtest_figure`) to a file; the format follows the
    suffix (see ``write_output``)."""
    write_output(path, backtest_figure(bt, figure_format(path), style=style, dpi=dpi))

"""Tables of a backtest (:func:`tradegame.analysis.backtest.backtest`)."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from tradegame.analysis.backtest import FORECASTERS, Backtest
from tradegame.report.table import plain_table

__all__ = ["backtest_tables"]

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

"""Terminal tables (rich) of simulation results, and the plain tables every report uses.

A solved central game's tables are in :mod:`tradegame.report.central_tables`;
nothing is solved here.

Every table is a :class:`TextTable`: scenario text in it (titles, labels, units,
player and option names) is shown as plain text, with control characters
written as visible escapes and rich markup such as ``[bold]`` printed as it
is, whatever console prints it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from tradegame._text import printable
from tradegame.montecarlo.result import NO_EQUILIBRIUM, SimulationResult

if TYPE_CHECKING:
    pass

__all__ = [
    "ICD_203",
    "TextTable",
    "certainty_line",
    "likelihood_word",
    "likelihood_words",
    "percent",
    "plain_cell",
    "plain_table",
    "print_group",
    "result_tables",
    "stack_tables",
]


def plain_cell(value: Any, style: Any = "") -> Any:
    """A string as literal, escaped text (rich markup is not interpreted); others as given."""
    return Text(printable(value), style=style) if isinstance(value, str) else value


class TextTable(Table):
    """A rich table that shows every string given to it as plain, escaped text.

    Scenario files are untrusted: a title such as ``"\\e[2J"`` or a label such as
    ``"[blink]x"`` must reach the terminal as the characters it is made of.
    """

    def __init__(self, *headers: Any, title: Any = None, caption: Any = None, **kw: Any):
        # A Text title is printed as it is: give it the style rich gives a str title.
        super().__init__(
            *(plain_cell(h) for h in headers),
            title=plain_cell(title, kw.get("title_style") or "table.title"),
            caption=plain_cell(caption, kw.get("caption_style") or "table.caption"),
            **kw,
        )

    def add_column(self, header: Any = "", *args: Any, **kw: Any) -> None:
        super().add_column(plain_cell(header), *args, **kw)

    def add_row(self, *renderables: Any, **kw: Any) -> None:
        super().add_row(*(plain_cell(r) for r in renderables), **kw)


def percent(x: float) -> str:
    """A probability as a percentage with one decimal, e.g. ``"12.5 %"``."""
    return f"{100 * x:.1f} %"


def _se(x: float | None) -> str:
    """A standard error in percentage points, to two decimals (it is small)."""
    return "—" if x is None else f"{100 * x:.2f}"


#: The likelihood scale of Intelligence Community Directive 203, "Analytic
#: Standards" (Office of the Director of National Intelligence, 2 January 2015,
#: section D.6.b.(2)(a)): upper bound of each band and its word. ICD 203 writes
#: the bands as 01-05 %, 05-20 %, ..., 95-99 %; a probability on a boundary
#: gets the higher band, and the ends (below 1 %, above 99 %) the end words.
ICD_203: tuple[tuple[float, str], ...] = (
    (0.05, "almost no chance"),
    (0.20, "very unlikely"),
    (0.45, "unlikely"),
    (0.55, "roughly even chance"),
    (0.80, "likely"),
    (0.95, "very likely"),
    (math.inf, "almost certain"),
)


def likelihood_word(p: float) -> str:
    """The ICD 203 word for a probability.

    Examples
    --------
    >>> likelihood_word(0.5), likelihood_word(0.62), likelihood_word(0.97)
    ('roughly even chance', 'likely', 'almost certain')
    """
    return next(word for top, word in ICD_203 if p < top)


def likelihood_words(p: float, ci95: tuple[float, float] | None = None) -> str:
    """The ICD 203 word of a point estimate, and the words of its interval when they differ.

    When the 95 % interval reaches into other bands, the reader should not
    take the word for more than it is: the other words follow, in brackets.

    Examples
    --------
    >>> likelihood_words(0.6, (0.57, 0.63))
    'likely'
    >>> likelihood_words(0.56, (0.52, 0.60))
    'likely (or roughly even chance)'
    >>> likelihood_words(0.5, (0.3, 0.7))
    'roughly even chance (or unlikely, likely)'
    """
    word = likelihood_word(p)
    if ci95 is None:
        return word
    others = [w for w in dict.fromkeys(map(likelihood_word, (ci95[0], ci95[1]))) if w != word]
    return f"{word} (or {', '.join(others)})" if others else word


def certainty_line(result: SimulationResult) -> str | None:
    """The one line that replaces an interval when one outcome happens in every draw."""
    label = result.certain_outcome
    if label is None:
        return None
    return (
        f"{printable(label)} in all {result.samples:,} draws: the uncertainty never changes "
        "the outcome"
    )


def _outcome_table(result: SimulationResult, words: bool = False) -> Table:
    no_eq_reported = result.options.get("no_equilibrium", "report") == "report"
    without_pure = result.equilibrium_counts.get(0, 0)
    caption = [
        f"{result.samples:,} draws · seed {result.seed} · {result.solution} · "
        f"selection: {result.selection}"
    ]
    if without_pure and not no_eq_reported and result.solution == "pure_nash":
        rule = result.options.get("no_equilibrium", "")
        rule = getattr(rule, "value", rule)  # the run's options may hold the enum
        caption.append(
            f"{without_pure:,} draws had no pure equilibrium and were played by the {rule!r} rule"
        )
    if any(not float(o.count).is_integer() for o in result.outcomes):
        caption.append("draws: expected counts (a draw with several equilibria is shared out)")
    if result.sampling.get("scheme") == "sobol":
        caption.append(
            f"quasi-Monte Carlo: {result.sampling['replicates']} scrambled Sobol sequences; "
            "intervals from the spread of their means"
        )
    if result.precision is not None:
        prec = result.precision
        caption.append(
            f"precision target ±{100 * prec['target']:g} %: "
            + (
                f"reached with {result.samples:,} draws"
                if prec["reached"]
                else f"NOT reached: stopped at the cap of {prec['max_samples']:,} draws "
                f"(widest half-width ±{100 * prec['half_width']:.2g} %)"
            )
        )
    certain = certainty_line(result)
    if certain is not None:
        caption.append(certain)
    t = TextTable(
        title=result.scenario_title,
        caption="\n".join(caption),
        title_justify="left",
        caption_justify="left",
    )
    t.add_column("outcome", overflow="fold")
    t.add_column("probability", justify="right")
    t.add_column("s.e. (pp)", justify="right")
    t.add_column("95 % interval", justify="right")
    if words:
        t.add_column("in words (ICD 203)", overflow="fold")
    t.add_column("draws", justify="right")
    for o in result.outcomes:
        if o.label == NO_EQUILIBRIUM and o.count == 0 and not no_eq_reported:
            continue  # such draws were played by the fallback rule, stated in the caption
        # An outcome in every draw (or in none while another is certain): no spurious interval.
        exact = certain is not None
        t.add_row(
            o.label,
            percent(o.probability),
            "—" if exact else _se(o.std_error),
            "—" if exact else f"{percent(o.ci95[0])} – {percent(o.ci95[1])}",
            *([likelihood_words(o.probability, None if exact else o.ci95)] if words else []),
            f"{o.count:,.0f}" if float(o.count).is_integer() else f"{o.count:,.1f}",
            style="dim" if o.count == 0 else None,
        )
    return t


def _equilibrium_table(result: SimulationResult) -> Table:
    """One row per player and equilibrium, so that long strategy names fit 80 columns."""
    players = list(result.expected_payoffs)
    equilibria = result.central_game.equilibria
    sequential = bool(equilibria) and equilibria[0].probability is not None
    where = "(parameters at their medians)"
    if sequential:
        eq = TextTable(title=f"Equilibrium play of the central game {where}", title_justify="left")
        stages = max((list(e.strategies) for e in equilibria), key=len)
        # Plays of a game tree meet different moves: one column for the whole path then.
        one_column = any(list(e.strategies) != stages[: len(e.strategies)] for e in equilibria)
        for c in ["path"] if one_column else stages:
            eq.add_column(c, overflow="fold")
        eq.add_column("probability", justify="right")
        eq.add_column("outcome", overflow="fold")
        for p in players:
            eq.add_column(f"payoff {p}", justify="right")
        for e in equilibria:
            eq.add_row(
                *(
                    [" > ".join(f"{k}: {v}" for k, v in e.strategies.items())]
                    if one_column
                    else [e.strategies.get(c, "") for c in stages]
                ),
                percent(e.probability or 0.0),
                e.outcome,
                *[f"{e.payoffs[p]:.2f}" for p in players],
            )
        return eq
    eq = TextTable(title=f"Pure equilibria of the central game {where}", title_justify="left")
    eq.add_column("#", justify="right")
    eq.add_column("player")
    eq.add_column("plays", overflow="fold")
    eq.add_column("payoff", justify="right")
    eq.add_column("outcome", overflow="fold")
    for k, e in enumerate(equilibria, start=1):
        for j, p in enumerate(players):
            levers = list(result.lever_options.get(p, {}))
            plays = ", ".join(f"{lv}={e.levers[lv]}" for lv in levers if lv in e.levers)
            eq.add_row(
                str(k) if j == 0 else "",
                p,
                plays or e.strategies.get(p, ""),
                f"{e.payoffs[p]:.2f}",
                e.outcome if j == 0 else "",
                end_section=j == len(players) - 1,
            )
    if not equilibria:
        eq.add_row("—", "—", "no pure equilibrium", "—", "—")
    return eq


def result_tables(result: SimulationResult, words: bool = False) -> Group:
    """Outcome probabilities, central-game equilibria and expected payoffs.

    Every probability and expected payoff comes with its Monte Carlo standard
    error; with ``words``, outcome and path probabilities also get their ICD
    203 likelihood words (:func:`likelihood_words`).
    """
    parts: list[Table | Text] = [
        _outcome_table(result, words),
        Text(""),
        _equilibrium_table(result),
        Text(""),
    ]
    if result.paths:
        paths = TextTable(title="Most likely paths of play", title_justify="left")
        paths.add_column("path", overflow="fold")
        paths.add_column("probability", justify="right")
        paths.add_column("s.e. (pp)", justify="right")
        paths.add_column("95 % interval", justify="right")
        if words:
            paths.add_column("in words (ICD 203)", overflow="fold")
        for path in result.paths[:10]:
            paths.add_row(
                path.label,
                percent(path.probability),
                _se(path.std_error),
                f"{percent(path.ci95[0])} – {percent(path.ci95[1])}",
                *([likelihood_words(path.probability, path.ci95)] if words else []),
            )
        parts += [paths, Text("")]
    pay = TextTable(
        title="Expected payoffs",
        caption=result.units,
        title_justify="left",
        caption_justify="left",
    )
    pay.add_column("player")
    pay.add_column("expected payoff", justify="right")
    pay.add_column("s.e.", justify="right")
    for p, v in result.expected_payoffs.items():
        se = result.expected_payoffs_std_error.get(p)
        pay.add_row(p, "—" if v is None else f"{v:.2f}", "—" if se is None else f"{se:.3g}")
    return Group(*parts, pay)


def print_group(group: Group, console: Console | None = None) -> None:
    (console or Console(emoji=False, markup=False)).print(group)


def stack_tables(*tables: Table) -> Table:
    """Tables one under the other, as one renderable table."""
    grid = Table.grid()
    for k, table in enumerate(tables):
        if k:
            grid.add_row(Text(""))
        grid.add_row(table)
    return grid


def plain_table(*headers: str, title: str = "", caption: str | None = None) -> Table:
    """A table whose every string (title, headers, cells) is shown as plain, escaped text.

    The first column is left-aligned, the others right-aligned; scenario text
    in it is never read as rich markup.
    """
    t = TextTable(title=title, caption=caption, title_justify="left", caption_justify="left")
    for k, h in enumerate(headers):
        t.add_column(h, justify="left" if k == 0 else "right", overflow="fold")
    return t

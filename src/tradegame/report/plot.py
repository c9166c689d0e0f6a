"""Figures: outcome probabilities with their confidence intervals.

Every figure is drawn by a function that returns its bytes (for the HTML
report, which inlines SVG) and written by one that calls it (for ``--plot``).
Each is drawn in a named style (:mod:`tradegame.report.style`: ``talk`` for a
projector, ``paper`` for print) and says what it shows in words: the solution
concept and selection rule as a sentence, outcomes by their labels.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from tradegame.montecarlo.result import NO_EQUILIBRIUM, SimulationResult
from tradegame.report.files import write_output
from tradegame.report.style import STYLES, FigureStyle, figure_style
from tradegame.scenario.load import Scenario

__all__ = [
    "concept_words",
    "draw_outcomes",
    "figure_bytes",
    "figure_format",
    "figures",
    "humanise",
    "is_deterministic",
    "outcome_figure",
    "outcome_labels",
    "plot_outcomes",
]

_BAR = "#3b6ea8"
_WHISKER = "#222222"


@contextmanager
def figures(style: str | None = None, dpi: int | None = None) -> Iterator[Any]:
    """Matplotlib's pyplot, with the settings every tradegame figure is drawn under.

    Scenario text is untrusted and shown as it is: ``text.parse_math`` is off,
    so a title with two ``$`` signs is not read as TeX (which may fail). SVG
    text is drawn as paths (no font is needed to view it, and no scenario text
    is left as markup), and SVG ids are salted with a constant, so that the
    same figure gives the same bytes.

    Parameters
    ----------
    style : {'talk', 'paper'}, optional
        Also apply this figure style (:func:`tradegame.report.style.figure_style`).
    dpi : int, optional
        Resolution of raster output, with ``style``.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    with ExitStack() as stack:
        if style is not None:
            stack.enter_context(figure_style(style, dpi))
        stack.enter_context(
            matplotlib.rc_context(
                {"text.parse_math": False, "svg.fonttype": "path", "svg.hashsalt": "tradegame"}
            )
        )
        yield plt


def figure_format(path: str | Path) -> str:
    """The image format a path asks for by its suffix (PNG without one)."""
    return Path(path).suffix.lstrip(".").lower() or "png"


def figure_bytes(fig: Any, fmt: str) -> bytes:
    """A figure saved in memory as ``fmt`` (``png``, ``svg``, ``pdf``), then closed.

    The resolution is the style's (``savefig.dpi``). SVG and PDF are written
    without their date, so the same figure gives the same bytes.
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    metadata: dict[str, Any] | None = None
    if fmt == "svg":
        metadata = {"Date": None}
    elif fmt == "pdf":
        metadata = {"CreationDate": None}
    try:
        fig.savefig(buf, format=fmt, metadata=metadata)
    finally:
        plt.close(fig)
    return buf.getvalue()


def humanise(name: str) -> str:
    """An identifier as words: ``one_backs_down`` -> ``One backs down``.

    Examples
    --------
    >>> humanise("one_backs_down")
    'One backs down'
    >>> humanise("no_pure_equilibrium")
    'No pure equilibrium'
    """
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def outcome_labels(scenario: Scenario | None) -> dict[str, str]:
    """What a figure calls each outcome of a scenario: the label the scenario gives
    (a tree's ``outcomes.NAME.label``), else the name in words (:func:`humanise`)."""
    if scenario is None:
        return {}
    given = {o.name: o.label for o in scenario.tree.outcomes} if scenario.tree else {}
    return {
        name: given[name] if given.get(name, name) != name else humanise(name)
        for name in (*scenario.outcome_labels, NO_EQUILIBRIUM)
    }


_SOLUTIONS = {
    "pure_nash": "pure Nash equilibrium",
    "mixed_nash": "mixed Nash equilibrium",
    "qre": "logit quantal response equilibrium",
    "subgame_perfect": "subgame-perfect equilibrium",
    "correlated": "correlated equilibrium with the largest total payoff",
    "maxmin": "each player's maxmin (security) strategy",
    "nash_bargaining": "Nash bargaining solution",
    "kalai_smorodinsky": "Kalai-Smorodinsky bargaining solution",
    "rationalizable": "rationalizable profiles (iterated elimination of dominated strategies)",
}


def concept_words(result: SimulationResult) -> str:
    """The solution concept and selection rule of a run in plain words.

    Examples: "pure Nash equilibrium, several chosen uniformly at random";
    "subgame-perfect equilibrium (backward induction; an indifferent player takes the
    option listed first)".
    """
    solution, selection = str(result.solution), str(result.selection)
    options = result.options
    lam = options.get("qre_lambda")
    words = _SOLUTIONS.get(solution, solution.replace("_", " "))
    if solution == "qre" and lam is not None:
        words += f" (precision {lam:g})"
    if solution == "subgame_perfect":
        if selection.startswith("tie_break:"):
            rule = selection.split(":", 1)[1]
            how = {
                "first": "an indifferent player takes the option listed first",
                "uniform": "an indifferent player mixes equally over the tied options",
            }.get(rule, f"ties broken by rule {rule!r}")
            return f"{words} (backward induction; {how})"
        # Imperfect information: Nash equilibria of the reduced normal form.
        words = "Nash equilibrium of the reduced normal form (imperfect information)"
        if selection in ("uniform", "payoff_dominant", "risk_dominant"):
            words = "pure " + words
    if selection == "uniform" and solution in ("pure_nash", "subgame_perfect", "mixed_nash"):
        words += ", several chosen uniformly at random"
    elif selection == "uniform" and solution == "rationalizable":
        words += ", all equally likely"
    elif selection in ("payoff_dominant", "risk_dominant"):
        kind = selection.split("_")[0]
        words = f"{kind}-dominant {words} (several chosen uniformly at random)"
    elif selection == "mixed":
        words = f"{words}: the mixed equilibrium played"
    elif selection == "qre":
        at = f" (precision {lam:g})" if lam is not None else ""
        words = f"{words}: the logit quantal response equilibrium{at} played"
    elif selection.startswith("disagreement:"):
        d = selection.split(":", 1)[1]
        words += {
            "maxmin": ", disagreement at the maxmin values",
            "nash": ", disagreement at the pure equilibrium",
        }.get(d, f", disagreement {d}")
    if result.equilibrium_counts.get(0, 0) > 0 and result.no_equilibrium_rule:
        fallback = str(options.get("no_equilibrium", ""))
        words += {
            "mixed": "; without a pure one, the mixed equilibrium",
            "qre": "; without a pure one, the logit QRE",
            "report": "; draws without a pure one counted apart",
        }.get(fallback, "")
    return words


def is_deterministic(result: SimulationResult) -> bool:
    """Whether a run's probabilities are certain: the scenario has no uncertain parameter,
    or every draw gave every outcome the same probability (no sampling variance)."""
    if not result.central_game.parameters:
        return True
    return result.samples > 1 and all(o.std_error == 0 for o in result.outcomes)


def _shown(result: SimulationResult) -> list[Any]:
    reported = result.options.get("no_equilibrium", "report") == "report"
    return [
        o
        for o in result.outcomes
        # With a fallback rule, draws without a pure equilibrium are played, not counted apart.
        if reported or o.label != NO_EQUILIBRIUM or o.count > 0
    ]


def outcome_figure(
    result: SimulationResult,
    fmt: str = "svg",
    *,
    style: str = "talk",
    dpi: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> bytes:
    """Bar chart of outcome probabilities with 95 % interval bars, as ``fmt`` bytes.

    Parameters
    ----------
    result : SimulationResult
    fmt : {'svg', 'png', 'pdf'}
    style : {'talk', 'paper'}, default 'talk'
        The figure style (:mod:`tradegame.report.style`).
    dpi : int, optional
        Resolution of PNG output (default the style's).
    labels : mapping of str to str, optional
        Outcome name -> what the figure calls it (:func:`outcome_labels`); names
        not in it are shown in words (:func:`humanise`).

    Notes
    -----
    Each value label is placed beyond the end of its interval's whisker cap (or,
    when there is no room to its right, inside the bar before the lower whisker),
    so label and cap never overlap. A deterministic run (:func:`is_deterministic`)
    is drawn without intervals and without a count of draws.
    """
    with figures(style, dpi):
        fig = draw_outcomes(result, style=style, labels=labels)
        return figure_bytes(fig, fmt)


def draw_outcomes(
    result: SimulationResult, *, style: str = "talk", labels: Mapping[str, str] | None = None
) -> Any:
    """The bar chart of :func:`outcome_figure` as an open matplotlib figure.

    Call it inside :func:`figures` (with the same ``style``); the caller saves
    and closes the figure.
    """
    import matplotlib.pyplot as plt

    s = STYLES[style]
    outcomes = _shown(result)
    names = [(labels or {}).get(o.label) or humanise(o.label) for o in outcomes]
    certain = is_deterministic(result)
    probs = [o.probability * 100 for o in outcomes]
    lower = [0.0 if certain else (o.probability - o.ci95[0]) * 100 for o in outcomes]
    upper = [0.0 if certain else (o.ci95[1] - o.probability) * 100 for o in outcomes]
    label_w = min(0.4 * s.width, max(len(n) for n in names) * s.char_width() + 0.3)
    wrapped = [s.wrap(n, label_w, s.tick_size) for n in names]
    lines = sum(w.count("\n") + 1 for w in wrapped)
    row = 2.1 * s.tick_size / 72.0
    height = row * max(lines, len(outcomes)) + 9.0 * s.title_size / 72.0
    fig, ax = plt.subplots(figsize=(s.width, max(height, 0.35 * s.width)), layout="constrained")
    y = list(range(len(outcomes)))[::-1]
    ax.barh(y, probs, color=_BAR, height=0.7)
    if not certain:
        ax.errorbar(
            probs,
            y,
            xerr=[lower, upper],
            fmt="none",
            ecolor=_WHISKER,
            elinewidth=s.line_width * 0.8,
            capsize=s.cap_size,
            capthick=s.line_width * 0.8,
        )
    ax.set_yticks(y, wrapped)
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, len(outcomes) - 0.4)
    ax.set_xlabel("probability (%)" if certain else "probability (%), bars: 95 % interval")
    _title(fig, ax, s, result, certain, s.width - label_w - 0.6)
    ax.spines[["top", "right"]].set_visible(False)
    _value_labels(fig, ax, s, y, probs, lower, upper, certain)
    return fig


def _title(
    fig: Any, ax: Any, s: FigureStyle, result: SimulationResult, certain: bool, width: float
) -> None:
    how = concept_words(result)
    if certain and not result.central_game.parameters:
        sub = f"{how[:1].upper()}{how[1:]}; no uncertain parameter, so no sampling"
    elif certain:
        sub = f"{how[:1].upper()}{how[1:]}; every draw gives the same, so no interval"
    else:
        sub = (
            f"{how[:1].upper()}{how[1:]}; {result.samples:,} draws of the uncertain "
            f"parameters (seed {result.seed})"
        )
    fig.suptitle(s.wrap(result.scenario_title, s.width, s.title_size), fontsize=s.title_size)
    ax.set_title(s.wrap(sub, width, s.small_size), fontsize=s.small_size, loc="left")


def _value_labels(
    fig: Any,
    ax: Any,
    s: FigureStyle,
    y: list[int],
    probs: list[float],
    lower: list[float],
    upper: list[float],
    certain: bool,
) -> None:
    """Value labels beyond the whisker caps (inside the bar when the right has no room)."""
    from matplotlib.transforms import offset_copy

    pad = s.cap_size / 2 + s.small_size * 0.4  # points beyond the cap's half-height
    fig.canvas.draw()  # the layout, so that text widths are known in data units
    renderer = fig.canvas.get_renderer()
    to_data = ax.transData.inverted()
    for yi, p, lo, hi in zip(y, probs, lower, upper, strict=True):
        text = f"{p:.0f} %" if certain and p in (0.0, 100.0) else f"{p:.1f} %"
        right = offset_copy(ax.transData, fig=fig, x=pad, units="points")
        t = ax.text(p + hi, yi, text, va="center", ha="left", transform=right)
        ext = t.get_window_extent(renderer)
        x_end = to_data.transform((ext.x1, ext.y0))[0]
        if x_end > 100:
            inside = offset_copy(ax.transData, fig=fig, x=-pad, units="points")
            t.set_transform(inside)
            t.set_x(p - lo)
            t.set_ha("right")
            t.set_color("white")
            t.set_fontweight("bold")


def plot_outcomes(
    result: SimulationResult,
    path: str | Path,
    *,
    style: str = "talk",
    dpi: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Bar chart of outcome probabilities with 95 % interval bars (see ``write_output``).

    The format follows the file's suffix (``.png``, ``.svg``, ``.pdf``); see
    :func:`outcome_figure` for the other parameters.
    """
    data = outcome_figure(result, figure_format(path), style=style, dpi=dpi, labels=labels)
    write_output(path, data)

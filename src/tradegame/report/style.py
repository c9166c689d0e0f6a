"""Figure styles: ``talk`` for a projector, ``paper`` for print.

Every figure the CLI writes is drawn inside :func:`figure_style`, which applies
one named style's matplotlib settings (font sizes, line widths, resolution) on
top of the settings every tradegame figure needs (see
:func:`tradegame.report.plot.figures`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["STYLES", "FigureStyle", "figure_style"]


@dataclass(frozen=True)
class FigureStyle:
    """Sizes of one figure style.

    Attributes
    ----------
    name : str
        ``talk`` or ``paper``.
    font_size : float
        Base font size in points, at the figure's real size.
    title_size, label_size, tick_size : float
        Font sizes of titles, axis labels and tick labels, in points.
    line_width : float
        Width of plotted lines, in points.
    dpi : int
        Resolution of raster output (PNG) unless ``--dpi`` says otherwise.
    """

    name: str
    font_size: float
    title_size: float
    label_size: float
    tick_size: float
    line_width: float
    dpi: int

    def rc(self, dpi: int | None = None) -> dict[str, Any]:
        """The matplotlib rcParams of this style (``dpi`` overrides :attr:`dpi`)."""
        return {
            "font.size": self.font_size,
            "axes.titlesize": self.title_size,
            "axes.labelsize": self.label_size,
            "xtick.labelsize": self.tick_size,
            "ytick.labelsize": self.tick_size,
            "legend.fontsize": self.tick_size,
            "lines.linewidth": self.line_width,
            "axes.linewidth": max(0.8, self.line_width / 2),
            "savefig.dpi": dpi if dpi is not None else self.dpi,
            "figure.dpi": 100,
        }


STYLES: dict[str, FigureStyle] = {
    "talk": FigureStyle("talk", 18, 20, 18, 16, 2.5, 150),
    "paper": FigureStyle("paper", 9, 10, 9, 8, 1.0, 300),
}
"""The named styles: ``talk`` is readable from the back of a lecture room, ``paper`` fits
a journal column."""


@contextmanager
def figure_style(style: str = "talk", dpi: int | None = None) -> Iterator[FigureStyle]:
    """Draw figures in one named style.

    Parameters
    ----------
    style : {'talk', 'paper'}, default 'talk'
        The style's name.
    dpi : int, optional
        Resolution of raster output; default the style's.

    Yields
    ------
    FigureStyle
        The style applied.

    Raises
    ------
    ValueError
        An unknown style or a resolution below 10 dpi.

    Examples
    --------
    >>> import matplotlib
    >>> with figure_style("talk") as s:
    ...     matplotlib.rcParams["font.size"] == s.font_size
    True
    """
    import matplotlib

    if style not in STYLES:
        raise ValueError(f"unknown figure style {style!r}: use one of {', '.join(STYLES)}")
    if dpi is not None and dpi < 10:
        raise ValueError(f"dpi {dpi} is too low: use at least 10")
    chosen = STYLES[style]
    settings: Any = chosen.rc(dpi)  # matplotlib types its keys as literals
    with matplotlib.rc_context(settings):
        yield chosen

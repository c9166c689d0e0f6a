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
    width : float
        Width of a figure in inches (a 16:9 slide is 13.33 in wide; a journal page's
        text block about 6.5 in).
    marker_size : float
        Size of markers (dots, tree nodes), in points.
    cap_size : float
        Length of the caps of interval whiskers, in points.

    Notes
    -----
    :attr:`tick_size` is also the smallest font any figure uses (value labels,
    tree annotations, legends): at ``talk`` it is 16 pt at the figure's real size.
    """

    name: str
    font_size: float
    title_size: float
    label_size: float
    tick_size: float
    line_width: float
    dpi: int
    width: float = 12.0
    marker_size: float = 8.0
    cap_size: float = 6.0

    @property
    def small_size(self) -> float:
        """The smallest font of a figure (annotations, legends): :attr:`tick_size`."""
        return self.tick_size

    def char_width(self, size: float | None = None) -> float:
        """Rough width in inches of one character at ``size`` points (default the smallest)."""
        return 0.6 * (size if size is not None else self.small_size) / 72.0

    def wrap(self, text: str, width: float | None = None, size: float | None = None) -> str:
        """``text`` broken into lines that fit ``width`` inches (default the figure's) at
        ``size`` points (default the smallest font)."""
        import textwrap

        chars = max(12, int((width if width is not None else self.width) / self.char_width(size)))
        return "\n".join(
            textwrap.fill(line, chars, break_on_hyphens=False) for line in text.splitlines()
        )

    def rc(self, dpi: int | None = None) -> dict[str, Any]:
        """The matplotlib rcParams of this style (``dpi`` overrides :attr:`dpi`)."""
        return {
            "font.size": self.font_size,
            "axes.titlesize": self.title_size,
            "axes.labelsize": self.label_size,
            "xtick.labelsize": self.tick_size,
            "ytick.labelsize": self.tick_size,
            "legend.fontsize": self.tick_size,
            "figure.titlesize": self.title_size,
            "lines.linewidth": self.line_width,
            "lines.markersize": self.marker_size,
            "errorbar.capsize": self.cap_size,
            "axes.linewidth": max(0.8, self.line_width / 2),
            "xtick.major.width": max(0.8, self.line_width / 2),
            "ytick.major.width": max(0.8, self.line_width / 2),
            "patch.linewidth": max(0.5, self.line_width / 3),
            "savefig.dpi": dpi if dpi is not None else self.dpi,
            "figure.dpi": 100,
        }


STYLES: dict[str, FigureStyle] = {
    "talk": FigureStyle("talk", 18, 22, 18, 16, 2.5, 200, width=13.0, marker_size=10, cap_size=8),
    "paper": FigureStyle("paper", 9, 10, 9, 8, 1.0, 300, width=6.5, marker_size=5, cap_size=3),
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

"""Drawing a game tree with its equilibrium play (matplotlib, no graphviz).

Layout: a tidy top-down drawing, measured in inches so that every text keeps the
style's font size (:mod:`tradegame.report.style`; at ``talk`` no text is below
16 pt at the figure's real size). Leaves of the drawn tree get consecutive slots
left to right in preorder, each as wide as its payoff text and the label of the
edge into it; each internal node is centred over its first and last child, and
each level is as tall as its edge labels. So subtrees never overlap and siblings
keep their action order.

Edges carry their action labels (with underscores read as spaces, wrapped to fit
their subtree), and probabilities: at chance nodes the chance probability, and,
when the equilibrium mixes (a mixed equilibrium or a QRE of a game with imperfect
information), each reached mover's behaviour probability. Terminal nodes carry
their payoff vectors (of one chosen draw when the tree holds several; the title
says which), nodes of one information set are joined by a dashed line, and the
edges the equilibrium plays are drawn thick and red.

Beyond ``max_nodes`` nodes the drawing collapses: it keeps the nodes the
equilibrium plays and, at each of them, the first few other actions
(``alternatives``), shows each omitted subtree as a triangle marked with its node
count and the remaining actions of a node as one "+k more" marker, and says so
under the title. Without a play it keeps the top levels that fit.

The figure is rendered in memory and written by
:func:`tradegame.report.files.write_output`: atomically to a file (a reader
never sees a half-written image), through to a device or pipe. SVG files keep
their text as text, with a fixed id salt and no date: the same tree gives the
same bytes.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from tradegame.model.tree import GameTree, Node
from tradegame.report.files import OutputError, write_output
from tradegame.report.plot import figure_bytes, figure_format, figures
from tradegame.report.style import STYLES, FigureStyle

__all__ = [
    "DEFAULT_ALTERNATIVES",
    "DEFAULT_MAX_NODES",
    "TreeFigure",
    "page_files",
    "plot_tree",
    "tree_figure",
]

DEFAULT_MAX_NODES = 400
#: Collapsed trees: the other actions kept at each node of the equilibrium play.
DEFAULT_ALTERNATIVES = 3

_PATH_COLOR = "#d62728"
_EDGE_COLOR = "#9a9a9a"
_MORE = 10**9  # the action index of a "+k more" marker: after every real child


@dataclass(frozen=True)
class TreeFigure:
    """What :func:`tree_figure` drew.

    Attributes
    ----------
    path : pathlib.Path
        The written file.
    nodes : int
        Nodes of the tree.
    shown : int
        Nodes drawn (the others are inside collapsed subtrees or "+k more" markers).
    behaviour : bool
        Behaviour probabilities of the movers are drawn on the edges.
    width, height : float
        The figure's size in inches (the largest page's).
    files : tuple of pathlib.Path
        Every file written: ``(path,)``, or one per page when a tree too wide for a
        page was split into PNG or SVG files.
    pages : int
        The number of pages (a multi-page PDF has several in one file).
    """

    path: Path
    nodes: int
    shown: int
    behaviour: bool
    width: float
    height: float
    files: tuple[Path, ...] = ()
    pages: int = 1

    @property
    def collapsed(self) -> bool:
        """Some nodes are not drawn."""
        return self.shown < self.nodes


def plot_tree(
    tree: GameTree,
    path: Iterable[Node] | None = None,
    out_path: str | os.PathLike[str] = "tree.png",
    **options: Any,
) -> Path:
    """Draw a game tree to an image file: :func:`tree_figure`, returning the written path."""
    return tree_figure(tree, path, out_path, **options).path


def tree_figure(
    tree: GameTree,
    path: Iterable[Node] | None = None,
    out_path: str | os.PathLike[str] = "tree.png",
    *,
    title: str | None = None,
    subtitle: str | None = None,
    draw: int | tuple[int, ...] = 0,
    max_nodes: int = DEFAULT_MAX_NODES,
    alternatives: int = DEFAULT_ALTERNATIVES,
    behaviour: Mapping[Node, Sequence[float]] | None = None,
    players: Mapping[str, str] | None = None,
    pages: bool = True,
    style: str = "talk",
    dpi: int | None = None,
) -> TreeFigure:
    """Draw a game tree to an image file.

    Parameters
    ----------
    tree : GameTree
        The tree, of one draw or of ``D = tree.n_draws`` draws.
    path : iterable of Node, optional
        Nodes the equilibrium plays (e.g. ``tree.path(profile, draw=draw)``, or every
        node reached with positive probability); edges between two of them are
        highlighted.
    out_path : str or path-like
        Where to write the figure; the format follows the suffix (``.png``, ``.svg``,
        ``.pdf``).
    title : str, optional
        Figure title; defaults to the tree's title. When ``D > 1`` the drawn draw is
        appended, e.g. ``"(draw 3 of 10)"``.
    subtitle : str, optional
        A line under the title (e.g. "central game: parameters at their medians").
    draw : int or tuple of int, default 0
        Which draw's payoffs and chance probabilities to show: a flat index in
        ``range(D)`` or an index tuple over ``tree.draw_shape``.
    max_nodes : int, default 400
        Collapse the tree when it has more nodes than this.
    alternatives : int, default 3
        When collapsed: how many actions off the equilibrium play to keep at each
        node on it (the rest are one "+k more" marker).
    behaviour : mapping of Node to sequence of float, optional
        Decision nodes -> the probability of each action (e.g.
        :attr:`tradegame.analysis.tree_play.TreePlay.behaviour`), drawn on the edges.
    players : mapping of str to str, optional
        Player name -> its label (e.g. the scenario's), given in the legend; nodes are
        marked with the (short) names.
    pages : bool, default True
        Split a drawing wider than a page (the style's figure width at ``talk``, twice
        it at ``paper``) into pages: a multi-page PDF, or several files ``NAME.png``,
        ``NAME-2.png``, ... (one file when ``out_path`` is a device or pipe). Each page
        says which it is and where each cut branch continues.
    style : {'talk', 'paper'}, default 'talk'
    dpi : int, optional
        Resolution of PNG output; default the style's.

    Returns
    -------
    TreeFigure
        The written file and what was drawn.
    """
    if max_nodes < 1:
        raise ValueError("max_nodes must be positive")
    if alternatives < 0:
        raise ValueError("alternatives must be at least 0")
    out = Path(out_path)
    heading = _heading(tree, title, draw)
    if tree.n_draws > 1:
        tree = tree.for_draw(draw)  # that draw's payoffs and probabilities, D = 1
    on_path = set(path) if path is not None else set()
    unknown = [n for n in on_path if n not in tree.graph]
    if unknown:
        raise ValueError(f"path nodes {sorted(unknown)[:3]} are not in the tree")
    visible, collapsed = _visible_nodes(tree, on_path, max_nodes)
    groups: dict[Node, tuple[int, int]] = {}
    if collapsed and on_path:
        visible, collapsed, groups = _group_alternatives(tree, visible, on_path, alternatives)
    shown = len(visible)
    probs = {
        n: tuple(float(p) for p in v)
        for n, v in (behaviour or {}).items()
        if n in tree.graph and tree.node(n)["kind"] == "decision"
    }
    st = STYLES[style]
    full = _Layout(visible, collapsed, groups)
    fmt = figure_format(out)
    # Several files: not for a device, a pipe or a standard stream.
    special = str(out).startswith(("/dev/", "/proc/")) or (out.exists() and not out.is_file())
    can_page = fmt == "pdf" or not special
    layouts = (
        _paginate(tree, full, probs, st, max_width=st.width * (1.0 if style == "talk" else 2.0))
        if pages and can_page
        else [full]
    )
    with figures(style, dpi) as _plt, matplotlib.rc_context({"svg.fonttype": "none"}):
        names = {p: (players or {}).get(p) or str(p) for p in tree.players}
        figs = [_draw(tree, lay, on_path, probs, heading, subtitle, st, names) for lay in layouts]
        width = max(float(f.get_size_inches()[0]) for f in figs)
        height = max(float(f.get_size_inches()[1]) for f in figs)
        files = _write(figs, out, fmt)
    return TreeFigure(out, len(tree), shown, bool(probs), width, height, files, len(layouts))


def _heading(tree: GameTree, title: str | None, draw: int | tuple[int, ...]) -> str:
    """The figure title; names the draw (flat index, and index tuple) when ``D > 1``."""
    d = tree.draw_index(draw)  # validates ``draw`` also for one-draw trees
    heading = title if title is not None else (tree.title or "Game tree")
    if tree.n_draws > 1:
        at = ""
        if len(tree.draw_shape) > 1:
            at = f" = {tuple(int(i) for i in np.unravel_index(d, tree.draw_shape))}"
        heading += f" (draw {d}{at} of {tree.n_draws})"
    return heading


def _subtree_sizes(tree: GameTree) -> dict[Node, int]:
    size: dict[Node, int] = {}
    for n in reversed(tree.nodes()):  # reverse preorder: children before parents
        size[n] = 1 + sum(size[c] for c in tree.children(n))
    return size


def _visible_nodes(
    tree: GameTree, on_path: set[Node], max_nodes: int
) -> tuple[list[Node], dict[Node, int]]:
    """The nodes to draw (preorder) and, for collapsed ones, how many nodes they hide."""
    if len(tree) <= max_nodes:
        return tree.nodes(), {}
    size = _subtree_sizes(tree)
    keep: set[Node] = set()
    if on_path:
        keep = {()} | on_path
        for n in on_path:
            keep.update(tree.children(n))
    if not keep or len(keep) > max_nodes:
        # No path (or too wide a one): keep whole levels from the top while they fit.
        keep = {()}
        level: list[Node] = [()]
        while level:
            nxt = [c for n in level for c in tree.children(n)]
            if not nxt or len(keep) + len(nxt) > max_nodes:
                break
            keep.update(nxt)
            level = nxt
    collapsed = {
        n: size[n] - 1
        for n in keep
        if tree.children(n) and not any(c in keep for c in tree.children(n))
    }
    return sorted(keep), collapsed


def _group_alternatives(
    tree: GameTree, visible: list[Node], on_path: set[Node], alternatives: int
) -> tuple[list[Node], dict[Node, int], dict[Node, tuple[int, int]]]:
    """A collapsed tree with at most ``alternatives`` off-play children per node on the play.

    Returns the nodes to draw (preorder, "+k more" markers as ``(*parent, _MORE)``),
    the collapsed subtrees with the nodes each hides, and each marker's count of
    actions and of nodes it stands for.
    """
    size = _subtree_sizes(tree)
    keep = set(visible)
    groups: dict[Node, tuple[int, int]] = {}
    for n in sorted(on_path):
        off = [c for c in tree.children(n) if c not in on_path and c in keep]
        if len(off) <= alternatives:
            continue
        dropped = off[alternatives:]
        keep.difference_update(dropped)
        groups[(*n, _MORE)] = (len(dropped), sum(size[c] for c in dropped))
    collapsed = {
        n: size[n] - 1
        for n in keep
        if tree.children(n) and not any(c in keep for c in tree.children(n))
    }
    return sorted(keep | set(groups)), collapsed, groups


@dataclass
class _Layout:
    """What one page draws: its nodes (preorder, from ``root``), the collapsed subtrees,
    the "+k more" markers, and the nodes continued on another page (-> its number)."""

    visible: list[Node]
    collapsed: dict[Node, int]
    groups: dict[Node, tuple[int, int]]
    root: Node = ()
    continued: dict[Node, int] = field(default_factory=dict)
    page: tuple[int, int] | None = None
    pos: dict[Node, tuple[float, float]] = field(default_factory=dict)

    def kids(self, tree: GameTree, n: Node) -> list[Node]:
        """The children of a node drawn on this page (its "+k more" marker last)."""
        if n in self.groups or n in self.continued:
            return []
        vis = set(self.visible)
        out = [c for c in tree.children(n) if c in vis]
        return out + ([(*n, _MORE)] if (*n, _MORE) in self.groups else [])


def _words(label: object) -> str:
    """An action label as words: underscores as spaces, slashes with room to break."""
    return str(label).replace("_", " ").replace("/", " / ")


def _fmt(x: float) -> str:
    """A payoff or probability in three significant digits (rounding noise read as 0)."""
    return f"{0.0 if abs(x) < 1e-9 else x:.3g}"


def _paginate(
    tree: GameTree,
    full: _Layout,
    probs: Mapping[Node, tuple[float, ...]],
    st: FigureStyle,
    max_width: float,
) -> list[_Layout]:
    """Split a drawing wider than ``max_width`` inches into pages.

    The first page is the top of the tree, as many levels as fit; each node at its
    bottom level whose subtree goes on is continued on a page of its own, split the
    same way, in breadth-first order. A page that cannot fit even one level below its
    root keeps that one level (a node's actions are never split across pages).
    """
    cw = st.char_width() * 1.1
    leaf_text, edge_text = _texts(tree, full, probs, stacked=True)
    stub = "continued\non page 99"

    def width(n: Node, levels: int) -> float:
        ks = full.kids(tree, n)
        if not ks:
            return _leaf_width(leaf_text[n], edge_text.get(n, ""), cw)
        if levels == 0:
            return _leaf_width(stub, edge_text.get(n, ""), cw)
        return sum(width(c, levels - 1) for c in ks)

    def below(r: Node) -> list[Node]:
        return [n for n in full.visible if n[: len(r)] == r]

    plan: list[tuple[Node, int]] = []
    queue: list[Node] = [()]
    while queue:
        r = queue.pop(0)
        nodes = below(r)
        depth = max(len(n) for n in nodes) - len(r)
        k = depth
        if width(r, depth) > max_width:
            k = 1
            while k < depth and width(r, k + 1) <= max_width:
                k += 1
        plan.append((r, k))
        queue.extend(n for n in nodes if len(n) - len(r) == k and full.kids(tree, n))
    if len(plan) == 1:
        return [full]
    number = {r: i + 1 for i, (r, _) in enumerate(plan)}
    pages = []
    for i, (r, k) in enumerate(plan):
        nodes = [n for n in below(r) if len(n) - len(r) <= k]
        cont = {n: number[n] for n in nodes if n in number and n != r}
        pages.append(
            _Layout(
                visible=nodes,
                collapsed={n: v for n, v in full.collapsed.items() if n in set(nodes)},
                groups={n: v for n, v in full.groups.items() if n in set(nodes)},
                root=r,
                continued=cont,
                page=(i + 1, len(plan)),
            )
        )
    return pages


def _wrap_to(text: str, inches: float, st: FigureStyle) -> str:
    return st.wrap(text, max(inches, 10 * st.char_width()), st.small_size)


def _wrap_chars(text: str, chars: int) -> str:
    import textwrap

    return (
        textwrap.fill(text, max(chars, 6), break_on_hyphens=False, break_long_words=False) or text
    )


#: Edge labels are wrapped to the wider of their subtree and this many characters.
_EDGE_CHARS = 7


def _texts(
    tree: GameTree,
    lay: _Layout,
    probs: Mapping[Node, tuple[float, ...]],
    stacked: bool,
) -> tuple[dict[Node, str], dict[Node, str]]:
    """The text under each leaf of a page, and the label of each edge (by its child)."""
    leaf_text: dict[Node, str] = {}
    for n in lay.visible:
        if lay.kids(tree, n):
            continue
        if n in lay.groups:
            k, m = lay.groups[n]
            leaf_text[n] = f"+{k} more\n({m:,} nodes)"
        elif n in lay.continued:
            leaf_text[n] = f"continued\non page {lay.continued[n]}"
        elif n in lay.collapsed:
            leaf_text[n] = f"+{lay.collapsed[n]:,}\nnodes"
        else:
            pay = [_fmt(v) for v in tree.terminal_payoffs(n)]
            leaf_text[n] = "\n".join(pay) if stacked else "(" + ", ".join(pay) + ")"
    vis = set(lay.visible)
    edge_text: dict[Node, str] = {}
    for parent, child, e in tree.iter_edges():
        if child not in vis or child == lay.root:
            continue
        text = _words(e["label"])
        p = e["prob"]
        if p is None and parent in probs:
            p = probs[parent][e["action"]]
        if p is not None:
            text += f" ({_fmt(p)})"
        edge_text[child] = text
    for g in lay.groups:
        if g in vis:
            edge_text[g] = "…"
    return leaf_text, edge_text


def _leaf_width(leaf: str, edge: str, cw: float) -> float:
    longest = max(len(r) for r in leaf.split("\n"))
    word = max((len(w) for w in edge.split()), default=0)  # words are never broken
    return max(longest * cw, max(min(len(edge), _EDGE_CHARS), word) * cw, 0.5) + 0.15


def _lines(text: str) -> int:
    return text.count("\n") + 1


def _draw(
    tree: GameTree,
    lay: _Layout,
    on_path: set[Node],
    probs: Mapping[Node, tuple[float, ...]],
    heading: str,
    subtitle: str | None,
    st: FigureStyle,
    names: Mapping[str, str],
) -> Any:
    vis = set(lay.visible)
    cw = st.char_width() * 1.1  # bold text (the equilibrium play's) is wider
    line = 1.25 * st.small_size / 72.0  # inches per text line
    root = lay.root

    def kids(n: Node) -> list[Node]:
        return lay.kids(tree, n)

    leaves = [n for n in lay.visible if not kids(n)]
    # Payoffs side by side while the tree fits a page that way, else stacked.
    leaf_text, edge_text = _texts(tree, lay, probs, stacked=False)
    wide = sum(_leaf_width(leaf_text[n], edge_text.get(n, ""), cw) for n in leaves)
    stacked = wide > st.width
    if stacked:
        leaf_text, edge_text = _texts(tree, lay, probs, stacked=True)
    width_of = {n: _leaf_width(leaf_text[n], edge_text.get(n, ""), cw) for n in leaves}
    x = 0.0
    xs: dict[Node, float] = {}
    span: dict[Node, tuple[float, float]] = {}
    for n in leaves:
        xs[n] = x + width_of[n] / 2
        span[n] = (x, x + width_of[n])
        x += width_of[n]
    total_w = x
    for n in reversed(lay.visible):  # children placed before their parent
        if n in xs:
            continue
        ks = kids(n)
        xs[n] = (xs[ks[0]] + xs[ks[-1]]) / 2.0
        span[n] = (span[ks[0]][0], span[ks[-1]][1])
    # Edge labels wrapped to their child's span; each level as tall as its labels.
    wrapped = {
        c: _wrap_chars(t, int((span[c][1] - span[c][0] - 0.1) / cw)) for c, t in edge_text.items()
    }
    depth = max(len(n) for n in lay.visible) - len(root)
    level_h = [0.0] * (depth + 1)
    for c, label in wrapped.items():
        lvl = len(c) - len(root)
        level_h[lvl] = max(level_h[lvl], _lines(label) * line)
    ys = [0.0]
    for level in range(1, depth + 1):
        ys.append(ys[-1] - (max(level_h[level], line) + 3.2 * line))
    pos = {n: (xs[n], ys[len(n) - len(root)]) for n in lay.visible}
    lay.pos = pos

    bottom = max(_lines(t) for t in leaf_text.values()) * line + 0.3
    n_sub = 0 if subtitle is None else _lines(_wrap_to(subtitle, total_w, st))
    note = _collapse_note(tree, lay)
    n_note = 0 if not note else _lines(_wrap_to(note, max(total_w, st.width) - 0.4, st))
    fig_w = max(total_w + 0.6, 0.6 * st.width)
    title = st.wrap(heading, fig_w - 0.4, st.title_size)
    handles = _legend_handles(tree, lay, on_path, stacked, bool(probs), st, names)
    ncol, legend_rows = _legend_shape(handles, fig_w - 0.4, cw)
    top = (
        _lines(title) * 1.3 * st.title_size / 72.0
        + (n_sub + n_note + legend_rows) * 1.4 * line
        + 0.5
    )
    above = 1.8 * line  # the root's player name
    tree_h = -ys[-1] + bottom + above
    fig_h = top + tree_h + 0.2
    fig = plt.figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes((0.0, 0.2 / fig_h, 1.0, tree_h / fig_h))
    left = (fig_w - total_w) / 2
    ax.set_xlim(-left, total_w + left)
    ax.set_ylim(ys[-1] - bottom, above)
    ax.axis("off")

    colors = plt.get_cmap("tab10")
    player_color = {p: colors(i % 10) for i, p in enumerate(tree.players)}
    ms = st.marker_size
    for parent, child in ((n[:-1], n) for n in lay.visible if n != root):
        (x0, y0), (x1, y1) = pos[parent], pos[child]
        hot = parent in on_path and child in on_path
        ax.plot(
            [x0, x1],
            [y0, y1],
            color=_PATH_COLOR if hot else _EDGE_COLOR,
            lw=st.line_width * (1.6 if hot else 0.6),
            ls=":" if child in lay.groups else "-",
            zorder=2 if hot else 1,
            solid_capstyle="round",
        )
        # The label sits on the edge just above the child's name, centred on the child:
        # it is wrapped to the child's subtree, which no sibling's subtree overlaps.
        h = _lines(wrapped[child]) * line
        ly = y1 + 1.9 * line + h / 2
        half = max(len(r) for r in wrapped[child].split("\n")) * cw / 2 + 0.05
        lo, hi = span[child][0] + half, span[child][1] - half
        on_edge = x1 + (x0 - x1) * (ly - y1) / (y0 - y1)
        lx = min(max(on_edge, lo), hi) if lo <= hi else x1
        ax.text(
            lx,
            ly,
            wrapped[child],
            fontsize=st.small_size,
            ha="center",
            va="center",
            color="#222222" if hot else "#444444",
            fontweight="bold" if hot else "normal",
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
            zorder=4,
        )

    # Information sets with several nodes: a dashed arc between consecutive members, one
    # colour per set; arcs rise with their span, so interleaved sets stay apart.
    palette = plt.get_cmap("Dark2")
    multi = [m for m in tree.infosets().values() if sum(x in vis for x in m) > 1]
    for j, members in enumerate(multi):
        shown = sorted((m for m in members if m in vis), key=lambda m: pos[m][0])
        for a, b in itertools.pairwise(shown):
            (xa, ya), (xb, _) = pos[a], pos[b]
            xs_arc = np.linspace(xa, xb, 40)
            rise = line * (0.8 + 0.15 * min(xb - xa, 8.0))
            arc = ya + rise * np.sin(np.pi * (xs_arc - xa) / (xb - xa))
            ax.plot(xs_arc, arc, ls="--", lw=st.line_width * 0.6, color=palette(j % 8), zorder=0)

    for n in lay.visible:
        x, y = pos[n]
        if n in lay.groups or n in lay.collapsed:
            marker = "o" if n in lay.groups else "^"
            face = "white" if n in lay.groups else "#cccccc"
            ax.plot([x], [y - 0.1], marker=marker, ms=ms, mfc=face, mec="#777777", zorder=3)
            ax.text(
                x, y - 0.1 - 0.6 * line, leaf_text[n], fontsize=st.small_size, ha="center", va="top"
            )
            continue
        d = tree.node(n)
        if n in lay.continued:
            ax.text(
                x,
                y - 0.9 * line,
                leaf_text[n],
                fontsize=st.small_size,
                ha="center",
                va="top",
                style="italic",
                color="#1f4e8c",
            )
        if d["kind"] == "terminal":
            ax.plot([x], [y], marker="o", ms=ms * 0.45, color="#333333", zorder=3)
            ax.text(
                x,
                y - 0.4 * line,
                leaf_text[n],
                fontsize=st.small_size,
                ha="center",
                va="top",
                color=_PATH_COLOR if n in on_path else "#111111",
                fontweight="bold" if n in on_path else "normal",
            )
        elif d["kind"] == "chance":
            ax.plot([x], [y], marker="s", ms=ms, mfc="white", mec="#333333", zorder=3)
            ax.text(
                x,
                y + 0.5 * line,
                "chance",
                fontsize=st.small_size,
                ha="center",
                va="bottom",
                style="italic",
            )
        else:
            ax.plot(
                [x],
                [y],
                marker="o",
                ms=ms,
                color=player_color[d["player"]],
                mec="#222222",
                zorder=3,
            )
            ax.text(
                x,
                y + 0.5 * line,
                str(d["player"]),
                fontsize=st.small_size,
                ha="center",
                va="bottom",
            )

    fig.suptitle(title, fontsize=st.title_size, y=1.0 - 0.15 / fig_h, va="top")
    below = 0.15 + _lines(title) * 1.3 * st.title_size / 72.0
    for words in (subtitle, note):
        if words:
            block = _wrap_to(words, fig_w - 0.4, st)
            fig.text(0.5, 1.0 - below / fig_h, block, ha="center", va="top", fontsize=st.small_size)
            below += _lines(block) * 1.4 * line
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 1.0 - below / fig_h),
        ncol=ncol,
        fontsize=st.small_size,
        frameon=False,
        handletextpad=0.4,
        columnspacing=1.2,
    )
    return fig


def _same_name(label: str, name: str) -> bool:
    """A label that only spells its name differently (``Entrant`` for ``entrant``)."""
    return label.lower().replace(" ", "_") == name.lower()


def _legend_shape(handles: list[Line2D], width: float, cw: float) -> tuple[int, int]:
    """Columns and rows of the legend: the most columns whose widths fit ``width``."""
    em = cw / 0.66  # cw: 0.6 em, widened by a tenth for bold text
    pad = 3.4 * em  # the handle and the gaps beside it
    widths = [len(str(h.get_label())) * cw + pad for h in handles]
    for ncol in range(len(handles), 0, -1):
        rows = -(-len(handles) // ncol)  # matplotlib fills the columns one after another
        cols = [widths[k : k + rows] for k in range(0, len(widths), rows)]
        if sum(max(c) for c in cols) <= width or ncol == 1:
            return len(cols), rows
    return 1, len(handles)


def _collapse_note(tree: GameTree, lay: _Layout) -> str:
    notes = []
    if lay.page is not None:
        k, total = lay.page
        where = "the top of the tree" if not lay.root else f"after {_history(tree, lay.root)}"
        notes.append(f"Page {k} of {total}: {where}")
    if lay.collapsed or lay.groups:
        note = (
            "collapsed: grey triangles stand for the subtrees below them"
            if notes
            else "Collapsed: grey triangles stand for the subtrees below them"
        )
        if lay.groups:
            note += ", '+k more' for other actions of a node"
        notes.append(note + " (tradegame tree --max-nodes draws more)")
    return "; ".join(notes)


def _history(tree: GameTree, node: Node) -> str:
    """The moves from the root to a node, in words: ``us: extend > china: data only``."""
    steps = []
    for depth in range(len(node)):
        d = tree.node(node[:depth])
        who = "chance" if d["kind"] == "chance" else str(d.get("player", ""))
        steps.append(f"{who}: {_words(d['actions'][node[depth]])}")
    return " > ".join(steps)


def _legend_handles(
    tree: GameTree,
    lay: _Layout,
    on_path: set[Node],
    stacked: bool,
    behaviour: bool,
    st: FigureStyle,
    names: Mapping[str, str],
) -> list[Line2D]:
    colors = plt.get_cmap("tab10")
    ms = st.marker_size
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            ms=ms,
            color=colors(i % 10),
            mec="#222222",
            label=p if _same_name(names[p], p) else f"{p}: {names[p]}",
        )
        for i, p in enumerate(tree.players)
    ]
    if any(tree.node(n)["kind"] == "chance" for n in lay.visible if n not in lay.groups):
        handles.append(
            Line2D([], [], marker="s", ls="", ms=ms, mfc="white", mec="#333333", label="chance")
        )
    if on_path:
        what = "equilibrium play" if behaviour else "equilibrium path"
        handles.append(Line2D([], [], color=_PATH_COLOR, lw=st.line_width * 1.6, label=what))
    if behaviour:
        handles.append(Line2D([], [], ls="", label="(p): probability of the action"))
    if len(tree.infosets()) < len(tree.nodes("decision")):
        handles.append(Line2D([], [], color="#555555", ls="--", label="information set"))
    way = "stacked, " if stacked else ""
    handles.append(Line2D([], [], ls="", label=f"payoffs ({way}{', '.join(tree.players)})"))
    return handles


def page_files(out: Path, n: int) -> list[Path]:
    """The files of ``n`` pages written as PNG or SVG: ``out``, then ``NAME-2.EXT``, ..."""
    return [out, *(out.with_name(f"{out.stem}-{k}{out.suffix}") for k in range(2, n + 1))]


def _write(figs: list[Any], out: Path, fmt: str) -> tuple[Path, ...]:
    # Rendered in memory first, so that a failed rendering leaves no file, then
    # written by the one output writer (atomic for files, through for devices).
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        for f in figs:
            plt.close(f)
        raise OutputError(str(out), exc.strerror or str(exc), exc.errno) from None
    if len(figs) > 1 and fmt == "pdf":
        import io

        from matplotlib.backends.backend_pdf import PdfPages

        buf = io.BytesIO()
        with PdfPages(buf, metadata={"CreationDate": None}) as pdf:
            for f in figs:
                pdf.savefig(f)
                plt.close(f)
        write_output(out, buf.getvalue())
        return (out,)
    data = [figure_bytes(f, fmt) for f in figs]
    files = page_files(out, len(figs))
    for path, b in zip(files, data, strict=True):
        write_output(path, b)
    return tuple(files)

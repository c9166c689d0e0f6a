"""Drawing a game tree with its backward-induction path (matplotlib, no graphviz).

Layout: a tidy top-down drawing. Leaves of the drawn tree are placed on consecutive
x positions in preorder, each internal node centred over its first and last child,
and depth sets y; so subtrees never overlap and siblings keep their action order.
Edges carry their action labels (and probabilities at chance nodes), terminal nodes
their payoff vectors (of one chosen draw when the tree holds several; the title
says which), nodes of one information set are joined by a dashed line, and
the edges of the equilibrium path are drawn thick and red.

Beyond ``max_nodes`` nodes the drawing collapses: it keeps the path and the
immediate alternatives at each node of it, shows each omitted subtree as a
triangle marked with its node count, and says so in the title. Without a path it
keeps the top levels that fit.

The figure is rendered in memory and written by
:func:`tradegame.report.files.write_output`: atomically to a file (a reader
never sees a half-written image), through to a device or pipe.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from tradegame.model.tree import GameTree, Node
from tradegame.report.files import OutputError, write_output

__all__ = ["DEFAULT_MAX_NODES", "plot_tree"]

DEFAULT_MAX_NODES = 400

_PATH_COLOR = "#d62728"
_EDGE_COLOR = "#9a9a9a"


def plot_tree(
    tree: GameTree,
    path: Iterable[Node] | None = None,
    out_path: str | os.PathLike[str] = "tree.png",
    *,
    title: str | None = None,
    draw: int | tuple[int, ...] = 0,
    max_nodes: int = DEFAULT_MAX_NODES,
    dpi: int = 150,
) -> Path:
    """Draw a game tree to an image file.

    Parameters
    ----------
    tree : GameTree
        The tree, of one draw or of ``D = tree.n_draws`` draws.
    path : iterable of Node, optional
        Nodes on the equilibrium path (e.g. ``tree.path(profile, draw=draw)``); edges
        between two of them are highlighted.
    out_path : str or path-like
        Where to write the figure; the format follows the suffix (``.png``, ``.svg``,
        ``.pdf``).
    title : str, optional
        Figure title; defaults to the tree's title. When ``D > 1`` the drawn draw is
        appended, e.g. ``"(draw 3 of 10)"``.
    draw : int or tuple of int, default 0
        Which draw's payoffs and chance probabilities to show: a flat index in
        ``range(D)`` or an index tuple over ``tree.draw_shape``.
    max_nodes : int, default 400
        Collapse off-path subtrees when the tree has more nodes than this.
    dpi : int, default 150

    Returns
    -------
    pathlib.Path
        The written file.
    """
    if max_nodes < 1:
        raise ValueError("max_nodes must be positive")
    out = Path(out_path)
    heading = _heading(tree, title, draw)
    if tree.n_draws > 1:
        tree = tree.for_draw(draw)  # that draw's payoffs and probabilities, D = 1
    on_path = set(path) if path is not None else set()
    unknown = [n for n in on_path if n not in tree.graph]
    if unknown:
        raise ValueError(f"path nodes {sorted(unknown)[:3]} are not in the tree")
    visible, collapsed = _visible_nodes(tree, on_path, max_nodes)
    fig = _draw(tree, visible, collapsed, on_path, heading, dpi)
    try:
        _save_atomic(fig, out, dpi)
    finally:
        plt.close(fig)
    return out


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


def _layout(tree: GameTree, visible: list[Node]) -> dict[Node, tuple[float, float]]:
    vis = set(visible)
    pos: dict[Node, tuple[float, float]] = {}
    x = 0.0
    for n in visible:  # preorder: leaves get consecutive slots left to right
        if not any(c in vis for c in tree.children(n)):
            pos[n] = (x, -float(len(n)))
            x += 1.0
    for n in reversed(visible):  # children placed before their parent
        if n in pos:
            continue
        kids = [pos[c][0] for c in tree.children(n) if c in vis]
        pos[n] = ((kids[0] + kids[-1]) / 2.0, -float(len(n)))
    return pos


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _draw(
    tree: GameTree,
    visible: list[Node],
    collapsed: dict[Node, int],
    on_path: set[Node],
    heading: str,
    dpi: int,
) -> plt.Figure:
    pos = _layout(tree, visible)
    vis = set(visible)
    leaves = [n for n in visible if not any(c in vis for c in tree.children(n))]
    n_leaves = len(leaves)
    depth = max(len(n) for n in visible)
    many = n_leaves > 14  # then payoff vectors are stacked, one number per line
    small = 8.0 if n_leaves <= 40 else (6.5 if n_leaves <= 120 else 5.5)
    char_w = small * 0.62 / 72.0  # inches per character, roughly, for the default font
    pay_chars = 4
    for n in leaves:
        if tree.node(n)["kind"] == "terminal":
            pay = [_fmt(v) for v in tree.terminal_payoffs(n)]
            chars = max(len(p) for p in pay) if many else len(", ".join(pay)) + 2
            pay_chars = max(pay_chars, chars)
    edge_chars = max(
        (len(str(e["label"])) for _, c, e in tree.iter_edges() if c in vis and c in set(leaves)),
        default=4,
    )
    # Room per leaf: its payoff text, or the edge labels beside the edges into it.
    leaf_w = max(0.42, pay_chars * char_w + 0.12, 1.4 * edge_chars * char_w + 0.1)
    width = min(max(n_leaves * leaf_w + 1.0, 6.0), 60.0)
    height = min(max(1.7 * depth + (2.6 if many else 2.0), 4.0), 24.0)
    fig, ax = plt.subplots(figsize=(width, height), dpi=dpi)
    colors = plt.get_cmap("tab10")
    player_color = {p: colors(i % 10) for i, p in enumerate(tree.players)}

    # Edges first, so nodes sit on top.
    for parent, child, e in tree.iter_edges():
        if child not in vis:
            continue
        (x0, y0), (x1, y1) = pos[parent], pos[child]
        hot = parent in on_path and child in on_path
        ax.plot(
            [x0, x1],
            [y0, y1],
            color=_PATH_COLOR if hot else _EDGE_COLOR,
            lw=2.8 if hot else 1.0,
            zorder=2 if hot else 1,
            solid_capstyle="round",
        )
        text = str(e["label"])
        if e["prob"] is not None:
            text += f" ({_fmt(e['prob'])})"
        # Labels sit beside their edge, on the outer side, so that siblings never collide.
        side = e["action"] - (len(tree.children(parent)) - 1) / 2.0
        ha = "right" if side < 0 else ("left" if side > 0 else "center")
        dx = -0.06 if side < 0 else (0.06 if side > 0 else 0.0)
        ax.text(
            x0 + 0.5 * (x1 - x0) + dx,
            y0 + 0.5 * (y1 - y0),
            text,
            fontsize=small,
            ha=ha,
            va="center",
            color="#222222" if hot else "#444444",
            fontweight="bold" if hot else "normal",
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
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
            xs = np.linspace(xa, xb, 40)
            rise = 0.12 + 0.05 * min(xb - xa, 8.0)
            ys = ya + rise * np.sin(np.pi * (xs - xa) / (xb - xa))
            ax.plot(xs, ys, ls="--", lw=1.2, color=palette(j % 8), zorder=0)

    for n in visible:
        d = tree.node(n)
        x, y = pos[n]
        if n in collapsed:
            ax.scatter([x], [y - 0.12], marker="^", s=140, color="#cccccc", ec="#777777", zorder=3)
            ax.text(x, y - 0.3, f"+{collapsed[n]}\nnodes", fontsize=small, ha="center", va="top")
            continue
        if d["kind"] == "terminal":
            ax.scatter([x], [y], s=14, color="#333333", zorder=3)
            pay = [_fmt(v) for v in tree.terminal_payoffs(n)]
            ax.text(
                x,
                y - 0.1,
                "\n".join(pay) if many else "(" + ", ".join(pay) + ")",
                fontsize=small,
                ha="center",
                va="top",
                color=_PATH_COLOR if n in on_path else "#111111",
                fontweight="bold" if n in on_path else "normal",
            )
        elif d["kind"] == "chance":
            ax.scatter([x], [y], marker="s", s=90, color="white", ec="#333333", zorder=3)
            ax.text(x, y + 0.12, "chance", fontsize=small, ha="center", va="bottom", style="italic")
        else:
            ax.scatter([x], [y], s=110, color=player_color[d["player"]], ec="#222222", zorder=3)
            ax.text(x, y + 0.12, str(d["player"]), fontsize=small, ha="center", va="bottom")

    handles = [
        Line2D([], [], marker="o", ls="", color=player_color[p], mec="#222222", label=p)
        for p in tree.players
    ]
    if any(tree.node(n)["kind"] == "chance" for n in visible):
        handles.append(
            Line2D([], [], marker="s", ls="", mfc="white", mec="#333333", label="chance")
        )
    if on_path:
        handles.append(Line2D([], [], color=_PATH_COLOR, lw=2.8, label="equilibrium path"))
    if len(tree.infosets()) < len(tree.nodes("decision")):
        handles.append(Line2D([], [], color="#555555", ls="--", label="information set"))
    stacked = " (stacked)" if many else ""
    handles.append(Line2D([], [], ls="", label=f"payoffs{stacked}: ({', '.join(tree.players)})"))
    # One row between the title and the tree, so the legend never covers a node.
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=min(len(handles), 7),
        fontsize=8,
        frameon=False,
        handletextpad=0.4,
        columnspacing=1.2,
    )

    if collapsed:
        heading += (
            f"\n(collapsed: showing {len(visible)} of {len(tree)} nodes; "
            "off-path subtrees drawn as triangles)"
        )
    ax.set_title(heading, fontsize=11, pad=24)
    ax.set_xlim(-0.7, max(n_leaves - 0.3, 0.7))
    ax.set_ylim(-depth - (0.35 + 0.12 * len(tree.players) if many else 0.45), 0.6)
    ax.axis("off")
    fig.tight_layout()
    return fig


def _save_atomic(fig: plt.Figure, out: Path, dpi: int) -> None:
    # Rendered in memory first, so that a failed rendering leaves no file, then
    # written by the one output writer (atomic for files, through for devices).
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(str(out), exc.strerror or str(exc), exc.errno) from None
    fmt = out.suffix.lstrip(".").lower() or "png"
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    write_output(out, buf.getvalue())

"""Figures for a projector (issue 13, item 3): styles, value labels clear of whisker caps,
titles and outcome labels in words, deterministic runs without intervals, behaviour
probabilities on tree edges, large trees split into pages, byte-identical SVG."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import tradegame as tg
from tradegame.analysis.tree_play import tree_play
from tradegame.montecarlo.result import OutcomeEstimate, SimulationResult
from tradegame.report.plot import (
    draw_outcomes,
    figures,
    humanise,
    is_deterministic,
    outcome_figure,
    outcome_labels,
)
from tradegame.report.style import STYLES
from tradegame.report.tree_plot import tree_figure


@pytest.fixture(scope="module")
def chicken() -> tuple[tg.Scenario, SimulationResult]:
    sc = tg.load_scenario("classroom/chicken")
    return sc, tg.simulate(sc, 600)


@pytest.fixture(scope="module")
def madrid() -> tuple[tg.Scenario, SimulationResult]:
    sc = tg.load_scenario("madrid_2025")
    return sc, tg.simulate(sc, 300)


@pytest.fixture(scope="module")
def dilemma() -> tuple[tg.Scenario, SimulationResult]:
    sc = tg.load_scenario("classroom/prisoners_dilemma")
    return sc, tg.simulate(sc, 200)


def _texts(fig) -> list:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _caps(ax) -> list:
    """The whisker caps of an axes' error bars: the lines drawn with the '|' marker."""
    return [ln for ln in ax.lines if ln.get_marker() == "|"]


def _cap_boxes(fig, ax) -> list:
    """One display-space box per whisker cap: the '|' marker at each end, as tall as the
    marker size and as wide as its edge line."""
    from matplotlib.transforms import Bbox

    px = fig.dpi / 72.0
    boxes = []
    for line in _caps(ax):
        half_h = line.get_markersize() * px / 2
        half_w = max(line.get_markeredgewidth(), 1.0) * px / 2
        for x, y in ax.transData.transform(line.get_xydata()):
            boxes.append(Bbox([[x - half_w, y - half_h], [x + half_w, y + half_h]]))
    return boxes


# --- styles ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["talk", "paper"])
def test_every_text_of_the_bar_chart_has_the_styles_sizes(chicken, style) -> None:
    sc, r = chicken
    st = STYLES[style]
    with figures(style) as plt:
        fig = draw_outcomes(r, style=style, labels=outcome_labels(sc))
        width, _ = fig.get_size_inches()
        sizes = [t.get_fontsize() for t in _texts(fig)]
        whiskers = [w for c in fig.axes[0].collections for w in c.get_linewidths()]
        plt.close(fig)
    # The figure is drawn at its real size (a slide, or a journal page) ...
    assert width == pytest.approx(st.width)
    # ... and no text is smaller than the style's smallest: 16 pt at talk.
    assert min(sizes) >= st.small_size
    assert max(sizes) <= st.title_size
    if style == "talk":
        assert min(sizes) >= 16 and st.line_width >= 2
    else:
        assert max(sizes) <= 10
    # The interval whiskers are drawn with the style's lines (thick at talk).
    assert whiskers and min(whiskers) >= 0.8 * st.line_width


def test_png_resolution_follows_the_style_and_dpi(cli, tmp_path: Path) -> None:
    from PIL import Image

    for style, dpi in (("talk", None), ("paper", None), ("talk", 50)):
        png = tmp_path / f"{style}{dpi}.png"
        args = ["run", "classroom/chicken", "-n", "200", "-q", "--plot", png, "--style", style]
        res = cli(*args, *(["--dpi", str(dpi)] if dpi else []))
        assert res.code == 0, res.stderr
        with Image.open(png) as im:
            width = im.size[0]
        expected = STYLES[style].width * (dpi or STYLES[style].dpi)
        assert width == pytest.approx(expected, abs=2)


def test_an_unknown_style_is_refused_in_one_line(cli, tmp_path: Path) -> None:
    res = cli("run", "classroom/chicken", "-q", "--plot", tmp_path / "x.png", "--style", "big")
    assert res.code == 2 and "Traceback" not in res.stderr
    assert "talk" in res.stderr and not (tmp_path / "x.png").exists()


# --- value labels and whisker caps ----------------------------------------------------


def _overlaps(r: SimulationResult, style: str) -> tuple[int, int, list[str]]:
    """Draw the bar chart and measure: (labels, caps, overlapping pairs)."""
    with figures(style) as plt:
        fig = draw_outcomes(r, style=style)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        labels = [t for t in ax.texts if t.get_text().endswith("%")]
        caps = _cap_boxes(fig, ax)
        axes_box = ax.get_window_extent(renderer)
        bad = []
        for t in labels:
            box = t.get_window_extent(renderer)
            assert box.x1 <= axes_box.x1 + 1 and box.x0 >= axes_box.x0 - 1, t.get_text()
            bad += [t.get_text() for c in caps if box.overlaps(c)]
        plt.close(fig)
    return len(labels), len(caps), bad


@pytest.mark.parametrize("style", ["talk", "paper"])
def test_value_labels_never_overlap_whisker_caps(madrid, chicken, style) -> None:
    for _, r in (madrid, chicken):
        n_labels, n_caps, bad = _overlaps(r, style)
        assert n_labels == len([o for o in r.outcomes if o.label != "no_pure_equilibrium"])
        assert n_caps > 0 and bad == []


@pytest.mark.parametrize("p", [0.0005, 0.03, 0.31, 0.5, 0.74, 0.88, 0.95, 0.985, 0.9995])
@pytest.mark.parametrize("half", [0.002, 0.02, 0.08])
def test_no_overlap_wherever_the_bar_ends(chicken, p, half) -> None:
    """Bars from almost nothing to almost everything, with narrow and wide intervals:
    the label goes beyond the cap or, without room, inside the bar before the lower one."""
    _, r = chicken
    lo, hi = max(0.0, p - half), min(1.0, p + half)
    outcomes = (
        OutcomeEstimate("a", p, 0, (lo, hi), 0.01),
        OutcomeEstimate("b", 1 - p, 0, (max(0.0, 1 - p - half), min(1.0, 1 - p + half)), 0.01),
    )
    fake = dataclasses.replace(r, outcomes=outcomes)
    n_labels, n_caps, bad = _overlaps(fake, "talk")
    assert n_labels == 2 and n_caps == 4 and bad == []  # two bars, a cap at each end


# --- words ------------------------------------------------------------------------------


def test_titles_say_the_solution_concept_in_words(chicken, madrid) -> None:
    for (sc, r), words in (
        (chicken, "Pure Nash equilibrium, several chosen uniformly at random"),
        (
            madrid,
            "Subgame-perfect equilibrium (backward induction; an indifferent player takes "
            "the option listed first)",
        ),
    ):
        with figures("talk") as plt:
            fig = draw_outcomes(r, style="talk", labels=outcome_labels(sc))
            text = " ".join(" ".join(t.get_text().split()) for t in _texts(fig))
            plt.close(fig)
        assert words in text
        assert sc.title in text and f"{r.samples:,} draws" in text
        for jargon in ("selection", "tie_break", "pure_nash", "subgame_perfect", "Wilson"):
            assert jargon not in text


def test_outcomes_are_named_by_their_labels(chicken) -> None:
    sc, r = chicken
    with figures("talk") as plt:
        fig = draw_outcomes(r, style="talk", labels=outcome_labels(sc))
        ticks = [" ".join(t.get_text().split()) for t in fig.axes[0].get_yticklabels()]
        plt.close(fig)
    assert ticks == ["Crash", "Both swerve", "One backs down"]
    assert humanise("one_backs_down") == "One backs down"
    # A tree's outcomes have labels of their own: those are used.
    card = tg.load_scenario("classroom/card_game")
    labels = outcome_labels(card)
    assert labels["red_called"] == "Player 2 meets a red card"
    assert all("_" not in v for v in labels.values())


def test_a_deterministic_game_is_drawn_without_draws_or_intervals(dilemma, chicken) -> None:
    sc, r = dilemma
    assert is_deterministic(r)
    assert not is_deterministic(chicken[1])
    with figures("talk") as plt:
        fig = draw_outcomes(r, style="talk", labels=outcome_labels(sc))
        ax = fig.axes[0]
        text = " ".join(" ".join(t.get_text().split()) for t in _texts(fig))
        caps, collections = _caps(ax), list(ax.collections)
        plt.close(fig)
    assert caps == [] and collections == []  # no whiskers at all
    assert "draws" not in text and "interval" not in text
    assert "no uncertain parameter" in text
    assert "100 %" in text  # mutual defection, certainly
    # And with uncertain parameters that never change the outcome: no intervals either.
    same = dataclasses.replace(
        chicken[1],
        outcomes=tuple(
            dataclasses.replace(o, probability=float(k == 2), ci95=(0.0, 1.0), std_error=0.0)
            for k, o in enumerate(chicken[1].outcomes)
        ),
    )
    assert is_deterministic(same)
    with figures("talk") as plt:
        fig = draw_outcomes(same, style="talk")
        assert _caps(fig.axes[0]) == []
        plt.close(fig)


# --- trees ------------------------------------------------------------------------------


def test_mixed_behaviour_probabilities_match_the_closed_form() -> None:
    """Myerson's card game at bet b: player 1 bluffs with probability b / (2 + b) and
    player 2 meets with probability 2 / (2 + b) (Myerson 1991, section 2.1)."""
    sc = tg.load_scenario("classroom/card_game")
    central = tg.solve(sc, game_tree=True)
    play = tree_play(central)
    assert play is not None and play.mixed
    b = central.parameters["bet"]
    tree = central.tree
    # Behaviour sums to 1 at every node it is given for, and realises the reach.
    for n, probs in play.behaviour.items():
        assert sum(probs) == pytest.approx(1.0)
        for c, p in zip(tree.children(n), probs, strict=True):
            assert play.reach[c] == pytest.approx(play.reach[n] * p)
    terminals = [n for n in tree.nodes() if tree.node(n)["kind"] == "terminal"]
    assert sum(play.reach[n] for n in terminals) == pytest.approx(1.0)
    assert play.behaviour[()] == pytest.approx((0.5, 0.5))  # the card
    assert play.behaviour[(0,)] == pytest.approx((1.0, 0.0))  # raise with red
    assert play.behaviour[(1,)][0] == pytest.approx(b / (2 + b))  # bluff with black
    meet = 2 / (2 + b)
    assert play.behaviour[(0, 0)] == pytest.approx((meet, 1 - meet))
    assert play.behaviour[(1, 0)] == pytest.approx((meet, 1 - meet))  # one information set


def test_tree_edges_carry_the_behaviour_probabilities(tmp_path: Path) -> None:
    sc = tg.load_scenario("classroom/card_game")
    central = tg.solve(sc, game_tree=True)
    play = tree_play(central)
    assert play is not None
    b = central.parameters["bet"]
    drawn = tree_figure(central.tree, play.played, tmp_path / "card.svg", behaviour=play.behaviour)
    svg = (tmp_path / "card.svg").read_text()
    assert drawn.behaviour and drawn.pages == 1
    for p in (b / (2 + b), 1 - b / (2 + b), 2 / (2 + b), b / (2 + b)):
        assert f"({p:.3g})" in svg
    assert "(0.5)" in svg  # chance
    # Font sizes of every text at their real size: none below 16 pt at talk.
    sizes = [float(s) for s in re.findall(r"font(?:-size)?:\s*(?:italic |bold )*([\d.]+)px", svg)]
    assert sizes and min(sizes) >= 16
    # A pure equilibrium is not written over with 0s and 1s.
    pure = tree_figure(central.tree, play.played, tmp_path / "pure.svg")
    assert not pure.behaviour and f"({2 / (2 + b):.3g})" not in (tmp_path / "pure.svg").read_text()


def test_the_tree_command_draws_the_card_games_mixed_play(cli, tmp_path: Path) -> None:
    svg = tmp_path / "card.svg"
    res = cli("tree", "classroom/card_game", "--plot", svg)
    assert res.code == 0, res.stderr
    said = " ".join(res.stdout.split())
    assert "probabilities on the edges" in said
    text = svg.read_text()
    assert f"({2 / 3.25:.3g})" in text  # meet, at the median bet 1.25
    assert "every uncertain parameter at its median" in text


def test_a_large_tree_is_collapsed_and_split_into_pages(cli, tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "madrid.png"
    res = cli("tree", "madrid_2025", "--plot", png)
    assert res.code == 0, res.stderr
    said = " ".join(res.stdout.split())
    files = sorted(tmp_path.glob("madrid*.png"))
    assert len(files) > 1 and f"split into {len(files)} pages" in said and "collapsed" in said
    st = STYLES["talk"]
    for f in files:
        with Image.open(f) as im:
            # Every page fits a slide at its real size: nothing is shrunk below 16 pt.
            assert im.size[0] / st.dpi <= st.width + 0.7
    # As PDF: one file, the same pages.
    pdf = tmp_path / "madrid.pdf"
    res = cli("tree", "madrid_2025", "--plot", pdf)
    assert res.code == 0, res.stderr
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))
    assert pages == len(files)
    # Each page says which it is and where its cut branches continue.
    svg = tmp_path / "madrid.svg"
    assert cli("tree", "madrid_2025", "--plot", svg).code == 0
    first = svg.read_text()
    assert f"Page 1 of {len(files)}" in first and "on page 2" in first


def test_paging_keeps_every_node_on_exactly_one_page() -> None:
    from tradegame.report.tree_plot import _group_alternatives, _Layout, _paginate, _visible_nodes

    sc = tg.load_scenario("madrid_2025")
    central = tg.solve(sc, game_tree=True, normal_form=False)
    tree, path = central.tree, set(central.path)
    visible, collapsed = _visible_nodes(tree, path, 400)
    visible, collapsed, groups = _group_alternatives(tree, visible, path, 3)
    # Every node is drawn, inside a collapsed subtree, or behind a "+k more" marker.
    hidden = sum(collapsed.values()) + sum(m for _, m in groups.values())
    assert len(visible) - len(groups) + hidden == len(tree)
    pages = _paginate(tree, _Layout(visible, collapsed, groups), {}, STYLES["talk"], 13.0)
    assert len(pages) > 1
    owned = [n for page in pages for n in page.visible if n != page.root]
    assert sorted(owned) == sorted(n for n in visible if n != ())
    roots = [page.root for page in pages[1:]]
    # Each later page's root is a stub on exactly one earlier page, with that page's number.
    for k, r in enumerate(roots, start=2):
        stubs = [p for p in pages if p.continued.get(r) == k]
        assert len(stubs) == 1


# --- determinism ------------------------------------------------------------------------


def test_svg_and_pdf_are_byte_identical_for_the_same_input(chicken, tmp_path: Path) -> None:
    sc, r = chicken
    labels = outcome_labels(sc)
    for fmt in ("svg", "pdf"):
        assert outcome_figure(r, fmt, labels=labels) == outcome_figure(r, fmt, labels=labels)
    card = tg.load_scenario("classroom/card_game")
    central = tg.solve(card, game_tree=True)
    play = tree_play(central)
    assert play is not None
    out = []
    for k in range(2):
        path = tmp_path / f"t{k}.svg"
        tree_figure(central.tree, play.played, path, behaviour=play.behaviour)
        out.append(path.read_bytes())
    assert out[0] == out[1]


def test_backtest_draws_its_scores_and_reliability(cli, tmp_path: Path) -> None:
    svg = tmp_path / "bt.svg"
    res = cli("backtest", "history", "-n", "200", "--plot", svg, "--style", "paper")
    assert res.code == 0, res.stderr
    text = svg.read_text()
    assert text.startswith("<?xml") and "<svg" in text
    res = cli("backtest", "history", "-n", "200", "--plot", tmp_path / "bt.gif")
    assert res.code == 2 and ".png, .svg or .pdf" in res.stderr

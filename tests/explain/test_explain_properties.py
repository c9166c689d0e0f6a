"""Properties of ``tg.explain``: each number it shows is checked from the payoffs.

Every listed equilibrium has no profitable deviation; the 2x2 indifference solution
makes the opponent indifferent (and matches the textbook answers); every mixed
dominator strictly dominates what it removes; the risk-dominance products are the
deviation losses; the non-credible threat of entry deterrence is an off-path action
that is not optimal at its own node; grim trigger's d* is (T - R)/(T - P). On
generated games as well as on the textbook ones.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from explain_cases import CASES, DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradegame as tg
from tradegame.analysis.explain import Account, Equations, Table

TOL = 1e-9


def bimatrix_yaml(U: np.ndarray, title: str = "Generated game") -> str:
    """A simultaneous two-player scenario with payoffs ``U`` (shape (2, m, k))."""
    m, k = U.shape[1:]
    rows = ", ".join(f"r{a}" for a in range(m))
    cols = ", ".join(f"c{b}" for b in range(k))
    matrix = "\n".join(
        "    - [" + ", ".join(f"[{U[0, a, b]:g}, {U[1, a, b]:g}]" for b in range(k)) + "]"
        for a in range(m)
    )
    return (
        f"tradegame: 1\ntitle: {title}\nplayers:\n"
        f"  row: {{strategies: [{rows}]}}\n  col: {{strategies: [{cols}]}}\n"
        f"payoffs:\n  matrix:\n{matrix}\n"
        "outcomes:\n  first: row == 'r0'\n  otherwise: other\n"
    )


def explain_matrix(U: np.ndarray) -> Account:
    return tg.explain(tg.parse_scenario(bimatrix_yaml(U))).account


def check_account(account: Account) -> None:
    """Every claim of a normal-form explanation, checked from the payoffs."""
    c = account.central
    U = c.payoffs
    assert U is not None
    n = U.shape[0]
    # Each listed pure equilibrium: no player gains by any unilateral deviation.
    for e in c.pure_equilibria:
        for i in range(n):
            for a in range(U.shape[1 + i]):
                dev = list(e)
                dev[i] = a
                assert U[(i, *dev)] <= U[(i, *e)] + TOL
    # ... and the deviation tables show no positive gain, each gain = after - at.
    pure = account.section("pure")
    assert pure is not None
    for block in pure.blocks:
        if isinstance(block, Table) and block.header[-1] == "gain":
            for row in block.rows:
                if row[-1]:
                    after, at, gain = (float(x) for x in row[2:5])
                    assert gain <= TOL and abs(after - at - gain) < 1e-3
    # Profiles that are not listed are not equilibria (some deviation gains).
    listed = set(c.pure_equilibria)
    for prof in itertools.product(*map(range, U.shape[1:])):
        if prof not in listed:
            assert any(
                U[(i, *prof[:i], a, *prof[i + 1 :])] > U[(i, *prof)] + TOL
                for i in range(n)
                for a in range(U.shape[1 + i])
            )
    # Every removal of the dominance trace: the dominator is strictly better against
    # every profile of the others' strategies alive at the start of its round.
    d = c.dominance
    assert d is not None
    for e in d.trace:
        gone = {(x.player, x.action) for x in d.trace if x.round < e.round}
        alive = [[a for a in range(m) if (i, a) not in gone] for i, m in enumerate(U.shape[1:])]
        w = np.zeros(U.shape[1 + e.player])
        if e.by_mixture:
            w = np.asarray(e.dominated_by, dtype=float)
            assert abs(w.sum() - 1) < 1e-9 and np.all(w >= -1e-12)
            assert all(w[b] <= 1e-12 or b in alive[e.player] for b in range(len(w)))
        else:
            w[int(e.dominated_by)] = 1.0
        others = [j for j in range(n) if j != e.player]
        for prof in itertools.product(*(alive[j] for j in others)):
            full = [0] * n
            for j, a in zip(others, prof, strict=True):
                full[j] = a

            def pay(b: int, full: list[int] = full, i: int = e.player) -> float:
                full[i] = b
                return float(U[(i, *full)])

            mixed = sum(w[b] * pay(b) for b in range(len(w)))
            assert mixed > pay(e.action) + TOL
    # 2x2 with a fully mixed equilibrium: each mix makes the other player indifferent.
    if account.mixed_2x2 is not None:
        p, q = account.mixed_2x2
        assert 0 < p < 1 and 0 < q < 1
        x, y = np.array([p, 1 - p]), np.array([q, 1 - q])
        row_pay = U[0] @ y
        col_pay = x @ U[1]
        assert abs(row_pay[0] - row_pay[1]) < 1e-9
        assert abs(col_pay[0] - col_pay[1]) < 1e-9
        # ... and it is one of the equilibria vertex enumeration found.
        assert any(np.allclose(xx, x) and np.allclose(yy, y) for xx, yy in c.mixed_equilibria or ())
    # Risk dominance: the products shown are the deviation losses, computed here.
    risk = account.section("risk")
    if risk is not None:
        table = next(b for b in risk.blocks if isinstance(b, Table))
        for e, row in zip(c.pure_equilibria, table.rows, strict=True):
            a, b = e
            la = U[0, a, b] - max(U[0, r, b] for r in range(U.shape[1]) if r != a)
            lb = U[1, a, b] - max(U[1, a, s] for s in range(U.shape[2]) if s != b)
            assert float(row[1]) == pytest.approx(la, abs=1e-3)
            assert float(row[2]) == pytest.approx(lb, abs=1e-3)
            assert float(row[3]) == pytest.approx(la * lb, abs=1e-3)


@pytest.mark.parametrize(
    "path",
    [CASES["prisoners_dilemma"], CASES["battle_of_the_sexes"], CASES["mixed_dominator"]],
    ids=lambda p: Path(p).stem,
)
def test_textbook_games_every_claim_checks(path: Path) -> None:
    check_account(tg.explain(path).account)


def test_battle_of_the_sexes_mixed_equilibrium_is_osbornes() -> None:
    # Osborne (2004), section 4.3: each goes to the favourite concert with probability 2/3.
    account = tg.explain(CASES["battle_of_the_sexes"]).account
    assert account.mixed_2x2 == pytest.approx((2 / 3, 1 / 3))
    mixed = account.section("mixed")
    assert mixed is not None
    lines = [line.text for b in mixed.blocks if isinstance(b, Equations) for line in b.lines]
    assert "2 q + 0 (1 - q) = 0 q + 1 (1 - q)" in lines and "q = 1/3 ~ 0.3333" in lines
    assert "1 p + 0 (1 - p) = 0 p + 2 (1 - p)" in lines and "p = 2/3 ~ 0.6667" in lines


def test_chicken_mixed_equilibrium_and_tied_risk_dominance() -> None:
    # Chicken with crash cost c: swerve with probability c/(c+1) ... here c = 4 at the
    # median: q = 3/4 (indifference 0q - 1(1-q) = 1q - 4(1-q)); the game is symmetric,
    # so the two pure equilibria tie on risk dominance.
    account = tg.explain("classroom/chicken").account
    check_account(account)
    assert account.mixed_2x2 == pytest.approx((0.75, 0.75))
    risk = account.section("risk")
    assert risk is not None and "Tie" in risk.blocks[-1].text  # type: ignore[union-attr]


def test_stag_hunt_risk_dominance_picks_hare() -> None:
    # Stag hunt (4,4),(0,3);(3,0),(3,3): stag is payoff-dominant, hare risk-dominant
    # (Harsanyi and Selten 1988): losses (4-3)(4-3) = 1 < (3-0)(3-0) = 9.
    U = np.array([[[4, 0], [3, 3]], [[4, 3], [0, 3]]], dtype=float)
    account = explain_matrix(U)
    check_account(account)
    risk = account.section("risk")
    assert risk is not None
    assert "(r1, c1) risk-dominates" in risk.blocks[-1].text  # type: ignore[union-attr]
    pareto = account.section("pareto")
    assert pareto is not None
    assert any("(r0, c0) is payoff-dominant" in item for item in pareto.blocks[0].items)  # type: ignore[union-attr]


def test_mixed_dominator_is_a_mixture_neither_pure_strategy_beats() -> None:
    account = tg.explain(CASES["mixed_dominator"]).account
    d = account.central.dominance
    assert d is not None and d.solved and d.rounds == 4
    first = d.trace[0]
    assert first.by_mixture and account.central.strategies[0][first.action] == "bottom"
    U = account.central.payoffs
    assert U is not None
    for b in (0, 1):  # neither top nor middle alone dominates bottom
        assert not np.all(U[0, b] > U[0, 2])


def test_matching_pennies_says_there_is_no_pure_equilibrium() -> None:
    U = np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]], dtype=float)
    account = explain_matrix(U)
    check_account(account)
    pure = account.section("pure")
    assert pure is not None and "no pure Nash equilibrium" in pure.blocks[0].text  # type: ignore[union-attr]
    table = pure.blocks[1]
    assert isinstance(table, Table) and len(table.rows) == 4  # every profile, a gain each
    assert account.mixed_2x2 == pytest.approx((0.5, 0.5))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 3).flatmap(
        lambda m: st.integers(2, 3).flatmap(
            lambda k: st.lists(st.integers(-5, 5), min_size=2 * m * k, max_size=2 * m * k).map(
                lambda xs: np.array(xs, dtype=float).reshape(2, m, k)
            )
        )
    )
)
def test_generated_games_every_claim_checks(U: np.ndarray) -> None:
    check_account(explain_matrix(U))


def test_entry_deterrence_names_the_non_credible_threat() -> None:
    account = tg.explain(CASES["entry_deterrence"]).account
    tree = account.central.tree
    assert tree is not None
    # The textbook: (stay out, fight) is a Nash equilibrium, not subgame-perfect.
    (bad,) = account.not_subgame_perfect
    assert bad["profile"] == ("stay_out", "fight")
    threat = bad["threats"][0]
    assert (threat["player"], threat["action"], threat["better"]) == (
        "incumbent",
        "fight",
        "accommodate",
    )
    # The threat is at a node the equilibrium never reaches (the entrant stays out) ...
    assert threat["node"] == (1,)
    # ... and there fighting pays the incumbent less than accommodating, from the tree.
    idx = tree.players.index("incumbent")
    fight, accommodate = (float(tree.terminal_payoffs((1, a))[idx]) for a in (0, 1))
    assert threat["payoff"] == pytest.approx(fight) and fight < accommodate
    assert threat["better_payoff"] == pytest.approx(accommodate)


def test_ultimatum_backward_induction_is_optimal_at_every_node() -> None:
    account = tg.explain("classroom/ultimatum").account
    tree = account.central.tree
    assert tree is not None
    values = tree.subgame_values()
    backward = account.section("backward")
    assert backward is not None
    table = next(b for b in backward.blocks if isinstance(b, Table))
    for row in table.rows:
        options = dict(part.split(": ") for part in row[2].split("; "))
        chosen = row[3].split(" -> ")[0].split(" (tie")[0]
        assert float(options[chosen]) == max(float(v) for v in options.values())
    # The root's value is the subgame-perfect payoff reported.
    assert account.central.values is not None
    assert list(account.central.values.values()) == pytest.approx(list(values[()]))


def test_repeated_prisoners_dilemma_critical_discount_is_one_half() -> None:
    # Fudenberg and Tirole (1991), section 5.1: (T - R)/(T - P) = (5 - 3)/(5 - 1) = 1/2.
    account = tg.explain(CASES["repeated_prisoners_dilemma"]).account
    rep = account.central.repeated
    assert rep is not None
    R, T, P = rep.grim.reward, rep.grim.temptation, rep.grim.punishment
    assert np.allclose((T - R) / (T - P), 0.5)
    section = account.section("repeated")
    assert section is not None
    lines = [line.text for b in section.blocks if isinstance(b, Equations) for line in b.lines]
    assert lines[-1] == "d >= 1/2"
    # R/(1-d) >= T + d P/(1-d) holds exactly from d = 1/2 on.
    for d, holds in ((0.49, False), (0.5, True), (0.6069, True)):
        assert bool(np.all(R / (1 - d) >= T + d * P / (1 - d) - 1e-12)) == holds


def test_latex_escapes_scenario_text() -> None:
    text = bimatrix_yaml(np.ones((2, 2, 2)), title="'50% & $x_1$ #1 {a}'")
    latex = tg.explain(tg.parse_scenario(text)).to_latex()
    assert r"50\% \& \$x\_1\$ \#1 \{a\}" in latex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_latex_output_compiles(name: str, tmp_path: Path) -> None:
    body = tg.explain(CASES[name]).to_latex()
    doc = (
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage[T1]{fontenc}\n"
        "\\begin{document}\n" + body + "\\end{document}\n"
    )
    (tmp_path / "x.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "x.tex"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]


def test_html_escapes_and_has_every_section() -> None:
    text = bimatrix_yaml(np.ones((2, 2, 2)), title="'<script>x</script>'")
    ex = tg.explain(tg.parse_scenario(text))
    html = ex._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<h4>") == len(ex.account.sections)


def test_explain_takes_overrides() -> None:
    # With fighting worth 4 to the incumbent, fighting is credible: the entrant stays out.
    ex = tg.explain(CASES["entry_deterrence"], set={"parameters.reputation_value.low": 4})
    assert ex.central.parameters["reputation_value"] == pytest.approx(4.5)
    assert [e.strategies for e in ex.central.equilibria] == [{"entry": "stay_out"}]
    assert ex.account.not_subgame_perfect == ()
    assert DATA.is_dir()


def test_rubinstein_shares_solve_both_indifference_conditions() -> None:
    # Rubinstein (1982); Osborne and Rubinstein (1994), Proposition 122.1: the
    # responder is offered exactly the discounted value of proposing next round.
    account = tg.explain("classroom/rubinstein_bargaining").account
    bar = account.central.bargaining
    assert bar is not None
    dp, dr = bar.discounts[bar.proposer], bar.discounts[bar.responder]
    section = account.section("bargaining")
    assert section is not None
    lines = [line.text for b in section.blocks if isinstance(b, Equations) for line in b.lines]
    x = float(lines[3].rsplit("= ", 1)[1])
    y = float(lines[4].rsplit("= ", 1)[1])
    assert 1 - x == pytest.approx(dr * y, abs=1e-3)
    assert 1 - y == pytest.approx(dp * x, abs=1e-3)
    assert bar.shares[bar.proposer] == pytest.approx(bar.pie * x, abs=1e-3)
    assert bar.shares[bar.responder] == pytest.approx(bar.pie * (1 - x), abs=1e-3)


def test_three_players_are_listed_profile_by_profile() -> None:
    # A three-player coordination game: everyone matching is an equilibrium.
    text = """\
tradegame: 1
title: three-player coordination
players:
  p1: {strategies: [h, t]}
  p2: {strategies: [h, t]}
  p3: {strategies: [h, t]}
payoffs:
  p1: "(p1 == 'h') == (p2 == 'h')"
  p2: "(p2 == 'h') == (p3 == 'h')"
  p3: "(p3 == 'h') == (p1 == 'h')"
outcomes:
  all_heads: p1 == 'h' and p2 == 'h' and p3 == 'h'
  otherwise: other
"""
    account = tg.explain(tg.parse_scenario(text)).account
    check_account(account)
    assert [account.central.profile_labels(e) for e in account.central.pure_equilibria] == [
        ("h", "h", "h"),
        ("t", "t", "t"),
    ]
    table = account.section("game").blocks[-1]  # type: ignore[union-attr]
    assert isinstance(table, Table) and len(table.rows) == 8
    assert table.rows[0] == ("h", "h", "h", "1*", "1*", "1*")
    assert account.table is None  # the figure draws two-player tables only


def test_a_large_table_is_cut_and_says_so() -> None:
    rng = np.random.default_rng(5)
    U = rng.integers(-9, 10, size=(2, 15, 15)).astype(float)
    account = explain_matrix(U)
    check_account(account)
    table = account.section("game").blocks[-1]  # type: ignore[union-attr]
    assert isinstance(table, Table)
    assert len(table.rows) == 12 and len(table.header) == 13
    assert "The table is 15 x 15; only the first 12 x 12 strategies are shown." in table.caption
    assert account.table is None


@pytest.mark.parametrize("tie_break", ["first", "uniform"])
def test_backward_induction_values_match_the_solver_under_either_tie_rule(tie_break: str) -> None:
    # The TikTok deadline game has indifferent movers: the tie rule changes the values.
    from tradegame.analysis.explain.sequential import induction_values

    ex = tg.explain("tiktok_deadline", set={"analysis.tie_break": tie_break})
    tree = ex.central.tree
    assert tree is not None and ex.central.values is not None
    values, choices = induction_values(tree, uniform=tie_break == "uniform")
    assert list(values[()]) == pytest.approx(list(ex.central.values.values()))
    index = {p: i for i, p in enumerate(tree.players)}
    for node, chosen in choices.items():  # optimal for the mover at every node
        i = index[tree.graph.nodes[node]["player"]]
        best = max(values[k][i] for k in tree.children(node))
        assert all(values[k][i] == pytest.approx(best) for k in chosen)
    assert any(len(c) > 1 for c in choices.values()) == (tie_break == "uniform")


def test_a_large_tree_is_explained_on_its_path_and_move_by_move() -> None:
    account = tg.explain("madrid_2025").account
    tree = account.central.tree
    assert tree is not None
    section = account.section("backward")
    assert section is not None
    node_table, move_table = (b for b in section.blocks if isinstance(b, Table))
    # Only the decision and chance nodes on the equilibrium path are listed one by one.
    assert account.central.path is not None
    on_path = [n for n in account.central.path if tree.graph.nodes[n]["kind"] != "terminal"]
    assert len(node_table.rows) == len(on_path) < 40
    assert "on the subgame-perfect path are shown" in node_table.caption
    # Move by move, each player's node counts add up (tie_break first: one choice a node).
    decisions = tree.nodes("decision")
    for _move, mover, nodes, chosen in move_table.rows:
        if mover == "chance":
            continue
        counts = [int(part.rsplit(" at ", 1)[1]) for part in chosen.split(", ")]
        assert sum(counts) == int(nodes.replace(",", ""))
    assert sum(int(r[2].replace(",", "")) for r in move_table.rows if r[1] != "chance") == len(
        decisions
    )

"""Gambit .nfg/.efg files: pygambit reads what we write, equilibria agree, round trips."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.interop import GambitFormatError, read_efg, read_nfg, write_efg, write_nfg
from tradegame.model.normal_form import plan_index, reduced_normal_form, reduced_strategies
from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree
from tradegame.solvers.backward_induction import backward_induction
from tradegame.solvers.pure_nash import pure_nash

NFG_2X2 = """NFG 1 R "Stag hunt, \\"classic\\"" { "Row" "Column" }
{ { "stag" "hare" } { "stag" "hare" } }
"payoff version, first player varies fastest"

4 4
3 0
0 3
3 3
"""

EFG_CHANCE = """EFG 2 R "Entry with a chance move" { "Entrant" "Incumbent" }
"a chance move, then entry, then a reply that sees only entry"

c "root" 1 "nature" { "good" 1/3 "bad" 2/3 } 0
p "" 1 1 "entry|good" { "out" "in" } 0
p "" 2 1 "reply|out" { "fight" "accommodate" } 0
t "" 1 "o1" { 0, 2 }
t "" 2 "o2" { 0, 2 }
p "" 2 2 "reply|in" { "fight" "accommodate" } 0
t "" 3 "o3" { -1, -1 }
t "" 4 "o4" { 1.5, 1 }
p "" 1 2 "entry|bad" { "out" "in" } 0
p "" 2 1 "reply|out" { "fight" "accommodate" } 0
t "" 1 "o1" { 0, 2 }
t "" 2 "o2" { 0, 2 }
p "" 2 2 "reply|in" { "fight" "accommodate" } 0
t "" 5 "o5" { -2, -1 }
t "" 6 "o6" { 0.25, 1 }
"""


def _tokens(text: str) -> list[str]:
    return text.split()


@st.composite
def perfect_information_games(draw):
    n = draw(st.integers(1, 3))
    players = tuple(f"p{i}" for i in range(n))
    k = draw(st.integers(1, 3))
    stages = tuple(
        Stage(
            f"s{s}",
            draw(st.sampled_from((*players, None))),
            tuple(f"a{j}" for j in range(draw(st.integers(1, 3 if k < 3 else 2)))),
        )
        for s in range(k)
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    V = np.round(rng.normal(size=(n, *(len(x.actions) for x in stages))), 3)
    probs = {s: rng.dirichlet(np.ones(len(x.actions))) for s, x in enumerate(stages) if x.is_chance}
    return V, stages, players, probs


# ---------------------------------------------------------------------- round trips
def test_nfg_read_then_write_is_the_identity():
    game = read_nfg(NFG_2X2)
    assert game.players == ("Row", "Column")
    assert game.title == 'Stag hunt, "classic"'
    assert game.strategy_labels == (("stag", "hare"), ("stag", "hare"))
    np.testing.assert_array_equal(game.U[0], [[4, 0], [3, 3]])
    np.testing.assert_array_equal(game.U[1], [[4, 3], [0, 3]])
    text = write_nfg(game.U, game.players, game.strategy_labels, game.title, game.comment)
    assert _tokens(text) == _tokens(NFG_2X2)


NFG_OUTCOME = """NFG 1 R "Stag hunt" { "Row" "Column" }

{ { "stag" "hare" }
{ "stag" "hare" }
}
"outcome version, laid out as Gambit writes it"

{
{ "" 4, 4 }
{ "" 3, 0 }
{ "" 0, 3 }
{ "" 3.5, -1.25 }
}
1 2 3 4
"""


def test_nfg_outcome_version_read_then_write_is_the_identity():
    game = read_nfg(NFG_OUTCOME)
    np.testing.assert_array_equal(game.U[:, 1, 1], [3.5, -1.25])
    text = write_nfg(
        game.U, game.players, game.strategy_labels, game.title, game.comment, version="outcome"
    )
    assert text == NFG_OUTCOME
    # Both versions hold the same game.
    payoff = write_nfg(game.U, game.players, game.strategy_labels, game.title, game.comment)
    np.testing.assert_array_equal(read_nfg(payoff).U, game.U)
    with pytest.raises(ValueError, match="version"):
        write_nfg(game.U, game.players, version="strategic")


def test_efg_read_then_write_is_the_identity():
    tree = read_efg(EFG_CHANCE)
    assert tree.players == ("Entrant", "Incumbent")
    assert len(tree) == 15
    assert tree.node(())["probs"] == pytest.approx((1 / 3, 2 / 3))
    assert tree.node(())["name"] == "root"
    assert tree.infosets("Incumbent")[(2, 1)] == [(0, 0), (1, 0)]
    np.testing.assert_array_equal(tree.terminal_payoffs((1, 1, 1)), [0.25, 1])
    assert _tokens(write_efg(tree)) == _tokens(EFG_CHANCE)


def test_efg_reader_accepts_omitted_actions_and_outcomes():
    short = EFG_CHANCE.replace(
        'p "" 2 1 "reply|out" { "fight" "accommodate" } 0\n'
        't "" 1 "o1" { 0, 2 }\nt "" 2 "o2" { 0, 2 }\n'
        'p "" 2 2 "reply|in" { "fight" "accommodate" } 0\nt "" 5',
        'p "" 2 1 0\nt "" 1\nt "" 2\np "" 2 2 0\nt "" 5',
    )
    assert short != EFG_CHANCE
    assert _tokens(write_efg(read_efg(short))) == _tokens(EFG_CHANCE)


def test_nfg_outcome_version_and_counts_are_read():
    text = """NFG 1 R "counts" { "A" "B" } { 2 2 }
    { { "" 1, 2 } { "x" 3, 4 } { "" 5, 6 } }
    1 2 0 3
    """
    game = read_nfg(text)
    assert game.strategy_labels == (("1", "2"), ("1", "2"))
    np.testing.assert_array_equal(game.U[:, 0, 0], [1, 2])
    np.testing.assert_array_equal(game.U[:, 1, 0], [3, 4])
    np.testing.assert_array_equal(game.U[:, 0, 1], [0, 0])
    np.testing.assert_array_equal(game.U[:, 1, 1], [5, 6])


@pytest.mark.parametrize(
    "text",
    [
        "",
        'NFG 1 R "t" { "A" } { { "x" } }\n"" 1 2',
        'NFG 2 R "t" { "A" } { 1 } 1',
        'EFG 2 R "t" { "A" }\n"" p "" 1 1 "" { "l" "r" } 0\nt "" 0',
        'EFG 2 R "t" { "A" }\n"" p "" 3 1 "" { "l" } 0\nt "" 0',
        'EFG 2 R "t" { "A" }\n"" t "" 7',
    ],
)
def test_malformed_files_raise_a_format_error(text):
    reader = read_efg if text.startswith("EFG") else read_nfg
    with pytest.raises(GambitFormatError):
        reader(text)


def test_labels_with_quotes_and_backslashes_survive():
    U = np.array([[[1.5]], [[-0.125]]])
    labels = (('say "yes"',), ("back\\slash",))
    game = read_nfg(write_nfg(U, ('A "1"', "B"), labels, title="t\\", comment='c "q"'))
    assert game.strategy_labels == labels
    assert game.players == ('A "1"', "B")
    assert (game.title, game.comment) == ("t\\", 'c "q"')
    np.testing.assert_array_equal(game.U, U)


@given(perfect_information_games())
@settings(max_examples=25, deadline=None)
def test_write_read_write_round_trip_on_random_trees(game):
    V, stages, players, probs = game
    tree = GameTree.from_stages(V, stages, players, probs, title="random")
    text = write_efg(tree)
    back = read_efg(text)
    assert write_efg(back) == text
    assert back.nodes() == tree.nodes()
    for node in tree.nodes("terminal"):
        np.testing.assert_array_equal(back.terminal_payoffs(node), tree.terminal_payoffs(node))


# ---------------------------------------------------------------------- pygambit
@pytest.mark.gambit
@given(perfect_information_games())
@settings(max_examples=20, deadline=None)
def test_gambit_pure_equilibria_of_exported_nfg_are_ours(game):
    gbt = pytest.importorskip("pygambit")
    V, stages, players, probs = game
    U, labels = reduced_normal_form(V, stages, players, probs)
    text = write_nfg(U, players, labels, title="reduced normal form")
    g = gbt.read_nfg(io.StringIO(text))
    assert [p.label for p in g.players] == list(players)
    arrays = g.to_arrays()
    for i in range(len(players)):
        np.testing.assert_allclose(np.asarray(arrays[i], dtype=float), U[i], atol=1e-12)
    theirs = set()
    for eq in gbt.nash.enumpure_solve(g).equilibria:
        theirs.add(
            tuple(next(j for j, s in enumerate(p.strategies) if eq[s] == 1) for p in g.players)
        )
    ours = {tuple(int(x) for x in idx) for idx in np.argwhere(pure_nash(U))}
    assert ours == theirs
    # ... and the subgame-perfect profile is among them.
    res = backward_induction(V, stages, players, probs)
    tree = GameTree.from_stages(V, stages, players, probs)
    profile = tree.profile_from_arrays(res.strategy)
    plans = reduced_strategies(stages, players)
    assert tuple(plan_index(plans[i], profile) for i in range(len(players))) in theirs


@pytest.mark.gambit
@given(perfect_information_games())
@settings(max_examples=20, deadline=None)
def test_gambit_reads_exported_efg_and_its_equilibria_include_ours(game):
    gbt = pytest.importorskip("pygambit")
    V, stages, players, probs = game
    tree = GameTree.from_stages(V, stages, players, probs, title="random")
    text = write_efg(tree)
    g = gbt.read_efg(io.StringIO(text))
    # Gambit writes the same file back.
    assert _tokens(g.to_efg()) == _tokens(text)
    res = backward_induction(V, stages, players, probs)
    ours = {}
    for node, a in tree.profile_from_arrays(res.strategy).items():
        member = tree.infosets()[node][0]
        d = tree.node(member)
        ours[(d["player"], d["infoset_label"])] = d["actions"][a]
    found = []
    for eq in gbt.nash.enumpure_agent_solve(g).equilibria:
        theirs = {}
        for infoset in g.infosets:
            if infoset.player.is_chance:
                continue
            chosen = [a.label for a in infoset.actions if eq[a] == 1]
            theirs[(infoset.player.label, infoset.label)] = chosen[0]
        found.append(theirs)
    assert ours in found


@pytest.mark.gambit
def test_gambit_reads_our_example_files_and_their_games_agree():
    gbt = pytest.importorskip("pygambit")
    g = gbt.read_nfg(io.StringIO(NFG_2X2))
    ours = read_nfg(NFG_2X2)
    for i, arr in enumerate(g.to_arrays()):
        np.testing.assert_array_equal(np.asarray(arr, dtype=float), ours.U[i])
    # Gambit's own (outcome-version) output reads back to the same game.
    np.testing.assert_array_equal(read_nfg(g.to_nfg()).U, ours.U)
    eqs = {
        tuple(next(j for j, s in enumerate(p.strategies) if eq[s] == 1) for p in g.players)
        for eq in gbt.nash.enumpure_solve(g).equilibria
    }
    assert eqs == {tuple(int(x) for x in i) for i in np.argwhere(pure_nash(ours.U))}

    e = gbt.read_efg(io.StringIO(EFG_CHANCE))
    assert _tokens(e.to_efg()) == _tokens(EFG_CHANCE)
    tree = read_efg(e.to_efg())
    assert not tree.is_perfect_information()
    theirs = {(i.player.label, i.label): len(list(i.members)) for i in e.infosets}
    ours = {
        (tree.node(m[0])["player"], tree.node(m[0])["infoset_label"]): len(m)
        for m in tree.infosets().values()
    }
    assert ours == theirs
    assert ours[("Incumbent", "reply|in")] == 2


@pytest.mark.gambit
def test_gambit_reads_the_outcome_version_and_writes_it_back():
    gbt = pytest.importorskip("pygambit")
    g = gbt.read_nfg(io.StringIO(NFG_OUTCOME))
    ours = read_nfg(NFG_OUTCOME)
    for i, arr in enumerate(g.to_arrays()):
        np.testing.assert_array_equal(np.asarray(arr, dtype=float), ours.U[i])
    # Gambit writes the same layout; only its default outcome labels ("_1", ...) differ.
    theirs = g.to_nfg().split()
    assert [t for t in theirs if not t.startswith('"_')] == [
        t for t in NFG_OUTCOME.split() if t != '""'
    ]


def test_imperfect_information_stage_game_exports_information_sets():
    stages = (
        Stage("nature", None, ("good", "bad")),
        Stage("entry", "E", ("out", "in")),
        Stage("reply", "I", ("fight", "accommodate"), observes=(1,)),
    )
    V = np.arange(16, dtype=float).reshape(2, 2, 2, 2)
    tree = GameTree.from_stages(V, stages, ("E", "I"), {0: [0.5, 0.5]})
    back = read_efg(write_efg(tree))
    assert sorted(len(m) for m in back.infosets("I").values()) == [2, 2]
    assert sorted(len(m) for m in back.infosets("E").values()) == [1, 1]
    for h in itertools.product(range(2), repeat=3):
        np.testing.assert_array_equal(back.terminal_payoffs(h), V[(slice(None), *h)])


@given(st.floats(1e-12, 1 - 1e-12))
@settings(max_examples=300, deadline=None)
def test_chance_probabilities_are_written_the_same_after_a_read(p: float) -> None:
    """Writing what was read gives the same text (once failed for 184660493/992731280)."""
    from fractions import Fraction

    from tradegame.interop.gambit_text import probability_texts

    first = probability_texts([p, 1 - p])
    assert sum(Fraction(t) for t in first) == 1
    assert probability_texts([float(Fraction(t)) for t in first]) == first


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
        st.builds(lambda p, q: p / q, st.integers(-(10**6), 10**6), st.integers(1, 10**6)),
    )
)
def test_payoffs_read_back_to_the_same_number_and_text(x: float) -> None:
    """A payoff written to .nfg reads back as the same float and is written again the same;
    the nearest float of a simple fraction is written as that fraction."""
    from fractions import Fraction

    U = np.array([[[x]], [[0.0]]])
    text = write_nfg(U, ["a", "b"])
    back = read_nfg(text).U
    assert back[0, 0, 0] == x
    assert write_nfg(back, ["a", "b"]) == text
    token = text.rstrip("\n").splitlines()[-1].split()[0]
    simple = Fraction(x).limit_denominator(10**6)
    rest = simple.denominator  # what is left once the factors 2 and 5 are taken out
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if float(simple) == x and rest != 1:  # not a finite decimal
        assert token == f"{simple.numerator}/{simple.denominator}"
    else:
        assert "/" not in token

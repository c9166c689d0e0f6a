"""``tg.solve`` and ``tradegame solve --json``: the central game as data, for every kind of game.

Each test checks what the solution claims against an independent brute force
written here (loops over profiles and deviations, recursion over the central
tree), and that ``solve --json`` and a run's ``central_game`` are the same
numbers (they come from one :class:`~tradegame.play.solution.CentralSolution`).
"""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tradegame as tg
from tradegame.model.tree import GameTree, Node
from tradegame.play.central_play import central_play
from tradegame.play.solution import CentralSolution

CORPUS = Path(__file__).parent / "golden" / "golden_runs.json.gz"
_RECORDS = json.loads(gzip.decompress(CORPUS.read_bytes()).decode("utf-8"))["records"]


def _generated(kind: str, count: int) -> list[Any]:
    """The first ``count`` generated scenarios of a kind from the golden corpus."""
    records = [r for r in _RECORDS if r["kind"] == kind][:count]
    return [pytest.param(r["scenario"], id=r["name"]) for r in records]


SHIPPED = {
    "simultaneous": [
        "classroom/prisoners_dilemma",
        "classroom/chicken",
        # Madrid before issue 12 (simultaneous), kept as test data.
        str(Path(__file__).parent / "data" / "madrid_v1" / "madrid_2025.yaml"),
    ],
    "stages": [
        "classroom/entry_deterrence",
        "classroom/ultimatum",
        "tiktok_deadline",
        "madrid_2025",
    ],
    "tree": ["classroom/card_game"],
}


def _scenario(source: str) -> tg.Scenario:
    if "\n" in source:
        return tg.parse_scenario(source, "generated.yaml")
    return tg.load_scenario(source)


# --------------------------------------------------------------------------- brute force
def _brute_pure_equilibria(U: np.ndarray) -> set[tuple[int, ...]]:
    """Every profile where no player gains by deviating alone (loops, no vectorising)."""
    n, shape = U.shape[0], U.shape[1:]
    found = set()
    for profile in itertools.product(*(range(a) for a in shape)):
        stable = True
        for i in range(n):
            here = U[(i, *profile)]
            for b in range(shape[i]):
                other = list(profile)
                other[i] = b
                if U[(i, *other)] > here:
                    stable = False
        if stable:
            found.add(profile)
    return found


def _brute_best_responses(U: np.ndarray) -> np.ndarray:
    n, shape = U.shape[0], U.shape[1:]
    best = np.zeros(U.shape, dtype=bool)
    for i in range(n):
        for profile in itertools.product(*(range(a) for a in shape)):
            others = [U[(i, *profile[:i], b, *profile[i + 1 :])] for b in range(shape[i])]
            best[(i, *profile)] = U[(i, *profile)] >= max(others)
    return best


def _check_normal_form(central: CentralSolution) -> None:
    U, br = central.payoffs, central.best_responses
    assert U is not None and br is not None
    assert U.shape == (len(central.players), *(len(s) for s in central.strategies))
    np.testing.assert_array_equal(br, _brute_best_responses(U))
    assert set(central.pure_equilibria) == _brute_pure_equilibria(U)
    if central.mixed_equilibria is not None:
        assert len(central.players) == 2
        for x, y in central.mixed_equilibria:
            # The defining property: no pure strategy does better against the other's mix.
            assert x.sum() == pytest.approx(1) and y.sum() == pytest.approx(1)
            assert (U[0] @ y).max() <= x @ U[0] @ y + 1e-9
            assert (x @ U[1]).max() <= x @ U[1] @ y + 1e-9


def _brute_backward_induction(tree: GameTree, tie_break: str) -> tuple[np.ndarray, set[Node]]:
    """Values at the root and the nodes equilibrium play reaches (recursion over the
    graph, written here): a mover takes its first best action ("first") or mixes its
    best actions equally ("uniform"); chance in expectation."""
    index = {p: i for i, p in enumerate(tree.players)}
    g = tree.graph
    best_of: dict[Node, list[int]] = {}

    def value(node: Node) -> np.ndarray:
        d = g.nodes[node]
        if d["kind"] == "terminal":
            return np.asarray(tree.terminal_payoffs(node), dtype=float)
        children = [value(c) for c in tree.children(node)]
        if d["kind"] == "chance":
            return sum(p * v for p, v in zip(d["probs"], children, strict=True))
        mine = [v[index[d["player"]]] for v in children]
        best = [a for a, m in enumerate(mine) if m == max(mine)]
        best_of[node] = best[:1] if tie_break == "first" else best
        return sum(children[a] for a in best_of[node]) / len(best_of[node])

    root = value(())
    reached: set[Node] = set()

    def walk(node: Node) -> None:
        reached.add(node)
        d = g.nodes[node]
        if d["kind"] == "decision":
            for a in best_of[node]:
                walk(tree.children(node)[a])
        elif d["kind"] == "chance":
            for c, p in zip(tree.children(node), d["probs"], strict=True):
                if p > 0:
                    walk(c)

    walk(())
    return root, reached


def _check_subgame_perfect(central: CentralSolution) -> None:
    assert central.tree is not None and central.path is not None and central.values is not None
    root, reached = _brute_backward_induction(central.tree, central.tie_break)
    np.testing.assert_allclose(
        [central.values[p] for p in central.players], root, rtol=1e-9, atol=1e-9
    )
    assert set(central.path) == reached
    assert sum(e.probability or 0 for e in central.equilibria) == pytest.approx(1)


# --------------------------------------------------------------------------- tg.solve
@pytest.mark.parametrize("source", [*SHIPPED["simultaneous"], *_generated("simultaneous", 12)])
def test_solve_a_simultaneous_game(source: str) -> None:
    sc = _scenario(source)
    central = tg.solve(sc, dominance=True)
    assert central.kind == "simultaneous" and not central.moves and central.tree is None
    _check_normal_form(central)
    # What a run reports as the central game's equilibria: the pure ones, labelled.
    assert len(central.equilibria) == len(central.pure_equilibria)
    for e, profile in zip(central.equilibria, central.pure_equilibria, strict=True):
        assert tuple(e.strategies.values()) == central.profile_labels(profile)
        assert list(e.payoffs.values()) == [
            float(central.payoffs[(i, *profile)])  # type: ignore[index]
            for i in range(len(central.players))
        ]
    # Iterated strict dominance never removes a pure equilibrium strategy.
    assert central.dominance is not None
    for profile in central.pure_equilibria:
        for i, a in enumerate(profile):
            assert a in central.dominance.surviving[i]


def test_solve_the_prisoners_dilemma_by_closed_form() -> None:
    central = tg.solve(tg.load_scenario("classroom/prisoners_dilemma"), dominance=True)
    assert [central.profile_labels(p) for p in central.pure_equilibria] == [("defect", "defect")]
    assert central.mixed_equilibria is not None and len(central.mixed_equilibria) == 1
    x, y = central.mixed_equilibria[0]
    np.testing.assert_allclose([x, y], [[0, 1], [0, 1]])
    assert central.dominance is not None
    removed = {
        (central.players[e.player], central.strategies[e.player][e.action])
        for e in central.dominance.trace
    }
    assert removed == {("row", "cooperate"), ("col", "cooperate")}


@pytest.mark.parametrize("source", [*SHIPPED["stages"], *_generated("stages", 12)])
def test_solve_a_stage_game(source: str) -> None:
    sc = _scenario(source)
    central = tg.solve(sc, game_tree=True)
    assert central.kind == "stages"
    assert [m.name for m in central.moves] == [st.label for st in sc.stages or ()]
    if central.strategy:  # perfect information: backward induction
        assert central.payoffs is None
        _check_subgame_perfect(central)
    else:  # imperfect: the reduced normal form
        _check_normal_form(central)
        assert central.path is None


@pytest.mark.parametrize("source", [*SHIPPED["tree"], *_generated("tree", 12)])
def test_solve_a_game_tree(source: str) -> None:
    sc = _scenario(source)
    central = tg.solve(sc)
    assert central.kind == "tree" and central.tree is not None
    assert {m.name for m in central.moves} | set(central.unreached) == {
        lv.name for lv in (*sc.levers, *sc.chance)
    }
    if central.tree.is_perfect_information():
        assert central.strategy and central.payoffs is None
        _check_subgame_perfect(central)
    else:
        _check_normal_form(central)


def test_the_card_games_mixed_equilibrium_by_closed_form() -> None:
    """Myerson's card game: bluff with probability bet/(2+bet), meet with 2/(2+bet)."""
    sc = tg.load_scenario("classroom/card_game")
    central = tg.solve(sc)
    bet = central.parameters["bet"]
    assert central.mixed_equilibria is not None and len(central.mixed_equilibria) == 1
    x, y = central.mixed_equilibria[0]
    mix = dict(zip(central.strategies[0], x, strict=True))
    assert mix["Raise/Raise (bluff)"] == pytest.approx(bet / (2 + bet))
    assert mix["Raise/Fold"] == pytest.approx(2 / (2 + bet))
    assert dict(zip(central.strategies[1], y, strict=True))["Meet"] == pytest.approx(2 / (2 + bet))


# --------------------------------------------------------------------------- solve --json
@pytest.mark.parametrize(
    "name",
    ["classroom/stag_hunt", "classroom/ultimatum", "tiktok_deadline", "classroom/card_game"],
)
def test_solve_json_is_the_run_central_game(name: str, cli: Any, tmp_path: Path) -> None:
    solved = cli("solve", name, "--json", "-")
    assert solved.code == 0, solved.stderr
    doc = json.loads(solved.stdout)
    run_json = tmp_path / "run.json"
    ran = cli("run", name, "-n", "64", "--seed", "1", "--json", run_json, "-q")
    assert ran.code == 0, ran.stderr
    central_game = json.loads(run_json.read_text())["central_game"]
    # One object behind both: the run's central game is exactly part of solve's document.
    assert {k: doc[k] for k in central_game} == central_game
    # And both are what tg.solve says; solve adds the description and what a run plays
    # at the medians (tradegame.play.central_play).
    sc = tg.load_scenario(name)
    assert doc.pop("description") == sc.spec.description
    assert doc.pop("played_at_medians") == json.loads(json.dumps(central_play(sc).to_dict()))
    assert doc == json.loads(json.dumps(tg.solve(sc).to_dict()))


def test_solve_json_of_a_simultaneous_game_labels_its_normal_form(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "pd.json"
    res = cli("solve", "classroom/prisoners_dilemma", "--json", out, "--dominance")
    assert res.code == 0, res.stderr
    assert "Pure Nash equilibria" in res.stdout  # the tables are printed too
    doc = json.loads(out.read_text())
    nf = doc["normal_form"]
    assert nf["strategies"] == {"row": ["cooperate", "defect"], "col": ["cooperate", "defect"]}
    assert nf["payoffs"]["row"] == [[3.0, 0.0], [5.0, 1.0]]
    assert nf["best_responses"]["col"] == [[False, True], [False, True]]
    assert nf["pure_nash_equilibria"] == [{"row": "defect", "col": "defect"}]
    assert doc["mixed_nash_equilibria"] == [
        {
            "strategies": {"row": {"defect": 1.0}, "col": {"defect": 1.0}},
            "payoffs": {"row": 1.0, "col": 1.0},
        }
    ]
    assert [e["strategy"] for e in doc["dominance"]["eliminated"]] == ["cooperate", "cooperate"]
    assert doc["dominance"]["surviving"] == {"row": ["defect"], "col": ["defect"]}


def test_solve_json_refuses_a_bad_path_before_solving(cli: Any, tmp_path: Path) -> None:
    res = cli("solve", "classroom/chicken", "--json", tmp_path / "missing" / "x.json")
    assert res.code == 2
    assert res.stderr.count("\n") == 1 and "cannot write" in res.stderr

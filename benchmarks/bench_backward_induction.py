"""Batched backward induction versus a per-draw recursive solver.

Run as ``python benchmarks/bench_backward_induction.py [--draws 100000] [--stages 5]
[--actions 3]``. The game has ``--stages`` stages of ``--actions`` options each, moved
alternately by two players, with a chance stage in the middle (probabilities drawn
per draw) unless ``--no-chance``; payoffs are standard normal per draw. Times
:func:`tradegame.solvers.backward_induction.backward_induction` on all draws at once
(best of ``--repeat``) and, as references in the same run, a plain-Python recursive
solver draw by draw on ``--subset`` draws and the networkx :class:`GameTree`
recursion on ``--tree-subset`` draws (one tree over those draws, built and solved
with NumPy over the draw axis at each node), and the general-tree solver that tree
scenarios use (:func:`tradegame.solvers.tree_solvers.tree_backward_induction`, level by
level over all draws, on that tree); prints microseconds per draw for each and the
ratios, and checks that all agree.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tradegame.model.stages import Stage
from tradegame.model.tree import GameTree
from tradegame.solvers.backward_induction import backward_induction
from tradegame.solvers.tree_solvers import tree_backward_induction


def _recursive(
    V: np.ndarray, movers: list[int], probs: dict[int, np.ndarray], history: tuple[int, ...]
) -> np.ndarray:
    """Value of the subgame after ``history`` for one draw (lowest index among ties)."""
    s = len(history)
    if s == len(movers):
        return V[(slice(None), *history)]
    children = [_recursive(V, movers, probs, (*history, a)) for a in range(V.shape[s + 1])]
    i = movers[s]
    if i < 0:
        return sum(p * c for p, c in zip(probs[s], children, strict=True))
    best = 0
    for a in range(1, len(children)):
        if children[a][i] > children[best][i]:
            best = a
    return children[best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--stages", type=int, default=5)
    parser.add_argument("--actions", type=int, default=3)
    parser.add_argument("--subset", type=int, default=500, help="draws for the recursive solver")
    parser.add_argument(
        "--tree-subset", type=int, default=2000, help="draws for the batched networkx tree"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-chance", action="store_true")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()

    players = ("us", "china")
    k, A = args.stages, args.actions
    chance_at = None if args.no_chance or k < 3 else k // 2
    stages = []
    turn = 0
    for s in range(k):
        mover = None if s == chance_at else players[turn % 2]
        turn += mover is not None
        stages.append(Stage(f"s{s}", mover, tuple(f"o{j}" for j in range(A))))
    rng = np.random.default_rng(args.seed)
    V = rng.standard_normal((args.draws, 2, *(A,) * k))
    probs = {} if chance_at is None else {chance_at: rng.dirichlet(np.ones(A), size=args.draws)}
    movers = [-1 if st.mover is None else players.index(st.mover) for st in stages]
    print(
        f"{k} stages x {A} options ({A**k} terminal histories), {args.draws} draws, "
        f"chance stage: {chance_at}; payoff array {V.nbytes / 1e6:.0f} MB"
    )

    backward_induction(V[:100], stages, players, {s: p[:100] for s, p in probs.items()})
    best = np.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = backward_induction(V, stages, players, probs)
        best = min(best, time.perf_counter() - t0)
    batched_us = best / args.draws * 1e6
    print(f"batched backward induction : {batched_us:10.3f} us/draw  ({best:.3f} s in total)")

    n_sub = min(args.subset, args.draws)
    t0 = time.perf_counter()
    ref = np.array(
        [_recursive(V[d], movers, {s: p[d] for s, p in probs.items()}, ()) for d in range(n_sub)]
    )
    rec_us = (time.perf_counter() - t0) / n_sub * 1e6
    np.testing.assert_allclose(res.values[:n_sub], ref, rtol=1e-12, atol=1e-12)
    print(f"recursive, per draw        : {rec_us:10.1f} us/draw  ({n_sub} draws)")

    n_tree = min(args.tree_subset, args.draws)
    t0 = time.perf_counter()
    tree = GameTree.from_stages(
        V[:n_tree], stages, players, {s: p[:n_tree] for s, p in probs.items()}
    )
    root = tree.subgame_values(draw=None)[()]  # one recursion, NumPy over the draws per node
    tree_us = (time.perf_counter() - t0) / n_tree * 1e6
    np.testing.assert_allclose(root, res.values[:n_tree], atol=1e-12)
    print(f"networkx tree, batched     : {tree_us:10.1f} us/draw  ({n_tree} draws, incl. build)")
    general_best = np.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        general = tree_backward_induction(tree)
        general_best = min(general_best, time.perf_counter() - t0)
    general_us = general_best / n_tree * 1e6
    np.testing.assert_allclose(general.values[()], res.values[:n_tree], atol=1e-12)
    print(f"general-tree solver        : {general_us:10.2f} us/draw  ({n_tree} draws, tree built)")
    print(f"stage solver vs general    : {general_us / batched_us:10.1f} x faster")
    print(f"speed-up vs recursive      : {rec_us / batched_us:10.0f} x")
    print(f"speed-up vs networkx tree  : {tree_us / batched_us:10.0f} x")
    print("all solvers agree on the root values")


if __name__ == "__main__":
    main()

"""Batched logit QRE versus pygambit, per game, on random 3-player 3x3x3 games.

Run as ``python benchmarks/bench_logit_qre.py [--games 2000] [--lam 2.0]``.
Times :func:`tradegame.solvers.logit_qre.logit_qre_batch` on all games at once
(after a warm-up call, whose time -- Numba's compile on first use, or loading
its on-disk cache -- is printed separately) and pygambit's
``logit_solve_lambda`` game by game (on a subset when there are many, since it
is the slow side), prints microseconds per game for each and their ratio, and
checks the two agree. pygambit is optional: without it the script says so and
times only tradegame.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

# Both sides run on one thread: the compiled tracer is single-threaded, and OpenBLAS
# worker threads would only add spin-up and contention to NumPy's small calls. Must be
# set before NumPy is imported; the caller's environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from tradegame.solvers.logit_qre import logit_qre_batch


def _gambit_game(gbt: Any, U: np.ndarray) -> Any:
    return gbt.Game.from_arrays(*[np.asarray(U[i]) for i in range(U.shape[0])])


def _gambit_solve(solve: Any, game: Any, lam: float) -> Any:
    return solve(game, lam=[lam])[0]


def _gambit_profile(game: Any, qre: Any) -> list[np.ndarray]:
    return [
        np.array([float(qre.profile[s]) for s in player.strategies], dtype=float)
        for player in game.players
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=2000, help="number of random games")
    parser.add_argument("--lam", type=float, default=2.0, help="logit precision lambda")
    parser.add_argument(
        "--gambit-games", type=int, default=500, help="games solved one by one with pygambit"
    )
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    U = rng.normal(size=(args.games, 3, 3, 3, 3))

    t0 = time.perf_counter()
    logit_qre_batch(U[:50], args.lam, n_players=3)  # warm-up: imports, compiles or loads the kernel
    first_s = time.perf_counter() - t0
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        ours = logit_qre_batch(U, args.lam, n_players=3)
        best = min(best, time.perf_counter() - t0)
    ours_us = best / args.games * 1e6
    print(f"games: {args.games} random 3-player 3x3x3, N(0,1) payoffs, lambda = {args.lam:g}")
    print(
        f"tradegame logit_qre_batch        : {ours_us:10.1f} us/game  "
        f"(best of 3, {best:.3f} s for the batch)"
    )
    print(f"  first call (Numba import, compile or cache load): {first_s:.2f} s")

    try:
        import pygambit as gbt
        from pygambit.qre import logit_solve_lambda
    except ImportError:
        print("pygambit is not installed: skipping the comparison (pip install pygambit)")
        return

    k = min(args.gambit_games, args.games)
    games = [_gambit_game(gbt, U[d]) for d in range(k)]
    _gambit_solve(logit_solve_lambda, games[0], args.lam)  # warm-up
    t0 = time.perf_counter()
    ref = [_gambit_solve(logit_solve_lambda, g, args.lam) for g in games]
    solve_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in range(k):
        _gambit_solve(logit_solve_lambda, _gambit_game(gbt, U[d]), args.lam)
    build_s = time.perf_counter() - t0
    solve_us, build_us = solve_s / k * 1e6, build_s / k * 1e6
    worst = max(
        float(np.abs(ours[i][d] - p).max())
        for d in range(k)
        for i, p in enumerate(_gambit_profile(games[d], ref[d]))
    )
    print(
        f"pygambit {gbt.__version__} logit_solve_lambda: {solve_us:10.1f} us/game  "
        f"({k} games one by one, game objects prebuilt)"
    )
    print(f"  ... including Game.from_arrays : {build_us:10.1f} us/game")
    print(f"speed-up per game (solve only)   : {solve_us / ours_us:10.1f}x")
    print(f"speed-up per game (incl. build)  : {build_us / ours_us:10.1f}x")
    print(f"max |p_ours - p_gambit|          : {worst:10.2e}")


if __name__ == "__main__":
    main()

"""Time tradegame's two-player mixed-equilibrium solvers against reference libraries.

Run as ``python benchmarks/bench_mixed_nash.py`` (``--quick`` for a short run). It reports
microseconds per game for:

(a) all extreme equilibria of random 3x3 games: ``mixed_nash_2p_batch`` over the whole
    batch versus QuantEcon's ``support_enumeration`` and pygambit's ``enummixed_solve``
    (and Nashpy's support enumeration, for information only: its numerical checks
    drop some equilibria that QuantEcon and Gambit both report);
(b) the same on random 6x6 games versus QuantEcon;
(c) one equilibrium of random 6x6 games: ``lemke_howson`` (one call per game) and
    ``lemke_howson_batch`` versus QuantEcon's ``lemke_howson``;
(d) all extreme equilibria of degenerate games (random 4x2 and 4x4 integer payoffs in
    {0, 1, 2}, as reduced normal forms of game trees are): the batched exact path of
    ``mixed_nash_2p_batch`` versus the per-game kernel it must equal bit for bit, one
    call per game, in the same run.

Reference libraries are the ``bench`` extra (``pip install quantecon pygambit nashpy``);
a missing one is skipped with a message. Reference solvers are called once per game on
game objects built before the clock starts, and QuantEcon's Numba code is compiled
before timing, so the figures compare solving only. Each figure is the best of several
runs, which filters out some interference from other processes on a shared machine.
In (a)-(c) payoffs are i.i.d. standard normal, hence nondegenerate with probability one;
equilibrium counts are cross-checked.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tradegame.solvers._bimatrix import normalize
from tradegame.solvers.lemke_howson import lemke_howson, lemke_howson_batch
from tradegame.solvers.mixed_nash_2p import DEFAULT_TOL
from tradegame.solvers.mixed_nash_2p import enumerate_extreme as _enumerate_extreme
from tradegame.solvers.mixed_nash_2p_batch import mixed_nash_2p_batch


def _optional(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        print(f"  [skip] {name} is not installed (pip install quantecon pygambit nashpy)")
        return None


def _best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Fastest wall time of ``repeat`` calls, and the last result."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _row(label: str, us: float, ours_us: float | None = None, target: float | None = None):
    text = f"  {label:<44s}{us:12.2f} us/game"
    if ours_us is not None:
        ratio = us / ours_us
        text += f"   ours is {ratio:7.1f}x faster"
        if target is not None:
            text += f"  (target {target:g}x: {'met' if ratio >= target else 'NOT met'})"
    print(text)


def _qe_games(qe: Any, A: np.ndarray, B: np.ndarray) -> list[Any]:
    gt = qe.game_theory
    # QuantEcon indexes each player's payoffs by their own action first.
    return [gt.NormalFormGame((gt.Player(a), gt.Player(b.T))) for a, b in zip(A, B, strict=True)]


def bench_all_equilibria(
    m: int, n: int, n_ours: int, n_ref: dict[str, int], targets: dict[str, float], seed: int
) -> None:
    print(f"\n({'a' if m == 3 else 'b'}) all extreme equilibria, random {m}x{n} games")
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(2, n_ours, m, n))
    mixed_nash_2p_batch(A[:50], B[:50])  # warm caches of support index tables
    t, res = _best_of(lambda: mixed_nash_2p_batch(A, B), repeat=5)
    ours = t / n_ours * 1e6
    _row(f"tradegame mixed_nash_2p_batch (D={n_ours})", ours)
    print(
        f"  {'':<44s}mean #equilibria {res.n_equilibria.mean():.3f}, "
        f"degenerate draws {int(res.degenerate.sum())}"
    )

    qe = _optional("quantecon") if "quantecon" in n_ref else None
    if qe is not None:
        k = n_ref["quantecon"]
        games = _qe_games(qe, A[:k], B[:k])
        qe.game_theory.support_enumeration(games[0])  # Numba compilation
        t, counts = _best_of(
            lambda: [len(qe.game_theory.support_enumeration(g)) for g in games], repeat=5
        )
        agree = np.array_equal(np.array(counts), res.n_equilibria[:k])
        _row(f"QuantEcon support_enumeration (D={k})", t / k * 1e6, ours, targets.get("quantecon"))
        print(f"  {'':<44s}equilibrium counts agree with ours: {agree}")

    gbt = _optional("pygambit") if "pygambit" in n_ref else None
    if gbt is not None:
        k = n_ref["pygambit"]
        games = [gbt.Game.from_arrays(a, b) for a, b in zip(A[:k], B[:k], strict=True)]
        t, counts = _best_of(
            lambda: [len(gbt.nash.enummixed_solve(g, rational=False).equilibria) for g in games],
            repeat=1,
        )
        agree = np.array_equal(np.array(counts), res.n_equilibria[:k])
        _row(f"pygambit enummixed_solve (D={k})", t / k * 1e6, ours, targets.get("pygambit"))
        print(f"  {'':<44s}equilibrium counts agree with ours: {agree}")

    nash = _optional("nashpy") if "nashpy" in n_ref else None
    if nash is not None:
        k = n_ref["nashpy"]
        games = [nash.Game(a, b) for a, b in zip(A[:k], B[:k], strict=True)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Nashpy warns on degenerate checks
            t, counts = _best_of(
                lambda: [len(list(g.support_enumeration())) for g in games], repeat=1
            )
        differ = int((np.array(counts) != res.n_equilibria[:k]).sum())
        _row(f"Nashpy support_enumeration (D={k}, info)", t / k * 1e6, ours)
        print(f"  {'':<44s}games whose equilibrium count differs from ours: {differ}")


def bench_lemke_howson(m: int, n: int, n_games: int, seed: int) -> None:
    print(f"\n(c) one equilibrium by Lemke-Howson (label 0), random {m}x{n} games")
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(2, n_games, m, n))
    t, _ = _best_of(lambda: [lemke_howson(a, b, 0) for a, b in zip(A, B, strict=True)], 3)
    ours = t / n_games * 1e6
    _row(f"tradegame lemke_howson, loop (D={n_games})", ours)
    t, (xb, yb) = _best_of(lambda: lemke_howson_batch(A, B, 0), 3)
    ours_batch = t / n_games * 1e6
    _row(f"tradegame lemke_howson_batch (D={n_games})", ours_batch)
    qe = _optional("quantecon")
    if qe is not None:
        games = _qe_games(qe, A, B)
        qe.game_theory.lemke_howson(games[0], init_pivot=0)  # Numba compilation
        t, found = _best_of(
            lambda: [qe.game_theory.lemke_howson(g, init_pivot=0) for g in games], repeat=3
        )
        qe_us = t / n_games * 1e6
        _row(f"QuantEcon lemke_howson (D={n_games})", qe_us)
        ratios = f"loop {qe_us / ours:.2f}x, batch {qe_us / ours_batch:.2f}x"
        print(f"  {'':<44s}speed-up over QuantEcon: {ratios}")
        # Same dropped label on a nondegenerate game means the same path and end point.
        same = all(
            np.allclose(fx, x, atol=1e-9) and np.allclose(fy, y, atol=1e-9)
            for (fx, fy), x, y in zip(found, xb, yb, strict=True)
        )
        print(f"  {'':<44s}same equilibrium as QuantEcon in every game: {same}")


def bench_degenerate(m: int, n: int, n_games: int, n_loop: int, seed: int) -> None:
    print(f"\n(d) all extreme equilibria, degenerate {m}x{n} games (integer payoffs 0..2)")
    rng = np.random.default_rng(seed)
    A, B = rng.integers(0, 3, size=(2, n_games, m, n)).astype(np.float64)
    mixed_nash_2p_batch(A[:50], B[:50])  # warm caches of support index tables
    t, res = _best_of(lambda: mixed_nash_2p_batch(A, B), repeat=3)
    ours = t / n_games * 1e6
    _row(f"tradegame mixed_nash_2p_batch (D={n_games})", ours)
    print(
        f"  {'':<44s}degenerate draws {int(res.degenerate.sum())}, "
        f"mean #equilibria {res.n_equilibria.mean():.3f}"
    )
    # The per-game kernel, on the same scaled payoffs the batch hands to it.
    an, bn = normalize(A[:n_loop]), normalize(B[:n_loop])
    t, found = _best_of(
        lambda: [_enumerate_extreme(a, b, DEFAULT_TOL) for a, b in zip(an, bn, strict=True)],
        repeat=3,
    )
    _row(f"per-game fallback _enumerate_extreme (D={n_loop})", t / n_loop * 1e6, ours)
    same = all(
        np.array_equal(res.x[d, : len(x)], x)
        and np.array_equal(res.y[d, : len(y)], y)
        and res.n_equilibria[d] == len(x)
        for d, (x, y) in enumerate(found)
    )
    print(f"  {'':<44s}bit-identical to the per-game kernel in every game: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer games, for a smoke test")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    s = 10 if args.quick else 1

    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    for name in ("quantecon", "pygambit", "nashpy"):
        mod = sys.modules.get(name) or _quiet_import(name)
        if mod is not None:
            print(f"  {name} {getattr(mod, '__version__', '?')}")

    bench_all_equilibria(
        3,
        3,
        n_ours=10_000 // s,
        n_ref={"quantecon": 5_000 // s, "pygambit": 1_000 // s, "nashpy": 300 // s},
        targets={"quantecon": 5.0, "pygambit": 50.0},
        seed=args.seed,
    )
    bench_all_equilibria(
        6,
        6,
        n_ours=2_000 // s,
        n_ref={"quantecon": 500 // s},
        targets={"quantecon": 1.0},
        seed=args.seed + 1,
    )
    bench_lemke_howson(6, 6, n_games=2_000 // s, seed=args.seed + 2)
    bench_degenerate(4, 2, n_games=20_000 // s, n_loop=2_000 // s, seed=args.seed + 3)
    bench_degenerate(4, 4, n_games=5_000 // s, n_loop=500 // s, seed=args.seed + 4)


def _quiet_import(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


if __name__ == "__main__":
    main()

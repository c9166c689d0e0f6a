"""End-to-end Monte Carlo on the Madrid scenario: microseconds per draw.

Run from the repository root::

    python benchmarks/bench_madrid.py                 # 1,000,000 draws
    python benchmarks/bench_madrid.py --samples 200000

Reports, in one process:

* ``tradegame.simulate`` end to end (sampling, payoff building, pure Nash
  solving, selection, aggregation) in µs per draw;
* the same stages split out on one chunk, to show where the time goes;
* a reference: the same draws' games solved one game at a time in a Python
  loop (with QuantEcon's ``pure_nash_brute`` when it is installed, else with
  tradegame's own solver called per game), and the ratio to the batched run.

Absolute times on a shared machine are noise; the ratios are the measurement.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import tradegame as tg
from tradegame.model.build import build_outcomes, build_payoffs, evaluation_environment
from tradegame.model.game import GameStructure
from tradegame.play.selection import select
from tradegame.scenario.sampling import ParameterSampler
from tradegame.solvers import pure_nash


def _per_draw_reference(U: np.ndarray) -> tuple[str, float]:
    """Seconds per game solving each game on its own."""
    try:
        from quantecon.game_theory import NormalFormGame, pure_nash_brute

        def solve(u: np.ndarray) -> object:
            g = NormalFormGame(np.stack([u[0], u[1]], axis=-1))
            return pure_nash_brute(g)

        name = "QuantEcon pure_nash_brute, one game at a time"
    except ImportError:

        def solve(u: np.ndarray) -> object:
            return pure_nash(u)

        name = "tradegame pure_nash, one game at a time (QuantEcon not installed)"
    solve(U[0])  # warm-up (numba compilation)
    t0 = time.perf_counter()
    for u in U:
        solve(u)
    return name, (time.perf_counter() - t0) / len(U)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    sc = tg.load_scenario("madrid_2025")
    game = GameStructure.from_scenario(sc)
    print(f"Madrid scenario: {game.shape[0]}x{game.shape[1]} game, {game.n_profiles} profiles")

    tg.simulate(sc, samples=4096, seed=args.seed)  # warm-up
    t0 = time.perf_counter()
    res = tg.simulate(sc, samples=args.samples, seed=args.seed)
    total = time.perf_counter() - t0
    per_draw = total / args.samples
    print(f"simulate, {args.samples:,} draws: {total:.2f} s = {per_draw * 1e6:.2f} µs per draw")
    for o in res.outcomes:
        print(f"  {o.label:22s} {o.probability:7.2%}  [{o.ci95[0]:.2%}, {o.ci95[1]:.2%}]")

    D = 16_384
    params = ParameterSampler(sc.spec.parameters, args.seed).draws(0, D)
    stages: dict[str, float] = {}

    def timed(name: str, fn):
        t = time.perf_counter()
        out = fn()
        stages[name] = (time.perf_counter() - t) / D * 1e6
        return out

    params = timed(
        "sample parameters", lambda: ParameterSampler(sc.spec.parameters, args.seed).draws(0, D)
    )
    env = timed("evaluate terms", lambda: evaluation_environment(sc, game, params))
    U = timed("build payoffs", lambda: build_payoffs(sc, game, env, D))
    mask = timed("pure Nash", lambda: pure_nash(U, n_players=2).reshape(D, -1))
    timed(
        "select + outcomes",
        lambda: (select(mask, U.reshape(D, 2, -1), "uniform"), build_outcomes(sc, game, env, D)),
    )
    print(f"stages on {D:,} draws (µs per draw):")
    for k, v in stages.items():
        print(f"  {k:20s} {v:6.2f}")

    n_ref = 2_000
    name, ref = _per_draw_reference(U[:n_ref])
    print(
        f"reference: {name}: {ref * 1e6:.1f} µs per game "
        f"(pure equilibria only, payoffs already built)"
    )
    print(
        f"ratio: tradegame end to end is {ref / per_draw:.1f}x faster per draw than the "
        f"reference's solving step alone"
    )


if __name__ == "__main__":
    main()

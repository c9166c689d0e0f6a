"""Interval width of plain Monte Carlo against scrambled Sobol points, at equal draws.

Run from the repository root::

    python benchmarks/bench_precision.py                    # 16,384 draws, 8 seeds
    python benchmarks/bench_precision.py --samples 65536 --seeds 4

For each scenario (``madrid_2025``, and a smooth synthetic one whose outcome
is decided by a sum of three parameters and whose payoff is a smooth function
of them) and each of several seeds, one run with ``qmc=False`` and one with
``qmc=True``, the same number of draws. Printed per scenario and quantity:
the median over seeds of the 95 % half-widths, and their ratio QMC / MC.
A ratio below 1 is what quasi-Monte Carlo buys; the square of its inverse is
the factor of draws plain Monte Carlo would need for the same width.

The synthetic scenario also checks the intervals against its closed form
(``P(a + b + c > 0)`` for independent normals), so a narrow interval that
misses is seen as such.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

import tradegame as tg
from tradegame.montecarlo.result import SimulationResult

SMOOTH = """\
tradegame: 1
title: Smooth synthetic scenario (sum of three normals decides)
players:
  row: {strategies: [a, b]}
  col: {strategies: [a, b]}
parameters:
  x: {dist: normal, mean: 0.2, sd: 1}
  y: {dist: normal, mean: -0.1, sd: 0.5}
  z: {dist: normal, mean: 0.1, sd: 2}
payoffs:
  matrix:
    - [["x + y + z", 1], ["x + y + z", 0]]
    - [["0.1 * x * y", 0], [0, 1]]
outcomes:
  row_plays_a: row == 'a'
  otherwise: row_plays_b
analysis: {samples: 16384, seed: 1}
"""
#: P(x + y + z > 0): the sum is normal with mean 0.2 and variance 1 + 0.25 + 4.
SMOOTH_EXACT = float(stats.norm.cdf(0.2 / np.sqrt(5.25)))


def _widths(res: SimulationResult) -> dict[str, float]:
    """95 % half-widths of each outcome's probability and of each expected payoff."""
    out = {f"P({o.label})": o.half_width for o in res.outcomes if 0 < o.probability < 1}
    z = 1.959963984540054 if res.sampling["scheme"] == "monte_carlo" else None
    for p, se in res.expected_payoffs_std_error.items():
        if se is not None:
            from tradegame.montecarlo.result import t975

            factor = z if z is not None else t975(res.sampling["replicates"] - 1)
            out[f"E[payoff {p}]"] = factor * se
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=16_384)
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    scenarios = {
        "madrid_2025": tg.load_scenario("madrid_2025"),
        "smooth synthetic": tg.parse_scenario(SMOOTH),
    }
    print(f"{args.samples:,} draws per run, {args.seeds} seeds; median 95 % half-widths")
    print(f"{'scenario':<18} {'quantity':<34} {'MC':>9} {'QMC':>9} {'QMC/MC':>7}")
    for name, sc in scenarios.items():
        mc_w: dict[str, list[float]] = {}
        qmc_w: dict[str, list[float]] = {}
        misses = 0
        t_mc = t_qmc = 0.0
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            mc = tg.simulate(sc, args.samples, seed=seed)
            t1 = time.perf_counter()
            qmc = tg.simulate(sc, args.samples, seed=seed, qmc=True)
            t2 = time.perf_counter()
            t_mc += t1 - t0
            t_qmc += t2 - t1
            for key, w in _widths(mc).items():
                mc_w.setdefault(key, []).append(w)
            for key, w in _widths(qmc).items():
                qmc_w.setdefault(key, []).append(w)
            if name == "smooth synthetic":
                lo, hi = qmc.outcomes[0].ci95
                misses += not lo <= SMOOTH_EXACT <= hi
        for key in mc_w:
            if key not in qmc_w:
                continue
            a, b = float(np.median(mc_w[key])), float(np.median(qmc_w[key]))
            print(f"{name:<18} {key[:34]:<34} {a:9.5f} {b:9.5f} {b / a:7.3f}")
        print(f"{name:<18} {'time QMC / MC':<34} {'':>9} {'':>9} {t_qmc / t_mc:7.3f}")
        if name == "smooth synthetic":
            print(f"{name:<18} {'QMC intervals missing the truth':<34} {misses:>9} of {args.seeds}")


if __name__ == "__main__":
    main()

"""tradegame's benchmark runner: every row of issue 14's table, as ratios measured in one run.

Run from the repository root (the ``bench`` extra installs the reference libraries)::

    pip install -e '.[bench]'
    python benchmarks/run.py            # the table, about 10 minutes on 2 cores
    python benchmarks/run.py --full     # adds Madrid at 10^7 draws and workers at 10^7
    python benchmarks/run.py --quick    # tiny sizes, one repeat: a smoke run (tests use it)
    python benchmarks/run.py --only mixed6,lh   # some row groups (see ROW_GROUPS)

Each row is timed beside its reference in the same run, because absolute times on
a shared machine drift: tradegame's batched solver against pygambit, QuantEcon or
the memory-read floor (``np.sum`` over the same payoff array); the CLI's start
against ``python -c pass``; two workers against one. Every measurement is repeated
(``--repeats``, default 3), interleaved with its reference, and reported as the
median and the range; the ratio is the median of the per-repeat ratios.

Each group of measurements runs in a fresh subprocess of this script
(``--child GROUP``), which reports its timings and its own peak resident memory,
``VmHWM`` from ``/proc/self/status``: a fresh process per measurement, so a peak is
that measurement's and never inherited (``getrusage(RUSAGE_CHILDREN)`` reports the
largest child so far, and a forked child inherits its parent's peak). Madrid runs,
end to end, get one process per repeat.

The table (markdown) goes to standard output; the JSON, with machine information
and the git commit, to ``benchmarks/results/run-<UTC time>.json`` (``--out DIR``).
Reference libraries that are missing are skipped with the reason in the JSON's
``skipped``; every row that is in ``rows`` has a ratio.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The issue's Madrid scenario and the sweep axis used for the 50-point sweep.
MADRID = "madrid_2025"
#: The Madrid the issue measured: the one-shot 18x8 bimatrix shipped before issue 12.
MADRID_18X8 = str(ROOT / "tests" / "data" / "madrid_v1" / "madrid_2025.yaml")
#: What ``--workers`` can run on locally, as the table names them.
LOCAL_NAMES = {"pool": "the process pool", "dask": "a local Dask cluster"}
SWEEP_AXIS = "parameters.import_elasticity.mean={lo}:{hi}:{n}"


# --------------------------------------------------------------------------- row groups

#: The groups of rows ``--only`` selects, in the order the table lists them.
ROW_GROUPS = (
    "pure2p",
    "pure3p",
    "mixed6",
    "mixed3",
    "degenerate",
    "qre",
    "lh",
    "bi",
    "startup",
    "madrid",
    "layout",
    "madrid18",
    "workers",
    "sweep",
)

#: Groups whose rows are ratios to another group's measurement, which then runs too:
#: Madrid's per-draw time is set beside the 18x8 floor, the sweep beside one Madrid run.
ROW_GROUP_NEEDS = {"madrid": ("pure2p",), "madrid18": ("pure2p",), "sweep": ("madrid",)}


def row_groups(only: str | None) -> set[str]:
    """The row groups to measure: every one, or ``--only``'s list and what they need.

    Raises
    ------
    ValueError
        On a name that is not in :data:`ROW_GROUPS`.
    """
    if only is None:
        return set(ROW_GROUPS)
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = sorted(set(names) - set(ROW_GROUPS))
    if unknown or not names:
        raise ValueError(
            f"--only takes comma-separated row groups among {', '.join(ROW_GROUPS)}; got {only!r}"
        )
    selected = set(names)
    pending = list(names)
    while pending:
        for need in ROW_GROUP_NEEDS.get(pending.pop(), ()):
            if need not in selected:
                selected.add(need)
                pending.append(need)
    return selected


# --------------------------------------------------------------------------- sizes


def sizes(mode: str) -> dict[str, Any]:
    """Problem sizes per mode: ``quick`` (smoke), ``default`` and ``full``."""
    if mode == "quick":
        return {
            "pure2p": {"games": 2_000, "gambit": 20, "quantecon": 50},
            "pure3p": {"games": 500, "gambit": 10, "quantecon": 20},
            "mixed6": {"games": 100, "gambit": 5, "quantecon": 20},
            "mixed3": {"games": 500, "gambit": 20, "quantecon": 50},
            "degenerate": {"games": 200, "loop": 20},
            "qre": {"games": 50, "gambit": 5},
            "lh": {"games": 20},
            "bi": {"draws": 1_000, "recursive": 20},
            "madrid": [2_000],
            "layout": {"draws": 2_048, "batches": 1},
            "madrid18": [20_000],
            "workers": 4_000,
            "sweep": {"points": 3, "draws": 1_000},
            "startup": 1,
            "madrid_repeats": 1,
        }
    base = {
        "pure2p": {"games": 50_000, "gambit": 2_000, "quantecon": 2_000},
        "pure3p": {"games": 20_000, "gambit": 300, "quantecon": 300},
        "mixed6": {"games": 5_000, "gambit": 200, "quantecon": 500},
        "mixed3": {"games": 20_000, "gambit": 1_000, "quantecon": 5_000},
        "degenerate": {"games": 5_000, "loop": 500},
        "qre": {"games": 2_000, "gambit": 300},
        "lh": {"games": 1_000},
        "bi": {"draws": 20_000, "recursive": 300},
        "madrid": [1_000_000],
        "layout": {"draws": 8_192, "batches": 8},
        "madrid18": [1_000_000],
        "workers": 200_000,
        "sweep": {"points": 50, "draws": 20_000},
        "startup": 5,
        # Madrid costs about 100 µs a draw since it became a sequential game: the rows
        # run on its 10^6 draws are measured once, to keep the run near 10 minutes.
        "madrid_repeats": 1,
    }
    if mode == "full":
        base["madrid"] = [1_000_000, 10_000_000]
        base["workers"] = 10_000_000
        base["madrid_repeats"] = None  # --repeats
    return base


# --------------------------------------------------------------------------- helpers


def vmhwm_mb() -> float:
    """This process's peak resident set size, MB (``VmHWM`` in ``/proc/self/status``)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def per_item_us(fn: Callable[[], Any], n: int) -> float:
    """Microseconds per item of one call of ``fn`` that does ``n`` items."""
    return timed(fn) / n * 1e6


def optional(name: str) -> Any | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return __import__(name)
    except ImportError:
        return None


def _repeats(repeat: int, series: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run each measurement ``repeat`` times, interleaved, so drift hits all alike."""
    out: dict[str, list[float]] = {k: [] for k in series}
    for _ in range(repeat):
        for key, fn in series.items():
            _settle_allocator()
            out[key].append(fn())
    return out


def _settle_allocator() -> None:
    """One untimed large allocation, so a timing does not pay for the one before it.

    After a reference frees many small blocks (pygambit, QuantEcon), the next
    allocation of 100 KB or more makes glibc tidy them up (about 1 ms, once):
    without this, whichever measurement comes next pays it.
    """
    import numpy as np

    np.ones(1 << 17).sum()


# --------------------------------------------------------------------------- child groups
# Each returns {"series": {name: [values per repeat]}, "info": {...}}; values are
# microseconds per game (or per draw) unless the group says otherwise.


def _pure_nash_steady(solve: Callable[[], Any]) -> bool:
    """Run ``solve`` until ``pure_nash`` has loaded its compiled kernels (at most 8 times).

    A process solves its first 2**25 payoff entries with NumPy and then loads
    the kernels (``solvers/pure_nash.py``, ``_kernel_pays``), as a long run
    does early on; the rows measure that steady state. Returns whether the
    kernels loaded (a version without them, timed through PYTHONPATH, has none).
    """
    for _ in range(8):
        solve()
        if "tradegame.solvers._pure_nash_kernel" in sys.modules:
            return True
    return False


def group_pure2p(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Pure equilibria of random 18x8 bimatrix games, batched, against per-game references."""
    import numpy as np

    from tradegame.solvers import pure_nash

    rng = np.random.default_rng(14)
    D = p["games"]
    U = rng.standard_normal((D, 2, 18, 8))
    kernel = _pure_nash_steady(lambda: pure_nash(U, n_players=2))
    series: dict[str, Callable[[], float]] = {
        "ours": lambda: per_item_us(lambda: pure_nash(U, n_players=2), D),
        "floor": lambda: per_item_us(lambda: np.sum(U), D),
    }
    info: dict[str, Any] = {"games": D, "compiled_kernel": kernel}
    gbt = optional("pygambit")
    if gbt is not None:
        k = p["gambit"]
        games = [gbt.Game.from_arrays(U[d, 0], U[d, 1]) for d in range(k)]
        counts = [len(gbt.nash.enumpure_solve(g).equilibria) for g in games]
        info["gambit_counts_agree"] = bool(
            np.array_equal(counts, pure_nash(U[:k], n_players=2).reshape(k, -1).sum(axis=1))
        )

        def gambit_build() -> float:
            def run() -> None:
                for d in range(k):
                    gbt.nash.enumpure_solve(gbt.Game.from_arrays(U[d, 0], U[d, 1]))

            return per_item_us(run, k)

        def gambit_solve() -> float:
            return per_item_us(lambda: [gbt.nash.enumpure_solve(g) for g in games], k)

        series["gambit_build"] = gambit_build
        series["gambit_solve"] = gambit_solve
    qe = optional("quantecon")
    if qe is not None:
        k = p["quantecon"]
        gt = qe.game_theory
        qgames = [gt.NormalFormGame(np.moveaxis(U[d], 0, -1)) for d in range(k)]
        gt.pure_nash_brute(qgames[0])  # Numba compilation
        series["quantecon"] = lambda: per_item_us(
            lambda: [gt.pure_nash_brute(g) for g in qgames], k
        )
    return {"series": _repeats(repeat, series), "info": info}


def group_pure3p(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Pure equilibria of random 3-player 6x6x6 games, batched."""
    import numpy as np

    from tradegame.solvers import pure_nash

    rng = np.random.default_rng(15)
    D = p["games"]
    U = rng.standard_normal((D, 3, 6, 6, 6))
    kernel = _pure_nash_steady(lambda: pure_nash(U, n_players=3))
    series: dict[str, Callable[[], float]] = {
        "ours": lambda: per_item_us(lambda: pure_nash(U, n_players=3), D),
        "floor": lambda: per_item_us(lambda: np.sum(U), D),
    }
    gbt = optional("pygambit")
    if gbt is not None:
        k = p["gambit"]

        def gambit_build() -> float:
            def run() -> None:
                for d in range(k):
                    gbt.nash.enumpure_solve(gbt.Game.from_arrays(*U[d]))

            return per_item_us(run, k)

        series["gambit_build"] = gambit_build
    qe = optional("quantecon")
    if qe is not None:
        k = p["quantecon"]
        gt = qe.game_theory
        qgames = [gt.NormalFormGame(np.moveaxis(U[d], 0, -1)) for d in range(k)]
        gt.pure_nash_brute(qgames[0])
        series["quantecon"] = lambda: per_item_us(
            lambda: [gt.pure_nash_brute(g) for g in qgames], k
        )
    return {"series": _repeats(repeat, series), "info": {"games": D, "compiled_kernel": kernel}}


def _mixed(p: dict[str, Any], repeat: int, m: int, seed: int) -> dict[str, Any]:
    import numpy as np

    from tradegame.solvers import mixed_nash_2p_batch

    rng = np.random.default_rng(seed)
    D = p["games"]
    A, B = rng.standard_normal((2, D, m, m))
    mixed_nash_2p_batch(A[:50], B[:50])  # support index tables
    res = mixed_nash_2p_batch(A, B)
    series: dict[str, Callable[[], float]] = {
        "ours": lambda: per_item_us(lambda: mixed_nash_2p_batch(A, B), D),
    }
    info: dict[str, Any] = {"games": D}
    gbt = optional("pygambit")
    if gbt is not None:
        k = p["gambit"]
        games = [gbt.Game.from_arrays(A[d], B[d]) for d in range(k)]
        counts = [len(gbt.nash.enummixed_solve(g, rational=False).equilibria) for g in games]
        info["gambit_counts_agree"] = bool(np.array_equal(counts, res.n_equilibria[:k]))
        series["gambit"] = lambda: per_item_us(
            lambda: [gbt.nash.enummixed_solve(g, rational=False) for g in games], k
        )
    qe = optional("quantecon")
    if qe is not None:
        k = p["quantecon"]
        gt = qe.game_theory
        # QuantEcon indexes each player's payoffs by their own action first.
        qgames = [gt.NormalFormGame((gt.Player(A[d]), gt.Player(B[d].T))) for d in range(k)]
        counts = [len(gt.support_enumeration(g)) for g in qgames]
        info["quantecon_counts_agree"] = bool(np.array_equal(counts, res.n_equilibria[:k]))
        series["quantecon"] = lambda: per_item_us(
            lambda: [gt.support_enumeration(g) for g in qgames], k
        )
    return {"series": _repeats(repeat, series), "info": info}


def group_mixed6(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """All extreme mixed equilibria of random 6x6 games, batched."""
    return _mixed(p, repeat, 6, 16)


def group_mixed3(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """All extreme mixed equilibria of random 3x3 games, batched."""
    return _mixed(p, repeat, 3, 17)


def group_degenerate(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Degenerate 4x4 games (payoffs in {0, 1, 2}): the batch against the per-game kernel."""
    import numpy as np

    from tradegame.solvers import mixed_nash_2p_batch
    from tradegame.solvers._bimatrix import normalize
    from tradegame.solvers.mixed_nash_2p import DEFAULT_TOL, enumerate_extreme

    rng = np.random.default_rng(18)
    D, k = p["games"], p["loop"]
    A, B = rng.integers(0, 3, size=(2, D, 4, 4)).astype(np.float64)
    mixed_nash_2p_batch(A[:50], B[:50])
    res = mixed_nash_2p_batch(A, B)
    an, bn = normalize(A[:k]), normalize(B[:k])
    found = [enumerate_extreme(a, b, DEFAULT_TOL) for a, b in zip(an, bn, strict=True)]
    same = all(
        np.array_equal(res.x[d, : len(x)], x)
        and np.array_equal(res.y[d, : len(y)], y)
        and res.n_equilibria[d] == len(x)
        for d, (x, y) in enumerate(found)
    )
    series = {
        "ours": lambda: per_item_us(lambda: mixed_nash_2p_batch(A, B), D),
        "loop": lambda: per_item_us(
            lambda: [enumerate_extreme(a, b, DEFAULT_TOL) for a, b in zip(an, bn, strict=True)],
            k,
        ),
    }
    return {
        "series": _repeats(repeat, series),
        "info": {"games": D, "bit_identical_to_kernel": same},
    }


def group_qre(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Logit QRE at one lambda of random 3-player 3x3x3 games, batched."""
    import numpy as np

    from tradegame.solvers import logit_qre_batch

    lam = 2.0
    rng = np.random.default_rng(19)
    D = p["games"]
    U = rng.standard_normal((D, 3, 3, 3, 3))
    logit_qre_batch(U[:50], lam, n_players=3)  # Numba compile or cache load
    series: dict[str, Callable[[], float]] = {
        "ours": lambda: per_item_us(lambda: logit_qre_batch(U, lam, n_players=3), D),
    }
    info: dict[str, Any] = {"games": D, "lambda": lam}
    gbt = optional("pygambit")
    if gbt is not None:
        from pygambit.qre import logit_solve_lambda

        k = p["gambit"]
        games = [gbt.Game.from_arrays(*U[d]) for d in range(k)]
        logit_solve_lambda(games[0], lam=[lam])

        def gambit_build() -> float:
            def run() -> None:
                for d in range(k):
                    logit_solve_lambda(gbt.Game.from_arrays(*U[d]), lam=[lam])

            return per_item_us(run, k)

        ours = logit_qre_batch(U[:k], lam, n_players=3)
        worst = 0.0
        for d, g in enumerate(games):
            qre = logit_solve_lambda(g, lam=[lam])[0]
            for i, player in enumerate(g.players):
                ref = np.array([float(qre.profile[st]) for st in player.strategies])
                worst = max(worst, float(np.abs(ours[i][d] - ref).max()))
        info["max_abs_difference_from_gambit"] = worst
        series["gambit_solve"] = lambda: per_item_us(
            lambda: [logit_solve_lambda(g, lam=[lam]) for g in games], k
        )
        series["gambit_build"] = gambit_build
    return {"series": _repeats(repeat, series), "info": info}


def group_lh(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Lemke-Howson (label 0) on random 6x6 games: one call per game, and batched."""
    import numpy as np

    from tradegame.solvers import lemke_howson, lemke_howson_batch

    rng = np.random.default_rng(20)
    D = p["games"]
    A, B = rng.standard_normal((2, D, 6, 6))
    lemke_howson(A[0], B[0], 0)
    lemke_howson_batch(A[:10], B[:10], 0)
    series: dict[str, Callable[[], float]] = {
        "ours": lambda: per_item_us(
            lambda: [lemke_howson(a, b, 0) for a, b in zip(A, B, strict=True)], D
        ),
        "ours_batch": lambda: per_item_us(lambda: lemke_howson_batch(A, B, 0), D),
    }
    info: dict[str, Any] = {"games": D}
    qe = optional("quantecon")
    if qe is not None:
        gt = qe.game_theory
        qgames = [
            gt.NormalFormGame((gt.Player(a), gt.Player(b.T))) for a, b in zip(A, B, strict=True)
        ]
        found = [gt.lemke_howson(g, init_pivot=0) for g in qgames]
        xb, yb = lemke_howson_batch(A, B, 0)
        info["same_equilibrium_as_quantecon"] = all(
            np.allclose(fx, x, atol=1e-9) and np.allclose(fy, y, atol=1e-9)
            for (fx, fy), x, y in zip(found, xb, yb, strict=True)
        )
        series["quantecon"] = lambda: per_item_us(
            lambda: [gt.lemke_howson(g, init_pivot=0) for g in qgames], D
        )
    return {"series": _repeats(repeat, series), "info": info}


def _recursive(V: Any, movers: list[int], probs: dict[int, Any], history: tuple[int, ...]) -> Any:
    """Value of the subgame after ``history`` for one draw, plain Python (lowest index on ties)."""
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


def group_bi(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Backward induction on a 5-stage x 3-option tree (chance at stage 2), batched."""
    import numpy as np

    from tradegame.model.stages import Stage
    from tradegame.solvers.backward_induction import backward_induction

    players = ("us", "china")
    k, A, chance_at = 5, 3, 2
    stages, turn = [], 0
    for s in range(k):
        mover = None if s == chance_at else players[turn % 2]
        turn += mover is not None
        stages.append(Stage(f"s{s}", mover, tuple(f"o{j}" for j in range(A))))
    rng = np.random.default_rng(21)
    D, n = p["draws"], p["recursive"]
    V = rng.standard_normal((D, 2, *(A,) * k))
    probs = {chance_at: rng.dirichlet(np.ones(A), size=D)}
    movers = [-1 if st.mover is None else players.index(st.mover) for st in stages]
    res = backward_induction(V, stages, players, probs)
    ref = np.array(
        [_recursive(V[d], movers, {chance_at: probs[chance_at][d]}, ()) for d in range(n)]
    )
    agree = bool(np.allclose(res.values[:n], ref, rtol=1e-12, atol=1e-12))
    series = {
        "ours": lambda: per_item_us(lambda: backward_induction(V, stages, players, probs), D),
        "recursive": lambda: per_item_us(
            lambda: [
                _recursive(V[d], movers, {chance_at: probs[chance_at][d]}, ()) for d in range(n)
            ],
            n,
        ),
        "floor": lambda: per_item_us(lambda: np.sum(V), D),
    }
    return {
        "series": _repeats(repeat, series),
        "info": {"draws": D, "agrees_with_recursive": agree},
    }


def _result_key(result: Any) -> str:
    """The run's JSON without its environment block, to compare runs byte for byte."""
    d = result.to_dict()
    d.pop("environment", None)
    return json.dumps(d, sort_keys=True)


def group_madrid(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """One Madrid run end to end (``tradegame.simulate``): µs per draw and this process's peak.

    ``p``: ``draws``, ``workers``, ``scenario`` and optionally ``backend``, what more
    than one worker runs on (``"pool"`` or ``"dask"``: ``simulate.LOCAL_BACKEND``).
    Warm-up on 4,096 draws first (imports, Numba caches), so the time is the run's (the
    workers' start included: the warm-up is one chunk, solved in this process); the peak
    includes the warm-up, which is small.
    """
    import hashlib

    import tradegame as tg

    simulate_module = importlib.import_module("tradegame.montecarlo.simulate")

    if "backend" in p:
        simulate_module.LOCAL_BACKEND = p["backend"]

    sc = tg.load_scenario(p["scenario"])
    tg.simulate(sc, samples=4096, seed=7, workers=p["workers"])
    base = vmhwm_mb()
    t0 = time.perf_counter()
    res = tg.simulate(sc, samples=p["draws"], seed=7, workers=p["workers"])
    seconds = time.perf_counter() - t0
    return {
        "series": {"us_per_draw": [seconds / p["draws"] * 1e6]},
        "info": {
            "draws": p["draws"],
            "workers": p["workers"],
            "seconds": seconds,
            "peak_before_run_mb": base,
            "result_sha256": hashlib.sha256(_result_key(res).encode()).hexdigest(),
        },
    }


def group_layout(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """A stage game's batches with the draws last against the draws-first pipeline.

    The same batches of parameter draws of ``scenario`` (``batches`` of ``draws``)
    through ``StagesPlay.batch_columns`` (payoffs laid out and backward induction
    solved piece by piece with the draws last, issue 14's item 2) and through the
    draws-first pipeline it replaced and keeps as its reference (``build_payoffs``,
    ``backward_induction``, ``play_columns``: ``GamePlay.batch_columns``),
    interleaved repeat by repeat; checks the columns are the same, bit for bit.
    """
    import numpy as np

    import tradegame as tg
    from tradegame.montecarlo.chunks import ChunkSolver
    from tradegame.play.base import GamePlay
    from tradegame.play.options import RunOptions

    sc = tg.load_scenario(p["scenario"])
    solver = ChunkSolver(sc, RunOptions.resolve(sc), seed=7)
    play = solver.play
    D = p["draws"]
    batches = [solver.parameters(k * D, (k + 1) * D) for k in range(p["batches"])]
    identical = all(
        np.array_equal(play.batch_columns(b, D)[0], GamePlay.batch_columns(play, b, D)[0])
        for b in batches[:2]
    )
    total = D * len(batches)
    last: list[float] = []
    first: list[float] = []
    for _ in range(repeat):
        last.append(per_item_us(lambda: [play.batch_columns(b, D) for b in batches], total))
        first.append(
            per_item_us(lambda: [GamePlay.batch_columns(play, b, D) for b in batches], total)
        )
    return {
        "series": {"last": last, "first": first},
        "info": {"columns_identical": identical, "draws": total, "batch": D},
    }


def group_baseline(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Peak memory of a process that loads Madrid and simulates 4,096 draws (the floor)."""
    import tradegame as tg

    sc = tg.load_scenario(p["scenario"])
    tg.simulate(sc, samples=4096, seed=7)
    return {"series": {}, "info": {}}


def group_sweep(p: dict[str, Any], repeat: int) -> dict[str, Any]:
    """A sweep of ``points`` grid points x ``draws`` draws on Madrid: µs per draw overall."""
    import tradegame as tg

    sc = tg.load_scenario(p["scenario"])
    axis = SWEEP_AXIS.format(lo=2.0, hi=3.0, n=p["points"])
    tg.sweep(sc, [SWEEP_AXIS.format(lo=2.0, hi=3.0, n=2)], samples=1024, seed=7)
    total = p["points"] * p["draws"]
    values = [
        per_item_us(lambda: tg.sweep(sc, [axis], samples=p["draws"], seed=7), total)
        for _ in range(repeat)
    ]
    return {"series": {"us_per_draw": values}, "info": {"axis": axis, "draws_total": total}}


GROUPS: dict[str, Callable[[dict[str, Any], int], dict[str, Any]]] = {
    "pure2p": group_pure2p,
    "pure3p": group_pure3p,
    "mixed6": group_mixed6,
    "mixed3": group_mixed3,
    "degenerate": group_degenerate,
    "qre": group_qre,
    "lh": group_lh,
    "bi": group_bi,
    "madrid": group_madrid,
    "layout": group_layout,
    "baseline": group_baseline,
    "sweep": group_sweep,
}


def child_main(group: str, params: str, repeat: int) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    out = GROUPS[group](json.loads(params), repeat)
    out["peak_rss_mb"] = vmhwm_mb()
    print("@@RESULT@@" + json.dumps(out))


# --------------------------------------------------------------------------- parent


def run_child(group: str, params: dict[str, Any], repeat: int, timeout: float) -> dict[str, Any]:
    """Run one group in a fresh ``python benchmarks/run.py --child`` process."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        group,
        "--params",
        json.dumps(params),
        "--repeats",
        str(repeat),
    ]
    # One BLAS thread per process: the runs being compared share 2 cores with others.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            result: dict[str, Any] = json.loads(line[len("@@RESULT@@") :])
            return result
    raise RuntimeError(
        f"benchmark group {group!r} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    )


def stats(values: Sequence[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": list(values),
    }


class Table:
    """The rows measured so far and those skipped."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.skipped: list[dict[str, str]] = []

    def add(
        self,
        row_id: str,
        task: str,
        measured: Sequence[float],
        unit: str,
        reference: Sequence[float],
        reference_name: str,
        *,
        ratio: str = "speedup",
        goal: tuple[str, float, str] | None = None,
        peak_rss_mb: float | None = None,
        info: dict[str, Any] | None = None,
        reference_unit: str | None = None,
    ) -> None:
        """Add a row; ``ratio``: ``speedup`` (reference / measured), ``times`` (the inverse).

        ``goal`` is ``(op, value, text)``: the ratio must be ``>=`` or ``<=`` ``value``;
        op ``us<=`` compares the measured median instead, ``plus<=`` the measured minus
        the reference (both medians).
        """
        if ratio == "speedup":
            per = [r / m for r, m in zip(reference, measured, strict=False)]
            meaning = f"{reference_name} / this: times faster"
        else:
            per = [m / r for r, m in zip(reference, measured, strict=False)]
            meaning = f"this / {reference_name}"
        row: dict[str, Any] = {
            "id": row_id,
            "task": task,
            "measured": {**stats(measured), "unit": unit},
            "reference": {
                **stats(reference),
                "unit": reference_unit or unit,
                "name": reference_name,
            },
            "ratio": {**stats(per), "meaning": meaning},
            "goal": None,
            "met": None,
            "peak_rss_mb": peak_rss_mb,
            "info": info or {},
        }
        if goal is not None:
            op, value, text = goal
            r = row["ratio"]["median"]
            if op == ">=":
                met = r >= value
            elif op == "<=":
                met = r <= value
            elif op == "us<=":
                met = row["measured"]["median"] <= value
            elif op == "plus<=":
                met = row["measured"]["median"] - row["reference"]["median"] <= value
            else:  # pragma: no cover
                raise ValueError(op)
            row["goal"] = {"op": op, "value": value, "text": text}
            row["met"] = bool(met)
        self.rows.append(row)

    def skip(self, row_id: str, reason: str) -> None:
        self.skipped.append({"id": row_id, "reason": reason})

    def markdown(self) -> str:
        lines = [
            "| row | measured | reference | ratio | goal | met? |",
            "|---|---|---|---|---|---|",
        ]
        for row in self.rows:
            m, ref, r = row["measured"], row["reference"], row["ratio"]
            met = "—" if row["met"] is None else ("yes" if row["met"] else "**no**")
            goal = row["goal"]["text"] if row["goal"] else "—"
            lines.append(
                f"| {row['task']} | {_fmt(m)} | {ref['name']}: {_fmt(ref)} | "
                f"{_ratio(r)} | {goal} | {met} |"
            )
        for s in self.skipped:
            lines.append(f"| {s['id']} | skipped: {s['reason']} | | | | |")
        return "\n".join(lines)


def _num(x: float) -> str:
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def _fmt(s: dict[str, Any]) -> str:
    text = f"{_num(s['median'])} {s['unit']}"
    if len(s["values"]) > 1:
        text += f" ({_num(s['min'])}–{_num(s['max'])})"
    return text


def _ratio(r: dict[str, Any]) -> str:
    text = f"{_num(r['median'])}×"
    if len(r["values"]) > 1:
        text += f" ({_num(r['min'])}–{_num(r['max'])})"
    return text


def git_info() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "commit": git("rev-parse", "HEAD") or None,
        "branch": git("rev-parse", "--abbrev-ref", "HEAD") or None,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def machine_info() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 1024**2
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for name in ("numpy", "scipy", "numba", "pygambit", "quantecon", "nashpy", "dask"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "memory_gb": mem,
        "load_average_start": list(os.getloadavg()),
        "versions": versions,
    }


def startup_times(repeat: int, runs: int) -> tuple[list[float], list[float], str]:
    """Seconds for ``tradegame --help`` and ``python -c pass``, best of ``runs`` per repeat."""
    script = Path(sys.executable).parent / "tradegame"
    cli = (
        [str(script), "--help"]
        if script.exists()
        else [sys.executable, "-m", "tradegame", "--help"]
    )
    base = [sys.executable, "-c", "pass"]

    def best(cmd: list[str]) -> float:
        out = float("inf")
        for _ in range(runs):
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, timeout=120)
            out = min(out, time.perf_counter() - t0)
            if proc.returncode != 0:
                last = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
                raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}): {last}")
        return out

    helps, passes = [], []
    for _ in range(repeat):
        helps.append(best(cli))
        passes.append(best(base))
    return helps, passes, " ".join(Path(c).name for c in cli)


def measure(args: argparse.Namespace) -> tuple[Table, dict[str, Any]]:
    mode = "quick" if args.quick else ("full" if args.full else "default")
    sz = sizes(mode)
    R = args.repeats
    T = 3600.0 if mode != "quick" else 300.0
    table = Table()
    extra: dict[str, Any] = {}

    def log(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    selected = row_groups(args.only)

    def want(group: str) -> bool:
        return group in selected

    def ref_or_skip(row_id: str, lib: str, series: dict[str, list[float]], key: str) -> bool:
        if key in series:
            return True
        table.skip(row_id, f"{lib} is not installed (pip install -e '.[bench]')")
        return False

    if want("pure2p"):
        # Pure equilibria, 18x8.
        log("pure equilibria, 18x8")
        g = run_child("pure2p", sz["pure2p"], R, T)
        s, peak, info = g["series"], g["peak_rss_mb"], g["info"]
        task = "pure equilibria, 18×8 bimatrix, batched (µs/game)"
        if ref_or_skip("pure2p_gambit_build", "pygambit", s, "gambit_build"):
            table.add(
                "pure2p_gambit_build",
                task,
                s["ours"],
                "µs",
                s["gambit_build"],
                "pygambit enumpure_solve incl. Game.from_arrays",
                goal=(">=", 1000, "≥ 1,000×"),
                peak_rss_mb=peak,
                info=info,
            )
            table.add(
                "pure2p_gambit_solve",
                task,
                s["ours"],
                "µs",
                s["gambit_solve"],
                "pygambit enumpure_solve, solve only",
                peak_rss_mb=peak,
            )
        if ref_or_skip("pure2p_quantecon", "quantecon", s, "quantecon"):
            table.add(
                "pure2p_quantecon",
                task,
                s["ours"],
                "µs",
                s["quantecon"],
                "QuantEcon pure_nash_brute",
                goal=(">=", 300, "≥ 300×"),
                peak_rss_mb=peak,
            )
        table.add(
            "pure2p_floor",
            task,
            s["ours"],
            "µs",
            s["floor"],
            "np.sum over the same array",
            ratio="times",
            goal=("<=", 5, "≤ 5× the floor"),
            peak_rss_mb=peak,
        )
        floor_2p = s["floor"]

    if want("pure3p"):
        log("pure equilibria, 6x6x6")
        g = run_child("pure3p", sz["pure3p"], R, T)
        s, peak = g["series"], g["peak_rss_mb"]
        task = "pure equilibria, 3-player 6×6×6, batched (µs/game)"
        if ref_or_skip("pure3p_gambit_build", "pygambit", s, "gambit_build"):
            table.add(
                "pure3p_gambit_build",
                task,
                s["ours"],
                "µs",
                s["gambit_build"],
                "pygambit enumpure_solve incl. Game.from_arrays",
                peak_rss_mb=peak,
            )
        if ref_or_skip("pure3p_quantecon", "quantecon", s, "quantecon"):
            table.add(
                "pure3p_quantecon",
                task,
                s["ours"],
                "µs",
                s["quantecon"],
                "QuantEcon pure_nash_brute",
                peak_rss_mb=peak,
            )
        table.add(
            "pure3p_floor",
            task,
            s["ours"],
            "µs",
            s["floor"],
            "np.sum over the same array",
            ratio="times",
            peak_rss_mb=peak,
            info=g["info"],
        )

    for key, m, goals in (
        ("mixed6", 6, {"gambit": (">=", 50, "≥ 50×"), "quantecon": (">=", 10, "≥ 10×")}),
        (
            "mixed3",
            3,
            {"gambit": (">=", 104, "keep (104×)"), "quantecon": (">=", 7, "keep (7×)")},
        ),
    ):
        if not want(key):
            continue
        log(f"mixed equilibria, {m}x{m}")
        g = run_child(key, sz[key], R, T)
        s, peak, info = g["series"], g["peak_rss_mb"], g["info"]
        task = f"all extreme mixed equilibria, {m}×{m}, batched (µs/game)"
        if ref_or_skip(f"{key}_gambit", "pygambit", s, "gambit"):
            table.add(
                f"{key}_gambit",
                task,
                s["ours"],
                "µs",
                s["gambit"],
                "pygambit enummixed_solve",
                goal=goals["gambit"],
                peak_rss_mb=peak,
                info=info,
            )
        if ref_or_skip(f"{key}_quantecon", "quantecon", s, "quantecon"):
            table.add(
                f"{key}_quantecon",
                task,
                s["ours"],
                "µs",
                s["quantecon"],
                "QuantEcon support_enumeration",
                goal=goals["quantecon"],
                peak_rss_mb=peak,
                info=info,
            )

    if want("degenerate"):
        log("degenerate 4x4")
        g = run_child("degenerate", sz["degenerate"], R, T)
        s = g["series"]
        table.add(
            "degenerate4",
            "all extreme mixed equilibria, degenerate 4×4, batched (µs/game)",
            s["ours"],
            "µs",
            s["loop"],
            "the per-game kernel, one call per game",
            peak_rss_mb=g["peak_rss_mb"],
            info=g["info"],
        )

    if want("qre"):
        log("logit QRE")
        g = run_child("qre", sz["qre"], R, T)
        s, peak = g["series"], g["peak_rss_mb"]
        task = "logit QRE, 3×3×3, one λ, batched (µs/game)"
        if ref_or_skip("qre_gambit", "pygambit", s, "gambit_solve"):
            table.add(
                "qre_gambit",
                task,
                s["ours"],
                "µs",
                s["gambit_solve"],
                "pygambit logit_solve_lambda, solve only",
                goal=(">=", 150, "≥ 150×"),
                peak_rss_mb=peak,
                info=g["info"],
            )
            table.add(
                "qre_gambit_build",
                task,
                s["ours"],
                "µs",
                s["gambit_build"],
                "pygambit logit_solve_lambda incl. Game.from_arrays",
                peak_rss_mb=peak,
            )

    if want("lh"):
        log("Lemke-Howson")
        g = run_child("lh", sz["lh"], R, T)
        s, peak = g["series"], g["peak_rss_mb"]
        if ref_or_skip("lh_quantecon", "quantecon", s, "quantecon"):
            table.add(
                "lh_quantecon",
                "Lemke–Howson, one 6×6 game per call (µs/game)",
                s["ours"],
                "µs",
                s["quantecon"],
                "QuantEcon lemke_howson, one call per game",
                goal=(">=", 1, "≥ 1× (one call ≤ QuantEcon)"),
                peak_rss_mb=peak,
                info=g["info"],
            )
            table.add(
                "lh_batch_quantecon",
                "Lemke–Howson, 6×6, batched (µs/game)",
                s["ours_batch"],
                "µs",
                s["quantecon"],
                "QuantEcon lemke_howson, one call per game",
                peak_rss_mb=peak,
            )
        else:
            table.skip(
                "lh_batch_quantecon", "quantecon is not installed (pip install -e '.[bench]')"
            )

    if want("bi"):
        log("backward induction")
        g = run_child("bi", sz["bi"], R, T)
        s, peak = g["series"], g["peak_rss_mb"]
        task = "backward induction, 5 stages × 3 options, batched (µs/draw)"
        table.add(
            "bi_recursive",
            task,
            s["ours"],
            "µs",
            s["recursive"],
            "plain-Python recursion per draw",
            peak_rss_mb=peak,
            info=g["info"],
        )
        table.add(
            "bi_floor",
            task,
            s["ours"],
            "µs",
            s["floor"],
            "np.sum over the same array",
            ratio="times",
            peak_rss_mb=peak,
        )

    if want("startup"):
        log("tradegame --help")
        try:
            helps, passes, label = startup_times(R, sz["startup"])
            table.add(
                "startup",
                f"`{label}` start (s)",
                helps,
                "s",
                passes,
                "python -c pass",
                ratio="times",
                goal=("plus<=", 0.15, "≤ +0.15 s over the reference"),
                info={
                    "best_of": sz["startup"],
                    "extra_seconds": [h - p for h, p in zip(helps, passes, strict=True)],
                },
            )
        except RuntimeError as exc:
            table.skip("startup", f"the CLI does not start: {str(exc).splitlines()[-1]}")

    # Madrid end to end, one fresh process per repeat and size.
    scen = args.scenario
    RM = sz["madrid_repeats"] or R
    if want("madrid"):
        base = run_child("baseline", {"scenario": scen}, 1, T)
        madrid: dict[int, list[dict[str, Any]]] = {}
        for n in sz["madrid"]:
            madrid[n] = []
            for r in range(RM):
                log(f"Madrid end to end, {n:,} draws, repeat {r + 1}")
                madrid[n].append(
                    run_child("madrid", {"draws": n, "workers": 1, "scenario": scen}, 1, T)
                )
        first = sz["madrid"][0]
        us_first = [m["series"]["us_per_draw"][0] for m in madrid[first]]
        # The floor of an 18x8 game per draw, measured above in the same run.
        table.add(
            "madrid_e2e",
            f"{scen} end to end, {first:,} draws (µs/draw)",
            us_first,
            "µs",
            floor_2p,
            "np.sum over 288 doubles a draw (an 18×8 bimatrix)",
            ratio="times",
            goal=("us<=", 1.5, "≤ 1.5 µs per draw"),
            peak_rss_mb=max(m["peak_rss_mb"] for m in madrid[first]),
            info={"result_sha256": madrid[first][0]["info"]["result_sha256"]},
        )
        table.add(
            "madrid_peak",
            f"{scen} peak memory, {first:,} draws (MB, VmHWM)",
            [m["peak_rss_mb"] for m in madrid[first]],
            "MB",
            [base["peak_rss_mb"]],
            "a process that loads it and runs 4,096 draws",
            ratio="times",
        )
        if len(sz["madrid"]) > 1:
            big = sz["madrid"][1]
            us_big = [m["series"]["us_per_draw"][0] for m in madrid[big]]
            table.add(
                "madrid_linear",
                f"{scen} end to end, {big:,} draws (µs/draw)",
                us_big,
                "µs",
                us_first,
                f"the same at {first:,} draws",
                ratio="times",
                goal=("<=", 1.2, "linear (≤ 1.2× the per-draw time at 10⁶)"),
            )
            table.add(
                "madrid_peak_big",
                f"{scen} peak memory, {big:,} draws (MB, VmHWM)",
                [m["peak_rss_mb"] for m in madrid[big]],
                "MB",
                [base["peak_rss_mb"]],
                "a process that loads it and runs 4,096 draws",
                ratio="times",
                goal=("us<=", 500, "< 0.5 GB"),
            )
        else:
            table.skip("madrid_linear", "10⁷ draws only with --full")

    if want("layout"):
        log("Madrid batches, draws last vs draws first")
        g = run_child("layout", {**sz["layout"], "scenario": scen}, R, T)
        table.add(
            "layout",
            f"{scen} batches of {sz['layout']['draws']:,} draws, solved with the draws last "
            "(µs/draw)",
            g["series"]["last"],
            "µs",
            g["series"]["first"],
            "the draws-first pipeline (build_payoffs, backward_induction, play_columns)",
            peak_rss_mb=g["peak_rss_mb"],
            info=g["info"],
        )

    if want("madrid18"):
        runs = []
        for r in range(RM):
            log(f"the issue's 18x8 Madrid, {sz['madrid18'][0]:,} draws, repeat {r + 1}")
            runs.append(
                run_child(
                    "madrid",
                    {"draws": sz["madrid18"][0], "workers": 1, "scenario": MADRID_18X8},
                    1,
                    T,
                )
            )
        table.add(
            "madrid18",
            f"the issue's 18×8 Madrid (tests/data/madrid_v1), end to end, "
            f"{sz['madrid18'][0]:,} draws (µs/draw)",
            [m["series"]["us_per_draw"][0] for m in runs],
            "µs",
            floor_2p,
            "np.sum over 288 doubles a draw (an 18×8 bimatrix)",
            ratio="times",
            goal=("us<=", 1.5, "≤ 1.5 µs per draw"),
            peak_rss_mb=max(m["peak_rss_mb"] for m in runs),
            info={"result_sha256": runs[0]["info"]["result_sha256"]},
        )

    if want("workers"):
        from tradegame.montecarlo.simulate import LOCAL_BACKEND as LOCAL

        OTHER = next(b for b in LOCAL_NAMES if b != LOCAL)
        nw = sz["workers"]
        one: list[dict[str, Any]] = []
        two: list[dict[str, Any]] = []
        other: list[dict[str, Any]] = []
        for r in range(RM):
            log(f"Madrid, {nw:,} draws, 1 and 2 workers ({LOCAL} and {OTHER}), repeat {r + 1}")
            one.append(run_child("madrid", {"draws": nw, "workers": 1, "scenario": scen}, 1, T))
            two.append(
                run_child(
                    "madrid", {"draws": nw, "workers": 2, "scenario": scen, "backend": LOCAL}, 1, T
                )
            )
            other.append(
                run_child(
                    "madrid", {"draws": nw, "workers": 2, "scenario": scen, "backend": OTHER}, 1, T
                )
            )
        identical = len({m["info"]["result_sha256"] for m in one + two + other}) == 1
        table.add(
            "workers",
            f"`--workers 2` vs 1 on {nw:,} Madrid draws (µs/draw)",
            [m["series"]["us_per_draw"][0] for m in two],
            "µs",
            [m["series"]["us_per_draw"][0] for m in one],
            "one worker",
            goal=(">=", 1.6, "≥ 1.6× (the goal is at 10⁷ draws)"),
            peak_rss_mb=max(m["peak_rss_mb"] for m in two),
            info={
                "json_identical": identical,
                "draws": nw,
                "peak_is": "the parent process's (the worker processes are not counted)",
                "backend": LOCAL,
            },
        )
        table.add(
            "workers_backend",
            f"`--workers 2` on {LOCAL_NAMES[LOCAL]} vs {LOCAL_NAMES[OTHER]}, "
            f"{nw:,} Madrid draws (µs/draw)",
            [m["series"]["us_per_draw"][0] for m in two],
            "µs",
            [m["series"]["us_per_draw"][0] for m in other],
            LOCAL_NAMES[OTHER],
            info={
                "json_identical": identical,
                "draws": nw,
                "why": "the reason to keep one backend",
            },
        )

    if want("sweep"):
        log("sweep")
        sw = sz["sweep"]
        g = run_child("sweep", {**sw, "scenario": scen}, RM, T)
        table.add(
            "sweep",
            f"sweep of {sw['points']} points × {sw['draws']:,} draws on {scen} (µs/draw)",
            g["series"]["us_per_draw"],
            "µs",
            us_first,
            f"one run of {first:,} draws",
            ratio="times",
            peak_rss_mb=g["peak_rss_mb"],
            info=g["info"],
        )
    extra["mode"] = mode
    extra["sizes"] = sz
    return table, extra


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat (smoke run)")
    parser.add_argument("--full", action="store_true", help="add the 10^7-draw rows")
    parser.add_argument("--repeats", type=int, default=None, help="repeats (default 3, quick 1)")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="JSON directory")
    parser.add_argument("--scenario", default=MADRID, help="the Madrid rows' scenario")
    parser.add_argument(
        "--only",
        metavar="GROUP[,GROUP]",
        help=f"measure only these row groups ({', '.join(ROW_GROUPS)}), plus the groups "
        "their ratios need (madrid needs pure2p, sweep needs madrid)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.child:
        child_main(args.child, args.params or "{}", args.repeats)
        return 0
    if args.quick and args.full:
        parser.error("--quick and --full exclude each other")
    try:
        row_groups(args.only)
    except ValueError as exc:
        parser.error(str(exc))

    t0 = time.perf_counter()
    machine = machine_info()
    git = git_info()  # at the start: the code that ran
    table, extra = measure(args)
    machine["load_average_end"] = list(os.getloadavg())
    text = table.markdown()
    print(text)
    now = _dt.datetime.now(_dt.UTC)
    doc = {
        "runner": "benchmarks/run.py",
        "created": now.isoformat(timespec="seconds"),
        "mode": extra["mode"],
        "repeats": args.repeats,
        "madrid_repeats": extra["sizes"]["madrid_repeats"] or args.repeats,
        "scenario": args.scenario,
        "only": sorted(row_groups(args.only), key=ROW_GROUPS.index) if args.only else None,
        "git": git,
        "machine": machine,
        "sizes": extra["sizes"],
        "wall_seconds": time.perf_counter() - t0,
        "rows": table.rows,
        "skipped": table.skipped,
        "markdown": text,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"run-{now.strftime('%Y%m%dT%H%M%SZ')}-{extra['mode']}.json"
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nsaved {path} ({doc['wall_seconds']:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

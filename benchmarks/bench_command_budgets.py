"""Command budgets: outcome rules cost O(K), and oversized games are refused in a second.

Run from the repository root::

    PYTHONPATH=src python benchmarks/bench_command_budgets.py

Reports, in one process:

* the time to label the profiles of a 16-profile game with K = 5,000 and
  K = 20,000 outcome rules (:func:`tradegame.model.build.build_outcomes`, the
  rules compiled once and repeated under distinct labels) and the ratio: 4 for
  a linear cost, 16 for a quadratic one (the original took about 16);
* for each command on the issue's files (22 binary stages, a 5 M profile
  simultaneous game, a 71-node tree with a 2 M entry normal form), the time and
  peak memory of ``tradegame`` in a fresh subprocess (its own ``VmHWM``, read
  from ``/proc/self/status`` as it exits), and its exit code.

The timing of issue 14's table is ``benchmarks/run.py``; this script measures
the budgets of issue 8 (costs that must stay linear, refusals that must be fast).

Absolute times on a shared machine are noise; the ratio is the measurement.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "hardening"))

from budget_strategies import simultaneous_scenario, stage_scenario, tree_scenario  # noqa: E402

from tradegame.model.build import build_outcomes, evaluation_environment  # noqa: E402
from tradegame.model.game import GameStructure  # noqa: E402
from tradegame.scenario.load import parse_scenario  # noqa: E402


def label_seconds(rules: int, repeat: int = 3) -> float:
    """Best of ``repeat`` times to label a 16-profile game's profiles with ``rules`` rules."""
    sc = parse_scenario(simultaneous_scenario([[4], [4]]), "rules.yaml")
    rule = sc.outcomes[0][1]
    sc = dataclasses.replace(sc, outcomes=tuple((f"r{k}", rule) for k in range(rules)))
    game = GameStructure.from_scenario(sc)
    env = evaluation_environment(sc, game, {})
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        build_outcomes(sc, game, env, 1)
        best = min(best, time.perf_counter() - t0)
    return best


#: Runs the CLI, then writes the process's own peak (VmHWM) to standard error at exit,
#: whatever the exit code: ``getrusage(RUSAGE_CHILDREN)`` in the parent would report
#: the largest child so far, not this command's.
_WRAPPER = """
import atexit, runpy, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("@@VmHWM@@ " + line.split()[1] + "\\n")
atexit.register(_peak)
sys.argv = ["tradegame", *sys.argv[1:]]
runpy.run_module("tradegame", run_name="__main__")
"""


def command(args: list[str]) -> tuple[int, float, float]:
    """Exit code, seconds and peak RSS (MiB, the command's own VmHWM) of ``tradegame ARGS``."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    kb = [int(x.split()[1]) for x in proc.stderr.splitlines() if x.startswith("@@VmHWM@@")]
    return proc.returncode, seconds, kb[-1] / 1024 if kb else float("nan")


def main() -> None:
    small, large = label_seconds(5_000), label_seconds(20_000)
    print(
        f"outcome rules: 5,000 in {small:.3f} s, 20,000 in {large:.3f} s, ratio {large / small:.1f}"
    )
    files = {
        "22 binary stages": stage_scenario([2] * 22),
        "5 M profiles": simultaneous_scenario([[50], [50], [40], [50]]),
        "71-node tree": tree_scenario(10),
    }
    commands = {
        "solve": ["solve"],
        "tree --plot": ["tree", "--plot", "{dir}/t.png"],
        "export nfg": ["export", "--format", "nfg", "-o", "{dir}/g.nfg"],
        "export efg": ["export", "--format", "efg", "-o", "{dir}/g.efg"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            path = Path(tmp) / "scenario.yaml"
            path.write_text(text, encoding="utf-8")
            for label, args in commands.items():
                args = [a.format(dir=tmp) for a in args]
                code, seconds, peak = command([args[0], str(path), *args[1:]])
                print(f"{name:18} {label:12} exit {code}  {seconds:6.2f} s  peak {peak:5.0f} MiB")


if __name__ == "__main__":
    main()

"""Write the golden run documents: ``python tests/golden/make_golden.py [--scenarios N]``.

The golden corpus pins what a run reports, byte for byte, before the core is
rebuilt (a refactor must give the same bytes; see ``tests/test_golden_outputs.py``).
It holds every shipped scenario and, for each kind of game — simultaneous
(expressions or a matrix), stages and trees — scenarios made by the fuzz
generators of ``tests/hardening/strategies.py`` that run without error. Each
record keeps the scenario's text, so the corpus does not depend on the
generators staying the same.

Rewrite the corpus only when a change of results is intended, and say so in
the commit. When only shipped scenarios changed, ``--shipped-only`` reruns
them and keeps the generated records (a full rewrite draws new ones).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "hardening"))

from strategies import (  # noqa: E402
    dump_yaml,
    expression_scenarios,
    matrix_scenarios,
    stage_scenarios,
    tree_scenarios,
)

import tradegame as tg  # noqa: E402
from tradegame.errors import ScenarioError  # noqa: E402
from tradegame.model.build import NonFiniteError  # noqa: E402
from tradegame.scenario.library import shipped_scenarios  # noqa: E402

#: Draws and seed of every golden run.
SAMPLES = 2048
SEED = 11
CORPUS = HERE / "golden_runs.json.gz"


def normalised(document: str) -> str:
    """A run's JSON without what may change between versions: the version and environment."""
    doc = json.loads(document)
    doc.pop("tradegame_version", None)
    doc.pop("environment", None)
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


def golden_document(text: str, name: str) -> str:
    """The normalised JSON of a run of the scenario ``text``."""
    sc = tg.parse_scenario(text, name)
    return normalised(tg.simulate(sc, samples=SAMPLES, seed=SEED).to_json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=50, help="generated per kind")
    parser.add_argument(
        "--shipped-only",
        action="store_true",
        help="rerun the shipped scenarios only; keep the generated records as they are",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # hypothesis warns that .example() is for exploring
    records = []
    for s in shipped_scenarios():
        text = s.path.read_text(encoding="utf-8")
        records.append({"name": f"shipped/{s.name}", "kind": "shipped", "scenario": text})
    if args.shipped_only:
        # The generated scenarios are drawn afresh by each full rewrite: keep the stored ones.
        old = json.loads(gzip.decompress(CORPUS.read_bytes()).decode("utf-8"))["records"]
        for r in records:
            r["run"] = golden_document(r["scenario"], r["name"])
        records += [r for r in old if r["kind"] != "shipped"]
        _write(records)
        return
    kinds = {
        "simultaneous": lambda: expression_scenarios() | matrix_scenarios(),
        "stages": stage_scenarios,
        "tree": tree_scenarios,
    }
    for kind, strategy in kinds.items():
        made = 0
        while made < args.scenarios:
            text = dump_yaml(strategy().example())
            name = f"{kind}/{made:03d}"
            try:
                golden_document(text, name)
            except (ScenarioError, NonFiniteError):
                continue  # refused or not finite in some draw: not a golden run
            records.append({"name": name, "kind": kind, "scenario": text})
            made += 1
    for r in records:
        r["run"] = golden_document(r["scenario"], r["name"])
    _write(records)


def _write(records: list[dict[str, str]]) -> None:
    with gzip.open(CORPUS, "wt", encoding="utf-8") as f:
        json.dump({"samples": SAMPLES, "seed": SEED, "records": records}, f, indent=0)
    print(f"wrote {len(records)} golden runs to {CORPUS}")


if __name__ == "__main__":
    main()

"""Golden runs: what a run reports stays the same, byte for byte, through refactors.

``tests/golden/golden_runs.json.gz`` holds, for every shipped scenario and 50
generated scenarios of each kind (simultaneous, stages, tree), the scenario's
text and the JSON document of a seeded run (without the version and
environment fields); ``tests/golden/make_golden.py`` wrote it. Every run must
give the same bytes again. Rewrite the corpus only for an intended change of
results, and say so in the commit.
"""

from __future__ import annotations

import difflib
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))

from make_golden import CORPUS, SAMPLES, SEED, golden_document

_CORPUS = json.loads(gzip.decompress(CORPUS.read_bytes()).decode("utf-8"))
RECORDS = _CORPUS["records"]


def test_the_corpus_covers_every_kind() -> None:
    assert (_CORPUS["samples"], _CORPUS["seed"]) == (SAMPLES, SEED)
    kinds = Counter(r["kind"] for r in RECORDS)
    assert kinds["shipped"] >= 8
    assert all(kinds[k] >= 50 for k in ("simultaneous", "stages", "tree")), kinds
    assert all("stages:" in r["scenario"] for r in RECORDS if r["kind"] == "stages")
    assert all("\ntree:" in r["scenario"] for r in RECORDS if r["kind"] == "tree")


@pytest.mark.parametrize("record", RECORDS, ids=[r["name"] for r in RECORDS])
def test_a_run_gives_the_golden_bytes(record: dict[str, str]) -> None:
    got = golden_document(record["scenario"], record["name"])
    if got != record["run"]:
        diff = "".join(
            difflib.unified_diff(
                record["run"].splitlines(keepends=True),
                got.splitlines(keepends=True),
                "golden",
                "now",
                n=2,
            )
        )
        pytest.fail(f"{record['name']}: the run's JSON changed:\n{diff[:4000]}")

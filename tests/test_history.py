"""The history scenarios (``scenarios/history/``): one per 2025 round, each a forecast
written the day before, with what happened in ``observed:``.

Each file is checked for what makes it a fair backtest round: it loads, its observed
outcome is one of its own labels and resolves after ``as_of``, nothing it uses was
published after ``as_of`` (only ``observed.sources`` may be), every outcome has a
common category, and a run gives every outcome a finite probability with the observed
outcome reachable.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import tradegame as tg
from tradegame.scenario.library import shipped_scenarios
from tradegame.scenario.schema import OUTCOME_CATEGORIES, Source

HISTORY = sorted(s.name for s in shipped_scenarios() if s.name.startswith("history/"))

#: The six rounds of issue 12's table, one file each.
ROUNDS = {
    "history/geneva_2025_05",
    "history/london_2025_06",
    "history/stockholm_2025_07",
    "history/madrid_2025_09",
    "history/busan_2025_10",
    "history/tiktok_jv_2025",
}


def _cited_keys(text: str) -> set[str]:
    """Source keys cited in a text as ``[key]`` or ``[key, key2]`` or ``[key ...]``."""
    keys: set[str] = set()
    for group in re.findall(r"\[([^\]]+)\]", text):
        for part in group.split(","):
            word = part.strip().split(" ")[0]
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word):
                keys.add(word)
    return keys


def test_every_round_has_a_file_and_is_listed(cli) -> None:
    assert set(HISTORY) == ROUNDS
    listed = cli("list")
    assert listed.code == 0
    for name in ROUNDS:
        assert name in listed.stdout


@pytest.mark.parametrize("name", HISTORY)
def test_loads_and_validates_without_hindsight_warnings(name: str, cli) -> None:
    result = cli("validate", name)
    assert result.code == 0
    assert "warning" not in (result.stdout + result.stderr).lower()


@pytest.mark.parametrize("name", HISTORY)
def test_observed_is_a_label_resolved_after_as_of(name: str) -> None:
    spec = tg.load_scenario(name).spec
    sc = tg.load_scenario(name)
    assert spec.observed is not None and spec.as_of is not None
    assert spec.observed.outcome in sc.outcome_labels
    assert spec.as_of < spec.observed.resolved
    assert spec.sources is not None
    assert set(spec.observed.sources) <= set(spec.sources)
    # What happened is reported by a source published after the forecast was written.
    assert any(
        isinstance(spec.sources[k], Source) and spec.sources[k].latest > spec.as_of
        for k in spec.observed.sources
    )


@pytest.mark.parametrize("name", HISTORY)
def test_only_observed_sources_postdate_as_of(name: str) -> None:
    spec = tg.load_scenario(name).spec
    assert spec.sources is not None and spec.as_of is not None and spec.observed is not None
    late = {
        key
        for key, entry in spec.sources.items()
        if not isinstance(entry, Source) or entry.latest > spec.as_of
    }
    assert late <= set(spec.observed.sources), f"{name}: {sorted(late)} postdate as_of"
    # Nothing the model itself reads (a parameter's source) cites a late source.
    for pname, dist in spec.parameters.items():
        assert dist.source, f"{name}: parameter {pname} has no source"
        cited = _cited_keys(dist.source)
        unknown = cited - set(spec.sources)
        assert not unknown, f"{name}: {pname} cites unknown {sorted(unknown)}"
        assert not cited & late, f"{name}: {pname} cites {sorted(cited & late)}, after as_of"
        assert cited or "assumption" in dist.source, f"{name}: {pname} neither cited nor assumed"


@pytest.mark.parametrize("name", HISTORY)
def test_every_outcome_has_a_common_category(name: str) -> None:
    sc = tg.load_scenario(name)
    categories = sc.spec.categories
    assert categories is not None
    assert set(categories) == set(sc.outcome_labels)
    assert set(categories.values()) <= set(OUTCOME_CATEGORIES)


@pytest.mark.parametrize("name", HISTORY)
def test_a_run_gives_finite_probabilities_and_can_reach_what_happened(name: str) -> None:
    sc = tg.load_scenario(name)
    res = tg.simulate(sc, samples=4000, seed=7)
    probs = res.outcome_probabilities
    assert set(sc.outcome_labels) <= set(probs)
    assert all(math.isfinite(p) and 0.0 <= p <= 1.0 for p in probs.values())
    assert sum(probs.values()) == pytest.approx(1.0)
    observed = sc.spec.observed
    assert observed is not None
    # Reachable: some draw's equilibrium play ends in the observed outcome.
    assert probs[observed.outcome] > 0.0


def test_history_files_live_under_the_package() -> None:
    root = Path(tg.__file__).parent / "scenarios" / "history"
    assert {f"history/{p.stem}" for p in root.glob("*.yaml")} == ROUNDS


@pytest.mark.parametrize("name", HISTORY)
def test_no_round_has_a_dead_parameter(name: str) -> None:
    """Every uncertain parameter of a round moves some outcome beyond noise (tradegame
    sensitivity: a tornado bar or a global index above an inert dummy's); one that does
    not is fixed at its value or goes."""
    s = tg.sensitivity(tg.load_scenario(name), samples=8192, seed=1)
    assert s.dead == (), f"{name}: dead parameters {s.dead}"

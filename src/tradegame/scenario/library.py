"""Scenarios shipped with tradegame (installed as package data)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

__all__ = [
    "ShippedScenario",
    "resolve_scenario_path",
    "shipped_directory",
    "shipped_scenarios",
    "suggest_shipped",
]


@dataclass(frozen=True)
class ShippedScenario:
    """A scenario file that comes with the package."""

    name: str
    """Name to run it by, e.g. 'madrid_2025' or 'classroom/chicken'."""
    title: str
    path: Path


def _root() -> Path:
    return Path(str(resources.files("tradegame") / "scenarios"))


def shipped_scenarios() -> list[ShippedScenario]:
    """All shipped scenarios, sorted by name, with their titles."""
    root = _root()
    out = []
    for path in sorted(root.rglob("*.yaml")):
        name = path.relative_to(root).with_suffix("").as_posix()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            title = str(data.get("title", "")) if isinstance(data, dict) else ""
        except (OSError, yaml.YAMLError):
            title = "(unreadable)"
        out.append(ShippedScenario(name, title, path))
    return out


def resolve_scenario_path(spec: str | Path) -> tuple[Path, str]:
    """A file path, or a shipped scenario's name -> (path to read, name for messages).

    An existing file wins; otherwise ``spec`` is looked up among the shipped
    scenarios (with or without ``.yaml``). A name found nowhere is returned as
    given, so that reading it reports "no such file".
    """
    path = Path(spec)
    if path.exists():
        return path, str(spec)
    name = str(spec).removesuffix(".yaml").removesuffix(".yml")
    for prefix in ("", "scenarios/"):
        candidate = _root() / f"{name.removeprefix(prefix)}.yaml"
        if name.startswith(prefix) and candidate.is_file():
            return candidate, str(spec) if str(spec).endswith(".yaml") else f"{name}.yaml"
    return path, str(spec)


def shipped_directory(spec: str | Path) -> Path | None:
    """The shipped directory of scenarios ``spec`` names ('history', 'scenarios/history/'),
    or None; an existing directory of that name wins (see :func:`resolve_scenario_path`)."""
    if Path(spec).is_dir():
        return None
    name = str(spec).rstrip("/").removeprefix("scenarios/")
    candidate = _root() / name
    if name and ".." not in Path(name).parts and candidate.is_dir():
        return candidate
    return None


def suggest_shipped(spec: str) -> str | None:
    """The shipped scenario a mistyped name most likely meant, if any.

    A name that is the start of exactly one shipped name ('madrid') or its last
    part ('chicken' for 'classroom/chicken') is taken first; otherwise the
    closest name by :func:`difflib.get_close_matches`.
    """
    name = spec.removesuffix(".yaml").removesuffix(".yml").removeprefix("scenarios/")
    names = [s.name for s in shipped_scenarios()]
    starts = [n for n in names if n.startswith(name) or n.rsplit("/", 1)[-1].startswith(name)]
    if name and len(starts) == 1:
        return starts[0]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return close[0] if close else None

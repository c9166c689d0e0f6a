"""docs/scenario-format.md is in step with the schema: every field of every model that
``scenario.schema.ScenarioFile`` reaches, every distribution and every value of the
analysis options is documented there."""

from __future__ import annotations

import enum
import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from tradegame.scenario import schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"


def _models_and_enums(root: type[BaseModel]) -> tuple[list[type[BaseModel]], list[type[enum.Enum]]]:
    models: list[type[BaseModel]] = []
    enums: list[type[enum.Enum]] = []

    def visit(tp: object) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp not in models:
                models.append(tp)
                for info in tp.model_fields.values():
                    visit(info.annotation)
            return
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            if tp not in enums:
                enums.append(tp)
            return
        for arg in typing.get_args(tp):
            visit(arg)
        origin = typing.get_origin(tp)
        if origin is types.UnionType or origin is typing.Union:
            return

    visit(root)
    return models, enums


MODELS, ENUMS = _models_and_enums(schema.ScenarioFile)


def _documented_names(text: str) -> set[str]:
    names = set(re.findall(r"`([^`\n]+)`", text))
    names |= {n.strip() for code in names for n in re.split(r"[\s:,{}\[\]=]+", code)}
    names |= set(re.findall(r"^\s*-?\s*([A-Za-z_][A-Za-z0-9_]*):", text, flags=re.M))
    names |= set(re.findall(r"[{,]\s*([A-Za-z_][A-Za-z0-9_]*):", text))
    return names


def test_walk_reaches_the_schema() -> None:
    """The walk finds the models it must (a broken walk would check nothing)."""
    names = {m.__name__ for m in MODELS}
    assert {"ScenarioFile", "Player", "Analysis", "StageSpec", "TreeNode", "Variant"} <= names
    assert {"Normal", "LogNormal", "Beta", "Choice"} <= names
    assert {e.__name__ for e in ENUMS} >= {"Solution", "Selection"}


def test_every_field_of_every_model_is_documented() -> None:
    documented = _documented_names(DOC.read_text("utf-8"))
    missing = [
        f"{model.__name__}.{info.alias or name}"
        for model in MODELS
        for name, info in model.model_fields.items()
        if (info.alias or name) not in documented
    ]
    assert not missing, f"fields of the schema not in docs/scenario-format.md: {missing}"


def test_every_distribution_and_option_value_is_documented() -> None:
    documented = _documented_names(DOC.read_text("utf-8"))
    dists = [
        typing.get_args(m.model_fields["dist"].annotation)[0]
        for m in MODELS
        if "dist" in m.model_fields
    ]
    assert len(dists) >= 8
    values = [str(member.value) for e in ENUMS for member in e]
    missing = [v for v in dists + values if v not in documented]
    assert not missing, f"values of the schema not in docs/scenario-format.md: {missing}"


def test_the_check_can_fail() -> None:
    assert "no_such_field_anywhere" not in _documented_names(DOC.read_text("utf-8"))
    assert "median" in _documented_names("  x: {dist: lognormal, median: 4}\n")

"""Scenario files: YAML reading with locations, the schema, expressions, loading."""

from tradegame.scenario.load import Scenario, load_scenario, parse_scenario

__all__ = ["Scenario", "load_scenario", "parse_scenario"]

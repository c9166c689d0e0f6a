"""Shape errors of a scenario file: pydantic's validation errors as located, readable messages.

When the file fails the schema (:mod:`tradegame.scenario.schema`),
:func:`pydantic_issues` turns each error into a message at the file, line and
column of the part concerned (dropping the noise of union branches that do not
match the data), and :func:`raw_expression_issues` adds the expression errors
that do not depend on the names the file declares, so that ``validate`` shows
nearly every problem of a file at once.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from tradegame.errors import ScenarioIssue
from tradegame.scenario.expressions import ExpressionError, Namespace, compile_expression
from tradegame.scenario.issues import IssueLog
from tradegame.scenario.yaml_source import SourceMap, YamlDocument

__all__ = ["names_reliable", "pydantic_issues", "raw_expression_issues"]


def _real_path(loc: tuple[Any, ...], data: Any) -> tuple[list[str | int], bool, bool]:
    """Split a pydantic error location into the path through the data.

    Returns the parts that exist in the document, whether the error is about a
    mapping key, and whether the location went through a union branch that
    does not match the data's type (such errors are noise: another branch's
    error describes the problem).
    """
    path: list[str | int] = []
    node = data
    is_key = False
    wrong_branch = False
    for part in loc:
        if part == "[key]":
            is_key = True
            continue
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(part, str):
            if part.startswith("list[") and not isinstance(node, list):
                wrong_branch = True
            elif part.startswith("dict[") and not isinstance(node, dict):
                wrong_branch = True
            elif part == "MatrixPayoffs" and not (isinstance(node, dict) and "matrix" in node):
                wrong_branch = True
            elif part == "TablePayoffs" and not (isinstance(node, dict) and "table" in node):
                wrong_branch = True
            elif part == "TreeNode" and isinstance(node, str):
                wrong_branch = True  # a child given as an outcome's name
            elif part == "constrained-str" and isinstance(node, dict):
                wrong_branch = True  # a child given as a node
            elif (
                part.startswith("dict[")
                and isinstance(node, dict)
                and ("matrix" in node or "table" in node)
            ):
                wrong_branch = True
    return path, is_key, wrong_branch


@functools.cache
def _schema_keys() -> tuple[str, ...]:
    """Every key some part of the scenario format accepts (for "did you mean")."""
    from pydantic import BaseModel

    from tradegame.scenario import schema

    keys: set[str] = set()
    for obj in vars(schema).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            keys.update(obj.model_fields)
    return tuple(sorted(keys))


def _describe(error: Mapping[str, Any], path: list[str | int], is_key: bool) -> str:
    kind = error["type"]
    names = [p for p in path if isinstance(p, str)]
    field = names[-1] if names else "scenario"
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        others = [k for k in _schema_keys() if k != key]  # a key valid elsewhere is misplaced
        close = difflib.get_close_matches(key, others, n=1, cutoff=0.75)
        return f"unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else "")
    if kind == "missing" and tuple(error["loc"]) == ("tradegame",):
        return (
            "missing required key 'tradegame' (the format version): begin the file "
            "with 'tradegame: 1'"
        )
    if kind == "missing":
        return f"missing required key {str(error['loc'][-1])!r}"
    if kind in ("model_type", "string_type") and len(path) >= 2 and path[-2] == "then":
        return (
            f"{field}: a node of the tree (a mapping with 'move:' or 'outcome:') or the "
            "name of an outcome"
        )
    if kind == "union_tag_invalid":
        return (
            f"unknown distribution {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
        )
    if kind == "union_tag_not_found":
        return (
            "a parameter needs 'dist:' (normal, truncnormal, lognormal, uniform, "
            "triangular, beta, fixed or choice), or is a bare number"
        )
    if kind == "literal_error" and field == "tradegame":
        return "unsupported format version: this is tradegame format 1 ('tradegame: 1')"
    if kind == "string_pattern_mismatch":
        what = "name" if is_key else f"{field}"
        return (
            f"{what} {error.get('input')!r} is not a valid name: use letters, digits and "
            "underscores, not starting with a digit"
        )
    if kind in ("too_long", "too_short") and len(path) == 4 and path[:2] == ["payoffs", "matrix"]:
        cell = "a matrix cell is [row player's payoff, column player's payoff]"
        if kind == "too_short":
            return f"{cell}; this one has {ctx.get('actual_length')}"
        return f"{cell}; put an expression that contains a comma in quotes"
    if kind == "too_short":
        return f"{field}: needs at least {ctx.get('min_length')}, has {ctx.get('actual_length')}"
    value = error.get("input")
    if (
        kind == "string_type"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and path[:1] == ["players"]
        and isinstance(path[-1], int)
    ):
        # `strategies: [10, 20]`: option names are names, which start with a letter.
        return (
            f"{field}: {value} is a number, and option names are names (letters, digits "
            f"and underscores, starting with a letter), e.g. option_"
            f"{str(value).replace('.', '_').replace('-', 'minus_')}"
        )
    if kind == "list_type" and isinstance(error.get("input"), str) and "," in error["input"]:
        # `strategies: a, b` is one piece of text to YAML: a list needs brackets.
        return f"{field}: a list needs brackets: {field}: [{error['input']}]"
    if kind == "too_long":
        return f"{field}: at most {ctx.get('max_length')} allowed"
    msg = str(error["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{field}: {msg}"


def _yaml_boolean_issue(
    path: tuple[str | int, ...], source: SourceMap, data: Any
) -> tuple[tuple[str | int, ...], ScenarioIssue] | None:
    """A value YAML read as a boolean from ``yes``/``no``/``on``/``off`` where text was meant.

    YAML 1.1 (PyYAML) reads those words unquoted as true and false. Inside a
    list the message covers the list and shows it with every such word quoted.

    Returns
    -------
    (path said, issue), or None when ``path`` is not such a value.
    """
    word = source.booleans.get(path)
    if word is None:
        return None
    parent: Any = data
    for part in path[:-1]:
        parent = parent[part]
    if isinstance(parent, list):
        words = [source.booleans.get((*path[:-1], k)) for k in range(len(parent))]
        read = [w for w in words if w is not None]
        shown = ", ".join(
            '"' + w + '"' if w is not None else _flow_item(v)
            for w, v in zip(words, parent, strict=True)
        )
        field = next((p for p in reversed(path[:-1]) if isinstance(p, str)), "list")
        message = (
            f"{field}: YAML reads {', '.join(read)} without quotes as true/false "
            f"(booleans), not as text; put {'it' if len(read) == 1 else 'them'} in quotes: "
            f"[{shown}]"
        )
        return path[:-1], ScenarioIssue(source.locate(path[:-1]), message)
    field = next((p for p in reversed(path) if isinstance(p, str)), "value")
    value = "true" if word.lower() in ("yes", "on", "y") else "false"
    message = (
        f"{field}: YAML reads {word} without quotes as {value} (a boolean), not as text; "
        f'put it in quotes: "{word}"'
    )
    return path, ScenarioIssue(source.locate(path), message)


def _flow_item(value: Any) -> str:
    if isinstance(value, str):
        return value if value.replace("_", "").isalnum() else '"' + value + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def pydantic_issues(exc: ValidationError, source: SourceMap, data: Any) -> list[ScenarioIssue]:
    """Pydantic's errors for ``data`` as located, readable issues (one per place)."""
    issues: list[ScenarioIssue] = []
    seen: set[tuple[int, int]] = set()
    said_booleans: set[tuple[str | int, ...]] = set()
    errors = exc.errors(include_url=False)
    # A misspelt key is both unknown and missing: say it once, where it is misspelt.
    misspelt = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            message = _describe(error, [], True)
            if "; did you mean " in message:
                parent = _real_path(tuple(error["loc"][:-1]), data)[0]
                misspelt.add((tuple(parent), message.rsplit("'", 2)[-2]))
    for error in errors:
        path, is_key, wrong_branch = _real_path(tuple(error["loc"]), data)
        if wrong_branch:
            continue
        if error["type"] == "missing" and (tuple(path), str(error["loc"][-1])) in misspelt:
            continue
        if isinstance(error.get("input"), bool) and tuple(path) in source.booleans:
            # yes/no/on/off written for text: one message for the whole list.
            boolean = _yaml_boolean_issue(tuple(path), source, data)
            if boolean is not None and boolean[0] not in said_booleans:
                said_booleans.add(boolean[0])
                issues.append(boolean[1])
                loc = boolean[1].location
                seen.add((loc.line, loc.column))
            if boolean is not None:
                continue
        key = is_key or error["type"] == "extra_forbidden"
        if error["type"] == "extra_forbidden":
            path = [*path, error["loc"][-1]]
        location = source.locate(tuple(path), key=key)
        # One message per place: union branches can fail the same value twice.
        if (location.line, location.column) in seen:
            continue
        seen.add((location.line, location.column))
        issues.append(ScenarioIssue(location, _describe(error, path, is_key)))
    if not issues:  # every error was in a non-matching branch: report the first plainly
        error = exc.errors(include_url=False)[0]
        path, is_key, _ = _real_path(tuple(error["loc"]), data)
        issues.append(ScenarioIssue(source.locate(tuple(path)), _describe(error, path, is_key)))
    return issues


# Messages about names: after a schema error where names are declared (players, their
# levers and options, chance) the names known are a guess, so these could be wrong and
# are left to the run of `validate` after the file is fixed.
_NAME_MESSAGES = ("unknown name", "not an option of", "did you mean", "option names", "'in' tests")

#: Sections whose schema errors make the declared names a guess.
_NAME_SECTIONS = ("players", "chance")


def names_reliable(exc: ValidationError, data: Any) -> bool:
    """Whether the names a file declares can be read despite its schema errors.

    Names are the keys of ``parameters`` and ``terms``, the players' levers and
    their options, and chance levers' options. An error elsewhere (a misspelt
    ``title``, a parameter without ``sd``) leaves them as written, so an unknown
    name in an expression can be reported in the same round.
    """
    for error in exc.errors(include_url=False):
        path, is_key, wrong_branch = _real_path(tuple(error["loc"]), data)
        if wrong_branch:
            continue
        if path and path[0] in _NAME_SECTIONS:
            return False
        if is_key and path and path[0] in ("parameters", "terms"):
            return False
    return True


def raw_expression_issues(doc: YamlDocument, names: bool | None = None) -> list[ScenarioIssue]:
    """Expression errors of a file whose shape is invalid, as far as they can be known.

    When the schema check fails, the names a scenario declares are not validated.
    What does not depend on them is always reported: syntax, constructs outside
    the whitelist, unknown functions, constant overflow; unknown names and lever
    options too when ``names`` (default: when :func:`names_reliable` says so of the
    file's schema errors). Together with the schema errors, ``validate`` then
    shows nearly every problem of a file at once.
    """
    try:
        if names is None:
            from tradegame.scenario.schema import ScenarioFile

            try:
                ScenarioFile.model_validate(doc.data)
                names = True
            except ValidationError as exc:
                names = names_reliable(exc, doc.data)
        return _raw_expression_issues_unchecked(doc, names)
    except Exception:  # the data is malformed in some other way: the schema errors stand
        return []


def _raw_expression_issues_unchecked(doc: YamlDocument, with_names: bool) -> list[ScenarioIssue]:
    data = doc.data
    if not isinstance(data, dict):
        return []

    def names_of(section: Any) -> set[str]:
        return {k for k in section if isinstance(k, str)} if isinstance(section, dict) else set()

    numbers = names_of(data.get("parameters")) | names_of(data.get("terms"))
    levers: dict[str, tuple[str, ...]] = {}
    players = data.get("players")
    for pname, player in players.items() if isinstance(players, dict) else ():
        if not isinstance(player, dict):
            continue
        raw = {pname: player["strategies"]} if "strategies" in player else player.get("levers")
        for lname, options in raw.items() if isinstance(raw, dict) else ():
            if isinstance(options, list):
                levers[str(lname)] = tuple(str(o) for o in options)
            elif isinstance(options, dict):
                levers[str(lname)] = tuple(str(o) for o in options)
                for fields in options.values():
                    numbers |= {f"{lname}_{f}" for f in names_of(fields)}
    for cname, chance in (data.get("chance") or {}).items():
        if isinstance(chance, dict) and isinstance(chance.get("options"), dict):
            levers[str(cname)] = tuple(str(o) for o in chance["options"])
    ns = Namespace(frozenset(numbers - set(levers)), levers)
    places: list[tuple[tuple[str | int, ...], Any]] = []
    for section in ("payoffs", "terms", "outcomes"):
        for key, text in (data.get(section) or {}).items():
            if isinstance(text, str) and key != "otherwise":
                places.append(((section, key), text))
    matrix = (data.get("payoffs") or {}).get("matrix")
    for r, row in enumerate(matrix if isinstance(matrix, list) else ()):
        for c, cell in enumerate(row if isinstance(row, list) else ()):
            for i, text in enumerate(cell if isinstance(cell, list) else ()):
                if isinstance(text, str):
                    places.append((("payoffs", "matrix", r, c, i), text))
    # Matrix cells and the terms they read are numbers per draw: they cannot read levers.
    numbers_only = Namespace(ns.numbers, {})
    ck = IssueLog(doc)
    for path, text in places:
        try:
            compile_expression(text, numbers_only if "matrix" in path else ns)
        except ExpressionError as exc:
            if with_names or not any(m in exc.message for m in _NAME_MESSAGES):
                ck.add_expression_error(path, exc)
    return ck.issues

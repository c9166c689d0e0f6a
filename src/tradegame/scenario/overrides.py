"""What-if overrides of a scenario: ``--set``, ``--fix`` and named variants.

An :class:`Overrides` record says what to change in a scenario file without
rewriting it:

* ``set``: a dotted path to a scalar of the document and its new value
  (``parameters.china_resolve.median = 24``); list items are numbered from 0
  (``stages.1.label``). The path must exist, except a new key in a mapping
  that exists (and ``analysis.<key>`` in a file without ``analysis:``), which
  the schema then accepts or refuses like a key written in the file.
* ``fix``: a lever (a player's or a chance lever) restricted to some of its
  options. The removed options leave the game: the lever's list, rows and
  columns of a payoff matrix or table, stages' ``delay:`` and ``ends:``
  entries and the branches of tree nodes that move the lever. Expressions
  may still name them: a comparison with a removed option is simply false
  (``==``) or true (``!=``). A chance lever keeps its options (the tree and
  stages stay as written): the removed ones get probability 0 and the kept
  ones their probabilities divided by the sum of the kept ones (renormalised),
  draw by draw.
* ``variant``: a named set of both, from the file's ``variants:`` block,
  applied first; ``set`` and ``fix`` given besides apply after it (a later
  value of the same path wins; a second fix of a lever restricts it further).

:func:`apply_overrides` applies a record to the parsed YAML data of a file
whose scenario loaded, so that the normal loader checks the result (schema and
meaning). The source map records that an overridden path is located at the
override, so every located message of the loader points at the override
(``--set analysis.seed: ...``, or the variant's entry in the file) with no
change of its own; :func:`explain` adds the overrides to a message about
another part of the file, which the override broke.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tradegame._text import printable
from tradegame.errors import Location, ScenarioError, ScenarioIssue
from tradegame.scenario.issues import suggest_name
from tradegame.scenario.yaml_source import SourceMap, YamlDocument, parse_yaml

if TYPE_CHECKING:
    from tradegame.scenario.load import Scenario

__all__ = [
    "Overrides",
    "apply_overrides",
    "explain",
    "parse_fix_option",
    "parse_set_option",
]

Path_ = tuple[str | int, ...]
Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Overrides:
    """What was changed in a scenario: a variant, then values set, then levers fixed.

    Attributes
    ----------
    variant : str or None
        A name of the file's ``variants:`` block, applied first.
    sets : tuple of (str, scalar)
        Dotted path -> value, in the order given.
    fixes : tuple of (str, tuple of str)
        Lever -> the options kept, in the order given.
    """

    variant: str | None = None
    sets: tuple[tuple[str, Scalar], ...] = ()
    fixes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __bool__(self) -> bool:
        return self.variant is not None or bool(self.sets) or bool(self.fixes)

    def then(self, other: Overrides) -> Overrides:
        """These overrides followed by ``other`` (its variant, if any, replaces this one's)."""
        return Overrides(
            other.variant if other.variant is not None else self.variant,
            self.sets + other.sets,
            self.fixes + other.fixes,
        )

    def to_dict(self) -> dict[str, Any]:
        """The record of a run's provenance: only the parts given."""
        out: dict[str, Any] = {}
        if self.variant is not None:
            out["variant"] = self.variant
        if self.sets:
            out["set"] = {path: value for path, value in self.sets}
        if self.fixes:
            out["fix"] = {lever: list(options) for lever, options in self.fixes}
        return out

    def describe(self) -> str:
        """The overrides as a command line would give them (for messages)."""
        parts = [f"--variant {self.variant}"] if self.variant is not None else []
        parts += [f"--set {p}={_show(v)}" for p, v in self.sets]
        parts += [f"--fix {lv}={','.join(o)}" for lv, o in self.fixes]
        return " ".join(parts)

    @classmethod
    def make(
        cls,
        sets: Mapping[str, Any] | None = None,
        fix: Mapping[str, Sequence[str] | str] | None = None,
        variant: str | None = None,
    ) -> Overrides:
        """Overrides from Python mappings (``Scenario.with_overrides``)."""
        fixes = []
        for lever, options in (fix or {}).items():
            kept = (options,) if isinstance(options, str) else tuple(options)
            fixes.append((str(lever), tuple(str(o) for o in kept)))
        # A date is kept as its ISO text, as the schema reads it (and JSON can record it).
        given = [
            (str(p), v.isoformat() if isinstance(v, dt.date) else v)
            for p, v in (sets or {}).items()
        ]
        return cls(variant, tuple(given), tuple(fixes))


def _show(value: Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _here(label: str) -> Location:
    """A place outside the file: the command-line option that set something."""
    return Location(printable(label), 0, 0)


def _fail(where: Location, message: str) -> ScenarioError:
    return ScenarioError(ScenarioIssue(where, message))


def parse_set_option(text: str) -> tuple[str, Scalar]:
    """``PATH=VALUE`` of ``--set``, VALUE read as a YAML scalar (``24``, ``true``, ``qre``).

    Raises
    ------
    ScenarioError
        At ``--set PATH`` when the text has no ``=``, or VALUE is not one scalar.
    """
    path, eq, raw = text.partition("=")
    path = path.strip()
    if not eq or not path:
        raise _fail(_here(f"--set {text}"), "expected PATH=VALUE, e.g. analysis.seed=7")
    where = _here(f"--set {path}")
    if not raw.strip():
        return path, None
    try:
        value = parse_yaml(raw, f"--set {path}").data
    except ScenarioError as exc:
        message = exc.issues[0].message
        raise _fail(where, f"VALUE {raw!r} is not a YAML scalar ({message})") from None
    if isinstance(value, dict | list):
        raise _fail(
            where,
            f"VALUE {raw!r} is a {'mapping' if isinstance(value, dict) else 'list'}; "
            "--set takes one scalar (a number, a name, true or false)",
        )
    if not isinstance(value, Scalar):  # a date: its text, as the schema reads dates
        value = raw.strip()
    return path, value


def parse_fix_option(text: str) -> tuple[str, tuple[str, ...]]:
    """``LEVER=OPTION[,OPTION]`` of ``--fix``."""
    lever, eq, raw = text.partition("=")
    lever = lever.strip()
    options = tuple(o.strip() for o in raw.split(",") if o.strip())
    if not eq or not lever or not options:
        raise _fail(
            _here(f"--fix {text}"), "expected LEVER=OPTION[,OPTION], e.g. chip_controls=license"
        )
    return lever, options


# --- applying --------------------------------------------------------------------------


def _split(path: str) -> list[str]:
    return path.split(".")


def _set(doc: YamlDocument, path: str, value: Scalar, where: Location) -> None:
    """Set one scalar of ``doc.data``; ``where`` locates it in the source map."""
    if not isinstance(value, Scalar) or (isinstance(value, float) and not math.isfinite(value)):
        shown = repr(value) if isinstance(value, float) else type(value).__name__
        raise _fail(
            where, f"the value must be a finite number, a text, true, false or null, not {shown}"
        )
    parts = _split(path)
    if any(not p for p in parts):
        raise _fail(where, "empty part in the path (write keys separated by single dots)")
    node: Any = doc.data
    real: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key: str | int = part
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise _fail(
                    where,
                    f"{'.'.join(parts[:i]) or 'the document'} is a list of {len(node)}; "
                    f"{part!r} is not an index from 0 to {len(node) - 1}",
                )
            key = int(part)
        elif isinstance(node, dict):
            if part not in node and part.isdigit() and int(part) in node:
                key = int(part)
            if key not in node and not last:
                if real == [] and part == "analysis":  # defaults apply without 'analysis:'
                    node["analysis"] = {}
                    doc.source.overridden[("analysis",)] = where
                else:
                    names = [str(k) for k in node]
                    raise _fail(
                        where,
                        f"no such path: {'.'.join(parts[:i]) or 'the document'} has no key "
                        f"{part!r}{suggest_name(part, names)}",
                    )
        else:
            raise _fail(
                where,
                f"no such path: {'.'.join(parts[:i])} is a value, not a mapping or a list",
            )
        if last:
            target = node[key] if (isinstance(node, list) or key in node) else None  # type: ignore[index]
            if isinstance(target, dict | list):
                what = "mapping" if isinstance(target, dict) else "list"
                inside = ", ".join(str(k) for k in target) if isinstance(target, dict) else ""
                raise _fail(
                    where,
                    f"{path} is a {what}, not a scalar; set one of its "
                    + (f"keys ({inside})" if what == "mapping" else "items (PATH.0, PATH.1, ...)"),
                )
            node[key] = value
            doc.source.overridden[(*real, key)] = where
        else:
            node = node[key]
            real.append(key)


def _lever_table(base: Scenario) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Lever -> (its player, or '' for chance; its options)."""
    table = {lv.name: (p.name, lv.options) for p in base.players for lv in p.levers}
    table.update({lv.name: ("", lv.options) for lv in base.chance})
    return table


def _reindex(source: SourceMap, prefix: Path_, keep: list[int]) -> None:
    """Move the source map's entries under ``prefix + (old,)`` to ``prefix + (new,)``."""
    new_of = {old: new for new, old in enumerate(keep)}
    n = len(prefix)
    tables: tuple[dict[Path_, Any], ...] = (source.values, source.keys, source.overridden)
    for table in tables:
        moved = {}
        for path in list(table):
            old = path[n] if len(path) > n and path[:n] == prefix else None
            if isinstance(old, int):
                loc = table.pop(path)
                if old in new_of:
                    moved[(*prefix, new_of[old], *path[n + 1 :])] = loc
        table.update(moved)


def _renormalised(values: list[Any], keep: list[bool]) -> list[Any] | None:
    """Chance probabilities: 0 for the options removed, the kept ones divided by their sum.

    Numbers stay numbers (checked when the scenario loads); expressions become
    ``(p) / ((p1) + (p2))``, evaluated draw by draw. ``None`` when the kept
    options' numbers sum to 0.
    """
    probs = [v["probability"] if isinstance(v, dict) else v for v in values]
    kept = [p for p, k in zip(probs, keep, strict=True) if k]
    new: list[Any]
    if len(kept) == 1:
        new = [1 if k else 0 for k in keep]
    elif all(isinstance(p, int | float) and not isinstance(p, bool) for p in kept):
        total = math.fsum(kept)
        if not total > 0:
            return None
        new = [p / total if k else 0 for p, k in zip(probs, keep, strict=True)]
    else:
        total_text = " + ".join(f"({p})" for p in kept)
        new = [f"({p}) / ({total_text})" if k else 0 for p, k in zip(probs, keep, strict=True)]
    pairs = zip(values, new, strict=True)
    return [{**v, "probability": p} if isinstance(v, dict) else p for v, p in pairs]


def _fix(
    doc: YamlDocument,
    base: Scenario,
    lever: str,
    kept: tuple[str, ...],
    where: Location,
    zeroed: dict[str, set[str]],
) -> None:
    """Restrict ``lever`` to ``kept`` in ``doc.data``.

    A player's lever loses the other options (see the module's docstring); a
    chance lever keeps them all, at probability 0 (``zeroed`` records them), so
    the game tree and the stages stay as written.
    """
    levers = _lever_table(base)
    if lever not in levers:
        raise _fail(
            where,
            f"no lever {lever!r}{suggest_name(lever, list(levers))} (levers: {', '.join(levers)})",
        )
    player, options = levers[lever]
    current = set(doc.removed.get(lever, ())) | zeroed.get(lever, set())
    if not kept:
        raise _fail(where, f"the fix leaves lever {lever!r} no option")
    for o in kept:
        if o not in options:
            raise _fail(
                where,
                f"{o!r} is not an option of lever {lever!r}{suggest_name(o, list(options))} "
                f"(options: {', '.join(options)})",
            )
        if o in current:
            raise _fail(
                where,
                f"option {o!r} of lever {lever!r} was removed by an earlier fix "
                "(of the variant, or another --fix)",
            )
    data = doc.data
    if not player:
        chance = data["chance"][lever]["options"]
        new = _renormalised([chance[o] for o in options], [o in kept for o in options])
        if new is None:
            raise _fail(where, f"the options kept of chance lever {lever!r} have probability 0")
        data["chance"][lever]["options"] = dict(zip(options, new, strict=True))
        zeroed.setdefault(lever, set()).update(o for o in options if o not in kept)
        return
    removed = tuple(o for o in options if o not in kept and o not in current)
    doc.removed[lever] = tuple(o for o in options if o in current or o in removed)
    if not removed:
        return
    gone = set(removed)
    pdata = data["players"][player]
    if "strategies" in pdata:
        idx = [k for k, o in enumerate(pdata["strategies"]) if o not in gone]
        pdata["strategies"] = [pdata["strategies"][k] for k in idx]
        _reindex(doc.source, ("players", player, "strategies"), idx)
    else:
        opts = pdata["levers"][lever]
        if isinstance(opts, list):
            idx = [k for k, o in enumerate(opts) if o not in gone]
            pdata["levers"][lever] = [opts[k] for k in idx]
            _reindex(doc.source, ("players", player, "levers", lever), idx)
        else:
            pdata["levers"][lever] = {o: v for o, v in opts.items() if o not in gone}
    _fix_payoffs(doc, base, lever, gone)
    _fix_stages(doc, base, lever, gone)
    tree = data.get("tree")
    if isinstance(tree, dict) and isinstance(tree.get("root"), dict):
        _fix_tree(tree["root"], lever, gone)


def _fix_payoffs(doc: YamlDocument, base: Scenario, lever: str, gone: set[str]) -> None:
    payoffs = doc.data.get("payoffs")
    if isinstance(payoffs, dict) and "matrix" in payoffs:
        # The matrix is two players of one lever each: rows the first, columns the second.
        matrix = payoffs["matrix"]
        first, second = base.players[0].levers[0], base.players[1].levers[0]
        if lever == first.name:
            idx = [k for k, o in enumerate(first.options) if o not in gone]
            payoffs["matrix"] = [matrix[k] for k in idx]
            _reindex(doc.source, ("payoffs", "matrix"), idx)
        elif lever == second.name:
            idx = [k for k, o in enumerate(second.options) if o not in gone]
            for r, row in enumerate(matrix):
                matrix[r] = [row[k] for k in idx]
                _reindex(doc.source, ("payoffs", "matrix", r), idx)
    elif isinstance(payoffs, dict) and "table" in payoffs:
        table = payoffs["table"]
        j = table["levers"].index(lever)
        idx = [r for r, row in enumerate(table["rows"]) if str(row[j]) not in gone]
        table["rows"] = [table["rows"][r] for r in idx]
        _reindex(doc.source, ("payoffs", "table", "rows"), idx)


def _fix_stages(doc: YamlDocument, base: Scenario, lever: str, gone: set[str]) -> None:
    stages = doc.data.get("stages")
    if not isinstance(stages, list) or base.stages is None:
        return
    options = {lv.name: lv.options for p in base.players for lv in p.levers}
    options.update({lv.name: lv.options for lv in base.chance})
    for stage, plan in zip(stages, base.stages, strict=True):
        if lever not in plan.levers:
            continue
        # An option name another lever of the stage still has keeps its entries.
        still = {o for name in plan.levers if name != lever for o in options[name]}
        drop = gone - still
        if isinstance(stage.get("delay"), dict):
            stage["delay"] = {o: v for o, v in stage["delay"].items() if o not in drop}
            if not stage["delay"]:
                del stage["delay"]
        if isinstance(stage.get("ends"), list):
            stage["ends"] = [o for o in stage["ends"] if o not in drop]
            if not stage["ends"]:
                del stage["ends"]


def _fix_tree(node: dict[str, Any], lever: str, gone: set[str]) -> None:
    then = node.get("then")
    if not isinstance(then, dict):
        return
    if node.get("move") == lever:
        node["then"] = then = {o: child for o, child in then.items() if o not in gone}
    for child in then.values():
        if isinstance(child, dict):
            _fix_tree(child, lever, gone)


def apply_overrides(doc: YamlDocument, base: Scenario, overrides: Overrides) -> YamlDocument:
    """A copy of ``doc`` with the overrides applied, for the loader to check.

    Parameters
    ----------
    doc : YamlDocument
        The parsed file (left unchanged).
    base : Scenario
        The file's scenario, loaded without overrides (its levers and variants).
    overrides : Overrides

    Raises
    ------
    ScenarioError
        An override that cannot be applied at all: an unknown variant, a path
        that does not exist or is not a scalar, an unknown lever or option, a
        fix that leaves a lever empty. Located at the override.
    """
    out = YamlDocument(
        copy.deepcopy(doc.data),
        SourceMap(
            doc.source.file,
            dict(doc.source.values),
            dict(doc.source.keys),
            dict(doc.source.overridden),
        ),
        doc.text,
        dict(doc.removed),
    )
    zeroed: dict[str, set[str]] = {}
    if overrides.variant is not None:
        variants = base.spec.variants
        name = overrides.variant
        if name not in variants:
            listed = ", ".join(variants) if variants else "none"
            raise _fail(
                _here(f"--variant {name}"),
                f"{base.source} has no variant {name!r}{suggest_name(name, list(variants))} "
                f"(variants: {listed})",
            )
        variant = variants[name]
        for path, value in variant.set_.items():
            _set(out, path, value, doc.source.locate(("variants", name, "set", path)))
        for lever, kept in variant.fix.items():
            chosen = (kept,) if isinstance(kept, str) else tuple(kept)
            at = doc.source.locate(("variants", name, "fix", lever))
            _fix(out, base, lever, chosen, at, zeroed)
    for path, value in overrides.sets:
        _set(out, path, value, _here(f"--set {path}"))
    for lever, options in overrides.fixes:
        _fix(out, base, lever, options, _here(f"--fix {lever}={','.join(options)}"), zeroed)
    return out


def explain(exc: ScenarioError, doc: YamlDocument, overrides: Overrides) -> ScenarioError:
    """The loader's errors on an overridden document, each naming what caused it.

    A message located at an override already names it; one about another part
    of the file (which the override made wrong) gets the overrides appended.
    """
    at_override = set(doc.source.overridden.values())
    issues = []
    for issue in exc.issues:
        if issue.location in at_override or issue.location.line == 0:
            issues.append(issue)
        else:
            message = f"{issue.message} (with {overrides.describe()})"
            issues.append(ScenarioIssue(issue.location, message))
    return ScenarioError(issues)

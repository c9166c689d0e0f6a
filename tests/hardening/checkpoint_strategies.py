"""Hypothesis generators of damaged and foreign checkpoint files.

A checkpoint (``tradegame run --checkpoint FILE``) is a JSON document::

    {"tradegame_checkpoint": 3,
     "run": {...the run's identity: scenario sha256, seed, samples, options, versions...},
     "blocks": {"0": {"sums": ["0x1.8p+1", ...], "squares": [...],
                      "equilibria": {"1": 2048}}, ...},
     "digest": sha256 hex of the canonical JSON of format, run and blocks}

The generators start from real checkpoints (written by a real run, passed in
as parsed documents) and damage them in every way the hardening issue lists:
any field changed, keys removed or added, truncation, files of another run
(seed, samples, scenario, options, version) whole or spliced into this one,
block indexes out of range or duplicated, non-finite, non-canonical and
overflowing hex floats, wrong types, deep nesting, huge files, bytes that
are not JSON or not UTF-8, empty files, and non-files (a directory, a FIFO,
a link to a device). Some damage comes with the digest recomputed
(:func:`digest`, written here from the format's description, independently
of tradegame's code), so that the structural checks are tested on their own:
a digest is no proof against someone who recomputes it, but nonsense must
still be refused.

Every generated case is something a run must refuse: none is an intact
checkpoint of the run the tests resume.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

#: Kinds of case :func:`damaged_checkpoints` generates (see each generator).
KINDS = (
    "changed",
    "key",
    "truncated",
    "foreign",
    "spliced",
    "structure",
    "version",
    "nested",
    "huge",
    "not_json",
    "not_utf8",
    "empty",
    "not_a_file",
)


@dataclass(frozen=True)
class CheckpointCase:
    """One damaged checkpoint: file content, or a non-file (``special``)."""

    kind: str
    what: str
    content: bytes = b""
    #: ``"directory"``, ``"fifo"`` or ``"device"`` (a symbolic link to /dev/null); else a file.
    special: str | None = None


@dataclass(frozen=True)
class Checkpoints:
    """Real checkpoints the generators start from (parsed JSON documents).

    ``base`` is a partial checkpoint of the run the tests resume; ``foreign``
    maps a description ("seed 4", "another scenario", ...) to a partial
    checkpoint of another run whose blocks overlap ``base``'s indexes.
    """

    base: dict[str, Any]
    foreign: dict[str, dict[str, Any]]


def digest(run: Any, blocks: Any) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces, ASCII) of format, run, blocks."""
    canonical = json.dumps(
        {"tradegame_checkpoint": 3, "run": run, "blocks": blocks},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def redigest(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with its digest recomputed over its (possibly damaged) content."""
    doc = dict(doc)
    doc["digest"] = digest(doc.get("run"), doc.get("blocks"))
    return doc


def dump(doc: Any) -> bytes:
    """A document as tradegame writes it (NaN and infinities as JSON's extension literals)."""
    return (json.dumps(doc) + "\n").encode("utf-8")


def canonical(doc: Any) -> str:
    """JSON that tells ``1``, ``1.0`` and ``true`` apart, for 'is this really changed'."""
    return json.dumps(doc, sort_keys=True)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every value under ``node`` (not the root itself)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict | list):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def _set(node: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(node, path[:-1])[path[-1]] = value


def _hex_variants(text: str) -> list[str]:
    """Other numbers (and other spellings) near a hex float: what an edit would write."""
    try:
        x = float.fromhex(text)
    except (ValueError, OverflowError):
        return ["0x1.0p+0"]
    return [
        (x * 1.5).hex(),
        (x + 1.0).hex(),
        (-x - 1.0).hex(),
        (x * 0.5).hex(),
    ]


_ANY_JSON = st.one_of(
    st.integers(-(10**6), 10**6),
    st.sampled_from([-5000, -1, 0, 10**30, 2**63]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(0, 3), max_size=2),
)


@st.composite
def changed_fields(draw: st.DrawFn, base: dict[str, Any]) -> CheckpointCase:
    """One value anywhere (header, block sums and counts, digest) changed; digest kept."""
    doc = copy.deepcopy(base)
    path = draw(st.sampled_from(_paths(doc)))
    old = _get(doc, path)
    choices = [_ANY_JSON]
    if isinstance(old, str):
        choices.append(st.sampled_from(_hex_variants(old)))
    if isinstance(old, int) and not isinstance(old, bool):
        choices.append(st.sampled_from([old + 1, old - 1, -5000, -old]))
    new = draw(st.one_of(choices))
    _set(doc, path, new)
    if canonical(doc) == canonical(base):
        new = "changed"
        _set(doc, path, new)
    return CheckpointCase("changed", f"{path} = {new!r}", dump(doc))


@st.composite
def key_mutants(draw: st.DrawFn, base: dict[str, Any]) -> CheckpointCase:
    """A key removed from, or an unknown key added to, some object; digest kept or redone."""
    doc = copy.deepcopy(base)
    objects = [()] + [p for p in _paths(doc) if isinstance(_get(doc, p), dict)]
    path = draw(st.sampled_from(objects))
    target = _get(doc, path)
    if target and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(target)))
        del target[key]
        what = f"{path}: {key!r} removed"
    else:
        key = draw(st.sampled_from(["extra", "x", "sums2", "7", "-1"]))
        if key in target:
            key = key + "_new"
        target[key] = draw(_ANY_JSON)
        what = f"{path}: {key!r} added"
    # A digest recomputed after removing a block (or the digest) would make a
    # valid checkpoint again: those keep the stale digest, or lose it.
    valid_again = path == ("blocks",) or (path == () and key == "digest")
    if not valid_again and draw(st.booleans()):
        doc = redigest(doc)
        what += ", digest recomputed"
    return CheckpointCase("key", what, dump(doc))


@st.composite
def truncated(draw: st.DrawFn, base: dict[str, Any]) -> CheckpointCase:
    """The file cut short (an interrupted copy), anywhere before its closing brace."""
    data = dump(base).rstrip()
    cut = draw(st.integers(1, len(data) - 1))
    return CheckpointCase("truncated", f"first {cut} of {len(data)} bytes", data[:cut])


@st.composite
def foreign_checkpoints(draw: st.DrawFn, cps: Checkpoints) -> CheckpointCase:
    """A whole, intact checkpoint of another run (seed, samples, scenario, options, version)."""
    name = draw(st.sampled_from(sorted(cps.foreign)))
    return CheckpointCase("foreign", name, dump(cps.foreign[name]))


@st.composite
def spliced_checkpoints(draw: st.DrawFn, cps: Checkpoints) -> CheckpointCase:
    """Another run's blocks (some or all) under this run's header, with either digest."""
    name = draw(st.sampled_from(sorted(cps.foreign)))
    other = cps.foreign[name]
    doc = copy.deepcopy(cps.base)
    common = sorted(set(doc["blocks"]) & set(other["blocks"]))
    swapped = draw(st.lists(st.sampled_from(common), min_size=1, unique=True))
    for b in swapped:
        doc["blocks"][b] = copy.deepcopy(other["blocks"][b])
    doc["digest"] = draw(st.sampled_from([cps.base["digest"], other["digest"]]))
    if canonical(doc["blocks"]) == canonical(cps.base["blocks"]):
        doc["digest"] = other["digest"]  # identical blocks: only the other run's digest differs
    return CheckpointCase("spliced", f"blocks {swapped} of {name}", dump(doc))


def _block_keys(doc: dict[str, Any]) -> list[str]:
    return sorted(doc["blocks"], key=int)


def _outcomes(doc: dict[str, Any]) -> int:
    return int(doc["run"]["outcomes"])


def _n_blocks(doc: dict[str, Any]) -> int:
    run = doc["run"]
    return -(-int(run["samples"]) // int(run["block"]))


@st.composite
def structural_damage(draw: st.DrawFn, base: dict[str, Any]) -> CheckpointCase:
    """Nonsense with a *recomputed* digest: refused by the structure checks alone.

    Block indexes out of range or not canonical, sums of the wrong length,
    non-finite, overflowing or non-canonical hex, masses outside [0, block
    size], equilibrium counts negative, zero or not adding up, wrong types.
    """
    doc = copy.deepcopy(base)
    blocks = doc["blocks"]
    b = draw(st.sampled_from(_block_keys(doc)))
    entry = blocks[b]
    sums = entry["sums"]
    j = draw(st.integers(0, len(sums) - 1))
    K = _outcomes(doc)
    size = int(doc["run"]["block"])  # base's blocks are whole ones
    kind = draw(
        st.sampled_from(
            [
                "index_out_of_range",
                "index_not_canonical",
                "sums_length",
                "non_finite",
                "hex_overflow",
                "hex_not_canonical",
                "mass_out_of_range",
                "no_equilibrium_fraction",
                "count_negative",
                "count_zero_or_wrong_type",
                "counts_do_not_add_up",
                "wrong_type",
            ]
        )
    )
    if kind == "index_out_of_range":
        new = str(draw(st.sampled_from([_n_blocks(doc), _n_blocks(doc) + 1, 10**6, 10**12])))
        blocks[new] = blocks.pop(b)
        what = f"block {b} renamed {new}"
    elif kind == "index_not_canonical":
        new = draw(st.sampled_from(["-1", f"0{b}", f"{b}.0", f" {b}", f"{b} ", "x", "", "١"]))
        blocks[new] = blocks.pop(b)
        what = f"block {b} renamed {new!r}"
    elif kind == "sums_length":
        if draw(st.booleans()) or len(sums) < 2:
            sums.append(draw(st.sampled_from(sums)))
        else:
            del sums[draw(st.integers(0, len(sums) - 1))]
        what = f"block {b} has {len(sums)} sums"
    elif kind == "non_finite":
        sums[j] = draw(st.sampled_from(["inf", "-inf", "nan", float("nan"), float("inf")]))
        what = f"block {b} sum {j} = {sums[j]!r}"
    elif kind == "hex_overflow":
        sums[j] = draw(
            st.sampled_from(["0x1p+1024", "0x1p+99999", "-0x1.fp+5000", "0x" + "f" * 300 + "p+9"])
        )
        what = f"block {b} sum {j} = {sums[j][:20]!r}"
    elif kind == "hex_not_canonical":
        x = float.fromhex(sums[j])
        sums[j] = draw(
            st.sampled_from(
                [
                    x.hex().upper(),
                    x.hex().replace("p", "000p"),
                    repr(x),
                    str(int(x)) if x == int(x) else repr(x),
                    " " + x.hex(),
                ]
            )
        )
        if sums[j] == x.hex():
            sums[j] = x.hex() + " "
        what = f"block {b} sum {j} = {sums[j]!r}"
    elif kind == "mass_out_of_range":
        col = draw(st.sampled_from([0, K]))
        sums[col] = draw(st.sampled_from([float(size + 1), float(2 * size), -1.0, -1e300])).hex()
        what = f"block {b} sum {col} = {sums[col]}"
    elif kind == "no_equilibrium_fraction":
        sums[K] = (0.5).hex()
        what = f"block {b}: 0.5 draws without equilibrium"
    elif kind == "count_negative":
        counts = entry["equilibria"]
        key = draw(st.sampled_from(sorted(counts)))
        counts[draw(st.sampled_from(["-5000", "-1", "-0"]))] = counts.pop(key)
        what = f"block {b}: equilibrium count {key} made negative"
    elif kind == "count_zero_or_wrong_type":
        counts = entry["equilibria"]
        key = draw(st.sampled_from(sorted(counts)))
        counts[key] = draw(st.sampled_from([0, -5000, True, float(counts[key]), str(counts[key])]))
        what = f"block {b}: {counts[key]!r} draws with {key} equilibria"
    elif kind == "counts_do_not_add_up":
        counts = entry["equilibria"]
        key = draw(st.sampled_from(sorted(counts)))
        counts[key] += draw(st.sampled_from([1, -1, size, 10**6]))
        if counts[key] <= 0:
            counts[key] += 2 * size
        what = f"block {b}: counts add up to {sum(counts.values())}"
    else:
        path = draw(
            st.sampled_from(
                [
                    ("blocks",),
                    ("blocks", b),
                    ("blocks", b, "sums"),
                    ("blocks", b, "equilibria"),
                    ("blocks", b, "sums", j),
                    ("run",),
                    ("run", "seed"),
                    ("run", "samples"),
                    ("run", "options"),
                    ("digest",),
                ]
            )
        )
        old = _get(doc, path)
        wrong = {
            dict: [[], "x", 1, None],
            list: [{}, "x", 1, None],
            str: [1, 1.5, None, [], {}],
            int: [True, float(old) if isinstance(old, int) else 1.0, str(old), None, []],
        }
        new = draw(st.sampled_from(wrong[type(old)]))
        _set(doc, path, new)
        what = f"{path} = {new!r}"
        if path == ("digest",):
            return CheckpointCase("structure", what, dump(doc))
    return CheckpointCase("structure", f"{kind}: {what}, digest recomputed", dump(redigest(doc)))


@st.composite
def version_mutants(draw: st.DrawFn, base: dict[str, Any]) -> CheckpointCase:
    """Another format: the flat format 1 of older tradegame, or a format number not 3."""
    if draw(st.booleans()):
        old = {"tradegame_checkpoint": 1, **base["run"], "blocks": base["blocks"]}
        return CheckpointCase("version", "format 1 (older tradegame)", dump(old))
    doc = copy.deepcopy(base)
    doc["tradegame_checkpoint"] = draw(st.sampled_from([1, 2, 4, 0, -2, "3", 3.0, True, None, [3]]))
    if draw(st.booleans()):
        del doc["tradegame_checkpoint"]
    return CheckpointCase("version", f"format {doc.get('tradegame_checkpoint')!r}", dump(doc))


@st.composite
def nested(draw: st.DrawFn, base: dict[str, Any]) -> CheckpointCase:
    """Deeply nested JSON: alone, or in place of a value of the checkpoint."""
    depth = draw(st.sampled_from([100, 1000, 10_000, 200_000]))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    deep = opener * depth + "0" + closer * depth
    if draw(st.booleans()):
        return CheckpointCase("nested", f"depth {depth} alone", deep.encode())
    doc = copy.deepcopy(base)
    path = draw(st.sampled_from(_paths(doc)))
    _set(doc, path, "@@DEEP@@")
    text = json.dumps(doc).replace('"@@DEEP@@"', deep)
    return CheckpointCase("nested", f"depth {depth} at {path}", text.encode())


@st.composite
def huge(draw: st.DrawFn, base: dict[str, Any]) -> CheckpointCase:
    """Files far larger than any checkpoint of the run: padding, a long string, long lists."""
    n = draw(st.sampled_from([3 * 2**20, 8 * 2**20]))
    how = draw(st.sampled_from(["padding", "string", "sums"]))
    if how == "padding":
        data = dump(base) + b" " * n
    elif how == "string":
        doc = copy.deepcopy(base)
        doc["digest"] = "0" * n
        data = dump(doc)
    else:
        doc = copy.deepcopy(base)
        b = _block_keys(doc)[0]
        doc["blocks"][b]["sums"] = ["0x0.0p+0"] * (n // 11)
        data = dump(redigest(doc))
    return CheckpointCase("huge", f"{how}, {len(data):,} bytes", data)


@st.composite
def not_json(draw: st.DrawFn, base: dict[str, Any]) -> CheckpointCase:
    """Bytes that are not a JSON document: garbage, YAML, a JSON value that is not an object."""
    data = draw(
        st.one_of(
            st.binary(min_size=1, max_size=200),
            st.text(min_size=1, max_size=200).map(str.encode),
            st.sampled_from(
                [
                    b"tradegame_checkpoint: 3\n",
                    b"[]",
                    b"null",
                    b"2",
                    b'"checkpoint"',
                    b"{}",
                    b'{"blocks": {}}',
                    dump(base) + b"{}",
                    b'{"tradegame_checkpoint": ' + b"9" * 5000 + b"}",
                    dump(base).replace(
                        b'"tradegame_checkpoint": 3', b'"tradegame_checkpoint": NaN'
                    ),
                    b"\xef\xbb\xbf" + dump(base),
                ]
            ),
        )
    )
    return CheckpointCase("not_json", f"{data[:30]!r}", data)


@st.composite
def not_utf8(draw: st.DrawFn, base: dict[str, Any]) -> CheckpointCase:
    """The checkpoint in another encoding, or with a byte that is not UTF-8 inside a string."""
    text = json.dumps(base)
    if draw(st.booleans()):
        enc = draw(st.sampled_from(["utf-16", "utf-32", "utf-16-le"]))
        return CheckpointCase("not_utf8", enc, text.encode(enc))
    data = bytearray(text.encode())
    at = draw(st.integers(1, len(data) - 1))
    data[at:at] = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe9"]))
    return CheckpointCase("not_utf8", f"bad byte at {at}", bytes(data))


def damaged_checkpoints(cps: Checkpoints) -> st.SearchStrategy[CheckpointCase]:
    """Every kind of damaged or foreign checkpoint (:data:`KINDS`), none usable by the run."""
    base = cps.base
    return st.one_of(
        changed_fields(base),
        key_mutants(base),
        truncated(base),
        foreign_checkpoints(cps),
        spliced_checkpoints(cps),
        structural_damage(base),
        version_mutants(base),
        nested(base),
        huge(base),
        not_json(base),
        not_utf8(base),
        st.sampled_from([b"", b"\n", b"   \n\t"]).map(
            lambda d: CheckpointCase("empty", repr(d), d)
        ),
        st.sampled_from(["directory", "fifo", "device"]).map(
            lambda s: CheckpointCase("not_a_file", s, special=s)
        ),
    )


@st.composite
def intact_subsets(draw: st.DrawFn, complete: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint holding any subset of a complete run's blocks, with a correct digest."""
    keys = draw(st.lists(st.sampled_from(sorted(complete["blocks"])), unique=True))
    doc = copy.deepcopy(complete)
    doc["blocks"] = {k: complete["blocks"][k] for k in sorted(keys, key=int)}
    return redigest(doc)

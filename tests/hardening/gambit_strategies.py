"""Hypothesis generators of hostile Gambit files (``.nfg``, ``.efg``) for ``tradegame import``.

Every case is a :class:`GambitCase`: the file's text (or bytes) and its suffix.
The files are mutants of valid ones, the seeds: the central games of some shipped
scenarios as ``tradegame export`` writes them (both formats), a few hand-written
games in the layouts Gambit allows and tradegame's writer does not use (payoff
version, strategy counts, omitted action lists and outcomes), and Gambit's own
example files when pygambit is installed (small ones only, for speed). Mutations:

* truncation at any offset, and byte flips (a byte replaced by one that matters
  to the format: a brace, a quote, a digit, a minus sign, a letter, NUL, a byte
  that is not UTF-8);
* number swaps: one number of the file replaced by a hostile one (overflowing,
  tiny with a huge exponent, very long, negative, a zero denominator, huge counts);
* empty lists: one ``{ ... }`` emptied (strategies, actions of a player or of
  chance, payoffs);
* structural members written from scratch: huge strategy counts, huge outcome
  version counts, deep chains, trees with more nodes than allowed, chance
  probabilities that are negative, over 1 or do not sum to 1, redefined
  information sets and outcomes, out-of-range player and outcome numbers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

#: Numbers that a Gambit reader must survive.
HOSTILE_NUMBERS = (
    "1e400",
    "-1e400",
    "1e-100000000",
    "1e100000000",
    "9" * 5000,
    "1" + "0" * 400 + "/3",
    "1/0",
    "-1/2",
    "3/2",
    "-1",
    "0",
    "4294967296",
    "99999999999999999999999",
    "1.5e308",
    "nan",
    "inf",
    "0x10",
    "1_000",
    "--1",
    "1/-2",
)

#: Bytes a flip writes: each matters to the format, or to decoding it.
FLIP_BYTES = (b"{", b"}", b'"', b"\\", b"0", b"9", b"-", b"/", b"t", b"p", b"c", b"\x00", b"\xff")

#: Hand-written valid games in layouts the export does not write.
HAND_WRITTEN = {
    "payoff.nfg": 'NFG 1 R "payoff version" { "A" "B" } { { "x" "y" } { "l" "r" } }\n""\n\n'
    "1 2 3 4\n5 6 7 8\n",
    "counts.nfg": 'NFG 1 R "counts" { "A" "B" } { 2 2 }\n'
    '{ { "" 1, 2 } { "x" 3, 4 } { "" 5, 6 } }\n1 2 0 3\n',
    "three.nfg": 'NFG 1 R "three" { "A" "B" "C" } { 2 1 2 }\n1 2 3 4 5 6 7 8 9 10 11 12\n',
    "omitted.efg": 'EFG 2 R "omitted" { "A" "B" } ""\n'
    'c "" 1 "" { "h" 1/2 "t" 0.5 } 0\n'
    'p "" 1 1 "" { "l" "r" } 0\n'
    't "" 1 "o1" { 1, -1 }\n'
    't "" 2 "o2" { -1, 1 }\n'
    'p "" 1 1 0\n'
    't "" 1\n'
    'p "" 2 1 "" { "x" } 3 "" { 0, 1/3 }\n'
    't "" 2\n',
}


@dataclass(frozen=True)
class GambitCase:
    """A Gambit file to import: its content and suffix (``.nfg`` or ``.efg``)."""

    content: bytes
    suffix: str
    what: str

    def __repr__(self) -> str:
        shown = self.content[:300] + (b"..." if len(self.content) > 300 else b"")
        return f"GambitCase({self.what!r}, {self.suffix}, {shown!r})"


@functools.cache
def seed_files() -> tuple[tuple[str, str], ...]:
    """Valid Gambit files (suffix, text): exports of shipped scenarios, the hand-written
    games, and Gambit's small example files."""
    from tradegame.interop.scenario_io import export_scenario
    from tradegame.scenario.library import shipped_scenarios
    from tradegame.scenario.load import load_scenario

    seeds: list[tuple[str, str]] = [(Path(k).suffix, v) for k, v in HAND_WRITTEN.items()]
    for shipped in shipped_scenarios()[:6]:
        try:
            scenario = load_scenario(shipped.name)
            for fmt in ("nfg", "efg"):
                text = export_scenario(scenario, fmt)
                if len(text) <= 4000:
                    seeds.append((f".{fmt}", text))
        except Exception:  # a shipped scenario that does not export is another test's failure
            continue
    try:
        import pygambit
    except ImportError:
        pass
    else:
        root = Path(pygambit.__file__).parent
        for p in sorted(root.rglob("*")):
            if p.suffix in (".nfg", ".efg") and p.is_file() and p.stat().st_size <= 3000:
                seeds.append((p.suffix, p.read_text(encoding="utf-8")))
    return tuple(seeds)


@st.composite
def seeds(draw: st.DrawFn) -> tuple[str, str]:
    """A valid Gambit file (suffix, text)."""
    return draw(st.sampled_from(seed_files()))


_NUMBER = re.compile(r"(?<![\w\"])-?\d+(?:\.\d+)?(?:/\d+)?(?![\w\"])")
_LIST = re.compile(r"\{[^{}]*\}")


@st.composite
def truncated_or_flipped(draw: st.DrawFn) -> GambitCase:
    """A valid file cut short, or with one to three bytes replaced."""
    suffix, text = draw(seeds())
    data = text.encode("utf-8")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        return GambitCase(data[:cut], suffix, f"truncated at {cut}")
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(out) - 1))
        out[at : at + 1] = draw(st.sampled_from(FLIP_BYTES))
    return GambitCase(bytes(out), suffix, "flipped")


@st.composite
def number_swaps(draw: st.DrawFn) -> GambitCase:
    """A valid file with one number (payoff, probability, count, index) made hostile."""
    suffix, text = draw(seeds())
    spots = list(_NUMBER.finditer(text))
    new = draw(st.sampled_from(HOSTILE_NUMBERS))
    if not spots:
        return GambitCase(text.encode(), suffix, "no number to swap")
    m = draw(st.sampled_from(spots))
    mutated = text[: m.start()] + new + text[m.end() :]
    return GambitCase(mutated.encode(), suffix, f"number {m.group()} -> {new[:20]}")


@st.composite
def emptied_lists(draw: st.DrawFn) -> GambitCase:
    """A valid file with one innermost ``{ ... }`` emptied."""
    suffix, text = draw(seeds())
    spots = [m for m in _LIST.finditer(text) if m.group() != "{}"]
    if not spots:
        return GambitCase(text.encode(), suffix, "no list to empty")
    m = draw(st.sampled_from(spots))
    return GambitCase(
        (text[: m.start()] + "{ }" + text[m.end() :]).encode(), suffix, f"emptied {m.group()[:30]}"
    )


def chain_efg(depth: int, players: int = 2) -> str:
    """A chain of ``depth`` one-action moves, then a terminal node: ``depth`` moves deep,
    about 11 bytes a move (the information sets' actions given once)."""
    head = 'EFG 2 R "chain" { ' + " ".join(f'"P{i}"' for i in range(players)) + ' } ""\n'
    lines = [f'p "" {i + 1} 1 "" {{ "a" }} 0' for i in range(min(depth, players))]
    lines += [f'p "" {i % players + 1} 1 0' for i in range(players, depth)]
    pay = ", ".join("1" for _ in range(players))
    return head + "\n".join([*lines, f't "" 1 "" {{ {pay} }}']) + "\n"


def wide_efg(nodes: int) -> str:
    """A comb: one player's moves ``{ "a" "b" }`` in a chain, each ``a`` ending the
    game; ``nodes`` nodes in all (rounded up to odd), depth about nodes/2 (so deep
    too once nodes pass twice the depth limit)."""
    k = max(1, nodes // 2)
    lines = ['EFG 2 R "comb" { "A" "B" } ""', 'p "" 1 1 "" { "a" "b" } 0', 't "" 1 "" { 1, 2 }']
    lines += ['p "" 1 1 0\nt "" 1'] * (k - 1)
    lines.append('t "" 1')
    return "\n".join(lines) + "\n"


@st.composite
def structural_members(draw: st.DrawFn) -> GambitCase:
    """A small file written from scratch with one structural problem of the class."""
    kind = draw(
        st.sampled_from(
            [
                "counts",
                "outcome counts",
                "chain",
                "negative probability",
                "probability over 1",
                "probabilities not summing to 1",
                "empty player actions",
                "empty chance actions",
                "redefined actions",
                "relabelled actions",
                "redefined outcome",
                "player out of range",
                "outcome out of range",
                "overflowing sum",
                "players with one label",
            ]
        )
    )
    h = 'EFG 2 R "t" { "A" "B" } ""\n'
    big = draw(st.sampled_from(["4294967296", "100000", "5000001", "2237", "99999999999999999999"]))
    p, q = draw(st.sampled_from([("-1/2", "3/2"), ("2", "-1"), ("1/3", "1/3"), ("0.3", "0.3")]))
    text = {
        "counts": f'NFG 1 R "t" {{ "A" "B" }} {{ {big} {big} }}\n1 2\n',
        "outcome counts": f'NFG 1 R "t" {{ "A" "B" }} {{ {big} {big} }}\n'
        '{ { "" 1, 2 } }\n1 1\n',
        # The 100,000-deep chain of the issue is a named test (seconds to read in full).
        "chain": chain_efg(draw(st.sampled_from([125, 1000, 20000]))),
        "negative probability": h + f'c "" 1 "" {{ "a" {p} "b" {q} }} 0\nt "" 0\nt "" 0\n',
        "probability over 1": h + 'c "" 1 "" { "a" 3/2 "b" -1/2 } 0\nt "" 0\nt "" 0\n',
        "probabilities not summing to 1": h
        + f'c "" 1 "" {{ "a" {p} "b" {q} "c" 0 }} 0\nt "" 0\nt "" 0\nt "" 0\n',
        "empty player actions": h + 'p "" 1 1 "" { } 0\nt "" 0\n',
        "empty chance actions": h + 'c "" 1 "" { } 0\nt "" 0\n',
        "redefined actions": h
        + 'p "" 1 1 "" { "a" "b" } 0\np "" 2 1 "" { "x" } 0\nt "" 0\n'
        + 'p "" 1 1 "" { "a" "b" "c" } 0\nt "" 0\nt "" 0\nt "" 0\n',
        "relabelled actions": h
        + 'p "" 1 1 "" { "a" "b" } 0\np "" 2 1 "" { "x" } 0\nt "" 0\n'
        + 'p "" 1 1 "" { "a" "c" } 0\nt "" 0\nt "" 0\n',
        "redefined outcome": h
        + 'p "" 1 1 "" { "a" "b" } 0\np "" 2 1 "" { "x" } 0\nt "" 1 "" { 1, 2 }\n'
        + 't "" 1 "" { 3, 4 }\n',
        "player out of range": h + f'p "" {big} 1 "" {{ "a" }} 0\nt "" 0\n',
        "outcome out of range": f'NFG 1 R "t" {{ "A" "B" }} {{ 1 2 }}\n'
        f'{{ {{ "" 1, 2 }} }}\n1 {big}\n',
        "players with one label": 'EFG 2 R "t" { "A" "A" } ""\n'
        + 'p "" 1 1 "" { "a" } 0\np "" 2 1 "" { "x" } 1 "" { 1, 2 }\nt "" 0\n',
        "overflowing sum": h
        + 'p "" 1 1 "" { "a" } 1 "" { 1e308, 0 }\np "" 2 1 "" { "b" } 0\nt "" 1\n',
    }[kind]
    suffix = ".nfg" if text.startswith("NFG") else ".efg"
    return GambitCase(text.encode(), suffix, kind)


def hostile_gambit_files() -> st.SearchStrategy[GambitCase]:
    """Any of the hostile files above."""
    return st.one_of(truncated_or_flipped(), number_swaps(), emptied_lists(), structural_members())

"""Reading the code examples out of the documentation's Markdown pages.

A page's examples run in the order they appear, in one working directory per page:

- a ````yaml title="NAME"```` block is a file of the example: it is written to NAME
  before the blocks after it run (a YAML block without a title is a fragment and is
  only shown);
- a ````python```` block is executed, the blocks of one page in one namespace (one
  titled with a path under ``src/`` shows lines to add to a source file: it is compiled);
- a ````console```` block holds commands, each on a line starting with ``$ `` (a line
  ending in ``\\`` continues on the next), each followed by the output it must show:
  every non-blank shown line must appear, in order, in what the command printed
  (spaces compared loosely; a line ``...`` only marks a gap). A command whose shown
  output starts with ``error:`` must exit with 2, any other with 0;
- a ````bash```` block holds commands without output, one a line (``#`` comments
  dropped, ``\\`` continues a line), each run and exiting with 0 (except in
  contributing.md, whose shell commands are the developers' own: the suite, linters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    title: str | None
    text: str

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}:{self.line}"


@dataclass(frozen=True)
class Command:
    """One ``$ `` command of a console block and the output shown for it."""

    line: str
    shown: list[str] = field(default_factory=list)

    @property
    def expects_error(self) -> bool:
        first = next((s for s in self.shown if s.strip()), "")
        return first.startswith("error:")


def pages() -> list[Path]:
    """Every Markdown page of the site (the hooks' folder aside)."""
    return sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.relative_to(DOCS).parts)


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of ``page``, in order."""
    found: list[Block] = []
    lines = page.read_text("utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or not m.group("info").strip():
            i += 1
            continue
        indent, fence, info = len(m.group("indent")), m.group("fence"), m.group("info").strip()
        lang = info.split()[0]
        title_m = re.search(r'title="([^"]+)"', info)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            line = lines[j]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            j += 1
        found.append(
            Block(page, i + 1, lang, title_m.group(1) if title_m else None, "\n".join(body) + "\n")
        )
        i = j + 1
    return found


def commands(block: Block) -> list[Command]:
    """The commands of a console block, each with the output shown under it."""
    result: list[Command] = []
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            if result:
                result[-1].shown.append(line)
            elif line.strip():
                raise ValueError(f"{block.where}: output before any '$ ' command: {line!r}")
            i += 1
            continue
        command = line[2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1] + " " + lines[i].strip()
        result.append(Command(command.strip()))
        i += 1
    return result


def bash_commands(block: Block) -> list[Command]:
    """The commands of a bash block: every line that is not blank or a comment."""
    result: list[Command] = []
    pending = ""
    for raw in block.text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        result.append(Command(pending + line))
        pending = ""
    return result


def _loose(text: str) -> str:
    return " ".join(text.split())


def missing_output(shown: list[str], printed: str) -> str | None:
    """The first shown line not found, in order, in ``printed``; None if all are."""
    printed_lines = [_loose(p) for p in printed.splitlines()]
    at = 0
    for line in shown:
        want = _loose(line)
        if not want or want == "...":
            continue
        while at < len(printed_lines) and want not in printed_lines[at]:
            at += 1
        if at == len(printed_lines):
            return line
        at += 1
    return None

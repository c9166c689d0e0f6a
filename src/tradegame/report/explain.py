"""``tradegame explain`` rendered: the terminal (rich), Markdown, LaTeX and HTML.

The content is computed in :mod:`tradegame.analysis.explain` (an
:class:`~tradegame.analysis.explain.Account`: sections of paragraphs, bullet
lists, tables and derivations); this module only formats it. :func:`explain` is
``tg.explain``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table as RichTable
from rich.text import Text

from tradegame.analysis.explain import (
    Account,
    Bullets,
    Equations,
    Paragraph,
    Table,
    explain_scenario,
)
from tradegame.play.solution import CentralSolution
from tradegame.scenario.load import Scenario, load_scenario
from tradegame.scenario.overrides import Overrides, parse_fix_option, parse_set_option

__all__ = ["Explanation", "explain", "latex_escape"]


class Explanation:
    """A scenario's central game explained step by step (what ``tg.explain`` returns).

    Attributes
    ----------
    account : Account
        The content: sections of paragraphs, tables and derivations.

    Examples
    --------
    >>> import tradegame as tg
    >>> ex = tg.explain("classroom/prisoners_dilemma")
    >>> [s.key for s in ex.account.sections]
    ['game', 'dominance', 'pure', 'pareto', 'mixed', 'plays']
    >>> print(ex.to_markdown().splitlines()[0])
    # Prisoner's dilemma
    """

    def __init__(self, account: Account) -> None:
        self.account = account

    @property
    def central(self) -> CentralSolution:
        """The solved central game the explanation's numbers come from."""
        return self.account.central

    def __rich__(self) -> RenderableType:
        return render_terminal(self.account)

    def to_markdown(self) -> str:
        """The explanation as Markdown (GitHub tables, derivations in code blocks)."""
        return render_markdown(self.account)

    def to_latex(self) -> str:
        """The explanation as a LaTeX fragment (``tabular`` tables, ``align*`` derivations;
        needs ``amsmath``)."""
        return render_latex(self.account)

    def _repr_html_(self) -> str:
        return render_html(self.account)

    def __repr__(self) -> str:
        return f"<Explanation of {self.account.title!r}: {len(self.account.sections)} sections>"


def explain(
    scenario: Scenario | str | Path,
    *,
    set: Mapping[str, Any] | Sequence[str] | None = None,
    fix: Mapping[str, Sequence[str] | str] | Sequence[str] | None = None,
    variant: str | None = None,
    solution: str | None = None,
    selection: str | None = None,
) -> Explanation:
    """Explain a scenario's central game step by step (``tradegame explain``).

    Parameters
    ----------
    scenario : Scenario, str or Path
        A loaded scenario, a file or the name of a shipped scenario.
    set : mapping of str to scalar, or sequence of ``"PATH=VALUE"``, optional
        Values to override, as ``--set``.
    fix : mapping of lever to options, or sequence of ``"LEVER=OPTION[,OPTION]"``, optional
        Levers to restrict, as ``--fix``.
    variant : str, optional
        One of the scenario's ``variants:``, applied first.
    solution, selection : str, optional
        Overrides of the scenario's ``analysis``.

    Returns
    -------
    Explanation
        Renders itself in Jupyter, with rich, as Markdown and as LaTeX.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    sets: tuple[tuple[str, Any], ...]
    if set is None:
        sets = ()
    elif isinstance(set, Mapping):
        sets = tuple((str(k), v) for k, v in set.items())
    else:
        sets = tuple(parse_set_option(s) for s in set)
    fixes: tuple[tuple[str, tuple[str, ...]], ...]
    if fix is None:
        fixes = ()
    elif isinstance(fix, Mapping):
        fixes = tuple((str(k), (v,) if isinstance(v, str) else tuple(v)) for k, v in fix.items())
    else:
        fixes = tuple(parse_fix_option(f) for f in fix)
    overrides = Overrides(variant, sets, fixes)
    if overrides:
        sc = sc.apply(overrides)
    return Explanation(explain_scenario(sc, solution=solution, selection=selection))


# ---------------------------------------------------------------------------- terminal
def render_terminal(account: Account) -> RenderableType:
    """Rich renderables: a rule per section, tables with box lines, derivations indented."""
    parts: list[RenderableType] = [Text(account.title, style="bold")]
    if account.description:
        parts.append(Text(account.description))
    for section in account.sections:
        parts.append(Text(""))
        parts.append(Rule(section.title, align="left"))
        for block in section.blocks:
            parts.append(_rich_block(block))
    return Group(*parts)


def _rich_block(block: Any) -> RenderableType:
    if isinstance(block, Paragraph):
        return Text(block.text)
    if isinstance(block, Bullets):
        return Group(*(Text("- " + item) for item in block.items))
    if isinstance(block, Equations):
        return Padding(Text("\n".join(line.text for line in block.lines)), (0, 0, 0, 4))
    assert isinstance(block, Table)
    table = RichTable(show_lines=False)
    for k, h in enumerate(block.header):
        table.add_column(h, style="bold" if block.corner and k == 0 else None, overflow="fold")
    for row in block.rows:
        table.add_row(*row)
    # The caption under the table at full width (rich's would wrap at the table's).
    return Group(table, Text(block.caption)) if block.caption else table


# ---------------------------------------------------------------------------- markdown
def _md(text: str, line: bool = True) -> str:
    # Scenario text is plain: only what Markdown would read as markup is escaped.
    text = re.sub(r"([\\`*_\[\]<|])", r"\\\1", text)
    return re.sub(r"^([#>+-])", r"\\\1", text) if line else text


def render_markdown(account: Account) -> str:
    """The account as Markdown: ``#`` title, ``##`` sections, pipe tables."""
    out = [f"# {_md(account.title)}", ""]
    if account.description:
        out += [_md(account.description), ""]
    for section in account.sections:
        out += [f"## {_md(section.title)}", ""]
        for block in section.blocks:
            out += _md_block(block)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _md_block(block: Any) -> list[str]:
    if isinstance(block, Paragraph):
        return [_md(block.text)]
    if isinstance(block, Bullets):
        return [f"- {_md(item)}" for item in block.items]
    if isinstance(block, Equations):
        return ["```text", *(line.text for line in block.lines), "```"]
    assert isinstance(block, Table)
    lines = [
        "| " + " | ".join(_md(h, False) for h in block.header) + " |",
        "|" + "|".join(" --- " for _ in block.header) + "|",
        *("| " + " | ".join(_md(c, False) for c in row) + " |" for row in block.rows),
    ]
    if block.caption:
        lines += ["", "*" + _md(block.caption) + "*"]
    return lines


# ---------------------------------------------------------------------------- LaTeX
_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_escape(text: str) -> str:
    r"""Plain text as LaTeX text: the special characters escaped, ``->`` an arrow and a
    minus sign before a number a minus (not a hyphen).

    >>> latex_escape("50% of a_b & {c}")
    '50\\% of a\\_b \\& \\{c\\}'
    >>> latex_escape("a -> b: -2")
    'a $\\rightarrow$ b: $-$2'
    """
    parts = re.split(r"(->|(?<![\w.])-(?=\d))", text)
    return "".join(
        r"$\rightarrow$"
        if part == "->"
        else "$-$"
        if part == "-" and k % 2
        else "".join(_TEX.get(ch, ch) for ch in part)
        for k, part in enumerate(parts)
    )


def render_latex(account: Account) -> str:
    """A compilable fragment (``\\section*`` per step; needs ``amsmath``)."""
    out = [
        "% tradegame explain: needs \\usepackage{amsmath}",
        f"\\section*{{{latex_escape(account.title)}}}",
    ]
    if account.description:
        out += [latex_escape(account.description), ""]
    for section in account.sections:
        out += [f"\\subsection*{{{latex_escape(section.title)}}}", ""]
        for block in section.blocks:
            out += _tex_block(block)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _tex_block(block: Any) -> list[str]:
    if isinstance(block, Paragraph):
        return [latex_escape(block.text)]
    if isinstance(block, Bullets):
        return [
            "\\begin{itemize}",
            *(f"  \\item {latex_escape(item)}" for item in block.items),
            "\\end{itemize}",
        ]
    if isinstance(block, Equations):
        rows = [
            line.tex + (r" \\" if k < len(block.lines) - 1 else "")
            for k, line in enumerate(block.lines)
        ]
        return ["\\begin{align*}", *rows, "\\end{align*}"]
    assert isinstance(block, Table)
    cols = ("l|" if block.corner else "l") + "l" * (len(block.header) - 1)
    lines = [
        "\\begin{center}",
        f"\\begin{{tabular}}{{{cols}}}",
        " & ".join(latex_escape(h) for h in block.header) + r" \\ \hline",
        *(" & ".join(latex_escape(c) for c in row) + r" \\" for row in block.rows),
        "\\end{tabular}",
        "\\end{center}",
    ]
    if block.caption:
        lines += [f"{{\\small {latex_escape(block.caption)}}}"]
    return lines


# ---------------------------------------------------------------------------- HTML
def render_html(account: Account) -> str:
    """HTML for Jupyter; every text escaped."""
    out = [f"<div><h3>{escape(account.title)}</h3>"]
    if account.description:
        out.append(f"<p>{escape(account.description)}</p>")
    for section in account.sections:
        out.append(f"<h4>{escape(section.title)}</h4>")
        out.extend(_html_block(b) for b in section.blocks)
    out.append("</div>")
    return "".join(out)


def _html_block(block: Any) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Equations):
        return "<pre>" + escape("\n".join(line.text for line in block.lines)) + "</pre>"
    assert isinstance(block, Table)
    head = "".join(f"<th>{escape(h)}</th>" for h in block.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
    )
    cap = f"<caption>{escape(block.caption)}</caption>" if block.caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

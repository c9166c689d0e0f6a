"""Small HTML fragments for Jupyter's ``_repr_html_``, every text escaped.

Scenario text (titles, descriptions, labels, units) comes from files that
may be untrusted (see SECURITY.md): everything that reaches these
fragments goes through :func:`html.escape`, quotes included, so no text can
open a tag, an attribute or a script. Only the fixed markup of this module
is left unescaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

__all__ = ["escape", "html_block", "html_table"]


def escape(value: object) -> str:
    """``str(value)`` with ``& < > " '`` escaped."""
    return html.escape(str(value), quote=True)


def html_table(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A table with a header row; every cell escaped.

    >>> html_table(["a"], [["<b>"]])
    '<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_block(title: object, lines: Iterable[object], tables: Iterable[str] = ()) -> str:
    """A titled block: an escaped title, escaped lines, then tables made by :func:`html_table`.

    >>> html_block("<i>T</i>", ["x & y"])
    '<div><strong>&lt;i&gt;T&lt;/i&gt;</strong><br>x &amp; y</div>'
    """
    text = "".join(f"<br>{escape(line)}" for line in lines)
    return f"<div><strong>{escape(title)}</strong>{text}{''.join(tables)}</div>"

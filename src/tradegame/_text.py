"""Scenario text made safe for terminals and for UTF-8 output.

Scenario files are untrusted, and a double-quoted YAML string can hold any
character through escapes (``"\\e[2J"``, ``"\\x9b"``, ``"\\ud800"``). A control
character printed raw lets a file clear the screen, retitle the terminal
window or overwrite what was printed; a lone surrogate cannot be encoded as
UTF-8 at all. The loader refuses such text (:func:`unsafe_character`); what
prints text from elsewhere too (file names, messages) passes it through
:func:`printable`.
"""

from __future__ import annotations

import re

__all__ = ["printable", "unsafe_character"]

# C0 controls but tab and newline, DEL, C1 controls (ESC and CSI start terminal
# escape sequences, CR and BS overwrite what was printed) and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def unsafe_character(text: str) -> tuple[int, str] | None:
    """The first character of ``text`` that scenario text may not contain, if any.

    Parameters
    ----------
    text : str

    Returns
    -------
    (index, description) or None
        Where the character is in ``text`` and what it is, e.g.
        ``(3, "the control character U+001B (escape)")``.
    """
    found = _UNSAFE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        what = f"the lone surrogate U+{code:04X} (write characters past U+FFFF as \\U0001XXXX)"
    else:
        what = f"the control character U+{code:04X}" + (" (escape)" if code == 0x1B else "")
    return found.start(), what


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every unsafe character written as a visible escape (``\\x1b``).

    Tab and newline are kept; the result has no control character a terminal
    acts on and encodes as UTF-8.
    """
    return _UNSAFE.sub(_escape, text)

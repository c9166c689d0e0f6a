"""Rewrite the golden outputs of ``tradegame explain`` (tests/explain/golden/).

Run after an intended change of the explanation, then review the diff line by line:

    python tests/explain/make_golden.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from explain_cases import CASES, GOLDEN, golden_files, markdown_text, terminal_text


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, path in CASES.items():
        text, md = golden_files(name)
        text.write_text(terminal_text(path), encoding="utf-8")
        md.write_text(markdown_text(path), encoding="utf-8")
        print(f"wrote {text.name}, {md.name}")


if __name__ == "__main__":
    main()

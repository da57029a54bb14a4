"""Plain-text tables for the terminal, aligned by display width (a Chinese character takes two)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    """Columns the text takes in a terminal."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Headers and rows as left-aligned columns two spaces apart."""
    cells = [[str(c) for c in headers], *([("" if c is None else str(c)) for c in row] for row in rows)]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(c + " " * (w - display_width(c)) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
    )

"""Render an answer for a terminal, with Arabic lines that read right to left.

Terminals differ. Bidi-aware ones (GNOME Terminal/VTE, Konsole, mlterm,
iTerm2) lay out logical-order text themselves; they only need each Arabic line
to start with a right-to-left mark so that a line beginning with a digit or a
Latin name is still laid out as RTL. Terminals without bidi support (xterm,
most CI logs) print logical order left to right, which reads backwards: for
those `RAG_TERMINAL_BIDI=visual` reorders each line with python-bidi.
"""

from __future__ import annotations

import os
import shutil
import textwrap

from rag.responses import AskResponse
from rag.text.language import detect_language

RLM = "\u200f"


def _visual(line: str) -> str:
    try:
        from bidi import get_display
    except ImportError:  # pragma: no cover - python-bidi is a dependency
        return line
    return get_display(line)


def directional(text: str, width: int, mode: str | None = None) -> list[str]:
    """Wrap `text` to `width` columns and mark or reorder it for its direction."""
    mode = mode or os.environ.get("RAG_TERMINAL_BIDI", "logical")
    lines = textwrap.wrap(text, width=width) or [""]
    if detect_language(text) != "ar":
        return lines
    if mode == "visual":
        return [_visual(line).rjust(width) for line in lines]
    return [RLM + line for line in lines]


def render_response(response: AskResponse, mode: str | None = None) -> str:
    width = max(40, min(100, shutil.get_terminal_size((100, 20)).columns) - 4)
    out: list[str] = []
    if response.answer is not None:
        out.append("Answer:")
        out += ["  " + line for line in directional(response.answer.text, width, mode)]
        out.append(f"  [{', '.join(str(c) for c in response.answer.citations)}]")
    else:
        out.append("No confident answer in these documents. Closest passages:")
    for hit in response.passages:
        c = hit.citation
        where = " · ".join(
            str(part)
            for part in (c.title, c.section, f"paragraph {c.paragraph}" if c.paragraph else None)
            if part
        )
        out.append("")
        out.append(f"[{hit.rank}] score {hit.score:.3f}  {c.id}  chars {c.start}-{c.end}")
        out += ["    " + line for line in directional(where, width, mode)]
        out += ["    " + line for line in directional(hit.text, width, mode)]
        out.append(f"    -> {c.url}")
    out.append("")
    out.append(f"({response.language}, {response.took_ms:.1f} ms)")
    return "\n".join(out)

"""Text helpers every renderer shares: cluster values made safe for one line, Markdown
escaping, counts in words, and the icons of a level.

Values from a cluster are data someone else may control. ``visible`` keeps any of them to one
line and shows its control and bidi characters as escapes (``\n``, ``\x1b``, ``\u202e``), so
none can move the cursor, colour the terminal, reorder the text around it or split a row;
every renderer draws cluster values through it. ``json_escaped`` writes the same characters
as JSON escapes, so a document keeps every value exact. ``markdown`` makes one inert in a
GitHub comment. Standard library only.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from kubectl_datamodel import levels

ESCAPE_WIDTH = 200  # any one value from the cluster, in Markdown
GITHUB_COMMENT_LIMIT = 65_536  # GitHub rejects issue and pull-request comments longer than this
ZWSP = "&#8203;"  # after @ and #: GitHub links mentions and issues in the decoded text
# Icons of an ordered level (drift severity, analysis level), highest first.
ICONS = {3: "🔴", 2: "🟠", 1: "🔵"}

# Markdown punctuation a cluster value could use to start emphasis, links, tables, strikethrough
# (~), math ($) or emoji (:). CommonMark lets any ASCII punctuation be backslash-escaped, so
# escaping a harmless one costs nothing.
_BACKSLASHED = set("\\`*_[](){}!|~+-.:=$")
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "@": "&#64;" + ZWSP,
    "#": "&#35;" + ZWSP,
}
CONTROL = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # newlines, tabs, bidi overrides, line separators


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(value: object) -> str:
    """One line, every control and format character shown as an escape: a newline as ``\n``,
    ESC as ``\x1b``, a right-to-left override as ``\u202e``."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(_visible_char(ch) for ch in text)


def _visible_char(ch: str) -> str:
    if unicodedata.category(ch) not in CONTROL:
        return ch
    if ch in _NAMED:
        return _NAMED[ch]
    if ord(ch) < 0x100:
        return f"\\x{ord(ch):02x}"
    return f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"


def json_escaped(encoded: str) -> str:
    """JSON text with the characters ``visible`` would escape written as ``\\u`` escapes.

    ``json.dumps`` escapes only C0 controls, so DEL, C1 controls (``\\x9b`` starts a terminal
    sequence), bidi overrides and line separators would reach a terminal raw through
    ``-o json``. Only strings can hold them, and a ``\\u`` escape there reads back as the same
    character, so every value stays exactly what it was.
    """
    if encoded.isascii() and "\x7f" not in encoded:
        return encoded
    # A raw newline is never inside a JSON string: the lines are the document's own.
    return "\n".join(
        line if line.isprintable() else "".join(map(_json_char, line))
        for line in encoded.split("\n")
    )


def _json_char(ch: str) -> str:
    if unicodedata.category(ch) not in CONTROL:
        return ch
    return json.dumps(ch)[1:-1]  # ensure_ascii: \u202e, a surrogate pair beyond the BMP


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (CJK) and full-width characters take two,
    combining marks none, so that columns stay aligned."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last one an ellipsis when anything was cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def markdown(value: str) -> str:
    """Make text from a cluster inert in GitHub Markdown: no HTML, links, mentions or tables.

    Control characters become spaces (a newline would end a table row), the text is cut to
    ESCAPE_WIDTH characters, HTML's special characters become entities, and Markdown
    punctuation is backslash-escaped. ``@`` and ``#`` also get a zero-width space after them:
    GitHub looks for @-mentions and #123 references in the rendered text, where an entity has
    already turned back into the character.
    """
    text = truncate(visible(value), ESCAPE_WIDTH)
    return "".join(_escape_char(ch) for ch in text)


def _escape_char(ch: str) -> str:
    if ch in _ENTITIES:
        return _ENTITIES[ch]
    return "\\" + ch if ch in _BACKSLASHED else ch


def cell(value: Any) -> str:
    """A table value as text: unknown as "-", booleans as yes/no, lists joined by commas,
    strings ``visible``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(cell(v) for v in value) or "-"
    return visible(value)


def compact(value: Any, limit: int) -> str:
    """A value on one short line: None as "-", scalar lists joined by commas, the rest as JSON."""
    if value is None:
        return "-"
    if isinstance(value, str):
        text = value if value else '""'
    elif isinstance(value, list | tuple) and value and all(map(_is_scalar, value)):
        text = ",".join(compact(v, limit) for v in value)
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return truncate(visible(text), limit)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def level_count(count: int, level: levels.Ranked) -> str:
    """Only warning takes a plural: 3 breaking, 1 warning, 5 warnings, 12 info."""
    if level.label == "warning":
        return plural(count, "warning")
    return f"{count:,} {level.label}"


def icon(level: levels.Ranked) -> str:
    return ICONS[int(level)]


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")

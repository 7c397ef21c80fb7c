"""Output onto a stream the caller gives: the documents of the JSON contract as JSON or YAML,
CSV, and tables, drawn by rich on a terminal and as plain aligned columns (like kubectl's)
when piped, so `grep` and `awk` work."""

from __future__ import annotations

import csv
import enum
import json
from collections.abc import Sequence
from typing import Any, TextIO

from kubectl_datamodel import documents, model
from kubectl_datamodel.render import console, text


class Format(str, enum.Enum):
    """``-o`` of list and show commands, as kubectl spells them."""

    TABLE = "table"
    WIDE = "wide"
    JSON = "json"
    YAML = "yaml"
    NAME = "name"
    RICH = "rich"  # the predecessor's name for the table view, still understood

    @property
    def is_table(self) -> bool:
        return self in (Format.TABLE, Format.WIDE, Format.RICH)


def write_document(document: model.JSON, fmt: Format, stream: TextIO) -> None:
    if fmt is Format.YAML:
        write_yaml(document, stream)
    else:
        write_json(document, stream)


def write_json(document: Any, stream: TextIO) -> None:
    """Indented JSON, non-ASCII text as it is, control and bidi characters as ``\\u`` escapes
    (``text.json_escaped``)."""
    stream.write(text.json_escaped(json.dumps(document, indent=2, ensure_ascii=False)))
    stream.write("\n")


def write_yaml(document: Any, stream: TextIO) -> None:
    documents.dump_yaml(document, stream)


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if value is None else value for value in row] for row in rows)


def write_tables(
    tables: Sequence[model.Table], stream: TextIO, *, color: bool, headers: bool = True
) -> None:
    """Tables as kubectl prints them, on a terminal and piped alike: columns three spaces
    apart, no boxes, a cell never folded (a long line runs past the terminal's width, and a
    name stays whole to copy), every value ``text.cell``-ed. Several tables get a ``# Title``
    line each. With ``color`` (a terminal, and no NO_COLOR), the few cells whose colour means
    something are coloured: a breaking or critical severity, a node that is not Ready."""
    for index, table in enumerate(tables):
        if index:
            stream.write("\n")
        lines = _lines(table, titled=len(tables) > 1, headers=headers)
        if color:
            console.write_lines(lines, stream)
        else:
            stream.writelines("".join(part for part, _ in line) + "\n" for line in lines)


Line = list[tuple[str, str | None]]  # a line of a table: its parts, each with its style
# Column -> cell text -> the style that says something about it.
STYLES: dict[str, dict[str, str]] = {
    "SEVERITY": {"breaking": "bold red", "warning": "yellow"},
    "LEVEL": {"critical": "bold red", "warning": "yellow"},
    "READY": {"False": "red", "Unknown": "yellow"},
    "STATUS": {"failed": "red"},
}


def _style(column: str, cell: str) -> str | None:
    """The style of a cell whose colour says something (STYLES); in drift's IMPACT column, a
    known number of objects a breaking change hits."""
    if column == "IMPACT":
        return "bold red" if cell.endswith(("object", "objects")) and cell[0].isdigit() else None
    return STYLES.get(column, {}).get(cell)


def _lines(table: model.Table, *, titled: bool, headers: bool) -> list[Line]:
    lines: list[Line] = []
    if titled and table.title:
        lines.append([(f"# {table.title}", None)])
    if not table.rows and table.title:
        return [*lines, [(f"No {table.title}.", None)]]
    cells = [[text.cell(value) for value in row] for row in table.rows]
    shown = [list(table.columns), *cells] if headers else cells
    widths = [max(text.width(row[i]) for row in shown) for i in range(len(table.columns))]
    for number, row in enumerate(shown):
        line: Line = []
        for i, cell in enumerate(row):
            if i:
                line.append(("   ", None))
            style = None if headers and number == 0 else _style(table.columns[i], cell)
            last = i == len(row) - 1
            padding = "" if last else " " * (widths[i] - text.width(cell))
            line.append((cell, style))
            if padding:
                line.append((padding, None))
        lines.append(_rstripped(line))
    return lines


def _rstripped(line: Line) -> Line:
    while line and not line[-1][0].strip():
        line.pop()
    return line

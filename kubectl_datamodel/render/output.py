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
    TABLE = "table"
    WIDE = "wide"
    JSON = "json"
    YAML = "yaml"
    RICH = "rich"  # the predecessor's name for the table view

    @property
    def is_table(self) -> bool:
        return self in (Format.TABLE, Format.WIDE, Format.RICH)


def write_document(document: model.JSON, fmt: Format, stream: TextIO) -> None:
    if fmt is Format.YAML:
        write_yaml(document, stream)
    else:
        write_json(document, stream)


def write_json(document: Any, stream: TextIO) -> None:
    json.dump(document, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def write_yaml(document: Any, stream: TextIO) -> None:
    documents.dump_yaml(document, stream)


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if value is None else value for value in row] for row in rows)


def write_tables(tables: Sequence[model.Table], stream: TextIO, *, color: bool) -> None:
    """Rich tables on a terminal; kubectl-style plain columns otherwise."""
    for index, table in enumerate(tables):
        if index:
            stream.write("\n")
        if stream.isatty():
            console.write_table(table, stream, color=color)
        else:
            _write_plain(table, stream, titled=len(tables) > 1)


def _write_plain(table: model.Table, stream: TextIO, *, titled: bool) -> None:
    if titled and table.title:
        stream.write(f"# {table.title}\n")
    if not table.rows and table.title:
        stream.write(f"No {table.title}.\n")
        return
    cells = [[text.cell(value) for value in row] for row in table.rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(table.columns)]
    for line in [list(table.columns), *cells]:
        padded = [cell.ljust(width) for cell, width in zip(line, widths, strict=True)]
        stream.write("   ".join(padded).rstrip() + "\n")

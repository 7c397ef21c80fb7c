"""A table of plain values: what analyses return and every renderer draws.

Cells hold values (int, str, bool, None, lists), never text formatted for one output: the
terminal, Markdown, JSON and HTML each decide how a value reads. ``name`` is the stable key
scripts and the HTML report find a table by.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any


@dataclasses.dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str | None = None
    name: str | None = None

    @classmethod
    def of(
        cls,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        title: str | None = None,
        name: str | None = None,
    ) -> Table:
        return cls(tuple(columns), tuple(tuple(row) for row in rows), title, name)

    @property
    def numeric(self) -> tuple[bool, ...]:
        """Per column: every known value is a number (such columns align right)."""
        return tuple(
            bool(self.rows) and all(is_number(row[i]) or row[i] is None for row in self.rows)
            for i in range(len(self.columns))
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "columns": list(self.columns),
            "rows": [list(row) for row in self.rows],
        }


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)

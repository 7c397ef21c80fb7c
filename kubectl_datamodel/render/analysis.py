"""An ``Analysis`` for people: terminal tables, a one-line summary, and Markdown.

The JSON document is ``Analysis.as_dict`` in the envelope; this module only decides how the
same data reads. Everything from a cluster goes through ``text.markdown`` in Markdown (a
report may be posted where others read it: a name could carry a link or a mention).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubectl_datamodel import analysis, model
from kubectl_datamodel.analysis.base import Analysis, Level
from kubectl_datamodel.render import text


def cell(column: str, value: Any) -> str:
    """A table value as text (``text.cell``), ``*_bytes`` columns in KiB/MiB."""
    if column.endswith("_bytes") and isinstance(value, int) and not isinstance(value, bool):
        return text.human_bytes(value)
    return text.cell(value)


def tables(result: Analysis) -> list[model.Table]:
    """The findings (when there are any), then the view's own tables."""
    found: list[model.Table] = []
    if result.findings:
        rows = [[f.level.label, f.rule, f.subject, f.message] for f in result.findings]
        found.append(
            model.Table.of(["LEVEL", "RULE", "SUBJECT", "MESSAGE"], rows, title="Findings")
        )
    for table in result.tables:
        columns = [c.replace("_", " ").upper() for c in table.columns]
        rows = [[cell(c, v) for c, v in zip(table.columns, row, strict=True)] for row in table.rows]
        found.append(model.Table.of(columns, rows, title=table.title))
    return found


def summary_line(result: Analysis) -> str:
    """One line for the terminal: what was analysed and, for a view with rules, the findings
    per level."""
    return _summary(result, text.visible)


def _summary(result: Analysis, show: Callable[[str], str]) -> str:
    context = show(result.cluster_context)
    if result.view == "history":
        count = len(next((t.rows for t in result.tables if t.name == "counts"), ()))
        return f"history: {text.plural(count, 'snapshot')} of context {context}"
    snapshot = result.snapshot
    where = f"snapshot {snapshot.id} of context {context}" if snapshot else f"context {context}"
    if result.view == "fleet":
        clusters = len(result.tables[0].columns) - 2 if result.tables else 0
        where = f"the newest snapshots of {text.plural(clusters, 'cluster context')}"
    if not analysis.RULES[result.view]:
        return f"{result.view}: {where}"
    if not result.findings:
        return f"{result.view}: no findings in {where}"
    counts = ", ".join(text.level_count(result.count(level), level) for level in Level.descending())
    return f"{result.view}: {counts} in {where}"


def markdown(result: Analysis) -> str:
    """A heading, the summary, the findings, then every table of the view."""
    blocks = [
        f"### kubectl-datamodel analysis: {result.view}",
        _summary(result, text.markdown),
    ]
    if result.findings:
        lines = ["| level | rule | subject | message |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {text.icon(f.level)} {f.level.label} | `{f.rule}` | {text.markdown(f.subject)} | "
            f"{text.markdown(f.message)} |"
            for f in result.findings
        ]
        blocks.append("\n".join(lines))
    blocks += [_markdown_table(table) for table in result.tables]
    return "\n\n".join(blocks) + "\n"


def _markdown_table(table: model.Table) -> str:
    heading = f"#### {text.markdown(table.title or '')}"
    if not table.rows:
        return f"{heading}\n\nNone."
    lines = [
        "| " + " | ".join(text.markdown(c) for c in table.columns) + " |",
        "| " + " | ".join("---" for _ in table.columns) + " |",
    ]
    for row in table.rows:
        cells = (text.markdown(cell(c, v)) for c, v in zip(table.columns, row, strict=True))
        lines.append("| " + " | ".join(cells) + " |")
    return heading + "\n\n" + "\n".join(lines)

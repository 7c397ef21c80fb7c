"""Render a drift report: the JSON/YAML contract, tables for people, and a pull-request comment.

``drift`` decides what changed; this module only decides how it reads. The JSON document
is what scripts and the GitHub Action parse (docs/json-output.md, ``DriftReport``), so its keys
and their order are a contract pinned by tests. The Markdown is posted as a pull-request comment:
every value in it came from a cluster someone else may control, so it all goes through
``text.markdown``, and the whole comment stays under GitHub's size limit with breaking changes
first, so they are the last thing cut.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kubectl_datamodel import contract, model
from kubectl_datamodel.drift import changes
from kubectl_datamodel.render import text

SCHEMA_VERSION = 1
MARKDOWN_LIMIT = text.GITHUB_COMMENT_LIMIT

SEVERITIES = changes.Severity.descending()
TITLES = {kind.change_kind: kind.title for kind in model.KINDS if kind.change_kind}
# Kinds every summary lists, with or without changes: what a snapshot holds by default.
ALWAYS_LISTED = tuple(
    kind.change_kind for kind in model.KINDS if kind.component in model.COMPONENTS
)
VALUE_WIDTH = 60  # old and new values, in tables and in the comment
MARKDOWN_NOTES = 10  # notes shown in the comment; the rest are in the full report


_Section = tuple[str, changes.Severity, list[changes.Change]]  # kind, severity, its changes


# -- the JSON/YAML document ----------------------------------------------------------------------


def document(report: changes.DriftReport, *, fail_on: changes.Severity | None) -> changes.JSON:
    """What `diff -o json|yaml` prints and the Action reads; key order is part of the contract."""
    body: changes.JSON = {
        "schema_version": SCHEMA_VERSION,
        "old": report.old.as_dict(),
        "new": report.new.as_dict(),
        "summary": _summary_dict(report, fail_on),
        "changes": [c.as_dict() for c in report.changes],
        "notes": list(report.notes),
    }
    return contract.envelope("DriftReport", body)


def _summary_dict(report: changes.DriftReport, fail_on: changes.Severity | None) -> changes.JSON:
    by_kind = _by_kind(report.changes, every_kind=True)
    return {
        "drift": bool(report.changes),
        "total": len(report.changes),
        **{s.label: report.count(s) for s in SEVERITIES},
        "ignored": report.ignored,
        "by_kind": {kind: _counts(found) for kind, found in by_kind.items()},
        "fail_on": fail_on.label if fail_on is not None else "none",
        "failed": fail_on is not None and bool(report.at_or_above(fail_on)),
    }


def _counts(found: Sequence[changes.Change]) -> dict[str, int]:
    return {s.label: sum(1 for c in found if c.severity is s) for s in SEVERITIES}


# -- tables and the summary line ------------------------------------------------------------------


def tables(report: changes.DriftReport) -> list[model.Table]:
    """One table per kind with changes, breaking rows first, so the worst news is on top."""
    columns = ["SEVERITY", "NAME", "CHANGE", "WHERE", "OLD → NEW"]
    return [
        model.Table.of(columns, [_table_row(c) for c in _ranked(found)], title=_title(kind))
        for kind, found in _by_kind(report.changes, every_kind=False).items()
    ]


def _table_row(change: changes.Change) -> list[str]:
    return [
        change.severity.label,
        text.visible(change.subject),
        text.visible(change.rule),
        _where(change),
        f"{text.compact(change.old, VALUE_WIDTH)} → {text.compact(change.new, VALUE_WIDTH)}",
    ]


def summary_line(report: changes.DriftReport) -> str:
    """One line for the terminal and the log: counts first, then what was compared."""
    return _summary_text(report, text.visible)


def _summary_text(report: changes.DriftReport, show: Callable[[str], str]) -> str:
    """The summary, with the sides' labels passed through ``show`` (escaped in Markdown).
    "No drift" is qualified when the notes say something was not compared: CRDs nobody could
    read have not stayed the same, as far as anyone knows."""
    sides = f"{show(report.old.label)} and {show(report.new.label)}"
    ignored = f" ({report.ignored:,} ignored)" if report.ignored else ""
    if not report.changes:
        qualified = ", in what could be compared (see the notes)" if report.notes else ""
        return f"no drift{ignored} between {sides}{qualified}"
    counts = ", ".join(text.level_count(report.count(s), s) for s in SEVERITIES)
    total = text.plural(len(report.changes), "change")
    return f"{counts}: {total}{ignored} between {sides}"


# -- the pull-request comment ------------------------------------------------------------------


def markdown(
    report: changes.DriftReport, *, limit: int = MARKDOWN_LIMIT, full_report_hint: str
) -> str:
    """The drift as a GitHub comment of at most ``limit`` characters.

    ``full_report_hint`` is ours, not the cluster's (a command line or an artifact name), so it
    is inserted as Markdown, unescaped: backticks in it render as code. When not everything
    fits, the comment ends by saying how much was left out and pointing at the hint. Raises
    ValueError when even the header and the summary table do not fit in ``limit``.
    """
    head = _head(report, full_report_hint)
    sections = _sections(report.changes)
    ordered = [c for _, _, found in sections for c in found]
    out, shown = _write_sections(head, sections, limit)
    if shown == len(ordered):
        return out.text()
    # Keep room for the note: it is never longer than for all changes left out.
    room = limit - len(_cut_note(ordered, limit, full_report_hint))
    out, shown = _write_sections(head, sections, room)
    out.add(_cut_note(ordered[shown:], limit, full_report_hint))
    return out.text()


def _write_sections(head: str, sections: Sequence[_Section], room: int) -> tuple[_Writer, int]:
    """Write the head, then sections while they fit in ``room``; return how many rows fitted."""
    if len(head) > room:
        raise ValueError("the comment limit is too small for the drift summary")
    out = _Writer(room, [head], len(head))
    shown = 0
    for kind, severity, found in sections:
        written = _write_section(out, kind, severity, found)
        shown += written
        if written < len(found):
            break
    return out, shown


@dataclasses.dataclass
class _Writer:
    """The comment so far, and how many characters it may still grow by."""

    limit: int
    parts: list[str]
    used: int

    def room(self) -> int:
        return self.limit - self.used

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.used += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _head(report: changes.DriftReport, full_report_hint: str) -> str:
    """The heading, the summary line, the totals per kind and the notes: never cut."""
    summary = _summary_text(report, text.markdown)
    blocks = ["### kubectl-datamodel drift", summary[0].upper() + summary[1:]]
    if report.changes:
        blocks.append("\n".join(_totals_table(report.changes)))
    notes = [f"- {text.markdown(n)}" for n in report.notes[:MARKDOWN_NOTES]]
    if len(report.notes) > MARKDOWN_NOTES:
        more = text.plural(len(report.notes) - MARKDOWN_NOTES, "more note")
        notes.append(f"- …and {more}. Full report: {full_report_hint}")
    if notes:
        blocks.append("Notes:\n\n" + "\n".join(notes))
    return "\n\n".join(blocks) + "\n"


def _totals_table(found: Sequence[changes.Change]) -> list[str]:
    header = " | ".join(f"{text.icon(s)} {s.label}" for s in SEVERITIES)
    rows = [f"| kind | {header} |", "| --- | ---: | ---: | ---: |"]
    groups = _by_kind(found, every_kind=True)
    for kind, group in groups.items():
        counts = _counts(group).values()
        rows.append(f"| {text.markdown(_title(kind))} | " + " | ".join(map(str, counts)) + " |")
    totals = " | ".join(f"**{n:,}**" for n in _counts(found).values())
    rows.append(f"| **total** | {totals} |")
    return rows


def _sections(found: Sequence[changes.Change]) -> list[_Section]:
    """(kind, severity, changes) in the order they are written: all breaking ones first."""
    groups = _by_kind(found, every_kind=False)
    sections = []
    for severity in SEVERITIES:
        for kind, group in groups.items():
            matching = [c for c in group if c.severity is severity]
            if matching:
                sections.append((kind, severity, _ranked(matching)))
    return sections


def _write_section(
    out: _Writer, kind: str, severity: changes.Severity, found: Sequence[changes.Change]
) -> int:
    """Write as many rows of one section as fit, closing its <details>; return how many."""
    # Each block after the head starts with the blank line that separates it from the last.
    opener = "\n<details open>\n" if severity is changes.Severity.BREAKING else "\n<details>\n"
    header = "| name | change | where | old → new |\n| --- | --- | --- | --- |\n"
    closer = "\n</details>\n"
    rows = [_markdown_row(c) for c in found]
    frame = len(opener) + len(header) + len(closer)
    whole = _section_summary(kind, severity, len(found), len(found))
    if frame + len(whole) + sum(map(len, rows)) > out.room():
        # Cut: the summary then says how many are shown, which takes a few more characters.
        longest = _section_summary(kind, severity, len(found), len(found) - 1)
        rows = _prefix(rows, out.room() - frame - len(longest))
    if rows:
        summary = _section_summary(kind, severity, len(found), len(rows))
        out.add(opener + summary + header + "".join(rows) + closer)
    return len(rows)


def _prefix(rows: Sequence[str], room: int) -> list[str]:
    """The leading rows whose total length fits in ``room``."""
    fitted = []
    for row in rows:
        room -= len(row)
        if room < 0:
            break
        fitted.append(row)
    return fitted


def _section_summary(kind: str, severity: changes.Severity, total: int, shown: int) -> str:
    # GitHub renders the table inside <details> only after a blank line following <summary>.
    cut = f" (first {shown:,} shown)" if shown < total else ""
    count = text.level_count(total, severity)
    return (
        f"<summary>{text.icon(severity)} {text.markdown(_title(kind))}: {count}{cut}</summary>\n\n"
    )


def _markdown_row(change: changes.Change) -> str:
    cells = [
        text.markdown(change.subject),
        f"`{change.rule}`",  # ours, never from a cluster: letters, dots and dashes
        text.markdown(_where(change)),
        f"{_markdown_value(change.old)} → {_markdown_value(change.new)}",
    ]
    return "| " + " | ".join(cells) + " |\n"


def _markdown_value(value: Any) -> str:
    return text.markdown(text.compact(value, VALUE_WIDTH))


def _cut_note(omitted: Sequence[changes.Change], limit: int, full_report_hint: str) -> str:
    """Say how much is missing. Never longer for fewer changes, so its room can be kept first."""
    counts = [(s, sum(1 for c in omitted if c.severity is s)) for s in SEVERITIES]
    detail = ", ".join(text.level_count(n, s) for s, n in counts if n)
    return (
        f"\n…and {text.plural(len(omitted), 'more change')} ({detail}) not shown: the comment is "
        f"limited to {limit:,} characters. Full report: {full_report_hint}\n"
    )


# -- values -------------------------------------------------------------------------------------


def _where(change: changes.Change) -> str:
    return text.visible(" ".join(p for p in (change.version, change.path) if p)) or "-"


# -- grouping and wording -----------------------------------------------------------------------


def _by_kind(
    found: Iterable[changes.Change], *, every_kind: bool
) -> dict[str, list[changes.Change]]:
    """Changes per kind in report order, then any other kind as met; with ``every_kind``, the
    kinds in ALWAYS_LISTED even when they have none."""
    groups: dict[str, list[changes.Change]] = {k: [] for k in ALWAYS_LISTED if k}
    for change in sorted(found, key=lambda c: changes.kind_rank(c.kind)):
        groups.setdefault(change.kind, []).append(change)
    return {k: v for k, v in groups.items() if v or every_kind}


def _ranked(found: Iterable[changes.Change]) -> list[changes.Change]:
    """Breaking first, then by name; stable, so the producer's order holds within a name."""
    return sorted(found, key=lambda c: (-c.severity, c.subject))


def _title(kind: str) -> str:
    return TITLES.get(kind, kind)

"""Render a drift report: the JSON/YAML contract, the terminal's overview and full tables, and
a pull-request comment.

``drift`` decides what changed and ``drift.summary`` how it is read (per component, worst
first, repetition folded); this module only decides how it looks. The JSON document is what
scripts and the GitHub Action parse (docs/json-output.md, ``DriftReport``), so its keys and
their order are a contract pinned by tests; it keeps every change. People get the verdict, a
headline per component, the breaking changes with what they hit and why, then the rest folded.
The Markdown is posted as a pull-request comment: every value in it came from a cluster
someone else may control, so it all goes through ``text.markdown``, and the whole comment
stays under GitHub's size limit by dropping detail, never the verdict or a headline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kubectl_datamodel import contract, model
from kubectl_datamodel.drift import changes, summary
from kubectl_datamodel.drift import scope as drift_scope
from kubectl_datamodel.drift.rules import catalog
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
        "components": [_component_dict(line) for line in summary.components(report)],
        "rules": {
            rule: catalog.why(rule)
            for rule in sorted({c.rule for c in (*report.changes, *report.unmanaged)})
        },
        "scope": report.scope,
        "unmanaged": [c.as_dict() for c in report.unmanaged],
        "counts_from": report.counts_from.as_dict() if report.counts_from else None,
    }
    return contract.envelope("DriftReport", body)


def _component_dict(line: summary.ComponentLine) -> changes.JSON:
    component = line.component
    return {
        "key": component.key,
        "name": component.name,
        "source": component.source,
        "status": component.status,
        "old_version": component.old_version,
        "new_version": component.new_version,
        "crds_changed": line.crds_changed,
        **{s.label: line.count(s) for s in SEVERITIES},
        "objects_at_risk": line.objects_at_risk,
    }


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
        "unmanaged": len(report.unmanaged),
    }


def _counts(found: Sequence[changes.Change]) -> dict[str, int]:
    return {s.label: sum(1 for c in found if c.severity is s) for s in SEVERITIES}


# -- tables and the summary line ------------------------------------------------------------------


def tables(report: changes.DriftReport) -> list[model.Table]:
    """One table per kind with changes, breaking rows first, so the worst news is on top; then
    what the manifests do not declare, one object a line."""
    columns = ["SEVERITY", "NAME", "CHANGE", "WHERE", "OLD → NEW"]
    found = [
        model.Table.of(columns, [_table_row(c) for c in _ranked(found)], title=_title(kind))
        for kind, found in _by_kind(report.changes, every_kind=False).items()
    ]
    if report.unmanaged:
        rows = [
            [
                text.visible(c.kind),
                text.visible(c.subject),
                text.visible(_component_name(report, c)),
            ]
            for c in report.unmanaged
        ]
        found.append(model.Table.of(["KIND", "NAME", "COMPONENT"], rows, title=UNMANAGED_TITLE))
    return found


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


def verdict(report: changes.DriftReport, fail_on: changes.Severity | None) -> str:
    """The first line: whether ``--fail-on`` fails, then the summary."""
    line = summary_line(report)
    if fail_on is None:
        return line
    failed = bool(report.at_or_above(fail_on))
    return f"{'FAILS' if failed else 'passes'} --fail-on {fail_on.label}: {line}"


def headline(line: summary.ComponentLine, show: Callable[[str], str] = text.visible) -> str:
    """``cert-manager v1.12.2 → v1.16.1: 6 CRDs changed, 0 breaking, 3 warnings, 100 info``,
    its cluster values passed through ``show``."""
    counts = ", ".join(text.level_count(line.count(s), s) for s in SEVERITIES)
    crds = line.crds_changed
    changed = f"{text.plural(crds, 'CRD')} changed, {counts}" if crds else counts
    return f"{component_title(line.component, show)}: {changed}"


def component_title(component: changes.Component, show: Callable[[str], str]) -> str:
    """The component as a headline names it: what it is, and its versions."""
    kind = {"olm": " (OLM)", "helm": " (Helm)", "api-group": " (API group)"}.get(
        component.source, ""
    )
    name = show(component.name) + kind
    old, new = (show(v) if v else None for v in (component.old_version, component.new_version))
    if component.status == "added":
        return f"{name} {new} added" if new else f"{name} added"
    if component.status == "removed":
        return f"{name} {old} removed" if old else f"{name} removed"
    if component.status == "upgraded":
        return f"{name} {old} → {new}"
    return f"{name} {new or old}" if new or old else name


def overview(report: changes.DriftReport) -> list[model.Table]:
    """The terminal's default: the breaking changes folded per CRD version, the most objects at
    risk first, then the warnings folded per component and rule."""
    found = [breaking_table(report), folded_table(report, changes.Severity.WARNING)]
    return [table for table in found if table.rows]


def components_table(report: changes.DriftReport) -> model.Table:
    """The headlines as a table (the HTML page's)."""
    rows = [
        [
            line.component.name + _source_suffix(line.component),
            _versions(line.component, str),
            line.crds_changed,
            *(line.count(s) for s in SEVERITIES),
        ]
        for line in summary.components(report)
    ]
    columns = ["COMPONENT", "VERSION", "CRDS CHANGED", *(s.label.upper() for s in SEVERITIES)]
    return model.Table.of(columns, rows, title="Components", name="drift-components")


def breaking_table(report: changes.DriftReport) -> model.Table:
    rows = [_breaking_row(f, report) for f in summary.breaking(report)]
    return model.Table.of(BREAKING_COLUMNS, rows, title=BREAKING_TITLE, name="drift-breaking")


def folded_table(report: changes.DriftReport, severity: changes.Severity) -> model.Table:
    rows = [_folded_row(f, report) for f in summary.folded(report, severity)]
    title = f"{text.level_count(sum(r[2] for r in rows), severity).capitalize()}, folded"
    return model.Table.of(FOLDED_COLUMNS, rows, title=title, name=f"drift-{severity.label}")


def unmanaged_line(report: changes.DriftReport) -> str | None:
    """The terminal's count of what the manifests do not declare, as it counts info."""
    if not report.unmanaged:
        return None
    return (
        f"{text.plural(len(report.unmanaged), 'object')} of {report.old.named} not managed "
        "here (not in the manifests, not compared): -v lists them."
    )


BREAKING_TITLE = "Breaking changes"
UNMANAGED_TITLE = "Not managed here"
BREAKING_COLUMNS = ["IMPACT", "COMPONENT", "NAME", "CHANGE", "WHERE", "OLD → NEW"]
FOLDED_COLUMNS = ["COMPONENT", "CHANGE", "COUNT", "IN", "FOR EXAMPLE"]


def _breaking_row(fold: summary.Fold, report: changes.DriftReport) -> list[Any]:
    first = fold.first
    return [
        impact_text(fold.impact),
        text.visible(_component_name(report, first)),
        text.visible(first.subject),
        first.rule,
        _folded_where(fold, text.visible),
        _folded_values(fold),
    ]


def _folded_row(fold: summary.Fold, report: changes.DriftReport) -> list[Any]:
    first = fold.first
    subjects = fold.subjects
    noun = {"CRD": "CRD"}.get(first.kind, "object")
    within = text.visible(subjects[0]) if len(subjects) == 1 else text.plural(len(subjects), noun)
    return [
        text.visible(_component_name(report, first)),
        first.rule,
        fold.count,
        within,
        f"{text.visible(first.subject)} {_where(first)}" if len(subjects) > 1 else _where(first),
    ]


def _unmanaged_row(
    fold: summary.Fold, report: changes.DriftReport, show: Callable[[str], str]
) -> list[Any]:
    first = fold.first
    examples = ", ".join(show(s) for s in fold.subjects[: summary.EXAMPLES])
    more = ", …" if fold.count > summary.EXAMPLES else ""
    return [show(_component_name(report, first)), show(first.kind), fold.count, examples + more]


def impact_text(impact: changes.Impact | None) -> str:
    """What a breaking change hits, in a few words: 3 objects, no objects, objects unknown."""
    if impact is None:
        return "-"
    if impact.objects is None:
        return "unknown"
    return text.plural(impact.objects, "object") if impact.objects else "no objects"


def why_lines(rules: Sequence[str]) -> list[str]:
    """``rule: why it matters``, for each rule a section shows."""
    return [f"{rule}: {catalog.why(rule)}" for rule in rules if catalog.why(rule)]


def _component_name(report: changes.DriftReport, change: changes.Change) -> str:
    component = next((c for c in report.components if c.key == change.component), None)
    return component.name if component else change.component


def _folded_where(fold: summary.Fold, show: Callable[[str], str]) -> str:
    """One place, or how many and the first few: ``v1 4 paths: .spec.a, .spec.b, …``."""
    first = fold.first
    if fold.count == 1:
        return show(_place(first)) or "-"
    paths = fold.places(lambda c: c.path or "-")
    more = ", …" if fold.count > len(paths) else ""
    version = f"{first.version} " if first.version else ""
    listed = ", ".join(show(p) for p in paths)
    return f"{show(version)}{fold.count:,} places: {listed}{more}"


def _folded_values(fold: summary.Fold, limit: int = VALUE_WIDTH) -> str:
    """old → new, when every folded change has the same; else each one's."""
    if fold.count > 1 and not (fold.same(lambda c: c.old) and fold.same(lambda c: c.new)):
        return "(several)"
    first = fold.first
    return f"{text.compact(first.old, limit)} → {text.compact(first.new, limit)}"


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
    also = f", {report.ignored:,} ignored" if report.ignored else ""
    counted = report.counts_from
    objects = f", objects counted in {show(counted.label)}" if counted else ""
    return f"{counts} ({total}{also}) between {sides}{objects}"


# -- the pull-request comment ------------------------------------------------------------------


def markdown(
    report: changes.DriftReport,
    *,
    limit: int = MARKDOWN_LIMIT,
    full_report_hint: str,
    fail_on: changes.Severity | None = None,
) -> str:
    """The drift as a GitHub comment of at most ``limit`` characters.

    The verdict comes first, then a table of the components, the notes, the breaking changes
    with their impact and why, and the warnings and info folded in ``<details>``. When that does
    not fit, detail goes first: info, then warnings, then breaking changes beyond what fits
    (each section whole or replaced by a line saying what it held); the verdict, the components
    and the notes always stay. ``full_report_hint`` is ours, not the cluster's (a command line or
    an artifact name), so it is inserted as Markdown, unescaped. Raises ValueError when even the
    verdict and the components do not fit in ``limit``.
    """
    head = _head(report, fail_on)
    if len(head) > limit:
        raise ValueError("the comment limit is too small for the drift summary")
    sections = [
        _breaking_section(report),
        _folded_section(report, changes.Severity.WARNING),
        _folded_section(report, changes.Severity.INFO),
        _unmanaged_section(report),
    ]
    # Drop detail from the end until the rest fits: what is not managed here, info, then
    # warnings, then breaking rows.
    for dropped in range(len(sections)):
        kept = sections[: len(sections) - dropped]
        left_out = sections[len(sections) - dropped :]
        tail = "".join(_left_out(s, full_report_hint) for s in left_out if s.count)
        body = head + "".join(s.text for s in kept) + tail
        if len(body) <= limit:
            return body
    rows = _breaking_rows_that_fit(report, limit - len(head), full_report_hint)
    return head + rows


@dataclasses.dataclass(frozen=True)
class _Section:
    """One part of the comment: its text, and what it holds, for the line that replaces it."""

    text: str
    severity: changes.Severity
    count: int
    noun: str = ""  # what it counts, when not changes of its severity

    @property
    def what(self) -> str:
        if self.noun:
            return f"{self.count:,} {self.noun}"
        return text.level_count(self.count, self.severity)


def _head(report: changes.DriftReport, fail_on: changes.Severity | None) -> str:
    """The verdict, the components and the notes: never cut."""
    blocks = ["### kubectl-datamodel drift", _markdown_verdict(report, fail_on)]
    lines = summary.components(report)
    if lines:
        blocks.append("\n".join(_components_table(lines)))
    notes = [f"- {text.markdown(n)}" for n in report.notes[:MARKDOWN_NOTES]]
    if len(report.notes) > MARKDOWN_NOTES:
        more = text.plural(len(report.notes) - MARKDOWN_NOTES, "more note")
        notes.append(f"- …and {more} in the full report")
    if notes:
        blocks.append("Not compared, or worth knowing:\n\n" + "\n".join(notes))
    return "\n\n".join(blocks) + "\n"


def _markdown_verdict(report: changes.DriftReport, fail_on: changes.Severity | None) -> str:
    line = _summary_text(report, text.markdown)
    line = line[0].upper() + line[1:]
    if fail_on is None:
        return line
    if report.at_or_above(fail_on):
        return f"❌ **Fails `--fail-on {fail_on.label}`.** {line}"
    return f"✅ **Passes `--fail-on {fail_on.label}`.** {line}"


def _components_table(lines: Sequence[summary.ComponentLine]) -> list[str]:
    icons = " | ".join(f"{text.icon(s)} {s.label}" for s in SEVERITIES)
    rows = [
        f"| component | version | CRDs changed | {icons} |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for line in lines:
        component = line.component
        name = text.markdown(component.name) + _source_suffix(component)
        counts = " | ".join(f"{line.count(s):,}" for s in SEVERITIES)
        rows.append(
            f"| {name} | {_versions(component, text.markdown)} | {line.crds_changed:,} | {counts} |"
        )
    return rows


def _source_suffix(component: changes.Component) -> str:
    return {"olm": " (OLM)", "helm": " (Helm)", "api-group": " (API group)"}.get(
        component.source, ""
    )


def _versions(component: changes.Component, show: Callable[[str], str]) -> str:
    """``old → new``, ``added 1.2``, ``removed 1.2``, or the one version there is."""
    old, new = (show(v) if v else None for v in (component.old_version, component.new_version))
    status = component.status
    if status == "added":
        return f"added {new or ''}".strip()
    if status == "removed":
        return f"removed {old or ''}".strip()
    if status == "upgraded":
        return f"{old} → {new}"
    return new or old or "-"


def _breaking_section(report: changes.DriftReport) -> _Section:
    folds = summary.breaking(report)
    if not folds:
        return _Section("", changes.Severity.BREAKING, 0)
    rows = "".join(_markdown_breaking_row(f, report) for f in folds)
    count = sum(f.count for f in folds)
    return _Section(
        f"\n#### {text.icon(changes.Severity.BREAKING)} Breaking: {count:,}\n\n"
        + BREAKING_HEADER
        + rows
        + _markdown_why(summary.rules_of(folds)),
        changes.Severity.BREAKING,
        count,
    )


BREAKING_HEADER = (
    "| impact | component | name | change | where | old → new |\n"
    "| --- | --- | --- | --- | --- | --- |\n"
)
FOLDED_HEADER = (
    "| component | change | count | in | for example |\n| --- | --- | ---: | --- | --- |\n"
)


def _markdown_breaking_row(fold: summary.Fold, report: changes.DriftReport) -> str:
    first = fold.first
    values = text.markdown(_folded_values(fold))
    cells = [
        impact_text(fold.impact),
        text.markdown(_component_name(report, first)),
        text.markdown(first.subject),
        f"`{first.rule}`",  # ours, never from a cluster: letters, dots and dashes
        _folded_where(fold, text.markdown),
        values,
    ]
    return "| " + " | ".join(cells) + " |\n"


def _markdown_why(rules: Sequence[str]) -> str:
    lines = [f"- `{rule}`: {catalog.why(rule)}" for rule in rules if catalog.why(rule)]
    return "\nWhy these break:\n\n" + "\n".join(lines) + "\n" if lines else ""


def _folded_section(report: changes.DriftReport, severity: changes.Severity) -> _Section:
    folds = summary.folded(report, severity)
    if not folds:
        return _Section("", severity, 0)
    count = sum(f.count for f in folds)
    rows = "".join(_markdown_folded_row(f, report) for f in folds)
    title = (
        f"{text.icon(severity)} {text.level_count(count, severity)}, folded by component and rule"
    )
    # GitHub renders the table inside <details> only after a blank line following <summary>.
    return _Section(
        f"\n<details>\n<summary>{title}</summary>\n\n{FOLDED_HEADER}{rows}\n</details>\n",
        severity,
        count,
    )


def _markdown_folded_row(fold: summary.Fold, report: changes.DriftReport) -> str:
    first = fold.first
    subjects = fold.subjects
    noun = "CRD" if first.kind == "CRD" else "object"
    within = text.markdown(subjects[0]) if len(subjects) == 1 else text.plural(len(subjects), noun)
    example = text.markdown(_place(first) or "-")
    if len(subjects) > 1:
        example = f"{text.markdown(first.subject)} {example}"
    cells = [
        text.markdown(_component_name(report, first)),
        f"`{first.rule}`",
        f"{fold.count:,}",
        within,
        example,
    ]
    return "| " + " | ".join(cells) + " |\n"


def _unmanaged_section(report: changes.DriftReport) -> _Section:
    """What the manifests do not declare, folded per component and kind, collapsed: not
    compared, so last, and the first detail to go when the comment is too long."""
    folds = summary.unmanaged(report)
    info = changes.Severity.INFO
    noun = "objects not managed here" if len(report.unmanaged) != 1 else "object not managed here"
    if not folds:
        return _Section("", info, 0, noun)
    rows = "".join(_markdown_unmanaged_row(f, report) for f in folds)
    count = len(report.unmanaged)
    side = text.markdown(report.old.named)
    title = (
        f"{text.icon(info)} {count:,} {noun}: in {side}, not in the manifests, not compared "
        f"(`{drift_scope.UNMANAGED}`)"
    )
    return _Section(
        f"\n<details>\n<summary>{title}</summary>\n\n{UNMANAGED_HEADER}{rows}\n</details>\n",
        info,
        count,
        noun,
    )


UNMANAGED_HEADER = "| component | kind | count | for example |\n| --- | --- | ---: | --- |\n"


def _markdown_unmanaged_row(fold: summary.Fold, report: changes.DriftReport) -> str:
    component, kind, count, examples = _unmanaged_row(fold, report, text.markdown)
    return f"| {component} | {kind} | {count:,} | {examples} |\n"


def _left_out(section: _Section, full_report_hint: str) -> str:
    return (
        f"\n{text.icon(section.severity)} {section.what} not shown here, to keep the comment "
        f"under GitHub's limit. Full report: {full_report_hint}\n"
    )


def _breaking_rows_that_fit(report: changes.DriftReport, room: int, hint: str) -> str:
    """Only the breaking changes, as many rows as fit, and a line saying how many did not."""
    folds = summary.breaking(report)
    total = sum(f.count for f in folds)
    rows = [_markdown_breaking_row(f, report) for f in folds]
    why = _markdown_why(summary.rules_of(folds))
    frame = (
        f"\n#### {text.icon(changes.Severity.BREAKING)} Breaking: {total:,}\n\n" + BREAKING_HEADER
    )
    others = sum(
        s.count
        for s in (
            _folded_section(report, changes.Severity.WARNING),
            _folded_section(report, changes.Severity.INFO),
        )
    )
    shown: list[str] = []
    for index, row in enumerate(rows):
        rest = total - sum(f.count for f in folds[: index + 1])
        note = _cut_note(rest, others, hint)
        if len(frame) + sum(map(len, shown)) + len(row) + len(why) + len(note) > room:
            break
        shown.append(row)
    rest = total - sum(f.count for f in folds[: len(shown)])
    text_out = frame + "".join(shown) + why + _cut_note(rest, others, hint)
    if len(text_out) > room:
        text_out = _cut_note(total, others, hint)
    return text_out


def _cut_note(breaking: int, others: int, hint: str) -> str:
    parts = []
    if breaking:
        parts.append(text.plural(breaking, "more breaking change"))
    if others:
        parts.append(f"{others:,} warnings and info")
    if not parts:
        return ""
    return (
        f"\n…and {' and '.join(parts)} not shown, to keep the comment under GitHub's limit. "
        f"Full report: {hint}\n"
    )


# -- values -------------------------------------------------------------------------------------


def _where(change: changes.Change) -> str:
    return text.visible(_place(change)) or "-"


def _place(change: changes.Change) -> str:
    """The CRD version and the path in it, as the cluster spells them."""
    return " ".join(p for p in (change.version, change.path) if p)


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

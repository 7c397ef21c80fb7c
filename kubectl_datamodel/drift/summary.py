"""A drift report as a reviewer reads it: per component, worst first, repetition folded.

A CRD upgrade can change the same thing at hundreds of paths (a default added to every
container's ``resources``, a keyword on every list); listed one by one they bury the few
changes that matter. Here changes are counted per component, and those of one rule folded into
one line: per CRD version for breaking changes (each keeps its impact), per component for the
rest. Every renderer (terminal, Markdown, HTML) draws from these, so they all read alike; the
JSON document keeps every change as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Sequence

from kubectl_datamodel.drift.changes import Change, Component, DriftReport, Impact, Severity

EXAMPLES = 3  # places a folded line names


@dataclasses.dataclass(frozen=True)
class ComponentLine:
    """A component's headline: what it became, and how much of it changed."""

    component: Component
    changes: tuple[Change, ...]

    def count(self, severity: Severity) -> int:
        return sum(1 for c in self.changes if c.severity is severity)

    @property
    def crds_changed(self) -> int:
        return len({c.name for c in self.changes if c.kind == "CRD"})

    @property
    def worst(self) -> Severity:
        return max(c.severity for c in self.changes)

    @property
    def objects_at_risk(self) -> int:
        return sum(c.impact.objects or 0 for c in self.changes if c.impact)


def components(report: DriftReport) -> list[ComponentLine]:
    """Every component with changes, the worst first: breaking before warnings, then by objects
    at risk and the number of breaking changes, then by name."""
    lines = [
        ComponentLine(component, tuple(c for c in report.changes if c.component == component.key))
        for component in report.components
    ]
    return sorted(
        (line for line in lines if line.changes),
        key=lambda line: (
            -line.worst,
            -line.objects_at_risk,
            -line.count(Severity.BREAKING),
            -line.count(Severity.WARNING),
            line.component.name,
        ),
    )


@dataclasses.dataclass(frozen=True)
class Fold:
    """Changes of one rule folded into one line: all at one place, or many places alike."""

    changes: tuple[Change, ...]

    @property
    def first(self) -> Change:
        return self.changes[0]

    @property
    def count(self) -> int:
        return len(self.changes)

    @property
    def impact(self) -> Impact | None:
        """The largest of its changes' impacts (they are of one CRD version, so alike)."""
        impacts = [c.impact for c in self.changes if c.impact]
        return min(impacts, key=lambda i: i.rank) if impacts else None

    @property
    def subjects(self) -> list[str]:
        return list(dict.fromkeys(c.subject for c in self.changes))

    def places(self, where: Callable[[Change], str]) -> list[str]:
        """Up to EXAMPLES places, as ``where`` names one."""
        return list(dict.fromkeys(where(c) for c in self.changes))[:EXAMPLES]

    def same(self, value: Callable[[Change], object]) -> bool:
        """Whether every folded change has the same ``value`` (old or new shown once)."""
        first = value(self.first)
        return all(value(c) == first for c in self.changes)


def fold(found: Iterable[Change], by: Callable[[Change], Hashable]) -> list[Fold]:
    """Changes grouped by ``by``, each group in the order met."""
    groups: dict[Hashable, list[Change]] = {}
    for change in found:
        groups.setdefault(by(change), []).append(change)
    return [Fold(tuple(group)) for group in groups.values()]


def per_object_version(change: Change) -> Hashable:
    """One line per rule and CRD version (or object): where a breaking change's impact holds."""
    return (
        change.component,
        change.kind,
        change.namespace,
        change.name,
        change.version,
        change.rule,
    )


def per_component(change: Change) -> Hashable:
    return (change.component, change.rule, change.severity)


def breaking(report: DriftReport) -> list[Fold]:
    """The breaking changes folded per CRD version, the most objects at risk first."""
    found = [c for c in report.changes if c.severity is Severity.BREAKING]
    order = {line.component.key: i for i, line in enumerate(components(report))}
    return sorted(
        fold(found, per_object_version),
        key=lambda f: (
            f.impact.rank if f.impact else (3, 0),
            order.get(f.first.component, len(order)),
            f.first.subject,
            f.first.rule,
        ),
    )


def folded(report: DriftReport, severity: Severity) -> list[Fold]:
    """The changes of ``severity`` folded per component and rule, in the components' order,
    the most frequent rule first."""
    found = [c for c in report.changes if c.severity is severity]
    order = {line.component.key: i for i, line in enumerate(components(report))}
    return sorted(
        fold(found, per_component),
        key=lambda f: (order.get(f.first.component, len(order)), -f.count, f.first.rule),
    )


def rules_of(folds: Sequence[Fold]) -> list[str]:
    """The rules of ``folds``, each once, in order."""
    return list(dict.fromkeys(f.first.rule for f in folds))


def unmanaged(report: DriftReport) -> list[Fold]:
    """What the manifests do not declare, folded per component and kind, the largest first:
    a reviewer needs to see which parts of the cluster a repository leaves to others, not
    each object."""
    names = {c.key: c.name for c in report.components}
    return sorted(
        fold(report.unmanaged, lambda c: (c.component, c.kind)),
        key=lambda f: (-f.count, names.get(f.first.component, f.first.component), f.first.kind),
    )

"""Drift between two sides: pair the records, skip the unchanged, classify the rest.

Every kind goes through the same steps, with the rules its ``KindRules`` gives: records are
paired by identity (and the relations a kind knows: a CSV upgrade pairs by lineage), and a pair
whose stored content hashes agree is settled without reading its spec, since in a daily
snapshot almost every record is unchanged. Specs that differ are read in one go per side, run
through the kind's named rules, and what else changed is found field by field by ``leaves``.
docs/drift.md lists every rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from kubectl_datamodel import model
from kubectl_datamodel.drift import changes, components, ignore, impact, leaves, matching, rules
from kubectl_datamodel.drift.changes import Action, Change
from kubectl_datamodel.drift.matching import Entry
from kubectl_datamodel.drift.rules.shape import KindRules
from kubectl_datamodel.drift.sides import Records

JSON = dict[str, Any]


def diff(old: Records, new: Records, silenced: Sequence[ignore.Rule] = ()) -> changes.DriftReport:
    """Every change from ``old`` to ``new``, classified, sorted, and minus what the ignore
    rules in ``silenced`` match. diff(a, a) is empty; diff(b, a) mirrors diff(a, b)."""
    found: list[Change] = []
    notes: list[str] = []
    with_specs = old.has_specs and new.has_specs
    if not with_specs:
        notes.append(
            "an export without specs was compared: schemas and pod specs were not (export "
            "with --include-specs to compare them)"
        )
    for kind in model.KINDS:
        section = kind.section
        if section in old.sections and section in new.sections:
            found += _compared(kind, rules.BY_SECTION[section], old, new, with_specs)
        elif section in old.sections or section in new.sections:
            notes.append(f"{section} not compared: only one side captured them")
    if "resources" in old.sections and "resources" in new.sections:
        notes += [
            f"{pattern} not compared: only one side captured it"
            for pattern in sorted(old.patterns ^ new.patterns)
        ]
    kept = ignore.apply(silenced, found)
    kept.sort(key=_order)
    found_in = components.Components(old, new)
    counts = impact.Counts(old, new)
    placed = [
        dataclasses.replace(c, component=found_in.key_of(c), impact=counts.of(c)) for c in kept
    ]
    return changes.DriftReport(
        old=old.side,
        new=new.side,
        changes=tuple(placed),
        ignored=len(found) - len(kept),
        notes=tuple(notes),
        components=tuple(found_in.of_changes(placed)),
    )


def _order(change: Change) -> tuple[Any, ...]:
    return (
        changes.kind_rank(change.kind),
        -change.severity,
        change.subject,
        change.version or "",
        change.path,
        change.rule,
        repr(change.old),
        repr(change.new),
    )


def _compared(
    kind: model.RecordKind, given: KindRules, old: Records, new: Records, with_specs: bool
) -> list[Change]:
    """One kind's changes, by the steps ``KindRules`` describes."""
    matched = matching.match(
        _comparable(kind, old, new), _comparable(kind, new, old), given.pairings
    )
    found = [given.presence(r, Action.ADDED) for r in matched.added]
    found += [given.presence(r, Action.REMOVED) for r in matched.removed]
    for (o, _), (n, _) in matched.pairs:
        found += given.columns(o, n, with_specs)
    if with_specs and (given.specs or given.fields):
        for o, o_spec, n, n_spec in _changed_specs(old, new, matched.pairs):
            if given.specs is not None:
                found += given.specs(o, o_spec, n, n_spec)
            if given.fields is not None:
                rest = [
                    leaf
                    for leaf in leaves.between(o_spec, n_spec)
                    if not leaves.covered(leaf.path, given.covered)
                ]
                found += given.fields(n, rest) if rest else []
    return found


def _comparable(kind: model.RecordKind, side: Records, other: Records) -> list[Entry]:
    """A side's records of ``kind``; of GROUP/VERSION/Kind objects, only those of patterns
    both sides captured (the rest are noted, not reported)."""
    entries = side.of(kind.section)
    if kind.component is not None:
        return list(entries)
    both = side.patterns & other.patterns
    return [e for e in entries if e[0].pattern in both]


def _changed_specs(
    old: Records, new: Records, pairs: Sequence[tuple[Entry, Entry]]
) -> Iterator[tuple[Any, JSON, Any, JSON]]:
    """The pairs whose specs differ, with both specs read in one go per side."""
    changed = [(o, n) for o, n in pairs if o[1] != n[1]]
    if not changed:
        return
    old_specs = old.load_specs([o[1] for o, _ in changed])
    new_specs = new.load_specs([n[1] for _, n in changed])
    for (o_record, o_digest), (n_record, n_digest) in changed:
        yield o_record, old_specs[o_digest], n_record, new_specs[n_digest]

"""Drift between two sides: pair the records, skip the unchanged, classify the rest.

Every kind goes through the same steps, with the rules its ``KindRules`` gives: records are
paired by identity (and the relations a kind knows: a CSV upgrade pairs by lineage), and a pair
whose stored content hashes agree is settled without reading its spec, since in a daily
snapshot almost every record is unchanged. Specs that differ are read in one go per side, run
through the kind's named rules, and what else changed is found field by field by ``leaves``.
What one side did not capture, or could only partly read (a 403), is not compared at all: the
report's notes say which side and why. Against manifests, only what they declare is compared
(``drift.scope``). docs/drift.md lists every rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from kubectl_datamodel import model
from kubectl_datamodel.drift import changes, components, ignore, impact, leaves, matching, rules
from kubectl_datamodel.drift import scope as manifest_scope
from kubectl_datamodel.drift.changes import Action, Change
from kubectl_datamodel.drift.matching import Entry
from kubectl_datamodel.drift.rules.shape import KindRules
from kubectl_datamodel.drift.sides import Records

JSON = dict[str, Any]


def diff(
    old: Records,
    new: Records,
    silenced: Sequence[ignore.Rule] = (),
    *,
    scope: str = manifest_scope.CLUSTER,
    counts_from: Records | None = None,
) -> changes.DriftReport:
    """Every change from ``old`` to ``new``, classified, sorted, and minus what the ignore
    rules in ``silenced`` match. diff(a, a) is empty; diff(b, a) mirrors diff(a, b).

    ``scope`` ``manifests``: ``new`` is manifests, and only the objects they declare are
    compared; the rest of ``old`` is listed as not managed here (``drift.scope``). ``cluster``
    and ``base`` (two manifest sets) compare both sides whole.
    ``counts_from``: the snapshot whose instance counts give breaking changes their impact,
    when neither side counted objects (two manifest sets: what a pull request changes)."""
    notes: list[str] = []
    with_specs = old.has_specs and new.has_specs
    if not with_specs:
        notes.append(
            "an export without specs was compared: schemas and pod specs were not (export "
            "with --include-specs to compare them)"
        )
    namespaces = _namespace_scope(old, new)
    if namespaces.note:
        notes.append(namespaces.note)
    declared = manifest_scope.Declared(whole=scope != manifest_scope.MANIFESTS)
    result = _every_kind(old, new, with_specs, namespaces, declared)
    notes += result.notes
    if result.unmanaged:
        notes.append(manifest_scope.note(result.declared, result.unmanaged, old.side.named))
    kept = ignore.apply(silenced, result.changes)
    kept.sort(key=_order)
    found_in = components.Components(old, new)
    counts = impact.Counts(old, new, counts_from)
    placed = [
        dataclasses.replace(c, component=found_in.key_of(c), impact=counts.of(c)) for c in kept
    ]
    outside = [
        dataclasses.replace(c, component=found_in.key_of(c))
        for c in sorted(result.unmanaged, key=_order)
    ]
    if old.side.role is not None and counts_from is None and any(c.impact for c in placed):
        notes.append(
            "objects at risk not known: no snapshot to count them in (diff REF --base-dir ... "
            "counts them in snapshot REF)"
        )
    return changes.DriftReport(
        old=old.side,
        new=new.side,
        changes=tuple(placed),
        ignored=len(result.changes) - len(kept),
        notes=tuple(notes),
        components=tuple(found_in.of_changes([*placed, *outside])),
        scope=scope,
        unmanaged=tuple(outside),
        counts_from=counts_from.side if counts_from is not None else None,
    )


@dataclasses.dataclass
class _Found:
    """What comparing every kind gave: the changes, what the manifests do not declare, the
    notes on what could not be compared, and how many objects of the new side were."""

    changes: list[Change] = dataclasses.field(default_factory=list)
    unmanaged: list[Change] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    declared: int = 0


def _every_kind(
    old: Records,
    new: Records,
    with_specs: bool,
    namespaces: _NamespaceScope,
    declared: manifest_scope.Declared,
) -> _Found:
    """Each kind's comparable entries, in ``namespaces`` and, of the old side, in what the
    manifests declare, compared by the kind's rules."""
    found = _Found()
    for kind in model.KINDS:
        compared = set()
        for component, title in _captured(kind, old, new):
            note = _not_comparable(component, title, kind.section, old, new)
            if note is None:
                compared.add(component)
            else:
                found.notes.append(note)
        if not compared:
            continue
        given = rules.BY_SECTION[kind.section]
        new_entries = _comparable(kind, new, compared, namespaces)
        old_entries, unmanaged = declared.split(
            given, _comparable(kind, old, compared, namespaces), new_entries
        )
        found.unmanaged += unmanaged
        found.declared += len(new_entries)
        found.changes += _compared(given, old, new, with_specs, old_entries, new_entries)
    return found


def _captured(kind: model.RecordKind, old: Records, new: Records) -> list[tuple[str, str]]:
    """What either side captured of ``kind``, as (component, its title in notes): the kind's
    own component, or each GROUP/VERSION/Kind pattern of the objects in ``resources``."""
    if kind.component is None:
        return [(p, f"{p} objects") for p in sorted(old.patterns | new.patterns)]
    if kind.component in old.components or kind.component in new.components:
        return [(kind.component, kind.title)]
    return []


def _not_comparable(
    component: str, title: str, section: str, old: Records, new: Records
) -> str | None:
    """Why a component either side captured cannot be compared, naming the side, or None when
    it can. Records one side lacks or read only in part would read as removed or added: a
    snapshot without CRDs is not a cluster without CRDs, so nothing of them is reported."""
    both = (old, new)
    for reason, lacking in (
        ("did not capture them", [s for s in both if component not in s.components]),
        (
            "did not keep them (exported with --crds-only, --operators-only or --olm-only)",
            [s for s in both if section not in s.sections],
        ),
        ("could not read them all (403)", [s for s in both if component in s.partial]),
    ):
        if lacking:
            return f"{title} not compared: {' and '.join(s.side.named for s in lacking)} {reason}"
    return None


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
    given: KindRules,
    old: Records,
    new: Records,
    with_specs: bool,
    old_entries: Sequence[Entry],
    new_entries: Sequence[Entry],
) -> list[Change]:
    """One kind's changes, by the steps ``KindRules`` describes, over the entries that can be
    compared."""
    matched = matching.match(old_entries, new_entries, given.pairings)
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


def _comparable(
    kind: model.RecordKind, side: Records, components: set[str], scope: _NamespaceScope
) -> list[Entry]:
    """A side's records of ``kind`` that both sides looked for: of GROUP/VERSION/Kind objects,
    only those of the patterns in ``components`` (the rest are noted, not reported), and of
    namespaced records only those in ``scope``, with counts only where both sides counted."""
    entries = [(scope.counted(r), digest) for r, digest in side.of(kind.section) if scope.holds(r)]
    if kind.component is not None:
        return entries
    return [e for e in entries if e[0].pattern in components]


@dataclasses.dataclass(frozen=True)
class _NamespaceScope:
    """The namespaces both sides looked in. A snapshot taken with ``-n team-a`` holds team-a's
    operators and releases only; against one of the whole cluster, every other namespace's
    would read as added or removed. So namespaced records are compared where both looked: in
    the one namespace when one side (or both) was taken with it, in none when the sides were
    taken with different ones. Cluster-scoped records (CRDs, nodes) are always compared."""

    namespace: str | None = None  # None: every namespace
    nowhere: bool = False  # the sides looked in different namespaces
    note: str | None = None

    def holds(self, record: Any) -> bool:
        where = record.name if isinstance(record, model.NamespaceRecord) else None
        where = where or getattr(record, "namespace", None)
        if where is None:
            return True
        return not self.nowhere and self.namespace in (None, where)

    def counted(self, record: Any) -> Any:
        """``record``, without its instance count where the sides counted a namespaced kind in
        different namespaces: 7 certificates cluster-wide and 0 in team-a are not a change."""
        narrowed = self.note is not None
        if narrowed and isinstance(record, model.CrdRecord) and record.scope == "Namespaced":
            return dataclasses.replace(record, instance_count=None)
        return record


def _namespace_scope(old: Records, new: Records) -> _NamespaceScope:
    if old.namespace_filter == new.namespace_filter:
        return _NamespaceScope(namespace=old.namespace_filter)
    taken = [
        f"{s.side.named} was taken with -n {s.namespace_filter}"
        for s in (old, new)
        if s.namespace_filter is not None
    ]
    if old.namespace_filter is None or new.namespace_filter is None:
        namespace = old.namespace_filter or new.namespace_filter
        note = f"namespaced objects compared in namespace {namespace} only: {taken[0]}"
        return _NamespaceScope(namespace=namespace, note=note)
    note = f"namespaced objects not compared: {' and '.join(taken)}"
    return _NamespaceScope(nowhere=True, note=note)


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

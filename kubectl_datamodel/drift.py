"""Drift between two snapshots: match the records, skip the unchanged, classify the rest.

The only module that imports deepdiff. Records are matched by identity (CRDs by name,
operators by namespace/kind/name, CSVs by package, so an upgrade is one change), and a pair
whose stored content hashes agree is settled without reading its spec: in a daily snapshot
almost every record is unchanged. Changed CRDs go through ``crdcompat``'s client-compatibility
rules; operator and CSV specs through named rules (images, security posture, resources) and
then deepdiff for whatever else changed, minus the noise the API server makes on its own.
docs/drift.md lists every rule.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from kubectl_datamodel import (
    changes,
    crdcompat,
    drift_kinds,
    ignore,
    model,
    olm,
    paths,
    quantities,
    store,
    workloads,
)
from kubectl_datamodel.changes import Action, Change, Severity

JSON = dict[str, Any]
R = TypeVar("R")
Entry = tuple[R, str]  # a record and the sha256 of its spec
SpecLoader = Callable[[Sequence[str]], Mapping[str, JSON]]


@dataclasses.dataclass(frozen=True)
class Records:
    """One side of a comparison: its records with their spec digests, and a way to read the
    specs of the few that changed (from the database, or already in memory)."""

    side: changes.Side
    crds: Sequence[Entry[model.CrdRecord]]
    operators: Sequence[Entry[model.OperatorRecord]]
    csvs: Sequence[Entry[model.CsvRecord]]
    load_specs: SpecLoader
    components: tuple[str, ...] = model.COMPONENTS  # what the snapshot captured
    sections: frozenset[str] = frozenset(model.sections_of(model.COMPONENTS))
    has_specs: bool = True  # False for an export written without --include-specs
    namespace_filter: str | None = None  # the snapshot was taken with -n
    namespaces: Sequence[Entry[model.NamespaceRecord]] = ()
    nodes: Sequence[Entry[model.NodeRecord]] = ()
    helm_releases: Sequence[Entry[model.HelmReleaseRecord]] = ()
    resources: Sequence[Entry[model.ResourceRecord]] = ()

    @property
    def patterns(self) -> set[str]:
        """The GROUP/VERSION/Kind patterns captured."""
        return {c for c in self.components if "/" in c}

    @classmethod
    def in_memory(
        cls,
        side: changes.Side,
        holder: model.Snapshot | model.StoredSnapshot,
        components: Sequence[str],
        sections: Iterable[str] | None = None,
        has_specs: bool = True,
        namespace_filter: str | None = None,
    ) -> Records:
        """Records already in memory (manifests, a live capture, an export file)."""
        specs: dict[str, JSON] = {}

        def entries(records: Sequence[Any]) -> list[Entry[Any]]:
            found = []
            for record in records:
                digest = store.spec_digest(record.spec)
                specs[digest] = record.spec
                found.append((record, digest))
            return found

        return cls(
            side=side,
            crds=entries(holder.crds),
            operators=entries(holder.operators),
            csvs=entries(holder.csvs),
            namespaces=entries(holder.namespaces),
            nodes=entries(holder.nodes),
            helm_releases=entries(holder.helm_releases),
            resources=entries(holder.resources),
            load_specs=lambda digests: {d: specs[d] for d in digests},
            components=tuple(components),
            sections=frozenset(model.sections_of(components) if sections is None else sections),
            has_specs=has_specs,
            namespace_filter=namespace_filter,
        )


def diff(old: Records, new: Records, rules: Sequence[ignore.Rule] = ()) -> changes.DriftReport:
    """Every change from ``old`` to ``new``, classified, sorted, and minus what ``rules``
    silence. diff(a, a) is empty; diff(b, a) mirrors diff(a, b)."""
    found: list[Change] = []
    notes: list[str] = []
    with_specs = old.has_specs and new.has_specs
    if not with_specs:
        notes.append(
            "an export without specs was compared: schemas and pod specs were not (export "
            "with --include-specs to compare them)"
        )
    for section, compare in _COMPARERS.items():
        if section in old.sections and section in new.sections:
            found.extend(compare(old, new, with_specs))
        elif section in old.sections or section in new.sections:
            notes.append(f"{section} not compared: only one side captured them")
    if "resources" in old.sections and "resources" in new.sections:
        notes.extend(_pattern_notes(old, new))
    kept = ignore.apply(rules, found)
    kept.sort(key=_order)
    return changes.DriftReport(
        old=old.side,
        new=new.side,
        changes=tuple(kept),
        ignored=len(found) - len(kept),
        notes=tuple(notes),
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


# -- matching -----------------------------------------------------------------------------------


@dataclasses.dataclass
class _Matched:
    """Pairs found so far, and the records on each side still without a partner."""

    pairs: list[tuple[Entry[Any], Entry[Any]]]
    old_left: list[Entry[Any]]
    new_left: list[Entry[Any]]

    @property
    def removed(self) -> list[Any]:
        return [record for record, _ in self.old_left]

    @property
    def added(self) -> list[Any]:
        return [record for record, _ in self.new_left]

    def pair_by(self, key: Callable[[Any], Any]) -> None:
        waiting: dict[Any, list[Entry[Any]]] = {}
        for entry in self.new_left:
            waiting.setdefault(key(entry[0]), []).append(entry)
        unmatched = []
        for entry in self.old_left:
            candidates = waiting.get(key(entry[0]))
            if candidates:
                self.pairs.append((entry, candidates.pop(0)))
            else:
                unmatched.append(entry)
        self.old_left = unmatched
        self.new_left = [e for group in waiting.values() for e in group]

    def pair_where(self, related: Callable[[Any, Any], bool]) -> None:
        for old_entry in list(self.old_left):
            partner = next((n for n in self.new_left if related(old_entry[0], n[0])), None)
            if partner is not None:
                self.pairs.append((old_entry, partner))
                self.old_left.remove(old_entry)
                self.new_left.remove(partner)


def _match(
    old: Sequence[Entry[Any]], new: Sequence[Entry[Any]], *keys: Callable[[Any], Any]
) -> _Matched:
    """Pair records by the first key that matches, trying each key in turn on what is left."""
    matched = _Matched([], list(old), list(new))
    for key in keys:
        matched.pair_by(key)
    return matched


def _changed_specs(
    old: Records, new: Records, pairs: Sequence[tuple[Entry[Any], Entry[Any]]]
) -> Iterator[tuple[Any, JSON, Any, JSON]]:
    """The pairs whose specs differ, with both specs read in one go per side."""
    changed = [(o, n) for o, n in pairs if o[1] != n[1]]
    if not changed:
        return
    old_specs = old.load_specs([o[1] for o, _ in changed])
    new_specs = new.load_specs([n[1] for _, n in changed])
    for (o_record, o_digest), (n_record, n_digest) in changed:
        yield o_record, old_specs[o_digest], n_record, new_specs[n_digest]


# -- CRDs ---------------------------------------------------------------------------------------


def _crds(old: Records, new: Records, with_specs: bool) -> list[Change]:
    matched = _match(old.crds, new.crds, lambda r: r.name)
    found = [_crd_added(r) for r in matched.added]
    found += [_crd_removed(r) for r in matched.removed]
    for (o, _), (n, _) in matched.pairs:
        found += _instances(o, n)
    if with_specs:
        for o, o_spec, _n, n_spec in _changed_specs(old, new, matched.pairs):
            found += crdcompat.compare(o_spec, n_spec, name=o.name)
            found += _crd_metadata(o.name, o_spec, n_spec)
    else:
        for (o, _), (n, _) in matched.pairs:
            found += crdcompat.compare(_crd_outline(o), _crd_outline(n), name=o.name)
    return found


def _crd_added(crd: model.CrdRecord) -> Change:
    return Change(
        kind="CRD",
        name=crd.name,
        rule="crd.added",
        severity=Severity.INFO,
        action=Action.ADDED,
        message=f"CRD {crd.name} added ({crd.kind}, {_versions_text(crd)})",
        new=crd.name,
    )


def _crd_removed(crd: model.CrdRecord) -> Change:
    instances = f", deleting its {crd.instance_count} instances" if crd.instance_count else ""
    return Change(
        kind="CRD",
        name=crd.name,
        rule="crd.removed",
        severity=Severity.BREAKING,
        action=Action.REMOVED,
        message=f"CRD {crd.name} removed: clients of {crd.kind} lose the API{instances}",
        old=crd.name,
    )


def _versions_text(crd: model.CrdRecord) -> str:
    return ", ".join(v.name for v in crd.versions) or "no versions"


def _instances(old: model.CrdRecord, new: model.CrdRecord) -> list[Change]:
    before, after = old.instance_count, new.instance_count
    if before is None or after is None or before == after:
        return []
    if after == 0:
        rule, severity, text = "crd.instances.emptied", Severity.WARNING, "all instances gone"
    elif before == 0:
        rule, severity, text = "crd.instances.first", Severity.INFO, "first instances"
    else:
        rule, severity, text = "crd.instances", Severity.INFO, "instance count changed"
    return [
        Change(
            kind="CRD",
            name=old.name,
            rule=rule,
            severity=severity,
            action=Action.CHANGED,
            message=f"{old.name}: {text} ({before} → {after})",
            path="instances",
            old=before,
            new=after,
        )
    ]


def _crd_outline(crd: model.CrdRecord) -> JSON:
    """A CRD rebuilt from its record's columns, when the export holds no spec: enough for the
    version and scope rules, not for schemas."""
    return {
        "spec": {
            "scope": crd.scope,
            "names": {"kind": crd.kind, "plural": crd.plural, "singular": crd.singular},
            "versions": [dataclasses.asdict(v) for v in crd.versions],
        }
    }


def _crd_metadata(name: str, old: JSON, new: JSON) -> list[Change]:
    """Labels and annotations: the rest of a CRD that crdcompat does not look at."""
    return [
        _field_change("CRD", name, None, "crd.metadata", path, before, after)
        for path, before, after in _leaves(
            {k: (old.get("metadata") or {}).get(k) for k in ("labels", "annotations")},
            {k: (new.get("metadata") or {}).get(k) for k in ("labels", "annotations")},
            prefix=("metadata",),
        )
    ]


# -- operators ----------------------------------------------------------------------------------


def _operators(old: Records, new: Records, with_specs: bool) -> list[Change]:
    matched = _match(old.operators, new.operators, lambda r: (r.namespace, r.operator_type, r.name))
    matched.pair_where(_same_but_unnamespaced)
    found = [_operator_presence(r, Action.ADDED) for r in matched.added]
    found += [_operator_presence(r, Action.REMOVED) for r in matched.removed]
    for (o, _), (n, _) in matched.pairs:
        found += _operator_columns(o, n, with_specs)
    if with_specs:
        for _o, o_spec, n, n_spec in _changed_specs(old, new, matched.pairs):
            named = workloads.compare(o_spec, n_spec)
            found += [_operator_change(n, c) for c in named]
            found += [
                _field_change("Operator", n.name, n.namespace, "operator.spec", p, a, b)
                for p, a, b in _leaves(o_spec, n_spec)
                if not _covered(p, workloads.COVERED)
            ]
    return found


def _same_but_unnamespaced(old: model.OperatorRecord, new: model.OperatorRecord) -> bool:
    """Manifests rendered for `kubectl apply -n NS` often carry no namespace at all."""
    return (old.operator_type, old.name) == (new.operator_type, new.name) and None in (
        old.namespace,
        new.namespace,
    )


def _operator_presence(record: model.OperatorRecord, action: Action) -> Change:
    added = action is Action.ADDED
    crds = f"; it managed {', '.join(record.managed_crds)}" if record.managed_crds else ""
    return Change(
        kind="Operator",
        name=record.name,
        namespace=record.namespace,
        rule="operator.added" if added else "operator.removed",
        severity=Severity.INFO if added else Severity.WARNING,
        action=action,
        message=f"{_workload(record)} {action.value}" + ("" if added else crds),
        old=None if added else record.image,
        new=record.image if added else None,
    )


def _operator_columns(
    old: model.OperatorRecord, new: model.OperatorRecord, with_specs: bool
) -> list[Change]:
    """What the records say without reading specs: version, replicas, framework, links."""
    found = []
    where = _workload(new)
    if old.version != new.version:
        found.append(
            _op(
                new,
                "operator.version",
                Severity.INFO,
                "version",
                old.version,
                new.version,
                f"{where}: version {old.version} → {new.version}",
            )
        )
    if old.replicas != new.replicas and None not in (old.replicas, new.replicas):
        severity = Severity.WARNING if new.replicas == 0 else Severity.INFO
        text = "scaled to zero" if new.replicas == 0 else "replicas changed"
        found.append(
            _op(
                new,
                "operator.replicas",
                severity,
                ".spec.replicas",
                old.replicas,
                new.replicas,
                f"{where}: {text} ({old.replicas} → {new.replicas})",
            )
        )
    if old.framework != new.framework:
        found.append(
            _op(
                new,
                "operator.framework",
                Severity.INFO,
                "framework",
                old.framework,
                new.framework,
                f"{where}: now installed by {new.framework}",
            )
        )
    for crd in sorted(set(old.managed_crds) ^ set(new.managed_crds)):
        gained = crd in new.managed_crds
        found.append(
            _op(
                new,
                "operator.managed-crds",
                Severity.INFO,
                f"managed_crds[{crd}]",
                None if gained else crd,
                crd if gained else None,
                f"{where} {'now manages' if gained else 'no longer manages'} {crd}",
            )
        )
    if not with_specs and old.images != new.images:
        found.append(
            _op(
                new,
                "operator.image",
                Severity.INFO,
                "images",
                list(old.images),
                list(new.images),
                f"{where}: images changed",
            )
        )
    return found


def _op(
    record: model.OperatorRecord,
    rule: str,
    severity: Severity,
    path: str,
    before: Any,
    after: Any,
    message: str,
) -> Change:
    return Change(
        kind="Operator",
        name=record.name,
        namespace=record.namespace,
        rule=rule,
        severity=severity,
        action=Action.between(before, after),
        message=message,
        path=path,
        old=before,
        new=after,
    )


def _operator_change(record: model.OperatorRecord, found: Any) -> Change:
    """A workloads.Finding turned into a Change naming the operator."""
    return _op(
        record,
        found.rule,
        found.severity,
        found.path,
        found.old,
        found.new,
        f"{_workload(record)}: {found.message}",
    )


def _workload(record: model.OperatorRecord) -> str:
    """How messages name an operator: ``Deployment cert-manager/cert-manager``."""
    return f"{record.operator_type} {changes.qualified(record.namespace, record.name)}"


# -- CSVs ---------------------------------------------------------------------------------------


def _csvs(old: Records, new: Records, with_specs: bool) -> list[Change]:
    matched = _match(old.csvs, new.csvs, lambda r: (r.namespace, r.name))
    matched.pair_where(olm.related)
    matched.pair_by(lambda r: (r.namespace, olm.package(r)))
    found = [olm.presence(r, Action.ADDED) for r in matched.added]
    found += [olm.presence(r, Action.REMOVED) for r in matched.removed]
    for (o, _), (n, _) in matched.pairs:
        found += olm.compare_records(o, n)
    if with_specs:
        for _o, o_spec, n, n_spec in _changed_specs(old, new, matched.pairs):
            found += olm.compare_images(n, o_spec, n_spec)
            sections = _csv_sections(_leaves(o_spec, n_spec))
            found += [olm.section_change(n, path, count) for path, count in sections.items()]
    return found


def _csv_sections(leaves: Iterable[tuple[str, Any, Any]]) -> dict[str, int]:
    """Count changed fields per top-level section (``.spec.install``...): a CSV upgrade
    rewrites hundreds of descriptors, which a person reads as one line per section."""
    counts: dict[str, int] = {}
    for path, _before, _after in leaves:
        if _covered(path, olm.COVERED):
            continue
        section = "".join(paths.split(path)[:2])
        counts[section] = counts.get(section, 0) + 1
    return counts


# -- the kinds captured on request ---------------------------------------------------------------


def _by_rules(section: str, rules: drift_kinds.KindRules) -> Comparer:
    """A comparer for a section whose wording and severities ``rules`` give."""

    def compare(old: Records, new: Records, with_specs: bool) -> list[Change]:
        return _compared(rules, getattr(old, section), getattr(new, section), old, new, with_specs)

    return compare


def _compared(
    rules: drift_kinds.KindRules,
    old_entries: Sequence[Entry[Any]],
    new_entries: Sequence[Entry[Any]],
    old: Records,
    new: Records,
    with_specs: bool,
) -> list[Change]:
    matched = _match(old_entries, new_entries, rules.identity)
    found = [rules.presence(r, Action.ADDED) for r in matched.added]
    found += [rules.presence(r, Action.REMOVED) for r in matched.removed]
    for (o, _), (n, _) in matched.pairs:
        found += rules.columns(o, n)
    if with_specs and rules.field is not None:
        for _o, o_spec, n, n_spec in _changed_specs(old, new, matched.pairs):
            found += [
                rules.field(n, path, before, after)
                for path, before, after in _leaves(o_spec, n_spec)
                if not _covered(path, rules.covered)
            ]
    return found


def _resources(old: Records, new: Records, with_specs: bool) -> list[Change]:
    """Objects of the patterns both sides captured; the rest are noted, not reported."""
    both = old.patterns & new.patterns
    return _compared(
        drift_kinds.RESOURCES,
        [e for e in old.resources if e[0].pattern in both],
        [e for e in new.resources if e[0].pattern in both],
        old,
        new,
        with_specs,
    )


def _pattern_notes(old: Records, new: Records) -> list[str]:
    return [
        f"{pattern} not compared: only one side captured it"
        for pattern in sorted(old.patterns ^ new.patterns)
    ]


Comparer = Callable[[Records, Records, bool], list[Change]]
_COMPARERS: dict[str, Comparer] = {
    "crds": _crds,
    "operators": _operators,
    "csvs": _csvs,
    "namespaces": _by_rules("namespaces", drift_kinds.NAMESPACES),
    "nodes": _by_rules("nodes", drift_kinds.NODES),
    "helm_releases": _by_rules("helm_releases", drift_kinds.HELM_RELEASES),
    "resources": _resources,
}


# -- deepdiff -----------------------------------------------------------------------------------

# Lists whose entries the API identifies by a key (strategic-merge "patchMergeKey"): compared
# entry by entry, so inserting a container does not read as every later one changing.
_LIST_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
    "deployments": "name",
    "owned": "name",
    "required": "name",
    "ports": "containerPort",
    "clusterPermissions": "serviceAccountName",
    "permissions": "serviceAccountName",
}
# A label or annotation, where an empty value is a value (unlike an empty field).
_MAP_ENTRY = re.compile(r"\.(labels|annotations)(\[|\.|$)")
# A CSV's deployments are defaulted like Deployments (from the CSV CRD's schema defaults).
_EMBEDDED_DEPLOYMENT = re.compile(r"^\.spec\.install\.spec\.deployments\[[^\]]*\](?=\.)")
# Maps of resource quantities, which the API server rewrites in canonical form.
_QUANTITY_MAPS = {"limits", "requests"}
# Lists the API treats as sets: their order carries no meaning.
_SET_LISTS = {"finalizers", "shortNames", "categories", "add", "drop", "keywords", "enum"}

# What the API server writes on its own; never drift. Removed before comparing, so an
# annotations map holding only a revision does not read as "annotations added".
NOISE: tuple[tuple[str, ...], ...] = (
    ("metadata", "creationTimestamp"),
    ("metadata", "generation"),
    ("metadata", "namespace"),  # matching already accounts for it
    ("metadata", "annotations", "deployment.kubernetes.io/revision"),
    ("metadata", "annotations", "olm.operatorGroup"),
    ("metadata", "annotations", "olm.operatorNamespace"),
    ("metadata", "annotations", "olm.targetNamespaces"),
    # the deprecated alias the server copies from serviceAccountName, which is compared
    ("spec", "template", "spec", "serviceAccount"),
    ("status",),
    ("spec", "template", "metadata", "creationTimestamp"),
)


def _leaves(old: Any, new: Any, prefix: Sequence[str] = ()) -> list[tuple[str, Any, Any]]:
    """Every (path, old, new) at which two documents differ, noise and defaults removed."""
    from deepdiff import DeepDiff
    from deepdiff.helper import notpresent

    found = []
    difference = DeepDiff(
        _canonical(_without_noise(old)),
        _canonical(_without_noise(new)),
        view="tree",
        threshold_to_diff_deeper=0,
    )
    for levels in difference.values():
        for level in levels:
            keys = [*prefix, *level.path(output_format="list")]
            path = paths.render(keys)
            before = None if level.t1 is notpresent else level.t1
            after = None if level.t2 is notpresent else level.t2
            if _is_default(path, before, after):
                continue
            found.append((path, before, after))
    return found


def _without_noise(document: Any) -> Any:
    if not isinstance(document, dict):
        return document
    result = document
    for keys in NOISE:
        result = _without(result, keys)
    return result


def _without(document: JSON, keys: Sequence[str]) -> JSON:
    """``document`` minus the value at ``keys``, copying only the dicts on the way there and
    dropping a dict the removal leaves empty."""
    head, rest = keys[0], keys[1:]
    if head not in document:
        return document
    if not rest:
        return {k: v for k, v in document.items() if k != head}
    child = document[head]
    if not isinstance(child, dict):
        return document
    pruned = _without(child, rest)
    if pruned is child:
        return document
    if not pruned:
        return {k: v for k, v in document.items() if k != head}
    return {**document, head: pruned}


def _canonical(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        if key in _QUANTITY_MAPS:
            return {k: quantities.canonical(v) for k, v in value.items()}
        return {k: _canonical(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        merge_key = _LIST_KEYS.get(key or "")
        if merge_key and items and all(isinstance(i, dict) and merge_key in i for i in items):
            keyed = {f"[{i[merge_key]}]": i for i in items}
            if len(keyed) == len(items):
                return keyed
        if key in _SET_LISTS and all(isinstance(i, str | int | float) for i in items):
            return sorted(items, key=str)
        return items
    return value


def _covered(path: str, globs: Iterable[paths.Glob]) -> bool:
    segments = paths.segments_of(path)
    return any(g.matches_segments(segments) for g in globs)


def _is_default(path: str, before: Any, after: Any) -> bool:
    """A field one side lacks and the other holds at the API server's default (the live
    object was defaulted, the manifest was not), or empty (the server leaves out an empty
    string, list or map a manifest spells out). Not drift."""
    if before is not None and after is not None:
        return False
    present = after if before is None else before
    if present in (None, "", [], {}) and not _MAP_ENTRY.search(path):
        return True
    segments = paths.segments_of(_EMBEDDED_DEPLOYMENT.sub("", path))
    return any(
        present in values and glob.matches_segments(segments, exact=True)
        for glob, values in workloads.DEFAULTS
    )


def _field_change(
    kind: str, name: str, namespace: str | None, rule: str, path: str, before: Any, after: Any
) -> Change:
    action = Action.between(before, after)
    return Change(
        kind=kind,
        name=name,
        namespace=namespace,
        rule=rule,
        severity=Severity.INFO,
        action=action,
        message=f"{path} {action.value}",
        path=path,
        old=before,
        new=after,
    )

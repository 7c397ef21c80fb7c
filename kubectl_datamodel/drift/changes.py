"""What a drift report is made of: changes, their severity, and the two sides compared.

Plain data, standard library only, so the renderers and the CLI can use it without loading
deepdiff. The rules in ``drift.rules`` produce changes, each through a ``Subject``: one way to
build a change, whatever the kind, and word its message with ``shown`` and ``went``, so that a
message reads as English with its values as YAML and JSON write them, never as Python's repr.
docs/drift.md lists every rule and its severity.
"""

from __future__ import annotations

import dataclasses
import enum
import fnmatch
import json
import re
from collections.abc import Sequence
from typing import Any

from kubectl_datamodel import k8s, levels, model

JSON = dict[str, Any]


def kind_rank(kind: str) -> tuple[int, str]:
    """Reports follow the record kinds' order; objects of GROUP/VERSION/Kind patterns, which go
    by their own kind, come last."""
    known = model.CHANGE_KINDS
    return (known.index(kind), "") if kind in known else (len(known), kind)


# A string that needs no quotes in a sentence: one token, and not one that reads as a number,
# a boolean or null (JSON's spelling or Python's: the string "None" is not an absent value).
_PLAIN = re.compile(r"[\w.:/@+~-]+")
_READS_TYPED = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|True|False|None")


def shown(value: Any, absent: str = "none") -> str:
    """A value as a message shows it: as JSON on one line (``""``, ``1``, ``true``,
    ``{"port": 443}``), but a string that is one plain token unquoted (``Webhook``, ``v1beta1``,
    ``1.14.5``), and an absent value as ``absent``. The change's ``old`` and ``new`` hold the
    values themselves; the message is for people reading YAML and JSON, not None or True."""
    if value is None:
        return absent
    if isinstance(value, str) and _PLAIN.fullmatch(value) and not _READS_TYPED.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def went(what: str, old: Any, new: Any) -> str:
    """``what`` going from ``old`` to ``new`` (None: absent), a string as it is written (a
    quantity, an image), anything else as ``shown``: ``requests.cpu 100m → 200m``,
    ``requests.cpu 100m added``, ``image quay.io/jetstack/cert-manager-webhook:v1.16.1 removed``."""
    was, now = (v if isinstance(v, str) else shown(v) for v in (old, new))
    if old is None:
        return f"{what} {now} added"
    if new is None:
        return f"{what} {was} removed"
    return f"{what} {was} → {now}"


class Severity(levels.Ranked):
    """How much a change matters to the cluster's users. Ordered: BREAKING > WARNING > INFO."""

    INFO = 1  # worth knowing; nothing that worked stops working
    WARNING = 2  # may break someone, or needs a person to look (a storage version flip)
    BREAKING = 3  # clients or stored data stop working (a served version removed)


class Action(str, enum.Enum):
    """What happened at a path: reversing the two sides swaps ADDED and REMOVED. UNMANAGED is
    not a change: an object of the cluster the manifests do not declare (``drift.scope``)."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNMANAGED = "unmanaged"

    @classmethod
    def between(cls, old: Any, new: Any) -> Action:
        """What happened to a value that was ``old`` and is ``new`` (None: absent)."""
        if old is None:
            return cls.ADDED
        return cls.REMOVED if new is None else cls.CHANGED

    def mirrored(self) -> Action:
        return {Action.ADDED: Action.REMOVED, Action.REMOVED: Action.ADDED}.get(self, self)


@dataclasses.dataclass(frozen=True)
class Impact:
    """What a breaking change hits: how many objects of the cluster (``objects``; None when
    not known, as from manifests, which hold few custom resources) of what (``of``, a CRD
    name or the CRDs an operator manages, with the version where it matters)."""

    objects: int | None
    of: str

    def as_dict(self) -> JSON:
        return {"objects": self.objects, "of": self.of}

    @property
    def rank(self) -> tuple[int, int]:
        """Objects at risk first, the most first; then not known; then none."""
        if self.objects is None:
            return (1, 0)
        return (0, -self.objects) if self.objects else (2, 0)


@dataclasses.dataclass(frozen=True)
class Component:
    """What a platform team installs (drift.components): the unit changes are grouped by.

    ``key`` tells components apart (``olm:NAMESPACE/PACKAGE``, ``helm:NAMESPACE/RELEASE``,
    ``group:API-GROUP``...); ``name`` is what people call it. ``source`` says what it is:
    ``olm``, ``helm``, ``operator``, ``api-group`` (CRDs no component claims), or ``kind``
    (namespaces, nodes, an included kind)."""

    key: str
    name: str
    source: str
    old_version: str | None = None
    new_version: str | None = None
    in_old: bool = True
    in_new: bool = True

    @property
    def status(self) -> str:
        """added, removed, upgraded (another version), or changed (the same one, or none)."""
        if not self.in_old:
            return "added"
        if not self.in_new:
            return "removed"
        if self.old_version != self.new_version and self.old_version and self.new_version:
            return "upgraded"
        return "changed"


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference between two snapshots, at one place in one object.

    ``kind`` is what drift calls the object (``model.CHANGE_KINDS``, or an --include'd object's
    own kind). ``name`` is the CRD's name, the operator workload's name, the CSV's package.
    ``version`` is the CRD version a schema change was found in.
    ``path`` says where in the object (``.spec.foo.bar``, ``versions[v1].served``), empty for
    the whole object. ``old`` and ``new`` are the values before and after, None when absent.
    ``rule`` names the rule that classified the change (see docs/drift.md).
    """

    kind: str
    name: str
    rule: str
    severity: Severity
    action: Action
    message: str
    path: str = ""
    namespace: str | None = None
    version: str | None = None
    old: Any = None
    new: Any = None
    component: str = ""  # the key of the Component it belongs to
    impact: Impact | None = None  # for a breaking change: what it hits

    @property
    def subject(self) -> str:
        return k8s.qualified(self.namespace, self.name)

    def as_dict(self) -> JSON:
        return {
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "action": self.action.value,
            "severity": self.severity.label,
            "rule": self.rule,
            "version": self.version,
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "message": self.message,
            "component": self.component,
            "impact": self.impact.as_dict() if self.impact else None,
        }


@dataclasses.dataclass(frozen=True)
class Subject:
    """The object changes are about. Every rule builds its changes through one, so a change
    always names its object the same way, and its action follows from which side lacks a
    value unless the rule says otherwise."""

    kind: str
    name: str
    namespace: str | None = None
    version: str | None = None  # the CRD version a schema rule looks at

    def at_version(self, version: str) -> Subject:
        return dataclasses.replace(self, version=version)

    def change(
        self,
        rule: str,
        severity: Severity,
        message: str,
        *,
        path: str = "",
        old: Any = None,
        new: Any = None,
        action: Action | None = None,
    ) -> Change:
        return Change(
            kind=self.kind,
            name=self.name,
            namespace=self.namespace,
            rule=rule,
            severity=severity,
            action=action or Action.between(old, new),
            message=message,
            path=path,
            version=self.version,
            old=old,
            new=new,
        )

    def presence(
        self,
        prefix: str,
        action: Action,
        value: Any,
        message: str,
        *,
        removed: Severity = Severity.WARNING,
    ) -> Change:
        """The object appeared (info) or went away (``removed``: a warning unless the rule
        knows worse), under rule ``PREFIX.added`` or ``PREFIX.removed``."""
        added = action is Action.ADDED
        return self.change(
            f"{prefix}.{action.value}",
            Severity.INFO if added else removed,
            message,
            old=None if added else value,
            new=value if added else None,
            action=action,
        )


@dataclasses.dataclass(frozen=True)
class Side:
    """One of the two things compared, described for the report's header.

    ``source`` is ``snapshot`` (stored), ``export`` (a `database export` file), ``manifests``
    (files on disk, not stored) or ``cluster`` (read live, not stored). ``role`` is ``base`` or
    ``head`` when two manifest sets are compared (`diff --base-dir BASE --against-dir HEAD`):
    what a pull request changes, with no cluster context of their own.
    """

    ref: str
    source: str
    cluster_context: str
    timestamp: str | None = None
    snapshot_id: int | None = None
    location: str | None = None  # the export file, the manifest folders, or the API server
    role: str | None = None  # base or head

    @property
    def label(self) -> str:
        if self.snapshot_id is not None:
            return f"snapshot {self.snapshot_id} ({self.cluster_context}, {self.timestamp})"
        where = f"{self.source} {self.location or self.ref}"
        if self.role is not None:
            return f"{where} (base)" if self.role == "base" else where
        return f"{where} ({self.cluster_context})"

    @property
    def named(self) -> str:
        """The side as a note names it (``snapshot 4 (context prod)``): short enough for a
        sentence, and still the side a reader can go and look at."""
        if self.snapshot_id is not None:
            what = f"snapshot {self.snapshot_id}"
        else:
            what = f"{self.source} {self.location or self.ref}"
        return f"{what} ({self.role})" if self.role else f"{what} (context {self.cluster_context})"

    def as_dict(self) -> JSON:
        return {
            "ref": self.ref,
            "source": self.source,
            "snapshot_id": self.snapshot_id,
            "cluster_context": self.cluster_context,
            "timestamp": self.timestamp,
            "location": self.location,
            "role": self.role,
        }


@dataclasses.dataclass(frozen=True)
class DriftReport:
    """What changed from ``old`` to ``new``. Compared with manifests in their own scope
    (``scope`` ``manifests``, ``drift.scope``), what the snapshot holds and the manifests do not
    declare is ``unmanaged``: listed, never a change, so no --fail-on level counts it. With two
    manifest sets, ``counts_from`` is the snapshot whose instance counts gave the impact."""

    old: Side
    new: Side
    changes: tuple[Change, ...]
    ignored: int = 0  # changes silenced by --ignore rules
    notes: tuple[str, ...] = ()  # what could not be compared, and why
    components: tuple[Component, ...] = ()  # of the changes and the unmanaged objects
    scope: str = "cluster"  # manifests: only what the new side's manifests declare
    unmanaged: tuple[Change, ...] = ()  # rule scope.unmanaged, info: not compared
    counts_from: Side | None = None  # the snapshot impact counted objects in, when not a side

    def count(self, severity: Severity) -> int:
        return sum(1 for c in self.changes if c.severity is severity)

    def at_or_above(self, threshold: Severity) -> list[Change]:
        return [c for c in self.changes if c.severity >= threshold]

    def only(
        self, *, at_least: Severity | None = None, components: Sequence[str] = ()
    ) -> DriftReport:
        """The report narrowed to the changes at or above ``at_least``, of the components whose
        name or key matches one of ``components`` (shell wildcards, any case)."""
        if at_least is None and not components:
            return self
        wanted = {
            c.key
            for c in self.components
            if not components
            or any(
                fnmatch.fnmatch(name.lower(), pattern.lower())
                for pattern in components
                for name in (c.name, c.key)
            )
        }

        def keep(found: tuple[Change, ...]) -> tuple[Change, ...]:
            return tuple(
                c
                for c in found
                if c.component in wanted and (at_least is None or c.severity >= at_least)
            )

        kept, unmanaged = keep(self.changes), keep(self.unmanaged)
        shown = {c.component for c in (*kept, *unmanaged)}
        return dataclasses.replace(
            self,
            changes=kept,
            unmanaged=unmanaged,
            components=tuple(c for c in self.components if c.key in shown),
        )

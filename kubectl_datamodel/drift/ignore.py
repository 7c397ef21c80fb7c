"""Ignore rules: known, accepted drift that a report should not mention.

An ignore file is YAML (or JSON)::

    ignore:
      - kind: Operator              # CRD, Operator or CSV
        namespace: kube-system
        name: "coredns*"            # shell wildcards
        path: .spec.template.metadata.annotations   # this place and everything below it
        reason: restarted by `kubectl rollout restart`
      - rule: crd.instances*        # a rule id from docs/drift.md
      - kind: CRD
        name: "*.cert-manager.io"
        severity: info

A change is silenced when it matches every field one rule gives. A rule with only ``kind`` and
``name`` silences the whole object, its addition and removal included.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kubectl_datamodel import documents, errors, model
from kubectl_datamodel.drift import changes
from kubectl_datamodel.k8s import paths

_TEXT_FIELDS = ("kind", "namespace", "name", "rule", "version")
_FIELDS = (*_TEXT_FIELDS, "path", "severity", "reason")
_KIND = re.compile(r"[A-Z][A-Za-z0-9]*")  # CRD, Operator, CSV, Node, ConfigMap...


@dataclasses.dataclass(frozen=True)
class Rule:
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    rule: str | None = None
    version: str | None = None
    path: paths.Glob | None = None
    severity: changes.Severity | None = None

    def matches(self, change: changes.Change) -> bool:
        texts = {
            "kind": change.kind,
            "namespace": change.namespace or "",
            "name": change.name,
            "rule": change.rule,
            "version": change.version or "",
        }
        for field in _TEXT_FIELDS:
            pattern = getattr(self, field)
            if pattern is not None and not fnmatch.fnmatchcase(texts[field], pattern):
                return False
        if self.severity is not None and change.severity is not self.severity:
            return False
        return self.path is None or (bool(change.path) and self.path.matches(change.path))


def load(path: Path) -> list[Rule]:
    document = documents.load_document(path, "ignore file")
    entries = document.get("ignore") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise errors.ManifestError(
            f"ignore file {path}: expected a list of rules under 'ignore:' (see docs/drift.md)"
        )
    return [_rule(path, index, entry) for index, entry in enumerate(entries, start=1)]


def _rule(path: Path, index: int, entry: Any) -> Rule:
    where = f"ignore file {path}: rule {index}"
    if not isinstance(entry, dict) or not entry:
        raise errors.ManifestError(f"{where}: expected a mapping such as {{kind: CRD, name: ...}}")
    unknown = sorted(str(k) for k in entry if k not in _FIELDS)
    if unknown:
        raise errors.ManifestError(
            f"{where}: unknown field {unknown[0]!r} (expected {', '.join(_FIELDS)})"
        )
    for field, value in entry.items():
        if not isinstance(value, str):
            raise errors.ManifestError(f"{where}: {field} must be a string, not {value!r}")
    if set(entry) <= {"reason"}:
        raise errors.ManifestError(f"{where}: matches every change; give kind, name, path, ...")
    kind = entry.get("kind")
    if kind is not None and not _KIND.fullmatch(kind):
        known = ", ".join(model.CHANGE_KINDS)
        raise errors.ManifestError(
            f"{where}: kind {kind!r} is not one of {known}, or a CamelCase kind (ConfigMap)"
        )
    try:
        glob = paths.Glob.parse(entry["path"]) if "path" in entry else None
        severity = changes.Severity.parse(entry["severity"]) if "severity" in entry else None
    except ValueError as exc:
        raise errors.ManifestError(f"{where}: {exc}") from exc
    texts = {field: entry.get(field) for field in _TEXT_FIELDS}
    return Rule(path=glob, severity=severity, **texts)


def apply(rules: Sequence[Rule], found: Sequence[changes.Change]) -> list[changes.Change]:
    """The changes no rule silences."""
    return [c for c in found if not any(r.matches(c) for r in rules)]

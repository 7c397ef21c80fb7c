"""Drift rules for CRDs: what a new version of a CRD does to its clients and stored objects.

A CRD upgrade can stop clients (a served version goes away), strand stored objects (a version
still listed in ``status.storedVersions`` goes away) or reject writes that used to pass (a new
enum limit, a newly required field; the schema rules are in ``schema``). ``compare`` finds each
such difference and names the rule that judged it; docs/drift.md lists every rule, its severity
and why.

Every rule reports a difference the same way whichever side is called old: reversing the two
objects gives the same places and values with old and new swapped (only the severity and the
rule's name may change, e.g. a property removed is breaking, added is not). Keep it that way:
the CRD compatibility tests check it on real upgrades and random edits. Standard library only.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kubectl_datamodel import k8s, model
from kubectl_datamodel.drift import changes, leaves, matching
from kubectl_datamodel.drift.changes import Action, Change, Severity
from kubectl_datamodel.drift.rules import schema
from kubectl_datamodel.drift.rules.shape import KindRules

JSON = dict[str, Any]
BREAKING, WARNING, INFO = Severity.BREAKING, Severity.WARNING, Severity.INFO


def _subject(crd: model.CrdRecord) -> changes.Subject:
    return changes.Subject("CRD", crd.name)


def _presence(crd: model.CrdRecord, action: Action) -> Change:
    if action is Action.ADDED:
        message = f"CRD {crd.name} added ({crd.kind}, {_versions_text(crd)})"
    else:
        instances = f", deleting its {crd.instance_count} instances" if crd.instance_count else ""
        message = f"CRD {crd.name} removed: clients of {crd.kind} lose the API{instances}"
    return _subject(crd).presence("crd", action, crd.name, message, removed=BREAKING)


def _versions_text(crd: model.CrdRecord) -> str:
    return ", ".join(v.name for v in crd.versions) or "no versions"


def _columns(old: model.CrdRecord, new: model.CrdRecord, with_specs: bool) -> list[Change]:
    """Instance counts; without specs, the versions and scope the records still tell."""
    found = _instances(old, new)
    if not with_specs:
        found += compare(_outline(old), _outline(new), name=old.name)
    return found


def _instances(old: model.CrdRecord, new: model.CrdRecord) -> list[Change]:
    before, after = old.instance_count, new.instance_count
    if before is None or after is None or before == after:
        return []
    if after == 0:
        rule, severity, text = "crd.instances.emptied", WARNING, "all instances gone"
    elif before == 0:
        rule, severity, text = "crd.instances.first", INFO, "first instances"
    else:
        rule, severity, text = "crd.instances", INFO, "instance count changed"
    message = f"{old.name}: {text} ({before} → {after})"
    return [
        _subject(old).change(
            rule, severity, message, path="instances", old=before, new=after, action=Action.CHANGED
        )
    ]


def _outline(crd: model.CrdRecord) -> JSON:
    """A CRD rebuilt from its record's columns, when the export holds no spec: enough for the
    version and scope rules, not for schemas."""
    return {
        "spec": {
            "scope": crd.scope,
            "names": {"kind": crd.kind, "plural": crd.plural, "singular": crd.singular},
            "versions": [dataclasses.asdict(v) for v in crd.versions],
        }
    }


def _specs(
    old: model.CrdRecord, old_spec: JSON, _new: model.CrdRecord, new_spec: JSON
) -> list[Change]:
    return compare(old_spec, new_spec, name=old.name) + _metadata(old, old_spec, new_spec)


def _metadata(crd: model.CrdRecord, old: JSON, new: JSON) -> list[Change]:
    """Labels and annotations: the rest of a CRD that the compatibility rules do not read."""
    keep = ("labels", "annotations")
    return [
        _subject(crd).change(
            "crd.metadata",
            INFO,
            f"{leaf.path} {Action.between(leaf.old, leaf.new).value}",
            path=leaf.path,
            old=leaf.old,
            new=leaf.new,
        )
        for leaf in leaves.between(
            {k: (old.get("metadata") or {}).get(k) for k in keep},
            {k: (new.get("metadata") or {}).get(k) for k in keep},
            prefix=("metadata",),
        )
    ]


RULES = KindRules(
    pairings=(matching.Key(lambda r: r.name),),
    presence=_presence,
    columns=_columns,
    specs=_specs,
)


def compare(old: JSON, new: JSON, *, name: str) -> list[changes.Change]:
    """Every difference between two versions of one CRD that matters to its clients, classified.

    ``old`` and ``new`` are CRD objects as stored (apiextensions v1, or the v1beta1 shape).
    """
    found = schema.Found(changes.Subject("CRD", name))
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    _scope(found, old_spec, new_spec)
    _names(found, old_spec.get("names") or {}, new_spec.get("names") or {})
    _conversion(found, old_spec, new_spec)
    old_versions, new_versions = _versions(old_spec), _versions(new_spec)
    stored = _stored_versions(old) | _stored_versions(new)
    _version_set(found, old_versions, new_versions, stored)
    _storage(found, old_versions, new_versions)
    for version in sorted(old_versions.keys() & new_versions.keys()):
        before, after = old_versions[version], new_versions[version]
        _version_flags(found, version, before, after)
        if before.schema is not None or after.schema is not None:
            schema.SchemaWalk(found.view(version)).run(before.schema or {}, after.schema or {})
    return sorted(found.items, key=_order)


def _order(change: changes.Change) -> tuple[str, str, str, str, str]:
    return (change.version or "", change.path, change.rule, str(change.old), str(change.new))


@dataclasses.dataclass(frozen=True)
class _Version:
    """One version of a CRD, with v1beta1's CRD-wide schema, subresources and columns applied."""

    served: bool
    storage: bool
    deprecated: bool
    warning: str | None
    subresources: JSON
    columns: list[Any] | None
    schema: JSON | None


def _versions(spec: JSON) -> dict[str, _Version]:
    shared_schema = (spec.get("validation") or {}).get("openAPIV3Schema")
    result = {}
    for entry in k8s.version_entries(spec):
        if not entry.get("name"):
            continue
        schema = (entry.get("schema") or {}).get("openAPIV3Schema") or shared_schema
        columns = entry.get("additionalPrinterColumns") or spec.get("additionalPrinterColumns")
        result[str(entry["name"])] = _Version(
            served=bool(entry.get("served", True)),
            storage=bool(entry.get("storage", False)),
            deprecated=bool(entry.get("deprecated", False)),
            warning=entry.get("deprecationWarning"),
            subresources=entry.get("subresources") or spec.get("subresources") or {},
            columns=[_column(c) for c in columns] if columns else None,
            schema=schema if isinstance(schema, dict) else None,
        )
    return result


def _column(column: Any) -> Any:
    """v1beta1 spells a column's jsonPath ``JSONPath``; the same column must compare equal."""
    if isinstance(column, dict) and "JSONPath" in column:
        column = {("jsonPath" if k == "JSONPath" else k): v for k, v in column.items()}
    return column


def _stored_versions(crd: JSON) -> set[str]:
    return {str(v) for v in (crd.get("status") or {}).get("storedVersions") or ()}


def _scope(found: schema.Found, old: JSON, new: JSON) -> None:
    before, after = old.get("scope") or "Namespaced", new.get("scope") or "Namespaced"
    if before != after:
        message = f"scope changed from {before} to {after}: every object's URL changes"
        found.add("crd.scope", BREAKING, "spec.scope", before, after, message)


def _names(found: schema.Found, old: JSON, new: JSON) -> None:
    """Kind is what clients send; the other names only change what people type in kubectl.
    List kind and singular are compared as the API server defaults them."""
    kind_before, kind_after = old.get("kind") or "", new.get("kind") or ""
    if kind_before != kind_after:
        message = f"kind renamed from {changes.shown(kind_before)} to {changes.shown(kind_after)}"
        found.add("crd.names.kind", BREAKING, "spec.names.kind", kind_before, kind_after, message)
    defaults = {
        "listKind": (f"{kind_before}List", f"{kind_after}List"),
        "singular": (kind_before.lower(), kind_after.lower()),
    }
    for field, (default_before, default_after) in defaults.items():
        before, after = old.get(field) or default_before, new.get(field) or default_after
        if before != after:
            message = f"{field} changed from {changes.shown(before)} to {changes.shown(after)}"
            found.add("crd.names", INFO, f"spec.names.{field}", before, after, message)
    for field in ("shortNames", "categories"):
        before_set, after_set = set(old.get(field) or ()), set(new.get(field) or ())
        for item in sorted(before_set ^ after_set):
            before, after = (item, None) if item in before_set else (None, item)
            what = changes.Action.between(before, after).value
            message = f"{field} entry {changes.shown(item)} {what}"
            found.add("crd.names", INFO, f"spec.names.{field}", before, after, message)


def _conversion(found: schema.Found, old: JSON, new: JSON) -> None:
    before = (old.get("conversion") or {}).get("strategy") or "None"
    after = (new.get("conversion") or {}).get("strategy") or "None"
    if before != after:
        message = f"conversion strategy changed from {_strategy(before)} to {_strategy(after)}"
        found.add("crd.conversion", WARNING, "spec.conversion.strategy", before, after, message)
    before, after = _webhook(old), _webhook(new)
    if not schema.same(before, after):
        message = "conversion webhook configuration changed"
        found.add("crd.conversion", INFO, "spec.conversion.webhook", before, after, message)


def _strategy(strategy: str) -> str:
    """A conversion strategy as a sentence says it: ``None`` (no conversion) reads as none."""
    return "none" if strategy == "None" else changes.shown(strategy)


def _webhook(spec: JSON) -> JSON | None:
    """The conversion webhook in v1's shape, without the CA bundle: cert-manager's injector and
    friends rewrite it on every rotation, which changes nothing a client sees."""
    conversion = spec.get("conversion") or {}
    hook = dict(conversion.get("webhook") or {})
    if conversion.get("webhookClientConfig"):  # v1beta1
        hook["clientConfig"] = conversion["webhookClientConfig"]
    if conversion.get("conversionReviewVersions"):  # v1beta1
        hook["conversionReviewVersions"] = conversion["conversionReviewVersions"]
    if isinstance(hook.get("clientConfig"), dict):
        config = {k: v for k, v in hook["clientConfig"].items() if k != "caBundle"}
        if isinstance(config.get("service"), dict) and config["service"].get("port") == 443:
            # the API server's default, written into the live object
            config["service"] = {k: v for k, v in config["service"].items() if k != "port"}
        hook["clientConfig"] = config
    return hook or None


def _version_set(
    found: schema.Found, old: dict[str, _Version], new: dict[str, _Version], stored: set[str]
) -> None:
    """A version gone breaks its clients if it was served, and its objects if it was stored."""
    for version in sorted(old.keys() ^ new.keys()):
        path = f"versions[{version}]"
        if version in new:
            found.add("crd.version.added", INFO, path, None, version, f"version {version} added")
        elif version in stored:
            message = f"version {version} removed but objects may still be stored at it"
            found.add("crd.version.removed-stored", BREAKING, path, version, None, message)
        else:
            served = old[version].served
            severity, what = (BREAKING, "served") if served else (INFO, "unserved")
            message = f"{what} version {version} removed"
            found.add("crd.version.removed", severity, path, version, None, message)


def _storage(found: schema.Found, old: dict[str, _Version], new: dict[str, _Version]) -> None:
    before = next((name for name, v in sorted(old.items()) if v.storage), None)
    after = next((name for name, v in sorted(new.items()) if v.storage), None)
    if before != after:
        was, now = changes.shown(before), changes.shown(after)
        message = f"storage version changed from {was} to {now}: migrate stored objects"
        found.add("crd.storage-version", WARNING, "storageVersion", before, after, message)


def _version_flags(found: schema.Found, version: str, old: _Version, new: _Version) -> None:
    prefix = f"versions[{version}]"
    if old.served != new.served:
        severity, what = (BREAKING, "no longer served") if old.served else (INFO, "served again")
        path = f"{prefix}.served"
        found.add("crd.version.served", severity, path, old.served, new.served, f"{version} {what}")
    if old.deprecated != new.deprecated:
        severity, what = (WARNING, "deprecated") if new.deprecated else (INFO, "undeprecated")
        path, before, after = f"{prefix}.deprecated", old.deprecated, new.deprecated
        found.add("crd.version.deprecated", severity, path, before, after, f"{version} {what}")
    if old.warning != new.warning:
        rule, path = "crd.version.deprecation-warning", f"{prefix}.deprecationWarning"
        found.add(rule, INFO, path, old.warning, new.warning, f"{version} deprecation text changed")
    for kind in ("status", "scale"):
        sub_before, sub_after = old.subresources.get(kind), new.subresources.get(kind)
        if not schema.same(sub_before, sub_after):
            severity = schema.by_direction(sub_before, sub_after, INFO, BREAKING, WARNING)
            path = f"{prefix}.subresources.{kind}"
            what = changes.Action.between(sub_before, sub_after).value
            message = f"{kind} subresource {what} in {version}"
            found.add("crd.subresource", severity, path, sub_before, sub_after, message)
    if not schema.same(old.columns, new.columns):
        path, message = f"{prefix}.additionalPrinterColumns", f"{version} printer columns changed"
        found.add("crd.printer-columns", INFO, path, old.columns, new.columns, message)

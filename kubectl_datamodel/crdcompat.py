"""Classify the differences between two versions of one CRD by what they do to its clients.

A CRD upgrade can stop clients (a served version goes away), strand stored objects (a version
still listed in ``status.storedVersions`` goes away) or reject writes that used to pass (a new
enum limit, a newly required field). ``compare`` finds each such difference and names the rule
that judged it; docs/drift.md lists every rule, its severity and why.

Every rule reports a difference the same way whichever side is called old: reversing the two
objects gives the same places and values with old and new swapped (only the severity and the
rule's name may change, e.g. a property removed is breaking, added is not). Keep it that way:
tests/test_crdcompat.py checks it on real upgrades and random edits. Standard library only.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from kubectl_datamodel import changes, records

JSON = dict[str, Any]

Severity = changes.Severity
BREAKING, WARNING, INFO = Severity.BREAKING, Severity.WARNING, Severity.INFO

UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")
LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
# Text for people, not rules for the API server: only counted, in one change per version.
DOC_KEYWORDS = ("description", "title", "example", "externalDocs")
# (added, removed, changed) severities of keywords whose effect cannot be ordered.
TEXT_RULES = {
    "pattern": (BREAKING, INFO, WARNING),
    "format": (WARNING, INFO, WARNING),
    "default": (WARNING, WARNING, WARNING),
}
# Boolean keywords (absent = false): their rule, and whether setting them rejects values.
FLAG_RULES = (
    ("exclusiveMaximum", "schema.exclusiveMaximum", True),
    ("exclusiveMinimum", "schema.exclusiveMinimum", True),
    ("nullable", "schema.nullable", False),
    ("x-kubernetes-preserve-unknown-fields", "schema.preserve-unknown-fields", False),
)
# Keywords with a rule of their own; every other keyword that differs is a schema.keyword.
OWN_RULES = frozenset(
    {"type", "properties", "required", "enum", "items", "additionalProperties"}
    | {"x-kubernetes-validations", *TEXT_RULES, *(key for key, _, _ in FLAG_RULES)}
    | {*UPPER_BOUNDS, *LOWER_BOUNDS, *DOC_KEYWORDS}
)
# What the API server assumes when a keyword is absent: saying it out loud changes nothing
# (false for flags, atomic lists, granular maps).
IMPLIED = {
    "uniqueItems": False,
    "x-kubernetes-int-or-string": False,
    "x-kubernetes-embedded-resource": False,
    "x-kubernetes-list-type": "atomic",
    "x-kubernetes-map-type": "granular",
}


def compare(old: JSON, new: JSON, *, name: str) -> list[changes.Change]:
    """Every difference between two versions of one CRD that matters to its clients, classified.

    ``old`` and ``new`` are CRD objects as stored (apiextensions v1, or the v1beta1 shape).
    """
    found = _Found(name)
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
            _SchemaWalk(found.view(version)).run(before.schema or {}, after.schema or {})
    return sorted(found.items, key=_order)


@dataclasses.dataclass
class _Found:
    """Collects the changes of one CRD, filling in what they all share. A schema walk gets a
    view with its version set and the same list behind it."""

    name: str
    version: str | None = None
    items: list[changes.Change] = dataclasses.field(default_factory=list)

    def add(
        self,
        rule: str,
        severity: Severity,
        path: str,
        old: Any,
        new: Any,
        message: str,
        action: changes.Action | None = None,
    ) -> None:
        """One change; unless told, its action follows from which side lacks a value."""
        self.items.append(
            changes.Change(
                kind="CRD", name=self.name, rule=rule, severity=severity,
                action=action or changes.Action.between(old, new), message=message, path=path,
                version=self.version, old=old, new=new,
            )
        )  # fmt: skip

    def view(self, version: str) -> _Found:
        return _Found(self.name, version, self.items)


def _by_direction(old: Any, new: Any, *severities: Severity) -> Severity:
    """Of (added, removed, changed) severities, the one for what happened to a value."""
    added, removed, changed = severities
    return added if old is None else removed if new is None else changed


def _order(change: changes.Change) -> tuple[str, str, str, str, str]:
    return (change.version or "", change.path, change.rule, str(change.old), str(change.new))


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values. Python's == says True == 1; JSON does not, so scalars of
    different types differ. Containers use == (C speed: schemas are large and mostly equal)."""
    return a == b and (type(a) is type(b) or isinstance(a, dict | list))


def _canon(value: Any) -> str:
    """One spelling per JSON value, so sets and equality ignore key order (and True != 1)."""
    return json.dumps(value, sort_keys=True, default=str)


# --- the CRD as a whole ---------------------------------------------------------------------


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
    for entry in records.version_entries(spec):
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


def _scope(found: _Found, old: JSON, new: JSON) -> None:
    before, after = old.get("scope") or "Namespaced", new.get("scope") or "Namespaced"
    if before != after:
        message = f"scope changed from {before} to {after}: every object's URL changes"
        found.add("crd.scope", BREAKING, "spec.scope", before, after, message)


def _names(found: _Found, old: JSON, new: JSON) -> None:
    """Kind is what clients send; the other names only change what people type in kubectl.
    List kind and singular are compared as the API server defaults them."""
    kind_before, kind_after = old.get("kind") or "", new.get("kind") or ""
    if kind_before != kind_after:
        message = f"kind renamed from {kind_before} to {kind_after}"
        found.add("crd.names.kind", BREAKING, "spec.names.kind", kind_before, kind_after, message)
    defaults = {
        "listKind": (f"{kind_before}List", f"{kind_after}List"),
        "singular": (kind_before.lower(), kind_after.lower()),
    }
    for field, (default_before, default_after) in defaults.items():
        before, after = old.get(field) or default_before, new.get(field) or default_after
        if before != after:
            message = f"{field} changed from {before} to {after}"
            found.add("crd.names", INFO, f"spec.names.{field}", before, after, message)
    for field in ("shortNames", "categories"):
        before_set, after_set = set(old.get(field) or ()), set(new.get(field) or ())
        for item in sorted(before_set ^ after_set):
            before, after = (item, None) if item in before_set else (None, item)
            message = f"{field} entry {item!r} {changes.Action.between(before, after).value}"
            found.add("crd.names", INFO, f"spec.names.{field}", before, after, message)


def _conversion(found: _Found, old: JSON, new: JSON) -> None:
    before = (old.get("conversion") or {}).get("strategy") or "None"
    after = (new.get("conversion") or {}).get("strategy") or "None"
    if before != after:
        message = f"conversion strategy changed from {before} to {after}"
        found.add("crd.conversion", WARNING, "spec.conversion.strategy", before, after, message)
    before, after = _webhook(old), _webhook(new)
    if not _same(before, after):
        message = "conversion webhook configuration changed"
        found.add("crd.conversion", INFO, "spec.conversion.webhook", before, after, message)


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
    found: _Found, old: dict[str, _Version], new: dict[str, _Version], stored: set[str]
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


def _storage(found: _Found, old: dict[str, _Version], new: dict[str, _Version]) -> None:
    before = next((name for name, v in sorted(old.items()) if v.storage), None)
    after = next((name for name, v in sorted(new.items()) if v.storage), None)
    if before != after:
        message = f"storage version changed from {before} to {after}: migrate stored objects"
        found.add("crd.storage-version", WARNING, "storageVersion", before, after, message)


def _version_flags(found: _Found, version: str, old: _Version, new: _Version) -> None:
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
        if not _same(sub_before, sub_after):
            severity = _by_direction(sub_before, sub_after, INFO, BREAKING, WARNING)
            path = f"{prefix}.subresources.{kind}"
            what = changes.Action.between(sub_before, sub_after).value
            message = f"{kind} subresource {what} in {version}"
            found.add("crd.subresource", severity, path, sub_before, sub_after, message)
    if not _same(old.columns, new.columns):
        path, message = f"{prefix}.additionalPrinterColumns", f"{version} printer columns changed"
        found.add("crd.printer-columns", INFO, path, old.columns, new.columns, message)


# --- one version's schema -------------------------------------------------------------------


class _SchemaWalk:
    """Walks the old and new openAPIV3Schema of one version side by side.

    Paths are instance paths (``.spec.rules[*].name``, ``.spec.labels.*``): what a user writes
    in an object, not where the keyword sits in the schema. Nothing is reported below a property
    that was added, removed or changed type: the first change says it all. Rewording is only
    counted: upstream releases reword hundreds of descriptions at a time.
    """

    def __init__(self, found: _Found) -> None:
        self.found = found
        self.at = f"({found.version})"
        self.reworded = 0

    def run(self, old: JSON, new: JSON) -> None:
        self.walk(old, new, ".")
        if self.reworded:
            message = f"descriptions changed at {self.reworded} properties {self.at}"
            changed = changes.Action.CHANGED
            self.found.add("schema.description", INFO, ".", None, None, message, changed)

    def walk(self, old: JSON, new: JSON, path: str) -> None:
        if old == new:
            return  # most of a schema is unchanged between releases
        add = self.found.add
        if old.get("type") != new.get("type"):
            before, after = old.get("type"), new.get("type")
            message = f"type of {path} changed from {before} to {after} {self.at}"
            add("schema.type", BREAKING, path, before, after, message)
            return
        if any(not _same(old.get(k), new.get(k)) for k in DOC_KEYWORDS):
            self.reworded += 1
        self.enum(old.get("enum"), new.get("enum"), path)
        for key in (*UPPER_BOUNDS, *LOWER_BOUNDS):
            self.bound(key, old.get(key), new.get(key), path)
        self.flags(old, new, path)
        for key, severities in TEXT_RULES.items():
            before, after = old.get(key), new.get(key)
            if not _same(before, after):
                severity = _by_direction(before, after, *severities)
                message = f"{key} changed from {before!r} to {after!r} at {path} {self.at}"
                add(f"schema.{key}", severity, path, before, after, message)
        rules = "x-kubernetes-validations"
        self.validation_rules(_rules(old.get(rules)), _rules(new.get(rules)), path)
        self.keywords(old, new, path)
        self.required(set(old.get("required") or ()), set(new.get("required") or ()), path)
        self.properties(old.get("properties") or {}, new.get("properties") or {}, path)
        for key, step in (("items", "[*]"), ("additionalProperties", ".*")):
            before, after = old.get(key), new.get(key)
            if isinstance(before, dict) and isinstance(after, dict):
                self.walk(before, after, f"{'' if path == '.' else path}{step}")
            elif not _same(before, after):
                message = f"keyword {key} changed at {path} {self.at}"
                add("schema.keyword", WARNING, path, before, after, message)

    def properties(self, old: JSON, new: JSON, path: str) -> None:
        version = self.found.version
        for name in sorted(old.keys() ^ new.keys()):
            child = _join(path, name)
            if name in old:
                what, message = _describe(old[name]), f"property {child} removed from {version}"
                self.found.add("schema.property.removed", BREAKING, child, what, None, message)
            else:
                what, message = _describe(new[name]), f"property {child} added to {version}"
                self.found.add("schema.property.added", INFO, child, None, what, message)
        for name in sorted(old.keys() & new.keys()):
            before, after = old[name], new[name]
            if isinstance(before, dict) and isinstance(after, dict):
                self.walk(before, after, _join(path, name))

    def required(self, old: set[str], new: set[str], path: str) -> None:
        """Required is the parent's keyword but the child's property: report it at the child."""
        for name in sorted(old ^ new):
            child = _join(path, name)
            if name in new:
                message = f"{child} is now required {self.at}"
                self.found.add("schema.required", BREAKING, child, None, "required", message)
            else:
                message = f"{child} is no longer required {self.at}"
                self.found.add("schema.required", INFO, child, "required", None, message)

    def enum(self, old: list[Any] | None, new: list[Any] | None, path: str) -> None:
        """A value removed rejects objects that used it; a value added can surprise clients
        that handle every value they know; a whole new enum limits what was free."""
        if not old or not new:
            if old or new:
                before = sorted(old, key=_canon) if old else None
                after = sorted(new, key=_canon) if new else None
                severity, verb = (BREAKING, "added") if new else (INFO, "removed")
                message = f"enum constraint {verb} at {path} {self.at}"
                self.found.add("schema.enum.constraint", severity, path, before, after, message)
            return
        old_values = {_canon(v): v for v in old}
        new_values = {_canon(v): v for v in new}
        for key in sorted(old_values.keys() ^ new_values.keys()):
            if key in old_values:
                value, verb, action = old_values[key], "removed", changes.Action.REMOVED
                rule, severity, before, after = "schema.enum.removed", BREAKING, value, None
            else:
                value, verb, action = new_values[key], "added", changes.Action.ADDED
                rule, severity, before, after = "schema.enum.added", WARNING, None, value
            message = f"enum value {value!r} {verb} at {path} {self.at}"
            self.found.add(rule, severity, path, before, after, message, action)

    def bound(self, key: str, old: Any, new: Any, path: str) -> None:
        """A limit added or tightened rejects values that used to pass; loosened, nothing does."""
        if _same(old, new):
            return
        severity = _by_direction(old, new, BREAKING, INFO, WARNING)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new))
        if severity is WARNING and numbers:
            tighter = new < old if key in UPPER_BOUNDS else new > old
            severity = BREAKING if tighter else INFO
        message = f"{key} changed from {old} to {new} at {path} {self.at}"
        self.found.add(f"schema.{key}", severity, path, old, new, message)

    def flags(self, old: JSON, new: JSON, path: str) -> None:
        for key, rule, breaking_when_set in FLAG_RULES:
            before, after = bool(old.get(key)), bool(new.get(key))
            if before != after:
                severity = BREAKING if after == breaking_when_set else INFO
                message = f"{key} {'set' if after else 'unset'} at {path} {self.at}"
                self.found.add(rule, severity, path, before, after, message)

    def validation_rules(self, old: dict[str, JSON], new: dict[str, JSON], path: str) -> None:
        """CEL rules, matched by their text: a new rule may reject objects that used to pass."""
        for rule in sorted(old.keys() | new.keys()):
            before, after = (rule if rule in old else None), (rule if rule in new else None)
            if after is None or before is None:
                severity, verb = (WARNING, "added") if before is None else (INFO, "removed")
            elif not _same(old[rule], new[rule]):
                severity, verb = INFO, "message changed"
            else:
                continue
            message = f"validation rule {verb} at {path} {self.at}: {rule}"
            self.found.add("schema.validation-rule", severity, path, before, after, message)

    def keywords(self, old: JSON, new: JSON, path: str) -> None:
        for key in sorted((old.keys() | new.keys()) - OWN_RULES):
            before, after = _keyword(old, key), _keyword(new, key)
            if not _same(before, after):
                message = f"keyword {key} changed at {path} {self.at}"
                self.found.add("schema.keyword", WARNING, path, before, after, message)


def _join(path: str, name: str) -> str:
    return f"{'' if path == '.' else path}.{name}"


def _describe(schema: Any) -> str:
    """What a property held, in a word: the value an added or removed property is reported as."""
    if not isinstance(schema, dict):
        return "any"
    if schema.get("type"):
        return str(schema["type"])
    return "int-or-string" if schema.get("x-kubernetes-int-or-string") else "any"


def _keyword(node: JSON, key: str) -> Any:
    value = node.get(key)
    return None if key in IMPLIED and value == IMPLIED[key] else value


def _rules(entries: Any) -> dict[str, JSON]:
    if not isinstance(entries, list):
        return {}
    return {str(e.get("rule")): e for e in entries if isinstance(e, dict)}

"""Drift rules for one version's openAPIV3Schema: what a schema change does to the objects
clients send.

A new enum limit, a tighter bound or a newly required field rejects writes that used to pass; a
removed property drops data. The walk compares the old and new schema side by side and names
the rule that judged each difference; docs/drift.md lists every rule, its severity and why.
Standard library only.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from kubectl_datamodel.drift import changes

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


@dataclasses.dataclass
class Found:
    """Collects the changes of one CRD through its subject. A schema walk gets a view with
    its version set and the same list behind it."""

    subject: changes.Subject
    items: list[changes.Change] = dataclasses.field(default_factory=list)

    @property
    def version(self) -> str | None:
        return self.subject.version

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
            self.subject.change(rule, severity, message, path=path, old=old, new=new, action=action)
        )

    def view(self, version: str) -> Found:
        return Found(self.subject.at_version(version), self.items)


def by_direction(old: Any, new: Any, *severities: Severity) -> Severity:
    """Of (added, removed, changed) severities, the one for what happened to a value."""
    added, removed, changed = severities
    return added if old is None else removed if new is None else changed


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values. Python's == says True == 1; JSON does not, so scalars of
    different types differ. Containers use == (C speed: schemas are large and mostly equal)."""
    return a == b and (type(a) is type(b) or isinstance(a, dict | list))


def _canon(value: Any) -> str:
    """One spelling per JSON value, so sets and equality ignore key order (and True != 1)."""
    return json.dumps(value, sort_keys=True, default=str)


class SchemaWalk:
    """Walks the old and new openAPIV3Schema of one version side by side.

    Paths are instance paths (``.spec.rules[*].name``, ``.spec.labels.*``): what a user writes
    in an object, not where the keyword sits in the schema. Nothing is reported below a property
    that was added, removed or changed type: the first change says it all. Rewording is only
    counted: upstream releases reword hundreds of descriptions at a time.
    """

    def __init__(self, found: Found) -> None:
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
            message = _keyword_change("type", before, after, f"{path} {self.at}")
            add("schema.type", BREAKING, path, before, after, message)
            return
        if any(not same(old.get(k), new.get(k)) for k in DOC_KEYWORDS):
            self.reworded += 1
        self.enum(old.get("enum"), new.get("enum"), path)
        for key in (*UPPER_BOUNDS, *LOWER_BOUNDS):
            self.bound(key, old.get(key), new.get(key), path)
        self.flags(old, new, path)
        for key, severities in TEXT_RULES.items():
            before, after = old.get(key), new.get(key)
            if not same(before, after):
                severity = by_direction(before, after, *severities)
                message = _keyword_change(key, before, after, f"{path} {self.at}")
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
            elif not same(before, after):
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
            message = f"enum value {changes.shown(value)} {verb} at {path} {self.at}"
            self.found.add(rule, severity, path, before, after, message, action)

    def bound(self, key: str, old: Any, new: Any, path: str) -> None:
        """A limit added or tightened rejects values that used to pass; loosened, nothing does."""
        if same(old, new):
            return
        severity = by_direction(old, new, BREAKING, INFO, WARNING)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new))
        if severity is WARNING and numbers:
            tighter = new < old if key in UPPER_BOUNDS else new > old
            severity = BREAKING if tighter else INFO
        message = _keyword_change(key, old, new, f"{path} {self.at}")
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
            elif not same(old[rule], new[rule]):
                severity, verb = INFO, "message changed"
            else:
                continue
            message = f"validation rule {verb} at {path} {self.at}: {_one_line(rule)}"
            self.found.add("schema.validation-rule", severity, path, before, after, message)

    def keywords(self, old: JSON, new: JSON, path: str) -> None:
        for key in sorted((old.keys() | new.keys()) - OWN_RULES):
            before, after = _keyword(old, key), _keyword(new, key)
            if not same(before, after):
                message = f"keyword {key} changed at {path} {self.at}"
                self.found.add("schema.keyword", WARNING, path, before, after, message)


def _keyword_change(key: str, before: Any, after: Any, where: str) -> str:
    """What happened to a keyword's value, in words: ``default "" added at .spec.x (v1)``,
    ``maxLength changed from 63 to 253 at ...``."""
    if before is None:
        return f"{key} {changes.shown(after)} added at {where}"
    if after is None:
        return f"{key} {changes.shown(before)} removed at {where}"
    return f"{key} changed from {changes.shown(before)} to {changes.shown(after)} at {where}"


def _one_line(text: str) -> str:
    """A CEL rule as a message quotes it: written over several lines, it reads the same on one."""
    return " ".join(text.split())


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

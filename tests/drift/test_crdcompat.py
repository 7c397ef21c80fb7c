"""crdcompat.compare(): every CRD rule in both directions, real upgrades, and the mirror law.

The synthetic tests build the smallest CRD that shows one rule. The real-pair tests assert what
a user upgrading those projects would see. The property tests check that comparing b with a
reports exactly the places comparing a with b does, with the sides swapped.
"""

from __future__ import annotations

import collections
import copy
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_datamodel.capture import files, normalize
from kubectl_datamodel.drift import changes
from kubectl_datamodel.drift.rules import crds as crdcompat
from tests.support.paths import CLUSTER_V1, CLUSTER_V2, DATA

JSON = dict[str, Any]
BREAKING, WARNING, INFO = changes.Severity.BREAKING, changes.Severity.WARNING, changes.Severity.INFO
ADDED, REMOVED, CHANGED = changes.Action.ADDED, changes.Action.REMOVED, changes.Action.CHANGED

V1, V2, COPIED = CLUSTER_V1 / "crds", CLUSTER_V2 / "crds", DATA / "corpus" / "crds"


# --- helpers --------------------------------------------------------------------------------


def crd(field: JSON | None = None, *, versions: list[JSON] | None = None, **spec: Any) -> JSON:
    """A one-version CRD whose schema has ``.spec.foo`` = ``field`` (when given)."""
    schema: JSON = {"type": "object", "properties": {"spec": {"type": "object"}}}
    if field is not None:
        schema["properties"]["spec"]["properties"] = {"foo": field}
    default = {"name": "v1", "served": True, "storage": True}
    entries = versions or [{**default, "schema": {"openAPIV3Schema": schema}}]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": entries,
            **spec,
        },
    }


def compare(old: JSON, new: JSON) -> list[changes.Change]:
    return crdcompat.compare(old, new, name="widgets.example.com")


def one(found: list[changes.Change]) -> changes.Change:
    assert len(found) == 1, [c.message for c in found]
    return found[0]


def both_ways(old: JSON, new: JSON) -> tuple[changes.Change, changes.Change]:
    """The single change from old to new and the single change back."""
    return one(compare(old, new)), one(compare(new, old))


def key(change: changes.Change) -> tuple[Any, ...]:
    return (change.version, change.path, _canon(change.old), _canon(change.new), change.action)


def mirrored(change: changes.Change) -> tuple[Any, ...]:
    old, new, action = _canon(change.new), _canon(change.old), change.action.mirrored()
    return (change.version, change.path, old, new, action)


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def assert_mirror(a: JSON, b: JSON) -> None:
    forward, backward = compare(a, b), compare(b, a)
    assert collections.Counter(map(key, backward)) == collections.Counter(map(mirrored, forward))


@functools.cache
def load(path: Path) -> JSON:
    return normalize.normalize(files.read(files=[path]).objects[0].obj)


def with_stored(obj: JSON, *versions: str) -> JSON:
    """The object as a live cluster holds it: status.storedVersions lists what was ever stored."""
    return {**obj, "status": {"storedVersions": list(versions)}}


def real(old: Path, new: Path) -> list[changes.Change]:
    a = load(old)
    return crdcompat.compare(a, load(new), name=a["metadata"]["name"])


def find(
    found: list[changes.Change], rule: str, path: str, version: str | None = None
) -> changes.Change:
    hits = [c for c in found if c.rule == rule and c.path == path and c.version == version]
    assert len(hits) == 1, (rule, path, version, [c.message for c in found])
    return hits[0]


# --- the CRD as a whole ---------------------------------------------------------------------


def test_identical_crds_have_no_changes() -> None:
    assert compare(crd({"type": "string"}), crd({"type": "string"})) == []


def test_changes_come_sorted_by_version_then_path() -> None:
    name = "monitoring.coreos.com_prometheuses.yaml"
    found = real(V1 / "prometheus-operator" / name, V2 / "prometheus-operator" / name)
    keys = [(c.version or "", c.path, c.rule, str(c.old), str(c.new)) for c in found]
    assert keys == sorted(keys)
    assert found[0].version is None  # CRD-level changes come first


def test_every_change_names_the_crd() -> None:
    change = one(compare(crd(), crd(scope="Cluster")))
    assert (change.kind, change.name, change.namespace) == ("CRD", "widgets.example.com", None)


def test_scope_change_is_breaking_both_ways() -> None:
    forward, back = both_ways(crd(), crd(scope="Cluster"))
    assert (forward.rule, forward.path, forward.severity) == ("crd.scope", "spec.scope", BREAKING)
    assert (forward.old, forward.new, forward.action) == ("Namespaced", "Cluster", CHANGED)
    assert back.severity is BREAKING


def test_kind_rename_is_breaking_and_other_names_are_info() -> None:
    renamed = crd(names={"kind": "Gadget", "plural": "widgets"})
    kinds = {c.path: c for c in compare(crd(), renamed)}
    assert kinds["spec.names.kind"].severity is BREAKING
    # singular and listKind are compared as the API server defaults them
    assert kinds["spec.names.singular"].severity is INFO
    assert kinds["spec.names.listKind"].new == "GadgetList"


def test_short_names_compare_as_sets() -> None:
    old = crd(names={"kind": "Widget", "plural": "widgets", "shortNames": ["wd", "w"]})
    new = crd(names={"kind": "Widget", "plural": "widgets", "shortNames": ["w", "wg"]})
    found = compare(old, new)
    assert [(c.rule, c.old, c.new, c.severity) for c in found] == [
        ("crd.names", None, "wg", INFO),
        ("crd.names", "wd", None, INFO),
    ]
    assert compare(old, crd(names={"kind": "Widget", "shortNames": ["w", "wd"]})) == []


def versions(*entries: tuple[str, bool, bool]) -> list[JSON]:
    return [{"name": n, "served": served, "storage": storage} for n, served, storage in entries]


def test_served_version_removed_is_breaking_added_is_info() -> None:
    old = crd(versions=versions(("v1", True, True), ("v1beta1", True, False)))
    new = crd(versions=versions(("v1", True, True)))
    forward, back = both_ways(old, new)
    assert (forward.rule, forward.path, forward.severity) == (
        "crd.version.removed",
        "versions[v1beta1]",
        BREAKING,
    )
    assert (forward.old, forward.new, forward.action) == ("v1beta1", None, REMOVED)
    assert (back.rule, back.severity, back.new, back.action) == (
        "crd.version.added",
        INFO,
        "v1beta1",
        ADDED,
    )


def test_unserved_version_removed_is_info_unless_stored() -> None:
    old = crd(versions=versions(("v1", True, True), ("v1beta1", False, False)))
    new = crd(versions=versions(("v1", True, True)))
    assert one(compare(old, new)).severity is INFO
    for old_side, new_side in (
        (with_stored(old, "v1beta1", "v1"), new),
        (old, with_stored(new, "v1beta1")),
    ):
        change = one(compare(old_side, new_side))
        assert (change.rule, change.severity) == ("crd.version.removed-stored", BREAKING)


def test_served_flag() -> None:
    on = crd(versions=versions(("v1", True, True), ("v1beta1", True, False)))
    off = crd(versions=versions(("v1", True, True), ("v1beta1", False, False)))
    forward, back = both_ways(on, off)
    assert (forward.rule, forward.path, forward.severity) == (
        "crd.version.served",
        "versions[v1beta1].served",
        BREAKING,
    )
    assert (forward.old, forward.new, back.severity) == (True, False, INFO)


def test_deprecation_and_its_warning_text() -> None:
    old = crd(versions=[{"name": "v1", "served": True, "storage": True}])
    new = crd(versions=[{"name": "v1", "served": True, "storage": True, "deprecated": True}])
    forward, back = both_ways(old, new)
    assert (forward.rule, forward.severity, back.severity) == (
        "crd.version.deprecated",
        WARNING,
        INFO,
    )
    worded = copy.deepcopy(new)
    worded["spec"]["versions"][0]["deprecationWarning"] = "use v2"
    change, back = both_ways(new, worded)
    assert (change.rule, change.path, change.severity) == (
        "crd.version.deprecation-warning",
        "versions[v1].deprecationWarning",
        INFO,
    )
    assert (change.action, back.action) == (ADDED, REMOVED)


def test_storage_version_flip_is_a_warning_both_ways() -> None:
    old = crd(versions=versions(("v1", True, False), ("v2", True, True)))
    new = crd(versions=versions(("v1", True, True), ("v2", True, False)))
    forward, back = both_ways(old, new)
    assert (forward.rule, forward.path, forward.old, forward.new) == (
        "crd.storage-version",
        "storageVersion",
        "v2",
        "v1",
    )
    assert forward.severity is back.severity is WARNING


def test_subresources() -> None:
    plain = crd(versions=versions(("v1", True, True)))
    status = crd(versions=[{**versions(("v1", True, True))[0], "subresources": {"status": {}}}])
    forward, back = both_ways(status, plain)
    assert (forward.rule, forward.path, forward.severity) == (
        "crd.subresource",
        "versions[v1].subresources.status",
        BREAKING,
    )
    assert back.severity is INFO
    scale = {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}
    a = crd(versions=[{**versions(("v1", True, True))[0], "subresources": {"scale": scale}}])
    b = copy.deepcopy(a)
    b["spec"]["versions"][0]["subresources"]["scale"]["specReplicasPath"] = ".spec.size"
    forward, back = both_ways(a, b)
    assert (forward.path, forward.severity, back.severity) == (
        "versions[v1].subresources.scale",
        WARNING,
        WARNING,
    )


def test_printer_columns_one_change_per_version() -> None:
    columns = [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
    old = crd(versions=versions(("v1", True, True)))
    new = crd(versions=[{**versions(("v1", True, True))[0], "additionalPrinterColumns": columns}])
    forward, back = both_ways(old, new)
    assert (forward.rule, forward.path, forward.severity, back.severity) == (
        "crd.printer-columns",
        "versions[v1].additionalPrinterColumns",
        INFO,
        INFO,
    )


def webhook_crd(namespace: str, ca: str = "Y2E=") -> JSON:
    service = {"name": "hook", "namespace": namespace, "path": "/convert"}
    config = {"service": service, "caBundle": ca}
    hook = {"clientConfig": config, "conversionReviewVersions": ["v1"]}
    return crd(conversion={"strategy": "Webhook", "webhook": hook})


def test_conversion_strategy_and_webhook() -> None:
    found = compare(crd(conversion={"strategy": "None"}), webhook_crd("system"))
    assert [(c.rule, c.path, c.severity) for c in found] == [
        ("crd.conversion", "spec.conversion.strategy", WARNING),
        ("crd.conversion", "spec.conversion.webhook", INFO),
    ]
    moved = one(compare(webhook_crd("system"), webhook_crd("operators")))
    assert (moved.path, moved.severity) == ("spec.conversion.webhook", INFO)
    # the CA bundle is rewritten by injectors on every rotation: not a change
    assert compare(webhook_crd("system", "b2xk"), webhook_crd("system", "bmV3")) == []


def test_v1beta1_shape_compares_equal_to_its_v1_form() -> None:
    schema = {"type": "object", "properties": {"spec": {"type": "object"}}}
    legacy = {
        "apiVersion": "apiextensions.k8s.io/v1beta1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "version": "v1",
            "validation": {"openAPIV3Schema": schema},
            "subresources": {"status": {}},
            "additionalPrinterColumns": [{"name": "Age", "type": "date", "JSONPath": ".x"}],
        },
    }
    version = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": schema},
        "subresources": {"status": {}},
        "additionalPrinterColumns": [{"name": "Age", "type": "date", "jsonPath": ".x"}],
    }
    assert compare(legacy, crd(versions=[version])) == []
    # the shared schema applies to every version that lacks its own
    legacy["spec"]["validation"]["openAPIV3Schema"] = {"type": "object", "properties": {}}
    change = one(compare(legacy, crd(versions=[version])))
    assert (change.rule, change.path, change.version) == ("schema.property.added", ".spec", "v1")


# --- schema rules ---------------------------------------------------------------------------

S = {"type": "string"}
RULE = {"rule": "self.size() < 5", "message": "short"}

INT, NUM, OBJ, LIST = (
    {"type": "integer"},
    {"type": "number"},
    {"type": "object"},
    {"type": "array", "items": S},
)


def case(label: str, old: JSON, new: JSON, rule: str, severities: str, back_rule: str = "") -> Any:
    """One schema rule: ``.spec.foo`` goes from old to new and back; ``severities`` is
    "there/back", e.g. "breaking/info"."""
    there, back = (changes.Severity.parse(s) for s in severities.split("/"))
    return pytest.param(old, new, (rule, there), (back_rule or rule, back), id=label)


SCHEMA_CASES = [
    case("type", S, INT, "schema.type", "breaking/breaking"),
    case(
        "int-or-string", {"x-kubernetes-int-or-string": True}, S, "schema.type", "breaking/breaking"
    ),
    case(
        "enum value removed",
        {**S, "enum": ["A", "B"]},
        {**S, "enum": ["B"]},
        "schema.enum.removed",
        "breaking/warning",
        "schema.enum.added",
    ),
    case(
        "enum constraint", S, {**S, "enum": ["B", "A"]}, "schema.enum.constraint", "breaking/info"
    ),
    case(
        "maximum", {**INT, "maximum": 10}, {**INT, "maximum": 5}, "schema.maximum", "breaking/info"
    ),
    case("maxLength", S, {**S, "maxLength": 63}, "schema.maxLength", "breaking/info"),
    case(
        "maxItems",
        {**LIST, "maxItems": 8},
        {**LIST, "maxItems": 4},
        "schema.maxItems",
        "breaking/info",
    ),
    case(
        "maxProperties", OBJ, {**OBJ, "maxProperties": 3}, "schema.maxProperties", "breaking/info"
    ),
    case(
        "minimum", {**INT, "minimum": 0}, {**INT, "minimum": 1}, "schema.minimum", "breaking/info"
    ),
    case("minLength", S, {**S, "minLength": 1}, "schema.minLength", "breaking/info"),
    case(
        "minItems",
        {**LIST, "minItems": 0},
        {**LIST, "minItems": 1},
        "schema.minItems",
        "breaking/info",
    ),
    case(
        "minProperties", OBJ, {**OBJ, "minProperties": 1}, "schema.minProperties", "breaking/info"
    ),
    case(
        "exclusiveMaximum",
        {**NUM, "maximum": 1},
        {**NUM, "maximum": 1, "exclusiveMaximum": True},
        "schema.exclusiveMaximum",
        "breaking/info",
    ),
    case(
        "exclusiveMinimum",
        {**NUM, "minimum": 1},
        {**NUM, "minimum": 1, "exclusiveMinimum": True},
        "schema.exclusiveMinimum",
        "breaking/info",
    ),
    case("pattern added", S, {**S, "pattern": "^a"}, "schema.pattern", "breaking/info"),
    case(
        "pattern changed",
        {**S, "pattern": "^a"},
        {**S, "pattern": "^b"},
        "schema.pattern",
        "warning/warning",
    ),
    case("format added", S, {**S, "format": "date-time"}, "schema.format", "warning/info"),
    case(
        "format changed",
        {**S, "format": "date"},
        {**S, "format": "date-time"},
        "schema.format",
        "warning/warning",
    ),
    case("default added", S, {**S, "default": "x"}, "schema.default", "warning/warning"),
    case(
        "default changed",
        {**S, "default": "x"},
        {**S, "default": "y"},
        "schema.default",
        "warning/warning",
    ),
    case(
        "validation rule",
        S,
        {**S, "x-kubernetes-validations": [RULE]},
        "schema.validation-rule",
        "warning/info",
    ),
    case(
        "validation message",
        {**S, "x-kubernetes-validations": [RULE]},
        {**S, "x-kubernetes-validations": [{**RULE, "message": "too long"}]},
        "schema.validation-rule",
        "info/info",
    ),
    case("nullable", {**S, "nullable": True}, S, "schema.nullable", "breaking/info"),
    case(
        "preserve-unknown-fields",
        {**OBJ, "x-kubernetes-preserve-unknown-fields": True},
        OBJ,
        "schema.preserve-unknown-fields",
        "breaking/info",
    ),
    case(
        "list type",
        LIST,
        {**LIST, "x-kubernetes-list-type": "set"},
        "schema.keyword",
        "warning/warning",
    ),
    case(
        "oneOf", {**OBJ, "oneOf": [{"required": ["a"]}]}, OBJ, "schema.keyword", "warning/warning"
    ),
    case(
        "additionalProperties",
        OBJ,
        {**OBJ, "additionalProperties": False},
        "schema.keyword",
        "warning/warning",
    ),
    case(
        "description",
        {**S, "description": "Foo."},
        {**S, "description": "The foo."},
        "schema.description",
        "info/info",
    ),
]


@pytest.mark.parametrize(("old", "new", "forward", "backward"), SCHEMA_CASES)
def test_schema_rule(
    old: JSON, new: JSON, forward: tuple[str, Any], backward: tuple[str, Any]
) -> None:
    there, back = both_ways(crd(old), crd(new))
    assert (there.rule, there.severity) == forward
    assert (back.rule, back.severity) == backward
    assert there.version == back.version == "v1"
    assert there.path == back.path == (".spec.foo" if forward[0] != "schema.description" else ".")
    assert (there.old, there.new) == (back.new, back.old)
    assert there.action == back.action.mirrored()


def test_enum_values_are_a_set_and_each_value_is_one_change() -> None:
    old, new = crd({**S, "enum": ["A", "B", "C"]}), crd({**S, "enum": ["D", "C", "B"]})
    found = compare(old, new)
    assert [(c.rule, c.old, c.new, c.severity) for c in found] == [
        ("schema.enum.added", None, "D", WARNING),
        ("schema.enum.removed", "A", None, BREAKING),
    ]
    assert found[1].message == "enum value 'A' removed at .spec.foo (v1)"
    assert compare(old, crd({**S, "enum": ["C", "B", "A"]})) == []
    constraint = one(compare(crd(S), crd({**S, "enum": ["B", "A"]})))
    assert (constraint.old, constraint.new) == (None, ["A", "B"])


def test_bounds_loosened_are_info() -> None:
    for old, new in (({"maximum": 5}, {"maximum": 10}), ({"minLength": 3}, {"minLength": 1})):
        change = one(compare(crd({**S, **old}), crd({**S, **new})))
        assert change.severity is INFO


def test_validation_rules_are_matched_by_text() -> None:
    other = {"rule": "self != 'x'"}
    old, new = (
        crd({**S, "x-kubernetes-validations": [RULE]}),
        crd({**S, "x-kubernetes-validations": [other]}),
    )
    found = compare(old, new)
    assert [(c.old, c.new, c.severity) for c in found] == [
        (None, "self != 'x'", WARNING),
        ("self.size() < 5", None, INFO),
    ]


def test_implied_keyword_values_are_not_changes() -> None:
    listed = {"type": "array", "items": S}
    assert compare(crd(listed), crd({**listed, "x-kubernetes-list-type": "atomic"})) == []
    assert compare(crd(S), crd({**S, "nullable": False})) == []


def spec_node(**properties: JSON) -> JSON:
    return {"type": "object", "properties": properties}


def test_property_removed_is_reported_at_its_top_only() -> None:
    tree = spec_node(bar=spec_node(baz=S, qux=S))
    forward, back = both_ways(crd(tree), crd(spec_node()))
    assert (forward.rule, forward.path, forward.severity) == (
        "schema.property.removed",
        ".spec.foo.bar",
        BREAKING,
    )
    assert (forward.old, forward.new, forward.message) == (
        "object",
        None,
        "property .spec.foo.bar removed from v1",
    )
    assert (back.rule, back.severity, back.new) == ("schema.property.added", INFO, "object")


def test_nothing_is_reported_below_a_type_change() -> None:
    old = crd(spec_node(bar={**S, "enum": ["A"]}))
    change = one(compare(old, crd({"type": "array", "items": S})))
    assert (change.rule, change.old, change.new) == ("schema.type", "object", "array")


def test_required_is_reported_at_the_child() -> None:
    forward, back = both_ways(crd(spec_node(bar=S)), crd({**spec_node(bar=S), "required": ["bar"]}))
    assert (forward.rule, forward.path, forward.severity) == (
        "schema.required",
        ".spec.foo.bar",
        BREAKING,
    )
    assert (forward.old, forward.new, back.severity) == (None, "required", INFO)


def test_new_required_property_is_added_and_required() -> None:
    found = compare(crd(spec_node()), crd({**spec_node(bar=S), "required": ["bar"]}))
    assert [(c.rule, c.path, c.severity) for c in found] == [
        ("schema.property.added", ".spec.foo.bar", INFO),
        ("schema.required", ".spec.foo.bar", BREAKING),
    ]


def test_array_items_and_map_values_have_instance_paths() -> None:
    rules = {"type": "array", "items": spec_node(name=S)}
    labels = {"type": "object", "additionalProperties": S}
    old = crd(spec_node(rules=rules, labels=labels))
    new_rules = {"type": "array", "items": spec_node(name={**S, "maxLength": 8})}
    new_labels = {"type": "object", "additionalProperties": {**S, "minLength": 1}}
    found = compare(old, crd(spec_node(rules=new_rules, labels=new_labels)))
    assert [(c.rule, c.path) for c in found] == [
        ("schema.minLength", ".spec.foo.labels.*"),
        ("schema.maxLength", ".spec.foo.rules[*].name"),
    ]


def test_descriptions_are_one_change_per_version() -> None:
    old = crd(spec_node(a={**S, "description": "a"}, b={**S, "description": "b"}))
    new = crd(spec_node(a={**S, "description": "A"}, b={**S, "description": "B"}))
    change = one(compare(old, new))
    assert (change.rule, change.path, change.old, change.new) == (
        "schema.description",
        ".",
        None,
        None,
    )
    assert change.message == "descriptions changed at 2 properties (v1)"


def test_schema_changes_are_compared_per_version() -> None:
    def two(field: JSON) -> JSON:
        schema = {"type": "object", "properties": {"spec": spec_node(foo=field)}}
        return crd(
            versions=[
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                },
                {
                    "name": "v2",
                    "served": True,
                    "storage": False,
                    "schema": {"openAPIV3Schema": schema},
                },
            ]
        )

    found = compare(two(S), two({"type": "integer"}))
    assert [(c.version, c.path) for c in found] == [("v1", ".spec.foo"), ("v2", ".spec.foo")]


# --- real upgrades --------------------------------------------------------------------------

GATEWAY = "gateway.networking.k8s.io_{}.yaml"
HTTPROUTES, GATEWAYS = GATEWAY.format("httproutes"), GATEWAY.format("gateways")
EXTERNAL_SECRETS = "externalsecrets.external-secrets.io.yaml"
CERT_MANAGER = sorted(p.name for p in (V1 / "cert-manager").iterdir())


def test_gateway_api_v0_5_1_to_v0_8_1_httproutes() -> None:
    """v1alpha2 stops being served and is deprecated; storage moves to v1beta1."""
    name = GATEWAY.format("httproutes")
    found = real(COPIED / "gateway-api/v0.5.1" / name, V1 / "gateway-api" / name)
    served = find(found, "crd.version.served", "versions[v1alpha2].served")
    assert (served.severity, served.old, served.new) == (BREAKING, True, False)
    assert (
        find(found, "crd.version.deprecated", "versions[v1alpha2].deprecated").severity is WARNING
    )
    storage = find(found, "crd.storage-version", "storageVersion")
    assert (storage.severity, storage.old, storage.new) == (WARNING, "v1alpha2", "v1beta1")
    # new HTTPRoute filters: new enum values are warnings, new properties info
    added = find(found, "schema.property.added", ".spec.rules[*].filters[*].urlRewrite", "v1beta1")
    assert added.severity is INFO
    enums = [c for c in found if c.rule == "schema.enum.added" and c.version == "v1beta1"]
    assert {(c.path, c.new) for c in enums} >= {(".spec.rules[*].filters[*].type", "URLRewrite")}


def test_gateway_api_v0_8_1_to_v1_0_0_gateways() -> None:
    """v1alpha2 (already unserved) is removed and v1 added. From the manifests alone the
    removal is only info; on a cluster that once stored v1alpha2 objects it is breaking."""
    name = GATEWAY.format("gateways")
    old, new = V1 / "gateway-api" / name, V2 / "gateway-api" / name
    found = real(old, new)
    assert find(found, "crd.version.added", "versions[v1]").severity is INFO
    removed = find(found, "crd.version.removed", "versions[v1alpha2]")
    assert (removed.severity, removed.old) == (INFO, "v1alpha2")
    live = with_stored(load(old), "v1alpha2", "v1beta1")
    found = crdcompat.compare(live, load(new), name="gateways.gateway.networking.k8s.io")
    assert find(found, "crd.version.removed-stored", "versions[v1alpha2]").severity is BREAKING
    assert [c.severity for c in found if c.severity is BREAKING] == [BREAKING]


@pytest.mark.parametrize("name", CERT_MANAGER)
def test_cert_manager_v1_12_to_v1_14_has_nothing_breaking(name: str) -> None:
    found = real(V1 / "cert-manager" / name, COPIED / "cert-manager/v1.14.5" / name)
    assert [c.message for c in found if c.severity is BREAKING] == []


def test_cert_manager_v1_12_to_v1_14_certificates() -> None:
    name = "certificates.cert-manager.io.yaml"
    found = real(V1 / "cert-manager" / name, COPIED / "cert-manager/v1.14.5" / name)
    added = find(found, "schema.property.added", ".spec.nameConstraints", "v1")
    assert (added.severity, added.new) == (INFO, "object")
    assert find(found, "schema.description", ".", "v1").severity is INFO


def test_external_secrets_v0_15_to_v0_16() -> None:
    """v1alpha1 removed while still served; storage flips from v1beta1 to the new v1."""
    name = "externalsecrets.external-secrets.io.yaml"
    found = real(V1 / "external-secrets" / name, COPIED / "external-secrets/v0.16.2" / name)
    assert find(found, "crd.version.removed", "versions[v1alpha1]").severity is BREAKING
    assert find(found, "crd.version.added", "versions[v1]").severity is INFO
    storage = find(found, "crd.storage-version", "storageVersion")
    assert (storage.old, storage.new, storage.severity) == ("v1beta1", "v1", WARNING)


def test_external_secrets_v0_15_to_v0_16_fake_provider() -> None:
    """The fake provider's data entries lost valueMap and now require value: breaking."""
    name = "secretstores.external-secrets.io.yaml"
    found = real(V1 / "external-secrets" / name, COPIED / "external-secrets/v0.16.2" / name)
    path = ".spec.provider.fake.data[*]"
    assert (
        find(found, "schema.property.removed", f"{path}.valueMap", "v1beta1").severity is BREAKING
    )
    assert find(found, "schema.required", f"{path}.value", "v1beta1").severity is BREAKING


@pytest.mark.parametrize(
    ("name", "old_storage", "new_storage"),
    [
        ("kyverno.io_cleanuppolicies.yaml", "v2beta1", "v2"),
        ("kyverno.io_updaterequests.yaml", "v1beta1", "v2"),
    ],
)
def test_kyverno_v1_12_to_v1_13_storage_flips(
    name: str, old_storage: str, new_storage: str
) -> None:
    found = real(COPIED / "kyverno/v1.12.0" / name, COPIED / "kyverno/v1.13.0" / name)
    storage = find(found, "crd.storage-version", "storageVersion")
    assert (storage.old, storage.new, storage.severity) == (old_storage, new_storage, WARNING)
    assert (
        find(found, "crd.version.deprecated", f"versions[{old_storage}].deprecated").severity
        is WARNING
    )


def test_kyverno_v1_12_to_v1_13_cleanup_policies_tighten() -> None:
    """v2alpha1 (unserved) goes; 1.13 also makes spec.match required, which is breaking."""
    name = "kyverno.io_cleanuppolicies.yaml"
    found = real(COPIED / "kyverno/v1.12.0" / name, COPIED / "kyverno/v1.13.0" / name)
    assert find(found, "crd.version.removed", "versions[v2alpha1]").severity is INFO
    assert find(found, "schema.required", ".spec.match", "v2").severity is BREAKING


def test_strimzi_v0_49_to_v1_0_kafka_topics() -> None:
    """1.0.0 drops every pre-v1 version, including v1beta2 where topics are still stored."""
    old = with_stored(load(COPIED / "strimzi/0.49.0/043-Crd-kafkatopic.yaml"), "v1beta2")
    new = load(V2 / "strimzi/043-Crd-kafkatopic.yaml")
    found = crdcompat.compare(old, new, name="kafkatopics.kafka.strimzi.io")
    stored = find(found, "crd.version.removed-stored", "versions[v1beta2]")
    assert (stored.severity, stored.old, stored.new, stored.action) == (
        BREAKING,
        "v1beta2",
        None,
        REMOVED,
    )
    for version in ("v1beta1", "v1alpha1"):
        assert find(found, "crd.version.removed", f"versions[{version}]").severity is BREAKING
    assert find(found, "crd.storage-version", "storageVersion").new == "v1"


def test_prometheus_operator_v0_63_to_v0_75_removes_fields() -> None:
    """Kubernetes dropped PVC resources.claims; prometheus-operator's embedded PVC followed."""
    name = "monitoring.coreos.com_alertmanagers.yaml"
    found = real(V1 / "prometheus-operator" / name, V2 / "prometheus-operator" / name)
    path = ".spec.storage.volumeClaimTemplate.spec.resources.claims"
    removed = find(found, "schema.property.removed", path, "v1")
    assert (removed.severity, removed.old, removed.action) == (BREAKING, "array", REMOVED)
    # only the removed array is reported, not its items' fields
    assert not [c for c in found if c.path.startswith(f"{path}[*]")]


def test_prometheus_operator_scheme_enum() -> None:
    name = "monitoring.coreos.com_servicemonitors.yaml"
    found = real(V1 / "prometheus-operator" / name, V2 / "prometheus-operator" / name)
    enum = find(found, "schema.enum.constraint", ".spec.endpoints[*].scheme", "v1")
    assert (enum.severity, enum.old, enum.new) == (BREAKING, None, ["http", "https"])


# --- the mirror law -------------------------------------------------------------------------

REAL_PAIRS = [
    *(
        (V1 / "cert-manager" / n, COPIED / "cert-manager/v1.14.5" / n)
        for n in ("certificates.cert-manager.io.yaml", "issuers.cert-manager.io.yaml")
    ),
    (COPIED / "gateway-api/v0.5.1" / HTTPROUTES, V1 / "gateway-api" / HTTPROUTES),
    (V1 / "gateway-api" / GATEWAYS, V2 / "gateway-api" / GATEWAYS),
    *(
        (V1 / "external-secrets" / n, COPIED / "external-secrets/v0.16.2" / n)
        for n in (EXTERNAL_SECRETS, "secretstores.external-secrets.io.yaml")
    ),
    *(
        (COPIED / "kyverno/v1.12.0" / n, COPIED / "kyverno/v1.13.0" / n)
        for n in ("kyverno.io_cleanuppolicies.yaml", "kyverno.io_updaterequests.yaml")
    ),
    (COPIED / "strimzi/0.49.0/043-Crd-kafkatopic.yaml", V2 / "strimzi/043-Crd-kafkatopic.yaml"),
    (V1 / "prometheus-operator/monitoring.coreos.com_podmonitors.yaml",
     V2 / "prometheus-operator/monitoring.coreos.com_podmonitors.yaml"),
]  # fmt: skip
MUTATION_BASES = [
    COPIED / "gateway-api/v0.5.1" / GATEWAY.format("httproutes"),
    COPIED / "kyverno/v1.12.0/kyverno.io_admissionreports.yaml",
    COPIED / "cert-manager/v1.14.5/certificates.cert-manager.io.yaml",
]


@given(st.sampled_from(REAL_PAIRS), st.booleans())
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_real_pairs_mirror_and_self_compare(pair: tuple[Path, Path], stored: bool) -> None:
    a, b = load(pair[0]), load(pair[1])
    if stored:  # storedVersions only changes severities, never the places reported
        a = with_stored(a, *(v["name"] for v in a["spec"]["versions"]))
    assert compare(a, a) == []
    assert compare(b, b) == []
    assert_mirror(a, b)


@functools.cache
def schema_nodes(path: Path) -> list[tuple[int, tuple[str, ...]]]:
    """(version index, key path) of every object node in every version's schema."""
    found = []
    for index, version in enumerate(load(path)["spec"]["versions"]):
        stack: list[tuple[Any, tuple[str, ...]]] = [(version["schema"]["openAPIV3Schema"], ())]
        while stack:
            node, keys = stack.pop()
            found.append((index, keys))
            for name, child in sorted((node.get("properties") or {}).items()):
                stack.append((child, (*keys, "properties", name)))
            if isinstance(node.get("items"), dict):
                stack.append((node["items"], (*keys, "items")))
    return found


def mutate(crd_obj: JSON, index: int, keys: tuple[str, ...], how: str, pick: int) -> None:
    """Apply one upgrade-like edit to the node at ``keys`` of version ``index``, in place."""
    entries = crd_obj["spec"]["versions"]
    if index >= len(entries):  # an earlier edit dropped it
        return
    version = entries[index]
    node = version["schema"]["openAPIV3Schema"]
    for k in keys:
        if k not in node:  # an earlier edit deleted it or changed the versions' order
            return
        node = node[k]
    names = sorted(node.get("properties") or {})
    if how == "delete-property" and names:
        del node["properties"][names[pick % len(names)]]
    elif how == "change-type":
        types = ["string", "integer", "object", "array", "boolean"]
        node["type"] = types[
            (types.index(node["type"]) + 1) % 5 if node.get("type") in types else pick % 5
        ]
    elif how == "add-enum-value":
        node["enum"] = [*(node.get("enum") or []), f"value-{pick}"]
    elif how == "add-required" and names:
        node["required"] = sorted({*(node.get("required") or []), names[pick % len(names)]})
    elif how == "toggle-served":
        version["served"] = not version.get("served", True)
    elif how == "deprecate":
        version["deprecated"] = not version.get("deprecated", False)
    elif how == "drop-version" and len(crd_obj["spec"]["versions"]) > 1:
        del crd_obj["spec"]["versions"][index]


MUTATIONS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10_000),
        st.sampled_from(
            [
                "delete-property",
                "change-type",
                "add-enum-value",
                "add-required",
                "toggle-served",
                "deprecate",
                "drop-version",
            ]
        ),
        st.integers(min_value=0, max_value=1_000),
    ),
    min_size=1,
    max_size=4,
)


@given(st.sampled_from(MUTATION_BASES), MUTATIONS, st.booleans())
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutations_mirror(base: Path, edits: list[tuple[int, str, int]], backwards: bool) -> None:
    a = load(base)
    b = copy.deepcopy(a)
    nodes = schema_nodes(base)
    for where, how, pick in edits:
        mutate(b, *nodes[where % len(nodes)], how, pick)
    if backwards:
        a, b = b, a
    assert compare(b, b) == []
    assert_mirror(a, b)

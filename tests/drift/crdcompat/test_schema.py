"""CRD compatibility rules for schemas (drift.rules.crds and drift.rules.schema): every schema
rule in both directions, enums, bounds, validation rules, removed and required properties,
instance paths, descriptions, and versions compared one by one."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_datamodel.drift import changes
from tests.support.crdcompat import BREAKING, INFO, JSON, WARNING, both_ways, compare, crd, one

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
    assert found[1].message == "enum value A removed at .spec.foo (v1)"
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

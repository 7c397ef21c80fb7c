"""CRD compatibility rules for the CRD as a whole (drift.rules.crds): scope, names, versions
served, stored and deprecated, subresources, printer columns, conversion, and the v1beta1
shape. Each test builds the smallest CRD that shows one rule, in both directions."""

from __future__ import annotations

import copy

from tests.support.crdcompat import (
    ADDED,
    BREAKING,
    CHANGED,
    INFO,
    JSON,
    REMOVED,
    V1,
    V2,
    WARNING,
    both_ways,
    compare,
    crd,
    one,
    real,
    with_stored,
)


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

"""CRD compatibility on real upgrades and the mirror law: what a user upgrading gateway-api,
cert-manager, external-secrets, Kyverno, Strimzi or prometheus-operator would see, and the
property that comparing b with a reports exactly the places comparing a with b does, with the
sides swapped, on real pairs and on random edits of real CRDs."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_datamodel.drift.rules import crds as crdcompat
from tests.support.crdcompat import (
    BREAKING,
    COPIED,
    INFO,
    JSON,
    REMOVED,
    V1,
    V2,
    WARNING,
    assert_mirror,
    compare,
    find,
    load,
    real,
    with_stored,
)

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

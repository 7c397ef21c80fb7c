"""normalize.normalize(): what is dropped or redacted before an object is stored."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubectl_datamodel import redaction
from kubectl_datamodel.capture import files
from kubectl_datamodel.capture.normalize import DROPPED_METADATA, normalize
from tests.support.paths import CLUSTER_V1

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

SECRET_ENV = ("DB_PASSWORD", "GITHUB_TOKEN", "CLIENT_SECRET", "API_KEY", "STRIPE_APIKEY")
PLAIN_ENV = ("LOG_LEVEL", "HTTP_PORT")


def env() -> list[dict[str, Any]]:
    """Credential-looking literals, plain literals and a secretKeyRef."""
    return [
        *({"name": n, "value": f"literal-{n.lower()}"} for n in SECRET_ENV),
        *({"name": n, "value": f"literal-{n.lower()}"} for n in PLAIN_ENV),
        {
            "name": "ADMIN_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "admin", "key": "password"}},
        },
    ]


def pod_template() -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "web:1", "env": env()}]},
    }


def workload(kind: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": pod_template()},
    }


def cron_job() -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": pod_template()}}},
    }


def csv() -> dict[str, Any]:
    deployment = {"name": "web-operator", "spec": workload("Deployment")["spec"]}
    return {
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "ClusterServiceVersion",
        "metadata": {"name": "web-operator.v1.0.0", "namespace": "operators"},
        "spec": {
            "install": {"strategy": "deployment", "spec": {"deployments": [deployment]}},
        },
    }


def pod_spec_of_workload(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]


CASES: dict[str, tuple[Callable[[], dict[str, Any]], Callable[[dict[str, Any]], Any]]] = {
    "Deployment": (lambda: workload("Deployment"), pod_spec_of_workload),
    "StatefulSet": (lambda: workload("StatefulSet"), pod_spec_of_workload),
    "DaemonSet": (lambda: workload("DaemonSet"), pod_spec_of_workload),
    "CronJob": (cron_job, lambda o: o["spec"]["jobTemplate"]["spec"]["template"]["spec"]),
    "ClusterServiceVersion": (
        csv,
        lambda o: o["spec"]["install"]["spec"]["deployments"][0]["spec"]["template"]["spec"],
    ),
}


def env_values(pod_spec: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in pod_spec["containers"][0]["env"]}


# --- metadata --------------------------------------------------------------------------------


def test_drops_volatile_metadata_and_keeps_everything_else() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "settings",
            "namespace": "shop",
            "labels": {"app": "web"},
            "annotations": {LAST_APPLIED: '{"kind":"ConfigMap"}', "owner": "team-a"},
            "managedFields": [{"manager": "kubectl"}],
            "resourceVersion": "4711",
            "uid": "0b8e-4d1f",
            "generation": 3,
            "selfLink": "/api/v1/namespaces/shop/configmaps/settings",
            "creationTimestamp": "2024-01-02T03:04:05Z",
        },
        "data": {"mode": "fast"},
        "status": {"phase": "Ready"},
    }

    assert normalize(obj) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "settings",
            "namespace": "shop",
            "labels": {"app": "web"},
            "annotations": {"owner": "team-a"},
            "creationTimestamp": "2024-01-02T03:04:05Z",
        },
        "data": {"mode": "fast"},
    }


def test_status_goes_except_a_crds_stored_versions() -> None:
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2},
        "status": {"readyReplicas": 1, "conditions": [{"lastUpdateTime": "2024-01-02"}]},
    }
    crd = {
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com"},
        "status": {"storedVersions": ["v1beta1", "v1"], "conditions": [{"type": "Established"}]},
    }

    assert "status" not in normalize(deployment)
    assert normalize(crd)["status"] == {"storedVersions": ["v1beta1", "v1"]}


def test_annotations_key_goes_when_only_last_applied_was_there() -> None:
    obj = {"kind": "ConfigMap", "metadata": {"name": "a", "annotations": {LAST_APPLIED: "{}"}}}

    assert normalize(obj)["metadata"] == {"name": "a"}


def test_real_crd_spec_is_kept_unchanged() -> None:
    path = CLUSTER_V1 / "crds" / "cert-manager" / "certificates.cert-manager.io.yaml"
    (source,) = files.read(files=[path]).objects

    normalized = normalize(source.obj)

    assert normalized["spec"] == source.obj["spec"]
    assert normalized["metadata"]["labels"] == source.obj["metadata"]["labels"]


# --- secrets ---------------------------------------------------------------------------------


def test_secret_loses_data_and_string_data() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "shop"},
        "type": "Opaque",
        "data": {"password": "aHVudGVyMg=="},
        "stringData": {"user": "admin"},
    }

    assert normalize(secret) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "shop"},
        "type": "Opaque",
    }


def test_data_of_other_kinds_is_kept() -> None:
    config_map = {"kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"password": "x"}}

    assert normalize(config_map)["data"] == {"password": "x"}


@pytest.mark.parametrize("kind", list(CASES))
def test_credential_env_literals_are_redacted(kind: str) -> None:
    build, pod_spec_of = CASES[kind]

    values = env_values(pod_spec_of(normalize(build())))

    assert {n: values[n] for n in SECRET_ENV} == {
        n: redaction.placeholder(f"literal-{n.lower()}") for n in SECRET_ENV
    }


@pytest.mark.parametrize("kind", list(CASES))
def test_plain_env_and_value_from_are_untouched(kind: str) -> None:
    build, pod_spec_of = CASES[kind]

    values = env_values(pod_spec_of(normalize(build())))

    assert values["LOG_LEVEL"] == "literal-log_level"
    assert values["HTTP_PORT"] == "literal-http_port"
    assert values["ADMIN_PASSWORD"] == {"secretKeyRef": {"name": "admin", "key": "password"}}


def test_init_container_env_is_redacted_too() -> None:
    obj = workload("Deployment")
    obj["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "migrate", "image": "web:1", "env": [{"name": "DB_PASSWORD", "value": "x"}]}
    ]

    init = normalize(obj)["spec"]["template"]["spec"]["initContainers"][0]

    assert init["env"] == [{"name": "DB_PASSWORD", "value": redaction.placeholder("x")}]


@pytest.mark.parametrize("kind", list(CASES))
def test_input_object_is_not_mutated(kind: str) -> None:
    build, _ = CASES[kind]
    obj = build()
    obj["metadata"].update(uid="1", resourceVersion="2", annotations={LAST_APPLIED: "{}"})
    before = copy.deepcopy(obj)

    normalize(obj)

    assert obj == before


# --- properties ------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)

env_entries = st.lists(
    st.fixed_dictionaries(
        {"name": st.sampled_from(["DB_PASSWORD", "API_TOKEN", "LOG_LEVEL"]) | st.text(max_size=8)},
        optional={"value": json_scalars, "valueFrom": json_values},
    ),
    max_size=3,
)
pod_specs = st.fixed_dictionaries(
    {
        "containers": st.lists(
            st.fixed_dictionaries({"name": st.text(max_size=4), "env": env_entries}), max_size=2
        )
    },
    optional={"initContainers": st.lists(st.fixed_dictionaries({"env": env_entries}), max_size=1)},
)
templated = st.fixed_dictionaries({"template": st.fixed_dictionaries({"spec": pod_specs})})
specs = st.one_of(
    json_values,
    templated,
    st.fixed_dictionaries({"jobTemplate": st.fixed_dictionaries({"spec": templated})}),
    st.fixed_dictionaries(
        {
            "install": st.fixed_dictionaries(
                {
                    "spec": st.fixed_dictionaries(
                        {
                            "deployments": st.lists(
                                st.fixed_dictionaries(
                                    {"name": st.text(max_size=4), "spec": templated}
                                ),
                                max_size=2,
                            )
                        }
                    )
                }
            )
        }
    ),
)
annotations = st.dictionaries(
    st.sampled_from([LAST_APPLIED, "owner"]) | st.text(max_size=8), st.text(max_size=8), max_size=3
)
metadata = st.builds(
    lambda extra, dropped, notes: {**extra, **dropped, **notes},
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),
    st.dictionaries(st.sampled_from(DROPPED_METADATA), json_values),
    st.just({}) | st.fixed_dictionaries({"annotations": annotations}),
)
objects = st.builds(
    lambda kind, meta, spec, extra: {**extra, "kind": kind, "metadata": meta, "spec": spec},
    st.sampled_from(
        [
            "Secret",
            "ConfigMap",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "Pod",
            "CronJob",
            "ClusterServiceVersion",
        ]
    )
    | st.text(max_size=8),
    metadata,
    specs,
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),
)


@pytest.mark.parametrize("value", ["", "hunter2", "postgres://a:hunter2@db"])
def test_a_redacted_value_stays_as_it_is_when_normalized_again(value: str) -> None:
    """Found by hypothesis in CI: a placeholder was wrapped in another one."""
    obj = workload("Deployment")
    container = obj["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": "DB_PASSWORD", "value": value}, {"name": "URL", "value": value}]
    once = normalize(obj)
    assert normalize(once) == once


@given(objects)
def test_normalize_is_idempotent(obj: dict[str, Any]) -> None:
    once = normalize(obj)

    assert normalize(once) == once


@given(objects)
def test_normalize_never_mutates_its_input(obj: dict[str, Any]) -> None:
    before = copy.deepcopy(obj)

    normalize(obj)

    assert obj == before


@given(objects)
def test_normalize_leaves_no_dropped_metadata(obj: dict[str, Any]) -> None:
    metadata = normalize(obj)["metadata"]

    assert not set(metadata) & set(DROPPED_METADATA)
    if isinstance(metadata.get("annotations"), dict):
        assert LAST_APPLIED not in metadata["annotations"]
        assert metadata["annotations"]

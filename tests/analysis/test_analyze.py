"""`kubectl datamodel analyze VIEW [SNAPSHOT]`: each view on the example clusters, the rules the
examples lack on manifests derived from upstream ones, outputs, --fail-on and bad input."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kubectl_datamodel import analysis, documents, errors, store
from tests.support.paths import CLUSTER_V1, CLUSTER_V2, ROOT

PROMETHEUS_OPERATOR = (
    CLUSTER_V2 / "operators/prometheus-operator/prometheus-operator-deployment.yaml"
)
ARGOCD_CSV = CLUSTER_V2 / "olm/csvs/argocd-operator.v0.13.0.clusterserviceversion.yaml"
GATEWAY_API_V1 = CLUSTER_V1 / "crds/gateway-api"  # v0.8.1: v1alpha2 deprecated, v1beta1 storage
GATEWAY_API_V2 = CLUSTER_V2 / "crds/gateway-api"  # v1.0.0: v1alpha2 gone from Gateway & co.
ARGOCD_CSV_SUBJECT = "ClusterServiceVersion placeholder/argocd-operator.v0.13.0"
# kubernetes-sigs/gateway-api examples/standard/simple-gateway/gateway.yaml, at the v1beta1
# that gateway-api v0.8.1 stores (upstream now writes v1).
GATEWAY = {
    "apiVersion": "gateway.networking.k8s.io/v1beta1",
    "kind": "Gateway",
    "metadata": {"name": "prod-web"},
    "spec": {
        "gatewayClassName": "example",
        "listeners": [
            {
                "protocol": "HTTP",
                "port": 80,
                "name": "prod-web-gw",
                "allowedRoutes": {"namespaces": {"from": "Same"}},
            }
        ],
    },
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(path: Path) -> dict[str, Any]:
    document = documents.load_document(path, "manifest")
    assert isinstance(document, dict)
    return document


def analyze_json(run, db: Path, *args: str) -> dict[str, Any]:
    result = run("analyze", *args, "-o", "json", "--db-path", db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def found(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(f["rule"], f["level"], f["subject"]) for f in document["findings"]]


def table(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A table's rows as {column: value}."""
    (chosen,) = [t for t in document["tables"] if t["name"] == name]
    return [dict(zip(chosen["columns"], row, strict=True)) for row in chosen["rows"]]


@pytest.fixture
def snapshot_of(run, tmp_path: Path) -> Callable[..., Path]:
    """Store the given objects (as JSON manifests) as snapshot 1 of context x; the db's path."""

    def take(*objects: dict[str, Any]) -> Path:
        folder = tmp_path / "cluster"
        folder.mkdir()
        for index, obj in enumerate(objects):
            (folder / f"{index}.json").write_text(json.dumps(obj))
        db = tmp_path / "derived.db"
        result = run("snapshot", "--from-dir", folder, "--db-path", db, "--context", "x", "-q")
        assert result.exit_code == 0, result.stderr
        return db

    return take


# -- security ---------------------------------------------------------------------------------


def test_security_of_the_example_cluster(run, stored_v1_v2):
    document = analyze_json(run, stored_v1_v2, "security")
    # strimzi's Deployment and OLM's two set no securityContext at all, nor does the
    # Deployment packageserver's CSV embeds (the snapshot holds the CSV, not what OLM made of
    # it); every other operator sets runAsNonRoot on its pod or container. argocd-operator's
    # CSV grants * on rbac.authorization.k8s.io/* and on core serviceaccounts and secrets.
    assert found(document) == [
        ("rbac-escalation", "critical", ARGOCD_CSV_SUBJECT),
        (
            "may-run-as-root",
            "warning",
            "ClusterServiceVersion olm/packageserver (Deployment packageserver)",
        ),
        ("may-run-as-root", "warning", "Deployment olm/catalog-operator"),
        ("may-run-as-root", "warning", "Deployment olm/olm-operator"),
        ("may-run-as-root", "warning", "Deployment strimzi-cluster-operator"),
        ("rbac-secrets", "warning", ARGOCD_CSV_SUBJECT),
    ]
    assert document["findings"][0]["message"] == (
        "service account argocd-operator-controller-manager can grant itself any permission: "
        "* on core/serviceaccounts; * on rbac.authorization.k8s.io/*; "
        "* on rbac.authorization.k8s.io/clusterroles"
    )
    assert document["summary"] == {"info": 0, "warning": 5, "critical": 1}
    references = {r["workload"]: r["image_reference"] for r in table(document, "containers")}
    assert references["olm-operator"] == "digest"  # quay.io/operator-framework/olm@sha256:...
    assert references["cert-manager"] == "tag"


def test_security_as_a_table(run, stored_v1_v2):
    result = run("analyze", "security", "--db-path", stored_v1_v2)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "# Findings"
    assert re.match(r"critical +rbac-escalation +ClusterServiceVersion placeholder/", lines[2])
    assert "# Operator containers" in lines
    assert lines[-1] == "security: 1 critical, 5 warnings, 0 info in snapshot 2 of context demo"


def test_security_as_markdown_escapes_cluster_values(run, stored_v1_v2):
    result = run("analyze", "security", "-o", "markdown", "--db-path", stored_v1_v2)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("### kubectl-datamodel analysis: security\n\n")
    assert (
        "| 🔴 critical | `rbac-escalation` | "
        "ClusterServiceVersion placeholder/argocd\\-operator\\.v0\\.13\\.0 |"
    ) in text
    assert "#### Operator containers" in text
    assert "quay\\.io/operator\\-framework/olm&#64;&#8203;sha256\\:b706ee65" in text


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set ``value`` at a dotted path of the Deployment (``[0]`` indexes a list)."""

    def change(obj: dict[str, Any]) -> None:
        keys = [
            int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")
        ]
        for key in keys[:-1]:
            obj = obj[key]
        if value is None:
            del obj[keys[-1]]
        else:
            obj[keys[-1]] = value

    return change


POD = "spec.template.spec"
CONTAINER = f"{POD}.containers[0]"
SUBJECT = "Deployment default/prometheus-operator"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("spec.replicas", 1), []),  # the upstream Deployment as it is: nothing to report
        (_set(f"{CONTAINER}.securityContext.privileged", True), [("privileged", "critical")]),
        (_set(f"{POD}.hostPID", True), [("host-namespace", "critical")]),
        (_set(f"{POD}.hostIPC", True), [("host-namespace", "critical")]),
        (_set(f"{POD}.hostNetwork", True), [("host-network", "warning")]),
        (
            _set(f"{CONTAINER}.securityContext.capabilities.add", ["SYS_ADMIN"]),
            [("dangerous-capability", "critical")],
        ),
        (
            _set(f"{CONTAINER}.securityContext.capabilities.add", ["CAP_NET_RAW"]),
            [("added-capability", "warning")],
        ),
        (_set(f"{CONTAINER}.securityContext.capabilities.add", ["NET_BIND_SERVICE"]), []),
        (_set(f"{POD}.securityContext.runAsNonRoot", None), [("may-run-as-root", "warning")]),
        (
            _set(f"{CONTAINER}.securityContext.runAsNonRoot", False),  # overrides the pod's
            [("may-run-as-root", "warning")],
        ),
        (
            _set(f"{CONTAINER}.image", "quay.io/prometheus-operator/prometheus-operator:latest"),
            [("mutable-image", "warning")],
        ),
        (
            _set(f"{CONTAINER}.image", "localhost:5000/prometheus-operator"),  # a port, no tag
            [("mutable-image", "warning")],
        ),
        (
            _set(
                f"{CONTAINER}.image",
                "quay.io/prometheus-operator/prometheus-operator:latest@sha256:" + "0" * 64,
            ),
            [],
        ),
    ],
)
def test_security_rules_on_one_field_changed(run, snapshot_of, change, expected):
    deployment = load(PROMETHEUS_OPERATOR)
    change(deployment)
    document = analyze_json(run, snapshot_of(deployment), "security")
    assert found(document) == [(rule, level, SUBJECT) for rule, level in expected]


def test_a_wildcard_rule_in_a_csv_is_cluster_admin(run, snapshot_of):
    csv = load(ARGOCD_CSV)
    rules = csv["spec"]["install"]["spec"]["clusterPermissions"][0]["rules"]
    (everything,) = [r for r in rules if r["resources"] == ["*"] and r["verbs"] == ["*"]]
    everything["apiGroups"] = ["*"]  # was rbac.authorization.k8s.io
    db = snapshot_of(csv)
    document = analyze_json(run, db, "security")
    assert document["findings"][0] == {
        "view": "security",
        "rule": "rbac-cluster-admin",
        "level": "critical",
        "subject": ARGOCD_CSV_SUBJECT,
        "message": "service account argocd-operator-controller-manager is cluster-admin: * on */*",
    }
    assert run("analyze", "security", "--fail-on", "critical", "--db-path", db).exit_code == 3


# -- resources --------------------------------------------------------------------------------


def test_resources_of_the_example_cluster(run, stored_v1_v2):
    document = analyze_json(run, stored_v1_v2, "resources")
    unrequested = [
        "Deployment NAMESPACE/RELEASE-NAME-external-secrets",
        "Deployment NAMESPACE/RELEASE-NAME-external-secrets-cert-controller",
        "Deployment NAMESPACE/RELEASE-NAME-external-secrets-webhook",
        "Deployment argocd-applicationset-controller",
        "Deployment argocd-notifications-controller",
        "Deployment cert-manager/cert-manager",
        "Deployment cert-manager/cert-manager-cainjector",
        "Deployment cert-manager/cert-manager-webhook",
        "StatefulSet argocd-application-controller",
    ]
    # OLM's operators request 10m and 80Mi/160Mi but set no limits
    unlimited = sorted(
        [*unrequested, "Deployment olm/catalog-operator", "Deployment olm/olm-operator"]
    )
    assert found(document) == [
        *(("no-requests", "warning", s) for s in unrequested),
        *(("no-limits", "info", s) for s in unlimited),
    ]
    assert document["findings"][0]["message"] == (
        "container external-secrets has no cpu or memory request"
    )
    per_namespace = {r["namespace"]: r for r in table(document, "namespaces")}
    assert per_namespace["olm"] == {
        "namespace": "olm",
        "workloads": 2,
        "replicas": 2,
        "cpu_millicores": 20,
        "memory_bytes": 240 * 2**20,
        "unknown_replicas": 0,
    }
    assert per_namespace[None]["cpu_millicores"] == 200  # strimzi: 200m; argo-cd asks nothing
    assert per_namespace["cert-manager"]["memory_bytes"] == 0


def test_resources_as_a_table_and_as_markdown(run, stored_v1_v2):
    result = run("analyze", "resources", "--db-path", stored_v1_v2)
    assert result.exit_code == 0
    assert re.search(r"^olm +2 +2 +20 +240\.0 MiB +0$", result.stdout, re.M)
    assert result.stdout.endswith(
        "resources: 0 critical, 9 warnings, 11 info in snapshot 2 of context demo\n"
    )
    markdown = run("analyze", "resources", "-o", "markdown", "--db-path", stored_v1_v2).stdout
    assert "| olm | 2 | 2 | 20 | 240\\.0 MiB | 0 |" in markdown
    assert "| 🟠 warning | `no-requests` | Deployment cert\\-manager/cert\\-manager |" in markdown


def test_requests_count_once_per_replica_and_limits_stand_in_for_requests(run, snapshot_of):
    deployment = load(PROMETHEUS_OPERATOR)  # requests 100m/100Mi, limits 200m/200Mi
    deployment["spec"]["replicas"] = 3
    del deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
    document = analyze_json(run, snapshot_of(deployment), "resources")
    assert document["findings"] == []  # the API server makes the limits the requests
    (default,) = table(document, "namespaces")
    assert (default["replicas"], default["cpu_millicores"], default["memory_bytes"]) == (
        3,
        600,
        600 * 2**20,
    )


# -- deprecations -----------------------------------------------------------------------------


def test_deprecations_of_the_example_cluster(run, stored_v1_v2):
    # cluster-v1: external-secrets v0.15.1 still serves its deprecated v1alpha1; gateway-api
    # v0.8.1 serves the deprecated v1alpha2 of ReferenceGrant (and no longer of the others).
    old = analyze_json(run, stored_v1_v2, "deprecations", "1")
    assert found(old) == [
        ("deprecated-served", "info", "clustersecretstores.external-secrets.io"),
        ("deprecated-served", "info", "externalsecrets.external-secrets.io"),
        ("deprecated-served", "info", "referencegrants.gateway.networking.k8s.io"),
        ("deprecated-served", "info", "secretstores.external-secrets.io"),
    ]
    # cluster-v2: external-secrets v0.17.0 deprecates v1beta1 and stops serving it
    new = analyze_json(run, stored_v1_v2, "deprecations")
    assert found(new) == [
        ("deprecated-served", "info", "referencegrants.gateway.networking.k8s.io")
    ]
    assert new["findings"][0]["message"] == (
        "deprecated v1alpha2 is still served: clients using it break when it is removed"
    )
    rows = {(r["crd"], r["version"]): r for r in table(new, "versions")}
    assert rows[("externalsecrets.external-secrets.io", "v1beta1")]["served"] is False
    assert len(rows) == 5


@pytest.mark.parametrize(
    ("fail_on", "status"), [("any", 3), ("info", 3), ("warning", 0), ("none", 0)]
)
def test_fail_on_decides_the_exit_status(run, stored_v1_v2, fail_on, status):
    result = run("analyze", "deprecations", "--fail-on", fail_on, "--db-path", stored_v1_v2)
    assert result.exit_code == status
    assert result.stdout.endswith("1 info in snapshot 2 of context demo\n")


def _crd(folder: Path, name: str, stored_versions: list[str]) -> dict[str, Any]:
    crd = load(folder / f"gateway.networking.k8s.io_{name}.yaml")
    crd["status"] = {"storedVersions": stored_versions}
    return crd


def test_stored_versions_of_a_cluster_upgraded_from_gateway_api_0_5(run, snapshot_of):
    # gateway-api v0.5.1 stored v1alpha2; a cluster upgraded since lists it in storedVersions
    db = snapshot_of(
        _crd(GATEWAY_API_V1, "gateways", ["v1alpha2", "v1beta1"]),
        GATEWAY,
        _crd(GATEWAY_API_V1, "httproutes", ["v1alpha2", "v1beta1"]),
        _crd(GATEWAY_API_V2, "gatewayclasses", ["v1alpha2", "v1beta1"]),
    )
    document = analyze_json(run, db, "deprecations")
    assert found(document) == [
        ("deprecated-instances", "critical", "gateways.gateway.networking.k8s.io"),
        ("stored-version-removed", "critical", "gatewayclasses.gateway.networking.k8s.io"),
        ("deprecated-stored", "warning", "httproutes.gateway.networking.k8s.io"),
    ]
    assert document["findings"][0]["message"] == (
        "1 object(s) exist and deprecated v1alpha2 is in status.storedVersions: "
        "migrate them before an upgrade removes it"
    )
    rows = {r["crd"]: r for r in table(document, "versions")}
    assert rows["gatewayclasses.gateway.networking.k8s.io"]["in_spec"] is False
    assert rows["gatewayclasses.gateway.networking.k8s.io"]["in_stored_versions"] is True
    assert run("analyze", "deprecations", "--fail-on", "critical", "--db-path", db).exit_code == 3


def test_a_deprecated_storage_version(run, snapshot_of):
    crd = load(GATEWAY_API_V1 / "gateway.networking.k8s.io_referencegrants.yaml")
    for version in crd["spec"]["versions"]:  # v1alpha2 (deprecated) becomes the storage one
        version["storage"] = version["name"] == "v1alpha2"
    document = analyze_json(run, snapshot_of(crd), "deprecations")
    assert found(document) == [
        ("deprecated-storage", "warning", "referencegrants.gateway.networking.k8s.io")
    ]


# -- overview ---------------------------------------------------------------------------------


def test_overview_of_the_example_cluster(run, stored_v1_v2):
    document = analyze_json(run, stored_v1_v2, "overview", "--fail-on", "any")
    assert (document["findings"], document["fail_on"]) == ([], "info")  # any: info and up
    groups = {r["group"]: (r["crds"], r["instances"]) for r in table(document, "crd_groups")}
    assert groups["cert-manager.io"] == (4, 4)  # one example of each in alm-examples.yaml
    assert groups["kafka.strimzi.io"] == (9, None)  # no custom resources: unknown, not 0
    assert sum(crds for crds, _ in groups.values()) == 61
    frameworks = {r["framework"]: r["operators"] for r in table(document, "operator_frameworks")}
    assert frameworks == {"OLM": 0, "Helm": 3, "Manifests": 11}
    namespaces = {
        r["namespace"]: (r["operators"], r["csvs"]) for r in table(document, "namespaces")
    }
    assert namespaces["olm"] == (2, 1)  # olm-operator, catalog-operator; packageserver CSV
    assert namespaces["placeholder"] == (0, 2)
    assert namespaces[None] == (4, 0)  # argo-cd's and strimzi's manifests name no namespace
    cluster = {r["field"]: r["value"] for r in table(document, "cluster")}
    assert (cluster["source"], cluster["snapshot"], cluster["node_count"]) == ("manifests", 2, None)


def test_overview_as_a_table(run, stored_v1_v2):
    result = run("analyze", "overview", "1", "--db-path", stored_v1_v2)
    assert result.exit_code == 0
    assert "# CRDs by API group" in result.stdout
    assert re.search(r"^cert-manager\.io +4 +4$", result.stdout, re.M)
    assert result.stdout.endswith("overview: snapshot 1 of context demo\n")


# -- history ----------------------------------------------------------------------------------


def test_history_of_the_example_cluster(run, stored_v1_v2):
    document = analyze_json(run, stored_v1_v2, "history")
    counts = table(document, "counts")
    assert [(r["snapshot_id"], r["crds"], r["operators"], r["csvs"]) for r in counts] == [
        (1, 60, 14, 3),
        (2, 61, 14, 3),
    ]
    first, second = (r["timestamp"] for r in counts)
    spans = [r for r in table(document, "operator_versions") if r["operator"] == "cert-manager"]
    assert [tuple(r.values()) for r in spans] == [
        ("cert-manager", "cert-manager", "v1.12.2", 1, first, 1, first),
        ("cert-manager", "cert-manager", "v1.16.1", 2, second, 2, second),
    ]
    changes = {
        (r["crd"], r["change"], r["old"], r["new"])
        for r in table(document, "crd_versions")
        if r["snapshot_id"] == 2
    }
    assert ("kafkas.kafka.strimzi.io", "storage-changed", "v1beta2", "v1") in changes
    assert ("kafkas.kafka.strimzi.io", "served-removed", "v1beta2", None) in changes
    assert ("gateways.gateway.networking.k8s.io", "served-added", None, "v1") in changes
    assert not any(
        c[0] == "gateways.gateway.networking.k8s.io" and c[1] == "storage-changed" for c in changes
    )
    assert document["snapshot"]["id"] == 2


def test_history_skips_snapshots_without_operators_and_follows_a_rollback(run, stored_v1_v2):
    for folder, extra in ((CLUSTER_V2, "--no-operators"), (CLUSTER_V1, "--no-olm")):
        taken = run("snapshot", "--from-dir", folder, "--context", "demo", extra, "-q",
                    "--db-path", stored_v1_v2)  # fmt: skip
        assert taken.exit_code == 0, taken.stderr
    document = analyze_json(run, stored_v1_v2, "history", "1")  # SNAPSHOT picks the context
    spans = [
        (r["operator"], r["version"], r["first_snapshot_id"], r["last_snapshot_id"])
        for r in table(document, "operator_versions")
        if r["operator"] in ("cert-manager", "olm-operator")
    ]
    # snapshot 3 holds no operators: it neither ends v1.16.1 nor breaks olm-operator's run
    assert spans == [
        ("cert-manager", "v1.12.2", 1, 1),
        ("cert-manager", "v1.16.1", 2, 2),
        ("cert-manager", "v1.12.2", 4, 4),
        ("olm-operator", None, 1, 4),
    ]
    assert [r["operators"] for r in table(document, "counts")] == [14, 14, None, 14]


def test_history_as_markdown(run, stored_v1_v2):
    result = run("analyze", "history", "-o", "markdown", "--db-path", stored_v1_v2)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("### kubectl-datamodel analysis: history\n\nhistory: 2 snapshots")
    assert "| snapshot\\_id | timestamp | crds | operators | csvs |" in text
    assert "#### CRD version changes" in text
    assert "| level |" not in text  # no findings table in a view without rules


# -- the document -----------------------------------------------------------------------------


def test_the_json_document_is_an_enveloped_analysis(run, stored_v1_v2):
    document = analyze_json(
        run, stored_v1_v2, "deprecations", "demo@latest~1", "--fail-on", "warning"
    )
    assert list(document) == [
        "apiVersion",
        "kind",
        "view",
        "cluster_context",
        "snapshot",
        "fail_on",
        "findings",
        "tables",
        "summary",
    ]
    assert (document["apiVersion"], document["kind"]) == ("kubectl-datamodel/v1", "Analysis")
    assert (document["snapshot"]["id"], document["fail_on"]) == (1, "warning")
    assert list(document["findings"][0]) == ["view", "rule", "level", "subject", "message"]
    assert list(document["tables"][0]) == ["name", "title", "columns", "rows"]
    assert document["summary"] == {"info": 4, "warning": 0, "critical": 0}


def test_yaml_output(run, stored_v1_v2):
    result = run("analyze", "overview", "-o", "yaml", "--db-path", stored_v1_v2)
    assert result.stdout.startswith(
        "apiVersion: kubectl-datamodel/v1\nkind: Analysis\nview: overview\n"
    )


def test_the_core_picks_the_newest_snapshot_and_refuses_another_context(stored_v1_v2):
    with store.open_store(stored_v1_v2) as db:
        result = analysis.analyze(db, "security", None, "demo")
        assert result.snapshot is not None and result.snapshot.id == 2
        assert result.at_or_above(analysis.Level.CRITICAL)
        assert not analysis.analyze(db, "overview", None).at_or_above(analysis.Level.INFO)
        with pytest.raises(
            errors.UsageError, match="snapshot 1 is of cluster context 'demo', not 'prod'"
        ):
            analysis.analyze(db, "security", 1, "prod")
    assert analysis.Level.parse("Warning") is analysis.Level.WARNING
    with pytest.raises(ValueError, match="level 'high' is not one of critical, warning, info"):
        analysis.Level.parse("high")


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ("bogus",),
            2,
            "unknown view 'bogus': expected one of security, resources, deprecations, "
            "overview, history, fleet",
        ),
        (
            ("security", "--fail-on", "high"),
            2,
            "--fail-on 'high': expected none, any, warning or critical",
        ),
        (("security", "9"), 1, "snapshot 9 not found in {db}"),
        (("security", "latest~2"), 1, "latest~2: context demo has only 2 snapshots in {db}"),
        (
            ("history", "--cluster-context", "prod"),
            1,
            "latest: context prod has no snapshots in {db}",
        ),
        (
            ("security", "1", "--cluster-context", "prod"),
            2,
            "snapshot 1 is of cluster context 'demo', not 'prod'",
        ),
        (
            ("security", "yesterday"),
            1,
            "unknown snapshot reference 'yesterday': expected an id, latest, latest~N, "
            "CONTEXT@latest[~N], or an export file",
        ),
    ],
)
def test_bad_input_is_one_line_and_leaves_the_database_alone(
    run, stored_v1_v2, args, status, message
):
    before = digest(stored_v1_v2)
    result = run("analyze", *args, "--db-path", stored_v1_v2)
    assert (result.exit_code, result.stdout) == (status, "")
    assert result.stderr == f"error: {message.format(db=stored_v1_v2)}\n"
    assert digest(stored_v1_v2) == before


def test_an_export_file_is_not_a_stored_snapshot(run, stored_v1_v2, tmp_path):
    export = tmp_path / "s1.json"
    assert (
        run("database", "export", "1", "--file", export, "--db-path", stored_v1_v2).exit_code == 0
    )
    result = run("analyze", "security", export, "--db-path", stored_v1_v2)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {export}: analyze reads snapshots stored in the database, not export files\n"
    )


def test_a_missing_database_is_not_created(run, db_path):
    result = run("analyze", "overview", "--db-path", db_path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no database at {db_path} ")
    assert result.stderr.count("\n") == 1
    assert not db_path.parent.exists()


# -- docs -----------------------------------------------------------------------------------------


def test_every_rule_is_documented_with_its_level():
    docs = (ROOT / "docs/analysis.md").read_text()
    for view, rules in analysis.RULES.items():
        assert f"## `{view}`" in docs
        for rule, level in rules.items():
            assert f"| `{rule}` | {level.label} |" in docs, rule


def test_the_command_and_its_document_are_documented():
    assert "kubectl datamodel analyze" in (ROOT / "README.md").read_text()
    assert "### Analysis" in (ROOT / "docs/json-output.md").read_text()


def test_history_leaves_a_gap_where_a_component_was_not_captured(run, stored_v1_v2):
    result = run(
        "snapshot", "--from-dir", CLUSTER_V2, "--context", "demo", "--no-olm",
        "--db-path", stored_v1_v2,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    history = run("analyze", "history", "-o", "json", "--db-path", stored_v1_v2)
    (counts,) = [t for t in json.loads(history.stdout)["tables"] if t["name"] == "counts"]
    assert [row[2:] for row in counts["rows"]] == [[60, 14, 3], [61, 14, 3], [61, 14, None]]

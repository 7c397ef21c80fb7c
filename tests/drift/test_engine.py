"""Drift between snapshots of real upstream releases: matching, classification, noise, ignore
rules, and the invariants diff(a, a) == [] and diff(b, a) mirroring diff(a, b)."""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_datamodel import drift, errors, model, store
from kubectl_datamodel.capture import files, inventory
from kubectl_datamodel.drift import changes, ignore, sides
from kubectl_datamodel.options import CaptureOptions
from tests.support.paths import CERT_MANAGER_MANIFESTS, CLUSTER_V1, DATA

CERT_MANAGER_CSV_1_16 = (
    DATA
    / "corpus/olm/bundles/cert-manager/1.16.1/manifests/cert-manager.clusterserviceversion.yaml"
)


def records(snapshot, name="x"):
    return sides.from_capture(snapshot, name, salt="test")


def from_objects(objects, context="demo"):
    snapshot = inventory.assemble(
        inventory.inventory_of(objects),
        CaptureOptions(),
        context=context,
        cluster_info=model.ClusterInfo(source="manifests"),
        warnings=[],
    )
    return records(snapshot)


def keyed(report):
    return Counter((c.kind, c.namespace, c.name, c.version, c.path) for c in report.changes)


def find(report, **fields):
    return [c for c in report.changes if all(getattr(c, k) == v for k, v in fields.items())]


@pytest.fixture(scope="module")
def upgrade(captured_v1, captured_v2):
    return drift.diff(records(captured_v1, "v1"), records(captured_v2, "v2"))


# -- what the examples' upgrade reports --------------------------------------------------------


def test_a_crd_removed_upstream_is_breaking(upgrade):
    (removed,) = find(upgrade, name="kafkamirrormakers.kafka.strimzi.io")
    assert (removed.rule, removed.severity, removed.action) == (
        "crd.removed",
        changes.Severity.BREAKING,
        changes.Action.REMOVED,
    )


def test_a_served_version_dropped_is_breaking_an_unserved_one_is_not(upgrade):
    kafkas = find(upgrade, name="kafkas.kafka.strimzi.io")
    by_path = {c.path: c for c in kafkas if c.path.startswith("versions[")}
    assert by_path["versions[v1beta2]"].severity is changes.Severity.BREAKING
    gateways = find(upgrade, name="gateways.gateway.networking.k8s.io")
    by_path = {c.path: c for c in gateways if c.path.startswith("versions[")}
    assert by_path["versions[v1alpha2]"].severity is changes.Severity.INFO  # served: false
    assert by_path["versions[v1]"].rule == "crd.version.added"
    assert by_path["versions[v1]"].severity is changes.Severity.INFO


def test_operator_image_upgrade_shows_old_and_new(upgrade):
    (image,) = find(
        upgrade,
        kind="Operator",
        name="cert-manager",
        path=".spec.template.spec.containers[cert-manager-controller].image",
    )
    assert image.old == "quay.io/jetstack/cert-manager-controller:v1.12.2"
    assert image.new == "quay.io/jetstack/cert-manager-controller:v1.16.1"
    (version,) = find(upgrade, kind="Operator", name="cert-manager", rule="operator.version")
    assert (version.old, version.new) == ("v1.12.2", "v1.16.1")


def test_csv_upgrade_is_one_change_not_a_removal_and_an_addition(upgrade):
    grafana = find(upgrade, kind="CSV", name="grafana-operator")
    assert not [c for c in grafana if c.rule in ("csv.added", "csv.removed")]
    (upgraded,) = [c for c in grafana if c.rule == "csv.upgraded"]
    assert (upgraded.old, upgraded.new, upgraded.severity) == (
        "5.20.0",
        "5.22.2",
        changes.Severity.INFO,
    )
    owned = [c for c in grafana if c.rule == "csv.owned"]
    assert [(c.action, c.new) for c in owned] == [
        (changes.Action.ADDED, "grafanamanifests.grafana.integreatly.org")
    ]


def test_changes_come_sorted_by_kind_then_severity(upgrade):
    ranks = [(model.CHANGE_KINDS.index(c.kind), -c.severity) for c in upgrade.changes]
    assert ranks == sorted(ranks)


def test_no_change_is_api_server_noise(upgrade):
    noisy = ("creationTimestamp", "deployment.kubernetes.io/revision", "resourceVersion")
    assert not [c for c in upgrade.changes if any(n in c.path for n in noisy)]


# -- invariants ----------------------------------------------------------------------------------


def test_the_same_input_twice_reports_nothing(captured_v1):
    again = files.capture(CaptureOptions(from_dirs=(CLUSTER_V1,))).snapshot
    report = drift.diff(records(captured_v1), records(again))
    assert report.changes == ()
    assert report.notes == ()


def test_reversing_the_sides_mirrors_the_report(captured_v1, captured_v2, upgrade):
    back = drift.diff(records(captured_v2), records(captured_v1))
    assert keyed(back) == keyed(upgrade)
    forward = {
        (c.kind, c.name, c.version, c.path, repr(c.old), repr(c.new)) for c in upgrade.changes
    }
    mirrored = {(c.kind, c.name, c.version, c.path, repr(c.new), repr(c.old)) for c in back.changes}
    assert forward == mirrored
    actions = Counter(c.action for c in upgrade.changes)
    assert Counter(c.action.mirrored() for c in back.changes) == actions


def subsets(side):
    """A strategy: the side with a random subset of its records."""
    sizes = {name: len(side.of(name)) for name in model.SECTIONS if side.of(name)}
    return st.fixed_dictionaries(
        {name: st.sets(st.integers(0, n - 1), max_size=n) for name, n in sizes.items()}
    ).map(
        lambda chosen: dataclasses.replace(
            side,
            entries={n: [side.of(n)[i] for i in sorted(idx)] for n, idx in chosen.items()},
        )
    )


@pytest.fixture(scope="module")
def pair(captured_v1, captured_v2):
    return records(captured_v1), records(captured_v2)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mirror_and_identity_hold_for_any_subset_of_real_records(pair, data):
    a = data.draw(subsets(pair[0]))
    b = data.draw(subsets(pair[1]))
    assert drift.diff(a, a).changes == ()
    forward, back = drift.diff(a, b), drift.diff(b, a)
    assert keyed(forward) == keyed(back)
    assert Counter(c.action for c in forward.changes) == Counter(
        c.action.mirrored() for c in back.changes
    )


# -- content hashes first --------------------------------------------------------------------


def test_unchanged_records_are_never_read_back(captured_v1, captured_v2):
    requested = []
    old = records(captured_v1)
    spying = dataclasses.replace(
        old, load_specs=lambda digests: requested.extend(digests) or old.load_specs(digests)
    )
    drift.diff(spying, records(captured_v1))
    assert requested == []
    drift.diff(spying, records(captured_v2))
    unchanged = {d for _, d in old.of("crds")} & {d for _, d in records(captured_v2).of("crds")}
    assert requested and not unchanged & set(requested)


# -- live objects against the manifests they came from ------------------------------------------


@pytest.fixture(scope="module")
def controller():
    path = CLUSTER_V1 / "operators/cert-manager/cert-manager-controllers.yaml"
    found = files.read(files=[path]).objects
    return next(
        s.obj
        for s in found
        if s.obj["kind"] == "Deployment" and s.obj["metadata"]["name"] == "cert-manager"
    )


def as_served(obj):
    """What the API server hands back for an applied Deployment: defaults filled in."""
    live = copy.deepcopy(obj)
    live["metadata"]["creationTimestamp"] = "2026-11-01T10:00:00Z"
    live["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/revision"] = "3"
    live["status"] = {"observedGeneration": 4, "replicas": 1, "readyReplicas": 1}
    spec = live["spec"]
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    spec.setdefault(
        "strategy",
        {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
    )
    live["spec"]["template"].setdefault("metadata", {})["creationTimestamp"] = None
    pod = spec["template"]["spec"]
    for key, value in [
        ("dnsPolicy", "ClusterFirst"),
        ("restartPolicy", "Always"),
        ("schedulerName", "default-scheduler"),
        ("terminationGracePeriodSeconds", 30),
    ]:
        pod.setdefault(key, value)
    for container in pod["containers"]:
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        container.setdefault("resources", {})
        for port in container.get("ports", []):
            port.setdefault("protocol", "TCP")
    return live


def test_server_defaults_are_not_drift(controller):
    report = drift.diff(from_objects([controller]), from_objects([as_served(controller)]))
    assert report.changes == ()


def test_what_kube_apiserver_rewrites_is_not_drift(controller):
    """Seen on a real kube-apiserver (tests/cluster/test_cluster.py): it copies
    serviceAccountName to the deprecated serviceAccount, writes quantities canonically, and leaves
    out empty values."""
    manifest = copy.deepcopy(controller)
    pod = manifest["spec"]["template"]["spec"]
    container = pod["containers"][0]
    container["resources"] = {"limits": {"cpu": "1000m", "memory": "1024Mi"}}
    container["env"] = [{"name": "FEATURE_GATES", "value": ""}]
    container["volumeMounts"] = []
    live = as_served(manifest)
    live_pod = live["spec"]["template"]["spec"]
    live_pod["serviceAccount"] = live_pod["serviceAccountName"]
    live_container = live_pod["containers"][0]
    live_container["resources"] = {"limits": {"cpu": "1", "memory": "1Gi"}}
    live_container["env"] = [{"name": "FEATURE_GATES"}]
    del live_container["volumeMounts"]
    report = drift.diff(from_objects([manifest]), from_objects([live]))
    assert report.changes == ()


def test_a_csv_deployment_defaulted_by_the_server_is_not_drift():
    """The CSV CRD's schema defaults a container port's protocol to TCP, as for Deployments."""
    path = CLUSTER_V1 / "olm/csvs/packageserver.clusterserviceversion.yaml"
    (csv,) = [s.obj for s in files.read(files=[path]).objects]
    live = copy.deepcopy(csv)
    deployment = live["spec"]["install"]["spec"]["deployments"][0]
    port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
    assert "protocol" not in port
    port["protocol"] = "TCP"
    assert drift.diff(from_objects([csv]), from_objects([live])).changes == ()
    port["protocol"] = "UDP"
    assert len(drift.diff(from_objects([csv]), from_objects([live])).changes) == 1


def test_a_real_quantity_or_empty_label_change_still_shows(controller):
    manifest = copy.deepcopy(controller)
    manifest["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    manifest["metadata"].setdefault("labels", {})["tier"] = ""
    live = as_served(manifest)
    live["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "1500m"
    del live["metadata"]["labels"]["tier"]
    report = drift.diff(from_objects([manifest]), from_objects([live]))
    assert sorted((c.rule, c.path) for c in report.changes) == [
        ("operator.resources", ".spec.template.spec.containers[cert-manager-controller]"
         ".resources.limits.cpu"),
        ("operator.spec", ".metadata.labels.tier"),
    ]  # fmt: skip


def test_a_real_change_shows_through_the_defaults(controller):
    live = as_served(controller)
    live["spec"]["template"]["spec"]["containers"][0]["args"].append("--v=4")
    report = drift.diff(from_objects([controller]), from_objects([live]))
    assert [(c.rule, c.action) for c in report.changes] == [("operator.spec", changes.Action.ADDED)]
    assert report.changes[0].new == "--v=4"


def test_weaker_security_posture_is_a_warning_and_its_reversal_info(controller):
    risky = copy.deepcopy(controller)
    pod = risky["spec"]["template"]["spec"]
    pod["hostNetwork"] = True
    context = pod["containers"][0].setdefault("securityContext", {})
    context["privileged"] = True
    context.setdefault("capabilities", {})["add"] = ["NET_ADMIN"]
    report = drift.diff(from_objects([controller]), from_objects([risky]))
    security = {
        c.path.rsplit(".", 1)[-1]: c.severity for c in find(report, rule="operator.security")
    }
    assert security == {
        "hostNetwork": changes.Severity.WARNING,
        "privileged": changes.Severity.WARNING,
        "add[NET_ADMIN]": changes.Severity.WARNING,
    }
    back = drift.diff(from_objects([risky]), from_objects([controller]))
    assert {c.severity for c in find(back, rule="operator.security")} == {changes.Severity.INFO}


def test_dropping_run_as_non_root_is_a_warning(controller):
    hardened = copy.deepcopy(controller)
    hardened["spec"]["template"]["spec"]["securityContext"] = {"runAsNonRoot": True}
    loose = copy.deepcopy(controller)
    loose["spec"]["template"]["spec"]["securityContext"] = {}
    (change,) = find(
        drift.diff(from_objects([hardened]), from_objects([loose])), rule="operator.security"
    )
    assert change.severity is changes.Severity.WARNING
    assert change.path.endswith("securityContext.runAsNonRoot")


def test_scaling_an_operator_to_zero_is_a_warning(controller):
    stopped = copy.deepcopy(controller)
    stopped["spec"]["replicas"] = 0
    (change,) = drift.diff(from_objects([controller]), from_objects([stopped])).changes
    assert (change.rule, change.severity, change.old, change.new) == (
        "operator.replicas",
        changes.Severity.WARNING,
        1,
        0,
    )


def test_manifests_without_namespace_match_the_live_workload(controller):
    unplaced = copy.deepcopy(controller)
    del unplaced["metadata"]["namespace"]
    report = drift.diff(from_objects([unplaced]), from_objects([as_served(controller)]))
    assert report.changes == ()


# -- instance counts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "rule", "severity"),
    [
        (3, 0, "crd.instances.emptied", changes.Severity.WARNING),
        (0, 2, "crd.instances.first", changes.Severity.INFO),
        (2, 5, "crd.instances", changes.Severity.INFO),
    ],
)
def test_instance_counts(captured_v1, before, after, rule, severity):
    crd = captured_v1.crds[0]
    old = dataclasses.replace(captured_v1, crds=(dataclasses.replace(crd, instance_count=before),))
    new = dataclasses.replace(captured_v1, crds=(dataclasses.replace(crd, instance_count=after),))
    (change,) = drift.diff(records(old), records(new)).changes
    assert (change.rule, change.severity, change.old, change.new) == (rule, severity, before, after)


def test_an_unknown_count_is_not_a_change(captured_v1):
    crd = captured_v1.crds[0]
    old = dataclasses.replace(captured_v1, crds=(dataclasses.replace(crd, instance_count=None),))
    new = dataclasses.replace(captured_v1, crds=(dataclasses.replace(crd, instance_count=7),))
    assert drift.diff(records(old), records(new)).changes == ()


# -- CSVs ---------------------------------------------------------------------------------------


def cert_manager_csvs():
    old = files.read(files=[CERT_MANAGER_MANIFESTS / "cert-manager.clusterserviceversion.yaml"])
    new = files.read(files=[CERT_MANAGER_CSV_1_16])
    return [s.obj for s in old.objects], [s.obj for s in new.objects]


def test_cert_manager_csv_upgrade_is_matched_by_package():
    old, new = cert_manager_csvs()
    report = drift.diff(from_objects(old), from_objects(new))
    assert not find(report, rule="csv.added") and not find(report, rule="csv.removed")
    (upgraded,) = find(report, rule="csv.upgraded")
    assert (upgraded.name, upgraded.old, upgraded.new) == ("cert-manager", "1.12.2", "1.16.1")
    assert "cert-manager.v1.12.2 → cert-manager.v1.16.1" in upgraded.message
    images = find(report, rule="csv.image")
    assert images and all(c.old.endswith("v1.12.2") and c.new.endswith("v1.16.1") for c in images)


def test_cert_manager_csv_downgrade_is_a_warning():
    old, new = cert_manager_csvs()
    (downgraded,) = find(drift.diff(from_objects(new), from_objects(old)), rule="csv.downgraded")
    assert downgraded.severity is changes.Severity.WARNING


# -- exports ------------------------------------------------------------------------------------


def test_an_export_only_compares_what_it_holds(stored_v1_v2, tmp_path, run):
    path = tmp_path / "s2.json"
    assert run("database", "export", "2", "--file", path, "--db-path", stored_v1_v2).exit_code == 0
    with store.open_store(stored_v1_v2) as db:
        report = drift.diff(sides.stored(db, 1, "1"), sides.from_export(path, str(path)))
    assert report.notes and "--include-specs" in report.notes[0]
    assert not [c for c in report.changes if c.rule.startswith("schema.")]
    assert find(report, rule="crd.removed")
    assert find(report, rule="operator.image")


# -- ignore rules -------------------------------------------------------------------------------


def write(tmp_path, text, name="ignore.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_ignore_rules_silence_matching_changes_and_are_counted(
    upgrade, captured_v1, captured_v2, tmp_path
):
    path = write(
        tmp_path,
        """
ignore:
  - kind: CRD
    name: "*.monitoring.coreos.com"
    reason: prometheus-operator upgrades are reviewed upstream
  - kind: Operator
    path: .metadata.labels
  - rule: schema.description
""",
    )
    rules = ignore.load(path)
    report = drift.diff(records(captured_v1), records(captured_v2), rules)
    assert not find(report, rule="schema.description")
    assert not [c for c in report.changes if c.name.endswith(".monitoring.coreos.com")]
    assert not [
        c for c in report.changes if c.kind == "Operator" and c.path.startswith(".metadata.labels")
    ]
    assert report.ignored == len(upgrade.changes) - len(report.changes) > 0


def test_ignore_paths_match_segments_and_wildcards(controller, tmp_path):
    changed = copy.deepcopy(controller)
    changed["spec"]["template"]["spec"]["containers"][0]["args"].append("--v=4")
    changed["metadata"].setdefault("labels", {})["app.kubernetes.io/managed-by"] = "kustomize"
    rules = ignore.load(
        write(
            tmp_path,
            "- path: .spec.template.spec.containers[*].args\n"
            "- path: .metadata.labels[app.kubernetes.io/*]\n",
        )
    )
    report = drift.diff(from_objects([controller]), from_objects([changed]), rules)
    assert report.changes == ()
    assert report.ignored == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ignore:\n  - nmae: foo\n", "rule 1: unknown field 'nmae'"),
        ("- kind: crd\n", "rule 1: kind 'crd' is not one of CRD, Operator, CSV, Namespace"),
        ("- kind: CRD\n- severity: fatal\n", "rule 2: severity 'fatal' is not one of"),
        ("- path: 'spec..x'\n", "rule 1: not a path"),
        ("- reason: because\n", "rule 1: matches every change"),
        ("ignore: {kind: CRD}\n", "expected a list of rules"),
        ("- kind: [CRD\n", "malformed YAML"),
    ],
)
def test_a_malformed_ignore_file_names_the_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(errors.ManifestError) as caught:
        ignore.load(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_kyverno_upgrade_removes_a_crd_and_flips_storage():
    def crds(version):
        folder = DATA / "corpus/crds/kyverno" / version
        return [s.obj for s in files.read(dirs=[folder]).objects]

    report = drift.diff(from_objects(crds("v1.12.0")), from_objects(crds("v1.13.0")))
    (removed,) = find(report, rule="crd.removed")
    assert (removed.name, removed.severity) == (
        "admissionreports.kyverno.io",
        changes.Severity.BREAKING,
    )
    flips = {c.name: (c.old, c.new) for c in find(report, rule="crd.storage-version")}
    assert flips == {
        "cleanuppolicies.kyverno.io": ("v2beta1", "v2"),
        "updaterequests.kyverno.io": ("v1beta1", "v2"),
    }

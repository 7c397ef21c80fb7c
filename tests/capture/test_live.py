"""Live capture, end to end: the real command, the real kubernetes client, a real kubeconfig,
and an HTTP server speaking the Kubernetes API (tests/support/fakeapi) loaded with the examples'
upstream objects: cert-manager 1.16.1, Strimzi 0.45.0, external-secrets 0.15.1, OLM 0.28.0."""

from __future__ import annotations

import copy
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import trustme

from tests.support.examplecluster import (
    CERTIFICATES,
    ES_NAMESPACE,
    KAFKAS,
    TOKEN,
    build_cluster,
    grafana_csv,
)
from tests.support.fakeapi import FakeApiServer, FakeCluster, widget_crd
from tests.support.kubeconfig import write_kubeconfig
from tests.support.paths import CLUSTER_V2, ROOT

CERT_MANAGER = "cert-manager"
DISCOVERY = r"^/api(/v1)?$|^/apis(/[^/]+){0,2}$"  # /api, /api/v1, /apis, /apis/G, /apis/G/V


@pytest.fixture(scope="module")
def corpus_cluster() -> FakeCluster:
    return build_cluster()


@pytest.fixture
def server(corpus_cluster):
    with FakeApiServer(corpus_cluster, token=TOKEN) as running:
        yield running


@pytest.fixture
def kubeconfig(tmp_path, server) -> Path:
    return write_kubeconfig(tmp_path / "config", server.url, context="demo", token=TOKEN)


def snapshot_json(run, *args) -> dict:
    result = run("snapshot", "-o", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def show(run, db_path, snapshot_id: int = 1) -> dict:
    result = run("database", "show", str(snapshot_id), "-o", "json", "--db-path", db_path)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def assert_failed_cleanly(result, *needles: str, db_path: Path | None = None) -> None:
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.stderr
    if db_path is not None:
        assert not db_path.exists()


# -- what a snapshot holds ----------------------------------------------------------------------


def test_snapshot_of_a_live_cluster(run, kubeconfig, server, db_path):
    result = snapshot_json(run, "--kubeconfig", kubeconfig, "--db-path", db_path)

    summary = result["snapshot"]
    assert summary["cluster_context"] == "demo"
    assert summary["cluster_info"] == {
        "source": "cluster",
        "server": server.url,
        "version": "v1.32.3",
        "platform": "kind",
        "node_count": 2,
        "inputs": [],
        "olm": True,
    }
    assert result["warnings"] == []
    stored = show(run, db_path)
    crds = {c["name"]: c for c in stored["crds"]}
    assert crds[CERTIFICATES]["instance_count"] == 7
    # Strimzi 0.45 stores v1beta2: counted at the storage version, whatever it is called.
    assert crds[KAFKAS]["version"] == "v1beta2"
    assert crds[KAFKAS]["instance_count"] == 3
    assert crds["kafkatopics.kafka.strimzi.io"]["instance_count"] == 0
    assert [c["name"] for c in stored["csvs"]] == ["grafana-operator.v5.22.2"]


def test_operators_are_linked_by_every_signal(run, kubeconfig, db_path):
    snapshot_json(run, "--kubeconfig", kubeconfig, "--db-path", db_path)
    operators = {o["name"]: o for o in show(run, db_path)["operators"]}

    assert operators["strimzi-cluster-operator"]["evidence"][KAFKAS] == "status"
    # Strimzi labels its CRDs and its operator alike (app: strimzi)
    assert operators["strimzi-cluster-operator"]["evidence"]["kafkatopics.kafka.strimzi.io"] == (
        "labels"
    )
    assert operators["cert-manager"]["evidence"][CERTIFICATES] == "status"
    webhook = operators["es-external-secrets-webhook"]
    assert webhook["evidence"]["secretstores.external-secrets.io"] == "webhook"
    assert webhook["namespace"] == ES_NAMESPACE


def test_requests_are_one_per_fact(run, kubeconfig, server, db_path):
    snapshot_json(run, "--kubeconfig", kubeconfig, "--db-path", db_path)

    crd_count = len(show(run, db_path)["crds"])
    custom = [
        r
        for r in server.requests
        if _is_custom_resource_path(r.path) and r.accept != "application/json"  # not the CSV list
    ]
    assert len(custom) == crd_count  # one request per CRD ...
    assert all(r.query.get("limit") == "1" for r in custom)  # ... of a single item ...
    assert all("as=PartialObjectMetadataList" in r.accept for r in custom)  # ... metadata only
    assert server.count(r"/customresourcedefinitions$") == 1
    assert server.count(DISCOVERY) == 1  # /apis alone: no per-group discovery
    assert server.count(r"/services/") == 1  # the one conversion webhook Service
    # version, discovery, CRDs, counts, 3 workload kinds, nodes, CSVs, the Service
    assert len(server.requests) == 3 + crd_count + 3 + 1 + 1 + 1


def _is_custom_resource_path(path: str) -> bool:
    parts = path.strip("/").split("/")
    builtin = {"apps", "apiextensions.k8s.io"}
    return parts[0] == "apis" and len(parts) >= 4 and parts[1] not in builtin


def test_live_records_match_offline_records(run, kubeconfig, db_path):
    """The same objects, read from a cluster or from files, make the same records."""
    folder = CLUSTER_V2 / "crds" / "cert-manager"
    snapshot_json(run, "--kubeconfig", kubeconfig, "--db-path", db_path)
    run("snapshot", "--from-dir", folder, "--db-path", db_path)
    live, offline = show(run, db_path, 1), show(run, db_path, 2)

    def specs(document):
        return {
            c["name"]: (c["versions"], c["scope"], c["kind"])
            for c in document["crds"]
            if c["group"] == "cert-manager.io" or c["group"] == "acme.cert-manager.io"
        }

    assert specs(live) == specs(offline) and len(specs(live)) == 6


def test_namespace_limits_counts_and_workloads(run, kubeconfig, server, db_path):
    snapshot_json(run, "--kubeconfig", kubeconfig, "-n", "team-a", "--db-path", db_path)

    stored = show(run, db_path)
    crds = {c["name"]: c for c in stored["crds"]}
    assert crds[CERTIFICATES]["instance_count"] == 3  # 7 spread over default and team-a
    assert stored["snapshot"]["namespace_filter"] == "team-a"
    assert stored["operators"] == []  # no operator runs in team-a
    workload_paths = {r.path for r in server.requests if r.path.startswith("/apis/apps/")}
    assert workload_paths == {
        f"/apis/apps/v1/namespaces/team-a/{kind}"
        for kind in ("deployments", "statefulsets", "daemonsets")
    }


def test_list_commands_read_the_cluster_and_store_nothing_by_default(run, kubeconfig, db_path):
    result = run("crd", "list", "--kubeconfig", kubeconfig, "-o", "json", "--db-path", db_path)

    assert result.exit_code == 0, result.stderr
    names = {c["name"]: c["instance_count"] for c in json.loads(result.stdout)["items"]}
    assert names[CERTIFICATES] == 7
    assert not db_path.exists()
    stored = run(
        "olm", "list", "--kubeconfig", kubeconfig, "--store-db", "-q", "--db-path", db_path
    )
    assert stored.exit_code == 0 and stored.stderr == ""
    assert "grafana-operator.v5.22.2" in stored.stdout


def test_no_credentials_reach_the_database_or_output(run, kubeconfig, db_path):
    result = run("snapshot", "--kubeconfig", kubeconfig, "-o", "json", "--db-path", db_path)
    exported = run("database", "export-all", "--include-specs", "--db-path", db_path)

    assert TOKEN not in result.stdout + result.stderr + exported.stdout
    assert TOKEN.encode() not in db_path.read_bytes()
    assert oct(db_path.stat().st_mode & 0o777) == "0o600"


# -- kubeconfig, like kubectl -------------------------------------------------------------------


def test_kubeconfig_files_merge_first_wins_including_current_context(
    run, server, tmp_path, db_path, monkeypatch
):
    first = write_kubeconfig(tmp_path / "first", server.url, context="demo", token=TOKEN)
    # The second file redefines "demo" with a wrong token and sets its own current-context:
    # kubectl uses the first file's of both; the Python client alone would take the last.
    second = write_kubeconfig(
        tmp_path / "second", server.url, context="demo", current_context="other", token="wrong"
    )
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))

    result = snapshot_json(run, "--db-path", db_path)

    assert result["snapshot"]["cluster_context"] == "demo"
    assert {r.user for r in server.requests} == {f"token:{TOKEN}"}


def test_every_request_names_this_tool_in_its_user_agent(run, kubeconfig, server, db_path):
    """Audit logs tell kubectl-datamodel from other clients of the same library."""
    from kubectl_datamodel import __version__

    result = run("snapshot", "--kubeconfig", kubeconfig, "--db-path", db_path)
    assert result.exit_code == 0, result.stderr
    assert {r.user_agent for r in server.requests} == {f"kubectl-datamodel/{__version__}"}


def test_default_kubeconfig_and_explicit_context(run, server, db_path):
    kube_dir = Path.home() / ".kube"
    kube_dir.mkdir(parents=True)
    write_kubeconfig(
        kube_dir / "config", server.url, context="staging", current_context=None, token=TOKEN
    )

    result = snapshot_json(run, "--context", "staging", "--db-path", db_path)

    assert result["snapshot"]["cluster_context"] == "staging"


def test_client_certificate_user_over_tls(run, corpus_cluster, tmp_path, db_path):
    ca = trustme.CA()
    client = ca.issue_cert("jane@example.com")
    (tmp_path / "ca.crt").write_bytes(ca.cert_pem.bytes())
    (tmp_path / "jane.crt").write_bytes(client.cert_chain_pems[0].bytes())
    (tmp_path / "jane.key").write_bytes(client.private_key_pem.bytes())
    with FakeApiServer(corpus_cluster, token=None, tls=ca) as tls_server:
        # Relative paths resolve against the kubeconfig's folder, as kubectl resolves them.
        config = write_kubeconfig(
            tmp_path / "config",
            tls_server.url,
            certificate_authority="ca.crt",
            client_certificate="jane.crt",
            client_key="jane.key",
        )
        result = snapshot_json(run, "--kubeconfig", config, "--db-path", db_path)
        users = {r.user for r in tls_server.requests}

    assert result["snapshot"]["cluster_info"]["server"].startswith("https://")
    assert users == {"cert:jane@example.com"}
    assert b"PRIVATE KEY" not in db_path.read_bytes()


def test_exec_plugin_user(run, server, tmp_path, db_path):
    plugin = tmp_path / "credential-plugin.py"
    plugin.write_text(
        textwrap.dedent(
            f"""
            import json
            print(json.dumps({{
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "kind": "ExecCredential",
                "status": {{"token": "{TOKEN}"}},
            }}))
            """
        )
    )
    config = write_kubeconfig(
        tmp_path / "config", server.url, exec_command=[sys.executable, str(plugin)]
    )

    snapshot_json(run, "--kubeconfig", config, "--db-path", db_path)

    assert {r.user for r in server.requests} == {f"token:{TOKEN}"}


def test_the_kubeconfig_is_never_written(run, kubeconfig, db_path):
    before = kubeconfig.read_bytes()
    snapshot_json(run, "--kubeconfig", kubeconfig, "--db-path", db_path)
    assert kubeconfig.read_bytes() == before


# -- the protocol: discovery, pagination, counting ----------------------------------------------


@pytest.mark.parametrize("aggregated", [("v2beta1",), ()], ids=["v2beta1", "legacy"])
def test_older_discovery_still_takes_one_request(
    run, corpus_cluster, tmp_path, db_path, aggregated
):
    with FakeApiServer(corpus_cluster, token=TOKEN, aggregated=aggregated) as old:
        config = write_kubeconfig(tmp_path / "config", old.url, token=TOKEN)
        snapshot_json(run, "--kubeconfig", config, "--db-path", db_path)
        discovery = old.count(DISCOVERY)

    assert discovery == 1
    assert [c["name"] for c in show(run, db_path)["csvs"]] == ["grafana-operator.v5.22.2"]


def test_a_cluster_without_olm_has_no_csvs_and_no_error(run, tmp_path, db_path):
    with FakeApiServer(build_cluster(olm=False), token=TOKEN) as plain:
        config = write_kubeconfig(tmp_path / "config", plain.url, token=TOKEN)
        result = snapshot_json(run, "--kubeconfig", config, "--db-path", db_path)
        asked_for_csvs = plain.count("clusterserviceversions")

    assert result["warnings"] == [] and asked_for_csvs == 0
    assert result["snapshot"]["csv_count"] == 0


def _many_crds(count: int) -> list[dict]:
    return [widget_crd(i, "example.com") for i in range(count)]


def test_crd_list_pages_and_restarts_after_an_expired_continue_token(run, tmp_path, db_path):
    cluster = FakeCluster()
    cluster.add(*_many_crds(1203))
    with FakeApiServer(cluster, token=TOKEN) as big:
        big.expire_continue_tokens(1)
        config = write_kubeconfig(tmp_path / "config", big.url, token=TOKEN)
        result = snapshot_json(run, "--kubeconfig", config, "--db-path", db_path, "--qps", "0")
        crd_lists = [r for r in big.requests if r.path.endswith("/customresourcedefinitions")]

    assert result["snapshot"]["crd_count"] == 1203  # none lost, none twice
    statuses = [r.status for r in crd_lists]
    # page 1, page 2 -> 410, then from the top: three pages of 500, 500, 203
    assert statuses == [200, 410, 200, 200, 200]


@pytest.mark.parametrize(
    ("counts", "requests"),
    [
        ({}, [1, 1, 1]),  # one metadata-only item each
        # Kubernetes 1.20: metadata-only lists carry no count, full lists do; once found out,
        # one full item each
        ({"metadata_remaining_item_count": False}, [2, 1, 1]),
        # no count at all: both tried once, then 3 pages of 500 each
        ({"remaining_item_count": False}, [2 + 3, 3, 3]),
    ],
    ids=["remainingItemCount", "not-in-metadata-lists", "paging"],
)
def test_counts_are_exact_with_or_without_remaining_item_count(
    run, tmp_path, db_path, counts, requests
):
    cluster = FakeCluster()
    cluster.add(*_many_crds(3))
    for i in range(3):
        cluster.generate(f"widget{i:04d}s.example.com", 1234, namespaces=("a", "b", "c"))
    with FakeApiServer(cluster, token=TOKEN, **counts) as api:
        config = write_kubeconfig(tmp_path / "config", api.url, token=TOKEN)
        run("snapshot", "--kubeconfig", config, "--db-path", db_path, "--concurrency", "1")
        made = [api.count(rf"/widget{i:04d}s$") for i in range(3)]

    assert [crd["instance_count"] for crd in show(run, db_path)["crds"]] == [1234] * 3
    assert made == requests


# -- partial permission and faults --------------------------------------------------------------


def test_a_forbidden_kind_is_a_warning_and_the_snapshot_carries_on(
    run, kubeconfig, server, db_path
):
    server.inject(r"/statefulsets$", 403)

    result = run("snapshot", "--kubeconfig", kubeconfig, "--db-path", db_path)

    assert result.exit_code == 0
    assert result.stderr == (
        "warning: not allowed to read these (403) in context demo, so the snapshot leaves "
        "them out: statefulsets\n"
    )
    stored = show(run, db_path)
    assert len(stored["warnings"]) == 1 and "statefulsets" in stored["warnings"][0]
    assert stored["snapshot"]["crd_count"] > 0
    assert stored["snapshot"]["partial"] == ["operators"]
    table = run("database", "show", "1", "--db-path", db_path)
    assert "Capture warnings" in table.stdout and "statefulsets" in table.stdout
    assert "Partly read" in table.stdout


def test_many_forbidden_kinds_are_one_warning_line(run, kubeconfig, server, db_path):
    """A service account allowed to read only CRDs: one line, every kind it could not read."""
    server.inject(r"/(statefulsets|daemonsets|deployments|clusterserviceversions)$", 403)
    server.inject(r"/services/", 403)

    result = run("snapshot", "--kubeconfig", kubeconfig, "-q", "--db-path", db_path)

    assert result.exit_code == 0
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "warning: not allowed to read these (403) in context demo, so the snapshot leaves them "
        "out: clusterserviceversions, daemonsets, deployments, "
    )
    assert "instances of clusterserviceversions.operators.coreos.com" in line
    assert "service external-secrets/es-external-secrets-webhook" in line
    summary = show(run, db_path)["snapshot"]
    assert summary["cluster_info"]["olm"] is None  # not known
    assert summary["partial"] == ["operators", "olm"]  # a refused count is no partial CRDs


@pytest.mark.parametrize(
    ("flags", "refused", "partial"),
    [
        ((), r"/customresourcedefinitions$", ["crds", "operators"]),  # CRDs are operator evidence
        (("--no-crds",), r"/customresourcedefinitions$", ["operators"]),
        ((), r"/deployments$", ["operators"]),
        (("--include", "helm"), r"/daemonsets$", ["operators", "helm"]),  # charts from workloads
        ((), r"/clusterserviceversions$", ["operators", "olm"]),
        (("--no-olm",), r"/clusterserviceversions$", ["operators"]),
        ((), r"^/apis$", ["operators", "olm"]),  # without discovery, CSVs are not looked for
        ((), r"/services/", ["operators"]),  # a conversion webhook's Service
        ((), r"/certificates$", []),  # one CRD's count: unknown, no more
        ((), r"^/api/v1/nodes$", []),  # read for the platform only
        (("--include", "nodes"), r"^/api/v1/nodes$", ["nodes"]),
        (("--include", "namespaces"), r"/limitranges$", ["namespaces"]),
        (("--include", "helm"), r"/secrets$", ["helm"]),
        (("--include", "v1/ConfigMap,helm"), r"/configmaps$", ["helm", "v1/ConfigMap"]),
    ],
)
def test_a_refused_read_marks_the_components_it_feeds_partial(
    run, kubeconfig, server, db_path, flags, refused, partial
):
    server.inject(refused, 403)

    result = snapshot_json(run, "--kubeconfig", kubeconfig, "-q", *flags, "--db-path", db_path)

    assert result["snapshot"]["partial"] == partial
    assert show(run, db_path)["snapshot"]["partial"] == partial


def test_a_complete_capture_is_not_partial(run, kubeconfig, db_path):
    everything = ("--include", "namespaces,nodes,helm,v1/ConfigMap")
    result = snapshot_json(run, "--kubeconfig", kubeconfig, *everything, "--db-path", db_path)
    assert (result["warnings"], result["snapshot"]["partial"]) == ([], [])


def test_olm_being_there_or_not_is_a_fact_not_a_warning(run, kubeconfig, server, tmp_path):
    """A cluster whose API server lists OLM's group but answers 404 for its CSVs (OLM taken
    out half-way) says so in cluster_info, with no warning, --no-olm or not."""
    with_olm = run("snapshot", "--kubeconfig", kubeconfig, "-o", "json",
                   "--db-path", tmp_path / "a.db")  # fmt: skip
    assert json.loads(with_olm.stdout)["snapshot"]["cluster_info"]["olm"] is True
    server.inject(r"/clusterserviceversions$", 404)
    for flags in ((), ("--no-olm",)):
        result = run("snapshot", "--kubeconfig", kubeconfig, *flags, "-o", "json",
                     "--db-path", tmp_path / "b.db")  # fmt: skip
        assert result.exit_code == 0 and result.stderr == ""
        document = json.loads(result.stdout)
        assert document["warnings"] == []
        assert document["snapshot"]["cluster_info"]["olm"] is False


def test_forbidden_everywhere_writes_nothing(run, kubeconfig, server, db_path):
    server.inject(r"^/apis/|^/api/v1/", 403)

    result = run("snapshot", "--kubeconfig", kubeconfig, "--db-path", db_path)

    assert_failed_cleanly(result, "nothing could be read", "demo", db_path=db_path)


def test_wrong_token_is_one_clear_error(run, server, tmp_path, db_path):
    config = write_kubeconfig(tmp_path / "config", server.url, token="not-the-token")

    result = run("snapshot", "--kubeconfig", config, "--db-path", db_path)

    assert_failed_cleanly(result, "401", "fake", db_path=db_path)
    assert "not-the-token" not in result.stderr


def test_too_many_requests_is_retried_after_the_servers_delay(run, kubeconfig, server, db_path):
    server.inject(r"/certificates$", 429, times=2, retry_after=1)
    started = time.monotonic()

    snapshot_json(run, "--kubeconfig", kubeconfig, "--db-path", db_path)

    assert [r.status for r in server.requests if r.path.endswith("/certificates")] == [
        429,
        429,
        200,
    ]
    assert time.monotonic() - started >= 2  # Retry-After: 1, twice
    crds = {c["name"]: c for c in show(run, db_path)["crds"]}
    assert crds[CERTIFICATES]["instance_count"] == 7


def test_server_errors_are_retried_then_fail_cleanly(run, kubeconfig, server, db_path):
    server.inject(r"/customresourcedefinitions$", 500, times=1)
    snapshot_json(run, "--kubeconfig", kubeconfig, "--db-path", db_path)
    server.inject(r"/customresourcedefinitions$", 503)

    result = run("snapshot", "--kubeconfig", kubeconfig, "--db-path", db_path)

    assert result.exit_code == 1 and "503" in result.stderr
    listing = json.loads(run("database", "list", "-o", "json", "--db-path", db_path).stdout)
    assert len(listing["items"]) == 1  # only the first, successful snapshot


@pytest.mark.parametrize(
    ("setup", "needles"),
    [
        ("missing-file", ["--kubeconfig", "no such file"]),
        ("unknown-context", ['context "nope" not found', "demo"]),
        ("no-current-context", ["current-context", "--context"]),
        ("unreachable", ["cannot reach", "demo"]),
        ("tls-unverified", ["TLS verification failed", "demo"]),
        ("not-yaml", ["not valid YAML"]),
    ],
)
def test_bad_kubeconfig_or_unreachable_cluster(run, tmp_path, db_path, setup, needles):
    args = ["snapshot", "--db-path", db_path, "--kubeconfig", tmp_path / "config"]
    if setup == "unknown-context":
        write_kubeconfig(tmp_path / "config", "http://127.0.0.1:9", context="demo", token=TOKEN)
        args += ["--context", "nope"]
    elif setup == "no-current-context":
        write_kubeconfig(tmp_path / "config", "http://127.0.0.1:9", current_context=None)
    elif setup == "unreachable":
        write_kubeconfig(tmp_path / "config", "http://127.0.0.1:9", context="demo", token=TOKEN)
    elif setup == "tls-unverified":
        with FakeApiServer(FakeCluster(), token=TOKEN, tls=trustme.CA()) as tls_server:
            write_kubeconfig(tmp_path / "config", tls_server.url, context="demo", token=TOKEN)
            result = run(*args)
        assert_failed_cleanly(result, *needles, db_path=db_path)
        return
    elif setup == "not-yaml":
        (tmp_path / "config").write_text("clusters: [\n  - name: a\n  bad")

    result = run(*args)

    assert_failed_cleanly(result, *needles, db_path=db_path)


def test_server_dying_mid_capture_writes_nothing(run, kubeconfig, server, db_path):
    server.die_after(6)

    result = run("snapshot", "--kubeconfig", kubeconfig, "--db-path", db_path)

    assert_failed_cleanly(result, "lost the connection", "demo", db_path=db_path)


def test_request_timeout(run, kubeconfig, server, db_path):
    server.hang(r"/customresourcedefinitions$", 3)

    result = run(
        "snapshot", "--kubeconfig", kubeconfig, "--request-timeout", "300ms", "--db-path", db_path
    )

    assert_failed_cleanly(result, "timed out", "--request-timeout", db_path=db_path)


def test_bad_request_timeout_is_a_usage_error(run, kubeconfig):
    result = run("snapshot", "--kubeconfig", kubeconfig, "--request-timeout", "soon")
    assert result.exit_code == 2 and "--request-timeout" in result.stderr


def test_ctrl_c_during_live_capture_exits_130_and_writes_nothing(kubeconfig, server, tmp_path):
    server.hang(r"/customresourcedefinitions$", 30)
    db_path = tmp_path / "inventory.db"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "kubectl_datamodel", "snapshot"),
            *("--kubeconfig", str(kubeconfig), "--db-path", str(db_path)),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while server.count(r"^/apis$") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # discovery answered: the CRD list is under way, and hangs
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 130
    assert stderr.strip().splitlines() == ["interrupted; nothing was written"]
    assert not db_path.exists()


def test_copied_csvs_are_not_counted_twice(run, tmp_path, db_path):
    cluster = build_cluster()
    csv = grafana_csv()
    copied = copy.deepcopy(csv)
    copied["metadata"].update(namespace="team-a", labels={"olm.copiedFrom": "operators"})
    cluster.add(copied)
    with FakeApiServer(cluster, token=TOKEN) as api:
        config = write_kubeconfig(tmp_path / "config", api.url, token=TOKEN)
        result = snapshot_json(run, "--kubeconfig", config, "--db-path", db_path)

    assert result["snapshot"]["csv_count"] == 1
    assert sqlite3.connect(db_path).execute("SELECT namespace FROM csvs").fetchall() == [
        ("operators",)
    ]

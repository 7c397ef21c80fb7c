"""The commands as a user runs them: output, exit statuses, and files left behind."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from kubectl_datamodel import capture, cli, redaction, store
from kubectl_datamodel.cli import lazy, usage
from kubectl_datamodel.store import exports
from tests.support import commands as app_commands
from tests.support.paths import (
    CERT_MANAGER_BUNDLE,
    CERT_MANAGER_MANIFESTS,
    CLUSTER_V1,
    CLUSTER_V2,
    ROOT,
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


# -- snapshot -----------------------------------------------------------------------------------


def test_snapshot_reports_what_it_stored(run, db_path):
    result = run("snapshot", "--from-dir", CLUSTER_V1, "--context", "demo", "--db-path", db_path)
    assert result.exit_code == 0
    assert result.stdout == "snapshot 1 stored: context demo, 60 CRDs, 14 operators, 3 CSVs\n"
    assert result.stderr == ""


def test_snapshot_creates_owner_only_database_and_parent(run, db_path):
    assert not db_path.parent.exists()
    run("snapshot", "--from-dir", CERT_MANAGER_MANIFESTS, "--db-path", db_path)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700


def test_context_defaults_to_the_folder_name(run, db_path):
    run("snapshot", "--from-dir", CLUSTER_V2, "--db-path", db_path)
    listing = json.loads(run("database", "list", "-o", "json", "--db-path", db_path).stdout)
    assert listing["items"][0]["cluster_context"] == "cluster-v2"


def test_component_switches_choose_what_is_stored(run, db_path):
    result = run(
        "snapshot",
        "--from-dir",
        CLUSTER_V1,
        "--no-crds",
        "--no-olm",
        "-o",
        "json",
        "--db-path",
        db_path,
    )
    summary = json.loads(result.stdout)["snapshot"]
    assert (summary["crd_count"], summary["operator_count"], summary["csv_count"]) == (0, 14, 0)
    assert summary["components"] == ["operators"]


def test_all_components_off_is_a_usage_error(run, db_path):
    result = run(
        "snapshot",
        "--from-dir",
        CERT_MANAGER_MANIFESTS,
        "--no-crds",
        "--no-operators",
        "--no-olm",
        "--db-path",
        db_path,
    )
    assert_one_line_error(result, "nothing to capture")
    assert result.exit_code == 2
    assert not db_path.exists()


def test_database_store_is_an_alias_of_snapshot(run, db_path):
    result = run(
        "database",
        "store",
        "--from-dir",
        CERT_MANAGER_MANIFESTS,
        "--notes",
        "old spelling",
        "--db-path",
        db_path,
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("snapshot 1 stored")


def test_snapshot_json_lists_warnings(run, db_path):
    result = run("snapshot", "--from-dir", CERT_MANAGER_BUNDLE, "-o", "json", "--db-path", db_path)
    document = json.loads(result.stdout)
    assert document["apiVersion"] == "kubectl-datamodel/v1"
    assert document["kind"] == "SnapshotResult"
    assert len(document["warnings"]) == 1
    assert "annotations.yaml" in document["warnings"][0]
    assert result.stderr.count("warning: ") == 1


def test_namespace_and_all_namespaces_conflict(run, db_path):
    result = run(
        "snapshot", "--from-dir", CERT_MANAGER_MANIFESTS, "-n", "x", "-A", "--db-path", db_path
    )
    assert_one_line_error(result, "--namespace and --all-namespaces")
    assert result.exit_code == 2


def test_namespace_filter_is_recorded(run, db_path):
    run(
        "snapshot", "--from-dir", CERT_MANAGER_MANIFESTS, "-n", "cert-manager", "--db-path", db_path
    )
    listing = json.loads(run("database", "list", "-o", "json", "--db-path", db_path).stdout)
    assert listing["items"][0]["namespace_filter"] == "cert-manager"


def test_snapshot_without_input_or_kubeconfig_names_both_ways_in(run, db_path):
    result = run("snapshot", "--db-path", db_path)
    assert_one_line_error(result, "no kubeconfig")
    assert "--from-dir" in result.stderr
    assert result.exit_code == 1
    assert not db_path.exists()


# -- bad input leaves the database as it was ---------------------------------------------------


def test_malformed_yaml_names_file_and_line_and_changes_nothing(run, stored_v1_v2, tmp_path):
    before = digest(stored_v1_v2)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n")
    result = run("snapshot", "--from-dir", bad, "--db-path", stored_v1_v2)
    assert_one_line_error(result, "broken.yaml:", "malformed YAML")
    assert digest(stored_v1_v2) == before


def test_missing_from_dir(run, db_path, tmp_path):
    result = run("snapshot", "--from-dir", tmp_path / "nope", "--db-path", db_path)
    assert_one_line_error(result, "nope", "no such directory")
    assert not db_path.exists()


def test_folder_without_kubernetes_objects(run, db_path, tmp_path):
    (tmp_path / "values.yaml").write_text("replicaCount: 2\nimage: nginx\n")
    result = run("snapshot", "--from-dir", tmp_path, "--db-path", db_path)
    assert_one_line_error(result, "no Kubernetes objects")
    assert not db_path.exists()


def test_ctrl_c_during_capture_writes_nothing(run, stored_v1_v2, monkeypatch):
    before = digest(stored_v1_v2)

    def interrupted(_options, _progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(capture, "capture", interrupted)
    result = run("snapshot", "--from-dir", CERT_MANAGER_MANIFESTS, "--db-path", stored_v1_v2)
    assert result.exit_code == 130
    assert "nothing was written" in result.stderr
    assert digest(stored_v1_v2) == before


def test_db_path_that_is_a_directory(run, tmp_path):
    result = run("snapshot", "--from-dir", CERT_MANAGER_MANIFESTS, "--db-path", tmp_path)
    assert_one_line_error(result, str(tmp_path), "is a directory")


def test_db_path_that_cannot_be_created(run, tmp_path):
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")
    result = run("snapshot", "--from-dir", CERT_MANAGER_MANIFESTS, "--db-path", blocker / "x.db")
    assert_one_line_error(result, "cannot create database", str(blocker / "x.db"))
    assert blocker.read_text() == "not a folder"


def test_file_that_is_not_sqlite(run, tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 50)
    before = digest(path)
    for args in (("database", "list"), ("snapshot", "--from-dir", CERT_MANAGER_MANIFESTS)):
        result = run(*args, "--db-path", path)
        assert_one_line_error(result, str(path), "not a usable SQLite database")
    assert digest(path) == before


def test_corrupt_database(run, stored_v1_v2):
    data = bytearray(stored_v1_v2.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * (4096 * 2)  # clobber pages after the header
    stored_v1_v2.write_bytes(bytes(data))
    before = digest(stored_v1_v2)
    result = run("database", "show", "1", "--db-path", stored_v1_v2)
    assert_one_line_error(result, str(stored_v1_v2))
    assert digest(stored_v1_v2) == before


def test_database_from_a_newer_version_is_refused(run, stored_v1_v2):
    with sqlite3.connect(stored_v1_v2) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = digest(stored_v1_v2)
    result = run("snapshot", "--from-dir", CERT_MANAGER_MANIFESTS, "--db-path", stored_v1_v2)
    assert_one_line_error(result, "schema version 99", "upgrade kubectl-datamodel")
    assert digest(stored_v1_v2) == before


def test_locked_database_waits_then_says_so(run, stored_v1_v2, monkeypatch):
    monkeypatch.setattr("kubectl_datamodel.store.database.BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(stored_v1_v2)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run("snapshot", "--from-dir", CERT_MANAGER_MANIFESTS, "--db-path", stored_v1_v2)
    finally:
        holder.rollback()
        holder.close()
    assert_one_line_error(result, "is locked by another process", "0.2s")
    listing = json.loads(run("database", "list", "-o", "json", "--db-path", stored_v1_v2).stdout)
    assert [s["id"] for s in listing["items"]] == [2, 1]


# -- database list / show / stats ---------------------------------------------------------------


def test_list_table_is_plain_when_piped(run, stored_v1_v2):
    result = run("database", "list", "--db-path", stored_v1_v2)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "TIMESTAMP", "CONTEXT", "CRDS", "OPERATORS", "CSVS", "NOTES"]
    assert lines[1].split()[0:1] + lines[1].split()[2:] == [
        "2",
        "demo",
        "61",
        "14",
        "3",
        "after",
        "upgrade",
    ]
    assert lines[2].split()[0] == "1"
    assert "│" not in result.stdout


def test_list_json_envelope_and_filters(run, stored_v1_v2):
    run(
        "snapshot",
        "--from-dir",
        CERT_MANAGER_MANIFESTS,
        "--context",
        "prod",
        "--db-path",
        stored_v1_v2,
    )
    document = json.loads(
        run(
            "database",
            "list",
            "-o",
            "json",
            "--cluster-context",
            "demo",
            "--limit",
            "1",
            "--db-path",
            stored_v1_v2,
        ).stdout
    )
    assert document["apiVersion"] == "kubectl-datamodel/v1"
    assert document["kind"] == "SnapshotList"
    assert [(s["id"], s["notes"]) for s in document["items"]] == [(2, "after upgrade")]
    assert set(document["items"][0]) == {
        "id",
        "timestamp",
        "cluster_context",
        "cluster_info",
        "components",
        "crd_count",
        "operator_count",
        "csv_count",
        "namespace_filter",
        "notes",
        "created_at",
        "partial",
    }


def test_list_yaml(run, stored_v1_v2):
    document = YAML(typ="safe").load(
        run("database", "list", "-o", "yaml", "--db-path", stored_v1_v2).stdout
    )
    assert [s["id"] for s in document["items"]] == [2, 1]


def test_rich_is_a_synonym_of_table(run, stored_v1_v2):
    rich = run("database", "list", "-o", "rich", "--db-path", stored_v1_v2).stdout
    assert rich == run("database", "list", "--db-path", stored_v1_v2).stdout


def test_show_yaml_has_records(run, stored_v1_v2):
    document = YAML(typ="safe").load(
        run("database", "show", "1", "-o", "yaml", "--db-path", stored_v1_v2).stdout
    )
    assert document["kind"] == "Snapshot"
    assert document["snapshot"]["notes"] == "baseline"
    crds = {c["name"]: c for c in document["crds"]}
    assert crds["certificates.cert-manager.io"]["version"] == "v1"
    operators = {(o["namespace"], o["name"]): o for o in document["operators"]}
    controller = operators[("cert-manager", "cert-manager")]
    assert controller["framework"] == "Manifests"
    assert controller["version"] == "v1.12.2"
    assert "certificates.cert-manager.io" in controller["managed_crds"]
    assert {c["name"] for c in document["csvs"]} == {
        "argocd-operator.v0.10.0",
        "grafana-operator.v5.20.0",
        "packageserver",
    }
    assert "spec" not in document["crds"][0]


def test_show_table_sections(run, stored_v1_v2):
    out = run("database", "show", "2", "--db-path", stored_v1_v2).stdout
    assert "# CRDs" in out and "# Operators" in out and "# ClusterServiceVersions" in out
    assert "kafkas.kafka.strimzi.io" in out


def test_unknown_snapshot_id(run, stored_v1_v2):
    result = run("database", "show", "42", "--db-path", stored_v1_v2)
    assert_one_line_error(result, "snapshot 42 not found", str(stored_v1_v2))
    assert result.exit_code == 1


def test_reading_a_missing_database_does_not_create_it(run, db_path):
    result = run("database", "list", "--db-path", db_path)
    assert_one_line_error(result, "no database at")
    assert not db_path.exists()


def test_stats(run, stored_v1_v2):
    before = json.loads(run("database", "stats", "-o", "json", "--db-path", stored_v1_v2).stdout)
    run("snapshot", "--from-dir", CLUSTER_V2, "--context", "demo", "--db-path", stored_v1_v2)
    stats = json.loads(run("database", "stats", "-o", "json", "--db-path", stored_v1_v2).stdout)
    assert stats["kind"] == "DatabaseStats"
    assert stats["snapshot_count"] == 3
    assert stats["unique_clusters"] == 1
    assert stats["snapshots_per_cluster"] == {"demo": 3}
    assert stats["row_counts"]["crds"] == 60 + 61 + 61
    assert stats["row_counts"]["specs"] == before["row_counts"]["specs"]  # nothing new to store
    assert stats["spec_bytes_stored"] == before["spec_bytes_stored"]
    assert stats["dedup_saved_bytes"] > before["dedup_saved_bytes"]
    assert stats["dedup_saved_bytes"] == stats["spec_bytes_referenced"] - stats["spec_bytes_stored"]
    assert stats["first_timestamp"] <= stats["last_timestamp"]
    table = run("database", "stats", "--db-path", stored_v1_v2).stdout
    assert "Saved by deduplication" in table and "demo" in table


# -- export ---------------------------------------------------------------------------------------


def test_export_to_file_round_trips_the_records(run, stored_v1_v2, tmp_path, captured_v1):
    target = tmp_path / "s1.json"
    result = run(
        "database", "export", "1", "--file", target, "--include-specs", "--db-path", stored_v1_v2
    )
    assert result.exit_code == 0 and result.stdout == ""
    document = json.loads(target.read_text())
    with store.open_store(stored_v1_v2) as db:
        salt = db.salt  # redacted values' digests, as the database salts them
    for section in ("crds", "operators", "csvs"):
        captured = [redaction.salted(r, salt) for r in getattr(captured_v1, section)]
        assert document[section] == [r.as_dict(include_spec=True) for r in captured]


def test_an_export_carries_what_capture_could_only_partly_read(run, captured_v1, db_path, tmp_path):
    """`partial` goes out with the summary and comes back in when diff reads the file; an
    export written before the field existed reads as complete, and a bad value is refused."""
    with store.open_store(db_path, create=True) as db:
        db.write_snapshot(dataclasses.replace(captured_v1, partial=("crds", "operators")))
    target = tmp_path / "s1.json"
    run("database", "export", "1", "--file", target, "--db-path", db_path)
    document = json.loads(target.read_text())
    assert document["snapshot"]["partial"] == ["crds", "operators"]
    assert exports.read(target).snapshot.summary.partial == ("crds", "operators")
    del document["snapshot"]["partial"]
    target.write_text(json.dumps(document))
    assert exports.read(target).snapshot.summary.partial == ()
    document["snapshot"]["partial"] = "crds"
    target.write_text(json.dumps(document))
    result = run("diff", target, target)
    assert_one_line_error(result, str(target), "snapshot: malformed", "partial")


def test_export_sections_and_yaml_by_suffix(run, stored_v1_v2, tmp_path):
    target = tmp_path / "ops.yaml"
    run("database", "export", "2", "--operators-only", "--file", target, "--db-path", stored_v1_v2)
    document = YAML(typ="safe").load(target.read_text())
    assert set(document) == {"apiVersion", "kind", "snapshot", "operators", "warnings"}
    assert "spec" not in document["operators"][0]
    crds = json.loads(
        run("database", "export", "2", "--crds-only", "--db-path", stored_v1_v2).stdout
    )
    assert (
        set(crds) == {"apiVersion", "kind", "snapshot", "crds", "warnings"}
        and len(crds["crds"]) == 61
    )


def test_export_only_flags_exclude_each_other(run, stored_v1_v2):
    result = run("database", "export", "1", "--crds-only", "--olm-only", "--db-path", stored_v1_v2)
    assert_one_line_error(result, "exclude each other")
    assert result.exit_code == 2


def test_export_to_a_directory_fails_cleanly(run, stored_v1_v2, tmp_path):
    result = run("database", "export", "1", "--file", tmp_path, "--db-path", stored_v1_v2)
    assert_one_line_error(result, "is a directory")
    assert list(tmp_path.iterdir()) == [stored_v1_v2.parent]


def test_export_all(run, stored_v1_v2):
    document = json.loads(
        run("database", "export-all", "-o", "json", "--db-path", stored_v1_v2).stdout
    )
    assert document["kind"] == "SnapshotExportList"
    assert [item["snapshot"]["id"] for item in document["items"]] == [1, 2]
    assert len(document["items"][1]["crds"]) == 61


# -- delete / cleanup ---------------------------------------------------------------------------


def test_delete_needs_yes_without_a_terminal(run, stored_v1_v2):
    before = digest(stored_v1_v2)
    result = run("database", "delete", "1", "--db-path", stored_v1_v2)
    assert_one_line_error(result, "stdin is not a terminal", "--yes")
    assert result.exit_code == 2
    assert digest(stored_v1_v2) == before


def test_delete_cascades_and_drops_orphan_specs(run, stored_v1_v2):
    stats_before = json.loads(
        run("database", "stats", "-o", "json", "--db-path", stored_v1_v2).stdout
    )
    result = run("database", "delete", "1", "--yes", "--db-path", stored_v1_v2)
    assert result.exit_code == 0
    assert "deleted snapshot 1" in result.stderr
    stats = json.loads(run("database", "stats", "-o", "json", "--db-path", stored_v1_v2).stdout)
    assert stats["row_counts"]["crds"] == 61
    assert stats["row_counts"]["specs"] < stats_before["row_counts"]["specs"]
    assert stats["dedup_saved_bytes"] == 0  # one snapshot left: every spec referenced once
    with sqlite3.connect(stored_v1_v2) as conn:
        orphans = conn.execute("SELECT COUNT(*) FROM crds WHERE snapshot_id = 1").fetchone()
    conn.close()
    assert orphans == (0,)


def test_delete_unknown_id_deletes_nothing(run, stored_v1_v2):
    before = digest(stored_v1_v2)
    result = run("database", "delete", "1", "7", "--yes", "--db-path", stored_v1_v2)
    assert_one_line_error(result, "snapshot 7 not found")
    assert digest(stored_v1_v2) == before


def test_cleanup_keep_per_context(run, stored_v1_v2):
    run(
        "snapshot",
        "--from-dir",
        CERT_MANAGER_MANIFESTS,
        "--context",
        "other",
        "--db-path",
        stored_v1_v2,
    )
    dry = run("database", "cleanup", "--keep", "1", "--dry-run", "--db-path", stored_v1_v2)
    assert dry.exit_code == 0 and "would delete snapshot 1" in dry.stderr
    result = run("database", "cleanup", "--keep", "1", "--yes", "--db-path", stored_v1_v2)
    assert result.exit_code == 0
    listing = json.loads(run("database", "list", "-o", "json", "--db-path", stored_v1_v2).stdout)
    assert sorted(s["id"] for s in listing["items"]) == [2, 3]


def test_cleanup_older_than_and_cluster_context(run, stored_v1_v2):
    result = run(
        "database",
        "cleanup",
        "--older-than",
        "30 days",
        "--cluster-context",
        "demo",
        "--yes",
        "--db-path",
        stored_v1_v2,
    )
    assert result.exit_code == 0 and "nothing to clean up" in result.stderr
    result = run(
        "database", "cleanup", "--older-than", "2999-01-01", "--yes", "--db-path", stored_v1_v2
    )
    assert "deleted snapshots " in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--keep", "0"), "--keep 0"),
        (("--keep", "-3"), "--keep -3"),
        (("--older-than", "a while"), "'a while'"),
        ((), "needs --keep"),
    ],
)
def test_cleanup_bad_rules(run, stored_v1_v2, args, message):
    before = digest(stored_v1_v2)
    result = run("database", "cleanup", *args, "--yes", "--db-path", stored_v1_v2)
    assert_one_line_error(result, message)
    assert result.exit_code == 2
    assert digest(stored_v1_v2) == before


def test_cleanup_needs_yes_without_a_terminal(run, stored_v1_v2):
    result = run("database", "cleanup", "--keep", "1", "--db-path", stored_v1_v2)
    assert_one_line_error(result, "stdin is not a terminal")


# -- crd / operators / olm list -----------------------------------------------------------------


def test_crd_list_wide(run):
    result = run("crd", "list", "--from-dir", CLUSTER_V2, "-o", "wide")
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split()[:6] == ["NAME", "GROUP", "KIND", "SCOPE", "VERSIONS", "INSTANCES"]
    by_name = {row.split()[0]: row.split() for row in rows}
    assert by_name["externalsecrets.external-secrets.io"][4] == "v1*,(v1beta1)"
    assert by_name["externalsecrets.external-secrets.io"][6] == "v1beta1"
    assert by_name["applications.argoproj.io"][5] == "1"
    assert len(rows) == 61


def test_operators_list_json(run):
    document = json.loads(run("operators", "list", "--from-dir", CLUSTER_V1, "-o", "json").stdout)
    assert document["kind"] == "OperatorList"
    names = {o["name"] for o in document["items"]}
    assert "prometheus-operator" in names and "argocd-redis" not in names


def test_olm_list_store_db(run, db_path):
    result = run(
        "olm",
        "list",
        "--from-dir",
        CLUSTER_V2,
        "--store-db",
        "--notes",
        "olm only",
        "--db-path",
        db_path,
    )
    assert result.exit_code == 0
    assert "grafana-operator.v5.22.2" in result.stdout
    assert "stored as snapshot 1" in result.stderr
    summary = json.loads(run("database", "list", "-o", "json", "--db-path", db_path).stdout)[
        "items"
    ][0]
    assert (summary["crd_count"], summary["operator_count"], summary["csv_count"]) == (0, 0, 3)
    assert summary["components"] == ["olm"]


def test_list_without_store_db_touches_no_database(run, db_path):
    run("crd", "list", "--from-dir", CERT_MANAGER_MANIFESTS, "--db-path", db_path)
    assert not db_path.exists()


# -- paths and global behaviour -----------------------------------------------------------------


def test_db_path_before_the_command_and_env_var(run, tmp_path, monkeypatch):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    assert run("--db-path", first, "snapshot", "--from-dir", CERT_MANAGER_MANIFESTS).exit_code == 0
    assert first.exists()
    monkeypatch.setenv("KUBECTL_DATAMODEL_DB", str(second))
    run("snapshot", "--from-dir", CERT_MANAGER_MANIFESTS)
    assert second.exists()
    # the command's own option wins over the global one, which wins over the environment
    listing = run("--db-path", tmp_path / "none.db", "database", "list", "--db-path", first)
    assert listing.exit_code == 0 and CERT_MANAGER_MANIFESTS.name in listing.stdout


def test_default_path_is_under_home(run, tmp_path):
    run("snapshot", "--from-dir", CERT_MANAGER_MANIFESTS)
    assert (tmp_path / "home" / ".k8s-inventory" / "inventory.db").exists()


def test_debug_adds_the_traceback(run, db_path):
    result = run("--debug", "database", "list", "--db-path", db_path)
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: no database at")


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("kubectl-datamodel ")


def test_usage_reads_kubectl_datamodel(run):
    result = run("database", "list", "--bogus")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: unknown flag: --bogus; see 'kubectl datamodel database list -h'\n"
    )


def test_console_script_runs_as_installed(tmp_path):
    script = Path(sys.executable).parent / "kubectl-datamodel"
    env = {**os.environ, "HOME": str(tmp_path)}
    result = subprocess.run(
        [script, "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0
    assert "kubectl datamodel" in result.stdout


def test_help_lists_each_command_as_its_own_help_begins(monkeypatch):
    """The root lists its commands without importing them (cli.lazy), from a summary kept
    beside each: at any width the listing must read, byte for byte, as the commands' own
    would (usage.summary: the short help, else the first sentence of the help), and so must
    the completion of a command's name."""
    root = cli.command()
    assert isinstance(root, lazy.Group)
    for columns in ("52", "80", "200"):
        monkeypatch.setenv("COLUMNS", columns)
        context = root.make_context("kubectl datamodel", [], resilient_parsing=True)
        listed, eager = context.make_formatter(), context.make_formatter()
        root.format_commands(context, listed)
        built = [root.commands[name] for name in root.entries]
        usage.Group(commands=built).format_commands(context, eager)
        assert listed.getvalue() == eager.getvalue()
    for name, entry in root.entries.items():
        assert entry.summary == usage.summary(root.commands[name]), name
    # and completion offers the names with those lines, and the options, as an eager group
    eager_root = usage.Group(
        name=root.name, commands=built, params=root.params, context_settings=root.context_settings
    )
    for incomplete in ("", "d", "op", "-", "--d"):
        offered = root.shell_complete(context, incomplete)
        eager_context = eager_root.make_context("kubectl datamodel", [], resilient_parsing=True)
        expected = eager_root.shell_complete(eager_context, incomplete)
        assert [(i.value, i.help) for i in offered] == [(i.value, i.help) for i in expected]


def test_every_command_is_in_the_readme():
    """Read from the app itself, so a new command cannot be left out of the README."""
    readme = (ROOT / "README.md").read_text()
    commands = [" ".join(path) for path, _ in app_commands.leaves()]
    assert {"snapshot", "diff", "query", "analyze", "database list", "olm list"} <= set(commands)
    missing = [c for c in commands if f"kubectl datamodel {c}" not in readme]
    assert missing == []

"""`kubectl datamodel diff` as users run it: references, sources, formats, exit statuses, and
bad input that fails in one line and leaves the database as it was."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kubectl_datamodel.render import drift as drift_report
from tests.support.examplecluster import TOKEN, build_cluster
from tests.support.fakeapi import FakeApiServer
from tests.support.kubeconfig import write_kubeconfig
from tests.support.paths import CLUSTER_V1, CLUSTER_V2


def diff_json(run, *args):
    result = run("diff", "-o", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def database_state(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id, cluster_context FROM inventory_snapshots").fetchall()


def assert_one_line_error(result, status, *needles):
    assert result.exit_code == status, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


# -- references ---------------------------------------------------------------------------------


def test_no_arguments_compares_the_latest_two_snapshots(run, stored_v1_v2):
    result = run("diff", "--db-path", stored_v1_v2)
    assert result.exit_code == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith(tuple(f"{n} breaking" for n in range(1, 200)))
    assert "between snapshot 1 (demo," in first and "and snapshot 2 (demo," in first
    assert "# Breaking changes" in result.stdout
    assert "kafkamirrormakers.kafka.strimzi.io" in result.stdout


def test_every_spelling_of_the_same_pair_gives_the_same_report(run, stored_v1_v2):
    by_id = diff_json(run, "1", "2", "--db-path", stored_v1_v2)
    for refs in (
        ["latest~1", "latest"],
        ["demo@latest~1", "demo@latest"],
        ["latest~1", "latest", "--cluster-context", "demo"],
        ["1"],  # one snapshot: against the latest of its context
    ):
        document = diff_json(run, *refs, "--db-path", stored_v1_v2)
        assert document["changes"] == by_id["changes"], refs
    assert by_id["old"]["snapshot_id"] == 1 and by_id["new"]["snapshot_id"] == 2


def test_json_envelope_is_versioned(run, stored_v1_v2):
    document = diff_json(run, "1", "2", "--db-path", stored_v1_v2, "--fail-on", "none")
    assert list(document)[:3] == ["apiVersion", "kind", "schema_version"]
    assert (document["kind"], document["schema_version"]) == ("DriftReport", 1)
    summary = document["summary"]
    assert summary["drift"] is True
    assert summary["total"] == len(document["changes"])
    assert summary["breaking"] == sum(c["severity"] == "breaking" for c in document["changes"])


def test_yaml_and_json_say_the_same(run, stored_v1_v2):
    from ruamel.yaml import YAML

    as_yaml = run("diff", "1", "2", "-o", "yaml", "--db-path", stored_v1_v2)
    assert as_yaml.exit_code == 0
    assert YAML(typ="safe").load(as_yaml.stdout) == diff_json(
        run, "1", "2", "--db-path", stored_v1_v2
    )


def test_markdown_fits_a_pull_request_comment(run, stored_v1_v2):
    result = run("diff", "1", "2", "-o", "markdown", "--db-path", stored_v1_v2)
    assert result.exit_code == 0
    assert result.stdout.startswith("### kubectl-datamodel drift")
    assert len(result.stdout) <= drift_report.MARKDOWN_LIMIT
    cut = run("diff", "1", "2", "-o", "markdown", "--markdown-limit", "9000", "--db-path",
              stored_v1_v2).stdout  # fmt: skip
    assert len(cut) <= 9000
    assert "Full report: run `kubectl datamodel diff 1 2 -o json`" in cut  # where the rest is


# -- exit statuses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refs", "fail_on", "status"),
    [
        (["1", "2"], "none", 0),
        (["1", "2"], "breaking", 3),
        (["1", "2"], "any", 3),
        (["1", "1"], "any", 0),
    ],
)
def test_fail_on_sets_the_exit_status(run, stored_v1_v2, refs, fail_on, status):
    result = run("diff", *refs, "--fail-on", fail_on, "--db-path", stored_v1_v2)
    assert result.exit_code == status, result.stderr


def test_nothing_changed_says_so(run, stored_v1_v2):
    result = run("diff", "2", "2", "--db-path", stored_v1_v2)
    assert result.stdout.startswith("no drift between snapshot 2 (demo,")


# -- other sources ------------------------------------------------------------------------------


def test_against_manifests_compares_without_storing(run, stored_v1_v2):
    before = database_state(stored_v1_v2)
    same = run(
        "diff", "2", "--against-dir", CLUSTER_V2, "--fail-on", "any", "--db-path", stored_v1_v2
    )
    assert same.exit_code == 0, same.stderr
    assert same.stdout.startswith("passes --fail-on info: no drift between snapshot 2")
    changed = run(
        "diff", "1", "--against-dir", CLUSTER_V2, "--fail-on", "breaking", "--db-path", stored_v1_v2
    )
    assert changed.exit_code == 3
    assert "manifests" in changed.stdout.splitlines()[0]
    assert database_state(stored_v1_v2) == before


def test_exports_stand_in_for_snapshots_without_a_database(run, stored_v1_v2, tmp_path):
    for snapshot_id in ("1", "2"):
        exported = run(
            "database",
            "export",
            snapshot_id,
            "--include-specs",
            "--file",
            tmp_path / f"s{snapshot_id}.json",
            "--db-path",
            stored_v1_v2,
        )
        assert exported.exit_code == 0
    from_db = diff_json(run, "1", "2", "--db-path", stored_v1_v2)
    from_files = diff_json(
        run, tmp_path / "s1.json", tmp_path / "s2.json", "--db-path", tmp_path / "none.db"
    )
    assert from_files["changes"] == from_db["changes"]
    assert from_files["old"]["source"] == "export"
    assert not (tmp_path / "none.db").exists()


def test_against_the_live_cluster(run, tmp_path, db_path):
    cluster = build_cluster()
    with FakeApiServer(cluster, token=TOKEN) as server:
        config = write_kubeconfig(tmp_path / "config", server.url, context="demo", token=TOKEN)
        stored = run("snapshot", "--kubeconfig", config, "-q", "--db-path", db_path)
        assert stored.exit_code == 0, stored.stderr
        same = run("diff", "--against-live", "--kubeconfig", config, "-q", "--db-path", db_path)
        assert same.exit_code == 0, same.stderr
        assert same.stdout.startswith("no drift between snapshot 1 (demo,")
        cluster.remove(
            "apiextensions.k8s.io/v1", "CustomResourceDefinition", "kafkas.kafka.strimzi.io"
        )
        gone = diff_json(run, "--against-live", "--kubeconfig", config, "-q", "--db-path", db_path)
    (removed,) = [c for c in gone["changes"] if c["rule"] == "crd.removed"]
    assert removed["name"] == "kafkas.kafka.strimzi.io" and removed["severity"] == "breaking"
    assert "deleting its 3 instances" in removed["message"]
    assert gone["new"]["source"] == "cluster"
    assert TOKEN not in json.dumps(gone)
    assert len(database_state(db_path)) == 1


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["1", "99"], ["snapshot 99 not found"]),
        (["foo"], ["unknown snapshot reference 'foo'", "latest~N"]),
        (["latest~5"], ["latest~5: context demo has only 2 snapshots"]),
        (["nowhere@latest"], ["context nowhere has no snapshots"]),
    ],
)
def test_unknown_references_fail_in_one_line(run, stored_v1_v2, args, needles):
    before = stored_v1_v2.read_bytes()
    result = run("diff", *args, "--db-path", stored_v1_v2)
    assert_one_line_error(result, 1, *needles)
    assert stored_v1_v2.read_bytes() == before


def test_an_empty_database_has_nothing_to_compare(run, db_path):
    assert run("snapshot", "--from-dir", CLUSTER_V1, "-q", "--db-path", db_path).exit_code == 0
    assert run("database", "delete", "1", "--yes", "--db-path", db_path).exit_code == 0
    result = run("diff", "--db-path", db_path)
    assert_one_line_error(result, 1, "holds no snapshots")


def test_a_missing_database_is_not_created(run, tmp_path):
    result = run("diff", "--db-path", tmp_path / "typo.db")
    assert_one_line_error(result, 1, "no database at")
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (
            '{"apiVersion": "v1", "kind": "List", "items": []}',
            "not a kubectl-datamodel snapshot export",
        ),
        (
            '{"apiVersion": "kubectl-datamodel/v1", "kind": "SnapshotExportList", "items": []}',
            "database export ID",
        ),
        (
            '{"apiVersion": "kubectl-datamodel/v1", "kind": "Snapshot", "snapshot": {}}',
            "missing field 'id'",
        ),
        ("{not json", "malformed JSON"),
    ],
)
def test_a_file_that_is_not_an_export(run, stored_v1_v2, tmp_path, content, needle):
    path = tmp_path / "export.json"
    path.write_text(content)
    result = run("diff", path, "2", "--db-path", stored_v1_v2)
    assert_one_line_error(result, 1, str(path), needle)


def test_a_malformed_ignore_file(run, stored_v1_v2, tmp_path):
    path = tmp_path / "ignore.yaml"
    path.write_text("ignore:\n  - kind: CRD\n    nmae: x\n")
    result = run("diff", "--ignore", path, "--db-path", stored_v1_v2)
    assert_one_line_error(result, 1, str(path), "rule 1", "unknown field 'nmae'")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["--fail-on", "sometimes"],
            "--fail-on 'sometimes': expected none, any, warning or breaking",
        ),
        (["1", "2", "1"], "diff compares two snapshots; 3 were given"),
        (["1", "2", "--against-dir", "x"], "give one reference"),
        (["--against-dir", "x", "--against-live"], "exclude each other"),
    ],
)
def test_usage_errors(run, stored_v1_v2, args, needle):
    result = run("diff", *args, "--db-path", stored_v1_v2)
    assert_one_line_error(result, 2, needle)


def test_one_run_writes_json_and_markdown(run, stored_v1_v2, tmp_path):
    """The GitHub Action reads both formats of one comparison: a live side is captured once."""
    markdown = tmp_path / "drift.md"
    args = ("1", "2", "--db-path", str(stored_v1_v2), "--markdown-limit", "10000")
    result = run("diff", *args, "-o", "json", "--markdown-file", str(markdown))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    text = markdown.read_text()
    assert text == run("diff", *args, "-o", "markdown").stdout
    full = run("diff", "1", "2", "-o", "markdown", "--db-path", stored_v1_v2).stdout
    assert len(text) <= 10000 < len(full)
    assert f"{document['summary']['total']:,} changes" in text


def test_one_run_writes_markdown_cut_at_several_limits(run, stored_v1_v2, tmp_path):
    """The Action's comment, job summary and artifact: one comparison, three cuts, each file
    with the limit given in the same place, and the cut notes pointing where it says."""
    comment, summary, whole = (tmp_path / f"{n}.md" for n in ("comment", "summary", "whole"))
    hint = "the artifact `db-drift-7` of this run"
    result = run(
        "diff", "1", "2", "--db-path", str(stored_v1_v2), "-o", "json",
        "--markdown-file", str(comment), "--markdown-limit", "9000",
        "--markdown-file", str(summary), "--markdown-limit", "15000",
        "--markdown-file", str(whole), "--markdown-limit", "100000000",
        "--full-report-hint", hint,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    full = run("diff", "1", "2", "-o", "markdown", "--db-path", stored_v1_v2,
               "--markdown-limit", "100000000").stdout  # fmt: skip
    assert whole.read_text() == full
    assert len(comment.read_text()) <= 9000 < len(summary.read_text()) <= 15000 < len(full)
    for cut in (comment, summary):
        assert f"Full report: {hint}" in cut.read_text()
        assert "-o json`" not in cut.read_text()


def test_markdown_limits_pair_with_the_files_or_one_serves_all(run, stored_v1_v2, tmp_path):
    one, two = tmp_path / "one.md", tmp_path / "two.md"
    files = ("--markdown-file", str(one), "--markdown-file", str(two))
    shared = run("diff", "1", "2", "--db-path", stored_v1_v2, *files, "--markdown-limit", "9000")
    assert shared.exit_code == 0, shared.stderr
    assert one.read_text() == two.read_text() and len(one.read_text()) <= 9000
    limits = ("--markdown-limit", "9000", "--markdown-limit", "9500", "--markdown-limit", "9900")
    result = run("diff", "1", "2", "--db-path", stored_v1_v2, *files, *limits)
    assert_one_line_error(result, 2, "--markdown-limit was given 3 times for 2 --markdown-file")


def test_markdown_limit_too_small_for_the_summary(run, stored_v1_v2):
    result = run(
        "diff", "1", "2", "-o", "markdown", "--markdown-limit", "100", "--db-path", stored_v1_v2
    )
    assert_one_line_error(result, 2, "--markdown-limit 100: too small")


def test_markdown_file_in_a_missing_folder(run, stored_v1_v2, tmp_path):
    target = tmp_path / "missing" / "drift.md"
    result = run("diff", "1", "2", "--markdown-file", str(target), "--db-path", stored_v1_v2)
    assert_one_line_error(result, 1, f"--markdown-file {target}")

"""`kubectl datamodel query`: read-only SQL, the views, formats and templates."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from ruamel.yaml import YAML

from tests.support.paths import CLUSTER_V1

CRD_TEMPLATE = "{{ spec | fromjson | toyaml }}"
READ_ONLY = "the database is opened read-only: only statements that read can run"
UNSAFE = "access to attribute '__class__' of 'str' object is unsafe."
NOT_JSON = "fromjson: not JSON: 'acraccesstokens.generators.external-secr'"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(run, db, sql, *args):
    return run("query", sql, "--db-path", db, *args)


def test_crd_operators_joins_each_crd_to_its_operator(run, stored_v1_v2):
    result = query(
        run, stored_v1_v2,
        "SELECT crd, operator, operator_version FROM crd_operators "
        "WHERE snapshot_id = :id AND crd LIKE '%cert-manager.io' AND operator = 'cert-manager' "
        "ORDER BY crd", "--param", "id=2", "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["apiVersion"], document["kind"]) == ("kubectl-datamodel/v1", "QueryResult")
    assert document["columns"] == ["crd", "operator", "operator_version"]
    assert {i["operator_version"] for i in document["items"]} == {"v1.16.1"}
    assert "certificates.cert-manager.io" in [i["crd"] for i in document["items"]]


def test_latest_snapshots_and_operator_images(run, stored_v1_v2):
    latest = query(
        run, stored_v1_v2, "SELECT id, cluster_context FROM latest_snapshots", "-o", "csv"
    )
    assert latest.stdout == "id,cluster_context\n2,demo\n"
    images = query(run, stored_v1_v2,
                   "SELECT snapshot_id, image FROM operator_images WHERE name = 'cert-manager' "
                   "ORDER BY snapshot_id", "-o", "yaml")  # fmt: skip
    items = YAML(typ="safe").load(images.stdout)["items"]
    assert [i["image"].rsplit(":", 1)[1] for i in items] == ["v1.12.2", "v1.16.1"]


def test_a_table_shows_null_as_such(run, stored_v1_v2):
    result = query(run, stored_v1_v2, "SELECT 1 AS one, NULL AS missing")
    assert result.stdout.splitlines() == ["one   missing", "1     <null>"]


@pytest.mark.parametrize(
    "statement",
    ["DELETE FROM specs", "DROP VIEW crds", "INSERT INTO specs (sha256, body) VALUES ('x', 'y')",
     "ATTACH DATABASE 'other.db' AS other", "VACUUM INTO 'copy.db'", "PRAGMA user_version = 9",
     "CREATE TABLE notes (text)", "UPDATE inventory_snapshots SET notes = 'x'"],
)  # fmt: skip
def test_a_statement_that_writes_fails_and_touches_nothing(run, stored_v1_v2, statement, tmp_path,
                                                           monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    before = digest(stored_v1_v2)
    result = query(run, stored_v1_v2, statement)
    assert result.exit_code == 1
    assert (
        result.stderr
        == "error: the database is opened read-only: only statements that read can run\n"
    )
    assert digest(stored_v1_v2) == before
    assert not (tmp_path / "other.db").exists()
    assert not (tmp_path / "copy.db").exists()


@pytest.mark.parametrize(
    ("sql", "args", "status", "message"),
    [
        ("SELEC 1", [], 1, 'error: SQL: near "SELEC": syntax error\n'),
        ("SELECT * FROM nowhere", [], 1, "error: SQL: no such table: nowhere\n"),
        ("SELECT :a", [], 1, "error: SQL: You did not supply a value for binding parameter :a.\n"),
        ("SELECT 1; SELECT 2", [], 1, "error: one statement at a time, please\n"),
        ("SELECT 1", ["--param", "a"], 2, "error: --param takes NAME=VALUE, not 'a'\n"),
    ],
)
def test_bad_sql_and_parameters_are_named(run, stored_v1_v2, sql, args, status, message):
    result = query(run, stored_v1_v2, sql, *args)
    assert (result.exit_code, result.stderr) == (status, message)


def test_no_database_is_said_and_not_created(run, db_path):
    result = query(run, db_path, "SELECT 1")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no database at {db_path}")
    assert not db_path.exists()


def test_a_template_regenerates_a_snapshots_crds_as_applyable_yaml(run, stored_v1_v2, tmp_path):
    """Round trip: the CRDs of snapshot 1, rendered as manifests and snapshotted again, are
    the same CRDs."""
    template = tmp_path / "crd.yaml.j2"
    template.write_text(CRD_TEMPLATE)
    rendered = query(run, stored_v1_v2, "SELECT spec FROM crds WHERE snapshot_id = 1",
                     "--template", template)  # fmt: skip
    assert rendered.exit_code == 0, rendered.stderr
    documents = [d for d in YAML(typ="safe").load_all(rendered.stdout) if d]
    assert len(documents) == 60
    assert {d["kind"] for d in documents} == {"CustomResourceDefinition"}
    regenerated = tmp_path / "crds.yaml"
    regenerated.write_text(rendered.stdout)
    db = tmp_path / "again.db"
    assert run("snapshot", "--from-file", regenerated, "--db-path", db).exit_code == 0
    assert run("snapshot", "--from-dir", CLUSTER_V1, "--db-path", db, "--no-operators",
               "--no-olm").exit_code == 0  # fmt: skip
    diff = run("diff", "1", "2", "--db-path", db, "-o", "json")
    changes = json.loads(diff.stdout)["changes"]
    assert [c for c in changes if c["kind"] == "CRD" and c["rule"] != "crd.instances.first"] == []


def test_a_template_renders_text_rows_with_a_separator(run, stored_v1_v2, tmp_path):
    template = tmp_path / "line.j2"
    template.write_text("{{ id }} {{ row.cluster_context }}\n")
    result = query(run, stored_v1_v2, "SELECT id, cluster_context FROM inventory_snapshots",
                   "--template", template, "--separator", "")  # fmt: skip
    assert result.stdout == "1 demo\n2 demo\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("line one\n{{ name }\n", "{t}:2: unexpected '}}'"),
        ("{{ nmae }}\n", "{t}: row 1: 'nmae' is undefined"),
        ("{{ name.__class__ }}\n", "{t}: row 1: " + UNSAFE),
        ("{{ name | fromjson }}\n", "{t}: row 1: " + NOT_JSON),
    ],
)  # fmt: skip
def test_template_errors_name_the_file_line_row_and_field(run, stored_v1_v2, tmp_path, text,
                                                          message):  # fmt: skip
    template = tmp_path / "t.j2"
    template.write_text(text)
    result = query(run, stored_v1_v2, "SELECT name FROM crds ORDER BY name", "--template", template)
    assert result.exit_code == 1
    assert result.stderr == "error: " + message.format(t=template) + "\n"
    assert result.stdout == ""


def test_the_csv_output_quotes_what_needs_quoting(run, stored_v1_v2):
    result = query(run, stored_v1_v2, "SELECT 'a,b' AS x, 'say \"hi\"' AS y", "-o", "csv")
    assert list(csv.reader(io.StringIO(result.stdout))) == [["x", "y"], ["a,b", 'say "hi"']]

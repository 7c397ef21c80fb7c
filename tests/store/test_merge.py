"""`database merge SOURCE.db...`: per-cluster databases (a matrix of CI jobs' artifacts) into
one fleet database, each snapshot once, its content as it was; a bad source changes nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from tests.support.paths import CLUSTER_V1, CLUSTER_V2


def take(run, db: Path, folder: Path, context: str) -> None:
    result = run("snapshot", "--from-dir", folder, "--context", context, "-q", "--db-path", db)
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def clusters(run, tmp_path) -> dict[str, Path]:
    """Three databases as three CI jobs leave them: eu upgraded v1 -> v2, us on v2, and ap's
    job that started from eu's history (an artifact) and added its own snapshot."""
    eu, us, ap = (tmp_path / f"{name}.db" for name in ("eu", "us", "ap"))
    take(run, eu, CLUSTER_V1, "eu")
    ap.write_bytes(eu.read_bytes())
    take(run, eu, CLUSTER_V2, "eu")
    take(run, us, CLUSTER_V2, "us")
    take(run, ap, CLUSTER_V1, "ap")
    return {"eu": eu, "us": us, "ap": ap}


def snapshots(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT cluster_context, timestamp FROM inventory_snapshots ORDER BY id"
        ).fetchall()


def export(run, db: Path, reference: str) -> dict:
    result = run("database", "export", reference, "--include-specs", "-o", "json", "--db-path", db)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    for volatile in ("id", "created_at"):
        document["snapshot"].pop(volatile)
    return document


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_fleet_database_holds_every_snapshot_once(run, clusters, db_path):
    sources = [clusters["eu"], clusters["us"], clusters["ap"]]
    result = run("database", "merge", *sources, "--db-path", db_path)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"{clusters['eu']}: added snapshots 1, 2 (0 of 2 already here)",
        f"{clusters['us']}: added snapshot 3 (0 of 1 already here)",
        f"{clusters['ap']}: added snapshot 4 (1 of 2 already here)",  # eu's v1, from history
    ]
    assert sorted(c for c, _ in snapshots(db_path)) == ["ap", "eu", "eu", "us"]
    for name, source in clusters.items():
        assert export(run, db_path, f"{name}@latest") == export(run, source, f"{name}@latest")

    again = run("database", "merge", *sources, "--db-path", db_path)
    assert again.exit_code == 0
    assert all("added nothing" in line for line in again.stderr.splitlines())
    assert len(snapshots(db_path)) == 4


def test_specs_are_stored_once_across_clusters(run, clusters, db_path):
    run("database", "merge", *clusters.values(), "--db-path", db_path)
    stats = json.loads(run("database", "stats", "-o", "json", "--db-path", db_path).stdout)
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT count(*) FROM specs").fetchone()[0]
    per_source = 0
    for source in clusters.values():
        with sqlite3.connect(source) as conn:
            per_source += conn.execute("SELECT count(*) FROM specs").fetchone()[0]
    assert stored < per_source  # v1's and v2's specs, once for the three clusters
    assert stats["snapshot_count"] == 4


def test_the_clusters_compare_in_the_fleet_database(run, clusters, db_path):
    run("database", "merge", *clusters.values(), "--db-path", db_path)
    result = run("diff", "ap@latest", "us@latest", "-o", "json", "--db-path", db_path)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["old"]["cluster_context"], document["new"]["cluster_context"]) == ("ap", "us")
    assert document["summary"]["breaking"] == 54  # cluster-v1 against cluster-v2


def test_the_sources_are_never_written(run, clusters, db_path):
    before = {name: digest(path) for name, path in clusters.items()}
    run("database", "merge", *clusters.values(), "--db-path", db_path)
    assert {name: digest(path) for name, path in clusters.items()} == before


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("missing.db", "error: no database at {path}\n"),
        ("junk.db", "error: cannot read database {path}: file is not a database\n"),
    ],
)
def test_a_bad_source_is_one_line_and_changes_nothing(run, clusters, db_path, bad, message):
    run("database", "merge", clusters["eu"], "--db-path", db_path)
    before = digest(db_path)
    path = clusters["eu"].parent / bad
    if bad == "junk.db":
        path.write_text("not a database\n")
    result = run("database", "merge", clusters["us"], path, "--db-path", db_path)
    assert (result.exit_code, result.stderr) == (1, message.format(path=path))
    assert digest(db_path) == before
    fresh = db_path.parent / "fresh.db"
    assert run("database", "merge", path, "--db-path", fresh).exit_code == 1
    assert not fresh.exists()


def test_merging_a_database_into_itself_is_a_usage_error(run, clusters):
    result = run("database", "merge", clusters["eu"], "--db-path", clusters["eu"])
    assert (result.exit_code, result.stderr) == (
        2, f"error: {clusters['eu']} is the database merged into\n"
    )  # fmt: skip

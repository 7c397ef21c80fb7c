"""`snapshot --contexts GLOB` / `--all-contexts`: many clusters in one run, several at once,
one snapshot each, through the real kubernetes client and a real kubeconfig, against test API
servers loaded with the examples' upstream objects (tests/support/fakeapi)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator

import pytest

from tests.support.examplecluster import TOKEN, build_cluster
from tests.support.fakeapi import FakeApiServer, FakeCluster
from tests.support.kubeconfig import write_fleet_kubeconfig

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture(scope="module")
def example() -> FakeCluster:
    return build_cluster()


@pytest.fixture
def servers(example) -> Iterator[list[FakeApiServer]]:
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(FakeApiServer(example, token=TOKEN, latency=0.002))
            for _ in range(3)
        ]


@pytest.fixture
def kubeconfig(tmp_path, servers):
    return write_fleet_kubeconfig(
        tmp_path / "config",
        {
            "prod-eu": servers[0].url,
            "prod-us": servers[1].url,
            "staging": servers[2].url,
            "prod-gone": UNREACHABLE,
        },
        current_context="staging",
        token=TOKEN,
    )


def contexts_stored(db_path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT cluster_context FROM inventory_snapshots ORDER BY id")
        return sorted(row[0] for row in rows)


def test_every_matching_context_is_one_snapshot(run, kubeconfig, db_path):
    result = run("snapshot", "--kubeconfig", kubeconfig, "--contexts", "prod-e*",
                 "--contexts", "staging", "--db-path", db_path)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert contexts_stored(db_path) == ["prod-eu", "staging"]
    lines = result.stdout.splitlines()  # ids in the order the clusters finished
    assert sorted(line.split(": ", 1)[1] for line in lines) == [
        "context prod-eu, 45 CRDs, 7 operators, 1 CSV",
        "context staging, 45 CRDs, 7 operators, 1 CSV",
    ]
    progress = result.stderr.splitlines()
    assert len(progress) == 2  # a line per cluster on stderr
    assert all(line.startswith(("[1/2] ", "[2/2] ")) for line in progress), progress


def test_a_cluster_that_fails_is_named_and_the_others_are_stored(run, kubeconfig, db_path):
    result = run("snapshot", "--kubeconfig", kubeconfig, "--all-contexts", "-o", "json",
                 "--db-path", db_path)  # fmt: skip
    assert result.exit_code == 1
    assert contexts_stored(db_path) == ["prod-eu", "prod-us", "staging"]
    document = json.loads(result.stdout)
    assert document["kind"] == "FleetSnapshotResult"
    assert [s["context"] for s in document["snapshots"]] == [
        "prod-eu", "prod-us", "staging", "prod-gone"
    ]  # fmt: skip
    gone = document["snapshots"][3]
    assert gone["snapshot"] is None
    assert gone["error"] == f"cannot reach {UNREACHABLE} (context prod-gone): connection refused"
    assert document["failed"] == ["prod-gone"]
    assert "error: 1 of 4 contexts failed: prod-gone\n" in result.stderr
    assert "Traceback" not in result.stderr


def test_clusters_are_read_at_once_up_to_the_bound(run, servers, kubeconfig, db_path):
    """With room for two, two clusters' requests overlap in time; with room for one, every
    cluster is read after the previous one ended."""

    def spans() -> list[tuple[float, float]]:
        found = []
        for server in servers[:2]:
            times = [(r.received, r.received + r.elapsed) for r in server.requests]
            found.append((min(t[0] for t in times), max(t[1] for t in times)))
            server.requests.clear()
        return sorted(found)

    for at_once, overlapping in (("1", False), ("2", True)):
        result = run("snapshot", "--kubeconfig", kubeconfig, "--contexts", "prod-[eu][us]",
                     "--clusters-at-once", at_once, "-q", "--db-path", db_path)  # fmt: skip
        assert result.exit_code == 0, result.stderr
        (_, first_end), (second_start, _) = spans()
        assert (second_start < first_end) is overlapping, at_once


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--contexts", "nope-*"], "error: no kubeconfig context matches 'nope-*' (contexts: "
         "prod-eu, prod-us, staging, prod-gone)\n"),
    ],
)  # fmt: skip
def test_a_glob_that_matches_nothing_is_one_line_and_creates_nothing(
    run, kubeconfig, db_path, args, message
):
    result = run("snapshot", "--kubeconfig", kubeconfig, *args, "--db-path", db_path)
    assert (result.exit_code, result.stderr) == (1, message)
    assert not db_path.exists()


@pytest.mark.parametrize(
    ("other", "given"),
    [
        (["--context", "prod-eu"], "--context"),
        (["--from-dir", "examples"], "--from-dir/--from-file"),
    ],
)
def test_many_clusters_do_not_go_with_one(run, kubeconfig, db_path, monkeypatch, other, given):
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    result = run("snapshot", "--all-contexts", *other, "--db-path", db_path)
    assert (result.exit_code, result.stderr) == (
        2, f"error: --contexts and --all-contexts read many clusters; not with {given}\n"
    )  # fmt: skip
    assert not db_path.exists()


def test_nothing_stored_when_every_cluster_fails(run, tmp_path, db_path):
    config = write_fleet_kubeconfig(
        tmp_path / "config", {"a": UNREACHABLE, "b": UNREACHABLE}, token=TOKEN
    )
    result = run("snapshot", "--kubeconfig", config, "--all-contexts", "--db-path", db_path)
    assert result.exit_code == 1
    assert result.stderr.endswith("error: 2 of 2 contexts failed: a, b\n")
    assert not db_path.exists()

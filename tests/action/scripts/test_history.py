"""The action's history (action/datamodel_action/history.py): which artifact is the baseline,
its download (private file, bad archives named), and the check that it is a database the tool
wrote, which never changes it.
"""

from __future__ import annotations

import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from datamodel_action import history
from datamodel_action.github import GitHub
from datamodel_action.workflow import ActionError

from tests.support.actionsteps import ARTIFACT
from tests.support.fakegithub import FakeGitHub
from tests.support.paths import EXAMPLES

TOOL = str(Path(sys.executable).parent / "kubectl-datamodel")


@pytest.fixture(scope="module")
def real_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A history database made by the tool itself, as a snapshot step makes it."""
    path = tmp_path_factory.mktemp("history") / "inventory.db"
    subprocess.run(
        [TOOL, "snapshot", "--from-dir", "examples/cluster-v1/crds/cert-manager",
         "--context", "demo", "--db-path", str(path), "--quiet"],
        check=True, capture_output=True, cwd=EXAMPLES.parent,
    )  # fmt: skip
    return path


def test_latest_picks_the_newest_good_artifact_and_skips_the_rest(
    gh: FakeGitHub, api: GitHub
) -> None:
    db = {"inventory.db": b"x"}
    gh.add_artifact(ARTIFACT, db, run_id=1)  # good, but older
    good = gh.add_artifact(ARTIFACT, db, run_id=2)
    gh.add_artifact(ARTIFACT, db, run_id=3, expired=True)
    gh.add_artifact(ARTIFACT, db, run_id=4, conclusion="failure")
    gh.add_artifact(ARTIFACT, db, run_id=5, conclusion=None)  # still running
    gh.add_artifact(ARTIFACT, db, run_id=6, branch="feature")
    gh.add_artifact(ARTIFACT, db, run_id=7, head_repository_id=999)  # a fork's main
    gh.add_artifact("another-cluster-db", db, run_id=8)
    found = history.latest(api, ARTIFACT, "main")
    assert found is not None
    assert (found.id, found.name, found.run_id) == (good, ARTIFACT, 2)
    assert found.describe() == f"artifact {ARTIFACT} (id {good}, run 2)"


@pytest.mark.parametrize(
    "unusable",
    [
        {"expired": True},
        {"conclusion": "failure"},
        {"conclusion": "cancelled"},
        {"branch": "feature"},
        {"head_repository_id": 424242},
        {"name": "another-cluster-db"},
    ],
    ids=["expired", "failed", "cancelled", "other-branch", "fork", "other-name"],
)
def test_latest_is_none_when_nothing_qualifies(
    gh: FakeGitHub, api: GitHub, unusable: dict[str, object]
) -> None:
    options = dict(unusable)
    name = str(options.pop("name", ARTIFACT))
    gh.add_artifact(name, {"inventory.db": b"x"}, run_id=1, **options)  # type: ignore[arg-type]
    assert history.latest(api, ARTIFACT, "main") is None


def test_latest_is_none_without_artifacts(api: GitHub) -> None:
    assert history.latest(api, ARTIFACT, "main") is None


def test_latest_uses_the_default_branch_it_is_given(gh: FakeGitHub, api: GitHub) -> None:
    artifact = gh.add_artifact(ARTIFACT, {"inventory.db": b"x"}, run_id=1, branch="trunk")
    assert history.latest(api, ARTIFACT, "main") is None
    found = history.latest(api, ARTIFACT, "trunk")
    assert found is not None and found.id == artifact


def test_download_writes_the_database_readable_by_its_owner_only(
    gh: FakeGitHub, api: GitHub, tmp_path: Path
) -> None:
    gh.add_artifact(ARTIFACT, {"inventory.db": b"SQLite format 3\0..."}, run_id=1)
    artifact = history.latest(api, ARTIFACT, "main")
    assert artifact is not None
    target = tmp_path / "work" / "db" / "inventory.db"
    history.download(api, artifact, target)
    assert target.read_bytes() == b"SQLite format 3\0..."
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert gh.downloads[-1].authorization is None


def test_download_of_an_artifact_without_inventory_db_names_the_artifact(
    gh: FakeGitHub, api: GitHub, tmp_path: Path
) -> None:
    gh.add_artifact(ARTIFACT, {"report.json": b"{}"}, run_id=1)
    artifact = history.latest(api, ARTIFACT, "main")
    assert artifact is not None
    target = tmp_path / "inventory.db"
    with pytest.raises(ActionError) as caught:
        history.download(api, artifact, target)
    assert str(caught.value).startswith(f"artifact {ARTIFACT} (id {artifact.id}, run 1) has no ")
    assert "inventory.db" in str(caught.value)
    assert not target.exists()


def test_download_of_something_that_is_not_a_zip_names_the_artifact(
    gh: FakeGitHub, api: GitHub, tmp_path: Path
) -> None:
    gh.add_artifact(ARTIFACT, b"<html>not a zip</html>", run_id=1)
    artifact = history.latest(api, ARTIFACT, "main")
    assert artifact is not None
    target = tmp_path / "inventory.db"
    with pytest.raises(ActionError, match=f"artifact {ARTIFACT} .* is not a zip archive"):
        history.download(api, artifact, target)
    assert not target.exists()


def test_check_accepts_a_database_the_tool_wrote(real_database: Path) -> None:
    history.check(real_database, "artifact x")


def assert_rejected(path: Path, *expected: str) -> None:
    with pytest.raises(ActionError) as caught:
        history.check(path, "artifact kubectl-datamodel-db (id 1, run 2)")
    message = str(caught.value)
    assert message.startswith(
        f"artifact kubectl-datamodel-db (id 1, run 2): {path.name} is not a usable database"
    )
    assert "nothing was published" in message
    for text in expected:
        assert text in message


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_check_rejects_a_truncated_database(
    real_database: Path, tmp_path: Path, keep: float
) -> None:
    data = real_database.read_bytes()
    truncated = tmp_path / "inventory.db"
    truncated.write_bytes(data[: int(len(data) * keep)])
    assert_rejected(truncated)


def test_check_rejects_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "inventory.db"
    path.write_bytes(bytes(range(256)) * 64)
    assert_rejected(path)


def test_check_rejects_sqlite_without_the_snapshots_table(tmp_path: Path) -> None:
    path = tmp_path / "inventory.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.close()
    assert_rejected(path, "no inventory_snapshots table")


def test_check_does_not_change_the_database(real_database: Path, tmp_path: Path) -> None:
    copy = tmp_path / "inventory.db"
    shutil.copyfile(real_database, copy)
    history.check(copy, "x")
    assert copy.read_bytes() == real_database.read_bytes()

"""The history database carried from run to run as a workflow artifact.

Each scheduled run appends a snapshot to the database the last good run published. "Last good"
is the newest unexpired artifact of that name made on the default branch, by this repository
(not a fork whose branch happens to be called ``main``), in a run that succeeded. A database that
is not sound stops the run: publishing a fresh one in its place would make an empty history the
latest artifact.
"""

from __future__ import annotations

import io
import os
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datamodel_action import tool
from datamodel_action.github import GitHub
from datamodel_action.workflow import ActionError

DATABASE_FILE = "inventory.db"
#: The table every kubectl-datamodel database has (see docs/schema.md).
SNAPSHOTS_TABLE = "inventory_snapshots"
#: What an empty baseline is a snapshot of: one object that no snapshot records (a folder with
#: no Kubernetes object in it is refused as a mistake).
EMPTY_BASELINE_OBJECT = (
    "apiVersion: v1\nkind: ConfigMap\n"
    "metadata: {name: kubectl-datamodel-empty-baseline, namespace: default}\n"
)


@dataclass(frozen=True)
class Artifact:
    id: int
    name: str
    run_id: int

    def describe(self) -> str:
        return f"artifact {self.name} (id {self.id}, run {self.run_id})"


def latest(api: GitHub, name: str, branch: str) -> Artifact | None:
    """The artifact the next snapshot builds on, or None when there is none yet."""
    found = [
        item
        for item in api.pages(api.repo_path("actions/artifacts"), key="artifacts", name=name)
        if _candidate(item, name, branch)
    ]
    found.sort(key=lambda item: str(item.get("created_at", "")), reverse=True)
    for item in found:
        run_id = int(item["workflow_run"]["id"])
        run = api.get(api.repo_path(f"actions/runs/{run_id}"))
        if run.get("conclusion") == "success":
            return Artifact(int(item["id"]), name, run_id)
    return None


def _candidate(item: dict[str, Any], name: str, branch: str) -> bool:
    run = item.get("workflow_run") or {}
    return (
        item.get("name") == name
        and not item.get("expired")
        and run.get("head_branch") == branch
        and run.get("head_repository_id") == run.get("repository_id")
    )


def download(api: GitHub, artifact: Artifact, target: Path) -> None:
    """Write the artifact's database to ``target``, readable by its owner only."""
    data = api.download(api.repo_path(f"actions/artifacts/{artifact.id}/zip"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read(DATABASE_FILE)
    except KeyError:
        raise ActionError(
            f"{artifact.describe()} has no {DATABASE_FILE}: it was not published by this action"
        ) from None
    except zipfile.BadZipFile as exc:
        raise ActionError(f"{artifact.describe()} is not a zip archive ({exc})") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


def check(path: Path, origin: str) -> None:
    """Fail unless ``path`` is a sound SQLite file with kubectl-datamodel's tables in it.

    The tool checks its schema version itself when it opens the file; this catches what it
    would only meet later, such as a page damaged in a table no command has read yet.
    """
    try:
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        conn.close()
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    else:
        if verdict == "ok" and SNAPSHOTS_TABLE not in tables:
            verdict = f"no {SNAPSHOTS_TABLE} table: not a kubectl-datamodel database"
    if verdict != "ok":
        raise ActionError(
            f"{origin}: {path.name} is not a usable database ({verdict}); nothing was "
            "published, so the last good history stays the latest artifact"
        )


def empty_baseline(folder: Path, context: str) -> Path:
    """A database holding one empty snapshot of ``context``, in ``folder``: what a diff
    compares with when there is no history yet, so that everything reads as added. It is kept
    apart from the history database, so that nothing publishes it."""
    manifests = folder / "no-history-yet"
    manifests.mkdir(parents=True, exist_ok=True)
    (manifests / "baseline.yaml").write_text(EMPTY_BASELINE_OBJECT, encoding="utf-8")
    database = folder / "empty-baseline.db"
    database.unlink(missing_ok=True)
    tool.document(
        ["snapshot", "--from-dir", str(manifests), "--context", context, "--db-path",
         str(database), "--notes", "empty baseline: no history yet", "--quiet"],
        "SnapshotResult",
    )  # fmt: skip
    return database

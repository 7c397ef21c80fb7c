"""Unlucky moments: Ctrl-C right after a commit or while the CLI is still starting, and many
processes taking the first snapshot of a database that does not exist yet.

These run real processes and send real signals: the moments they test are between the
statements of the program, where nothing can be faked.
"""

from __future__ import annotations

import ast
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kubectl_datamodel.__main__
from kubectl_datamodel import interrupts
from kubectl_datamodel.store import database
from tests.support.paths import CLUSTER_V1

TINY = CLUSTER_V1 / "crds" / "argo-cd" / "application-crd.yaml"


def snapshots_in(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT id, cluster_context FROM inventory_snapshots"))


# -- Ctrl-C right after the commit --------------------------------------------------------------


def test_ctrl_c_the_moment_a_snapshot_commits_says_it_was_stored(run, stored_v1_v2, monkeypatch):
    """SIGINT sent by SQLite's own trace of the COMMIT statement: the interrupt lands after
    the snapshot is in the database, so the message must say so, never 'nothing written'."""
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        conn = connect(*args, **kwargs)

        def on_statement(statement: str) -> None:
            if statement.strip().upper() == "COMMIT":
                os.kill(os.getpid(), signal.SIGINT)

        conn.set_trace_callback(on_statement)
        return conn

    monkeypatch.setattr(database.sqlite3, "connect", traced)
    result = run("snapshot", "--from-file", TINY, "--context", "late", "--db-path", stored_v1_v2)

    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted after snapshot 3 (context late) was stored"
    assert (3, "late") in snapshots_in(stored_v1_v2)


def test_ctrl_c_before_any_write_says_nothing_was_written(run, stored_v1_v2, monkeypatch):

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(database.Store, "write_snapshot", interrupted)
    result = run("snapshot", "--from-file", TINY, "--db-path", stored_v1_v2)
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted; nothing was written"
    assert len(snapshots_in(stored_v1_v2)) == 2


def test_a_held_interrupt_is_raised_when_the_block_ends():
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)  # the signal is delivered, and held
        held_until_here = True
    assert held_until_here


# -- Ctrl-C while starting -----------------------------------------------------------------------

PACKAGE = str(Path(kubectl_datamodel.__file__).parent)


def before_our_code(stderr: str) -> bool:
    """A traceback without one frame of ours: the signal came while the interpreter itself was
    starting (site-packages, runpy looking for the package), which a busy machine can make
    last past the first signal. Nothing of ours had run to guard it."""
    frames = re.findall(r'File "([^"]+)"', stderr)
    return "Traceback" in stderr and not any(frame.startswith(PACKAGE) for frame in frames)


def test_main_imports_nothing_before_its_guard():
    """What __main__ imports as it loads runs before the guard in _cli: only what Python has
    loaded before it runs us (a Ctrl-C in an import of typing there was a traceback)."""
    tree = ast.parse(Path(kubectl_datamodel.__main__.__file__).read_text())
    imported = [
        alias.name if isinstance(node, ast.Import) else node.module
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert imported == ["__future__", "os", "sys"]


@pytest.mark.parametrize("command", [["--help"], ["database", "list"]])
def test_ctrl_c_while_the_cli_starts_is_one_line_and_exit_130(command, stored_v1_v2):
    """Sent at moments spread over start-up (imports of Typer and the root; for `database
    list`, of the command's module, pydantic and the store, as the command is looked up):
    each run ends with the one line and 130, or finishes, but never shows a traceback. (The
    first few milliseconds are the interpreter's own start, before any of our code runs.)"""
    interrupted = 0
    env = {**os.environ, "KUBECTL_DATAMODEL_DB": str(stored_v1_v2)}
    for delay in (0.03, 0.045, 0.06, 0.08, 0.1, 0.13, 0.17, 0.22):
        process = subprocess.Popen(
            [sys.executable, "-m", "kubectl_datamodel", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        if before_our_code(stderr):
            continue
        assert "Traceback" not in stderr
        if process.returncode == 130:
            interrupted += 1
            assert stderr.strip() == "interrupted; nothing was written"
        else:
            assert process.returncode in (0, -signal.SIGINT), stderr
    assert interrupted, "no interrupt landed while the CLI was starting"


# -- many first snapshots at once ----------------------------------------------------------------


@pytest.mark.parametrize("writers", [8])
def test_concurrent_first_snapshots_of_a_new_database_all_land(tmp_path, writers):
    """Every process finds no database, creates it and migrates it; the schema is created
    under the write lock, so no process sees a half-made one and every snapshot is stored."""
    path = tmp_path / "new" / "inventory.db"
    command = [sys.executable, "-m", "kubectl_datamodel", "snapshot", "-q", "--from-file", TINY]
    processes = [
        subprocess.Popen(
            [*command, "--context", f"c{i}", "--db-path", path],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(writers)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    assert results == [(0, "")] * writers
    assert sorted(c for _, c in snapshots_in(path)) == sorted(f"c{i}" for i in range(writers))

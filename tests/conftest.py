"""Shared fixtures: a temporary database, the CLI run in-process, the example clusters captured
and stored once per session, and every change the real upgrades give. The paths to the data
are in tests/support/paths.py."""

from __future__ import annotations

import dataclasses
import shutil
import signal
from pathlib import Path

import pytest

from kubectl_datamodel import cli, model, store
from kubectl_datamodel.capture import files
from kubectl_datamodel.drift import changes
from kubectl_datamodel.options import CaptureOptions
from tests.support import upgrades
from tests.support.paths import CLUSTER_V1, CLUSTER_V2


@dataclasses.dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database path in a folder that does not exist yet."""
    return tmp_path / "state" / "inventory.db"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may read or write the user's real database or see their terminal settings."""
    monkeypatch.delenv("KUBECTL_DATAMODEL_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """Run `kubectl datamodel ARGS...` in-process through the real entry point."""

    def runner(*args: str | Path) -> Result:
        code = cli.run([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return runner


@pytest.fixture(scope="session")
def _v1_v2_template(
    tmp_path_factory: pytest.TempPathFactory,
    captured_v1: model.Snapshot,
    captured_v2: model.Snapshot,
) -> Path:
    """Built once per session: parsing the examples is the slow part of most tests."""
    path = tmp_path_factory.mktemp("template") / "inventory.db"
    with store.open_store(path, create=True) as db:
        db.write_snapshot(
            dataclasses.replace(captured_v1, cluster_context="demo", notes="baseline")
        )
        db.write_snapshot(
            dataclasses.replace(captured_v2, cluster_context="demo", notes="after upgrade")
        )
    return path


@pytest.fixture
def stored_v1_v2(_v1_v2_template: Path, db_path: Path) -> Path:
    """A database holding cluster-v1 (snapshot 1) and cluster-v2 (snapshot 2) as context demo."""
    db_path.parent.mkdir(mode=0o700)
    shutil.copyfile(_v1_v2_template, db_path)
    return db_path


@pytest.fixture(scope="session")
def captured_v1() -> model.Snapshot:
    return files.capture(CaptureOptions(from_dirs=(CLUSTER_V1,))).snapshot


@pytest.fixture(scope="session")
def captured_v2() -> model.Snapshot:
    return files.capture(CaptureOptions(from_dirs=(CLUSTER_V2,))).snapshot


@pytest.fixture(scope="session")
def real_changes(
    captured_v1: model.Snapshot, captured_v2: model.Snapshot
) -> tuple[changes.Change, ...]:
    """Every change the real upgrades in the tests' data produce, both ways
    (``upgrades.every_change``)."""
    return tuple(upgrades.every_change(captured_v1, captured_v2))


@pytest.fixture(scope="session", autouse=True)
def _children_see_ctrl_c() -> None:
    """A run started as a background job (CI, `.ci/run &`) ignores SIGINT, and children inherit
    an ignored signal through exec: the Ctrl-C tests' children would never see theirs. With
    Python's own handler installed here, children start with the default disposition."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)

"""The stand-in for actions/upload-artifact behaves as the real one does where the action
relies on it: one name twice in one run is a 409 unless ``overwrite`` is true."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.actrunner import UPLOAD_SCRIPT


def upload(tmp_path: Path, name: str, *, overwrite: str, run_id: str = "5") -> str:
    output = tmp_path / "github-output"
    env = {
        "PATH": os.environ["PATH"],
        "KDM_TEST_UPLOADS": str(tmp_path / "uploads"),
        "GITHUB_RUN_ID": run_id,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "owner/repo",
        "GITHUB_OUTPUT": str(output),
        "NAME": name,
        "FILES": str(tmp_path / "report"),
        "RETENTION": "",
        "MISSING": "error",
        "OVERWRITE": overwrite,
    }
    result = subprocess.run(
        ["bash", "-c", UPLOAD_SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(result.stdout + result.stderr)
    return output.read_text()


@pytest.fixture(autouse=True)
def report(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "drift.json").write_text("{}")


def test_one_name_twice_in_one_run_needs_overwrite(tmp_path: Path) -> None:
    first = upload(tmp_path, "db", overwrite="false")
    assert "artifact-url=https://github.com/owner/repo/actions/runs/5/artifacts/9001" in first
    with pytest.raises(AssertionError, match=r"\(409\) Conflict"):
        upload(tmp_path, "db", overwrite="false")
    upload(tmp_path, "db", overwrite="true")
    upload(tmp_path, "db", overwrite="false", run_id="6")  # another run: no conflict
    assert (tmp_path / "uploads" / "db" / "drift.json").read_text() == "{}"

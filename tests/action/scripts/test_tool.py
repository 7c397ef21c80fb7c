"""The action's tool runner (action/datamodel_action/tool.py): the CLI's stdout returned and its
stderr logged, failures reported by the tool's last line, and JSON documents checked for kind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from datamodel_action import tool
from datamodel_action.workflow import ActionError


@pytest.fixture
def fake_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A `kubectl-datamodel` shell script first on PATH; returns a function that sets what it
    prints and its exit status, and the file where it records its arguments."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    script = folder / "kubectl-datamodel"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{folder}/args"\n'
        f'cat "{folder}/stdout"\n'
        f'cat "{folder}/stderr" >&2\n'
        f'exit "$(cat "{folder}/status")"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")

    def configure(stdout: str = "", stderr: str = "", status: int = 0) -> Path:
        (folder / "stdout").write_text(stdout)
        (folder / "stderr").write_text(stderr)
        (folder / "status").write_text(str(status))
        return folder / "args"

    return configure


def test_run_returns_stdout_and_passes_stderr_to_the_log(
    fake_tool, capsys: pytest.CaptureFixture[str]
) -> None:
    args = fake_tool(stdout="kubectl-datamodel 0.2.0\n", stderr="progress\n")
    assert tool.run(["--version"]) == "kubectl-datamodel 0.2.0\n"
    assert args.read_text() == "--version\n"
    assert "progress" in capsys.readouterr().err


def test_run_failure_reports_the_tools_last_line_without_error_prefix(fake_tool) -> None:
    fake_tool(stderr="reading crds\nerror: snapshot 9 does not exist\n", status=2)
    with pytest.raises(ActionError) as caught:
        tool.run(["diff", "9", "latest"])
    assert str(caught.value) == "kubectl datamodel diff: snapshot 9 does not exist"


def test_run_failure_without_stderr_reports_the_exit_status(fake_tool) -> None:
    fake_tool(status=7)
    with pytest.raises(ActionError, match=r"^kubectl datamodel snapshot: exit status 7$"):
        tool.run(["snapshot"])


def test_run_accepts_the_findings_status_only_when_asked(fake_tool) -> None:
    fake_tool(
        stdout='{"kind": "DriftReport"}', stderr="error: drift at or above breaking\n", status=3
    )
    assert tool.run(["diff"], findings_ok=True) == '{"kind": "DriftReport"}'
    with pytest.raises(ActionError, match=r"^kubectl datamodel diff: drift at or above breaking$"):
        tool.run(["diff"])


def test_run_without_the_tool_on_path_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ActionError, match="kubectl-datamodel is not on PATH"):
        tool.run(["--version"])


def test_document_asks_for_json_and_returns_it(fake_tool) -> None:
    args = fake_tool(stdout='{"kind": "SnapshotList", "items": [{"id": 1}]}')
    listing = tool.document(["database", "list"], "SnapshotList")
    assert listing["items"] == [{"id": 1}]
    assert args.read_text().splitlines() == ["database", "list", "-o", "json"]


def test_document_rejects_output_that_is_not_json(fake_tool) -> None:
    fake_tool(stdout="ID  TIMESTAMP\n1   2024-05-01\n")
    with pytest.raises(ActionError, match=r"^kubectl datamodel database: output is not JSON"):
        tool.document(["database", "list"], "SnapshotList")


@pytest.mark.parametrize("stdout", ['{"kind": "SnapshotResult"}', "[]", '{"items": []}'])
def test_document_rejects_the_wrong_kind(fake_tool, stdout: str) -> None:
    fake_tool(stdout=stdout)
    with pytest.raises(ActionError, match=r"^kubectl datamodel database: expected a SnapshotList"):
        tool.document(["database", "list"], "SnapshotList")


def test_document_passes_findings_ok_through(fake_tool) -> None:
    fake_tool(stdout='{"kind": "DriftReport"}', status=3)
    assert tool.document(["diff"], "DriftReport", findings_ok=True) == {"kind": "DriftReport"}
    with pytest.raises(ActionError):
        tool.document(["diff"], "DriftReport")

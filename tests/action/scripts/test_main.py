"""The action's entry point (action/main.py) run as the runner starts it, one step at a time:
one error and no traceback on bad input, the check, cleanup and kubeconfig steps.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.actionsteps import ARTIFACT, runner_file_values
from tests.support.paths import ROOT

ACTION = ROOT / "action"


def run_main(step: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "github-output"),
        **variables,
    }
    return subprocess.run(
        [sys.executable, str(ACTION / "main.py"), step],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def assert_one_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error::")]
    assert len(errors) == 1, result.stdout
    assert "::" not in result.stdout.replace(errors[0], "")
    assert "Traceback" not in result.stdout + result.stderr
    for text in expected:
        assert text in errors[0]
    return errors[0]


def test_main_with_an_unknown_mode_prints_one_error_and_no_traceback(tmp_path: Path) -> None:
    result = run_main("check", tmp_path, INPUT_MODE="apply")
    line = assert_one_error(result, "input mode", "'apply'", "snapshot, diff")
    assert line == "::error::input mode: 'apply' is not one of snapshot, diff, comment"


def test_main_with_an_unknown_step_prints_usage(tmp_path: Path) -> None:
    assert_one_error(run_main("deploy", tmp_path), "usage: main.py {check,install,")


def test_main_check_reports_a_missing_kubeconfig(tmp_path: Path) -> None:
    assert_one_error(run_main("check", tmp_path), "input kubeconfig:")


def test_main_check_passes_in_manifests_mode(tmp_path: Path) -> None:
    (tmp_path / "crds").mkdir()
    result = run_main("check", tmp_path, INPUT_MANIFESTS="crds")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("mode snapshot, reading manifests ")


def test_main_cleanup_removes_the_kubeconfig_even_with_invalid_inputs(tmp_path: Path) -> None:
    secrets = tmp_path / "runner-temp" / "kubectl-datamodel-kubeconfig"
    (secrets / "prod-db").mkdir(parents=True)
    (secrets / "prod-db" / "config").write_text("token: secret\n")
    (secrets / "other-db").mkdir()
    (secrets / "other-db" / "config").write_text("token: other\n")
    result = run_main(
        "cleanup",
        tmp_path,
        INPUT_DATABASE_ARTIFACT=" prod-db ",
        INPUT_MODE="apply",
        INPUT_RETENTION_DAYS="abc",
        INPUT_VERSION="1.0; rm",
        INPUT_MANIFESTS="missing",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (secrets / "prod-db").exists()
    assert (secrets / "other-db" / "config").exists()  # another use of the action in the job
    assert "::error::" not in result.stdout


def test_main_cleanup_uses_the_default_artifact_name(tmp_path: Path) -> None:
    folder = tmp_path / "runner-temp" / "kubectl-datamodel-kubeconfig" / ARTIFACT
    folder.mkdir(parents=True)
    (folder / "config").write_text("x")
    assert run_main("cleanup", tmp_path).returncode == 0
    assert not folder.exists()


@pytest.mark.parametrize("artifact", ["..", "../..", "."])
def test_main_cleanup_never_removes_anything_outside_its_own_folder(
    tmp_path: Path, artifact: str
) -> None:
    """`database-artifact: ..` passes inputs.read, and cleanup must still stay inside
    $RUNNER_TEMP/kubectl-datamodel-kubeconfig/<name>/."""
    temp = tmp_path / "runner-temp"
    (temp / "kubectl-datamodel-kubeconfig" / "other-db").mkdir(parents=True)
    (temp / "kubectl-datamodel-kubeconfig" / "other-db" / "config").write_text("x")
    (temp / "another-actions-file").write_text("keep me")
    (tmp_path / "next-to-runner-temp").write_text("keep me")
    run_main("cleanup", tmp_path, INPUT_DATABASE_ARTIFACT=artifact)
    assert (temp / "another-actions-file").exists()
    assert (tmp_path / "next-to-runner-temp").exists()
    assert (temp / "kubectl-datamodel-kubeconfig" / "other-db" / "config").exists()


def test_main_kubeconfig_writes_a_private_file_and_sets_the_path_output(tmp_path: Path) -> None:
    kubeconfig = "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user: {token: s3cr3t}\n"
    result = run_main("kubeconfig", tmp_path, INPUT_KUBECONFIG=kubeconfig)
    assert result.returncode == 0, result.stdout + result.stderr
    path = tmp_path / "runner-temp" / "kubectl-datamodel-kubeconfig" / ARTIFACT / "config"
    assert runner_file_values(tmp_path / "github-output") == {"path": str(path)}
    assert path.read_text() == kubeconfig
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "s3cr3t" not in result.stdout + result.stderr


def test_main_kubeconfig_keeps_two_uses_of_the_action_apart(tmp_path: Path) -> None:
    for name in ("prod-db", "staging-db"):
        result = run_main(
            "kubeconfig", tmp_path, INPUT_KUBECONFIG=f"# {name}\n", INPUT_DATABASE_ARTIFACT=name
        )
        assert result.returncode == 0, result.stdout + result.stderr
    paths = [
        line
        for line in (tmp_path / "github-output").read_text().splitlines()
        if line.startswith("/")
    ]
    assert len(set(paths)) == 2
    assert [Path(p).read_text() for p in paths] == ["# prod-db\n", "# staging-db\n"]

"""The action's install step (action/datamodel_action/install.py): the source digest that keys a
built virtualenv, reusing one that is complete, and rebuilding one that is half built.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from datamodel_action import install
from datamodel_action.workflow import ActionError


def source_tree(root: Path) -> Path:
    (root / "kubectl_datamodel" / "cli").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "kubectl-datamodel"\n')
    (root / "kubectl_datamodel" / "__init__.py").write_text('__version__ = "0.1"\n')
    (root / "kubectl_datamodel" / "x.py").write_text("X = 1\n")
    (root / "kubectl_datamodel" / "cli" / "main.py").write_text("def main(): ...\n")
    return root


def test_source_digest_is_stable_and_independent_of_the_checkout_location(tmp_path: Path) -> None:
    one = source_tree(tmp_path / "one")
    two = source_tree(tmp_path / "two")
    digest = install.source_digest(one)
    assert digest == install.source_digest(one)
    assert digest == install.source_digest(two)
    assert len(digest) == 16


def test_source_digest_ignores_pycache_and_files_outside_the_package(tmp_path: Path) -> None:
    source = source_tree(tmp_path / "src")
    before = install.source_digest(source)
    cache = source / "kubectl_datamodel" / "__pycache__"
    cache.mkdir()
    (cache / "x.cpython-311.pyc").write_bytes(b"\x00compiled")
    (source / "kubectl_datamodel" / "cli" / "__pycache__").mkdir()
    (source / "kubectl_datamodel" / "cli" / "__pycache__" / "main.pyc").write_bytes(b"\x01")
    (source / "README.md").write_text("docs\n")
    (source / "tests").mkdir()
    (source / "tests" / "test_x.py").write_text("def test(): ...\n")
    assert install.source_digest(source) == before


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: (s / "kubectl_datamodel" / "x.py").write_text("X = 2\n"),
        lambda s: (s / "kubectl_datamodel" / "cli" / "main.py").write_text("def main(): 1\n"),
        lambda s: (s / "kubectl_datamodel" / "y.py").write_text("Y = 1\n"),
        lambda s: (s / "kubectl_datamodel" / "x.py").rename(s / "kubectl_datamodel" / "z.py"),
        lambda s: (s / "pyproject.toml").write_text('[project]\nname = "other"\n'),
    ],
    ids=["edit", "edit-subpackage", "add", "rename", "pyproject"],
)
def test_source_digest_changes_when_the_package_changes(tmp_path: Path, edit) -> None:
    source = source_tree(tmp_path / "src")
    before = install.source_digest(source)
    edit(source)
    assert install.source_digest(source) != before


@pytest.fixture
def no_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **_kwargs: object) -> None:
        raise AssertionError(f"nothing should run here: {args}")

    monkeypatch.setattr(install.subprocess, "run", refuse)


@pytest.mark.usefixtures("no_subprocess")
def test_install_reuses_a_built_source_virtualenv(tmp_path: Path) -> None:
    source = source_tree(tmp_path / "action-checkout")
    cache = tmp_path / "tool-cache"
    venv = cache / "kubectl-datamodel" / f"source-{install.source_digest(source)}"
    venv.mkdir(parents=True)
    (venv / ".installed").touch()
    assert install.install("", source, cache) == venv / "bin"


@pytest.mark.usefixtures("no_subprocess")
def test_install_reuses_a_built_release_virtualenv(tmp_path: Path) -> None:
    cache = tmp_path / "tool-cache"
    venv = cache / "kubectl-datamodel" / "0.2.0"
    venv.mkdir(parents=True)
    (venv / ".installed").touch()
    assert install.install("0.2.0", tmp_path / "unused", cache) == venv / "bin"


def test_install_rebuilds_a_half_built_virtualenv_and_reports_pips_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "tool-cache"
    venv = cache / "kubectl-datamodel" / "9.9.9"
    venv.mkdir(parents=True)
    (venv / "leftover").write_text("from an interrupted run")  # no .installed marker
    commands: list[list[str]] = []

    def fake_run(command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        if "pip" not in command:
            return subprocess.CompletedProcess(command, 0, "", "")
        stderr = "Looking in indexes\nERROR: No matching distribution found for x==9.9.9\n"
        return subprocess.CompletedProcess(command, 1, "", stderr)

    monkeypatch.setattr(install.subprocess, "run", fake_run)
    with pytest.raises(ActionError) as caught:
        install.install("9.9.9", tmp_path, cache)
    assert str(caught.value) == (
        "could not pip install kubectl-datamodel==9.9.9: "
        "ERROR: No matching distribution found for x==9.9.9"
    )
    assert commands[0] == [sys.executable, "-m", "venv", str(venv)]
    assert not (venv / "leftover").exists()
    assert not (venv / ".installed").exists()
    assert "No matching distribution" in capsys.readouterr().err  # the full log, for debugging

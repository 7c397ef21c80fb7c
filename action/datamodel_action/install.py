"""Install kubectl-datamodel into a virtualenv of its own, once per version.

The virtualenv lives in the runner's tool cache keyed by what it holds: a release number, or a
digest of the action's own source tree. Hosted runners start empty, so nothing changes there;
self-hosted runners (and repeated local runs) skip the install when the key is already built.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from datamodel_action.workflow import ActionError

PACKAGE = "kubectl-datamodel"
MINIMUM_PYTHON = (3, 10)
#: What decides the installed code when installing from the action's own checkout.
SOURCE_FILES = ("pyproject.toml", "kubectl_datamodel/**/*")
READY = ".installed"


def install(version: str, source: Path, tool_cache: Path) -> Path:
    """The folder holding the ``kubectl-datamodel`` command: release ``version`` from PyPI,
    or the source tree at ``source`` when no version is given."""
    if sys.version_info < MINIMUM_PYTHON:
        found = ".".join(map(str, sys.version_info[:3]))
        needed = ".".join(map(str, MINIMUM_PYTHON))
        raise ActionError(
            f"kubectl-datamodel needs Python {needed} or later on the runner, found {found}; "
            "add actions/setup-python before this action"
        )
    if version:
        requirement, key = f"{PACKAGE}=={version}", version
    else:
        requirement, key = str(source), f"source-{source_digest(source)}"
    venv = tool_cache / PACKAGE / key
    if not (venv / READY).exists():
        _build(venv, requirement)
    return venv / ("Scripts" if sys.platform == "win32" else "bin")


def source_digest(source: Path) -> str:
    """A short hash of the files that make up the package in ``source``."""
    digest = hashlib.sha256()
    files = sorted(
        path
        for pattern in SOURCE_FILES
        for path in source.glob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    )
    for path in files:
        digest.update(path.relative_to(source).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _build(venv: Path, requirement: str) -> None:
    shutil.rmtree(venv, ignore_errors=True)  # a half-built one from an interrupted run
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    _run([sys.executable, "-m", "venv", str(venv)], "create a virtualenv")
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet"]
    _run([*pip, "install", requirement], f"pip install {requirement}")
    (venv / READY).touch()


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise ActionError(f"could not {what}: {last}")

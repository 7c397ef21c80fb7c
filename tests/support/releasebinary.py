"""The release archive scripts/build-binary.py makes for this machine, of this checkout.

Freezing the CLI with PyInstaller takes a minute or two, so the archive is built once per source
(install.source_digest: pyproject.toml and the package) and kept in
``$XDG_CACHE_HOME/kubectl-datamodel/test-binary/<digest>/``; a later session of the same source
finds it there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from datamodel_action import install

from tests.support.paths import ROOT

BUILD_TIMEOUT = 900
#: Read when the tests are collected: each test runs with a HOME of its own (tests/conftest.py).
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kubectl-datamodel"


def cache_folder() -> Path:
    return CACHE / "test-binary" / install.source_digest(ROOT)


def release_archive() -> Path:
    """This checkout's archive for this machine, built if no session built it yet."""
    folder = cache_folder()
    found = sorted(folder.glob(f"{install.PACKAGE}_*"))
    if found:
        return found[0]
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as scratch:
        out = Path(scratch) / "dist"
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "build-binary.py"), "--out", str(out),
             "--work", str(Path(scratch) / "work")],
            check=True, capture_output=True, timeout=BUILD_TIMEOUT,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
        out.replace(folder)  # whole, or not at all
    return sorted(folder.glob(f"{install.PACKAGE}_*"))[0]

"""The action's install step (action/datamodel_action/install.py): the release binary downloaded,
checked against SHA256SUMS and cached (a mismatch fails in one line, a cache hit downloads
nothing), used for the action's own checkout only when built from the same source; and the
fallback from source: a virtualenv pinned by hashes, keyed by the source digest, reused when
complete and rebuilt when half built.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from datamodel_action import install
from datamodel_action.workflow import ActionError

from tests.support.releaseserver import ReleaseServer

VERSION = "0.3.0"
LINUX = {"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"}
ARCHIVE = f"kubectl-datamodel_{VERSION}_linux_amd64.tar.gz"


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


def fake_archive(script: str = "echo kubectl-datamodel 0.3.0", extra: str | None = None) -> bytes:
    """A release archive as build-binary.py lays it out: one kubectl-datamodel/ folder."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, mode, data in [
            ("kubectl-datamodel", 0o755, None),
            ("kubectl-datamodel/kubectl-datamodel", 0o755, f"#!/bin/sh\n{script}\n".encode()),
            ("kubectl-datamodel/LICENSE", 0o644, b"Apache-2.0\n"),
            *([(extra, 0o644, b"x")] if extra else []),
        ]:
            info = tarfile.TarInfo(name)
            info.mode = mode
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def releases() -> Iterator[ReleaseServer]:
    with ReleaseServer() as server:
        yield server


def env(releases: ReleaseServer, **more: str) -> dict[str, str]:
    return {**LINUX, "KUBECTL_DATAMODEL_RELEASES_URL": releases.url, **more}


@pytest.fixture
def no_source_install(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records falling back to the source instead of building a virtualenv."""
    calls: list[str] = []

    def from_source(version: str, _source: Path, tool_cache: Path) -> tuple[Path, str]:
        calls.append(version or "checkout")
        return tool_cache / "from-source", "from source"

    monkeypatch.setattr(install, "from_source", from_source)
    return calls


def test_the_release_binary_is_checked_cached_and_then_not_downloaded_again(
    tmp_path: Path, releases: ReleaseServer
) -> None:
    releases.publish(VERSION, {ARCHIVE: fake_archive(), "other_windows.zip": b"zip"})
    cache = tmp_path / "tool-cache"
    first = install.install(VERSION, tmp_path / "unused", cache, env(releases))
    assert first.folder == cache / "kubectl-datamodel" / VERSION / "amd64" / "kubectl-datamodel"
    assert first.how.startswith(f"release binary {VERSION} (linux/amd64), 0 MB downloaded in ")
    assert (cache / "kubectl-datamodel" / VERSION / "amd64.complete").exists()
    command = first.folder / "kubectl-datamodel"
    assert os.access(command, os.X_OK)
    result = subprocess.run([str(command)], capture_output=True, text=True, check=True)
    assert result.stdout == "kubectl-datamodel 0.3.0\n"
    assert releases.downloads() == ["SHA256SUMS", ARCHIVE]  # no SOURCE-DIGEST: version given

    again = install.install(VERSION, tmp_path / "unused", cache, env(releases))
    assert again.folder == first.folder
    assert "from the tool cache" in again.how
    assert releases.downloads() == ["SHA256SUMS", ARCHIVE]  # a cache hit downloads nothing


def test_a_checksum_mismatch_fails_in_one_line_and_installs_nothing(
    tmp_path: Path, releases: ReleaseServer, no_source_install: list[str]
) -> None:
    releases.publish(VERSION, {ARCHIVE: fake_archive()}, checksums={ARCHIVE: "0" * 64})
    cache = tmp_path / "tool-cache"
    with pytest.raises(ActionError) as caught:
        install.install(VERSION, tmp_path, cache, env(releases))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{ARCHIVE} does not match the release's SHA256SUMS (sha256 ")
    assert message.endswith(f"expected {'0' * 64}): not installed")
    assert no_source_install == []  # a bad download is never a reason to try something else
    assert not (cache / "kubectl-datamodel" / VERSION).exists()


def test_no_release_or_no_archive_for_this_platform_falls_back_to_the_source(
    tmp_path: Path, releases: ReleaseServer, no_source_install: list[str]
) -> None:
    installed = install.install(VERSION, tmp_path, tmp_path / "cache", env(releases))
    assert installed.how.startswith("from source")
    releases.publish(VERSION, {ARCHIVE: fake_archive()})
    arm = env(releases, RUNNER_ARCH="ARM64")
    install.install(VERSION, tmp_path, tmp_path / "cache", arm)
    unknown = env(releases, RUNNER_OS="Plan9")
    install.install(VERSION, tmp_path, tmp_path / "cache", unknown)
    assert no_source_install == [VERSION, VERSION, VERSION]


def test_the_checkout_uses_its_versions_binary_only_when_built_from_the_same_source(
    tmp_path: Path, releases: ReleaseServer, no_source_install: list[str]
) -> None:
    """A branch between releases carries the last release's version, not its code."""
    checkout = source_tree(tmp_path / "checkout")
    (checkout / "kubectl_datamodel" / "__init__.py").write_text(f'__version__ = "{VERSION}"\n')
    releases.publish(VERSION, {ARCHIVE: fake_archive()}, source_digest="0123456789abcdef")
    cache = tmp_path / "cache"
    install.install("", checkout, cache, env(releases))
    assert no_source_install == ["checkout"]

    releases.publish(
        VERSION, {ARCHIVE: fake_archive()}, source_digest=install.source_digest(checkout)
    )
    installed = install.install("", checkout, cache, env(releases))
    assert installed.how.startswith(f"release binary {VERSION}")
    assert releases.downloads()[-3:] == ["SOURCE-DIGEST", "SHA256SUMS", ARCHIVE]
    again = install.install("", checkout, cache, env(releases))
    assert "from the tool cache" in again.how
    assert releases.downloads()[-1] == ARCHIVE  # not even SOURCE-DIGEST: it is recorded


@pytest.mark.parametrize("entry", ["../escape", "kubectl-datamodel/../../escape", "/etc/x"])
def test_an_archive_entry_outside_its_folder_is_refused(
    tmp_path: Path, releases: ReleaseServer, entry: str
) -> None:
    releases.publish(VERSION, {ARCHIVE: fake_archive(extra=entry)})
    with pytest.raises(ActionError, match="points outside it: not installed"):
        install.install(VERSION, tmp_path, tmp_path / "cache", env(releases))
    assert not (tmp_path / "escape").exists()


def test_the_checkouts_version_is_read_from_the_package(tmp_path: Path) -> None:
    checkout = source_tree(tmp_path / "checkout")
    assert install.checkout_version(checkout) == "0.1"
    (checkout / "kubectl_datamodel" / "__init__.py").write_text("VERSION = 1\n")
    with pytest.raises(ActionError, match="has no __version__"):
        install.checkout_version(checkout)


@pytest.mark.parametrize(
    ("runner", "expected"),
    [
        ({"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"}, ("linux", "amd64")),
        ({"RUNNER_OS": "Linux", "RUNNER_ARCH": "ARM64"}, ("linux", "arm64")),
        ({"RUNNER_OS": "macOS", "RUNNER_ARCH": "ARM64"}, ("darwin", "arm64")),
        ({"RUNNER_OS": "Windows", "RUNNER_ARCH": "X64"}, ("windows", "amd64")),
    ],
)
def test_the_runners_platform_in_the_releases_spelling(runner, expected) -> None:
    assert install.target(runner) == expected
    assert install.archive_name("1.0.0", *expected).endswith(
        ".zip" if expected[0] == "windows" else ".tar.gz"
    )


# -- from source ----------------------------------------------------------------------------


@pytest.fixture
def no_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **_kwargs: object) -> None:
        raise AssertionError(f"nothing should run here: {args}")

    monkeypatch.setattr(install.subprocess, "run", refuse)


@pytest.mark.usefixtures("no_subprocess")
def test_a_built_source_virtualenv_is_reused(tmp_path: Path) -> None:
    source = source_tree(tmp_path / "action-checkout")
    cache = tmp_path / "tool-cache"
    venv = cache / "kubectl-datamodel" / f"source-{install.source_digest(source)}"
    venv.mkdir(parents=True)
    (venv / ".installed").touch()
    assert install.from_source("", source, cache)[0] == venv / "bin"


@pytest.mark.usefixtures("no_subprocess")
def test_a_built_release_virtualenv_is_reused(tmp_path: Path) -> None:
    cache = tmp_path / "tool-cache"
    venv = cache / "kubectl-datamodel" / "pypi-0.2.0"
    venv.mkdir(parents=True)
    (venv / ".installed").touch()
    assert install.from_source("0.2.0", tmp_path / "unused", cache)[0] == venv / "bin"


def test_the_source_install_is_pinned_by_hashes_and_offline_for_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = source_tree(tmp_path / "checkout")
    commands: list[list[str]] = []

    def fake_run(command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        if command[1:3] == ["-m", "venv"]:
            Path(command[-1]).mkdir(parents=True)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(install.subprocess, "run", fake_run)
    install.from_source("", source, tmp_path / "cache")
    pins, package, check = (c[c.index("install") if "install" in c else -1 :] for c in commands[1:])
    assert pins == [
        "install",
        "--require-hashes",
        "--no-deps",
        "-r",
        str(source / "action" / "requirements.lock"),
    ]
    assert package == ["install", "--no-deps", "--no-index", "--no-build-isolation", str(source)]
    assert check == ["check"]


def test_a_half_built_virtualenv_is_rebuilt_and_pips_last_line_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "tool-cache"
    venv = cache / "kubectl-datamodel" / "pypi-9.9.9"
    venv.mkdir(parents=True)
    (venv / "leftover").write_text("from an interrupted run")  # no .installed marker
    commands: list[list[str]] = []

    def fake_run(command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        if "kubectl-datamodel==9.9.9" not in command:
            return subprocess.CompletedProcess(command, 0, "", "")
        stderr = "Looking in indexes\nERROR: No matching distribution found for x==9.9.9\n"
        return subprocess.CompletedProcess(command, 1, "", stderr)

    monkeypatch.setattr(install.subprocess, "run", fake_run)
    with pytest.raises(ActionError) as caught:
        install.from_source("9.9.9", tmp_path, cache)
    assert str(caught.value) == (
        "could not pip install kubectl-datamodel==9.9.9: "
        "ERROR: No matching distribution found for x==9.9.9"
    )
    assert commands[0] == [sys.executable, "-m", "venv", str(venv)]
    assert not (venv / "leftover").exists()
    assert not (venv / ".installed").exists()
    assert "No matching distribution" in capsys.readouterr().err  # the full log, for debugging


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    """action/requirements.lock (uv pip compile --universal --generate-hashes): each of the
    package's dependencies, and setuptools to build it, pinned to a version with hashes."""
    from tests.support.paths import ROOT

    lock = (ROOT / "action" / "requirements.lock").read_text()
    pinned = {
        line.split("==")[0].lower().replace("_", "-").replace(".", "-")
        for line in lock.splitlines()
        if "==" in line and not line.startswith((" ", "#"))
    }
    project = (ROOT / "pyproject.toml").read_text()
    block = project.split("\ndependencies = [", 1)[1].split("\n]", 1)[0]  # no tomllib on 3.10
    names = {
        re.match(r'\s*"([A-Za-z0-9._-]+)', line)[1].lower().replace(".", "-")  # type: ignore[index]
        for line in block.splitlines()
        if line.strip().startswith('"')
    }
    assert "kubernetes" in names and "ruamel-yaml" in names
    assert names | {"setuptools"} <= pinned
    blocks = lock.split("\n\n")
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)

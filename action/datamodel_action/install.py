"""Install kubectl-datamodel: the release's binary when there is one, else from source.

**The binary** (the default): the PyInstaller archive the release workflow publishes for the
runner's os/arch, from the GitHub release of the action's own version (or the ``version``
input), checked against the release's ``SHA256SUMS`` and unpacked into the runner's tool cache
(``$RUNNER_TOOL_CACHE/kubectl-datamodel/<version>/<arch>``, complete once ``<arch>.complete``
is beside it, as @actions/tool-cache lays it out). A cached one is used without a download. A
checksum that does not match stops the run: it is never a reason to try something else.

The action's own checkout uses its release's binary only when the release was built from the
same source (the release publishes the digest of its source as ``SOURCE-DIGEST``): a branch
between releases carries the version of the last one, but not its code.

**From source**, when there is no binary to use (no release, no archive for this platform, a
branch between releases): a virtualenv of its own with the dependencies pinned and hashed in
``action/requirements.lock`` (``pip --require-hashes``), then the package from the checkout,
built offline; or, with ``version``, that release from PyPI on the same pinned dependencies.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from datamodel_action.workflow import ActionError

PACKAGE = "kubectl-datamodel"
MINIMUM_PYTHON = (3, 10)
#: What decides the installed code when installing from the action's own checkout.
SOURCE_FILES = ("pyproject.toml", "kubectl_datamodel/**/*")
READY = ".installed"
#: Where releases are downloaded from; the environment variable points tests elsewhere.
RELEASES_URL = "https://github.com/kubectl-datamodel/kubectl-datamodel/releases/download"
RELEASES_VARIABLE = "KUBECTL_DATAMODEL_RELEASES_URL"
CHECKSUMS = "SHA256SUMS"
SOURCE_DIGEST = "SOURCE-DIGEST"
LOCK_FILE = "requirements.lock"
TIMEOUT = 60.0
OS_NAMES = {"linux": "linux", "darwin": "darwin", "macos": "darwin", "windows": "windows"}
ARCH_NAMES = {"x86_64": "amd64", "amd64": "amd64", "x64": "amd64", "aarch64": "arm64"}
ARCH_NAMES["arm64"] = "arm64"
VERSION_LINE = re.compile(r'^__version__ = "([^"]+)"$', re.MULTILINE)


@dataclass(frozen=True)
class Installed:
    """Where the command is, and how it got there (for the log)."""

    folder: Path
    how: str


class NoBinary(Exception):  # noqa: N818 - not an error: the source is the fallback
    """There is no binary to use; the reason is for the log. Not an error: the source is."""


def install(
    version: str, source: Path, tool_cache: Path, env: dict[str, str] | None = None
) -> Installed:
    """The folder holding the ``kubectl-datamodel`` command, installed if it is not cached:
    release ``version`` (empty: the action's own, from ``source``)."""
    env = dict(os.environ if env is None else env)
    release = version or checkout_version(source)
    started = time.monotonic()
    try:
        folder, how = binary(release, tool_cache, env, source=None if version else source)
    except NoBinary as reason:
        print(f"no release binary to use ({reason}): installing from source")
        folder, how = from_source(version, source, tool_cache)
    return Installed(folder, f"{how} in {time.monotonic() - started:.1f} s")


# -- the release's binary -------------------------------------------------------------------


def target(env: dict[str, str]) -> tuple[str, str]:
    """The runner's (os, arch) in the release's spelling (Go's, as krew's selectors)."""
    system = (env.get("RUNNER_OS") or platform.system()).lower()
    machine = (env.get("RUNNER_ARCH") or platform.machine()).lower()
    if system not in OS_NAMES or machine not in ARCH_NAMES:
        raise NoBinary(f"none is built for {system}/{machine}")
    return OS_NAMES[system], ARCH_NAMES[machine]


def archive_name(version: str, os_name: str, arch: str) -> str:
    """As scripts/build-binary.py names it."""
    extension = "zip" if os_name == "windows" else "tar.gz"
    return f"{PACKAGE}_{version}_{os_name}_{arch}.{extension}"


def binary(
    version: str, tool_cache: Path, env: dict[str, str], source: Path | None = None
) -> tuple[Path, str]:
    """The release's binary for this runner, from the tool cache or downloaded and checked.
    With ``source``, only a release built from that source is used."""
    os_name, arch = target(env)
    base = (env.get(RELEASES_VARIABLE) or RELEASES_URL).rstrip("/") + f"/v{version}"
    home = tool_cache / PACKAGE / version / arch
    complete = home.parent / f"{arch}.complete"  # holds the digest of the source it is of
    label = f"release binary {version} ({os_name}/{arch})"
    wanted = source_digest(source) if source is not None else None
    cached = complete.exists() and (home / PACKAGE).is_dir()
    if cached and wanted in (None, complete.read_text(encoding="utf-8").strip()):
        return home / PACKAGE, f"{label} from the tool cache"
    if wanted is not None:
        published = _get(f"{base}/{SOURCE_DIGEST}").decode("utf-8", errors="replace").strip()
        if published != wanted:
            raise NoBinary("the action's checkout is not the source the release was built from")
    if not cached:
        size = _download(base, archive_name(version, os_name, arch), home)
        label += f", {size / 1e6:.0f} MB downloaded"
    complete.write_text(wanted or "", encoding="utf-8")
    return home / PACKAGE, label


def _download(base: str, name: str, home: Path) -> int:
    """Download ``name``, check it against the release's checksums, unpack it in ``home``."""
    expected = _checksums(base).get(name)
    if expected is None:
        raise NoBinary(f"the release has no {name}")
    data = _get(f"{base}/{name}")
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ActionError(
            f"{name} does not match the release's {CHECKSUMS} (sha256 {actual}, expected "
            f"{expected}): not installed"
        )
    shutil.rmtree(home, ignore_errors=True)  # half unpacked by an interrupted run
    _unpack(data, name, home)
    return len(data)


def _checksums(base: str) -> dict[str, str]:
    """``SHA256SUMS``: file name -> hex digest (``sha256sum`` lines, text or binary mode)."""
    text = _get(f"{base}/{CHECKSUMS}").decode("utf-8", errors="replace")
    sums = {}
    for line in text.splitlines():
        digest, _, name = line.strip().partition(" ")
        if re.fullmatch(r"[0-9a-f]{64}", digest):
            sums[name.strip().lstrip("*")] = digest
    return sums


def _get(url: str) -> bytes:
    """A release file; a missing one (or no answer) means no binary, not an error."""
    request = urllib.request.Request(url, headers={"User-Agent": "kubectl-datamodel-action"})  # noqa: S310 - https, or the tests' own server
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            return bytes(answer.read())
    except urllib.error.HTTPError as exc:
        raise NoBinary(f"{url}: {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise NoBinary(f"{url}: no answer ({getattr(exc, 'reason', exc)})") from None


def _unpack(data: bytes, name: str, home: Path) -> None:
    """The archive into ``home``, refusing any entry that would land outside it."""
    home.mkdir(parents=True)
    root = home.resolve()
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.namelist():
                _inside(root, entry)
            archive.extractall(home)  # noqa: S202 - every member checked above
        return
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            _inside(root, member.name)
            if not (member.isfile() or member.isdir()):
                raise ActionError(f"{name}: {member.name} is not a file or folder: not installed")
        if hasattr(tarfile, "data_filter"):  # Python 3.12+, and the security releases before
            tar.extractall(home, filter="data")
        else:
            tar.extractall(home)  # noqa: S202 - regular files and folders inside home only


def _inside(root: Path, member: str) -> None:
    if not (root / member).resolve().is_relative_to(root):
        raise ActionError(f"release archive entry {member!r} points outside it: not installed")


# -- from source ----------------------------------------------------------------------------


def checkout_version(source: Path) -> str:
    """``__version__`` of the package in the action's checkout."""
    init = source / "kubectl_datamodel" / "__init__.py"
    found = VERSION_LINE.search(init.read_text(encoding="utf-8")) if init.exists() else None
    if found is None:
        raise ActionError(f"{init} has no __version__: is this the action's own checkout?")
    return found.group(1)


def from_source(version: str, source: Path, tool_cache: Path) -> tuple[Path, str]:
    """A virtualenv of its own, pinned and hashed: release ``version`` from PyPI, or the
    checkout at ``source``."""
    if sys.version_info < MINIMUM_PYTHON:
        found = ".".join(map(str, sys.version_info[:3]))
        needed = ".".join(map(str, MINIMUM_PYTHON))
        raise ActionError(
            f"kubectl-datamodel needs Python {needed} or later on the runner, found {found}; "
            "add actions/setup-python before this action"
        )
    lock = source / "action" / LOCK_FILE
    if version:
        package, key = [f"{PACKAGE}=={version}"], f"pypi-{version}"
    else:
        offline = ["--no-index", "--no-build-isolation", str(source)]
        package, key = offline, f"source-{source_digest(source)}"
    venv = tool_cache / PACKAGE / key
    scripts = venv / ("Scripts" if sys.platform == "win32" else "bin")
    if (venv / READY).exists():
        return scripts, f"virtualenv {key} from the tool cache"
    _build(venv, lock, package)
    return scripts, f"virtualenv {key}, pinned by {LOCK_FILE}"


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


def _build(venv: Path, lock: Path, package: list[str]) -> None:
    shutil.rmtree(venv, ignore_errors=True)  # a half-built one from an interrupted run
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    _run([sys.executable, "-m", "venv", str(venv)], "create a virtualenv")
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet"]
    pinned = ["install", "--require-hashes", "--no-deps", "-r", str(lock)]
    _run([*pip, *pinned], f"pip install the pinned dependencies ({lock.name})")
    _run([*pip, "install", "--no-deps", *package], f"pip install {package[-1]}")
    _run([*pip, "check"], "install a consistent set (pip check)")
    (venv / READY).touch()


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no message"]
        raise ActionError(f"could not {what}: {lines[-1]}")

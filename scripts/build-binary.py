#!/usr/bin/env python3
"""Build the kubectl-datamodel executable with PyInstaller and pack its release archive.

Users of kubectl plugins expect a file to drop on PATH (or a krew install), not a Python
environment, so this freezes the CLI with PyInstaller. PyInstaller cannot cross-compile: run
this once per os/arch, on that platform (see .github/workflows/release.yml).

The build is reproducible: a fresh virtualenv with pinned PyInstaller, `PYTHONHASHSEED=0` and
`SOURCE_DATE_EPOCH` (the last commit's time by default), and an archive whose entries are
sorted, dated `SOURCE_DATE_EPOCH` and owned by root, so two builds of one commit on one
platform give byte-identical archives.

On Linux and macOS the executable is built "onedir" (the executable beside `_internal/`): a
"onefile" executable unpacks itself into a temporary folder on every start, which adds two
thirds to start-up time (docs/distribution.md has the figures). On Windows it is onefile,
because krew installs a plugin as a symbolic link to its executable, and a onedir executable
started through a link on Windows looks for `_internal/` beside the link. The archive holds one
folder, `kubectl-datamodel/`, with the executable, its `_internal/` (onedir), LICENSE, and
`kubectl_complete-datamodel` (`.cmd` on Windows): kubectl 1.26+ runs it from PATH to complete
`kubectl datamodel <TAB>`, and it runs `kubectl-datamodel __complete`, so the archive needs no
second frozen executable.
Symbolic links that PyInstaller makes are stored as the files they point to: krew refuses
archives with links.

Standard library only: it runs before any virtualenv exists.

    python scripts/build-binary.py [--out dist] [--work build/binary] [--epoch SECONDS]
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "kubectl-datamodel"
TOP = NAME  # the one folder in the archive; krew's `bin` is TOP/NAME
LICENSE_FILE = "LICENSE"
ENTRY_SCRIPT = "from kubectl_datamodel.__main__ import main\n\nmain()\n"
COMPLETION = "kubectl_complete-datamodel"
# Found through PATH, where kubectl finds the plugin itself: the script works wherever it is
# linked or copied to (krew links only `bin` into ~/.krew/bin; the user links this one).
COMPLETION_SCRIPTS = {
    "windows": (f"{COMPLETION}.cmd", "@kubectl-datamodel __complete %*\r\n"),
    "posix": (COMPLETION, '#!/bin/sh\nexec kubectl-datamodel __complete "$@"\n'),
}
ZIP_EPOCH = 315532800  # 1980-01-01: the earliest date a zip entry can hold
# What PyInstaller cannot see by following imports: the package's data files
# (render/templates/report.html.j2), and detect-secrets' detectors, which capture.redact finds
# by listing their package (without them the binary would store credentials unredacted).
DATA = ["--collect-data", "kubectl_datamodel", "--collect-submodules", "detect_secrets.plugins"]

OS_NAMES = {"linux": "linux", "darwin": "darwin", "windows": "windows"}
ARCH_NAMES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


class BuildError(Exception):
    """A step failed; the message says which and what to do."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        archive = build(args.out.resolve(), args.work.resolve(), args.epoch)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(archive)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="archive folder")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "binary", help="virtualenv and build folder"
    )
    parser.add_argument(
        "--epoch",
        type=int,
        default=None,
        help="SOURCE_DATE_EPOCH (default: $SOURCE_DATE_EPOCH, else the last commit's time)",
    )
    return parser


def build(out: Path, work: Path, epoch: int | None) -> Path:
    """Freeze the CLI from a clean virtualenv and pack it; return the archive's path."""
    epoch = source_date_epoch() if epoch is None else epoch
    target = platform_name()
    started = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    python = _fresh_virtualenv(work / "venv")
    bundle = freeze(python, work, epoch)
    add_completion_script(bundle, target[0])
    version = _bundle_version(bundle)
    archive = pack(bundle, ROOT / LICENSE_FILE, out, archive_name(version, *target), epoch)
    seconds = time.monotonic() - started
    print(f"built {archive.name} ({archive.stat().st_size / 1e6:.1f} MB) in {seconds:.0f} s")
    return archive


def source_date_epoch() -> int:
    """$SOURCE_DATE_EPOCH, else the time of the commit being built."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    git = shutil.which("git")
    if git is None:
        raise BuildError("set SOURCE_DATE_EPOCH or --epoch: git is not on PATH")
    result = subprocess.run(  # noqa: S603 - a fixed git command
        [git, "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BuildError(f"set SOURCE_DATE_EPOCH or --epoch: git log failed: {result.stderr}")
    return int(result.stdout)


def platform_name() -> tuple[str, str]:
    """This machine's (os, arch) in Go's spelling, which krew's selectors use."""
    system, machine = platform.system().lower(), platform.machine().lower()
    if system not in OS_NAMES or machine not in ARCH_NAMES:
        raise BuildError(f"no release is built for {system}/{machine}")
    return OS_NAMES[system], ARCH_NAMES[machine]


def archive_name(version: str, os_name: str, arch: str) -> str:
    extension = "zip" if os_name == "windows" else "tar.gz"
    return f"{NAME}_{version}_{os_name}_{arch}.{extension}"


def _fresh_virtualenv(venv: Path) -> Path:
    """A new virtualenv with the project (not editable) and the pinned PyInstaller."""
    _run([sys.executable, "-m", "venv", str(venv)], "create the build virtualenv")
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    _run([*pip, "install", f"{ROOT}[binary]"], "install the project and PyInstaller")
    return python


def freeze(python: Path, work: Path, epoch: int, *, onefile: bool = os.name == "nt") -> Path:
    """Run PyInstaller; return the folder holding the executable (and `_internal/`).

    Onefile only on Windows (see above); bench/binary_startup.py asks for it elsewhere too,
    to measure what onedir saves.
    """
    entry = work / "entry" / f"{NAME}.py"  # not kubectl_datamodel.py: it would hide the package
    entry.parent.mkdir(parents=True)
    entry.write_text(ENTRY_SCRIPT, encoding="utf-8")
    bundle = work / "dist" / NAME
    # onefile writes the executable into --distpath itself, onedir a folder named --name in it
    mode, distpath = ("--onefile", bundle) if onefile else ("--onedir", bundle.parent)
    # Debug symbols are a third of the size; strip them on Linux only, where the tools are
    # predictable (on macOS stripping would invalidate signatures, Windows has none to strip).
    strip = ["--strip"] if sys.platform == "linux" else []
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": str(epoch)}
    command = [
        str(python), "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        mode, *strip, *DATA, "--name", NAME, "--distpath", str(distpath),
        "--workpath", str(work / "pyinstaller"), "--specpath", str(work), str(entry),
    ]  # fmt: skip
    _run(command, "freeze the CLI with PyInstaller", env=env)
    return bundle


def add_completion_script(bundle: Path, os_name: str) -> Path:
    """Write kubectl's completion entry point for the plugin beside the executable."""
    name, text = COMPLETION_SCRIPTS["windows" if os_name == "windows" else "posix"]
    script = bundle / name
    script.write_bytes(text.encode())
    script.chmod(0o755)
    return script


def _bundle_version(bundle: Path) -> str:
    """Ask the frozen executable its version: it proves the executable starts, too."""
    executable = bundle / (f"{NAME}.exe" if os.name == "nt" else NAME)
    output = _run([str(executable), "--version"], "start the built executable")
    match = re.fullmatch(rf"{NAME} (\S+)\s*", output)
    if match is None:
        raise BuildError(f"unexpected --version output from the executable: {output!r}")
    return match.group(1)


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise BuildError(f"could not {what} (exit status {result.returncode}):\n{output}")
    return result.stdout


def pack(bundle: Path, license_file: Path, out: Path, name: str, epoch: int) -> Path:
    """Write the release archive for `bundle`, byte for byte the same for the same inputs.

    Written to a temporary name and renamed, so an interrupted build leaves no archive that
    looks finished.
    """
    entries = sorted(_entries(bundle, TOP))
    entries.insert(0, (f"{TOP}/{LICENSE_FILE}", license_file))
    entries.insert(0, (TOP, bundle))
    out.mkdir(parents=True, exist_ok=True)
    archive = out / name
    partial = out / f".{name}.partial"
    try:
        if name.endswith(".zip"):
            _write_zip(partial, entries, epoch)
        else:
            _write_tar_gz(partial, entries, epoch)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(archive)
    return archive


def _entries(folder: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    """(archive name, real path) for everything under `folder`, links resolved.

    A link pointing outside the bundle would pack files from the build machine, so it is an
    error rather than something to copy.
    """
    root = folder.resolve()
    for path in folder.iterdir():
        name = f"{prefix}/{path.name}"
        real = path.resolve()
        if path.is_symlink() and not real.is_relative_to(root):
            raise BuildError(f"{path} links outside the bundle, to {real}")
        if ".." in path.name:
            raise BuildError(f"{path}: krew refuses archive paths containing '..'")
        yield name, real
        if real.is_dir():
            yield from _entries(path, name)


def _mode(path: Path) -> int:
    """0755 for folders and executables, 0644 for the rest: the build machine's umask is noise."""
    if path.is_dir() or path.stat().st_mode & 0o111:
        return 0o755
    return 0o644


def _write_tar_gz(target: Path, entries: list[tuple[str, Path]], epoch: int) -> None:
    with (
        target.open("wb") as raw,
        gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, mtime=epoch, compresslevel=9
        ) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.GNU_FORMAT) as tar,
    ):
        for name, path in entries:
            info = tarfile.TarInfo(name)
            info.mtime, info.mode, info.uid, info.gid = epoch, _mode(path), 0, 0
            if path.is_dir():
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
                continue
            data = path.read_bytes()
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _write_zip(target: Path, entries: list[tuple[str, Path]], epoch: int) -> None:
    date_time = time.gmtime(max(epoch, ZIP_EPOCH))[:6]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zip_:
        for name, path in entries:
            info = zipfile.ZipInfo(name + "/" if path.is_dir() else name, date_time=date_time)
            info.create_system = 3  # Unix, so that the permission bits below are read
            kind = stat.S_IFDIR if path.is_dir() else stat.S_IFREG
            info.external_attr = (kind | _mode(path)) << 16
            if path.is_dir():
                info.external_attr |= 0x10  # the MS-DOS directory flag
                zip_.writestr(info, b"")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                zip_.writestr(info, path.read_bytes())


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Start-up of the release binary: onedir (what we ship) beside onefile and the virtualenv.

A kubectl plugin is started for every command, so start-up is most of what users wait for on
`--help` or `database list`. This times, median and 90th percentile of --runs:
  1. the onedir binary from a release archive (`--archive`, as built by scripts/build-binary.py);
  2. the naive build, PyInstaller's --onefile, made here from the same build virtualenv
     (`--build-venv`, left by scripts/build-binary.py in build/binary/venv);
  3. the console script of the virtualenv this runs in.
It also prints the archive's size and its unpacked size.

Run from the repository root, after scripts/build-binary.py:
    python bench/binary_startup.py --archive dist/kubectl-datamodel_*_linux_amd64.tar.gz
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
NAME = "kubectl-datamodel"
COMMANDS = {"--help": ["--help"], "database list": ["database", "list"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="a release .tar.gz")
    parser.add_argument("--build-venv", type=Path, default=ROOT / "build" / "binary" / "venv")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        onedir = unpack(args.archive, work / "onedir")
        print(f"archive {args.archive.name}: {args.archive.stat().st_size / 1e6:.1f} MB, "
              f"unpacked {tree_size(onedir.parent) / 1e6:.1f} MB")  # fmt: skip
        programs = {"onedir (shipped)": onedir}
        onefile = build_onefile(args.build_venv, work)
        if onefile is not None:
            print(f"onefile executable: {onefile.stat().st_size / 1e6:.1f} MB")
            programs["onefile (naive)"] = onefile
        programs["virtualenv script"] = Path(sys.executable).with_name(NAME)
        env = {**os.environ, "KUBECTL_DATAMODEL_DB": str(seed_database(onedir, work))}
        print(f"\nstart-up, median (p90) of {args.runs} runs after 2 warm-ups:")
        print(f"{'':20}" + "".join(f"{c:>22}" for c in COMMANDS))
        for label, program in programs.items():
            cells = [timing([str(program), *argv], env, args.runs) for argv in COMMANDS.values()]
            print(f"{label:20}" + "".join(f"{c:>22}" for c in cells))


def unpack(archive: Path, target: Path) -> Path:
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / NAME / NAME


def tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build_onefile(venv: Path, work: Path) -> Path | None:
    """PyInstaller --onefile from the release build's own virtualenv, built as the release is
    but for the one option, for the comparison."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"(no {venv}: run scripts/build-binary.py first to compare with --onefile)")
        return None
    started = time.monotonic()
    bundle = _build_script().freeze(python, work / "onefile", 0, onefile=True)
    print(f"onefile build: {time.monotonic() - started:.0f} s")
    return bundle / NAME


def _build_script() -> ModuleType:
    """scripts/build-binary.py as a module (its name is a command, with a dash)."""
    spec = importlib.util.spec_from_file_location(
        "build_binary", ROOT / "scripts" / "build-binary.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_binary"] = module  # dataclasses and the like look their module up
    spec.loader.exec_module(module)
    return module


def seed_database(binary: Path, work: Path) -> Path:
    """A database with the example snapshot, written by the binary itself."""
    db = work / "inventory.db"
    subprocess.run(
        [str(binary), "snapshot", "--from-dir", str(ROOT / "examples" / "cluster-v1"),
         "--context", "demo", "-q", "--db-path", str(db)],
        check=True, capture_output=True,
    )  # fmt: skip
    return db


def timing(command: list[str], env: dict[str, str], runs: int) -> str:
    samples = []
    for index in range(runs + 2):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        if index >= 2:
            samples.append((time.perf_counter() - started) * 1000)
    p90 = statistics.quantiles(samples, n=10)[-1]
    return f"{statistics.median(samples):.0f} ms ({p90:.0f})"


if __name__ == "__main__":
    main()

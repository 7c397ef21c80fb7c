#!/usr/bin/env python3
"""Start-up: how long users wait before a command does anything, beside the naive way.

A kubectl plugin is a new process for every command, so for `--help` or `database list` the
start is most of the wait. Each command runs as a child process, --runs times, taking turns
with the others so a busy moment on the machine hits them all alike; wall time and CPU time
(user + sys, from getrusage(RUSAGE_CHILDREN)) are printed as median and min, and as ratios
to `python -c pass` on the same interpreter. The package's bytecode is compiled first, as
`pip install` leaves it (an editable checkout under PYTHONDONTWRITEBYTECODE would otherwise
compile every module from source on every start):
  1. `python -c pass`, the interpreter's own start, and what Typer adds before any command of
     ours: importing it, then the pydantic it coerces every option value with (Typer 0.29+);
  2. `kubectl-datamodel --help`, `--version` and `database list` (a database of 50 snapshots of
     examples/cluster-v2), target at most 8x `python -c pass`; each beside the naive way, the
     same command with every kubectl_datamodel module, kubernetes and deepdiff imported first;
  3. live capture (`snapshot --kubeconfig K -q`) against the test API server
     (tests/support/fakeapi), from process start to the first request the server reads,
     beside `python -c "import kubernetes.client, kubernetes.config"`, the client and its
     kubeconfig loader that any request needs: the difference is what we add before asking,
     target at most 0.3 s. The naive way is timed the same way.

Run from the repository root:  python bench/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import kubectl_datamodel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout: the test API server is tests.support.fakeapi

from tests.support.examplecluster import TOKEN, build_cluster  # noqa: E402
from tests.support.fakeapi import FakeApiServer  # noqa: E402
from tests.support.kubeconfig import write_kubeconfig  # noqa: E402

EXAMPLE = ROOT / "examples" / "cluster-v2"
SCRIPT = Path(sys.executable).with_name("kubectl-datamodel")  # the installed console script
CLI = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kubectl_datamodel"]
# The naive way: everything a command could need, imported before it runs.
EAGER = """
import importlib, pkgutil, sys
import kubectl_datamodel
for found in pkgutil.walk_packages(kubectl_datamodel.__path__, "kubectl_datamodel."):
    importlib.import_module(found.name)
import deepdiff, kubernetes.client, kubernetes.config
from kubectl_datamodel.__main__ import main
sys.argv[0] = "kubectl-datamodel"
main()
"""
NAIVE = [sys.executable, "-c", EAGER]
PASS = [sys.executable, "-c", "pass"]
# Typer, and what it imports to coerce the first option value that is not a flag; each exits
# as the CLI does, with what is alive frozen (cli.main).
FLOORS = {
    "  import typer": "import gc, typer.main; gc.freeze()",
    "  import typer + its pydantic": (
        "import gc, typer.main, typer._adapters, pydantic.plugin._loader; gc.freeze()"
    ),
}
CLIENT_IMPORT = [sys.executable, "-c", "import kubernetes.client, kubernetes.config"]
COMMANDS = {"--help": ["--help"], "--version": ["--version"], "database list": ["database", "list"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per command")
    args = parser.parse_args()
    compileall.compile_dir(kubectl_datamodel.__path__[0], quiet=1)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        env = {**os.environ, "NO_COLOR": "1", "KUBECTL_DATAMODEL_DB": str(_database(work))}
        commands = {"python -c pass": PASS}
        commands.update({label: [sys.executable, "-c", code] for label, code in FLOORS.items()})
        for label, argv in COMMANDS.items():
            commands[f"kubectl-datamodel {label}"] = [*CLI, *argv]
            commands[f"  naive {label}"] = [*NAIVE, *argv]
        print(f"start-up on {os.cpu_count()} cores, {args.runs} runs, output piped")
        print(f"{'':34}{'wall ms':>16}{'CPU ms':>16}{'x pass':>9}{'x pass':>9}")
        print(f"{'':34}{'median   min':>16}{'median   min':>16}{'wall':>9}{'CPU':>9}")
        figures = _round_robin(commands, env, args.runs)
        wall_floor, cpu_floor = map(statistics.median, figures["python -c pass"])
        for label, (walls, cpus) in figures.items():
            print(
                f"{label:34}{_ms(walls):>16}{_ms(cpus):>16}"
                f"{statistics.median(walls) / wall_floor:>8.1f}x"
                f"{statistics.median(cpus) / cpu_floor:>8.1f}x"
            )
        print("(target: --help and database list at most 8x python -c pass, median wall)")
        _first_request(work, env, args.runs)


def _database(work: Path) -> Path:
    """50 snapshots of examples/cluster-v2, as `database list` meets a history."""
    from kubectl_datamodel import store
    from kubectl_datamodel.capture import files
    from kubectl_datamodel.options import CaptureOptions

    path = work / "fifty.db"
    snapshot = files.capture(CaptureOptions(from_dirs=(EXAMPLE,))).snapshot
    with store.open_store(path, create=True) as db:
        for _ in range(50):
            db.write_snapshot(snapshot)
    return path


def _round_robin(
    commands: dict[str, list[str]], env: dict[str, str], runs: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Each command once per round (after one warm-up round): wall and CPU seconds."""
    figures: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in commands}
    for round_number in range(runs + 1):
        for label, command in commands.items():
            wall, cpu = _timed(lambda command=command: _run(command, env))
            if round_number:
                figures[label][0].append(wall)
                figures[label][1].append(cpu)
    return figures


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of the children ``run`` waits for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, capture_output=True, env=env, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{command[-3:]} failed: {result.stderr.decode()}")


def _first_request(work: Path, env: dict[str, str], runs: int) -> None:
    """Seconds from starting a live capture to the first request the server reads."""
    with FakeApiServer(build_cluster(), token=TOKEN) as server:
        config = write_kubeconfig(work / "config", server.url, context="demo", token=TOKEN)
        capture = ["snapshot", "--kubeconfig", str(config), "-q"]
        ours, naive, client = [], [], []
        for number in range(runs + 1):
            database = ["--db-path", str(work / f"live-{number}.db")]
            first_ours = _until_first_request(server, [*CLI, *capture, *database], env)
            first_naive = _until_first_request(server, [*NAIVE, *capture, *database], env)
            imported = _timed(lambda: _run(CLIENT_IMPORT, env))[0]
            if number:
                ours.append(first_ours)
                naive.append(first_naive)
                client.append(imported)
    base = statistics.median(client)
    print(f"\nlive capture, process start to the first request, {runs} runs:")
    print(f"{'':34}{'ms median   min':>20}{'- client import':>18}")
    print(f"{'import kubernetes.client, .config':34}{_ms(client, 20)}")
    for label, seconds in (("kubectl-datamodel snapshot", ours), ("  naive snapshot", naive)):
        added = (statistics.median(seconds) - base) * 1000
        print(f"{label:34}{_ms(seconds, 20)}{added:>15.0f} ms")
    print("(target: at most 300 ms more than the client's import)")


def _until_first_request(server: FakeApiServer, command: list[str], env: dict[str, str]) -> float:
    seen = len(server.requests)
    started = time.monotonic()
    _run(command, env)
    return min(r.received for r in server.requests[seen:]) - started


def _ms(seconds: list[float], width: int = 16) -> str:
    median, least = statistics.median(seconds) * 1000, min(seconds) * 1000
    return f"{median:>{width - 6}.0f}{least:>6.0f}"


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Hostile manifests: what refusing them costs, beside what reading them naively costs.

Each input is given to `kubectl-datamodel snapshot --from-file` in a child process, whose peak
RSS and wall time are printed; beside it, the naive way: the same file loaded by ruamel.yaml
without limits and its objects serialised to JSON, as storing them would (the YAML alias bomb
at 6 to 8 levels: at 9, the naive way needs more memory than this machine has; the child runs
under a 4 GiB address-space cap, so a run that needs more shows as "MemoryError"). Also: the
cost of the limits on honest input, the examples read with and without the structure check.

Run from the repository root:  python bench/hostile_input.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak_rss import megabytes, wrapped

from kubectl_datamodel import documents
from kubectl_datamodel.options import ReadLimits

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("kubectl-datamodel")
CLI = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kubectl_datamodel"]
CAP = 4 * 1024**3
HEADER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hostile\ndata:\n"
NAIVE = """
import json, sys
from ruamel.yaml import YAML
for document in YAML(typ="safe").load_all(open(sys.argv[1]).read()):
    print(len(json.dumps(document)))
"""


def bomb(levels: int) -> str:
    lines = [f"  a0: &a0 [{', '.join(['lol'] * 9)}]"]
    lines += [f"  a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return HEADER + "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return HEADER + "  x: " + "[" * depth + "]" * depth + "\n"


def capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def measure(command: list[str], folder: Path) -> tuple[float, float, str]:
    rss = folder / "rss"
    started = time.perf_counter()
    result = subprocess.run(
        wrapped(rss, command), capture_output=True, text=True, preexec_fn=capped, check=False
    )
    elapsed = time.perf_counter() - started
    said = result.stderr.strip().splitlines()
    outcome = "ok" if result.returncode == 0 else (said[-1][:90] if said else "")
    if result.returncode in (256 - 11, -11, 128 + 11):  # the wrapper passes a signal on
        outcome = "crashed: segmentation fault"
    elif not outcome:
        outcome = f"exit status {result.returncode}"
    return elapsed, megabytes(rss) if rss.exists() else float("nan"), outcome


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = [(f"alias bomb, {n} levels of 9", bomb(n)) for n in (6, 7, 8, 9)]
        cases += [(f"nested {d:,} levels", nested(d)) for d in (1_000, 50_000)]
        print(f"{'input':28} {'approach':6} {'wall s':>7} {'peak RSS':>9}  outcome")
        for name, text in cases:
            path = folder / "input.yaml"
            path.write_text(text)
            ours = [*CLI, "snapshot", "--from-file", str(path), "--db-path", str(folder / "db")]
            for label, command in (
                ("ours", ours),
                ("naive", [sys.executable, "-c", NAIVE, str(path)]),
            ):
                if label == "naive" and name.endswith("9 levels of 9"):
                    print(
                        f"{name:28} {label:6} {'-':>7} {'-':>9}  not run: needs > {CAP >> 30} GiB"
                    )
                    continue
                wall, peak, outcome = measure(command, folder)
                print(f"{name:28} {label:6} {wall:7.2f} {peak:7.0f} MB  {outcome}")
        honest = sorted((ROOT / "examples").rglob("*.yaml"))
        size = sum(p.stat().st_size for p in honest) / 1024 / 1024
        for label, check in (("with the structure check", True), ("without it", False)):
            original = documents._check_structure
            if not check:
                documents._check_structure = lambda *_args: None  # type: ignore[assignment]
            started = time.perf_counter()
            for path in honest:
                documents.read_all(path, limits=ReadLimits())
            print(
                f"examples/ ({len(honest)} files, {size:.1f} MiB) read {label}: "
                f"{time.perf_counter() - started:.2f} s"
            )
            documents._check_structure = original


if __name__ == "__main__":
    main()

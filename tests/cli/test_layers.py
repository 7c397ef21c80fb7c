"""What the import contracts (``lint-imports``, pyproject.toml) cannot see: which modules a
command actually loads when it runs. A command loads its own module and what it calls, never
another command's (``cli.lazy``); commands that need no cluster never pay for the kubernetes
client or deepdiff; plain piped output needs no rich. How fast that makes them is measured by
bench/startup.py, not asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LIBRARIES = ("kubernetes", "deepdiff", "jinja2", "detect_secrets", "rich", "sqlite_utils", "ruamel")
COMMANDS = tuple(
    f"kubectl_datamodel.cli.{name}"
    for name in ("snapshot", "diff", "query", "analyze", "report", "database", "inventory")
)


def loaded_after(args: list[str], *modules: str, call: str = "run") -> tuple[int, list[str]]:
    """Run the CLI in a fresh interpreter, output piped: its exit status, and which of
    ``modules`` it loaded. ``call`` "complete" answers kubectl's completion for ``args``."""
    code = (
        "import sys, json; from kubectl_datamodel import cli; "
        f"code = cli.{call}({args!r}) or 0; "
        f"print(json.dumps([code, [m for m in {list(modules)!r} if m in sys.modules]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    status, loaded = json.loads(result.stdout.splitlines()[-1])
    return status, loaded


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_load_no_command_and_no_library(args):
    assert loaded_after(args, *COMMANDS, "kubectl_datamodel.store", *LIBRARIES) == (0, [])


@pytest.mark.parametrize("words", [[""], ["d"], ["--db-path", "x", "s"]])
def test_completing_a_command_name_loads_no_command(words):
    """`kubectl datamodel <TAB>` is a process a keystroke: the names and their summaries come
    from the root's list."""
    assert loaded_after(words, *COMMANDS, call="complete") == (0, [])


def test_listing_snapshots_loads_no_other_command_and_no_library(stored_v1_v2):
    args = ["database", "list", "--db-path", str(stored_v1_v2)]
    # `database store` is `snapshot` under its older name: the database group holds it
    others = [m for m in COMMANDS if not m.endswith((".database", ".snapshot"))]
    assert loaded_after(args, *others, *LIBRARIES) == (0, [])


def test_comparing_stored_snapshots_never_loads_the_kubernetes_client(stored_v1_v2):
    args = ["diff", "-o", "json", "--db-path", str(stored_v1_v2)]
    assert loaded_after(args, "kubernetes") == (0, [])

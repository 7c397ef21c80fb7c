"""What the import contracts (``lint-imports``, pyproject.toml) cannot see: which libraries a
command actually loads when it runs. Commands that need no cluster must not pay for the
kubernetes client or deepdiff."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_after(args: list[str], *modules: str) -> list[object]:
    """Run the CLI in a fresh interpreter; its exit status, then whether each module loaded."""
    code = (
        "import sys, json; from kubectl_datamodel import cli; "
        f"code = cli.run({args!r}); "
        f"print(json.dumps([code, *[m in sys.modules for m in {list(modules)!r}]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_listing_snapshots_imports_neither_kubernetes_nor_deepdiff(stored_v1_v2):
    args = ["database", "list", "--db-path", str(stored_v1_v2)]
    assert loaded_after(args, "kubernetes", "deepdiff") == [0, False, False]


def test_comparing_stored_snapshots_never_loads_the_kubernetes_client(stored_v1_v2):
    args = ["diff", "-o", "json", "--db-path", str(stored_v1_v2)]
    assert loaded_after(args, "kubernetes") == [0, False]

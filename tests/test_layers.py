"""The layering in docs/architecture.md, checked: each outside library has one adapter, and the
core never imports the CLI's libraries."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest
from conftest import ROOT

PACKAGE = ROOT / "kubectl_datamodel"

# library -> the only modules allowed to import it
ADAPTERS = {
    "sqlite_utils": {"store.py"},
    "kubernetes": {"kube.py"},
    "deepdiff": {"drift.py"},
    "jinja2": {"templating.py"},
    "ruamel": {"manifests.py", "report.py"},
    "typer": {"cli"},
    "click": set(),  # Typer's own copy is used; never the click package directly
    "rich": {"cli", "report.py"},
}


def imported_roots(path) -> set[str]:
    tree = ast.parse(path.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("library", sorted(ADAPTERS))
def test_each_library_has_one_adapter(library):
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        owner = relative.parts[0] if len(relative.parts) > 1 else relative.name
        if library in imported_roots(path) and owner not in ADAPTERS[library]:
            offenders.append(str(relative))
    assert offenders == []


def test_listing_snapshots_imports_neither_kubernetes_nor_deepdiff(stored_v1_v2):
    code = (
        "import sys, json; from kubectl_datamodel import cli; "
        f"code = cli.run(['database', 'list', '--db-path', {str(stored_v1_v2)!r}]); "
        "print(json.dumps([code, 'kubernetes' in sys.modules, 'deepdiff' in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.splitlines()[-1]) == [0, False, False]


def test_comparing_stored_snapshots_never_loads_the_kubernetes_client(stored_v1_v2):
    code = (
        "import sys, json; from kubectl_datamodel import cli; "
        f"code = cli.run(['diff', '-o', 'json', '--db-path', {str(stored_v1_v2)!r}]); "
        "print(json.dumps([code, 'kubernetes' in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.splitlines()[-1]) == [0, False]

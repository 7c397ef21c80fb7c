"""What users see, pinned: the outputs of README's tour on the bundled examples, byte for byte
(the temporary database's path aside; capture times are set to fixed ones).

A refactoring must leave every one of these files as it is. A change that means to alter an
output rewrites them with ``KUBECTL_DATAMODEL_UPDATE_GOLDEN=1 pytest tests/cli/test_golden.py``,
and the diff of ``tests/data/golden/`` then shows, in review, exactly what users will see
differently.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.support.paths import CLUSTER_V1, CLUSTER_V2, DATA, EXAMPLES

GOLDEN = DATA / "golden"
UPDATE = os.environ.get("KUBECTL_DATAMODEL_UPDATE_GOLDEN") == "1"

# (file name, command) on the database built below: demo holds cluster-v1 then cluster-v2,
# prod the --include kinds at two states.
COMMANDS: list[tuple[str, tuple[str, ...]]] = [
    ("list.txt", ("database", "list")),
    ("list-wide.txt", ("database", "list", "-o", "wide")),
    ("list.json", ("database", "list", "-o", "json")),
    ("show-2.txt", ("database", "show", "2")),
    ("show-2.json", ("database", "show", "2", "-o", "json")),
    ("show-4-wide.txt", ("database", "show", "4", "-o", "wide")),
    ("show-4.yaml", ("database", "show", "4", "-o", "yaml")),
    ("stats.txt", ("database", "stats")),
    ("diff.txt", ("diff", "demo@latest~1", "demo@latest")),
    ("diff.json", ("diff", "1", "2", "-o", "json", "--fail-on", "breaking")),
    ("diff.md", ("diff", "1", "2", "-o", "markdown")),
    ("diff-kinds.txt", ("diff", "prod@latest~1", "prod@latest")),
    ("diff-kinds.json", ("diff", "3", "4", "-o", "yaml")),
    ("diff-kinds.md", ("diff", "3", "4", "-o", "markdown")),
    ("analyze-security.txt", ("analyze", "security", "demo@latest")),
    ("analyze-security.json", ("analyze", "security", "2", "-o", "json")),
    ("analyze-resources.json", ("analyze", "resources", "2", "-o", "json")),
    ("analyze-deprecations.md", ("analyze", "deprecations", "1", "-o", "markdown")),
    ("analyze-overview.json", ("analyze", "overview", "4", "-o", "json")),
    ("analyze-history.txt", ("analyze", "history", "demo@latest")),
    (
        "query.txt",
        (
            "query",
            "SELECT crd, operator, operator_version FROM crd_operators WHERE snapshot_id = :id "
            "AND crd LIKE '%.cert-manager.io' ORDER BY crd",
            "--param",
            "id=2",
        ),
    ),
    ("crd-list.txt", ("crd", "list", "--from-dir", str(CLUSTER_V2))),
    ("operators-list.json", ("operators", "list", "--from-dir", str(CLUSTER_V1), "-o", "json")),
    ("olm-list.yaml", ("olm", "list", "--from-dir", str(CLUSTER_V2), "-o", "yaml")),
]
KINDS = DATA / "kinds"
EXTERNAL_SECRETS = "operators/external-secrets"


@pytest.fixture(scope="module")
def tour_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kubectl_datamodel import cli

    path = tmp_path_factory.mktemp("tour") / "inventory.db"
    include = ("--include", "namespaces,nodes,helm;v1/ConfigMap")
    for args in (
        ("--from-dir", CLUSTER_V1, "--context", "demo", "--notes", "baseline"),
        ("--from-dir", CLUSTER_V2, "--context", "demo", "--notes", "after upgrade"),
        ("--from-dir", KINDS / "v1", "--from-dir", CLUSTER_V1 / EXTERNAL_SECRETS, *include),
        ("--from-dir", KINDS / "v2", "--from-dir", CLUSTER_V2 / EXTERNAL_SECRETS, *include),
    ):
        context = () if "--context" in args else ("--context", "prod")
        code = cli.run(["snapshot", *map(str, args), *context, "-q", "--db-path", str(path)])
        assert code == 0
    with sqlite3.connect(path) as conn:  # capture times as in README, one second apart
        conn.execute(
            "UPDATE inventory_snapshots SET timestamp = printf('2026-11-22T03:59:%02dZ', 10 + id),"
            " created_at = printf('2026-11-22T03:59:%02dZ', 10 + id)"
        )
    return path


def normalized(text: str, db_path: Path) -> str:
    return text.replace(str(db_path), "<db>").replace(str(EXAMPLES.parent), "<repo>")


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_output_is_unchanged(name, command, tour_db, run):
    result = run(*command, "--db-path", tour_db)
    assert result.exit_code in (0, 3), result.stderr
    check(name, normalized(result.stdout, tour_db))


@pytest.mark.parametrize("context", ["demo", "prod"])
def test_html_report_is_unchanged(context, tour_db, run, tmp_path):
    page = tmp_path / "report.html"
    result = run("report", "--html", page, "--cluster-context", context, "--db-path", tour_db)
    assert result.exit_code == 0, result.stderr
    check(f"report-{context}.html", normalized(page.read_text(encoding="utf-8"), tour_db))


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} changed (KUBECTL_DATAMODEL_UPDATE_GOLDEN=1 rewrites it)"

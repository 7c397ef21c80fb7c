"""kubectl's conventions on every list and show command, as a user sees them: -o
table|wide|json|yaml|name telling the same story, --no-headers, --sort-by, -l and -n; every
snapshot argument taking the same references; the exit statuses. The commands are read from
the app: a list command is one with --no-headers and --sort-by."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from kubectl_datamodel import store
from kubectl_datamodel.capture import files
from kubectl_datamodel.options import CaptureOptions
from tests.support import commands
from tests.support.paths import CERT_MANAGER_MANIFESTS

PROD = "admin@prod"  # a kubeconfig context name as kind and EKS write them, with an @
LISTS = [
    (path, command)
    for path, command in commands.leaves()
    if commands.option(command, "--no-headers") and commands.option(command, "--sort-by")
]
IDS = [" ".join(path) for path, _ in LISTS]


def ids(value) -> str:
    return " ".join(value) if isinstance(value, tuple) else ""


def crd(plural: str, group: str, kind: str, labels: dict) -> dict:
    names = {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"}
    version = {"name": "v1", "served": True, "storage": True}
    version["schema"] = {"openAPIV3Schema": {"type": "object"}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}", "labels": labels},
        "spec": {"group": group, "scope": "Namespaced", "names": names, "versions": [version]},
    }


def deployment(name: str, namespace: str | None, labels: dict) -> dict:
    pod = {"containers": [{"name": "manager", "image": f"example.com/{name}:v1.0.0"}]}
    metadata = {"name": name, "labels": labels, **({"namespace": namespace} if namespace else {})}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "selector": {"matchLabels": {"run": name}},
            "template": {"metadata": {"labels": {"run": name}}, "spec": pod},
        },
    }


def csv(name: str, namespace: str, labels: dict) -> dict:
    return {
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "ClusterServiceVersion",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"displayName": name, "version": "1.0.0", "install": {"strategy": "deployment"}},
    }


@pytest.fixture(scope="module")
def manifests(tmp_path_factory) -> Path:
    """A few small objects with labels and namespaces that tell them apart (one Deployment
    has no namespace: it is kept by any -n, as capture keeps it): the examples take seconds
    to parse, and the list commands parse their input every time."""
    folder = tmp_path_factory.mktemp("manifests")
    objects = [
        crd("widgets", "shop.example.com", "Widget", {"app": "shop", "tier": "web"}),
        crd("gadgets", "shop.example.com", "Gadget", {"app": "shop", "tier": "db"}),
        crd("things", "other.io", "Thing", {}),
        deployment("shop-operator", "shop", {"app": "shop", "tier": "web"}),
        deployment("gadget-controller", "shop", {"app": "shop", "tier": "db"}),
        deployment("thing-operator", "things", {}),
        deployment("loose-operator", None, {"app": "loose"}),
        csv("shop-operator.v1.0.0", "shop", {"app": "shop"}),
        csv("thing-operator.v2.0.0", "things", {}),
    ]
    for number, obj in enumerate(objects):
        (folder / f"{number:02}.json").write_text(json.dumps(obj))
    return folder


@pytest.fixture(autouse=True)
def _no_kubeconfig(monkeypatch):
    """`latest` without a context prefers the kubeconfig's current context: not the user's."""
    monkeypatch.delenv("KUBECONFIG", raising=False)


@pytest.fixture(scope="module")
def database(_v1_v2_template, tmp_path_factory) -> Path:
    """demo: snapshots 1 (cluster-v1) and 2 (cluster-v2); admin@prod: snapshot 3 (cert-manager).
    Read only: the tests that delete take their own copy."""
    path = tmp_path_factory.mktemp("conventions") / "inventory.db"
    shutil.copyfile(_v1_v2_template, path)
    prod = files.capture(CaptureOptions(from_dirs=(CERT_MANAGER_MANIFESTS,), context=PROD))
    with store.open_store(path) as db:
        db.write_snapshot(prod.snapshot)
    return path


@pytest.fixture
def invocation(database, manifests):
    """The command, with what it reads: demo's first snapshot, or the small manifests."""

    def words(path, command) -> list[str]:
        found = [*path]
        if any(p.metavar == "SNAPSHOT" for p in command.params):
            found.append("demo@latest~1")
        if commands.option(command, "--from-dir"):
            found += ["--from-dir", str(manifests)]
        return [*found, "--db-path", str(database)]

    return words


def records(document: dict) -> list[dict]:
    """A list's items, or every record of a snapshot shown."""
    return [r for section in sections(document) for r in section]


def sections(document: dict) -> list[list[dict]]:
    if "items" in document:
        return [document["items"]]
    return [v for k, v in document.items() if k != "warnings" and isinstance(v, list)]


def document(run, *words) -> dict:
    result = run(*words, "-o", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def is_header(line: str) -> bool:
    return re.fullmatch(r"[A-Z][A-Z ]*[A-Z]", line) is not None


def test_the_list_commands_are_found():
    assert set(IDS) == {"database list", "database show", "crd list", "operators list", "olm list"}


@pytest.mark.parametrize(("path", "command"), LISTS, ids=IDS)
def test_json_yaml_and_name_list_the_same_objects(run, invocation, path, command):
    words = invocation(path, command)
    found = document(run, *words)
    items = records(found)
    assert items
    assert YAML(typ="safe").load(run(*words, "-o", "yaml").stdout) == found
    names = run(*words, "-o", "name").stdout.splitlines()
    assert [n.rpartition("/")[2] for n in names] == [str(i.get("name", i.get("id"))) for i in items]
    assert all(re.fullmatch(r"[a-z0-9.]+/\S+", n) for n in names), names


@pytest.mark.parametrize(("path", "command"), LISTS, ids=IDS)
def test_table_wide_and_no_headers(run, invocation, path, command):
    """wide adds columns to the same rows; --no-headers leaves out the header lines and
    nothing else (a table without them is aligned on its rows alone, as kubectl's is)."""
    words = invocation(path, command)
    table = run(*words).stdout.splitlines()
    wide = run(*words, "-o", "wide").stdout.splitlines()
    assert len(wide) == len(table)
    headers = [line for line in table if is_header(line)]
    assert headers and len(headers[-1].split()) < len([w for w in wide if is_header(w)][-1].split())
    bare = run(*words, "--no-headers").stdout.splitlines()
    assert [line.split() for line in bare] == [
        line.split() for line in table if not is_header(line)
    ]


@pytest.mark.parametrize(("path", "command"), LISTS, ids=IDS)
def test_sort_by_a_field(run, invocation, path, command):
    words = invocation(path, command)
    field = "name" if "name" in records(document(run, *words))[0] else "id"
    for section in sections(document(run, *words, "--sort-by", f"{{.{field}}}")):
        keys = [r[field] for r in section]
        assert keys == sorted(keys)
    wrong = run(*words, "--sort-by", "colour")
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith("error: --sort-by 'colour': the items have no such field (")
    assert len(wrong.stderr.splitlines()) == 1


def test_sort_by_takes_kubectls_spellings(run, database):
    def order(field):
        listed = document(run, "database", "list", "--sort-by", field, "--db-path", database)
        return [s["id"] for s in listed["items"]]

    assert [order(f) for f in ("id", ".id", "{.id}")] == [[1, 2, 3]] * 3
    assert order("{.crd_count}") == [3, 1, 2]  # 6, 60 and 61 CRDs: numbers, not text


def some_label(items: list[dict]) -> tuple[str, str]:
    """A label some records have and others do not."""
    for item in items:
        for key, value in (item.get("labels") or {}).items():
            if not all(key in (other.get("labels") or {}) for other in items):
                return key, value
    raise AssertionError("no label tells the records apart")


@pytest.mark.parametrize(
    ("path", "command"), [(p, c) for p, c in LISTS if commands.option(c, "-l")], ids=ids
)
def test_a_label_selector_keeps_what_it_says(run, invocation, path, command):
    words = invocation(path, command)
    items = records(document(run, *words))
    key, value = some_label(items)

    def labels(item):
        return item.get("labels") or {}

    have = records(document(run, *words, "-l", key))
    assert have == [i for i in items if key in labels(i)]
    assert records(document(run, *words, "-l", f"!{key}")) == [i for i in items if i not in have]
    assert records(document(run, *words, "--selector", f"{key}={value}")) == [
        i for i in items if labels(i).get(key) == value
    ]
    wrong = run(*words, "-l", "a b")
    assert wrong.exit_code == 2 and wrong.stderr.startswith("error: -l 'a b': ")


@pytest.mark.parametrize(
    ("path", "command"), [(p, c) for p, c in LISTS if commands.option(c, "-n")], ids=ids
)
def test_a_namespace_keeps_its_objects_and_those_without_one(run, invocation, path, command):
    words = invocation(path, command)
    items = records(document(run, *words))
    namespace = next((i["namespace"] for i in items if i.get("namespace")), "shop")
    kept = records(document(run, *words, "-n", namespace))
    assert kept == [i for i in items if i.get("namespace") in (None, namespace)]
    if any(i.get("namespace") for i in items):
        assert 0 < len(kept) < len(items)
    else:  # CRDs are cluster-scoped
        assert kept == items
    assert records(document(run, *words, "-A")) == items
    both = run(*words, "-n", namespace, "-A")
    assert (both.exit_code, both.stderr) == (
        2,
        "error: --namespace and --all-namespaces cannot be used together\n",
    )


@pytest.mark.parametrize(
    ("path", "command"), [(p, c) for p, c in LISTS if p != ("database", "show")], ids=ids
)
def test_nothing_found_is_said_on_stderr_and_stdout_stays_empty(run, invocation, path, command):
    words = invocation(path, command)
    if path == ("database", "list"):
        nothing = ["--context", "nowhere"]
    else:
        nothing = ["-l", "nowhere"] if commands.option(command, "-l") else ["-n", "nowhere"]
    result = run(*words, *nothing)
    assert (result.exit_code, result.stdout) == (0, "")
    assert re.fullmatch(r"No [A-Za-z ]+ found\.\n", result.stderr)
    assert records(document(run, *words, *nothing)) == []


def test_context_is_the_stored_context_on_database_list(run, database):
    by_context = document(run, "database", "list", "--context", PROD, "--db-path", database)
    assert [s["id"] for s in by_context["items"]] == [3]
    assert by_context == document(
        run, "database", "list", "--cluster-context", PROD, "--db-path", database
    )


# -- snapshot references --------------------------------------------------------------------

REFERENCES = {
    "1": 1,
    "demo@latest": 2,
    "demo@latest~1": 1,
    f"{PROD}@latest": 3,
    "latest": 3,  # the newest snapshot's context, with no kubeconfig
}
# The commands with a snapshot argument; delete is test_delete_takes_the_references.
SNAPSHOT_COMMANDS = [("database", "show"), ("database", "export"), ("analyze",), ("diff",)]


def snapshot_taken(run, path, reference, database) -> int:
    """Which snapshot a command took for ``reference``, as its JSON says."""
    if path == ("diff",):
        compared = document(run, "diff", reference, reference, "--db-path", database)
        return compared["old"]["snapshot_id"]
    words = ["analyze", "overview"] if path == ("analyze",) else list(path)
    return document(run, *words, reference, "--db-path", database)["snapshot"]["id"]


def test_every_snapshot_argument_is_read_here():
    with_snapshots = {
        path
        for path, command in commands.leaves()
        if any(
            "SNAPSHOT" in (p.metavar or "") or "OLD" in (p.metavar or "") for p in command.params
        )
    }
    assert with_snapshots == {*SNAPSHOT_COMMANDS, ("database", "delete")}


@pytest.mark.parametrize("path", SNAPSHOT_COMMANDS, ids=" ".join)
@pytest.mark.parametrize(("reference", "snapshot_id"), REFERENCES.items())
def test_every_snapshot_argument_takes_the_same_references(
    run, database, path, reference, snapshot_id
):
    assert snapshot_taken(run, path, reference, database) == snapshot_id


@pytest.mark.parametrize(("reference", "snapshot_id"), REFERENCES.items())
def test_delete_takes_the_references(run, database, tmp_path, reference, snapshot_id):
    copy = tmp_path / "inventory.db"
    shutil.copyfile(database, copy)
    result = run("database", "delete", reference, "--yes", "--db-path", copy)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"deleted snapshot {snapshot_id}"


def test_a_context_flag_says_where_latest_counts_from(run, database):
    for flag in ("--context", "--cluster-context"):
        shown = document(run, "database", "show", "latest~1", flag, "demo", "--db-path", database)
        assert shown["snapshot"]["id"] == 1


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("demo@latest~2", "demo@latest~2: context demo has only 2 snapshots"),
        ("staging@latest", "staging@latest: context staging has no snapshots"),
        ("9", "snapshot 9 not found"),
    ],
)
def test_a_reference_to_nothing_is_one_line_and_status_1(run, database, reference, message):
    result = run("database", "show", reference, "--db-path", database)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {message}") and len(result.stderr.splitlines()) == 1


# -- exit statuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "status"),
    [
        (["database", "list"], 0),
        (["database", "show", "9"], 1),
        (["database", "list", "--limit", "none"], 2),
        (["diff", "1", f"{PROD}@latest", "--fail-on", "any"], 3),
        (["diff", "1", f"{PROD}@latest", "--fail-on", "none"], 0),
        (["diff", "1", "1", "--fail-on", "any"], 0),
    ],
)
def test_exit_statuses(run, database, words, status):
    assert run(*words, "--db-path", database).exit_code == status

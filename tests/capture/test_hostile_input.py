"""Manifests that try to take the machine down, as a pull request could bring them: a YAML alias
bomb, documents nested tens of thousands of levels deep, files and documents too large. Each is
one line naming the file (and line), exit status 1, no database created or touched; each
limit can be raised with ``--read-limit``.
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_datamodel import documents, errors
from kubectl_datamodel.options import ReadLimits
from tests.support.paths import CLUSTER_V1

HEADER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hostile\ndata:\n"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Each level an anchored list of ``width`` aliases to the level before: 9 levels of 9
    stand for 9**9 (387 million) strings, in about a kilobyte."""
    lines = [f"  a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"  a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return HEADER + "\n".join(lines) + "\n"


def nested_yaml(depth: int) -> str:
    return HEADER + "  x: " + "[" * depth + "]" * depth + "\n"


def nested_json(depth: int) -> str:
    head = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"data":{"x":'
    return head + "[" * depth + "]" * depth + "}}"


def one_line_error(result, *fragments: str) -> str:
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


@pytest.fixture
def write(tmp_path):
    def writer(name: str, text: str) -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return writer


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        ("snapshot", ("--from-file", "{bomb}")),
        ("diff", ("--against-file", "{bomb}")),
        ("diff", ("--base-file", "{bomb}", "--against-dir", str(CLUSTER_V1))),
        ("diff", ("--base-dir", str(CLUSTER_V1), "--against-file", "{bomb}")),
    ],
    ids=["snapshot", "diff", "diff-base", "diff-head"],
)
def test_an_alias_bomb_is_refused_before_the_database_is_touched(
    command, flags, run, write, db_path
):
    bomb = write("bomb.yaml", alias_bomb())
    args = [str(bomb) if flag == "{bomb}" else flag for flag in flags]
    result = run(command, *args, "--db-path", db_path)
    line = one_line_error(result, f"{bomb}:", "aliases expand to more than 100,000 nodes")
    assert "--read-limit aliases=N" in line
    assert not db_path.parent.exists()


def test_an_alias_bomb_leaves_an_existing_database_as_it_was(run, write, stored_v1_v2):
    before = hashlib.sha256(stored_v1_v2.read_bytes()).hexdigest()
    result = run(
        "diff", "--against-file", write("bomb.yaml", alias_bomb()), "--db-path", stored_v1_v2
    )
    one_line_error(result, "aliases expand")
    assert hashlib.sha256(stored_v1_v2.read_bytes()).hexdigest() == before


def test_the_bomb_is_refused_within_bounded_memory(write, tmp_path):
    """In a process that may not grow past 1 GiB of address space: expanding the bomb would
    need gigabytes, refusing it needs nothing."""
    bomb = write("bomb.yaml", alias_bomb())

    def capped() -> None:
        gib = 1024**3
        resource.setrlimit(resource.RLIMIT_AS, (gib, gib))

    result = subprocess.run(
        [sys.executable, "-m", "kubectl_datamodel", "snapshot", "--from-file", bomb,
         "--db-path", tmp_path / "db" / "x.db"],
        capture_output=True, text=True, preexec_fn=capped, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "aliases expand" in result.stderr and "MemoryError" not in result.stderr


@pytest.mark.parametrize("depth", [101, 1_000, 50_000])
def test_deep_yaml_is_one_line_naming_file_and_line(depth, run, write, db_path):
    path = write("deep.yaml", nested_yaml(depth))
    one_line_error(
        run("snapshot", "--from-file", path, "--db-path", db_path),
        f"{path}:6:",
        "nested deeper than 100 levels (--read-limit depth=N raises the limit)",
    )
    assert not db_path.parent.exists()


@pytest.mark.parametrize("depth", [101, 50_000])
def test_deep_json_is_one_line_naming_the_file(depth, run, write, db_path):
    path = write("deep.json", nested_json(depth))
    one_line_error(
        run("snapshot", "--from-file", path, "--db-path", db_path),
        f"{path}: nested deeper than 100 levels",
    )


def test_a_limit_can_be_raised(run, write, db_path):
    path = write("deep.yaml", nested_yaml(150))
    result = run("snapshot", "--from-file", path, "--read-limit", "depth=200", "--db-path", db_path)
    assert result.exit_code == 0, result.stderr


def test_the_deepest_real_manifests_are_well_inside_the_limit():
    """The shared corpus's deepest document (OLM's CSV CRD) nests 40 levels."""
    path = CLUSTER_V1 / "olm"
    for manifest in sorted(path.rglob("*.yaml")):
        documents.read_all(manifest, limits=ReadLimits(depth=60))


def test_a_file_over_the_size_limit_is_not_read(run, write, db_path):
    path = write("big.yaml", HEADER + "  x: " + "y" * 2048 + "\n")
    line = one_line_error(
        run(
            "snapshot", "--from-file", path, "--read-limit", "file-size=1KiB", "--db-path", db_path
        ),
        f"{path}: 2.1 KiB is larger than the 1.0 KiB a file may be",
    )
    assert "--read-limit file-size=SIZE" in line


def test_a_document_over_the_size_limit_names_its_line(run, write, db_path):
    small = HEADER + "  x: y\n"
    path = write("docs.yaml", small + "---\n" + HEADER + "  x: " + "y" * 4096 + "\n")
    one_line_error(
        run(
            "snapshot",
            "--from-file",
            path,
            "--read-limit",
            "document-size=2KiB",
            "--db-path",
            db_path,
        ),
        f"{path}:7: a document of",
        "--read-limit document-size=SIZE",
    )


@pytest.mark.parametrize(
    "value", ["depth", "depth=", "depth=x", "depth=0", "size=1", "file-size=lots"]
)
def test_a_malformed_limit_is_a_usage_error(value, run, db_path):
    result = run("snapshot", "--from-dir", CLUSTER_V1, "--read-limit", value, "--db-path", db_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --read-limit")


def test_export_and_ignore_files_are_read_within_the_same_limits(write):
    path = write("export.json", nested_json(500))
    with pytest.raises(errors.ManifestError, match="nested deeper than 100 levels"):
        documents.load_document(path, "export file")
    bomb = write("ignore.yaml", alias_bomb())
    with pytest.raises(errors.ManifestError, match="aliases expand"):
        documents.load_document(bomb, "ignore file")


def test_a_crd_larger_than_etcd_stores_is_a_warning(run, write, db_path):
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "bigs.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Big", "plural": "bigs"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True, "storage": True,
                          "schema": {"openAPIV3Schema": {"type": "object",
                                                         "description": "x" * (1700 * 1024)}}}],
        },
    }  # fmt: skip
    path = write("big.json", json.dumps(crd))
    result = run("snapshot", "--from-file", path, "--db-path", db_path)
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: {path} (document 1): CustomResourceDefinition bigs.example.com is 1.7 MiB "
        "as JSON, over the 1.5 MiB etcd stores: the API server would refuse it\n"
    )

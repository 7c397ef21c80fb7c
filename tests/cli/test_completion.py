"""Completion as a user gets it: `kubectl datamodel <TAB>` through kubectl's plugin protocol
(Cobra's: a candidate a line, then ``:DIRECTIVE``), the bash script of `completion bash`, and
snapshot ids and contexts read from the database, never written to it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_datamodel import store
from kubectl_datamodel.capture import files
from kubectl_datamodel.cli import completion
from kubectl_datamodel.options import CaptureOptions
from tests.support import commands
from tests.support.paths import CERT_MANAGER_MANIFESTS

BIN = Path(sys.executable).parent  # where pip put kubectl-datamodel and kubectl_complete-datamodel


def plugin_completing_kubectl() -> str | None:
    """kubectl on PATH, if it is 1.26 or newer: older ones do not complete plugins."""
    found = shutil.which("kubectl")
    if found is None:
        return None
    version = subprocess.run(
        [found, "version", "--client", "-o", "json"], capture_output=True, text=True, check=False
    )
    try:
        client = json.loads(version.stdout)["clientVersion"]
        newer = (int(client["major"]), int(client["minor"].rstrip("+"))) >= (1, 26)
    except (ValueError, KeyError):
        return None
    return found if newer else None


KUBECTL = plugin_completing_kubectl()
# What a command needs before its SNAPSHOT argument.
BEFORE_SNAPSHOT = {"VIEW": "overview"}


def complete(*words: str) -> tuple[list[str], str]:
    """kubectl_complete-datamodel's answer, in-process: the candidates and the directive."""
    *lines, directive = completion.plugin_completions(commands.root(), list(words))
    return lines, directive


def values(lines: list[str]) -> list[str]:
    return [line.split("\t")[0] for line in lines]


@pytest.fixture(scope="module")
def two_contexts(_v1_v2_template, tmp_path_factory) -> Path:
    """demo (snapshots 1 and 2) and prod (snapshot 3), once for the module: completion only
    reads (and the tests check it wrote nothing where there was nothing)."""
    path = tmp_path_factory.mktemp("completion") / "inventory.db"
    shutil.copyfile(_v1_v2_template, path)
    prod = files.capture(CaptureOptions(from_dirs=(CERT_MANAGER_MANIFESTS,), context="prod"))
    with store.open_store(path) as db:
        db.write_snapshot(prod.snapshot)
    return path


def snapshot_arguments() -> list[tuple[tuple[str, ...], list[str]]]:
    """Every command with a snapshot argument, read from the app, with the words before it."""
    found = []
    for path, command in commands.leaves():
        names = [p.metavar for p in command.params if p.param_type_name == "argument"]
        at = next((i for i, n in enumerate(names) if "SNAPSHOT" in n or "OLD" in n), None)
        if at is not None:
            found.append((path, [BEFORE_SNAPSHOT[n] for n in names[:at]]))
    return found


def test_commands_complete_with_their_summaries():
    lines, directive = complete("")
    assert directive == ":4"
    assert "database\tManage and inspect stored snapshots." in lines
    assert not [line for line in lines if line.endswith("...")]
    assert values(complete("database", "ex")[0]) == ["export", "export-all"]


def test_every_snapshot_argument_completes_the_references(two_contexts):
    found = snapshot_arguments()
    assert {p for p, _ in found} >= {
        ("database", "show"),
        ("database", "export"),
        ("database", "delete"),
        ("diff",),
        ("analyze",),
    }
    for path, before in found:
        lines, directive = complete(*path, "--db-path", str(two_contexts), *before, "")
        assert directive == ":4"
        assert values(lines) == [
            "3",
            "2",
            "1",
            "latest",
            "latest~1",
            "prod@latest",
            "demo@latest",
        ], path
        assert lines[0].startswith("3\tprod ")
        assert lines[1].endswith("after upgrade")


def test_references_complete_what_is_typed(two_contexts):
    lines, _ = complete("--db-path", str(two_contexts), "database", "show", "p")
    assert values(lines) == ["prod@latest"]


def test_every_stored_context_flag_completes_the_contexts(two_contexts):
    flagged = [
        (path, name)
        for path, command in commands.leaves()
        for option in commands.options(command)
        if option.metavar == "CONTEXT"
        for name in option.opts
    ]
    assert {p for p, _ in flagged} >= {("database", "list"), ("diff",), ("analyze",), ("report",)}
    for path, name in flagged:  # the database named before the command, this time
        lines, _ = complete("--db-path", str(two_contexts), *path, name, "")
        assert lines == ["prod\t1 snapshot", "demo\t2 snapshots"], (path, name)


def test_without_a_database_nothing_completes_and_nothing_is_created(db_path, monkeypatch):
    monkeypatch.setenv("KUBECTL_DATAMODEL_DB", str(db_path))
    assert complete("database", "show", "") == ([], ":4")
    assert complete("database", "list", "--context", "") == ([], ":4")
    assert not db_path.parent.exists()
    db_path.parent.mkdir()
    db_path.write_text("not a database")
    assert complete("diff", "") == ([], ":4")
    assert db_path.read_text() == "not a database"


def test_files_and_folders_are_left_to_the_shell():
    assert complete("snapshot", "--from-dir", "")[1] == ":16"  # directories only
    assert complete("snapshot", "--from-file", "")[1] == ":0"
    assert complete("database", "list", "-o", "")[1] == ":4"


@pytest.fixture
def env(two_contexts, tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "KUBECTL_DATAMODEL_DB": str(two_contexts),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
    }


def test_the_bash_script_completes_snapshots(run, env):
    script = run("completion", "bash").stdout
    shell = (
        f"{script}\n"
        'COMP_WORDS=(kubectl-datamodel database show ""); COMP_CWORD=3\n'
        "_kubectl_datamodel_completion kubectl-datamodel\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "--norc", "-c", shell], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.split() == [
        "3",
        "2",
        "1",
        "latest",
        "latest~1",
        "prod@latest",
        "demo@latest",
    ]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_the_other_scripts_call_the_command_back(run, shell):
    script = run("completion", shell).stdout
    assert f"_KUBECTL_DATAMODEL_COMPLETE=complete_{shell}" in script
    assert "kubectl-datamodel" in script


@pytest.mark.skipif(KUBECTL is None, reason="needs kubectl 1.26+ on PATH")
def test_kubectl_completes_the_plugin(env):
    def kubectl_complete(*words: str) -> list[str]:
        result = subprocess.run(
            [KUBECTL, "__complete", "datamodel", *words],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return result.stdout.splitlines()

    top = kubectl_complete("")
    assert "database\tManage and inspect stored snapshots." in top and top[-1] == ":4"
    show = kubectl_complete("database", "show", "")
    assert values(show[:-1]) == ["3", "2", "1", "latest", "latest~1", "prod@latest", "demo@latest"]
    assert kubectl_complete("database", "list", "--context", "")[:-1] == [
        "prod\t1 snapshot",
        "demo\t2 snapshots",
    ]


@pytest.mark.skipif(KUBECTL is None, reason="needs kubectl 1.26+ on PATH")
def test_kubectl_completes_through_a_link_to_the_command(env, tmp_path):
    """The release binary has no second executable: linked as kubectl_complete-datamodel, the
    command itself answers kubectl."""
    links = tmp_path / "bin"
    links.mkdir()
    for name in ("kubectl-datamodel", "kubectl_complete-datamodel"):
        (links / name).symlink_to(BIN / "kubectl-datamodel")
    env = {**env, "PATH": f"{links}{os.pathsep}{Path(KUBECTL).parent}"}
    result = subprocess.run(
        [KUBECTL, "__complete", "datamodel", "database", "show", "de"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout.splitlines() == ["demo@latest\tthe newest snapshot of demo", ":4"]


def test_values_we_read_complete_to_what_we_accept(run, two_contexts):
    """--fail-on LEVEL, analyze's VIEW and completion's SHELL are words the command checks
    itself; completion offers exactly the words it then takes."""
    found = {
        (path, param.metavar): param
        for path, command in commands.leaves()
        for param in command.params
        if param.metavar in ("LEVEL", "VIEW", "SHELL")
    }
    assert set(found) == {
        (("diff",), "LEVEL"),
        (("analyze",), "LEVEL"),
        (("analyze",), "VIEW"),
        (("completion",), "SHELL"),
    }
    database = ["--db-path", str(two_contexts)]
    uses = {
        (("diff",), "LEVEL"): lambda word: ["diff", "1", "1", "--fail-on", word, *database],
        (("analyze",), "LEVEL"): lambda word: [
            "analyze",
            "overview",
            "1",
            "--fail-on",
            word,
            *database,
        ],
        (("analyze",), "VIEW"): lambda word: ["analyze", word, "1", *database],
        (("completion",), "SHELL"): lambda word: ["completion", word],
    }
    for (path, metavar), use in uses.items():
        words = use("").copy()
        before = words[: words.index("")]
        offered = values(complete(*before, "")[0])
        assert len(offered) >= 3, (path, metavar)
        for word in offered:
            assert run(*use(word)).exit_code in (0, 3), (path, metavar, word)
        assert run(*use("bogus")).exit_code == 2

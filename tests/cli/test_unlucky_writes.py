"""Outputs that cannot be written, and databases that cannot be read: one line naming the path,
exit status 1, nothing half-written left behind.

A full disk is real here: standard output goes to /dev/full (every write fails with ENOSPC),
and files are written by a child whose file size limit (RLIMIT_FSIZE) the export exceeds, so
the kernel refuses the write with EFBIG. Nothing in the program is patched.
"""

from __future__ import annotations

import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = [sys.executable, "-m", "kubectl_datamodel"]


def run_child(
    *args: str | Path, stdout: object = subprocess.PIPE, file_size: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limited() -> None:
        if file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return subprocess.run(
        [*COMMAND, *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limited,
        check=False,
        timeout=120,
    )


def test_a_full_disk_on_standard_output_is_one_line(stored_v1_v2):
    with open("/dev/full", "w") as full:  # noqa: PTH123 - a device, not a path we own
        result = run_child("database", "show", "2", "--db-path", stored_v1_v2, stdout=full)
    assert result.returncode == 1
    assert result.stderr == "error: cannot write to standard output: No space left on device\n"


def test_a_reader_that_stops_early_ends_the_command_quietly(stored_v1_v2):
    process = subprocess.Popen(
        [*COMMAND, "query", "SELECT body FROM specs", "-o", "json", "--db-path", stored_v1_v2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(100)
    process.stdout.close()  # `| head -c 100`
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 1
    assert stderr == ""


# (option, command, a file size limit under what the command writes but over the 32 KiB the
# database's shared-memory file takes when it is opened)
@pytest.mark.parametrize(
    ("option", "command", "file_size"),
    [
        ("--file", ("database", "export", "2", "--include-specs"), 1024 * 1024),
        ("--html", ("report", "--cluster-context", "demo"), 64 * 1024),
    ],
)
def test_a_file_that_cannot_be_written_is_one_line_and_leaves_nothing(
    option, command, file_size, stored_v1_v2, tmp_path
):
    target = tmp_path / "out" / "result.txt"
    target.parent.mkdir()
    result = run_child(
        *command, option, target, "--db-path", stored_v1_v2,
        stdout=subprocess.DEVNULL, file_size=file_size,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == f"error: {option} {target}: cannot write: File too large\n"
    assert list(target.parent.iterdir()) == []


def test_a_full_disk_under_the_markdown_file_is_one_line(stored_v1_v2):
    """The comment is some 20 kB, under the 32 KiB a file size limit must leave the database,
    so the full disk is /dev/full's."""
    result = run_child(
        "diff", "1", "2", "-o", "json", "--markdown-file", "/dev/full", "--db-path", stored_v1_v2,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        "error: --markdown-file /dev/full: cannot write: No space left on device\n"
    )


@pytest.mark.parametrize(
    ("option", "command"),
    [
        ("--file", ("database", "export", "1")),
        ("--html", ("report",)),
        ("--markdown-file", ("diff", "1", "2", "-o", "json")),
    ],
)
def test_files_holding_cluster_data_are_their_owners_alone(
    option, command, run, stored_v1_v2, tmp_path
):
    target = tmp_path / "result"
    assert run(*command, option, target, "--db-path", stored_v1_v2).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_query_on_a_damaged_database_names_it(run, stored_v1_v2):
    size = stored_v1_v2.stat().st_size
    with stored_v1_v2.open("r+b") as database:
        database.seek(size // 2)
        database.write(b"\xff" * 8192)
    result = run("query", "SELECT count(*) FROM specs WHERE body LIKE '%x%'",
                 "--db-path", stored_v1_v2)  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: database {stored_v1_v2} is damaged (")


def test_a_template_that_asks_for_too_much_is_one_line(run, stored_v1_v2, tmp_path):
    template = tmp_path / "big.j2"
    template.write_text("{{ range(10**9) | list }}")
    result = run("query", "SELECT 1 AS a", "--template", template, "--db-path", stored_v1_v2)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {template}: row 1: Range too big.")
    assert len(result.stderr.splitlines()) == 1

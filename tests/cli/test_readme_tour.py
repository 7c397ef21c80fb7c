"""README's tour, run literally on a pseudo-terminal, as a newcomer would after the set-up command.

Every ``console`` block of README.md is run, command by command, in a fresh HOME on a colour
terminal, in order, on the database README's own set-up command creates; every line README
shows must be on the screen. A ``...`` line in README stands for lines left out; a block
without one shows the whole output. README shows timestamps as they were when it was written
and the home folder as ``~``, so both are compared loosely. Commands that need a cluster sit in
``sh`` blocks and are not run here (tests/capture/test_live.py and tests/cluster/ run them).
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.terminal import run_on_terminal, terminal_env

README = ROOT / "README.md"
#: Wide enough that the tour's longest lines are not wrapped by the terminal itself.
COLUMNS = 512
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@dataclasses.dataclass
class Step:
    command: str
    expected: list[str]  # README's lines after the command, "..." where lines are left out
    line: int  # where the command is in README.md

    def __str__(self) -> str:
        return f"README.md:{self.line}: $ {self.command}"


def setup_commands(readme: str) -> list[str]:
    """The kubectl-datamodel part of the first set-up command (the install is this test's)."""
    first = re.search(r"## Set up\n.*?```sh\n(.*?)\n```", readme, re.S)
    assert first, "README.md has no set-up command"
    return [c for c in first.group(1).split(" && ") if c.startswith("kubectl-datamodel ")]


def tour(readme: str) -> list[Step]:
    steps: list[Step] = []
    for block in re.finditer(r"```console\n(.*?)```", readme, re.S):
        first_line = readme.count("\n", 0, block.start()) + 2
        lines = block.group(1).splitlines()
        i = 0
        while i < len(lines):
            assert lines[i].startswith("$ "), f"README.md:{first_line + i}: output before a $"
            start = i
            command = lines[i][2:]
            while command.endswith("\\") or not _complete(command):
                i += 1
                command += "\n" + lines[i]
            i += 1
            expected = []
            while i < len(lines) and not lines[i].startswith("$ "):
                expected.append(lines[i])
                i += 1
            steps.append(Step(command, expected, first_line + start))
    return steps


def _complete(command: str) -> bool:
    try:
        shlex.split(command)
    except ValueError:  # an open quote: the command goes on on the next line
        return False
    return True


def _normalized(line: str, home: Path) -> str:
    return TIMESTAMP.sub("YYYY-MM-DDTHH:MM:SSZ", line.replace(str(home), "~")).rstrip()


def _check_screen(step: Step, lines: list[str], home: Path) -> None:
    shown = [_normalized(line, home) for line in lines]
    expected = [_normalized(line, home) for line in step.expected]
    if "..." not in expected:
        assert shown == expected, f"{step} printed:\n" + "\n".join(lines)
        return
    chunks: list[list[str]] = [[]]
    for line in expected:
        if line == "...":
            chunks.append([])
        else:
            chunks[-1].append(line)
    at = 0
    for chunk in filter(None, chunks):
        starts = range(at, len(shown) - len(chunk) + 1)
        found = next((i for i in starts if shown[i : i + len(chunk)] == chunk), None)
        assert found is not None, "\n".join(
            [f"{step}: README shows", *chunk, "but the screen has", *lines]
        )
        at = found + len(chunk)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder of the user's own, with the checkout's examples and test data at hand."""
    work = tmp_path / "work"
    work.mkdir()
    for name in ("examples", "tests"):
        (work / name).symlink_to(ROOT / name)
    return work


def test_the_tour_runs_literally_top_to_bottom(workdir: Path, tmp_path: Path) -> None:
    for tool in ("jq", "sqlite3"):
        assert shutil.which(tool), f"README's tour uses {tool}: install it (.ci/run does)"
    readme = README.read_text()
    home = tmp_path / "home"
    env = terminal_env(home)
    for command in setup_commands(readme):
        screen = run_on_terminal(command, cwd=workdir, env=env, columns=COLUMNS)
        assert screen.exit_code == 0, f"set-up {command!r} failed:\n{screen.text}"
    steps = tour(readme)
    assert len(steps) > 20, "README's tour has lost its console blocks"
    status = 0
    for index, step in enumerate(steps):
        # `echo $?` shows the previous command's status: each command starts with it set.
        screen = run_on_terminal(
            f"(exit {status}); {step.command}", cwd=workdir, env=env, columns=COLUMNS
        )
        status = screen.exit_code
        assert b"Traceback" not in screen.raw, f"{step}:\n{screen.text}"
        shows_status = index + 1 < len(steps) and steps[index + 1].command == "echo $?"
        assert status == 0 or shows_status, f"{step} exited {status}:\n{screen.text}"
        if step.expected:
            _check_screen(step, screen.lines, home)

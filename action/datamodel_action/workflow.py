"""The runner's side of a step: workflow commands on stdout, and the files it reads afterwards.

GitHub reads outputs, PATH additions and the job summary from files named
by environment variables; those files are the only state shared between the action's steps.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: GitHub refuses a step summary larger than this (1 MiB) and shows nothing of it.
SUMMARY_LIMIT = 1024 * 1024


class ActionError(Exception):
    """A problem the workflow author can fix; reported as one ``::error::`` line, exit 1."""


def _escape(text: str) -> str:
    """Workflow command data: %, CR and LF would end or corrupt the command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command(name: str, message: str) -> None:
    print(f"::{name}::{_escape(message)}", flush=True)


def error(message: str) -> None:
    _command("error", message)


def warning(message: str) -> None:
    _command("warning", message)


def notice(message: str) -> None:
    _command("notice", message)


def _runner_file(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        raise ActionError(f"${variable} is not set: run this inside a GitHub Actions step")
    return Path(value)


def _append(variable: str, name: str, value: str) -> None:
    """``name<<DELIMITER`` blocks: safe for values with newlines, unlike ``name=value``."""
    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    with _runner_file(variable).open("a", encoding="utf-8") as handle:
        handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def set_output(name: str, value: str) -> None:
    _append("GITHUB_OUTPUT", name, value)


def add_path(directory: Path) -> None:
    with _runner_file("GITHUB_PATH").open("a", encoding="utf-8") as handle:
        handle.write(f"{directory}\n")
    os.environ["PATH"] = f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"


def write_summary(markdown: str) -> None:
    """Append to the job summary, cut at a line so that the step stays under GitHub's limit."""
    path = _runner_file("GITHUB_STEP_SUMMARY")
    used = path.stat().st_size if path.exists() else 0
    text = fit(markdown, SUMMARY_LIMIT - used)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def fit(markdown: str, limit: int) -> str:
    """``markdown`` if it is at most ``limit`` UTF-8 bytes, else its longest prefix of whole
    lines followed by a note saying it was cut; nothing when not even the note fits."""
    data = markdown.encode("utf-8")
    if len(data) <= limit:
        return markdown
    note = "\n_The rest of this summary was cut: GitHub shows at most 1 MiB._\n"
    room = limit - len(note.encode("utf-8"))
    if room < 0:
        return ""
    kept = data[: data.rfind(b"\n", 0, room) + 1]  # whole lines only: none if no newline fits
    return kept.decode("utf-8") + note


def fail(message: str) -> int:
    """Report ``message`` as the step's error; the exit status for the step."""
    error(message)
    return 1

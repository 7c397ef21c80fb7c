"""The drift report in its three cuts, and the artifact that carries it whole.

One ``kubectl datamodel diff`` writes the report three times: the pull-request comment (GitHub's
65,536 characters, less the marker and footer), the job summary (GitHub's 1 MiB), and the
Markdown uncut beside the JSON. The uncut pair is published as an artifact of its own
(``<database-artifact>-drift-<pull request>``), and what is cut says where that artifact is;
the comment and the summary link it once it is uploaded.

On a pull request the artifact also names the pull request and the head commit the report is
of (``pull-request.json``), for a later workflow that only comments (``mode: comment``), which
checks both against what GitHub says before it believes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datamodel_action import comment, workflow

#: The JSON report, the uncut Markdown, the comment's cut, and the pull request they are for.
JSON_FILE = "drift.json"
MARKDOWN_FILE = "drift.md"
COMMENT_FILE = "comment.md"
PULL_REQUEST_FILE = "pull-request.json"
#: The comment's Markdown leaves room for the marker line and the footer.
COMMENT_ROOM = comment.COMMENT_LIMIT - comment.FRAME
#: The summary's, for the snapshot heading and the artifact's link (GitHub counts bytes, the
#: renderer characters: workflow.write_summary still cuts what multi-byte text pushes over).
SUMMARY_ROOM = workflow.SUMMARY_LIMIT - 8 * 1024
#: "Uncut": more than any report holds.
UNCUT = 2**31 - 1


def artifact_name(database_artifact: str, number: int | None) -> str:
    """The report's artifact: one per pull request (a new run replaces it), else one per
    history."""
    suffix = f"-{number}" if number is not None else ""
    return f"{database_artifact}-drift{suffix}"


def hint(name: str) -> str:
    """Where a cut report sends readers, as Markdown: this run's artifact."""
    return f"the `{name}` artifact of this workflow run (Markdown and JSON), linked below"


def diff_options(folder: Path, summary: Path, full_report_hint: str | None) -> list[str]:
    """``kubectl datamodel diff`` options for the three Markdown cuts; the JSON is stdout."""
    options = []
    for path, limit in (
        (folder / COMMENT_FILE, COMMENT_ROOM),
        (summary, SUMMARY_ROOM),
        (folder / MARKDOWN_FILE, UNCUT),
    ):
        options += ["--markdown-file", str(path), "--markdown-limit", str(limit)]
    return options + (["--full-report-hint", full_report_hint] if full_report_hint else [])


def write_pull_request(folder: Path, number: int, head: str) -> None:
    """What the report is of, for ``mode: comment``: claims to check, not facts."""
    document = {"number": number, "head_sha": head}
    (folder / PULL_REQUEST_FILE).write_text(json.dumps(document) + "\n", encoding="utf-8")


def link(name: str, url: str) -> str:
    """The artifact as a Markdown link, or its name alone when there is no URL."""
    return f"[`{name}`]({url})" if url else f"`{name}`"


def summary_link(name: str, url: str) -> str:
    return f"\n**Full report** (Markdown and JSON): the artifact {link(name, url)}.\n"


def pull_number(event: dict[str, Any]) -> int | None:
    pull = event.get("pull_request")
    if isinstance(pull, dict) and isinstance(pull.get("number"), int):
        return int(pull["number"])
    return None


def note_empty_baseline(missing: str, *markdown: Path) -> None:
    """Say at the top of each cut that there was no history to compare with."""
    note = (
        f"> **No history yet** ({missing}): this compares with an empty baseline, so "
        "everything reads as added.\n\n"
    )
    for path in markdown:
        path.write_text(note + path.read_text(encoding="utf-8"), encoding="utf-8")

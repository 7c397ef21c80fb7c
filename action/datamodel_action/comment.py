"""One pull-request comment per report, found again by a hidden marker and edited in place.

The marker carries a key (so two uses of the action on one pull request keep two comments), a
digest of the drift (so a run that finds the same drift leaves the comment alone instead of
bumping it), and the head commit and workflow run the report came from. When the drift goes
away the comment says so rather than vanishing: reviewers who read it keep the context.

Two rules keep the comment honest:

- **Only our own comments are ours.** A marker is plain text anyone can paste, and a token that
  may write to the repository may edit or delete anyone's comment. A comment is matched only when
  its author is the token's own identity (``GET /user`` for a personal token; for an
  installation token, which has no user, the ``github-actions[bot]`` that ``GITHUB_TOKEN``
  writes as), so another person's comment is never edited, and never deleted as a duplicate.
- **An older run never overwrites a newer one.** Nothing is written when the pull request's head
  has moved on from the commit this run reported on, or when the comment already holds the
  report of a later run (a higher run id, or a later attempt of the same run).
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from datamodel_action.github import ApiError, GitHub

#: GitHub rejects comment bodies longer than this.
COMMENT_LIMIT = 65_536
#: Room the marker line and the footer take in a comment, kept out of the Markdown report.
FRAME = 1_500
MARKER = re.compile(
    r"<!-- kubectl-datamodel:drift key=(?P<key>\S+) digest=(?P<digest>\w+)"
    r"(?: head=(?P<head>[0-9a-f]{7,64}))?(?: run=(?P<run>\d+)\.(?P<attempt>\d+))? -->"
)
RESOLVED = "resolved"
#: A commit id as the marker records it.
SHA = re.compile(r"[0-9a-f]{7,64}")
KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._:@/-]")
#: Who ``GITHUB_TOKEN`` (an installation token of the GitHub Actions app) writes as.
ACTIONS_BOT = "github-actions[bot]"
#: Only the start of a comment is searched for the marker: it is always our first line.
MARKER_WINDOW = 300


class Outcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    RESOLVED = "resolved"
    OUTDATED = "outdated"
    NONE = "none"


@dataclass(frozen=True, order=True)
class Origin:
    """Which report a comment holds: the workflow run (and attempt) that made it, and the head
    commit of the pull request it was made for ("" when unknown)."""

    run: int
    attempt: int
    head: str = ""

    def fields(self) -> str:
        head = f" head={self.head}" if self.head else ""
        return f"{head} run={self.run}.{self.attempt}"


@dataclass(frozen=True)
class Found:
    id: int
    key: str
    digest: str
    origin: Origin | None  # None: a marker from before runs were recorded


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    reason: str = ""  # why nothing was written, for OUTDATED


def key_of(text: str) -> str:
    """A marker key from a context or artifact name: no spaces, no ``-->``."""
    return KEY_UNSAFE.sub("_", text) or "default"


def digest(report: dict[str, Any]) -> str:
    """What the comment says, as a short hash: the baseline snapshot, changes and notes.
    Capture times of the new side are left out, or every run would count as a change."""
    essentials = {
        "old": report.get("old", {}).get("snapshot_id"),
        "changes": report.get("changes", []),
        "notes": report.get("notes", []),
        "ignored": report.get("summary", {}).get("ignored"),
    }
    canonical = json.dumps(essentials, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def marker(key: str, value: str, origin: Origin | None = None) -> str:
    fields = origin.fields() if origin else ""
    return f"<!-- kubectl-datamodel:drift key={key} digest={value}{fields} -->"


def body(key: str, report: dict[str, Any], markdown: str, footer: str, origin: Origin) -> str:
    return f"{marker(key, digest(report), origin)}\n{markdown.rstrip()}\n\n{footer}\n"


def resolved_body(key: str, footer: str, origin: Origin) -> str:
    return (
        f"{marker(key, RESOLVED, origin)}\n### kubectl-datamodel drift\n\n"
        f"No drift any more: the desired state matches the cluster.\n\n{footer}\n"
    )


def author(api: GitHub) -> str:
    """The login the token writes comments as. ``GET /user`` names the user of a personal
    token; an installation token (``GITHUB_TOKEN``) has no user and is refused with 403, and
    writes as the GitHub Actions bot."""
    try:
        return str(api.get("/user")["login"])
    except ApiError as exc:
        if exc.status == 403:
            return ACTIONS_BOT
        raise


def find(comments: Iterable[dict[str, Any]], key: str, login: str) -> list[Found]:
    """This report's comments written by ``login``, oldest first (there is one, unless a race
    made two). Anyone else's comment is passed over, whatever marker it carries."""
    found = []
    for item in comments:
        if (item.get("user") or {}).get("login") != login:
            continue
        match = MARKER.search(str(item.get("body") or "")[:MARKER_WINDOW])
        if match and match.group("key") == key:
            found.append(Found(int(item["id"]), key, match.group("digest"), _origin(match)))
    return found


def _origin(match: re.Match[str]) -> Origin | None:
    if match.group("run") is None:
        return None
    return Origin(int(match.group("run")), int(match.group("attempt")), match.group("head") or "")


def outdated(api: GitHub, number: int, origin: Origin, existing: list[Found]) -> str:
    """Why this run must not write (empty: it may): the pull request's head has moved past
    the commit it reported on, or a comment already holds a later run's report."""
    if origin.head:
        pull = api.get(api.repo_path(f"pulls/{number}"))
        head = str((pull.get("head") or {}).get("sha") or "")
        if head and head != origin.head:
            return (
                f"this run reported on {origin.head[:12]}, but the pull request's head is now "
                f"{head[:12]}: the run for that commit writes the comment"
            )
    for found in existing:
        if found.origin and (found.origin.run, found.origin.attempt) > (
            origin.run,
            origin.attempt,
        ):
            return (
                f"the comment already holds the report of a later run "
                f"({found.origin.run}, attempt {found.origin.attempt})"
            )
    return ""


def sync(
    api: GitHub,
    number: int,
    key: str,
    report: dict[str, Any],
    markdown: str,
    footer: str,
    origin: Origin,
) -> Result:
    """Bring the pull request's comment in line with ``report``: post it, edit it, leave it
    as it is, or say the drift is resolved; or write nothing when this run is outdated. Posts
    nothing while there never was drift."""
    issue = api.repo_path(f"issues/{number}/comments")
    existing = find(api.pages(issue), key, author(api))
    reason = outdated(api, number, origin, existing)
    if reason:
        return Result(Outcome.OUTDATED, reason)
    for extra in existing[1:]:
        api.delete(api.repo_path(f"issues/comments/{extra.id}"))
    current = existing[0] if existing else None
    drift = bool(report.get("summary", {}).get("drift"))
    if not drift:
        if current is None or current.digest == RESOLVED:
            return Result(Outcome.NONE)
        text = resolved_body(key, footer, origin)
        api.patch(api.repo_path(f"issues/comments/{current.id}"), {"body": text})
        return Result(Outcome.RESOLVED)
    text = body(key, report, markdown, footer, origin)
    if current is None:
        api.post(issue, {"body": text})
        return Result(Outcome.CREATED)
    if current.digest == digest(report):
        return Result(Outcome.UNCHANGED)
    api.patch(api.repo_path(f"issues/comments/{current.id}"), {"body": text})
    return Result(Outcome.UPDATED)

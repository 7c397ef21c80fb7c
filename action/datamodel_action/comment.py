"""One pull-request comment per report, found again by a hidden marker and edited in place.

The marker carries a key (so two uses of the action on one pull request keep two comments) and
a digest of the drift (so a run that finds the same drift leaves the comment alone instead of
bumping it). When the drift goes away the comment says so rather than vanishing: reviewers who
read it keep the context.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from datamodel_action.github import GitHub

#: GitHub rejects comment bodies longer than this.
COMMENT_LIMIT = 65_536
#: Room the marker line and the footer take in a comment, kept out of the Markdown report.
FRAME = 400
MARKER = re.compile(r"<!-- kubectl-datamodel:drift key=(?P<key>\S+) digest=(?P<digest>\w+) -->")
RESOLVED = "resolved"
KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._:@/-]")


class Outcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    RESOLVED = "resolved"
    NONE = "none"


@dataclass(frozen=True)
class Found:
    id: int
    key: str
    digest: str


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


def marker(key: str, value: str) -> str:
    return f"<!-- kubectl-datamodel:drift key={key} digest={value} -->"


def body(key: str, report: dict[str, Any], markdown: str, footer: str) -> str:
    return f"{marker(key, digest(report))}\n{markdown.rstrip()}\n\n{footer}\n"


def resolved_body(key: str, footer: str) -> str:
    return (
        f"{marker(key, RESOLVED)}\n### kubectl-datamodel drift\n\n"
        f"No drift any more: the desired state matches the cluster.\n\n{footer}\n"
    )


def find(comments: Sequence[dict[str, Any]], key: str) -> list[Found]:
    """This report's comments, oldest first (there is one, unless a race made two)."""
    found = []
    for item in comments:
        match = MARKER.search(str(item.get("body") or "")[:300])
        if match and match.group("key") == key:
            found.append(Found(int(item["id"]), key, match.group("digest")))
    return found


def sync(
    api: GitHub, number: int, key: str, report: dict[str, Any], markdown: str, footer: str
) -> Outcome:
    """Bring the pull request's comment in line with ``report``: post it, edit it, leave it
    as it is, or say the drift is resolved. Posts nothing while there never was drift."""
    issue = api.repo_path(f"issues/{number}/comments")
    existing = find(list(api.pages(issue)), key)
    for extra in existing[1:]:
        api.delete(api.repo_path(f"issues/comments/{extra.id}"))
    current = existing[0] if existing else None
    drift = bool(report.get("summary", {}).get("drift"))
    if not drift:
        if current is None or current.digest == RESOLVED:
            return Outcome.NONE
        api.patch(
            api.repo_path(f"issues/comments/{current.id}"), {"body": resolved_body(key, footer)}
        )
        return Outcome.RESOLVED
    text = body(key, report, markdown, footer)
    if current is None:
        api.post(issue, {"body": text})
        return Outcome.CREATED
    if current.digest == digest(report):
        return Outcome.UNCHANGED
    api.patch(api.repo_path(f"issues/comments/{current.id}"), {"body": text})
    return Outcome.UPDATED

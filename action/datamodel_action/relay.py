"""``mode: comment``: post the report a pull request's own run made, from a trusted workflow.

A pull request from a fork runs with a read-only token, so it cannot comment. The safe way to
comment anyway is two workflows: the ``pull_request`` one (untrusted: it runs the fork's
manifests) computes the report and publishes it as an artifact (``mode: diff``), and a
``workflow_run`` one, which runs this repository's code with a write token and checks nothing
out, posts it (``mode: comment``).

Everything in the artifact was made by the fork's run, so it is read as claims:

- the artifact is looked for only in the run that triggered this workflow;
- its ``pull-request.json`` must name a pull request whose head branch is the run's (same
  repository, same branch) and, when GitHub lists the run's pull requests, one of them; and the
  head commit it names must be the run's;
- sizes are bounded before anything is read, and the Markdown is cut to fit a comment.

The comment it posts is the same one ``mode: diff`` keeps (the same key, ownership and ordering
rules of comment.py), with the report's run as its origin: so a later run's report is never
overwritten by an earlier one finishing late.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from datamodel_action import comment, delivery
from datamodel_action.github import GitHub
from datamodel_action.workflow import ActionError

#: Bounds on what is read from the artifact (a zip made by a fork's run).
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_MARKDOWN_BYTES = 4 * comment.COMMENT_LIMIT
MAX_CLAIM_BYTES = 4096


@dataclass(frozen=True)
class Relayed:
    """A report from another run, checked, ready to comment."""

    number: int
    report: dict[str, Any]
    markdown: str
    origin: comment.Origin
    artifact: str
    artifact_url: str
    run_url: str


def triggering_run(event: dict[str, Any]) -> dict[str, Any] | None:
    """The run this workflow_run event is about, when it was for a pull request."""
    run = event.get("workflow_run")
    if not isinstance(run, dict):
        raise ActionError(
            "mode comment posts a report an earlier workflow made: run it `on: workflow_run` "
            "(see action/README.md, Pull requests from forks)"
        )
    return run if run.get("event") == "pull_request" else None


def fetch(api: GitHub, run: dict[str, Any], database_artifact: str, server: str) -> Relayed | None:
    """The report ``run`` published, checked against the run and the pull request; None when
    it published none (it failed before, or had nothing to compare)."""
    prefix = f"{delivery.artifact_name(database_artifact, None)}-"
    run_id = int(run["id"])
    listing = api.pages(api.repo_path(f"actions/runs/{run_id}/artifacts"), key="artifacts")
    found = [a for a in listing if str(a.get("name", "")).startswith(prefix)]
    found = [a for a in found if not a.get("expired")]
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(sorted(str(a["name"]) for a in found))
        raise ActionError(f"run {run_id} published more than one report ({names}): refused")
    artifact = found[0]
    files = _unzip(api.download(api.repo_path(f"actions/artifacts/{artifact['id']}/zip")))
    number, head = _claims(files, str(artifact["name"]), prefix)
    _check_pull_request(api, run, number, head)
    repository = f"{server}/{api.repository}"
    return Relayed(
        number=number,
        report=_json(files[delivery.JSON_FILE], delivery.JSON_FILE),
        markdown=files[delivery.COMMENT_FILE].decode("utf-8", errors="replace")[
            : delivery.COMMENT_ROOM
        ],
        origin=comment.Origin(run_id, _int(run.get("run_attempt"), 1), head),
        artifact=str(artifact["name"]),
        artifact_url=f"{repository}/actions/runs/{run_id}/artifacts/{artifact['id']}",
        run_url=f"{repository}/actions/runs/{run_id}",
    )


def _unzip(data: bytes) -> dict[str, bytes]:
    limits = {
        delivery.JSON_FILE: MAX_JSON_BYTES,
        delivery.COMMENT_FILE: MAX_MARKDOWN_BYTES,
        delivery.PULL_REQUEST_FILE: MAX_CLAIM_BYTES,
    }
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = {info.filename: info for info in archive.infolist()}
            files = {}
            for name, limit in limits.items():
                if name not in entries:
                    raise ActionError(f"the report artifact has no {name}: refused")
                if entries[name].file_size > limit:
                    raise ActionError(f"the report artifact's {name} is over {limit:,} bytes")
                files[name] = archive.read(name)
    except zipfile.BadZipFile as exc:
        raise ActionError(f"the report artifact is not a zip archive ({exc})") from None
    return files


def _json(data: bytes, name: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise ActionError(f"the report artifact's {name} is not a JSON object: refused")
    return document


def _claims(files: dict[str, bytes], name: str, prefix: str) -> tuple[int, str]:
    """The pull request and head commit the artifact says it is of, as well-formed values
    that agree with its name."""
    claims = _json(files[delivery.PULL_REQUEST_FILE], delivery.PULL_REQUEST_FILE)
    number, head = claims.get("number"), str(claims.get("head_sha") or "")
    if not isinstance(number, int) or number < 1 or not comment.SHA.fullmatch(head):
        raise ActionError("the report artifact's pull-request.json is malformed: refused")
    if name != f"{prefix}{number}":
        raise ActionError(f"the report artifact {name} claims pull request #{number}: refused")
    return number, head


def _check_pull_request(api: GitHub, run: dict[str, Any], number: int, head: str) -> None:
    """The claims against GitHub: the pull request's head branch is the run's, the run was
    listed for it (when GitHub lists any), and the commit is the one the run ran on."""
    if head != run.get("head_sha"):
        raise ActionError(
            f"the report claims commit {head[:12]}, but run {run['id']} ran on "
            f"{str(run.get('head_sha'))[:12]}: refused"
        )
    listed = [p.get("number") for p in run.get("pull_requests") or [] if isinstance(p, dict)]
    if listed and number not in listed:
        raise ActionError(f"run {run['id']} was not for pull request #{number}: refused")
    pull = api.get(api.repo_path(f"pulls/{number}"))
    pull_head = pull.get("head") or {}
    run_repository = (run.get("head_repository") or {}).get("full_name")
    if (pull_head.get("repo") or {}).get("full_name") != run_repository or pull_head.get(
        "ref"
    ) != run.get("head_branch"):
        raise ActionError(
            f"pull request #{number} is not from {run_repository}:{run.get('head_branch')}, "
            f"where run {run['id']} ran: refused"
        )


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and value > 0 else default

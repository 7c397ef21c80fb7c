"""``mode: comment`` (action/datamodel_action/relay.py): the report another run published is
believed only as far as GitHub confirms it: the triggering run's artifact only, its pull request
and commit checked against the run and the pull request, its sizes bounded."""

from __future__ import annotations

import json

import pytest
from datamodel_action import relay
from datamodel_action.github import GitHub
from datamodel_action.workflow import ActionError

from tests.support.actionsteps import ARTIFACT, PR
from tests.support.fakegithub import FakeGitHub

HEAD = "a" * 40
NAME = f"{ARTIFACT}-drift-{PR}"


def run(**changes: object) -> dict:
    return {
        "id": 21,
        "run_attempt": 2,
        "event": "pull_request",
        "head_sha": HEAD,
        "head_branch": "feature",
        "head_repository": {"full_name": "someone/widgets"},
        "pull_requests": [],
        **changes,
    }


def files(number: int = PR, head: str = HEAD, **extra: bytes) -> dict[str, bytes]:
    return {
        "drift.json": json.dumps({"kind": "DriftReport", "summary": {"drift": True}}).encode(),
        "comment.md": b"### kubectl-datamodel drift\n",
        "pull-request.json": json.dumps({"number": number, "head_sha": head}).encode(),
        **extra,
    }


@pytest.fixture(autouse=True)
def pull_request(gh: FakeGitHub) -> None:
    gh.add_pull(PR, head_sha=HEAD, head_repository="someone/widgets")


def fetch(api: GitHub, the_run: dict | None = None) -> relay.Relayed | None:
    return relay.fetch(api, the_run or run(), ARTIFACT, "https://github.com")


def test_a_checked_report_is_relayed_with_its_runs_origin(gh: FakeGitHub, api: GitHub) -> None:
    artifact = gh.add_artifact(NAME, files(), run_id=21, branch="feature")
    gh.add_artifact(NAME, files(), run_id=20, branch="feature")  # another run's: not looked at
    found = fetch(api)
    assert found is not None
    assert (found.number, found.origin) == (PR, relay.comment.Origin(21, 2, HEAD))
    assert found.markdown == "### kubectl-datamodel drift\n"
    assert (
        found.artifact_url == f"https://github.com/owner/repo/actions/runs/21/artifacts/{artifact}"
    )
    assert found.run_url == "https://github.com/owner/repo/actions/runs/21"


def test_a_run_that_published_no_report_gives_none(gh: FakeGitHub, api: GitHub) -> None:
    gh.add_artifact("something-else", files(), run_id=21)
    assert fetch(api) is None


def test_only_a_workflow_run_event_and_only_for_a_pull_request() -> None:
    with pytest.raises(ActionError, match="on: workflow_run"):
        relay.triggering_run({"pull_request": {}})
    assert relay.triggering_run({"workflow_run": run(event="push")}) is None
    assert relay.triggering_run({"workflow_run": run()}) == run()


@pytest.mark.parametrize(
    ("name", "contents", "the_run", "message"),
    [
        (NAME, files(head="b" * 40), run(), "the report claims commit bbbbbbbbbbbb"),
        (NAME, files(), run(pull_requests=[{"number": 9}]), "was not for pull request #7"),
        (NAME, files(), run(head_branch="main"), "is not from someone/widgets:main"),
        (NAME, files(), run(head_repository={"full_name": "owner/repo"}), "is not from owner"),
        (f"{ARTIFACT}-drift-8", files(), run(), f"claims pull request #{PR}"),
        (NAME, files(number=0), run(), "pull-request.json is malformed"),
        (NAME, files(head="not a sha"), run(), "pull-request.json is malformed"),
        (NAME, {**files(), "pull-request.json": b"[7]"}, run(), "is not a JSON object"),
        (NAME, {"drift.json": b"{}", "comment.md": b""}, run(), "has no pull-request.json"),
        (NAME, files(**{"comment.md": b"x" * 300_000}), run(), "comment.md is over 262,144"),
        (NAME, b"not a zip", run(), "is not a zip archive"),
    ],
    ids=[
        "other-commit", "not-listed", "other-branch", "other-repository", "name-and-claim",
        "number", "sha", "not-an-object", "missing-file", "too-large", "not-a-zip",
    ],
)  # fmt: skip
def test_claims_github_does_not_confirm_are_refused(
    gh: FakeGitHub, api: GitHub, name: str, contents: object, the_run: dict, message: str
) -> None:
    gh.add_artifact(name, contents, run_id=21, branch="feature")
    with pytest.raises(ActionError) as caught:
        fetch(api, the_run)
    assert message in str(caught.value)


def test_two_reports_from_one_run_are_refused(gh: FakeGitHub, api: GitHub) -> None:
    gh.add_artifact(NAME, files(), run_id=21)
    gh.add_artifact(f"{ARTIFACT}-drift-8", files(number=8), run_id=21)
    with pytest.raises(ActionError, match="more than one report"):
        fetch(api)

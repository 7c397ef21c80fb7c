"""The fake GitHub API, exercised with plain ``urllib`` like the action's scripts use it.

These pin down the protocol behaviour the action's tests rely on (pagination, auth, the
cross-host redirect, validation errors); if the fake drifted, these fail first.
"""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.fakegithub import FakeGitHub, FakeGitHubServer

TOKEN = "ghs_write"
FORK_TOKEN = "ghs_fork"
REPO = "/repos/acme/widgets"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


PERSONAL = "ghp_personal"


@pytest.fixture
def github() -> FakeGitHub:
    return FakeGitHub(
        repository="acme/widgets",
        token=TOKEN,
        read_only_token=FORK_TOKEN,
        user_tokens={PERSONAL: "octocat"},
    )


@pytest.fixture
def server(github: FakeGitHub) -> Iterator[FakeGitHubServer]:
    with FakeGitHubServer(github) as running:
        yield running


def call(
    url: str,
    method: str = "GET",
    *,
    token: str | None = TOKEN,
    scheme: str = "Bearer",
    doc: Any = None,
    user_agent: bool = True,
    follow: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    """One request; answers (errors included) as (status, headers, body)."""
    opener = urllib.request.build_opener(*([] if follow else [_NoRedirect()]))
    if not user_agent:
        opener.addheaders = []
    data = None if doc is None else json.dumps(doc).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (our server)
    if user_agent:
        request.add_header("User-Agent", "datamodel-action-test")
    if token is not None:
        request.add_unredirected_header("Authorization", f"{scheme} {token}")
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read()


def links(headers: dict[str, str]) -> dict[str, str]:
    """rel -> URL from an RFC 5988 Link header."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', headers.get("Link", ""))}


def test_artifacts_are_paginated_newest_first_with_link_headers(
    github: FakeGitHub, server: FakeGitHubServer
) -> None:
    ids = [github.add_artifact("baseline", {"a.txt": b"x"}, run_id=i) for i in range(5)]
    github.add_artifact("other", {"b.txt": b"y"}, run_id=9)

    url = f"{server.url}{REPO}/actions/artifacts?name=baseline&per_page=2"
    status, headers, body = call(url)
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(body)["total_count"] == 5
    rels = links(headers)
    assert set(rels) == {"next", "last"}
    assert rels["next"].startswith(f"{server.url}{REPO}/actions/artifacts?")
    assert "name=baseline" in rels["next"] and "page=2" in rels["next"]
    assert "page=3" in rels["last"]

    seen: list[int] = []
    next_url: str | None = url
    while next_url:
        _, headers, body = call(next_url)
        seen += [a["id"] for a in json.loads(body)["artifacts"]]
        next_url = links(headers).get("next")
    assert seen == ids[::-1]
    assert set(links(headers)) == {"prev", "first"}  # the last page


def test_auth_is_required_and_both_schemes_work(server: FakeGitHubServer) -> None:
    url = f"{server.url}{REPO}"
    status, _, body = call(url, token=None)
    assert (status, json.loads(body)["message"]) == (401, "Bad credentials")
    assert call(url, token="wrong")[0] == 401
    assert call(url, scheme="token")[0] == 200
    status, _, body = call(url)
    assert json.loads(body)["default_branch"] == "main"
    assert json.loads(body)["full_name"] == "acme/widgets"
    status, _, body = call(url, user_agent=False)
    assert status == 403
    assert "User-Agent" in json.loads(body)["message"]


def test_read_only_token_reads_but_cannot_comment(
    github: FakeGitHub, server: FakeGitHubServer
) -> None:
    github.add_comment(7, "hello")
    url = f"{server.url}{REPO}/issues/7/comments"
    assert call(url, token=FORK_TOKEN)[0] == 200
    status, _, body = call(url, "POST", token=FORK_TOKEN, doc={"body": "report"})
    assert status == 403
    assert json.loads(body)["message"] == "Resource not accessible by integration"
    assert [c["body"] for c in github.comments(7)] == ["hello"]


def test_zip_redirects_to_another_host_that_needs_no_token(
    github: FakeGitHub, server: FakeGitHubServer
) -> None:
    artifact = github.add_artifact("baseline", {"inventory.json": b"{}"}, run_id=3)
    status, headers, _ = call(f"{server.url}{REPO}/actions/artifacts/{artifact}/zip")
    assert status == 302
    location = urlsplit(headers["Location"])
    assert location.hostname == "localhost"
    assert location.hostname != urlsplit(server.url).hostname
    assert location.port == server.port
    assert "sig=" in location.query

    blob = headers["Location"]
    status, headers, body = call(blob, token=None)
    assert (status, headers["Content-Type"]) == (200, "application/zip")
    assert zipfile.ZipFile(io.BytesIO(body)).read("inventory.json") == b"{}"
    assert call(blob.replace("sig=", "sig=x"), token=None)[0] == 403
    assert github.downloads[0].authorization is None
    assert github.downloads[0].host == f"localhost:{server.port}"


def test_download_records_a_token_leaked_across_hosts(
    github: FakeGitHub, server: FakeGitHubServer
) -> None:
    """urllib re-sends headers added with add_header() after a redirect: the log shows it."""
    artifact = github.add_artifact("baseline", {"a": b"1"}, run_id=1)
    url = f"{server.url}{REPO}/actions/artifacts/{artifact}/zip"
    request = urllib.request.Request(url)  # noqa: S310 (our own server)
    request.add_header("Authorization", f"Bearer {TOKEN}")
    request.add_header("User-Agent", "leaky")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own server)
        assert response.status == 200
    assert github.downloads[-1].authorization == f"Bearer {TOKEN}"
    assert github.calls("GET", r"^/blob/")[-1].header("authorization") == f"Bearer {TOKEN}"


def test_expired_artifact_answers_410(github: FakeGitHub, server: FakeGitHubServer) -> None:
    artifact = github.add_artifact("baseline", {"a": b"1"}, run_id=1, expired=True)
    status, _, body = call(f"{server.url}{REPO}/actions/artifacts/{artifact}/zip")
    assert (status, json.loads(body)["message"]) == (410, "Artifact has expired")


def test_comment_lifecycle_and_oversized_body(github: FakeGitHub, server: FakeGitHubServer) -> None:
    github.add_comment(5, "someone else", login="octocat")
    url = f"{server.url}{REPO}/issues/5/comments"
    status, _, body = call(url, "POST", doc={"body": "x" * 65537})
    assert status == 422
    error = json.loads(body)
    assert error["message"] == "Validation Failed"
    assert error["errors"][0]["message"] == "body is too long (maximum is 65536 characters)"

    status, _, body = call(url, "POST", doc={"body": "x" * 65536})
    created = json.loads(body)
    assert (status, created["user"]["login"]) == (201, "github-actions[bot]")
    comment_url = f"{server.url}{REPO}/issues/comments/{created['id']}"
    assert call(comment_url, "PATCH", doc={"body": "y" * 65537})[0] == 422
    status, _, body = call(comment_url, "PATCH", doc={"body": "updated"})
    assert (status, json.loads(body)["body"]) == (200, "updated")
    assert [c["body"] for c in github.comments(5)] == ["someone else", "updated"]
    assert call(comment_url, "DELETE")[0] == 204
    assert call(comment_url, "PATCH", doc={"body": "gone"})[0] == 404
    assert len(github.calls("PATCH", r"/issues/comments/\d+$")) == 3


def test_who_a_token_is_and_who_its_comments_are_by(
    github: FakeGitHub, server: FakeGitHubServer
) -> None:
    """An installation token has no user (GET /user is 403) and writes as the Actions bot,
    through the app; a personal token is its user, and writes as them."""
    status, _, body = call(f"{server.url}/user")
    assert (status, json.loads(body)["message"]) == (403, "Resource not accessible by integration")
    assert call(f"{server.url}/user", token=FORK_TOKEN)[0] == 403
    assert call(f"{server.url}/user", token="wrong")[0] == 401
    status, _, body = call(f"{server.url}/user", token=PERSONAL)
    assert (status, json.loads(body)["login"], json.loads(body)["type"]) == (200, "octocat", "User")

    url = f"{server.url}{REPO}/issues/3/comments"
    call(url, "POST", doc={"body": "from the workflow"})
    call(url, "POST", token=PERSONAL, doc={"body": "from a person"})
    bot, person = github.comments(3)
    assert (bot["user"]["login"], bot["user"]["type"]) == ("github-actions[bot]", "Bot")
    assert bot["performed_via_github_app"]["slug"] == "github-actions"
    assert (person["user"]["login"], person["user"]["type"]) == ("octocat", "User")
    assert person["performed_via_github_app"] is None


def test_a_writing_token_may_edit_and_delete_anyones_comment(
    github: FakeGitHub, server: FakeGitHubServer
) -> None:
    """As on GitHub: ownership is the client's business, which is why the action checks it."""
    theirs = github.add_comment(4, "a reviewer's words", login="octocat")
    comment_url = f"{server.url}{REPO}/issues/comments/{theirs}"
    assert call(comment_url, "PATCH", doc={"body": "overwritten"})[0] == 200
    assert github.comments(4)[0]["user"]["login"] == "octocat"  # still under their name
    assert call(comment_url, "DELETE")[0] == 204


def test_pull_requests_show_their_current_head(
    github: FakeGitHub, server: FakeGitHubServer
) -> None:
    github.add_pull(9, head_sha="a" * 40, head_repository="someone/widgets")
    status, _, body = call(f"{server.url}{REPO}/pulls/9")
    head = json.loads(body)["head"]
    assert (status, head["sha"], head["repo"]["full_name"]) == (200, "a" * 40, "someone/widgets")
    github.add_pull(9, head_sha="b" * 40)  # a push moves the head
    assert json.loads(call(f"{server.url}{REPO}/pulls/9")[2])["head"]["sha"] == "b" * 40
    assert call(f"{server.url}{REPO}/pulls/10")[0] == 404


def test_a_runs_artifacts_are_listed_by_run(github: FakeGitHub, server: FakeGitHubServer) -> None:
    mine = github.add_artifact("report", {"a": b"1"}, run_id=21)
    github.add_artifact("report", {"a": b"2"}, run_id=22)
    status, _, body = call(f"{server.url}{REPO}/actions/runs/21/artifacts")
    assert status == 200
    assert [a["id"] for a in json.loads(body)["artifacts"]] == [mine]
    assert call(f"{server.url}{REPO}/actions/runs/23/artifacts")[0] == 404


def test_unknown_routes_runs_and_repositories_answer_404(
    github: FakeGitHub, server: FakeGitHubServer
) -> None:
    github.add_run(42, branch="main", conclusion="failure")
    status, _, body = call(f"{server.url}{REPO}/actions/runs/42")
    assert (status, json.loads(body)["conclusion"]) == (200, "failure")
    for path in (f"{REPO}/actions/runs/43", f"{REPO}/pulls", "/repos/acme/other", "/users"):
        status, headers, body = call(f"{server.url}{path}")
        assert status == 404, path
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert json.loads(body) == {
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest",
        }


def test_fail_next_injects_errors_then_recovers(
    github: FakeGitHub, server: FakeGitHubServer
) -> None:
    github.fail_next("GET", r"/actions/artifacts\?", 502, times=2, headers={"Retry-After": "1"})
    url = f"{server.url}{REPO}/actions/artifacts?name=x"
    first, second, third = call(url), call(url), call(url)
    assert (first[0], first[1]["Retry-After"], second[0], third[0]) == (502, "1", 502, 200)
    assert [r.status for r in github.calls("*", r"artifacts")] == [502, 502, 200]

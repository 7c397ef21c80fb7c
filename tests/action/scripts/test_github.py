"""The action's REST client (action/datamodel_action/github.py) against the fake GitHub:
pagination, the redirect to blob storage without the token, errors with GitHub's message and
without signed URLs, and which failures are retried.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from datamodel_action.github import ApiError, GitHub

from tests.support.actionsteps import ARTIFACT, PR
from tests.support.fakegithub import FakeGitHub, FakeGitHubServer


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's back-off, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr("datamodel_action.github.time.sleep", slept.append)
    return slept


def test_pages_follows_link_headers_past_one_hundred_items(gh: FakeGitHub, api: GitHub) -> None:
    for i in range(150):
        gh.add_comment(PR, f"comment {i}")
    bodies = [c["body"] for c in api.pages(api.repo_path(f"issues/{PR}/comments"))]
    assert bodies == [f"comment {i}" for i in range(150)]
    pages = gh.calls("GET", rf"/issues/{PR}/comments")
    assert len(pages) == 2
    assert "page=2" in pages[1].path


def test_pages_keeps_the_query_and_reads_lists_inside_objects(gh: FakeGitHub, api: GitHub) -> None:
    ids = [gh.add_artifact("history", {"inventory.db": b""}, run_id=i) for i in range(1, 121)]
    gh.add_artifact("other", {"inventory.db": b""}, run_id=500)
    found = list(api.pages(api.repo_path("actions/artifacts"), key="artifacts", name="history"))
    assert sorted(a["id"] for a in found) == sorted(ids)
    assert all("name=history" in r.path for r in gh.calls("GET", r"/actions/artifacts"))


def test_download_follows_the_redirect_without_sending_the_token_to_blob_storage(
    gh: FakeGitHub, server: FakeGitHubServer, api: GitHub
) -> None:
    artifact = gh.add_artifact(ARTIFACT, {"inventory.db": b"SQLite"}, run_id=1)
    data = api.download(api.repo_path(f"actions/artifacts/{artifact}/zip"))
    assert zipfile.ZipFile(io.BytesIO(data)).read("inventory.db") == b"SQLite"
    assert gh.calls("GET", r"/zip$")[0].header("authorization") == f"Bearer {gh.token}"
    assert len(gh.downloads) == 1
    assert gh.downloads[0].host == f"localhost:{server.port}"
    assert gh.downloads[0].authorization is None


def test_api_error_carries_the_status_and_githubs_message(api: GitHub) -> None:
    with pytest.raises(ApiError) as caught:
        api.get(api.repo_path("actions/runs/999"))
    assert caught.value.status == 404
    assert str(caught.value).endswith("/repos/owner/repo/actions/runs/999: 404 Not Found")
    assert str(caught.value).startswith("GET http://127.0.0.1:")


def test_api_error_includes_githubs_validation_details(api: GitHub) -> None:
    with pytest.raises(ApiError) as caught:
        api.post(api.repo_path(f"issues/{PR}/comments"), {"body": "x" * 65_537})
    assert caught.value.status == 422
    assert "422 Validation Failed; body is too long (maximum is 65536 characters)" in str(
        caught.value
    )


def test_a_single_server_error_is_retried_and_succeeds(
    gh: FakeGitHub, api: GitHub, no_sleep: list[float]
) -> None:
    gh.add_run(42, conclusion="success")
    gh.fail_next("GET", r"/actions/runs/42$", 502)
    assert api.get(api.repo_path("actions/runs/42"))["conclusion"] == "success"
    assert [r.status for r in gh.calls("GET", r"/actions/runs/42$")] == [502, 200]
    assert no_sleep == [1]


def test_server_errors_give_up_after_three_attempts(
    gh: FakeGitHub, api: GitHub, no_sleep: list[float]
) -> None:
    gh.fail_next("GET", r"/actions/runs/42$", 503, times=5)
    with pytest.raises(ApiError) as caught:
        api.get(api.repo_path("actions/runs/42"))
    assert caught.value.status == 503
    assert len(gh.calls("GET", r"/actions/runs/42$")) == 3
    assert no_sleep == [1, 2]


def test_bad_credentials_are_not_retried(
    gh: FakeGitHub, server: FakeGitHubServer, no_sleep: list[float]
) -> None:
    api = GitHub(server.url, "ghs_wrong", gh.repository)
    with pytest.raises(ApiError) as caught:
        api.get(api.repo_path("actions/runs/1"))
    assert caught.value.status == 401
    assert "401 Bad credentials" in str(caught.value)
    assert len(gh.calls("GET", r"/actions/runs/1$")) == 1
    assert no_sleep == []


def test_a_read_only_token_gets_a_403_that_is_not_retried(
    gh: FakeGitHub, server: FakeGitHubServer, no_sleep: list[float]
) -> None:
    api = GitHub(server.url, "ghs_read_only", gh.repository)
    with pytest.raises(ApiError) as caught:
        api.post(api.repo_path(f"issues/{PR}/comments"), {"body": "report"})
    assert caught.value.status == 403
    assert gh.comments(PR) == []
    assert no_sleep == []


@pytest.mark.usefixtures("no_sleep")
@pytest.mark.parametrize("status", [403, 500])
def test_blob_storage_errors_never_show_the_signed_url(
    gh: FakeGitHub, api: GitHub, status: int
) -> None:
    artifact = gh.add_artifact(ARTIFACT, {"inventory.db": b"x"}, run_id=1)
    gh.fail_next("GET", r"^/blob/", status, times=3)
    with pytest.raises(ApiError) as caught:
        api.download(api.repo_path(f"actions/artifacts/{artifact}/zip"))
    message = str(caught.value)
    assert caught.value.status == status
    assert f"/blob/artifacts/{artifact}.zip" in message
    assert "sig=" not in message and "?" not in message


def test_api_error_drops_the_query_of_any_url() -> None:
    error = ApiError("GET", "https://blob.example/a.zip?sv=1&sig=SECRET", None, "no answer")
    assert str(error) == "GET https://blob.example/a.zip: no answer"


def test_an_expired_artifact_download_is_a_410(gh: FakeGitHub, api: GitHub) -> None:
    artifact = gh.add_artifact(ARTIFACT, {"inventory.db": b"x"}, run_id=1, expired=True)
    with pytest.raises(ApiError, match="410 Artifact has expired") as caught:
        api.download(api.repo_path(f"actions/artifacts/{artifact}/zip"))
    assert caught.value.status == 410


def test_the_client_does_not_show_its_token_in_repr(api: GitHub, gh: FakeGitHub) -> None:
    assert gh.token is not None
    assert gh.token not in repr(api)

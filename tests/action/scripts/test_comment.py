"""The action's pull-request comment (action/datamodel_action/comment.py): its marker, key and
digest, and sync's lifecycle on the fake GitHub: created, left alone, updated, resolved,
reopened, duplicates from a race deleted, other keys' comments left alone; only the token's own
comments touched, for an installation token and a personal one; and no outdated run writing.
"""

from __future__ import annotations

import pytest
from datamodel_action import comment
from datamodel_action.github import ApiError, GitHub

from tests.support.actionsteps import PR
from tests.support.fakegithub import BOT_LOGIN, FakeGitHub, FakeGitHubServer


def change(name: str = "certificates.cert-manager.io", severity: str = "breaking") -> dict:
    return {
        "kind": "CRD",
        "namespace": None,
        "name": name,
        "action": "changed",
        "severity": severity,
        "rule": "version-removed",
        "version": "v1alpha2",
        "path": "versions[v1alpha2]",
        "old": {"served": True},
        "new": None,
        "message": f"{name}: version v1alpha2 was removed",
    }


def report(*changes: dict, snapshot_id: int = 1, new_timestamp: str | None = None) -> dict:
    """A report shaped like the tool's DriftReport JSON."""
    breaking = sum(1 for c in changes if c["severity"] == "breaking")
    return {
        "kind": "DriftReport",
        "schema_version": 1,
        "old": {
            "ref": "latest",
            "source": "snapshot",
            "snapshot_id": snapshot_id,
            "cluster_context": "demo",
            "timestamp": "2024-05-01T00:00:00Z",
        },
        "new": {
            "ref": "crds",
            "source": "manifests",
            "snapshot_id": None,
            "cluster_context": None,
            "timestamp": new_timestamp or "2024-05-02T00:00:00Z",
        },
        "summary": {
            "drift": bool(changes),
            "total": len(changes),
            "breaking": breaking,
            "warning": len(changes) - breaking,
            "info": 0,
            "ignored": 0,
            "fail_on": "none",
            "failed": False,
        },
        "changes": list(changes),
        "notes": [],
    }


FOOTER = "<sub>Posted by kubectl-datamodel from [this workflow run](https://x/runs/1).</sub>"
HEAD = "a" * 40
ORIGIN = comment.Origin(run=100, attempt=1, head=HEAD)


@pytest.fixture(autouse=True)
def pull_request(gh: FakeGitHub) -> None:
    gh.add_pull(PR, head_sha=HEAD)


def sync(
    api: GitHub,
    the_report: dict,
    markdown: str = "### drift\n\n| a | b |\n",
    origin: comment.Origin = ORIGIN,
) -> str:
    return comment.sync(api, PR, "db_latest", the_report, markdown, FOOTER, origin).outcome.value


def ours(gh: FakeGitHub) -> list[dict]:
    return [c for c in gh.comments(PR) if c["user"]["login"] == BOT_LOGIN]


def test_key_of_makes_names_safe_for_the_marker() -> None:
    assert comment.key_of("kubectl-datamodel-db/prod@eu:1") == "kubectl-datamodel-db/prod@eu:1"
    assert comment.key_of("my db --> <b>x") == "my_db_--___b_x"
    assert comment.key_of("ctx\nnext") == "ctx_next"
    assert comment.key_of("") == "default"
    key = comment.key_of("a b-->c")
    assert comment.MARKER.fullmatch(comment.marker(key, "abc123"))


def test_digest_ignores_the_new_sides_timestamps() -> None:
    first = report(change(), new_timestamp="2024-05-02T00:00:00Z")
    later = report(change(), new_timestamp="2025-01-01T12:34:56Z")
    later["new"]["ref"] = "live"
    assert comment.digest(first) == comment.digest(later)


def test_digest_changes_with_the_changes_the_baseline_notes_and_ignored() -> None:
    base = report(change())
    variants = [
        report(change(), change("issuers.cert-manager.io")),
        report(change(severity="warning")),
        report(change(), snapshot_id=2),
        {**base, "notes": ["operators were not compared"]},
        {**base, "summary": {**base["summary"], "ignored": 3}},
    ]
    digests = {comment.digest(base), *(comment.digest(v) for v in variants)}
    assert len(digests) == len(variants) + 1
    assert all(len(d) == 16 for d in digests)


def test_find_matches_only_our_marker_with_our_key_by_our_author() -> None:
    ours_first = comment.marker("db_latest", "aaaa", ORIGIN)
    bot = {"login": BOT_LOGIN}
    comments = [
        {"id": 1, "body": "LGTM", "user": {"login": "octocat"}},
        {"id": 2, "body": f"{comment.marker('other_key', 'bbbb')}\nanother use", "user": bot},
        {"id": 3, "body": f"{ours_first}\nreport", "user": bot},
        {"id": 4, "body": "<!-- someone-else:drift key=db_latest digest=cccc -->", "user": bot},
        {"id": 5, "body": None, "user": bot},
        {"id": 6, "body": "x" * 400 + comment.marker("db_latest", "dddd"), "user": bot},
        {
            "id": 7,
            "body": f"{comment.marker('db_latest', comment.RESOLVED)}\nresolved",
            "user": bot,
        },
        {"id": 8, "body": comment.marker("db_latest_2", "eeee"), "user": bot},
        {"id": 9, "body": comment.marker("db_latest", "ffff"), "user": {"login": "mallory"}},
        {"id": 10, "body": comment.marker("db_latest", "gggg")},  # no author: a ghost
    ]
    found = comment.find(comments, "db_latest", BOT_LOGIN)
    assert [(f.id, f.key, f.digest, f.origin) for f in found] == [
        (3, "db_latest", "aaaa", ORIGIN),
        (7, "db_latest", "resolved", None),  # a marker from before runs were recorded
    ]
    assert [f.id for f in comment.find(comments, "db_latest", "mallory")] == [9]


def test_the_marker_records_the_head_and_the_run() -> None:
    text = comment.marker("db_latest", "abcd", comment.Origin(7, 2, "0123abc"))
    assert text == "<!-- kubectl-datamodel:drift key=db_latest digest=abcd head=0123abc run=7.2 -->"
    match = comment.MARKER.fullmatch(text)
    assert match and (match["head"], match["run"], match["attempt"]) == ("0123abc", "7", "2")


def test_sync_posts_nothing_while_there_never_was_drift(gh: FakeGitHub, api: GitHub) -> None:
    gh.add_comment(PR, "LGTM")
    assert sync(api, report()) == "none"
    assert gh.calls("POST", ".") == [] and gh.calls("PATCH", ".") == []
    assert [c["body"] for c in gh.comments(PR)] == ["LGTM"]


def test_sync_lifecycle_created_unchanged_updated_resolved(gh: FakeGitHub, api: GitHub) -> None:
    gh.add_comment(PR, "LGTM")
    drift = report(change())

    assert sync(api, drift, "### drift one\n") == "created"
    (posted,) = ours(gh)
    assert posted["body"].startswith(comment.marker("db_latest", comment.digest(drift), ORIGIN))
    assert "### drift one" in posted["body"] and posted["body"].rstrip().endswith(FOOTER)

    same_later = report(change(), new_timestamp="2024-06-01T00:00:00Z")
    assert sync(api, same_later, "### drift one, rendered again\n") == "unchanged"
    assert gh.calls("PATCH", ".") == []
    assert ours(gh)[0]["body"] == posted["body"]

    worse = report(change(), change("issuers.cert-manager.io"))
    assert sync(api, worse, "### drift two\n") == "updated"
    (updated,) = ours(gh)
    assert updated["id"] == posted["id"]
    assert "### drift two" in updated["body"]
    assert len(gh.calls("PATCH", rf"/issues/comments/{posted['id']}$")) == 1

    assert sync(api, report()) == "resolved"
    (resolved,) = ours(gh)
    assert resolved["id"] == posted["id"]
    assert resolved["body"].startswith(comment.marker("db_latest", comment.RESOLVED, ORIGIN))
    assert "No drift any more" in resolved["body"]

    assert sync(api, report()) == "none"
    assert len(gh.calls("PATCH", ".")) == 2
    assert len(gh.calls("POST", ".")) == 1
    assert gh.comments(PR)[0]["body"] == "LGTM"


def test_sync_reopens_a_resolved_comment_when_drift_returns(gh: FakeGitHub, api: GitHub) -> None:
    resolved = gh.add_comment(
        PR, comment.resolved_body("db_latest", FOOTER, ORIGIN), login=BOT_LOGIN
    )
    assert sync(api, report(change())) == "updated"
    (current,) = ours(gh)
    assert current["id"] == resolved
    assert "No drift any more" not in current["body"]


def test_sync_deletes_duplicates_from_a_race_down_to_the_oldest(
    gh: FakeGitHub, api: GitHub
) -> None:
    drift = report(change())
    text = comment.body("db_latest", drift, "### drift\n", FOOTER, ORIGIN)
    first = gh.add_comment(PR, text, login=BOT_LOGIN)
    gh.add_comment(PR, "a reviewer in between")
    second = gh.add_comment(PR, text, login=BOT_LOGIN)
    third = gh.add_comment(PR, text, login=BOT_LOGIN)
    assert sync(api, drift) == "unchanged"
    assert [c["id"] for c in ours(gh)] == [first]
    deleted = {r.path.rsplit("/", 1)[1] for r in gh.calls("DELETE", ".")}
    assert deleted == {str(second), str(third)}
    assert len(gh.comments(PR)) == 2


def test_sync_leaves_other_keys_comments_alone(gh: FakeGitHub, api: GitHub) -> None:
    other = comment.body("staging_latest", report(change()), "### staging\n", FOOTER, ORIGIN)
    other_id = gh.add_comment(PR, other, login=BOT_LOGIN)
    assert sync(api, report(change("issuers.cert-manager.io"))) == "created"
    assert sync(api, report()) == "resolved"
    bodies = {c["id"]: c["body"] for c in gh.comments(PR)}
    assert bodies[other_id] == other
    assert len(bodies) == 2


def test_sync_with_a_read_only_token_raises_the_403(
    gh: FakeGitHub, server: FakeGitHubServer
) -> None:
    api = GitHub(server.url, "ghs_read_only", gh.repository)
    with pytest.raises(ApiError) as caught:
        sync(api, report(change()))
    assert caught.value.status == 403
    assert gh.comments(PR) == []


# -- whose comment, and which run's -------------------------------------------------------------


def test_a_marked_comment_by_someone_else_is_never_edited_nor_deleted(
    gh: FakeGitHub, api: GitHub
) -> None:
    """A marker is text anyone can paste: a reviewer's comment that carries ours (even with a
    later run in it) is neither taken over nor deleted as a duplicate; ours is made beside it."""
    later = comment.Origin(run=999, attempt=1, head=HEAD)
    hostile = comment.body("db_latest", report(change()), "### fake\n", FOOTER, later)
    theirs = gh.add_comment(PR, hostile, login="mallory")
    assert sync(api, report(change())) == "created"
    assert sync(api, report(change(), change("issuers.cert-manager.io"))) == "updated"
    assert sync(api, report()) == "resolved"
    first = gh.comments(PR)[0]
    assert (first["id"], first["user"]["login"], first["body"]) == (theirs, "mallory", hostile)
    assert not gh.calls("*", rf"/issues/comments/{theirs}$")
    assert len(ours(gh)) == 1


def test_a_personal_token_keeps_its_users_comment_and_not_the_bots(
    gh: FakeGitHub, server: FakeGitHubServer
) -> None:
    """With a personal token the comments are its user's: GET /user says who that is, and a
    marked comment by the Actions bot (or anyone else) is not theirs."""
    gh.user_tokens["ghp_datamodel"] = "datamodel-bot"
    api = GitHub(server.url, "ghp_datamodel", gh.repository)
    bots = gh.add_comment(
        PR, comment.body("db_latest", report(), "x", FOOTER, ORIGIN), login=BOT_LOGIN
    )
    assert sync(api, report(change())) == "created"
    assert sync(api, report(change(), change("issuers.cert-manager.io"))) == "updated"
    mine = [c for c in gh.comments(PR) if c["user"]["login"] == "datamodel-bot"]
    assert len(mine) == 1
    assert not gh.calls("*", rf"/issues/comments/{bots}$")
    assert len(gh.calls("GET", r"^/user$")) == 2


def test_an_installation_token_is_the_actions_bot(api: GitHub) -> None:
    assert comment.author(api) == BOT_LOGIN


def test_a_run_for_a_head_the_pull_request_has_left_writes_nothing(
    gh: FakeGitHub, api: GitHub
) -> None:
    assert sync(api, report(change())) == "created"
    before = ours(gh)[0]["body"]
    gh.add_pull(PR, head_sha="b" * 40)  # pushed again: this run's report is of the old head
    worse = report(change(), change("issuers.cert-manager.io"))
    assert sync(api, worse) == "outdated"
    assert sync(api, report()) == "outdated"  # not "resolved" either
    assert ours(gh)[0]["body"] == before
    assert gh.calls("PATCH", ".") == [] and gh.calls("DELETE", ".") == []
    newer = comment.Origin(run=101, attempt=1, head="b" * 40)
    assert sync(api, worse, origin=newer) == "updated"
    assert f"head={'b' * 40} run=101.1" in ours(gh)[0]["body"]


def test_an_earlier_run_or_attempt_does_not_overwrite_a_later_ones_report(
    gh: FakeGitHub, api: GitHub
) -> None:
    """Two runs of one head (a re-run, a workflow_dispatch) finishing out of order."""
    later = comment.Origin(run=105, attempt=2, head=HEAD)
    assert sync(api, report(change()), origin=later) == "created"
    worse = report(change(), change("issuers.cert-manager.io"))
    for older in (comment.Origin(104, 9, HEAD), comment.Origin(105, 1, HEAD)):
        comment_text = comment.sync(api, PR, "db_latest", worse, "x", FOOTER, older)
        assert comment_text.outcome.value == "outdated"
        assert "later run (105, attempt 2)" in comment_text.reason
    assert gh.calls("PATCH", ".") == []
    assert sync(api, worse, origin=comment.Origin(105, 3, HEAD)) == "updated"

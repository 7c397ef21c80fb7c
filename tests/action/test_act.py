"""The GitHub Action (action/action.yml) run end to end by ``act`` in host mode.

The cluster is the fake kube-apiserver, GitHub's REST API is the fake in
tests/support/fakegithub.py, and upload-artifact is a stand-in that hands the database back to
the test, which publishes it as the next run's artifact. Everything else is the action as users
run it: its steps, the tool it installs from this checkout, the runner's files. The tool is
installed once per session.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from datamodel_action import install

from tests.support import releasebinary
from tests.support.actrunner import ActRunner
from tests.support.examplecluster import TOKEN, build_cluster
from tests.support.fakeapi import FakeApiServer
from tests.support.fakegithub import FakeGitHub, FakeGitHubServer
from tests.support.kubeconfig import write_kubeconfig
from tests.support.paths import CLUSTER_V1, CLUSTER_V2, ROOT
from tests.support.releaseserver import ReleaseServer

pytestmark = pytest.mark.act

ARTIFACT = "kubectl-datamodel-db"
COMMENT_LIMIT = 65_536
PR = 7
BOT = "github-actions[bot]"
HEAD = "c0ffee" * 6 + "c0de"  # the pull request's head commit
KEY = f"{ARTIFACT}/demo"  # the comment's key: the history and the context compared with
TOOL = str(Path(sys.executable).parent / "kubectl-datamodel")


@pytest.fixture(scope="module")
def act_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One act cache for the module: the tool is installed by the first run only."""
    return tmp_path_factory.mktemp("act")


@pytest.fixture
def github() -> Iterator[FakeGitHubServer]:
    with FakeGitHubServer(FakeGitHub(read_only_token="ghs_read_only")) as server:
        server.github.add_pull(PR, head_sha=HEAD)
        yield server


@pytest.fixture
def runner(act_work: Path, github: FakeGitHubServer, tmp_path: Path) -> ActRunner:
    return ActRunner(tmp_path, github.url, github.github.repository, cache=act_work / "cache")


def stored_database(tmp_path: Path, *sources: str) -> bytes:
    """A history database with one snapshot per manifests folder, made by the tool."""
    path = tmp_path / "seed.db"
    for source in sources:
        subprocess.run(
            [TOOL, "snapshot", "--from-dir", source, "--context", "demo",
             "--db-path", str(path), "--quiet"],
            check=True, capture_output=True, cwd=CLUSTER_V1.parents[1],
        )  # fmt: skip
    return path.read_bytes()


def publish_history(gh: FakeGitHub, tmp_path: Path, source: str) -> None:
    """What an earlier scheduled run published: a snapshot of ``source`` as context demo."""
    gh.add_artifact(ARTIFACT, {"inventory.db": stored_database(tmp_path, source)}, run_id=1)


def snapshot_ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM inventory_snapshots ORDER BY id")]


def pull_request_event(head: str = "owner/repo", sha: str = HEAD) -> dict[str, object]:
    return {
        "number": PR,
        "pull_request": {
            "number": PR,
            "head": {"ref": "feature", "sha": sha, "repo": {"full_name": head}},
        },
        "repository": {"full_name": "owner/repo", "default_branch": "main"},
    }


def ours(github: FakeGitHub) -> list[dict[str, object]]:
    return [c for c in github.comments(PR) if c["user"]["login"] == BOT]


# -- scheduled snapshots --------------------------------------------------------------------------


def test_scheduled_snapshots_carry_the_history_from_artifact_to_artifact(runner, github):
    gh = github.github
    with FakeApiServer(build_cluster(), token=TOKEN) as kube:
        secret = json.dumps(kube.kubeconfig())
        inputs = {
            "kubeconfig": "${{ secrets.KUBECONFIG }}",
            "retention-days": "7",
            "include": "nodes",
        }
        first = runner.run(inputs, secrets={"KUBECONFIG": secret, "GITHUB_TOKEN": gh.token})
    assert first.succeeded, first.log
    assert first.outputs["snapshot-id"] == "1"
    assert first.outputs["drift"] == "false"
    assert "first snapshot of this context" in first.summary
    assert any("starts a new history" in n for n in first.annotations("notice"))
    uploaded = runner.uploads / ARTIFACT / "inventory.db"
    assert snapshot_ids(uploaded) == [1]
    with sqlite3.connect(uploaded) as conn:  # include: nodes reached the snapshot
        assert conn.execute("SELECT COUNT(*) FROM nodes WHERE snapshot_id = 1").fetchone() == (2,)
    conn.close()
    assert json.loads((runner.uploads / f"{ARTIFACT}.inputs.json").read_text()) == {
        "retention-days": "7",
        "if-no-files-found": "error",
        "overwrite": "true",  # the second run below uploads the same name in the same run id
    }
    assert first.kubeconfig_left == []
    assert TOKEN.encode() not in uploaded.read_bytes()

    # What upload-artifact published becomes the next run's history; decoys must be passed over.
    gh.add_artifact(ARTIFACT, {"inventory.db": uploaded.read_bytes()}, run_id=101)
    gh.add_artifact(ARTIFACT, {"inventory.db": b"failed run"}, run_id=102, conclusion="failure")
    gh.add_artifact(ARTIFACT, {"inventory.db": b"other branch"}, run_id=103, branch="feature")
    gh.add_artifact(ARTIFACT, {"inventory.db": b"from a fork"}, run_id=104, head_repository_id=9)
    with FakeApiServer(build_cluster(olm=False), token=TOKEN) as kube:
        secret = json.dumps(kube.kubeconfig())
        second = runner.run(inputs, secrets={"KUBECONFIG": secret, "GITHUB_TOKEN": gh.token})
    assert second.succeeded, second.log
    assert second.outputs["snapshot-id"] == "2"
    assert second.outputs["drift"] == "true"
    assert snapshot_ids(uploaded) == [1, 2]
    assert "### kubectl-datamodel drift" in second.summary
    removed = [c for c in second.report["changes"] if c["kind"] == "CSV"]
    assert removed and removed[0]["action"] == "removed"  # the OLM CSV is gone from the cluster
    assert [d.artifact_id for d in gh.downloads] == [gh.artifacts[0].id]
    assert all(d.authorization is None for d in gh.downloads)  # the token stays with the API
    assert second.kubeconfig_left == []
    for text in (second.summary, second.log, uploaded.read_bytes().decode("latin-1")):
        assert TOKEN not in text


def test_a_corrupt_history_database_fails_and_publishes_nothing(runner, github):
    gh = github.github
    gh.add_artifact(ARTIFACT, {"inventory.db": b"SQLite format 3\x00" + b"\x00" * 500}, run_id=5)
    result = runner.run({"manifests": "examples/cluster-v1"}, secrets={"GITHUB_TOKEN": gh.token})
    assert not result.succeeded
    assert any("is not a usable database" in e for e in result.annotations("error"))
    assert not (runner.uploads / ARTIFACT).exists()  # the last good history stays the latest


# -- pull requests --------------------------------------------------------------------------------


def test_one_comment_is_created_left_alone_updated_and_resolved(runner, github, tmp_path):
    gh = github.github
    publish_history(gh, tmp_path, "examples/cluster-v1/crds/cert-manager")
    gh.add_comment(PR, "Looks good to me")
    secrets = {"GITHUB_TOKEN": gh.token}

    def diff(manifests: str, **extra: str):
        inputs = {"mode": "diff", "manifests": manifests, "context": "demo", **extra}
        return runner.run(
            inputs, event="pull_request", payload=pull_request_event(), secrets=secrets
        )

    created = diff("examples/cluster-v2/crds/cert-manager")
    assert created.succeeded, created.log
    assert created.outputs["comment"] == "created"
    assert created.outputs["drift"] == "true" and created.outputs["breaking"] == "0"
    [comment] = ours(gh)
    assert comment["body"].startswith("<!-- kubectl-datamodel:drift ")
    assert "### kubectl-datamodel drift" in comment["body"]
    assert "### kubectl-datamodel drift" in created.summary

    again = diff("examples/cluster-v2/crds/cert-manager")
    assert again.outputs["comment"] == "unchanged"
    assert gh.calls("PATCH", "comments") == [] and len(gh.calls("POST", "comments")) == 1

    updated = diff("examples/cluster-v2/crds", **{"fail-on": "warning"})
    assert not updated.succeeded  # fail-on applies last, after the comment is out
    assert updated.outputs["comment"] == "updated"
    assert any("fail-on warning" in e for e in updated.annotations("error"))
    [comment] = ours(gh)
    assert "126 changes" in comment["body"]

    resolved = diff("examples/cluster-v1/crds/cert-manager")
    assert resolved.succeeded and resolved.outputs["drift"] == "false"
    assert resolved.outputs["comment"] == "resolved"
    [comment] = ours(gh)
    assert "No drift any more" in comment["body"]
    assert gh.comments(PR)[0]["body"] == "Looks good to me"  # not ours: left alone


def test_a_marked_comment_by_someone_else_is_left_alone_and_an_outdated_run_writes_nothing(
    runner, github, tmp_path
):
    """The marker is text anyone can paste. A reviewer's comment carrying ours (with a later
    run, even) is not edited and not deleted: ours is made beside it. Then the pull request
    moves on, and a run for the old head leaves the comment to the run for the new one."""
    gh = github.github
    publish_history(gh, tmp_path, "examples/cluster-v1/crds/cert-manager")
    hostile = (
        f"<!-- kubectl-datamodel:drift key={KEY} digest=0 head={HEAD} run=999999.1 -->\n"
        "### kubectl-datamodel drift\n\nNo drift: merge away. (Posted by a reviewer.)\n"
    )
    theirs = gh.add_comment(PR, hostile, login="mallory")
    secrets = {"GITHUB_TOKEN": gh.token}

    def diff(manifests: str, sha: str, run_id: int):
        inputs = {"mode": "diff", "manifests": manifests, "context": "demo"}
        return runner.run(
            inputs,
            event="pull_request",
            payload=pull_request_event(sha=sha),
            secrets=secrets,
            run_id=run_id,
        )

    created = diff("examples/cluster-v2/crds/cert-manager", HEAD, run_id=11)
    assert created.succeeded, created.log
    assert created.outputs["comment"] == "created"
    first, mine = gh.comments(PR)
    assert (first["id"], first["user"]["login"], first["body"]) == (theirs, "mallory", hostile)
    assert gh.calls("*", rf"/issues/comments/{theirs}$") == []  # never edited nor deleted
    assert mine["user"]["login"] == BOT
    assert f"head={HEAD} run=11.1 -->" in mine["body"].splitlines()[0]

    pushed = "feed" * 10
    gh.add_pull(PR, head_sha=pushed)
    late = diff("examples/cluster-v2/crds", HEAD, run_id=12)  # the old head's run, finishing late
    assert late.succeeded, late.log
    assert late.outputs["comment"] == "outdated"
    assert any(f"head is now {pushed[:12]}" in n for n in late.annotations("notice"))
    assert gh.comments(PR)[1]["body"] == mine["body"]
    assert gh.calls("PATCH", "comments") == [] and gh.calls("DELETE", "comments") == []

    current = diff("examples/cluster-v2/crds", pushed, run_id=13)
    assert current.outputs["comment"] == "updated"
    assert f"head={pushed} run=13.1 -->" in ours(gh)[0]["body"]
    assert gh.comments(PR)[0]["body"] == hostile


def test_a_missing_or_expired_history_is_a_notice_and_an_empty_baseline(runner, github, tmp_path):
    """The only history artifact has expired: the pull request still gets its report, against
    an empty baseline (everything added, nothing breaking) and saying so; and with
    require-history the run fails instead, with one error."""
    gh = github.github
    stored = stored_database(tmp_path, "examples/cluster-v1/crds/cert-manager")
    gh.add_artifact(ARTIFACT, {"inventory.db": stored}, run_id=1, expired=True)
    inputs = {
        "mode": "diff",
        "manifests": "examples/cluster-v2/crds/cert-manager",
        "context": "demo",
    }
    secrets = {"GITHUB_TOKEN": gh.token}
    result = runner.run(inputs, event="pull_request", payload=pull_request_event(), secrets=secrets)
    assert result.succeeded, result.log
    [notice] = [n for n in result.annotations("notice") if "empty baseline" in n]
    assert notice.startswith(f"no unexpired artifact {ARTIFACT} from a successful run on main")
    summary = result.report["summary"]
    assert summary["drift"] and summary["breaking"] == 0 and summary["warning"] == 0
    assert {c["action"] for c in result.report["changes"]} == {"added"}
    assert result.outputs["snapshot-id"] == "" and result.outputs["breaking"] == "0"
    assert result.outputs["comment"] == "created"
    [comment] = ours(gh)
    assert "> **No history yet** (no unexpired artifact" in comment["body"]
    assert "**No history yet**" in result.summary
    assert gh.downloads == []  # the expired artifact is not fetched
    assert not (runner.uploads / ARTIFACT).exists()  # the empty baseline is never published

    required = runner.run(
        {**inputs, "require-history": "true"},
        event="pull_request",
        payload=pull_request_event(),
        secrets=secrets,
    )
    assert not required.succeeded
    [error] = required.annotations("error")
    assert "and require-history is true" in error


def many_crds(count: int, *, required: bool) -> dict[str, str]:
    """``count`` copies of a real CRD (external-secrets' UUID generator), one API group each,
    as files for the checkout; ``required``: each newly requires ``.spec``, a breaking change."""
    source = CLUSTER_V1 / "crds/external-secrets/uuids.generators.external-secrets.io.yaml"
    template = yaml.safe_load(source.read_text())
    files = {}
    for index in range(count):
        crd = copy.deepcopy(template)
        group = f"team{index:04d}.example.com"
        crd["metadata"]["name"] = f"uuids.{group}"
        crd["spec"]["group"] = group
        if required:
            crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["required"] = ["spec"]
        files[f"platform/crds/{group}.yaml"] = yaml.safe_dump(crd)
    return files


def test_an_oversized_report_is_cut_to_fit_one_comment(runner, github, tmp_path):
    """600 CRDs that each break: more rows than one comment holds, so the breaking table is
    cut at a row, says how many it leaves out and where the rest is: the report's artifact,
    which holds the JSON and the Markdown whole, and which the comment links. The job summary
    (1 MiB) holds every row."""
    gh = github.github
    history = tmp_path / "history"
    for name, text in many_crds(600, required=False).items():
        (history / name).parent.mkdir(parents=True, exist_ok=True)
        (history / name).write_text(text)
    publish_history(gh, tmp_path, str(history))
    result = runner.run(
        {"mode": "diff", "manifests": "platform", "context": "demo"},
        event="pull_request",
        payload=pull_request_event(),
        secrets={"GITHUB_TOKEN": gh.token},
        files=many_crds(600, required=True),
    )
    assert result.succeeded, result.log
    [comment] = ours(gh)
    body = comment["body"]
    assert len(body) <= COMMENT_LIMIT
    assert "more breaking changes not shown, to keep the comment under GitHub's limit" in body
    assert body.count("| `schema.required` |") > 100  # cut at a row, not at the top
    assert result.report["summary"]["breaking"] == 600  # the JSON report keeps every change

    name = f"{ARTIFACT}-drift-{PR}"
    artifact = runner.uploads / name
    assert sorted(p.name for p in artifact.iterdir()) == [
        "comment.md", "drift.json", "drift.md", "pull-request.json",
    ]  # fmt: skip
    whole = (artifact / "drift.md").read_text()
    assert whole.count("| `schema.required` |") == 600 and "not shown" not in whole
    assert json.loads((artifact / "drift.json").read_text())["summary"]["breaking"] == 600
    assert json.loads((artifact / "pull-request.json").read_text()) == {
        "number": PR,
        "head_sha": HEAD,
    }
    assert json.loads((runner.uploads / f"{name}.inputs.json").read_text())["overwrite"] == "true"
    artifact_id = (runner.uploads / f"{name}.id").read_text().strip()
    url = f"https://github.com/owner/repo/actions/runs/1/artifacts/{artifact_id}"
    assert result.outputs["report-artifact"] == name and result.outputs["report-url"] == url
    assert f"Full report: the `{name}` artifact of this workflow run" in body
    assert f"Full report (Markdown and JSON): the artifact [`{name}`]({url})" in body
    assert result.summary.count("| `schema.required` |") == 600  # the summary is not cut
    assert f"the artifact [`{name}`]({url})" in result.summary


def test_an_upgrade_of_seven_operators_fits_one_comment_whole(runner, github, tmp_path):
    """The bundled examples' 1,873 changes: every component, every breaking change and the
    folded warnings fit, so nothing is cut."""
    gh = github.github
    publish_history(gh, tmp_path, "examples/cluster-v1")
    result = runner.run(
        {"mode": "diff", "manifests": "examples/cluster-v2", "context": "demo"},
        event="pull_request",
        payload=pull_request_event(),
        secrets={"GITHUB_TOKEN": gh.token},
    )
    assert result.succeeded, result.log
    [comment] = ours(gh)
    body = comment["body"]
    assert "not shown" not in body
    assert r"| cert\-manager | v1\.12\.2 → v1\.16\.1 | 6 | 0 | 3 | 100 |" in body
    assert "Why these break:" in body
    assert result.report["summary"]["total"] > 1000


def test_a_pull_request_from_a_fork_gets_the_summary_and_a_notice(runner, github, tmp_path):
    gh = github.github
    publish_history(gh, tmp_path, "examples/cluster-v1/crds/cert-manager")
    result = runner.run(
        {"mode": "diff", "manifests": "examples/cluster-v2/crds/cert-manager", "context": "demo"},
        event="pull_request",
        payload=pull_request_event(head="someone/fork"),
        secrets={"GITHUB_TOKEN": "ghs_read_only"},
    )
    assert result.succeeded, result.log
    assert gh.calls("POST", "comments") == []
    assert any("from a fork" in n for n in result.annotations("notice"))
    assert "### kubectl-datamodel drift" in result.summary


def published(runner, name: str) -> dict[str, bytes]:
    """What the upload-artifact stand-in received as ``name``, file by file."""
    return {p.name: p.read_bytes() for p in (runner.uploads / name).iterdir()}


def workflow_run_event(run_id: int, *, head: str = "someone/fork", sha: str = HEAD) -> dict:
    """What GitHub sends the trusted workflow when the pull request's run completes. For a
    fork's pull request ``pull_requests`` is empty: the artifact has to say which it was."""
    return {
        "action": "completed",
        "workflow_run": {
            "id": run_id,
            "run_attempt": 1,
            "event": "pull_request",
            "conclusion": "success",
            "head_sha": sha,
            "head_branch": "feature",
            "head_repository": {"full_name": head},
            "pull_requests": [],
        },
        "repository": {"full_name": "owner/repo", "default_branch": "main"},
    }


def test_a_forks_pull_request_is_commented_by_a_trusted_workflow_run(runner, github, tmp_path):
    """The two-stage flow: the fork's pull_request run (read-only token) computes the report
    and publishes it; a workflow_run workflow (write token, nothing checked out) checks the
    artifact's claims against the run and the pull request, then comments."""
    gh = github.github
    gh.add_pull(PR, head_sha=HEAD, head_repository="someone/fork")
    publish_history(gh, tmp_path, "examples/cluster-v1/crds/cert-manager")
    untrusted = runner.run(
        {"mode": "diff", "manifests": "examples/cluster-v2/crds/cert-manager", "context": "demo"},
        event="pull_request",
        payload=pull_request_event(head="someone/fork"),
        secrets={"GITHUB_TOKEN": "ghs_read_only"},
        run_id=21,
    )
    assert untrusted.succeeded, untrusted.log
    assert gh.calls("POST", "comments") == []
    name = untrusted.outputs["report-artifact"]
    assert name == f"{ARTIFACT}-drift-{PR}"
    gh.add_artifact(
        name, published(runner, name), run_id=21, branch="feature", head_repository_id=9
    )
    before = len(gh.requests)

    trusted = runner.run(
        {"mode": "comment", "context": "demo"},
        event="workflow_run",
        payload=workflow_run_event(21),
        secrets={"GITHUB_TOKEN": gh.token},
        run_id=22,
    )
    assert trusted.succeeded, trusted.log
    assert trusted.outputs["comment"] == "created"
    [posted] = ours(gh)
    assert posted["body"].startswith(
        f"<!-- kubectl-datamodel:drift key={KEY} digest="
    )  # the same comment as mode: diff keeps, of the fork's run
    assert f"head={HEAD} run=21.1 -->" in posted["body"].splitlines()[0]
    assert "### kubectl-datamodel drift" in posted["body"]
    artifact_id = gh.artifacts[-1].id
    url = f"https://github.com/owner/repo/actions/runs/21/artifacts/{artifact_id}"
    assert f"[`{name}`]({url})" in posted["body"]
    assert "[this workflow run](https://github.com/owner/repo/actions/runs/21)" in posted["body"]
    assert "Install kubectl-datamodel" not in trusted.log  # nothing installed, nothing run
    asked = [r.path.split("?")[0] for r in gh.requests[before:] if r.method == "GET"]
    assert "/repos/owner/repo/actions/artifacts" not in asked  # no history looked for
    assert "/repos/owner/repo/actions/runs/21/artifacts" in asked  # the triggering run's only


def test_a_report_artifact_that_claims_another_pull_request_is_refused(runner, github):
    """The artifact comes from the fork's run: it may name any pull request. One whose head is
    not where the run ran is refused, and nothing is written."""
    gh = github.github
    gh.add_pull(PR, head_sha=HEAD, head_repository="someone/fork")
    gh.add_pull(8, head_sha=HEAD, head_repository="owner/repo")  # someone else's, same commit
    forged = {
        "drift.json": json.dumps({"kind": "DriftReport", "summary": {"drift": True}}).encode(),
        "comment.md": b"### kubectl-datamodel drift\n\nAll good, merge it.\n",
        "pull-request.json": json.dumps({"number": 8, "head_sha": HEAD}).encode(),
    }
    gh.add_artifact(f"{ARTIFACT}-drift-8", forged, run_id=31, branch="feature")
    result = runner.run(
        {"mode": "comment", "context": "demo"},
        event="workflow_run",
        payload=workflow_run_event(31),
        secrets={"GITHUB_TOKEN": gh.token},
        run_id=32,
    )
    assert not result.succeeded
    [error] = result.annotations("error")
    assert "pull request #8 is not from someone/fork:feature, where run 31 ran: refused" in error
    assert gh.calls("POST", ".") == [] and gh.calls("PATCH", ".") == []


def step_seconds(run, name: str) -> float:
    """How long a step of the action took, as act reports it when the step ends."""
    [ended] = [
        r for r in run.records if "executionTime" in r and f"Main {name} [" in str(r.get("msg"))
    ]
    return ended["executionTime"] / 1e9


def test_the_release_binary_is_installed_checked_and_then_cached(github, tmp_path):
    """The default install: the archive of the action's release for this runner, from the
    release (a local stand-in here), checked against SHA256SUMS, unpacked into the tool cache;
    the next run finds it there and downloads nothing. Nothing is pip-installed."""
    archive = releasebinary.release_archive()
    version = archive.name.split("_")[1]
    with ReleaseServer() as releases:
        releases.publish(
            version, {archive.name: archive.read_bytes()}, source_digest=install.source_digest(ROOT)
        )
        runner = ActRunner(  # act's own cache, so a tool cache of its own: a cold start
            tmp_path, github.url, github.github.repository, cache=tmp_path / "act",
            releases_url=releases.url,
        )  # fmt: skip
        secrets = {"GITHUB_TOKEN": github.github.token}
        cold = runner.run({"manifests": "examples/cluster-v1"}, secrets=secrets)
        assert cold.succeeded, cold.log
        [line] = [str(r["msg"]) for r in cold.records if "installed: " in str(r.get("msg"))]
        assert f"installed: release binary {version} (linux/amd64)" in line
        assert releases.downloads() == ["SOURCE-DIGEST", "SHA256SUMS", archive.name]
        tool_cache = tmp_path / "act" / "tool_cache"
        home = tool_cache / "kubectl-datamodel" / version / "amd64"
        assert (home / "kubectl-datamodel" / "kubectl-datamodel").is_file()
        assert cold.outputs["snapshot-id"] == "1"
        cold_step = step_seconds(cold, "Install kubectl-datamodel")
        print(f"cold install step: {cold_step:.1f} s; {line.strip()}")  # noqa: T201

        warm = runner.run({"manifests": "examples/cluster-v1"}, secrets=secrets)
        assert warm.succeeded, warm.log
        assert any("from the tool cache" in m for m in warm.log.splitlines() if "installed: " in m)
        assert releases.downloads() == ["SOURCE-DIGEST", "SHA256SUMS", archive.name]
        warm_step = step_seconds(warm, "Install kubectl-datamodel")
        print(f"warm install step: {warm_step:.1f} s")  # noqa: T201
    assert not any(tool_cache.glob("kubectl-datamodel/source-*"))  # nothing pip-installed

    with ReleaseServer() as lying:  # an archive that is not the one SHA256SUMS names
        lying.publish(
            version, {archive.name: archive.read_bytes()[:-1] + b"\0"},
            source_digest=install.source_digest(ROOT),
            checksums={archive.name: hashlib.sha256(archive.read_bytes()).hexdigest()},
        )  # fmt: skip
        runner = ActRunner(
            tmp_path / "lying", github.url, github.github.repository, cache=tmp_path / "act-2",
            releases_url=lying.url,
        )  # fmt: skip
        refused = runner.run({"manifests": "examples/cluster-v1"}, secrets=secrets)
    assert not refused.succeeded
    [error] = refused.annotations("error")
    assert error.startswith(f"{archive.name} does not match the release's SHA256SUMS")
    assert not any((tmp_path / "act-2" / "tool_cache").glob("kubectl-datamodel/*/*/kubectl-*"))


# -- what a pull request's drift compares ---------------------------------------------------------


def folder_files(target: str, *sources: Path) -> dict[str, str]:
    """The YAML files of ``sources`` as checkout files under ``target``, one folder each."""
    return {
        f"{target}/{source.parent.name}-{source.name}/{path.name}": path.read_text()
        for source in sources
        for path in sorted(source.glob("*.yaml"))
    }


def test_a_partial_repository_is_compared_only_where_it_declares_objects(runner, github, tmp_path):
    """A repository with cert-manager and gateway-api, on a cluster that runs much more: no
    breaking removal of prometheus-operator's CRDs and the rest, which are listed as not
    managed here; `fail-on: breaking` passes. The base commit has no `deploy` yet (this pull
    request adds it), so the run compares with the snapshot and says so."""
    gh = github.github
    publish_history(gh, tmp_path, "examples/cluster-v1")
    managed = [
        CLUSTER_V2 / part / project
        for part in ("crds", "operators")
        for project in ("cert-manager", "gateway-api")
    ]
    result = runner.run(
        {"mode": "diff", "manifests": "deploy", "context": "demo", "fail-on": "breaking"},
        event="pull_request",
        payload=pull_request_event(),
        secrets={"GITHUB_TOKEN": gh.token},
        files=folder_files("deploy", *managed),
        base_files={},
    )
    assert result.succeeded, result.log
    report = result.report
    assert report["scope"] == "manifests"
    assert report["summary"]["breaking"] == 0 and report["summary"]["unmanaged"] == 63
    assert result.outputs["compared"] == "snapshot" and result.outputs["breaking"] == "0"
    assert any(
        "has no deploy (this pull request adds it)" in n for n in result.annotations("notice")
    )
    assert "has no deploy (this pull request adds it): the manifests are compared" in result.summary
    [comment] = ours(gh)
    body = comment["body"]
    assert "✅ **Passes `--fail-on breaking`.**" in body
    assert "63 objects not managed here" in body
    assert "50 CRDs, 10 operators and 3 ClusterServiceVersions of snapshot 1" in body
    assert "`crd.removed`" not in body


def live_history(gh: FakeGitHub, tmp_path: Path) -> None:
    """A snapshot of the test API server as the history: strimzi 0.45.0 runs 3 Kafkas and 4
    KafkaMirrorMakers there, beside cert-manager, external-secrets and OLM."""
    cluster = build_cluster()
    cluster.generate("kafkamirrormakers.kafka.strimzi.io", 4, namespaces=("kafka",))
    database = tmp_path / "live.db"
    with FakeApiServer(cluster, token=TOKEN) as kube:
        config = write_kubeconfig(tmp_path / "config", kube.url, context="demo", token=TOKEN)
        subprocess.run(
            [TOOL, "snapshot", "--kubeconfig", str(config), "--db-path", str(database), "-q"],
            check=True, capture_output=True,
        )  # fmt: skip
    gh.add_artifact(ARTIFACT, {"inventory.db": database.read_bytes()}, run_id=1)


def test_a_pull_request_is_compared_with_its_base(runner, github, tmp_path):
    """The pull request upgrades strimzi 0.45.0 to 1.0.0: the action takes the base commit from
    the event, its `deploy` from git, and reports what the pull request changes, the objects at
    risk counted in the snapshot; what only the cluster runs is not mentioned."""
    gh = github.github
    live_history(gh, tmp_path)
    result = runner.run(
        {"mode": "diff", "manifests": "deploy", "context": "demo", "fail-on": "breaking"},
        event="pull_request",
        payload=pull_request_event(),
        secrets={"GITHUB_TOKEN": gh.token},
        base_files=folder_files("deploy", CLUSTER_V1 / "crds" / "strimzi"),
        files=folder_files("deploy", CLUSTER_V2 / "crds" / "strimzi"),
    )
    assert not result.succeeded  # fail-on breaking, after the comment is out
    assert result.outputs["compared"] == "base" and result.outputs["snapshot-id"] == "1"
    report = result.report
    assert report["scope"] == "base" and report["counts_from"]["snapshot_id"] == 1
    assert (report["old"]["role"], report["new"]["role"]) == ("base", "head")
    (removed,) = [c for c in report["changes"] if c["rule"] == "crd.removed"]
    assert removed["name"] == "kafkamirrormakers.kafka.strimzi.io"
    assert removed["impact"]["objects"] == 4
    assert all("strimzi.io" in c["name"] for c in report["changes"])
    [comment] = ours(gh)
    body = comment["body"]
    assert "❌ **Fails `--fail-on breaking`.**" in body
    assert r"| 4 objects | kafka\.strimzi\.io | kafkamirrormakers\.kafka\.strimzi\.io |" in body
    assert r"\(base\) and manifests deploy, objects counted in snapshot 1 \(demo" in body
    assert "cert\\-manager" not in body and "not managed here" not in body
    assert any("fail-on breaking" in e for e in result.annotations("error"))


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "needle"),
    [
        ({"mode": "inventory"}, "input mode: 'inventory' is not one of snapshot, diff, comment"),
        ({"manifests": "examples/cluster-v1", "fail-on": "sometimes"}, "input fail-on"),
        ({"manifests": "does/not/exist"}, "input manifests: does/not/exist does not exist"),
        ({"mode": "snapshot"}, "input kubeconfig: snapshot mode without manifests"),
    ],
)
def test_bad_input_fails_with_an_error_annotation(runner, github, inputs, needle):
    result = runner.run(inputs, secrets={"GITHUB_TOKEN": github.github.token})
    assert not result.succeeded
    errors = result.annotations("error")
    assert any(needle in e for e in errors), errors
    assert github.github.requests == []  # stopped before anything was fetched or installed

"""The pull request's base (action/datamodel_action/base.py): its commit from the event, and its
copy of the manifests from a real git repository: present, absent (the pull request that adds
them), fetched from origin when the checkout lacks the commit, or not to be had."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from datamodel_action import base, inputs, steps
from datamodel_action.workflow import ActionError

from tests.support.paths import CLUSTER_V1

GIT = [
    "git",
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.com",
    "-c",
    "protocol.file.allow=always",
]
KAFKA_CRD = CLUSTER_V1 / "crds" / "strimzi" / "040-Crd-kafka.yaml"


def git(repo: Path, *args: str) -> str:
    result = subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


def test_the_base_sha_comes_from_a_pull_request_event() -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert base.sha_of({"pull_request": {"base": {"sha": sha}}}) == sha
    assert base.sha_of({"pull_request": {"base": {"sha": "main; rm -rf /"}}}) is None
    assert base.sha_of({"pull_request": {"number": 7}}) is None
    assert base.sha_of({"ref": "refs/heads/main"}) is None


def test_the_bases_copy_of_the_manifests_is_extracted(repo: Path, tmp_path: Path) -> None:
    sha = commit(repo, {"deploy/kafka.yaml": KAFKA_CRD.read_text(), "other.txt": "x"}, "base")
    commit(repo, {"deploy/kafka.yaml": "changed\n", "deploy/new.yaml": "new\n"}, "head")
    copy = base.extract(sha, repo / "deploy", repo, tmp_path / "base")
    assert copy == tmp_path / "base" / "deploy"
    assert sorted(p.name for p in copy.iterdir()) == ["kafka.yaml"]
    assert (copy / "kafka.yaml").read_text() == KAFKA_CRD.read_text()
    assert not (tmp_path / "base" / "other.txt").exists()  # the manifests path only


def test_a_single_file_and_a_nested_checkout_folder(repo: Path, tmp_path: Path) -> None:
    sha = commit(repo, {"deploy/crds/kafka.yaml": "a\n"}, "base")
    commit(repo, {"deploy/crds/kafka.yaml": "b\n"}, "head")
    copy = base.extract(
        sha, repo / "deploy" / "crds" / "kafka.yaml", repo / "deploy", tmp_path / "b"
    )
    assert copy is not None and copy.read_text() == "a\n"


def test_a_base_without_the_path_has_nothing_to_compare(repo: Path, tmp_path: Path) -> None:
    sha = commit(repo, {"README.md": "hello\n"}, "base")
    commit(repo, {"deploy/kafka.yaml": "a\n"}, "head: adds deploy")
    assert base.extract(sha, repo / "deploy", repo, tmp_path / "base") is None


def test_a_commit_the_checkout_lacks_is_fetched_from_origin(repo: Path, tmp_path: Path) -> None:
    """As actions/checkout leaves it: one commit deep, the base not in it."""
    sha = commit(repo, {"deploy/kafka.yaml": "base\n"}, "base")
    commit(repo, {"deploy/kafka.yaml": "head\n"}, "head")
    clone = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repo}", str(clone))
    with pytest.raises(subprocess.CalledProcessError):
        git(clone, "cat-file", "-e", f"{sha}^{{commit}}")
    copy = base.extract(sha, clone / "deploy", clone, tmp_path / "base")
    assert copy is not None and (copy / "kafka.yaml").read_text() == "base\n"


def test_a_commit_nowhere_to_be_had_is_an_error(repo: Path, tmp_path: Path) -> None:
    commit(repo, {"deploy/kafka.yaml": "a\n"}, "only")
    missing = "0123456789abcdef0123456789abcdef01234567"
    with pytest.raises(ActionError, match="the base commit 0123456789ab is not in the checkout"):
        base.extract(missing, repo / "deploy", repo, tmp_path / "base")


def test_manifests_outside_the_repository_are_an_error(repo: Path, tmp_path: Path) -> None:
    sha = commit(repo, {"deploy/kafka.yaml": "a\n"}, "only")
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(ActionError, match="is outside the repository"):
        base.extract(sha, tmp_path / "elsewhere", repo, tmp_path / "base")


# -- the run step's choice: the base, or the snapshot ---------------------------------------------


def settings_for(workspace: Path, **inputs_given: str) -> inputs.Inputs:
    env = {"GITHUB_WORKSPACE": str(workspace), "INPUT_MODE": "diff", "INPUT_MANIFESTS": "deploy"}
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs_given.items()})
    return inputs.read(env)


def choose(repo: Path, tmp_path: Path, event: dict, **inputs_given: str) -> tuple[Path | None, str]:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    env = {
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_EVENT_PATH": str(event_file),
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
    }
    settings = settings_for(repo, **inputs_given)
    return steps._base(settings, env, steps.Workdir.of(settings, env))


def pull_request(sha: str) -> dict:
    return {"pull_request": {"number": 7, "base": {"sha": sha}}}


def test_a_pull_request_is_compared_with_its_bases_manifests(repo: Path, tmp_path: Path) -> None:
    sha = commit(repo, {"deploy/kafka.yaml": "base\n"}, "base")
    commit(repo, {"deploy/kafka.yaml": "head\n"}, "head")
    copy, said = choose(repo, tmp_path, pull_request(sha))
    assert copy is not None and (copy / "kafka.yaml").read_text() == "base\n"
    assert copy.parent.name == f"base-{sha[:12]}" and said == ""


def test_the_pull_request_that_adds_the_manifests_is_compared_with_the_snapshot(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sha = commit(repo, {"README.md": "x\n"}, "base")
    commit(repo, {"deploy/kafka.yaml": "head\n"}, "head")
    copy, said = choose(repo, tmp_path, pull_request(sha))
    assert copy is None
    assert said.startswith(f"The base commit {sha[:12]} has no deploy (this pull request adds it)")
    assert "::notice::the base commit" in capsys.readouterr().out


def test_a_base_that_cannot_be_read_falls_back_unless_asked_for(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(repo, {"deploy/kafka.yaml": "head\n"}, "head")
    missing = pull_request("0123456789abcdef0123456789abcdef01234567")
    copy, said = choose(repo, tmp_path, missing)
    assert copy is None and said.startswith("The base commit could not be read")
    assert (
        "::warning::the base commit 0123456789ab is not in the checkout" in capsys.readouterr().out
    )
    with pytest.raises(ActionError, match="is not in the checkout"):
        choose(repo, tmp_path, missing, compare="base")


def test_other_events_compare_with_the_snapshot_or_fail_when_base_was_asked_for(
    repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"deploy/kafka.yaml": "head\n"}, "head")
    assert choose(repo, tmp_path, {"ref": "refs/heads/main"}) == (None, "")
    with pytest.raises(ActionError, match="compare: base needs a pull_request event"):
        choose(repo, tmp_path, {"ref": "refs/heads/main"}, compare="base")


def test_snapshot_compare_cluster_scope_and_a_rendered_base(repo: Path, tmp_path: Path) -> None:
    sha = commit(repo, {"deploy/kafka.yaml": "base\n", "rendered-base/kafka.yaml": "r\n"}, "base")
    event = pull_request(sha)
    assert choose(repo, tmp_path, event, compare="snapshot") == (None, "")
    assert choose(repo, tmp_path, event, scope="cluster") == (None, "")
    copy, _ = choose(repo, tmp_path, event, base_manifests="rendered-base")
    assert copy == repo / "rendered-base"

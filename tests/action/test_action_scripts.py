"""Fast unit tests of the GitHub Action's step scripts (action/datamodel_action, action/main.py).

No act and no network beyond the loopback fake GitHub: each module is driven the way a step
drives it, and the assertions are on what a workflow author sees (workflow commands, the
runner's files, comments on the pull request, error messages). The end-to-end runs are in
test_action.py.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from datamodel_action import comment, history, inputs, install, tool, workflow
from datamodel_action.github import ApiError, GitHub
from datamodel_action.workflow import ActionError

from tests.support.fakegithub import BOT_LOGIN, FakeGitHub, FakeGitHubServer
from tests.support.paths import EXAMPLES, ROOT

ACTION = ROOT / "action"
TOOL = str(Path(sys.executable).parent / "kubectl-datamodel")
ARTIFACT = "kubectl-datamodel-db"
PR = 7


# -- helpers --------------------------------------------------------------------------------------


def runner_file_values(path: Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT / $GITHUB_ENV file the way the runner does: ``name=value`` lines
    and ``name<<DELIMITER`` blocks that end at a line equal to the delimiter."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block: list[str] = []
            while lines[index] != delimiter:  # IndexError: an unterminated block
                block.append(lines[index])
                index += 1
            index += 1
            values[name] = "\n".join(block)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@pytest.fixture
def runner_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The files a runner names in GITHUB_OUTPUT and friends, inside tmp_path."""
    folder = tmp_path / "runner"
    folder.mkdir()
    files = {}
    for variable in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH"):
        files[variable] = folder / variable.lower()
        monkeypatch.setenv(variable, str(files[variable]))
    return files


@pytest.fixture
def gh() -> FakeGitHub:
    return FakeGitHub(read_only_token="ghs_read_only")


@pytest.fixture
def server(gh: FakeGitHub) -> Iterator[FakeGitHubServer]:
    with FakeGitHubServer(gh) as running:
        yield running


@pytest.fixture
def api(gh: FakeGitHub, server: FakeGitHubServer) -> GitHub:
    assert gh.token is not None
    return GitHub(server.url, gh.token, gh.repository)


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's back-off, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr("datamodel_action.github.time.sleep", slept.append)
    return slept


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def real_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A history database made by the tool itself, as a snapshot step makes it."""
    path = tmp_path_factory.mktemp("history") / "inventory.db"
    subprocess.run(
        [TOOL, "snapshot", "--from-dir", "examples/cluster-v1/crds/cert-manager",
         "--context", "demo", "--db-path", str(path), "--quiet"],
        check=True, capture_output=True, cwd=EXAMPLES.parent,
    )  # fmt: skip
    return path


# -- workflow.py: workflow commands and the runner's files ----------------------------------------


@pytest.mark.parametrize("command", ["error", "warning", "notice"])
def test_workflow_commands_escape_percent_cr_and_lf(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    getattr(workflow, command)("50% done\r\nsecond line\nthird")
    out = capsys.readouterr().out
    assert out == f"::{command}::50%25 done%0D%0Asecond line%0Athird\n"
    assert out.count("\n") == 1  # one command: a newline in the message cannot start another


def test_fail_reports_one_error_and_returns_exit_status_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert workflow.fail("input mode: 'x' is not one of snapshot, diff") == 1
    assert capsys.readouterr().out == "::error::input mode: 'x' is not one of snapshot, diff\n"


def test_set_output_survives_multi_line_values_and_appends(runner_files: dict[str, Path]) -> None:
    tricky = "line one\n\nEOF\nname<<EOF\nkey=value\n"
    workflow.set_output("first", "plain")
    workflow.set_output("report", tricky)
    workflow.set_output("empty", "")
    values = runner_file_values(runner_files["GITHUB_OUTPUT"])
    assert values == {"first": "plain", "report": tricky, "empty": ""}


def test_set_output_uses_a_fresh_delimiter_each_time(runner_files: dict[str, Path]) -> None:
    workflow.set_output("a", "1")
    workflow.set_output("b", "2")
    headers = [
        line for line in runner_files["GITHUB_OUTPUT"].read_text().splitlines() if "<<" in line
    ]
    delimiters = [line.split("<<", 1)[1] for line in headers]
    assert len(set(delimiters)) == 2
    assert all(len(d) > 20 for d in delimiters)  # not guessable from a value


def test_set_output_outside_a_runner_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    with pytest.raises(ActionError, match=r"\$GITHUB_OUTPUT is not set"):
        workflow.set_output("x", "y")


def test_add_path_reaches_later_steps_and_this_process(
    runner_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", os.environ["PATH"])
    workflow.add_path(tmp_path / "bin")
    assert runner_files["GITHUB_PATH"].read_text() == f"{tmp_path / 'bin'}\n"
    assert os.environ["PATH"].split(os.pathsep)[0] == str(tmp_path / "bin")


def test_write_summary_appends(runner_files: dict[str, Path]) -> None:
    workflow.write_summary("## first\n")
    workflow.write_summary("## second\n")
    assert runner_files["GITHUB_STEP_SUMMARY"].read_text() == "## first\n## second\n"


def test_write_summary_cuts_a_huge_report_at_a_line_under_the_limit(
    runner_files: dict[str, Path],
) -> None:
    workflow.write_summary("## heading\n")
    lines = [f"| row {i} | {'x' * 50} |" for i in range(40_000)]  # about 2.4 MB
    markdown = "\n".join(lines) + "\n"
    workflow.write_summary(markdown)
    summary = runner_files["GITHUB_STEP_SUMMARY"]
    assert summary.stat().st_size <= workflow.SUMMARY_LIMIT
    assert summary.stat().st_size > workflow.SUMMARY_LIMIT - 200  # used nearly all of it
    text = summary.read_text(encoding="utf-8")
    assert text.endswith("_The rest of this summary was cut: GitHub shows at most 1 MiB._\n")
    kept = text.removeprefix("## heading\n").split("\n\n_The rest", 1)[0]
    assert markdown.startswith(kept + "\n")  # whole lines only
    assert kept.splitlines()[-1] in lines


def test_write_summary_never_pushes_a_nearly_full_summary_over_the_limit(
    runner_files: dict[str, Path],
) -> None:
    """An earlier step used all but a few bytes: the cut note alone must not overflow it."""
    summary = runner_files["GITHUB_STEP_SUMMARY"]
    summary.write_bytes(b"x" * (workflow.SUMMARY_LIMIT - 10) + b"\n")
    workflow.write_summary("## kubectl-datamodel snapshot 2\n\nmore than ten bytes\n")
    assert summary.stat().st_size <= workflow.SUMMARY_LIMIT


def test_fit_returns_text_within_the_limit_unchanged() -> None:
    text = "## Ünïcödé\n\n日本語\n"
    assert workflow.fit(text, len(text.encode())) == text


@pytest.mark.parametrize("limit", [150, 151, 152, 153, 200, 333, 1000])
def test_fit_counts_bytes_not_characters_and_keeps_whole_lines(limit: int) -> None:
    lines = [f"{i}: 日本語のテキスト é ü 🔴" for i in range(100)]
    markdown = "\n".join(lines) + "\n"
    assert len(markdown) < len(markdown.encode())  # multi-byte text
    fitted = workflow.fit(markdown, limit)
    assert len(fitted.encode("utf-8")) <= limit
    kept, note = fitted.split("\n\n_The rest", 1)
    assert "1 MiB" in note
    assert markdown.startswith(kept)
    assert kept == "" or markdown[len(kept)] == "\n"  # cut at the end of a line


def test_fit_never_keeps_part_of_a_line() -> None:
    """When not even the first line fits beside the note, no line is kept: half a table row
    or an unclosed code span would garble what follows in the summary."""
    markdown = "| " + "a" * 300 + " |\n| b |\n"
    fitted = workflow.fit(markdown, 200)
    assert len(fitted.encode()) <= 200
    assert fitted.startswith("\n_The rest of this summary was cut")


# -- inputs.py ------------------------------------------------------------------------------------


def read(env: dict[str, str], **kwargs: bool) -> inputs.Inputs:
    return inputs.read(env, **kwargs)


def test_inputs_defaults(tmp_path: Path) -> None:
    settings = read({"GITHUB_WORKSPACE": str(tmp_path)})
    assert settings.mode == "snapshot"
    assert settings.fail_on == "none"
    assert settings.comment is True
    assert settings.database_artifact == ARTIFACT
    assert settings.retention_days is None
    assert settings.manifests is None and settings.ignore is None
    assert (settings.context, settings.namespace, settings.notes, settings.version) == (
        "",
        "",
        "",
        "",
    )
    assert settings.live


def test_inputs_are_read_trimmed_case_insensitive_and_relative_to_the_workspace(
    tmp_path: Path,
) -> None:
    (tmp_path / "crds").mkdir()
    (tmp_path / "ignore.yaml").write_text("rules: []\n")
    settings = read(
        {
            "GITHUB_WORKSPACE": str(tmp_path),
            "INPUT_MODE": " Diff ",
            "INPUT_FAIL_ON": "BREAKING",
            "INPUT_COMMENT": "off",
            "INPUT_RETENTION_DAYS": "400",
            "INPUT_MANIFESTS": "crds",
            "INPUT_IGNORE": "ignore.yaml",
            "INPUT_DATABASE_ARTIFACT": "prod-history",
            "INPUT_VERSION": "v1.2.0rc1",
            "INPUT_NOTES": "  weekly\nrun  ",
        }
    )
    assert (settings.mode, settings.fail_on, settings.comment) == ("diff", "breaking", False)
    assert settings.retention_days == 400
    assert settings.manifests == tmp_path / "crds"
    assert settings.ignore == tmp_path / "ignore.yaml"
    assert settings.database_artifact == "prod-history"
    assert settings.version == "1.2.0rc1"
    assert settings.notes == "weekly\nrun"  # notes may span lines
    assert not settings.live


@pytest.mark.parametrize(
    ("variable", "value", "input_name"),
    [
        ("INPUT_MODE", "apply", "mode"),
        ("INPUT_FAIL_ON", "sometimes", "fail-on"),
        ("INPUT_COMMENT", "maybe", "comment"),
        ("INPUT_RETENTION_DAYS", "0", "retention-days"),
        ("INPUT_RETENTION_DAYS", "401", "retention-days"),
        ("INPUT_RETENTION_DAYS", "abc", "retention-days"),
        ("INPUT_RETENTION_DAYS", "-5", "retention-days"),
        ("INPUT_RETENTION_DAYS", "²", "retention-days"),  # str.isdigit() says yes, int() no
        ("INPUT_DATABASE_ARTIFACT", "team/db", "database-artifact"),
        ("INPUT_DATABASE_ARTIFACT", "db:prod", "database-artifact"),
        ("INPUT_VERSION", "--index-url x", "version"),
        ("INPUT_VERSION", "1.0; rm -rf /", "version"),
        ("INPUT_VERSION", "1.0 --pre", "version"),
        ("INPUT_VERSION", "latest", "version"),
        ("INPUT_MANIFESTS", "missing/crds", "manifests"),
        ("INPUT_IGNORE", "missing.yaml", "ignore"),
        ("INPUT_CONTEXT", "prod\nstaging", "context"),
        ("INPUT_NAMESPACE", "a\rb", "namespace"),
    ],
)
def test_every_bad_input_raises_an_error_naming_it(
    tmp_path: Path, variable: str, value: str, input_name: str
) -> None:
    with pytest.raises(ActionError) as caught:
        read({"GITHUB_WORKSPACE": str(tmp_path), variable: value})
    assert str(caught.value).startswith(f"input {input_name}: ")


def test_a_missing_manifests_path_names_the_workspace(tmp_path: Path) -> None:
    with pytest.raises(ActionError, match=f"input manifests: crds does not exist .*{tmp_path}"):
        read({"GITHUB_WORKSPACE": str(tmp_path), "INPUT_MANIFESTS": "crds"})


def cluster_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"GITHUB_WORKSPACE": str(tmp_path), "HOME": str(home), **extra}


def test_live_mode_without_any_kubeconfig_fails_the_first_step_only(tmp_path: Path) -> None:
    env = cluster_env(tmp_path)
    with pytest.raises(ActionError) as caught:
        read(env, check_cluster_access=True)
    message = str(caught.value)
    assert message.startswith("input kubeconfig: snapshot mode without manifests")
    assert str(tmp_path / "home" / ".kube" / "config") in message
    read(env)  # later steps do not get the secret, and do not ask for it
    read(env, check_cluster_access=False)


def test_diff_mode_against_the_live_cluster_needs_a_kubeconfig_too(tmp_path: Path) -> None:
    with pytest.raises(ActionError, match=r"input kubeconfig: diff mode .*live cluster"):
        read(cluster_env(tmp_path, INPUT_MODE="diff"), check_cluster_access=True)


def test_a_kubeconfig_input_satisfies_live_mode(tmp_path: Path) -> None:
    env = cluster_env(tmp_path, INPUT_KUBECONFIG="apiVersion: v1\nkind: Config\n")
    assert not read(env, check_cluster_access=True).manifests


def test_the_runners_home_kubeconfig_satisfies_live_mode(tmp_path: Path) -> None:
    env = cluster_env(tmp_path)
    config = tmp_path / "home" / ".kube" / "config"
    config.parent.mkdir()
    config.write_text("apiVersion: v1\n")
    read(env, check_cluster_access=True)


def test_an_existing_kubeconfig_variable_file_satisfies_live_mode(tmp_path: Path) -> None:
    config = tmp_path / "cluster.yaml"
    config.write_text("apiVersion: v1\n")
    listed = os.pathsep.join([str(tmp_path / "missing.yaml"), str(config)])
    read(cluster_env(tmp_path, KUBECONFIG=listed), check_cluster_access=True)


def test_a_kubeconfig_variable_naming_no_file_is_not_rescued_by_home(tmp_path: Path) -> None:
    """As with kubectl: $KUBECONFIG, when set, replaces ~/.kube/config."""
    config = tmp_path / "home" / ".kube" / "config"
    config.parent.mkdir(parents=True)
    config.write_text("apiVersion: v1\n")
    env = cluster_env(tmp_path, KUBECONFIG=str(tmp_path / "gone.yaml"))
    with pytest.raises(ActionError, match=r"input kubeconfig: .*gone\.yaml"):
        read(env, check_cluster_access=True)


@pytest.mark.parametrize("mode", ["snapshot", "diff"])
def test_manifests_mode_needs_no_kubeconfig(tmp_path: Path, mode: str) -> None:
    (tmp_path / "crds").mkdir()
    env = cluster_env(tmp_path, INPUT_MODE=mode, INPUT_MANIFESTS="crds")
    assert not read(env, check_cluster_access=True).live


def test_the_token_and_kubeconfig_never_appear_in_the_inputs_repr(tmp_path: Path) -> None:
    secret_config = "apiVersion: v1\nusers:\n- user: {token: kubeconfig-secret-123}\n"
    settings = read(
        cluster_env(
            tmp_path, INPUT_KUBECONFIG=secret_config, INPUT_GITHUB_TOKEN="ghs_secret_token_456"
        )
    )
    assert settings.github_token == "ghs_secret_token_456"
    for text in (repr(settings), str(settings)):
        assert "kubeconfig-secret-123" not in text
        assert "ghs_secret_token_456" not in text
        assert "mode='snapshot'" in text  # the rest is still there for debugging


# -- github.py: the REST client against the fake server ------------------------------------------


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


# -- history.py -----------------------------------------------------------------------------------


def test_latest_picks_the_newest_good_artifact_and_skips_the_rest(
    gh: FakeGitHub, api: GitHub
) -> None:
    db = {"inventory.db": b"x"}
    gh.add_artifact(ARTIFACT, db, run_id=1)  # good, but older
    good = gh.add_artifact(ARTIFACT, db, run_id=2)
    gh.add_artifact(ARTIFACT, db, run_id=3, expired=True)
    gh.add_artifact(ARTIFACT, db, run_id=4, conclusion="failure")
    gh.add_artifact(ARTIFACT, db, run_id=5, conclusion=None)  # still running
    gh.add_artifact(ARTIFACT, db, run_id=6, branch="feature")
    gh.add_artifact(ARTIFACT, db, run_id=7, head_repository_id=999)  # a fork's main
    gh.add_artifact("another-cluster-db", db, run_id=8)
    found = history.latest(api, ARTIFACT, "main")
    assert found is not None
    assert (found.id, found.name, found.run_id) == (good, ARTIFACT, 2)
    assert found.describe() == f"artifact {ARTIFACT} (id {good}, run 2)"


@pytest.mark.parametrize(
    "unusable",
    [
        {"expired": True},
        {"conclusion": "failure"},
        {"conclusion": "cancelled"},
        {"branch": "feature"},
        {"head_repository_id": 424242},
        {"name": "another-cluster-db"},
    ],
    ids=["expired", "failed", "cancelled", "other-branch", "fork", "other-name"],
)
def test_latest_is_none_when_nothing_qualifies(
    gh: FakeGitHub, api: GitHub, unusable: dict[str, object]
) -> None:
    options = dict(unusable)
    name = str(options.pop("name", ARTIFACT))
    gh.add_artifact(name, {"inventory.db": b"x"}, run_id=1, **options)  # type: ignore[arg-type]
    assert history.latest(api, ARTIFACT, "main") is None


def test_latest_is_none_without_artifacts(api: GitHub) -> None:
    assert history.latest(api, ARTIFACT, "main") is None


def test_latest_uses_the_default_branch_it_is_given(gh: FakeGitHub, api: GitHub) -> None:
    artifact = gh.add_artifact(ARTIFACT, {"inventory.db": b"x"}, run_id=1, branch="trunk")
    assert history.latest(api, ARTIFACT, "main") is None
    found = history.latest(api, ARTIFACT, "trunk")
    assert found is not None and found.id == artifact


def test_download_writes_the_database_readable_by_its_owner_only(
    gh: FakeGitHub, api: GitHub, tmp_path: Path
) -> None:
    gh.add_artifact(ARTIFACT, {"inventory.db": b"SQLite format 3\0..."}, run_id=1)
    artifact = history.latest(api, ARTIFACT, "main")
    assert artifact is not None
    target = tmp_path / "work" / "db" / "inventory.db"
    history.download(api, artifact, target)
    assert target.read_bytes() == b"SQLite format 3\0..."
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert gh.downloads[-1].authorization is None


def test_download_of_an_artifact_without_inventory_db_names_the_artifact(
    gh: FakeGitHub, api: GitHub, tmp_path: Path
) -> None:
    gh.add_artifact(ARTIFACT, {"report.json": b"{}"}, run_id=1)
    artifact = history.latest(api, ARTIFACT, "main")
    assert artifact is not None
    target = tmp_path / "inventory.db"
    with pytest.raises(ActionError) as caught:
        history.download(api, artifact, target)
    assert str(caught.value).startswith(f"artifact {ARTIFACT} (id {artifact.id}, run 1) has no ")
    assert "inventory.db" in str(caught.value)
    assert not target.exists()


def test_download_of_something_that_is_not_a_zip_names_the_artifact(
    gh: FakeGitHub, api: GitHub, tmp_path: Path
) -> None:
    gh.add_artifact(ARTIFACT, b"<html>not a zip</html>", run_id=1)
    artifact = history.latest(api, ARTIFACT, "main")
    assert artifact is not None
    target = tmp_path / "inventory.db"
    with pytest.raises(ActionError, match=f"artifact {ARTIFACT} .* is not a zip archive"):
        history.download(api, artifact, target)
    assert not target.exists()


def test_check_accepts_a_database_the_tool_wrote(real_database: Path) -> None:
    history.check(real_database, "artifact x")


def assert_rejected(path: Path, *expected: str) -> None:
    with pytest.raises(ActionError) as caught:
        history.check(path, "artifact kubectl-datamodel-db (id 1, run 2)")
    message = str(caught.value)
    assert message.startswith(
        f"artifact kubectl-datamodel-db (id 1, run 2): {path.name} is not a usable database"
    )
    assert "nothing was published" in message
    for text in expected:
        assert text in message


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_check_rejects_a_truncated_database(
    real_database: Path, tmp_path: Path, keep: float
) -> None:
    data = real_database.read_bytes()
    truncated = tmp_path / "inventory.db"
    truncated.write_bytes(data[: int(len(data) * keep)])
    assert_rejected(truncated)


def test_check_rejects_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "inventory.db"
    path.write_bytes(bytes(range(256)) * 64)
    assert_rejected(path)


def test_check_rejects_sqlite_without_the_snapshots_table(tmp_path: Path) -> None:
    path = tmp_path / "inventory.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.close()
    assert_rejected(path, "no inventory_snapshots table")


def test_check_does_not_change_the_database(real_database: Path, tmp_path: Path) -> None:
    copy = tmp_path / "inventory.db"
    shutil.copyfile(real_database, copy)
    history.check(copy, "x")
    assert copy.read_bytes() == real_database.read_bytes()


# -- comment.py -----------------------------------------------------------------------------------


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


def sync(api: GitHub, the_report: dict, markdown: str = "### drift\n\n| a | b |\n") -> str:
    return comment.sync(api, PR, "db_latest", the_report, markdown, FOOTER).value


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


def test_find_matches_only_our_marker_with_our_key() -> None:
    ours_first = comment.marker("db_latest", "aaaa")
    comments = [
        {"id": 1, "body": "LGTM"},
        {"id": 2, "body": f"{comment.marker('other_key', 'bbbb')}\nanother use of the action"},
        {"id": 3, "body": f"{ours_first}\nreport"},
        {"id": 4, "body": "<!-- someone-else:drift key=db_latest digest=cccc -->"},
        {"id": 5, "body": None},
        {"id": 6, "body": "x" * 400 + comment.marker("db_latest", "dddd")},  # not at the top
        {"id": 7, "body": f"{comment.marker('db_latest', comment.RESOLVED)}\nresolved"},
        {"id": 8, "body": comment.marker("db_latest_2", "eeee")},
    ]
    found = comment.find(comments, "db_latest")
    assert [(f.id, f.key, f.digest) for f in found] == [
        (3, "db_latest", "aaaa"),
        (7, "db_latest", "resolved"),
    ]


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
    assert posted["body"].startswith(comment.marker("db_latest", comment.digest(drift)))
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
    assert resolved["body"].startswith(comment.marker("db_latest", comment.RESOLVED))
    assert "No drift any more" in resolved["body"]

    assert sync(api, report()) == "none"
    assert len(gh.calls("PATCH", ".")) == 2
    assert len(gh.calls("POST", ".")) == 1
    assert gh.comments(PR)[0]["body"] == "LGTM"


def test_sync_reopens_a_resolved_comment_when_drift_returns(gh: FakeGitHub, api: GitHub) -> None:
    resolved = gh.add_comment(PR, comment.resolved_body("db_latest", FOOTER), login=BOT_LOGIN)
    assert sync(api, report(change())) == "updated"
    (current,) = ours(gh)
    assert current["id"] == resolved
    assert "No drift any more" not in current["body"]


def test_sync_deletes_duplicates_from_a_race_down_to_the_oldest(
    gh: FakeGitHub, api: GitHub
) -> None:
    drift = report(change())
    text = comment.body("db_latest", drift, "### drift\n", FOOTER)
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
    other = comment.body("staging_latest", report(change()), "### staging\n", FOOTER)
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


# -- install.py -----------------------------------------------------------------------------------


def source_tree(root: Path) -> Path:
    (root / "kubectl_datamodel" / "cli").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "kubectl-datamodel"\n')
    (root / "kubectl_datamodel" / "__init__.py").write_text('__version__ = "0.1"\n')
    (root / "kubectl_datamodel" / "x.py").write_text("X = 1\n")
    (root / "kubectl_datamodel" / "cli" / "main.py").write_text("def main(): ...\n")
    return root


def test_source_digest_is_stable_and_independent_of_the_checkout_location(tmp_path: Path) -> None:
    one = source_tree(tmp_path / "one")
    two = source_tree(tmp_path / "two")
    digest = install.source_digest(one)
    assert digest == install.source_digest(one)
    assert digest == install.source_digest(two)
    assert len(digest) == 16


def test_source_digest_ignores_pycache_and_files_outside_the_package(tmp_path: Path) -> None:
    source = source_tree(tmp_path / "src")
    before = install.source_digest(source)
    cache = source / "kubectl_datamodel" / "__pycache__"
    cache.mkdir()
    (cache / "x.cpython-311.pyc").write_bytes(b"\x00compiled")
    (source / "kubectl_datamodel" / "cli" / "__pycache__").mkdir()
    (source / "kubectl_datamodel" / "cli" / "__pycache__" / "main.pyc").write_bytes(b"\x01")
    (source / "README.md").write_text("docs\n")
    (source / "tests").mkdir()
    (source / "tests" / "test_x.py").write_text("def test(): ...\n")
    assert install.source_digest(source) == before


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: (s / "kubectl_datamodel" / "x.py").write_text("X = 2\n"),
        lambda s: (s / "kubectl_datamodel" / "cli" / "main.py").write_text("def main(): 1\n"),
        lambda s: (s / "kubectl_datamodel" / "y.py").write_text("Y = 1\n"),
        lambda s: (s / "kubectl_datamodel" / "x.py").rename(s / "kubectl_datamodel" / "z.py"),
        lambda s: (s / "pyproject.toml").write_text('[project]\nname = "other"\n'),
    ],
    ids=["edit", "edit-subpackage", "add", "rename", "pyproject"],
)
def test_source_digest_changes_when_the_package_changes(tmp_path: Path, edit) -> None:
    source = source_tree(tmp_path / "src")
    before = install.source_digest(source)
    edit(source)
    assert install.source_digest(source) != before


@pytest.fixture
def no_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **_kwargs: object) -> None:
        raise AssertionError(f"nothing should run here: {args}")

    monkeypatch.setattr(install.subprocess, "run", refuse)


@pytest.mark.usefixtures("no_subprocess")
def test_install_reuses_a_built_source_virtualenv(tmp_path: Path) -> None:
    source = source_tree(tmp_path / "action-checkout")
    cache = tmp_path / "tool-cache"
    venv = cache / "kubectl-datamodel" / f"source-{install.source_digest(source)}"
    venv.mkdir(parents=True)
    (venv / ".installed").touch()
    assert install.install("", source, cache) == venv / "bin"


@pytest.mark.usefixtures("no_subprocess")
def test_install_reuses_a_built_release_virtualenv(tmp_path: Path) -> None:
    cache = tmp_path / "tool-cache"
    venv = cache / "kubectl-datamodel" / "0.2.0"
    venv.mkdir(parents=True)
    (venv / ".installed").touch()
    assert install.install("0.2.0", tmp_path / "unused", cache) == venv / "bin"


def test_install_rebuilds_a_half_built_virtualenv_and_reports_pips_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "tool-cache"
    venv = cache / "kubectl-datamodel" / "9.9.9"
    venv.mkdir(parents=True)
    (venv / "leftover").write_text("from an interrupted run")  # no .installed marker
    commands: list[list[str]] = []

    def fake_run(command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        if "pip" not in command:
            return subprocess.CompletedProcess(command, 0, "", "")
        stderr = "Looking in indexes\nERROR: No matching distribution found for x==9.9.9\n"
        return subprocess.CompletedProcess(command, 1, "", stderr)

    monkeypatch.setattr(install.subprocess, "run", fake_run)
    with pytest.raises(ActionError) as caught:
        install.install("9.9.9", tmp_path, cache)
    assert str(caught.value) == (
        "could not pip install kubectl-datamodel==9.9.9: "
        "ERROR: No matching distribution found for x==9.9.9"
    )
    assert commands[0] == [sys.executable, "-m", "venv", str(venv)]
    assert not (venv / "leftover").exists()
    assert not (venv / ".installed").exists()
    assert "No matching distribution" in capsys.readouterr().err  # the full log, for debugging


# -- tool.py --------------------------------------------------------------------------------------


@pytest.fixture
def fake_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A `kubectl-datamodel` shell script first on PATH; returns a function that sets what it
    prints and its exit status, and the file where it records its arguments."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    script = folder / "kubectl-datamodel"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{folder}/args"\n'
        f'cat "{folder}/stdout"\n'
        f'cat "{folder}/stderr" >&2\n'
        f'exit "$(cat "{folder}/status")"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")

    def configure(stdout: str = "", stderr: str = "", status: int = 0) -> Path:
        (folder / "stdout").write_text(stdout)
        (folder / "stderr").write_text(stderr)
        (folder / "status").write_text(str(status))
        return folder / "args"

    return configure


def test_run_returns_stdout_and_passes_stderr_to_the_log(
    fake_tool, capsys: pytest.CaptureFixture[str]
) -> None:
    args = fake_tool(stdout="kubectl-datamodel 0.2.0\n", stderr="progress\n")
    assert tool.run(["--version"]) == "kubectl-datamodel 0.2.0\n"
    assert args.read_text() == "--version\n"
    assert "progress" in capsys.readouterr().err


def test_run_failure_reports_the_tools_last_line_without_error_prefix(fake_tool) -> None:
    fake_tool(stderr="reading crds\nerror: snapshot 9 does not exist\n", status=2)
    with pytest.raises(ActionError) as caught:
        tool.run(["diff", "9", "latest"])
    assert str(caught.value) == "kubectl datamodel diff: snapshot 9 does not exist"


def test_run_failure_without_stderr_reports_the_exit_status(fake_tool) -> None:
    fake_tool(status=7)
    with pytest.raises(ActionError, match=r"^kubectl datamodel snapshot: exit status 7$"):
        tool.run(["snapshot"])


def test_run_accepts_the_findings_status_only_when_asked(fake_tool) -> None:
    fake_tool(
        stdout='{"kind": "DriftReport"}', stderr="error: drift at or above breaking\n", status=3
    )
    assert tool.run(["diff"], findings_ok=True) == '{"kind": "DriftReport"}'
    with pytest.raises(ActionError, match=r"^kubectl datamodel diff: drift at or above breaking$"):
        tool.run(["diff"])


def test_run_without_the_tool_on_path_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ActionError, match="kubectl-datamodel is not on PATH"):
        tool.run(["--version"])


def test_document_asks_for_json_and_returns_it(fake_tool) -> None:
    args = fake_tool(stdout='{"kind": "SnapshotList", "items": [{"id": 1}]}')
    listing = tool.document(["database", "list"], "SnapshotList")
    assert listing["items"] == [{"id": 1}]
    assert args.read_text().splitlines() == ["database", "list", "-o", "json"]


def test_document_rejects_output_that_is_not_json(fake_tool) -> None:
    fake_tool(stdout="ID  TIMESTAMP\n1   2024-05-01\n")
    with pytest.raises(ActionError, match=r"^kubectl datamodel database: output is not JSON"):
        tool.document(["database", "list"], "SnapshotList")


@pytest.mark.parametrize("stdout", ['{"kind": "SnapshotResult"}', "[]", '{"items": []}'])
def test_document_rejects_the_wrong_kind(fake_tool, stdout: str) -> None:
    fake_tool(stdout=stdout)
    with pytest.raises(ActionError, match=r"^kubectl datamodel database: expected a SnapshotList"):
        tool.document(["database", "list"], "SnapshotList")


def test_document_passes_findings_ok_through(fake_tool) -> None:
    fake_tool(stdout='{"kind": "DriftReport"}', status=3)
    assert tool.document(["diff"], "DriftReport", findings_ok=True) == {"kind": "DriftReport"}
    with pytest.raises(ActionError):
        tool.document(["diff"], "DriftReport")


# -- action/main.py, as the runner starts it -----------------------------------------------------


def run_main(step: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "github-output"),
        **variables,
    }
    return subprocess.run(
        [sys.executable, str(ACTION / "main.py"), step],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def assert_one_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error::")]
    assert len(errors) == 1, result.stdout
    assert "::" not in result.stdout.replace(errors[0], "")
    assert "Traceback" not in result.stdout + result.stderr
    for text in expected:
        assert text in errors[0]
    return errors[0]


def test_main_with_an_unknown_mode_prints_one_error_and_no_traceback(tmp_path: Path) -> None:
    result = run_main("check", tmp_path, INPUT_MODE="apply")
    line = assert_one_error(result, "input mode", "'apply'", "snapshot, diff")
    assert line == "::error::input mode: 'apply' is not one of snapshot, diff"


def test_main_with_an_unknown_step_prints_usage(tmp_path: Path) -> None:
    assert_one_error(run_main("deploy", tmp_path), "usage: main.py {check,install,")


def test_main_check_reports_a_missing_kubeconfig(tmp_path: Path) -> None:
    assert_one_error(run_main("check", tmp_path), "input kubeconfig:")


def test_main_check_passes_in_manifests_mode(tmp_path: Path) -> None:
    (tmp_path / "crds").mkdir()
    result = run_main("check", tmp_path, INPUT_MANIFESTS="crds")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("mode snapshot, reading manifests ")


def test_main_cleanup_removes_the_kubeconfig_even_with_invalid_inputs(tmp_path: Path) -> None:
    secrets = tmp_path / "runner-temp" / "kubectl-datamodel-kubeconfig"
    (secrets / "prod-db").mkdir(parents=True)
    (secrets / "prod-db" / "config").write_text("token: secret\n")
    (secrets / "other-db").mkdir()
    (secrets / "other-db" / "config").write_text("token: other\n")
    result = run_main(
        "cleanup",
        tmp_path,
        INPUT_DATABASE_ARTIFACT=" prod-db ",
        INPUT_MODE="apply",
        INPUT_RETENTION_DAYS="abc",
        INPUT_VERSION="1.0; rm",
        INPUT_MANIFESTS="missing",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (secrets / "prod-db").exists()
    assert (secrets / "other-db" / "config").exists()  # another use of the action in the job
    assert "::error::" not in result.stdout


def test_main_cleanup_uses_the_default_artifact_name(tmp_path: Path) -> None:
    folder = tmp_path / "runner-temp" / "kubectl-datamodel-kubeconfig" / ARTIFACT
    folder.mkdir(parents=True)
    (folder / "config").write_text("x")
    assert run_main("cleanup", tmp_path).returncode == 0
    assert not folder.exists()


@pytest.mark.parametrize("artifact", ["..", "../..", "."])
def test_main_cleanup_never_removes_anything_outside_its_own_folder(
    tmp_path: Path, artifact: str
) -> None:
    """`database-artifact: ..` passes inputs.read, and cleanup must still stay inside
    $RUNNER_TEMP/kubectl-datamodel-kubeconfig/<name>/."""
    temp = tmp_path / "runner-temp"
    (temp / "kubectl-datamodel-kubeconfig" / "other-db").mkdir(parents=True)
    (temp / "kubectl-datamodel-kubeconfig" / "other-db" / "config").write_text("x")
    (temp / "another-actions-file").write_text("keep me")
    (tmp_path / "next-to-runner-temp").write_text("keep me")
    run_main("cleanup", tmp_path, INPUT_DATABASE_ARTIFACT=artifact)
    assert (temp / "another-actions-file").exists()
    assert (tmp_path / "next-to-runner-temp").exists()
    assert (temp / "kubectl-datamodel-kubeconfig" / "other-db" / "config").exists()


def test_main_kubeconfig_writes_a_private_file_and_sets_the_path_output(tmp_path: Path) -> None:
    kubeconfig = "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user: {token: s3cr3t}\n"
    result = run_main("kubeconfig", tmp_path, INPUT_KUBECONFIG=kubeconfig)
    assert result.returncode == 0, result.stdout + result.stderr
    path = tmp_path / "runner-temp" / "kubectl-datamodel-kubeconfig" / ARTIFACT / "config"
    assert runner_file_values(tmp_path / "github-output") == {"path": str(path)}
    assert path.read_text() == kubeconfig
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "s3cr3t" not in result.stdout + result.stderr


def test_main_kubeconfig_keeps_two_uses_of_the_action_apart(tmp_path: Path) -> None:
    for name in ("prod-db", "staging-db"):
        result = run_main(
            "kubeconfig", tmp_path, INPUT_KUBECONFIG=f"# {name}\n", INPUT_DATABASE_ARTIFACT=name
        )
        assert result.returncode == 0, result.stdout + result.stderr
    paths = [
        line
        for line in (tmp_path / "github-output").read_text().splitlines()
        if line.startswith("/")
    ]
    assert len(set(paths)) == 2
    assert [Path(p).read_text() for p in paths] == ["# prod-db\n", "# staging-db\n"]

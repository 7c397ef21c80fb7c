"""What each step of action/action.yml does, one function per step.

Steps share nothing but files under ``$RUNNER_TEMP`` and the outputs they set; each reads the
inputs again from its own environment, as action.yml passes them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datamodel_action import base, comment, delivery, history, install, relay, tool, workflow
from datamodel_action.github import ApiError, GitHub
from datamodel_action.inputs import Inputs
from datamodel_action.workflow import ActionError

Env = Mapping[str, str]
#: Anything but these in an artifact name becomes _ in a folder name: no dots, no separators.
FOLDER_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
#: Why a 401/403/404 happened, by what the token was used for.
PERMISSIONS = {
    "artifacts": "the job needs `permissions: actions: read` to find the history database",
    "comment": "the job needs `permissions: pull-requests: write` to comment",
}


@dataclass(frozen=True)
class Workdir:
    """Where one use of the action keeps its files, keyed by the artifact name so that two
    uses in one job (two clusters) do not share a database."""

    root: Path
    secrets: Path

    @classmethod
    def of(cls, settings: Inputs, env: Env) -> Workdir:
        return cls.named(settings.database_artifact, env)

    @classmethod
    def named(cls, artifact: str, env: Env) -> Workdir:
        """The folders for ``artifact``, always one level inside the action's own folders,
        whatever the name holds: cleanup runs on unchecked input and removes what it names."""
        temp = Path(env.get("RUNNER_TEMP") or "/tmp")  # noqa: S108 - the runner always sets it
        key = FOLDER_UNSAFE.sub("_", artifact or "kubectl-datamodel-db")
        return cls(temp / "kubectl-datamodel" / key, temp / "kubectl-datamodel-kubeconfig" / key)

    @property
    def database(self) -> Path:
        return self.root / history.DATABASE_FILE

    @property
    def report_folder(self) -> Path:
        """What the report's artifact holds: the JSON, the Markdown uncut, the comment's cut."""
        return self.root / "report"

    @property
    def report(self) -> Path:
        return self.report_folder / delivery.JSON_FILE

    @property
    def comment_markdown(self) -> Path:
        return self.report_folder / delivery.COMMENT_FILE

    @property
    def summary(self) -> Path:
        return self.root / "summary.md"

    @property
    def kubeconfig(self) -> Path:
        return self.secrets / "config"

    @property
    def no_history(self) -> Path:
        """Left by fetch when no history was found: why, for diff mode's note."""
        return self.root / "no-history.txt"


def check(settings: Inputs, env: Env) -> None:  # noqa: ARG001 - every step takes both
    """Fail early, before anything is installed, on inputs that cannot work."""
    if settings.mode != "snapshot" and settings.comment and not settings.github_token:
        workflow.warning("input github-token is empty: no pull-request comment can be written")
    source = f"manifests {settings.manifests}" if settings.manifests else "the live cluster"
    if settings.mode == "comment":
        source = "the report of the run that triggered this workflow"
    print(f"mode {settings.mode}, reading {source}, history {settings.database_artifact}")


def install_tool(settings: Inputs, env: Env) -> None:
    action_path = Path(env.get("GITHUB_ACTION_PATH") or Path(__file__).parents[1])
    cache = Path(env.get("RUNNER_TOOL_CACHE") or env.get("RUNNER_TEMP") or Path.home())
    installed = install.install(settings.version, action_path.parent, cache, dict(env))
    workflow.add_path(installed.folder)
    print(f"installed: {installed.how}")
    print(tool.run(["--version"]).strip())


def write_kubeconfig(settings: Inputs, env: Env) -> None:
    """The secret as a file only its owner can read, for the steps of this action only: it is
    passed to them as a step output, never exported to the rest of the job."""
    path = Workdir.of(settings, env).kubeconfig
    previous = os.umask(0o077)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(settings.kubeconfig, encoding="utf-8")
    finally:
        os.umask(previous)
    path.chmod(0o600)
    workflow.set_output("path", str(path))


def fetch(settings: Inputs, env: Env) -> None:
    """The history database: the one an earlier step of this job left, else the latest
    published artifact, else (snapshot mode) none yet."""
    work = Workdir.of(settings, env)
    work.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    workflow.set_output("database-path", str(work.database))
    if work.database.exists():
        history.check(work.database, "the database an earlier step of this job wrote")
        print(f"using the database an earlier step of this job wrote: {work.database}")
        return
    api = _api(settings, env)
    name = settings.database_artifact
    branch = _default_branch(api, env)
    artifact = _call(lambda: history.latest(api, name, branch), "artifacts")
    if artifact is not None:
        try:
            history.download(api, artifact, work.database)
        except ApiError as exc:
            if exc.status != 410:  # expired since it was listed: as good as missing
                raise ActionError(f"{exc} ({PERMISSIONS['artifacts']})") from None
            artifact = None
    if artifact is None:
        _no_history(
            settings, work, f"no unexpired artifact {name} from a successful run on {branch}"
        )
        return
    history.check(work.database, artifact.describe())
    listing = tool.document(["database", "list", "--db-path", str(work.database)], "SnapshotList")
    print(f"continuing {artifact.describe()}: {len(listing['items'])} snapshots")


def _no_history(settings: Inputs, work: Workdir, missing: str) -> None:
    """A missing (or expired) history: a failure only when the workflow asks for one."""
    if settings.require_history:
        raise ActionError(
            f"{missing}, and require-history is true: run this action in snapshot mode on the "
            "default branch first, or check the artifact's retention (see action/README.md)"
        )
    if settings.mode == "snapshot":
        workflow.notice(f"{missing}: this run starts a new history")
        return
    workflow.notice(
        f"{missing}: comparing with an empty baseline, so everything reads as added and "
        "nothing as breaking (require-history: true makes this an error)"
    )
    work.no_history.write_text(missing, encoding="utf-8")


def run(settings: Inputs, env: Env) -> None:
    """The mode's work; snapshot mode alone has a database worth publishing."""
    if settings.mode == "snapshot":
        snapshot(settings, env)
        workflow.set_output("publish", "true")
    else:
        diff(settings, env)


def snapshot(settings: Inputs, env: Env) -> None:
    """Snapshot mode: capture, store, and report the drift since the previous snapshot."""
    work = Workdir.of(settings, env)
    database = str(work.database)
    result = tool.document(
        ["snapshot", "--db-path", database, *_source(settings)], "SnapshotResult"
    )
    taken = result["snapshot"]
    for text in result.get("warnings", []):
        workflow.warning(f"snapshot {taken['id']}: {text}")
    workflow.set_output("snapshot-id", str(taken["id"]))
    context = taken["cluster_context"]
    listing = tool.document(
        ["database", "list", "--db-path", database, "--cluster-context", context, "--limit", "2"],
        "SnapshotList",
    )
    heading = (
        f"## kubectl-datamodel snapshot {taken['id']} of {_code(context)}\n\n"
        f"{taken['crd_count']} CRDs, {taken['operator_count']} operators, "
        f"{taken['csv_count']} ClusterServiceVersions, taken {taken['timestamp']}.\n\n"
    )
    if len(listing["items"]) < 2:
        _set_drift_outputs(None, None)
        workflow.write_summary(
            heading + "The first snapshot of this context: nothing to compare.\n"
        )
        return
    previous = str(listing["items"][1]["id"])
    _diff([previous, str(taken["id"]), "--db-path", database], settings, work)
    workflow.write_summary(heading + work.summary.read_text(encoding="utf-8"))


def diff(settings: Inputs, env: Env) -> None:
    """Diff mode: the desired state (manifests, or the cluster now) against the latest
    snapshot in the history, in the manifests' scope; or, on a pull request, its manifests
    against its base's, with the objects at risk counted in that snapshot. Nothing is stored."""
    work = Workdir.of(settings, env)
    baseline = f"{settings.context}@latest" if settings.context else "latest"
    said = ""
    if settings.manifests is not None:
        flag = "--against-dir" if settings.manifests.is_dir() else "--against-file"
        source = [flag, _relative(settings.manifests, env)]
        base_copy, said = _base(settings, env, work)
        if base_copy is not None:
            flag = "--base-dir" if base_copy.is_dir() else "--base-file"
            source[:0] = [flag, _relative(base_copy, env)]
        else:
            source += ["--scope", settings.scope]
    else:
        source = ["--against-live", *_cluster_options(settings)]
    event = _event(env)
    name = delivery.artifact_name(settings.database_artifact, delivery.pull_number(event))
    empty = work.no_history.exists()
    database = (
        history.empty_baseline(work.root, settings.context or "no-history")
        if empty
        else work.database
    )
    report = _diff(
        [baseline, "--db-path", str(database), *source], settings, work, delivery.hint(name)
    )
    counted = report["old"].get("snapshot_id") or (report.get("counts_from") or {}).get(
        "snapshot_id"
    )
    workflow.set_output("snapshot-id", "" if empty else str(counted or ""))
    workflow.set_output("compared", "base" if report.get("scope") == "base" else "snapshot")
    if empty:
        missing = work.no_history.read_text(encoding="utf-8")
        delivery.note_empty_baseline(missing, work.comment_markdown, work.summary)
    _report_artifact(work, event, name)
    workflow.write_summary(said + work.summary.read_text(encoding="utf-8"))


def _report_artifact(work: Workdir, event: dict[str, Any], name: str) -> None:
    """What the next step uploads as the report's artifact, and on a pull request, which
    pull request and head commit it is of."""
    number = delivery.pull_number(event)
    if number is not None:
        head = str((event["pull_request"].get("head") or {}).get("sha") or "")
        delivery.write_pull_request(work.report_folder, number, head)
    workflow.set_output("report-artifact", name)
    workflow.set_output("report-folder", str(work.report_folder))


def _base(settings: Inputs, env: Env, work: Workdir) -> tuple[Path | None, str]:
    """The pull request base's copy of the manifests, when this run compares with it, and a
    line for the job summary when it was asked for (or expected) and cannot be had."""
    if settings.compare == "snapshot" or settings.scope == "cluster" or settings.manifests is None:
        return None, ""
    if settings.base_manifests is not None:  # the base, rendered by the workflow
        return settings.base_manifests, ""
    sha = base.sha_of(_event(env))
    if sha is None:
        if settings.compare == "base":
            raise ActionError(
                "input compare: base needs a pull_request event, whose payload names the base "
                "commit; use compare: snapshot (or auto) on other events"
            )
        return None, ""
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
    path = _relative(settings.manifests, env)
    try:
        copy = base.extract(sha, settings.manifests, workspace, work.root / f"base-{sha[:12]}")
    except ActionError as exc:
        if settings.compare == "base":
            raise
        workflow.warning(f"{exc}: compared with the latest snapshot instead")
        return None, f"The base commit could not be read ({exc}): {_FALLBACK}\n\n"
    if copy is None:
        why = f"the base commit {sha[:12]} has no {path} (this pull request adds it)"
        workflow.notice(f"{why}: compared with the latest snapshot instead")
        return None, f"{why[0].upper()}{why[1:]}: {_FALLBACK}\n\n"
    print(f"comparing {path} with the base commit {sha[:12]}'s copy")
    return copy, ""


_FALLBACK = (
    "the manifests are compared with the latest snapshot instead, only where they declare an "
    "object (scope manifests)."
)


def pull_request_comment(settings: Inputs, env: Env) -> None:
    """Keep the pull request's one drift comment current; a pull request from a fork gets the
    report in the job summary only, since its token cannot write (``mode: comment`` in a
    ``workflow_run`` workflow posts it, relay.py)."""
    if settings.mode == "comment":
        _relay(settings, env)
        return
    name, url = env.get("REPORT_ARTIFACT", ""), env.get("REPORT_ARTIFACT_URL", "")
    if settings.mode == "diff" and name:
        workflow.write_summary(delivery.summary_link(name, url))
    if settings.mode != "diff" or not settings.comment:
        return
    event = _event(env)
    pull = event.get("pull_request")
    if not isinstance(pull, dict):
        print("not a pull request: no comment")
        return
    head = (pull.get("head") or {}).get("repo") or {}
    if head.get("full_name") != env.get("GITHUB_REPOSITORY"):
        workflow.notice(
            "pull request from a fork: its token cannot comment, so the drift report is in "
            "the job summary and the report's artifact only (a workflow_run workflow with "
            "mode: comment can post it)"
        )
        return
    work = Workdir.of(settings, env)
    report = json.loads(work.report.read_text(encoding="utf-8"))
    markdown = work.comment_markdown.read_text(encoding="utf-8")
    origin = _origin(env, str((pull.get("head") or {}).get("sha") or ""))
    link = delivery.link(name, url) if name else ""
    _sync(settings, env, int(pull["number"]), report, markdown, origin, link)


def _relay(settings: Inputs, env: Env) -> None:
    """``mode: comment``: the report of the run that triggered this workflow_run, checked."""
    run = relay.triggering_run(_event(env))
    if run is None:
        print("the triggering run was not for a pull request: no comment")
        return
    api = _api(settings, env)
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    found = _call(lambda: relay.fetch(api, run, settings.database_artifact, server), "artifacts")
    if found is None:
        workflow.notice(
            f"run {run['id']} published no {settings.database_artifact}-drift-* report "
            "(it failed before it had one, or uses another database-artifact): no comment"
        )
        return
    workflow.write_summary(
        f"Drift report of [run {found.origin.run}]({found.run_url}) for pull request "
        f"#{found.number}: {delivery.summary_link(found.artifact, found.artifact_url).strip()}\n"
    )
    link = delivery.link(found.artifact, found.artifact_url)
    _sync(settings, env, found.number, found.report, found.markdown, found.origin, link)


def _sync(
    settings: Inputs,
    env: Env,
    number: int,
    report: dict[str, Any],
    markdown: str,
    origin: comment.Origin,
    link: str,
) -> None:
    key = comment.key_of(f"{settings.database_artifact}/{settings.context or 'latest'}")
    try:
        result = comment.sync(
            _api(settings, env), number, key, report, markdown, _footer(env, origin, link), origin
        )
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            workflow.notice(f"{exc}: {PERMISSIONS['comment']}; the report is in the job summary")
        else:
            workflow.warning(f"could not update the pull-request comment ({exc})")
        return
    if result.reason:
        workflow.notice(f"the pull-request comment is left as it is: {result.reason}")
    workflow.set_output("comment", result.outcome.value)
    print(f"pull-request comment: {result.outcome.value}")


def finish(settings: Inputs, env: Env) -> None:
    """``fail-on``, applied last: after the comment and the artifact are out."""
    report_path = Workdir.of(settings, env).report
    if not report_path.exists():
        return
    summary = json.loads(report_path.read_text(encoding="utf-8"))["summary"]
    if summary["failed"]:
        raise ActionError(
            f"drift at or above fail-on {settings.fail_on}: {summary['breaking']} breaking, "
            f"{summary['warning']} warning, {summary['info']} info (report: {report_path})"
        )


def cleanup(env: Env) -> None:
    """Remove the kubeconfig, whatever happened before; so it trusts no input but the one that
    names the folder."""
    secrets = Workdir.named(env.get("INPUT_DATABASE_ARTIFACT", "").strip(), env).secrets
    shutil.rmtree(secrets, ignore_errors=True)
    print(f"removed {secrets}" if not secrets.exists() else f"could not remove {secrets}")


STEPS: dict[str, Callable[[Inputs, Env], None]] = {
    "check": check,
    "install": install_tool,
    "kubeconfig": write_kubeconfig,
    "fetch": fetch,
    "run": run,
    "comment": pull_request_comment,
    "finish": finish,
}


# -- helpers ----------------------------------------------------------------------------------


def _diff(
    args: list[str], settings: Inputs, work: Workdir, full_report_hint: str | None = None
) -> dict[str, Any]:
    """Run ``kubectl datamodel diff`` once for every cut of the report (delivery.py), and set
    the drift outputs."""
    work.report_folder.mkdir(parents=True, exist_ok=True)
    options = ["--fail-on", settings.fail_on]
    options += delivery.diff_options(work.report_folder, work.summary, full_report_hint)
    if settings.ignore is not None:
        options += ["--ignore", str(settings.ignore)]
    text = tool.run(["diff", *args, *options, "-o", "json"], findings_ok=True)
    work.report.write_text(text, encoding="utf-8")
    report: dict[str, Any] = json.loads(text)
    _set_drift_outputs(report, work.report)
    return report


def _set_drift_outputs(report: dict[str, Any] | None, path: Path | None) -> None:
    summary = report["summary"] if report else {}
    workflow.set_output("drift", "true" if summary.get("drift") else "false")
    workflow.set_output("breaking", str(summary.get("breaking", 0)))
    workflow.set_output("report-path", str(path or ""))


def _source(settings: Inputs) -> list[str]:
    extra = ["--notes", settings.notes] if settings.notes else []
    extra += ["--include", settings.include] if settings.include else []
    if settings.manifests is None:
        return [*_cluster_options(settings), *extra]
    flag = "--from-dir" if settings.manifests.is_dir() else "--from-file"
    args = [flag, str(settings.manifests)]
    args += ["--context", settings.context] if settings.context else []
    return args + extra


def _cluster_options(settings: Inputs) -> list[str]:
    args = ["--context", settings.context] if settings.context else []
    return args + (["--namespace", settings.namespace] if settings.namespace else [])


def _relative(path: Path, env: Env) -> str:
    """Paths as the workflow author wrote them, for the command shown in the report."""
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
    try:
        return str(path.relative_to(workspace))
    except ValueError:
        return str(path)


def _api(settings: Inputs, env: Env) -> GitHub:
    repository = env.get("GITHUB_REPOSITORY")
    if not repository:
        raise ActionError("$GITHUB_REPOSITORY is not set: run this inside a GitHub Actions job")
    api_url = env.get("GITHUB_API_URL") or "https://api.github.com"
    return GitHub(api_url, settings.github_token, repository)


def _call(call: Callable[[], Any], purpose: str) -> Any:
    """``call()``, with a permission problem explained in the error."""
    try:
        return call()
    except ApiError as exc:
        hint = f" ({PERMISSIONS[purpose]})" if exc.status in (401, 403, 404) else ""
        raise ActionError(f"{exc}{hint}") from None


def _default_branch(api: GitHub, env: Env) -> str:
    repository = _event(env).get("repository") or {}
    branch = repository.get("default_branch") if isinstance(repository, dict) else None
    if branch:
        return str(branch)
    return str(_call(lambda: api.get(f"/repos/{api.repository}"), "artifacts")["default_branch"])


def _event(env: Env) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    event = json.loads(Path(path).read_text(encoding="utf-8") or "{}")
    return event if isinstance(event, dict) else {}


def _origin(env: Env, head: str) -> comment.Origin:
    """This run, and the head commit it reports on, as the comment's marker records them."""
    run, attempt = env.get("GITHUB_RUN_ID", ""), env.get("GITHUB_RUN_ATTEMPT", "")
    return comment.Origin(
        int(run) if run.isdigit() else 0,
        int(attempt) if attempt.isdigit() else 1,
        head if comment.SHA.fullmatch(head) else "",
    )


def _footer(env: Env, origin: comment.Origin, artifact: str = "") -> str:
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    run = f"{server}/{env.get('GITHUB_REPOSITORY', '')}/actions/runs/{origin.run or ''}"
    commit = f" for {origin.head[:12]}" if origin.head else ""
    full = f"Full report (Markdown and JSON): the artifact {artifact}. " if artifact else ""
    return f"<sub>{full}Posted by kubectl-datamodel from [this workflow run]({run}){commit}.</sub>"


def _code(text: str) -> str:
    """A cluster-given name as inline code that no backtick in it can break out of."""
    return "`" + text.replace("`", "'") + "`"

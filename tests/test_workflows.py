"""The action and the workflows lint clean, and keep the rules the action's users rely on."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
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


def test_artifacts_use_the_current_upload_action_and_fail_when_empty():
    [upload] = [s for s in action()["runs"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["uses"] == "actions/upload-artifact@v7"
    assert upload["with"]["if-no-files-found"] == "error"
    assert upload["with"]["retention-days"] == "${{ inputs.retention-days }}"
    names = [s.get("name") for s in action()["runs"]["steps"]]
    assert names.index("Comment on the pull request") < names.index("Apply fail-on")
    assert names.index("Publish the history database") < names.index("Apply fail-on")

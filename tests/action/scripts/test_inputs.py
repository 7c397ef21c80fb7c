"""The action's inputs (action/datamodel_action/inputs.py): defaults, trimming and paths relative
to the workspace, an error naming each bad input, the kubeconfig live mode needs, and secrets
kept out of the repr.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from datamodel_action import inputs
from datamodel_action.workflow import ActionError

from tests.support.actionsteps import ARTIFACT


def read(env: dict[str, str], **kwargs: bool) -> inputs.Inputs:
    return inputs.read(env, **kwargs)


def test_inputs_defaults(tmp_path: Path) -> None:
    settings = read({"GITHUB_WORKSPACE": str(tmp_path)})
    assert settings.mode == "snapshot"
    assert settings.fail_on == "none"
    assert settings.comment is True
    assert settings.require_history is False
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
            "INPUT_REQUIRE_HISTORY": "TRUE",
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
    assert settings.require_history is True
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
        ("INPUT_REQUIRE_HISTORY", "sometimes", "require-history"),
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
        ("INPUT_SCOPE", "everything", "scope"),
        ("INPUT_COMPARE", "head", "compare"),
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


def test_scope_and_compare_default_to_the_manifests_and_auto(tmp_path: Path) -> None:
    settings = read({"GITHUB_WORKSPACE": str(tmp_path)})
    assert (settings.scope, settings.compare) == ("manifests", "auto")
    settings = read(
        {"GITHUB_WORKSPACE": str(tmp_path), "INPUT_SCOPE": " Cluster ", "INPUT_COMPARE": "SNAPSHOT"}
    )
    assert (settings.scope, settings.compare) == ("cluster", "snapshot")


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({}, "input compare: the base's manifests are compared with the manifests input"),
        ({"INPUT_MANIFESTS": "crds", "INPUT_SCOPE": "cluster"}, "scope: cluster needs compare"),
    ],
)
def test_compare_base_needs_manifests_and_their_own_scope(
    tmp_path: Path, extra: dict[str, str], needle: str
) -> None:
    (tmp_path / "crds").mkdir()
    env = {"GITHUB_WORKSPACE": str(tmp_path), "INPUT_MODE": "diff", "INPUT_COMPARE": "base"}
    with pytest.raises(ActionError, match=re.escape(needle)):
        read({**env, **extra})
    assert read({**env, "INPUT_MANIFESTS": "crds"}).compare == "base"


def test_base_manifests_must_exist_and_be_used(tmp_path: Path) -> None:
    (tmp_path / "crds").mkdir()
    env = {"GITHUB_WORKSPACE": str(tmp_path), "INPUT_MODE": "diff", "INPUT_MANIFESTS": "crds"}
    with pytest.raises(ActionError, match="input base-manifests: base does not exist"):
        read({**env, "INPUT_BASE_MANIFESTS": "base"})
    (tmp_path / "base").mkdir()
    assert read({**env, "INPUT_BASE_MANIFESTS": "base"}).base_manifests == tmp_path / "base"
    with pytest.raises(ActionError, match="input base-manifests: compare: snapshot leaves it"):
        read({**env, "INPUT_BASE_MANIFESTS": "base", "INPUT_COMPARE": "snapshot"})

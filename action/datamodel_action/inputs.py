"""The action's inputs, checked before anything runs.

GitHub does not enforce ``required:`` for composite actions and passes every input as a
string, so each step reads its inputs from ``INPUT_*`` variables and this module turns them into
typed settings, or one error that names the input and what was expected.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path

from datamodel_action.workflow import ActionError

MODES = ("snapshot", "diff", "comment")
FAIL_ON = ("none", "any", "warning", "breaking")
#: What diff mode compares the manifests with: the base commit's (a pull request's change), the
#: latest snapshot, or auto (the base on a pull request whose base has the manifests path).
COMPARE = ("auto", "base", "snapshot")
#: Of the snapshot, what the manifests are compared with: what they declare, or all of it.
SCOPES = ("manifests", "cluster")
TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0", "")
#: upload-artifact refuses these characters in an artifact name.
ARTIFACT_NAME_FORBIDDEN = re.compile(r'[":<>|*?\\/\r\n]')
#: A PEP 440 release such as 0.2.0 or 1.0.0rc1: anything else could smuggle pip options in.
VERSION = re.compile(r"^v?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")


@dataclasses.dataclass(frozen=True)
class Inputs:
    mode: str
    kubeconfig: str = dataclasses.field(repr=False)
    context: str
    namespace: str
    manifests: Path | None
    ignore: Path | None
    database_artifact: str
    retention_days: int | None
    notes: str
    include: str
    fail_on: str
    comment: bool
    github_token: str = dataclasses.field(repr=False)
    version: str
    scope: str = "manifests"
    compare: str = "auto"
    base_manifests: Path | None = None
    require_history: bool = False

    @property
    def live(self) -> bool:
        """Whether this run reads a cluster (and so needs a kubeconfig). ``comment`` mode reads
        nothing but a report an earlier workflow made."""
        return self.mode != "comment" and self.manifests is None


def read(env: Mapping[str, str], *, check_cluster_access: bool = False) -> Inputs:
    """The inputs from ``INPUT_*`` variables; raises ActionError on the first bad one.
    Relative paths are taken from the workspace, as the workflow author wrote them.

    Only the first step checks that live mode has a kubeconfig: the secret is passed to the
    steps that need it, not to every step.
    """
    workspace = Path(env.get("GITHUB_WORKSPACE") or ".")
    settings = Inputs(
        mode=_choice(env, "mode", MODES, default="snapshot"),
        kubeconfig=env.get("INPUT_KUBECONFIG", ""),
        context=_text(env, "context"),
        namespace=_text(env, "namespace"),
        manifests=_existing_path(env, "manifests", workspace),
        ignore=_existing_path(env, "ignore", workspace),
        database_artifact=_artifact_name(env),
        retention_days=_retention_days(env),
        notes=env.get("INPUT_NOTES", "").strip(),
        include=_text(env, "include"),
        fail_on=_choice(env, "fail-on", FAIL_ON, default="none"),
        comment=_flag(env, "comment", default=True),
        github_token=env.get("INPUT_GITHUB_TOKEN", "").strip(),
        version=_version(env),
        scope=_choice(env, "scope", SCOPES, default="manifests"),
        compare=_choice(env, "compare", COMPARE, default="auto"),
        base_manifests=_existing_path(env, "base-manifests", workspace),
        require_history=_flag(env, "require-history", default=False),
    )
    _check_compare(settings)
    if check_cluster_access and settings.live and not settings.kubeconfig.strip():
        _require_runner_kubeconfig(env, settings.mode)
    return settings


def _check_compare(settings: Inputs) -> None:
    """``compare: base`` (and ``base-manifests``, the base rendered by the workflow) compares
    two manifest sets: it needs manifests, and the snapshot's whole-cluster scope means nothing
    there."""
    if settings.mode != "diff":
        return
    if settings.base_manifests is not None and settings.compare == "snapshot":
        raise ActionError("input base-manifests: compare: snapshot leaves it unused")
    if settings.compare != "base" and settings.base_manifests is None:
        return
    if settings.manifests is None:
        raise ActionError(
            f"input {'compare' if settings.compare == 'base' else 'base-manifests'}: the base's "
            "manifests are compared with the manifests input; set manifests"
        )
    if settings.scope == "cluster":
        raise ActionError(
            "input compare: base compares the manifests with the base commit's, not with the "
            "cluster; scope: cluster needs compare: snapshot (or auto)"
        )


def _variable(name: str) -> str:
    return "INPUT_" + name.upper().replace("-", "_")


def _text(env: Mapping[str, str], name: str) -> str:
    value = env.get(_variable(name), "").strip()
    if "\n" in value or "\r" in value:
        raise ActionError(f"input {name}: must be one line")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = _text(env, name).lower() or default
    if value not in choices:
        raise ActionError(f"input {name}: {value!r} is not one of {', '.join(choices)}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = _text(env, name).lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ActionError(f"input {name}: {value!r} is not true or false")


def _existing_path(env: Mapping[str, str], name: str, workspace: Path) -> Path | None:
    value = _text(env, name)
    if not value:
        return None
    path = workspace / Path(value).expanduser()
    if not path.exists():
        raise ActionError(f"input {name}: {value} does not exist (in {workspace})")
    return path


def _artifact_name(env: Mapping[str, str]) -> str:
    value = _text(env, "database-artifact") or "kubectl-datamodel-db"
    if ARTIFACT_NAME_FORBIDDEN.search(value):
        raise ActionError(
            f'input database-artifact: {value!r} may not contain " : < > | * ? \\ or /'
        )
    return value


def _retention_days(env: Mapping[str, str]) -> int | None:
    value = _text(env, "retention-days")
    if not value:
        return None
    if not re.fullmatch(r"[0-9]+", value) or not 1 <= int(value) <= 400:
        raise ActionError(f"input retention-days: {value!r} is not a number of days (1-400)")
    return int(value)


def _version(env: Mapping[str, str]) -> str:
    value = _text(env, "version")
    if value and not VERSION.match(value):
        raise ActionError(f"input version: {value!r} is not a release number such as 0.2.0")
    return value.removeprefix("v")


def _require_runner_kubeconfig(env: Mapping[str, str], mode: str) -> None:
    """Live mode without the ``kubeconfig`` input uses the runner's own, which must exist."""
    listed = [p for p in env.get("KUBECONFIG", "").split(os.pathsep) if p]
    candidates = listed or [str(Path(env.get("HOME") or Path.home()) / ".kube" / "config")]
    if not any(Path(p).is_file() for p in candidates):
        what = "snapshot" if mode == "snapshot" else "diff against the live cluster"
        raise ActionError(
            f"input kubeconfig: {mode} mode without manifests reads the cluster ({what}), "
            "but no kubeconfig was given and the runner has none "
            f"(looked at {', '.join(candidates)}); pass kubeconfig: ${{{{ secrets.KUBECONFIG }}}} "
            "or set manifests"
        )

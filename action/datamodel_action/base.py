"""The pull request's base: its commit, from the event, and its copy of the manifests, from git.

What a pull request changes is its manifests against its base's, so the base's copy is taken
from the checkout's own repository: the commit ``pull_request.base.sha`` names (fetched, one
commit deep, when the checkout does not hold it), ``git archive`` of the manifests path in it,
unpacked under the action's own folder. A base without that path (the pull request that adds
it) has nothing to compare with, and says so.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from datamodel_action.workflow import ActionError

SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
GIT = "git"  # the runner's, from PATH, as actions/checkout uses it


def sha_of(event: Mapping[str, Any]) -> str | None:
    """The base commit of a pull_request (or pull_request_target) event; None for others."""
    pull = event.get("pull_request")
    base = pull.get("base") if isinstance(pull, dict) else None
    sha = base.get("sha") if isinstance(base, dict) else None
    return sha if isinstance(sha, str) and SHA.match(sha) else None


def extract(sha: str, manifests: Path, workspace: Path, into: Path) -> Path | None:
    """The base commit's copy of ``manifests`` (a path in the checkout at ``workspace``),
    unpacked under ``into``; None when the base has no such path. Raises ActionError when the
    commit cannot be had (not in the checkout, and not fetched)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], workspace).strip())
    try:
        relative = manifests.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        raise ActionError(f"input manifests: {manifests} is outside the repository {top}") from None
    _have(sha, top)
    if not _git(["ls-tree", "--name-only", sha, "--", relative], top).strip():
        return None
    archive = _git_bytes(["archive", "--format=tar", sha, "--", relative], top)
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True, mode=0o700)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+: no links or paths out of `into`
            tar.extractall(into, filter="data")
        else:  # pragma: no cover - older runners; git archive writes relative paths only
            tar.extractall(into)  # noqa: S202
    return into / relative


def _have(sha: str, top: Path) -> None:
    """The commit, fetched one deep when the checkout does not hold it (actions/checkout
    fetches the merge commit alone)."""
    if _present(sha, top):
        return
    try:
        _git(["fetch", "--quiet", "--depth=1", "--no-tags", "origin", sha], top)
    except ActionError as exc:
        raise ActionError(f"the base commit {sha[:12]} is not in the checkout: {exc}") from None
    if not _present(sha, top):
        raise ActionError(f"the base commit {sha[:12]} could not be fetched")


def _present(sha: str, top: Path) -> bool:
    try:
        _git(["cat-file", "-e", f"{sha}^{{commit}}"], top)
    except ActionError:
        return False
    return True


def _git(args: Sequence[str], cwd: Path) -> str:
    return _git_bytes(args, cwd).decode("utf-8", "replace")


def _git_bytes(args: Sequence[str], cwd: Path) -> bytes:
    try:
        result = subprocess.run([GIT, *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise ActionError("git is not on PATH: the base's manifests come from git") from None
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ActionError(f"git {args[0]}: {lines[-1] if lines else result.returncode}")
    return result.stdout

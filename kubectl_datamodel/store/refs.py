"""Snapshot references as users type them, and the stored snapshot each one names.

``7`` is a snapshot id; ``latest`` and ``latest~2`` count back from a context's newest
snapshot (git's ``~``); ``prod@latest~1`` names the context; anything else must be a file
written by `database export`. Without a context, ``latest`` means the kubeconfig's current
context when the database holds snapshots of it, else the context of the newest snapshot.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

from kubectl_datamodel import errors
from kubectl_datamodel.k8s import kubeconfig
from kubectl_datamodel.store import database

_LATEST = re.compile(r"(?:(?P<context>.+)@)?latest(?:~(?P<back>\d+))?")
FORMS = "an id, latest, latest~N, CONTEXT@latest[~N], or an export file"


@dataclasses.dataclass(frozen=True)
class Ref:
    text: str
    snapshot_id: int | None = None
    context: str | None = None
    back: int = 0
    path: Path | None = None


def parse(text: str) -> Ref:
    if text.isdigit():
        return Ref(text, snapshot_id=int(text))
    match = _LATEST.fullmatch(text)
    if match:
        return Ref(text, context=match.group("context"), back=int(match.group("back") or 0))
    path = Path(text)
    if path.exists():
        return Ref(text, path=path)
    raise errors.SnapshotNotFoundError(f"unknown snapshot reference {text!r}: expected {FORMS}")


def snapshot_id(
    ref: Ref, db: database.Store, context: str | None, say: Callable[[str], None] | None = None
) -> int:
    """The id ``ref`` names; ``context`` is where a bare ``latest`` counts from, and ``say``
    hears which context was taken when nobody named one and the database holds several."""
    if ref.snapshot_id is not None:
        db.summary(ref.snapshot_id)  # unknown ids fail here, naming the database
        return ref.snapshot_id
    chosen = ref.context or context or default_context(db, say)
    newest = db.list_snapshots(cluster_context=chosen, limit=ref.back + 1)
    if len(newest) <= ref.back:
        have = {0: "no snapshots", 1: "only 1 snapshot"}.get(
            len(newest), f"only {len(newest)} snapshots"
        )
        raise errors.SnapshotNotFoundError(f"{ref.text}: context {chosen} has {have} in {db.path}")
    return newest[ref.back].id


def default_context(db: database.Store, say: Callable[[str], None] | None = None) -> str:
    """The kubeconfig's current context if the database knows it, else the newest snapshot's;
    with several contexts in the database, ``say`` is told which was taken and why."""
    newest = db.list_snapshots(limit=1)
    if not newest:
        raise errors.SnapshotNotFoundError(
            f"the database {db.path} holds no snapshots; take one with `kubectl datamodel "
            "snapshot` first"
        )
    current = kubeconfig.current_context()
    if current and db.list_snapshots(cluster_context=current, limit=1):
        return current
    chosen = newest[0].cluster_context
    contexts = db.contexts()
    if say is not None and len(contexts) > 1:
        others = ", ".join(c for c in contexts if c != chosen)
        say(
            f"latest means context {chosen}, the newest snapshot's (also in the database: "
            f"{others}; --cluster-context picks one)"
        )
    return chosen

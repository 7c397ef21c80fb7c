"""What `kubectl datamodel diff` compares: the two sides its arguments name, read and resolved.

Four shapes: two references (snapshots or export files); one reference and another source,
captured like it and never stored (`--against-dir`, `--against-file`, `--against-live`); and
two manifest sets, what a pull request changes (`--base-dir BASE --against-dir HEAD`), with an
optional reference whose instance counts give the impact. Manifests are read, and refused when
hostile, before any database is opened.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kubectl_datamodel import errors, model
from kubectl_datamodel.cli import common, snapshot
from kubectl_datamodel.options import ClusterOptions

if TYPE_CHECKING:
    from kubectl_datamodel import store
    from kubectl_datamodel.capture import files
    from kubectl_datamodel.drift import sides
    from kubectl_datamodel.store import refs

DEFAULT_REFS = ("latest~1", "latest")
SCOPES = ("manifests", "cluster")  # --scope: what a comparison with manifests covers


@dataclasses.dataclass(frozen=True)
class Asked:
    """The command line's sides: references, the manifests or cluster to compare with, and the
    base manifests a pull request started from."""

    parsed: list[refs.Ref]
    against_dir: Sequence[Path] = ()
    against_file: Sequence[Path] = ()
    against_live: bool = False
    base_dir: Sequence[Path] = ()
    base_file: Sequence[Path] = ()
    scope: str | None = None

    @property
    def against_manifests(self) -> bool:
        return bool(self.against_dir or self.against_file)

    @property
    def against(self) -> bool:
        return self.against_manifests or self.against_live

    @property
    def base(self) -> bool:
        return bool(self.base_dir or self.base_file)

    def check(self) -> str:
        """Refuse what cannot be compared (a UsageError: exit status 2, one line); return the
        scope (``drift.scope``): ``manifests`` by default against manifests, ``base`` for two
        manifest sets, else ``cluster``."""
        if len(self.parsed) > 2:
            raise errors.UsageError(f"diff compares two snapshots; {len(self.parsed)} were given")
        if self.against_manifests and self.against_live:
            raise errors.UsageError(
                "--against-live and --against-dir/--against-file exclude each other"
            )
        if self.against and len(self.parsed) == 2:
            raise errors.UsageError(
                "--against-dir, --against-file and --against-live compare ONE snapshot with "
                "another source; give one reference (e.g. `diff latest --against-dir DIR`)"
            )
        if self.base and not self.against_manifests:
            raise errors.UsageError(
                "--base-dir and --base-file need the head to compare with: add --against-dir "
                "or --against-file (e.g. `diff --base-dir BASE --against-dir HEAD`)"
            )
        return self._scope()

    def _scope(self) -> str:
        if self.scope is None:
            if self.base:
                return "base"
            return "manifests" if self.against_manifests else "cluster"
        if self.scope.lower() not in SCOPES:
            raise errors.UsageError(f"--scope {self.scope!r}: expected manifests or cluster")
        if not self.against_manifests or self.base:
            raise errors.UsageError(
                "--scope applies to a snapshot compared with manifests: give --against-dir or "
                "--against-file (without --base-dir, which compares two manifest sets whole)"
            )
        return self.scope.lower()


@dataclasses.dataclass(frozen=True)
class Read:
    """Manifests read before the database is opened: the head (or the source compared with)
    and the base."""

    against: files.ManifestSet | None = None
    base: files.ManifestSet | None = None


def read(asked: Asked, read_limit: Sequence[str]) -> Read:
    """Both manifest sets, with the hostile-input limits, before any database is opened."""
    from kubectl_datamodel.capture import files

    if not asked.against_manifests:
        return Read()
    limits = common.read_limits(read_limit)
    base = None
    if asked.base:
        base = files.read(asked.base_dir, asked.base_file, limits, ("--base-dir", "--base-file"))
    flags = ("--against-dir", "--against-file")
    return Read(files.read(asked.against_dir, asked.against_file, limits, flags), base)


@contextlib.contextmanager
def database(
    ctx: typer.Context, db_path: Path | None, asked: Asked
) -> Iterator[store.Store | None]:
    """The database, unless no side needs one: two export files, or two manifest sets with an
    export file or nothing to count objects in (and no database there to look in)."""
    from kubectl_datamodel import store

    parsed = asked.parsed
    exports_only = bool(parsed) and all(r.path is not None for r in parsed)
    if (len(parsed) == 2 or asked.base) and exports_only:
        yield None
        return
    path = common.db_path(ctx, db_path)
    if asked.base and not parsed and not path.exists():
        yield None
        return
    with store.open_store(path) as db:
        yield db


@dataclasses.dataclass(frozen=True)
class Capture:
    """How NEW (and a base) are captured when they come from --against-*: the cluster flags."""

    cluster: ClusterOptions
    context: str | None
    namespace: str | None
    quiet: bool

    def of(
        self,
        found: files.ManifestSet | None,
        asked: Asked,
        *,
        base: bool = False,
        context: str | None,
        namespace: str | None,
        components: Sequence[str],
    ) -> model.Snapshot:
        options = common.capture_options(
            from_dirs=asked.base_dir if base else asked.against_dir,
            from_files=asked.base_file if base else asked.against_file,
            context=self.context or context,
            namespace=self.namespace if self.namespace is not None else namespace,
            all_namespaces=False,
            components=components,
            notes=None,
            cluster=self.cluster,
        )
        return snapshot.capture_with_warnings(options, quiet=self.quiet, found=found).snapshot


@dataclasses.dataclass(frozen=True)
class Sides:
    """What ``drift.diff`` is given."""

    old: sides.Records
    new: sides.Records
    counts_from: sides.Records | None = None


def resolve(
    db: store.Store | None,
    asked: Asked,
    manifests: Read,
    capture: Capture,
    cluster_context: str | None,
) -> Sides:
    """OLD and NEW as asked: two references; one and what it is compared with, captured with
    its components and namespace filter; or the base and head manifests, with the snapshot
    whose instance counts give the impact (none: impact unknown)."""
    from kubectl_datamodel.drift import sides

    if asked.base:
        return _base_and_head(db, asked, manifests, capture, cluster_context)
    old, new = _references(db, asked.parsed, cluster_context, asked.against)
    if new is None:  # --against-*: capture NEW like OLD was captured, and store nothing
        taken = capture.of(
            manifests.against,
            asked,
            context=None if asked.against_live else old.side.cluster_context,
            namespace=old.namespace_filter,
            components=old.components,
        )
        label = "live" if asked.against_live else "manifests"
        new = sides.from_capture(taken, label, salt=_salt(db))
    return Sides(old, new)


def _base_and_head(
    db: store.Store | None,
    asked: Asked,
    manifests: Read,
    capture: Capture,
    cluster_context: str | None,
) -> Sides:
    from kubectl_datamodel import redaction
    from kubectl_datamodel.drift import sides

    counted = _counted(db, asked.parsed, cluster_context)
    context = counted.side.cluster_context if counted is not None else None
    components = counted.components if counted is not None else model.COMPONENTS
    salt = db.salt if db is not None else redaction.new_salt()  # the same for both sides
    base, head = (
        capture.of(
            found, asked, base=is_base, context=context, namespace=None, components=components
        )
        for found, is_base in ((manifests.base, True), (manifests.against, False))
    )
    return Sides(
        sides.from_capture(base, "base", salt=salt, role="base"),
        sides.from_capture(head, "head", salt=salt, role="head"),
        counted,
    )


def _counted(
    db: store.Store | None, parsed: list[refs.Ref], context: str | None
) -> sides.Records | None:
    """The snapshot (or export) whose instance counts give base vs head their impact: the one
    named, else the latest there is; None when there is none."""
    from kubectl_datamodel.drift import sides
    from kubectl_datamodel.store import refs

    if parsed:
        return sides.resolve(parsed[0], db, context, common.note)
    if db is None:
        return None
    try:
        return sides.resolve(refs.parse("latest"), db, context, common.note)
    except errors.SnapshotNotFoundError:
        return None


def _salt(db: store.Store | None) -> str:
    if db is None:  # --against-* always compares with a stored snapshot
        raise errors.UsageError("--against-dir, --against-file and --against-live need a database")
    return db.salt


def _references(
    db: store.Store | None, parsed: list[refs.Ref], context: str | None, against: bool
) -> tuple[sides.Records, sides.Records | None]:
    """OLD and NEW as given; one reference alone is compared with its context's newest. NEW
    is None when it comes from --against-*, which the caller captures."""
    from kubectl_datamodel.drift import sides
    from kubectl_datamodel.store import refs

    if not parsed:
        parsed = [refs.parse("latest")] if against else [refs.parse(t) for t in DEFAULT_REFS]
    old = sides.resolve(parsed[0], db, context, common.note)
    if against:
        return old, None
    if len(parsed) == 2:
        return old, sides.resolve(parsed[1], db, context, common.note)
    new = sides.resolve(refs.parse("latest"), db, old.side.cluster_context)
    if new.side.snapshot_id == old.side.snapshot_id:
        raise errors.UsageError(
            f"diff {parsed[0].text}: snapshot {old.side.snapshot_id} is the newest of context "
            f"{old.side.cluster_context}, so there is nothing newer to compare it with; name "
            "two snapshots (diff OLD NEW) or compare with --against-dir or --against-live"
        )
    return old, new

"""`kubectl datamodel diff`: what changed between two snapshots, and what it breaks."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from kubectl_datamodel import drift, errors, store
from kubectl_datamodel.capture import files
from kubectl_datamodel.cli import common, snapshot
from kubectl_datamodel.drift import changes, ignore, sides
from kubectl_datamodel.exit import ExitStatus
from kubectl_datamodel.options import DEFAULT_CONCURRENCY, DEFAULT_QPS
from kubectl_datamodel.render import drift as drift_text
from kubectl_datamodel.render import output
from kubectl_datamodel.store import refs

HELP = (
    "Report drift between two snapshots: what was added, removed and changed, and which "
    "changes break clients. OLD and NEW are snapshot ids, latest, latest~N, "
    "CONTEXT@latest[~N], or files written by `database export`; by default the latest two "
    "snapshots. Exit status 3 when a change is at or above --fail-on."
)
EPILOG = (
    "Examples: kubectl datamodel diff 1 2 -o markdown --fail-on breaking  |  "
    "kubectl datamodel diff latest --against-dir rendered/"
)
DEFAULT_REFS = ("latest~1", "latest")


def diff(
    ctx: typer.Context,
    references: Annotated[
        list[str] | None,
        typer.Argument(metavar="[OLD] [NEW]", help="What to compare.", show_default=False),
    ] = None,
    against_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--against-dir",
            metavar="DIR",
            help="Compare with the manifests in DIR (desired state; not stored). Repeatable.",
        ),
    ] = None,
    against_file: Annotated[
        list[Path] | None,
        typer.Option("--against-file", metavar="FILE", help="Like --against-dir, for a file."),
    ] = None,
    against_live: Annotated[
        bool, typer.Option("--against-live", help="Compare with the cluster now (not stored).")
    ] = False,
    cluster_context: common.ClusterContextOption = None,
    fmt: Annotated[
        common.FindingsFormat,
        typer.Option("--output", "-o", help="Output format.", case_sensitive=False),
    ] = common.FindingsFormat.TABLE,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="LEVEL",
            help="Exit 3 when a change is at or above LEVEL: none, any, warning or breaking.",
        ),
    ] = "none",
    ignore_file: Annotated[
        Path | None,
        typer.Option(
            "--ignore", metavar="FILE", help="YAML rules silencing accepted drift (docs/drift.md)."
        ),
    ] = None,
    markdown_file: Annotated[
        Path | None,
        typer.Option(
            "--markdown-file",
            metavar="FILE",
            help="Also write the Markdown report to FILE, whatever -o is (one run, two formats).",
        ),
    ] = None,
    markdown_limit: Annotated[
        int,
        typer.Option(
            "--markdown-limit",
            metavar="CHARS",
            min=1,
            help="Cut Markdown to at most CHARS characters (GitHub's comment limit by default).",
        ),
    ] = drift_text.MARKDOWN_LIMIT,
    kubeconfig: common.KubeconfigOption = None,
    context: common.ContextOption = None,
    namespace: common.NamespaceOption = None,
    request_timeout: common.RequestTimeoutOption = "30s",
    concurrency: common.ConcurrencyOption = DEFAULT_CONCURRENCY,
    qps: common.QpsOption = DEFAULT_QPS,
    quiet: common.QuietOption = False,
    limit: common.LimitOption = None,
    db_path: common.DbPathOption = None,
) -> int:
    threshold = common.fail_on(fail_on, changes.Severity)
    rules = ignore.load(ignore_file) if ignore_file is not None else []
    parsed = [refs.parse(text) for text in references or ()]
    against = bool(against_dir or against_file or against_live)
    _check_usage(parsed, against_dir or against_file, against_live)
    # Manifests are read (and refused, when hostile) before the database is opened.
    limits = common.read_limits(limit or ())
    found = None
    if against_dir or against_file:
        found = files.read(against_dir or (), against_file or (), limits)
    with _database(ctx, db_path, parsed) as db:
        old, new = _sides(db, parsed, cluster_context, against)
        if new is None:  # --against-*: capture NEW like OLD was captured, and store nothing
            options = common.capture_options(
                from_dirs=against_dir,
                from_files=against_file,
                context=context or (None if against_live else old.side.cluster_context),
                namespace=namespace if namespace is not None else old.namespace_filter,
                all_namespaces=False,
                components=old.components,
                notes=None,
                cluster=common.cluster_options(
                    kubeconfig, context, request_timeout, concurrency, qps
                ),
            )
            result = snapshot.capture_with_warnings(options, quiet=quiet, found=found)
            label = "live" if against_live else "manifests"
            new = sides.from_capture(result.snapshot, label, salt=_salt(db))
        report = drift.diff(old, new, rules)
    hint = _hint(references or [], against_dir, against_file, against_live)
    markdown = _markdown(report, markdown_limit, hint)
    if markdown_file is not None:
        with common.output_stream(markdown_file, option="--markdown-file") as stream:
            stream.write(markdown())
    _render(report, fmt, threshold, markdown)
    if threshold is not None and report.at_or_above(threshold):
        return ExitStatus.FINDINGS
    return ExitStatus.OK


def _salt(db: store.Store | None) -> str:
    if db is None:  # --against-* always compares with a stored snapshot
        raise errors.UsageError("--against-dir, --against-file and --against-live need a database")
    return db.salt


def _check_usage(
    parsed: list[refs.Ref], against_files: list[Path] | None, against_live: bool
) -> None:
    if len(parsed) > 2:
        raise errors.UsageError(f"diff compares two snapshots; {len(parsed)} were given")
    if against_files and against_live:
        raise errors.UsageError(
            "--against-live and --against-dir/--against-file exclude each other"
        )
    if (against_files or against_live) and len(parsed) == 2:
        raise errors.UsageError(
            "--against-dir, --against-file and --against-live compare ONE snapshot with "
            "another source; give one reference (e.g. `diff latest --against-dir DIR`)"
        )


@contextlib.contextmanager
def _database(
    ctx: typer.Context, db_path: Path | None, parsed: list[refs.Ref]
) -> Iterator[store.Store | None]:
    """The database, unless both sides are export files: those compare without one."""
    if len(parsed) == 2 and all(r.path is not None for r in parsed):
        yield None
        return
    with store.open_store(common.db_path(ctx, db_path)) as db:
        yield db


def _sides(
    db: store.Store | None, parsed: list[refs.Ref], context: str | None, against: bool
) -> tuple[sides.Records, sides.Records | None]:
    """OLD and NEW as given; one reference alone is compared with its context's latest. NEW
    is None when it comes from --against-*, which the caller captures."""
    if not parsed:
        parsed = [refs.parse("latest")] if against else [refs.parse(t) for t in DEFAULT_REFS]
    old = sides.resolve(parsed[0], db, context)
    if against:
        return old, None
    if len(parsed) == 1:
        return old, sides.resolve(refs.parse("latest"), db, old.side.cluster_context)
    return old, sides.resolve(parsed[1], db, context)


def _markdown(report: changes.DriftReport, limit: int, hint: str) -> Callable[[], str]:
    """The Markdown report, rendered once however many outputs ask for it."""

    @functools.cache
    def render() -> str:
        try:
            return drift_text.markdown(report, limit=limit, full_report_hint=hint)
        except ValueError:
            raise errors.UsageError(
                f"--markdown-limit {limit}: too small for the drift summary"
            ) from None

    return render


def _render(
    report: changes.DriftReport,
    fmt: common.FindingsFormat,
    threshold: changes.Severity | None,
    markdown: Callable[[], str],
) -> None:
    if fmt is common.FindingsFormat.TABLE:
        if report.changes:
            common.print_tables(drift_text.tables(report))
        typer.echo(drift_text.summary_line(report))
        for note in report.notes:
            common.info(f"note: {note}")
    elif fmt is common.FindingsFormat.MARKDOWN:
        typer.echo(markdown(), nl=False)
    else:
        document = drift_text.document(report, fail_on=threshold)
        common.print_document(document, output.Format(fmt.value))


def _hint(
    references: list[str],
    against_dir: list[Path] | None,
    against_file: list[Path] | None,
    against_live: bool,
) -> str:
    """The command that prints this comparison in full, for the comment's cut note."""
    words = list(references) or (
        ["latest"] if against_dir or against_file or against_live else list(DEFAULT_REFS)
    )
    words += [f"--against-dir {d}" for d in against_dir or ()]
    words += [f"--against-file {f}" for f in against_file or ()]
    words += ["--against-live"] if against_live else []
    return f"run `kubectl datamodel diff {' '.join(words)} -o json`"

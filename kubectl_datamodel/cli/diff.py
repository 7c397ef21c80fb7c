"""`kubectl datamodel diff`: what changed between two snapshots, and what it breaks."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_datamodel import errors
from kubectl_datamodel.cli import common, completion, flags
from kubectl_datamodel.exit import ExitStatus
from kubectl_datamodel.options import DEFAULT_CONCURRENCY, DEFAULT_QPS
from kubectl_datamodel.render import output, text

if TYPE_CHECKING:
    from kubectl_datamodel.drift import changes

HELP = (
    "Report drift between two snapshots: what was added, removed and changed, and which "
    "changes break clients. OLD and NEW are snapshot ids, latest, latest~N, "
    "CONTEXT@latest[~N], or files written by `database export`; one alone is compared with "
    "the newest snapshot of its context, none means the latest two. Against manifests, only "
    "the objects they declare are compared (--scope). With --base-dir, two manifest sets: what "
    "a pull request changes, its impact counted in snapshot OLD. Exit status 3 when a change "
    "is at or above --fail-on."
)
EPILOG = """
    kubectl datamodel diff 1 2 -o markdown --fail-on breaking
    kubectl datamodel diff latest --against-dir rendered/
    kubectl datamodel diff latest --base-dir base/rendered --against-dir rendered/
    kubectl datamodel diff --component cert-manager -v
"""
DEFAULT_REFS = ("latest~1", "latest")


def _severities(incomplete: str) -> list[str]:
    from kubectl_datamodel.drift import changes

    return [w for w in common.fail_on_words(changes.Severity) if w.startswith(incomplete)]


def _scopes(incomplete: str) -> list[str]:
    from kubectl_datamodel.cli import compared

    return [s for s in compared.SCOPES if s.startswith(incomplete)]


def _levels(incomplete: str) -> list[str]:
    from kubectl_datamodel.drift import changes

    return [s.label for s in changes.Severity.descending() if s.label.startswith(incomplete)]


def diff(
    ctx: typer.Context,
    references: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[OLD [NEW]]",
            help="What to compare (see above).",
            autocompletion=completion.snapshots,
            show_default=False,
        ),
    ] = None,
    against_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--against-dir",
            metavar="DIR",
            help="Compare with the manifests in DIR (desired state; not stored). Repeatable.",
            show_default=False,
        ),
    ] = None,
    against_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--against-file",
            metavar="FILE",
            help="Like --against-dir, for a file.",
            show_default=False,
        ),
    ] = None,
    against_live: Annotated[
        bool, typer.Option("--against-live", help="Compare with the cluster now (not stored).")
    ] = False,
    scope: Annotated[
        str | None,
        typer.Option(
            "--scope",
            metavar="SCOPE",
            help="With --against-dir/--against-file: manifests (the default) compares only the "
            "objects the manifests declare and lists the rest of the snapshot as not managed "
            "here; cluster compares the whole snapshot, so what the manifests lack is removed.",
            autocompletion=_scopes,
            show_default=False,
        ),
    ] = None,
    base_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--base-dir",
            metavar="DIR",
            help="Compare these manifests (a pull request's base) with --against-dir/"
            "--against-file (its head): what the change does, with the objects at risk counted "
            "in snapshot OLD (default: the latest, when there is a database). Repeatable.",
            show_default=False,
        ),
    ] = None,
    base_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--base-file",
            metavar="FILE",
            help="Like --base-dir, for a file.",
            show_default=False,
        ),
    ] = None,
    cluster_context: flags.SnapshotContext = None,
    fmt: Annotated[
        common.FindingsFormat,
        typer.Option(
            "--output",
            "-o",
            metavar="FORMAT",
            help="table, markdown (a pull-request comment), json or yaml.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = common.FindingsFormat.TABLE,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="LEVEL",
            help="Exit 3 when a change is at or above LEVEL: none (the default), any, warning "
            "or breaking.",
            autocompletion=_severities,
            show_default=False,
        ),
    ] = "none",
    severity: Annotated[
        str | None,
        typer.Option(
            "--severity",
            metavar="LEVEL",
            help="Only changes at or above LEVEL: breaking, warning or info (the default).",
            autocompletion=_levels,
            show_default=False,
        ),
    ] = None,
    component: Annotated[
        list[str] | None,
        typer.Option(
            "--component",
            metavar="NAME",
            help="Only the changes of the components named NAME (an operator, OLM package, "
            "Helm release or API group; wildcards as in cert-*; any case). Repeatable; "
            "--fail-on then counts only theirs.",
            show_default=False,
        ),
    ] = None,
    every_change: Annotated[
        bool,
        typer.Option(
            "--all",
            "-v",
            help="Show every change, one a line (the default shows the breaking ones and folds "
            "the rest per component and rule).",
        ),
    ] = False,
    ignore_file: Annotated[
        Path | None,
        typer.Option(
            "--ignore",
            metavar="FILE",
            help="YAML rules silencing accepted drift (docs/drift.md).",
            show_default=False,
        ),
    ] = None,
    markdown_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--markdown-file",
            metavar="FILE",
            help="Also write the Markdown report to FILE, whatever -o is (one run, two formats). "
            "Repeatable: each FILE takes the --markdown-limit given in the same place.",
            show_default=False,
        ),
    ] = None,
    markdown_limit: Annotated[
        list[int] | None,
        typer.Option(
            "--markdown-limit",
            metavar="CHARS",
            min=1,
            help="Cut Markdown to at most CHARS characters (default: GitHub's comment limit, "
            f"{text.GITHUB_COMMENT_LIMIT:,}). Once, or once per --markdown-file, in order.",
            show_default=False,
        ),
    ] = None,
    full_report_hint: Annotated[
        str | None,
        typer.Option(
            "--full-report-hint",
            metavar="TEXT",
            help="Where cut Markdown sends readers for the full report, as Markdown (default: "
            "the command that prints it as JSON).",
            show_default=False,
        ),
    ] = None,
    kubeconfig: flags.Kubeconfig = None,
    context: flags.Context = None,
    namespace: flags.Namespace = None,
    request_timeout: flags.RequestTimeout = "30s",
    concurrency: flags.Concurrency = DEFAULT_CONCURRENCY,
    qps: flags.Qps = DEFAULT_QPS,
    quiet: flags.Quiet = False,
    read_limit: flags.ReadLimit = None,
    db_path: flags.DbPath = None,
) -> int:
    from kubectl_datamodel import drift
    from kubectl_datamodel.cli import compared
    from kubectl_datamodel.drift import changes, ignore
    from kubectl_datamodel.store import refs

    threshold = common.fail_on(fail_on, changes.Severity)
    shown_from = _severity(severity, changes.Severity)
    rules = ignore.load(ignore_file) if ignore_file is not None else []
    asked = compared.Asked(
        parsed=[refs.parse(word) for word in references or ()],
        against_dir=against_dir or (),
        against_file=against_file or (),
        against_live=against_live,
        base_dir=base_dir or (),
        base_file=base_file or (),
        scope=scope,
    )
    chosen_scope = asked.check()
    _markdown_limits(markdown_file or [], markdown_limit or [])
    # Manifests are read (and refused, when hostile) before the database is opened.
    manifests = compared.read(asked, read_limit or ())
    capture = compared.Capture(
        cluster=common.cluster_options(kubeconfig, context, request_timeout, concurrency, qps),
        context=context,
        namespace=namespace,
        quiet=quiet,
    )
    with compared.database(ctx, db_path, asked) as db:
        found = compared.resolve(db, asked, manifests, capture, cluster_context)
        report = drift.diff(
            found.old, found.new, rules, scope=chosen_scope, counts_from=found.counts_from
        ).only(at_least=shown_from, components=component or ())
    hint = full_report_hint or _hint(
        references or [], against_dir, against_file, against_live, base_dir, base_file
    )
    cuts = _markdown_limits(markdown_file or [], markdown_limit or [])
    markdown = _markdown(report, hint, threshold)
    for path, limit in zip(markdown_file or [], cuts, strict=False):
        with common.output_stream(path, option="--markdown-file") as stream:
            stream.write(markdown(limit))
    _render(report, fmt, threshold, functools.partial(markdown, cuts[0]), every_change=every_change)
    if threshold is not None and report.at_or_above(threshold):
        return ExitStatus.FINDINGS
    return ExitStatus.OK


def _severity(text: str | None, scale: type[changes.Severity]) -> changes.Severity | None:
    """``--severity``: the lowest level shown (None: every change)."""
    if text is None:
        return None
    chosen = {level.label: level for level in scale}
    try:
        return chosen[text.lower()]
    except KeyError:
        raise errors.UsageError(
            f"--severity {text!r}: expected breaking, warning or info"
        ) from None


def _markdown_limits(files: list[Path], limits: list[int]) -> list[int]:
    """The limit of each --markdown-file (the first also cuts ``-o markdown``): one limit for
    all, or one each, paired in the order given."""
    if len(limits) > 1 and len(limits) != len(files):
        raise errors.UsageError(
            f"--markdown-limit was given {len(limits)} times for {len(files)} --markdown-file: "
            "give it once, or once per --markdown-file"
        )
    chosen = limits or [text.GITHUB_COMMENT_LIMIT]
    return chosen if len(chosen) > 1 else chosen * max(len(files), 1)


def _markdown(
    report: changes.DriftReport, hint: str, threshold: changes.Severity | None
) -> Callable[[int], str]:
    """The Markdown report cut at a limit, rendered once per limit however many outputs ask."""
    from kubectl_datamodel.render import drift as drift_text

    @functools.cache
    def render(limit: int) -> str:
        try:
            return drift_text.markdown(
                report, limit=limit, full_report_hint=hint, fail_on=threshold
            )
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
    *,
    every_change: bool,
) -> None:
    from kubectl_datamodel.render import drift as drift_text

    if fmt is common.FindingsFormat.TABLE:
        _print_for_people(report, threshold, every_change)
    elif fmt is common.FindingsFormat.MARKDOWN:
        typer.echo(markdown(), nl=False)
    else:
        document = drift_text.document(report, fail_on=threshold)
        common.print_document(document, output.Format(fmt.value))


def _print_for_people(
    report: changes.DriftReport, threshold: changes.Severity | None, every_change: bool
) -> None:
    """The verdict, a headline per component, then the breaking changes with what they hit and
    why, and the warnings folded; with --all, every change instead, one a line."""
    from kubectl_datamodel.drift import changes, summary
    from kubectl_datamodel.render import drift as drift_text

    common.say(drift_text.verdict(report, threshold))
    lines = summary.components(report)
    if lines:
        common.print_lines(["", "# Components"])
        for line in lines:
            common.say(drift_text.headline(line))
    tables = drift_text.tables(report) if every_change else drift_text.overview(report)
    for table in tables:
        common.print_lines(["", f"# {table.title}"])
        common.print_tables([dataclasses.replace(table, title=None)])
        if table.title == drift_text.BREAKING_TITLE:
            _print_why(report)
    if every_change:
        _print_why(report)
    info = report.count(changes.Severity.INFO)
    if info and not every_change:
        common.print_lines(["", f"{text.plural(info, 'info change')} not listed: -v lists all."])
    unmanaged = drift_text.unmanaged_line(report)
    if unmanaged and not every_change:
        common.print_lines([""])
        common.say(unmanaged)
    for note in report.notes:
        common.note(note)


def _print_why(report: changes.DriftReport) -> None:
    from kubectl_datamodel.drift import summary
    from kubectl_datamodel.render import drift as drift_text

    reasons = drift_text.why_lines(summary.rules_of(summary.breaking(report)))
    if reasons:
        common.print_lines(["", "Why these break:", *(f"  {r}" for r in reasons)])


def _hint(
    references: list[str],
    against_dir: list[Path] | None,
    against_file: list[Path] | None,
    against_live: bool,
    base_dir: list[Path] | None,
    base_file: list[Path] | None,
) -> str:
    """The command that prints this comparison in full, for the comment's cut note."""
    words = list(references) or (
        ["latest"] if against_dir or against_file or against_live else list(DEFAULT_REFS)
    )
    words += [f"--base-dir {d}" for d in base_dir or ()]
    words += [f"--base-file {f}" for f in base_file or ()]
    words += [f"--against-dir {d}" for d in against_dir or ()]
    words += [f"--against-file {f}" for f in against_file or ()]
    words += ["--against-live"] if against_live else []
    return f"run `kubectl datamodel diff {' '.join(words)} -o json`"

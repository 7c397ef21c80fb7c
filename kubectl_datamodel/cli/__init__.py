"""The command line: `kubectl datamodel ...`.

Commands parse options, make one call into the core, render the result and pick an exit
status. ``main`` is the single error boundary: our errors become one ``error:`` line on stderr
and a named exit status; tracebacks appear only with --debug.
"""

from __future__ import annotations

import errno
import functools
import gc
import os
import sys
from collections.abc import Mapping
from typing import Annotated, ClassVar

import typer
from typer import _click as click
from typer._click import exceptions as parse_errors
from typer.main import get_command

from kubectl_datamodel import __version__, errors, interrupts
from kubectl_datamodel.cli import common, completion, flags, lazy, usage
from kubectl_datamodel.exit import ExitStatus

PROG_NAME = "kubectl datamodel"


# Each command, registered with its module's HELP and EPILOG the first time it is looked up
# (cli/lazy.py): its module is imported then, not at start-up. The imports are written out,
# not named in strings, so PyInstaller and lint-imports see them.
def _snapshot(name: str) -> click.Command:
    from kubectl_datamodel.cli import snapshot

    return lazy.command(name, snapshot.snapshot, help=snapshot.HELP, epilog=snapshot.EPILOG)


def _diff(name: str) -> click.Command:
    from kubectl_datamodel.cli import diff

    return lazy.command(name, diff.diff, help=diff.HELP, epilog=diff.EPILOG)


def _query(name: str) -> click.Command:
    from kubectl_datamodel.cli import query

    return lazy.command(name, query.query_command, help=query.HELP, epilog=query.EPILOG)


def _analyze(name: str) -> click.Command:
    from kubectl_datamodel.cli import analyze

    return lazy.command(name, analyze.analyze_command, help=analyze.HELP, epilog=analyze.EPILOG)


def _report(name: str) -> click.Command:
    from kubectl_datamodel.cli import report

    return lazy.command(
        name,
        report.report_command,
        help=report.HELP,
        short_help=report.SHORT_HELP,
        epilog=report.EPILOG,
    )


def _completion(name: str) -> click.Command:
    return lazy.command(
        name, completion.completion_command, help=completion.HELP, epilog=completion.EPILOG
    )


def _database(name: str) -> click.Command:
    from kubectl_datamodel.cli import database

    return lazy.group(name, database.app)


def _crd(name: str) -> click.Command:
    from kubectl_datamodel.cli import inventory

    return lazy.group(name, inventory.crd_app)


def _operators(name: str) -> click.Command:
    from kubectl_datamodel.cli import inventory

    return lazy.group(name, inventory.operators_app)


def _olm(name: str) -> click.Command:
    from kubectl_datamodel.cli import inventory

    return lazy.group(name, inventory.olm_app)


class _Commands(lazy.Group):
    """Every command, in the order --help lists them, with the line it lists for each: the
    command's summary (usage.summary), which tests/cli/test_cli.py holds to the command's own."""

    entries: ClassVar[Mapping[str, lazy.Entry]] = {
        "snapshot": lazy.Entry(
            "Capture the cluster's inventory and store it as a snapshot.", _snapshot
        ),
        "diff": lazy.Entry(
            "Report drift between two snapshots: what was added, removed and changed, and "
            "which changes break clients.",
            _diff,
        ),
        "query": lazy.Entry(
            "Run one SQL statement against the database, opened read-only.", _query
        ),
        "analyze": lazy.Entry("Analyse a stored snapshot.", _analyze),
        "report": lazy.Entry(
            "Write one self-contained HTML page about a cluster context.", _report
        ),
        "completion": lazy.Entry(
            "Print the completion script for SHELL (bash, zsh or fish), which completes "
            "`kubectl-datamodel ...`.",
            _completion,
        ),
        "database": lazy.Entry("Manage and inspect stored snapshots.", _database),
        "crd": lazy.Entry("CustomResourceDefinitions.", _crd),
        "operators": lazy.Entry("Operators: the controllers that manage CRDs.", _operators),
        "olm": lazy.Entry("OLM ClusterServiceVersions.", _olm),
    }


app = usage.App(
    cls=_Commands,
    name="datamodel",
    help=(
        "What is installed in a Kubernetes cluster, and what changed: snapshots of CRDs, "
        "operators and OLM ClusterServiceVersions in a SQLite database."
    ),
    epilog="kubectl datamodel snapshot --from-dir examples/cluster-v1 --context demo",
    pretty_exceptions_enable=False,  # our own boundary below; locals can hold tokens
    pretty_exceptions_show_locals=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"kubectl-datamodel {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db_path: flags.DbPath = None,
    debug: Annotated[  # noqa: ARG001 - read by run() before Typer parses anything
        bool, typer.Option("--debug", help="Show tracebacks on errors.")
    ] = False,
    version: Annotated[  # noqa: ARG001 - handled by its eager callback
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    ctx.obj = common.GlobalOptions(db_path=db_path)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point; exits with an ExitStatus.

    By then the command is done: its output flushed, its files and database closed. What is
    still alive dies with the process, so it is frozen: the interpreter's last garbage
    collection then skips it instead of walking every object Typer, pydantic and our modules
    built, about 20 ms of CPU for any command (bench/startup.py).
    """
    status = run(argv)
    gc.freeze()
    sys.exit(status)


def complete(words: list[str]) -> None:
    """``kubectl_complete-datamodel``: what kubectl asks for when `kubectl datamodel <TAB>`
    is typed (Cobra's protocol), printed, one candidate a line."""
    common.print_lines(completion.plugin_completions(command(), words))


@functools.cache
def command() -> click.Command:
    """The click command Typer builds from ``app``, once per process. Calling the app builds
    it anew every time: no matter for one command a process, but the tests run hundreds in
    one, and the build was most of a quick command's time (30 ms of `database list`'s 35)."""
    return get_command(app)


def run(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    before = len(interrupts.written())  # what this command writes is noted after these
    if completion.COMPLETE_VAR in os.environ:  # the shell asks, through Typer's scripts
        from typer._completion_classes import completion_init

        completion_init()
    try:
        result = command().main(
            args=args,
            prog_name=PROG_NAME,
            complete_var=completion.COMPLETE_VAR,
            standalone_mode=False,
        )
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
    except (KeyboardInterrupt, typer.Abort):
        return _interrupted(before)
    except errors.DatamodelError as exc:
        return _fail(str(exc), exc.exit_status, debug)
    except OSError as exc:
        return _output_failed(exc, debug)
    except Exception as exc:
        return _unexpected(exc, before, debug)
    if result == ExitStatus.INTERRUPTED:  # Typer turns Ctrl-C inside a command into Exit(130)
        return _interrupted(before)
    return int(result or 0)


def _output_failed(exc: OSError, debug: bool) -> int:
    """Standard output could not be written. A reader that stopped early (``| head``) ends
    the command quietly with status 1, as Typer's click does when a command's own write
    meets the closed pipe; anything else (a full disk) is one line. Our own files' errors
    are OutputErrors already, naming the file."""
    if exc.errno == errno.EPIPE:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return ExitStatus.ERROR
    return _fail(f"cannot write to standard output: {exc.strerror}", ExitStatus.ERROR, debug)


def _unexpected(exc: Exception, before: int, debug: bool) -> int:
    """A command line Typer could not parse, Ctrl-C wrapped by an import, or a bug."""
    if isinstance(exc, parse_errors.NoArgsIsHelpError):  # `kubectl datamodel database`
        exc.show()
        return ExitStatus.USAGE
    if isinstance(exc, parse_errors.UsageError):
        return _fail(usage.describe(exc), ExitStatus.USAGE, debug)
    if isinstance(exc, parse_errors.ClickException):
        return _fail(exc.format_message(), ExitStatus.ERROR, debug)
    if interrupts.caused_by_interrupt(exc):
        return _interrupted(before)
    if debug:
        raise exc
    message = f"unexpected {type(exc).__name__}: {exc} (rerun with --debug)"
    return _fail(message, ExitStatus.ERROR, debug)


def _interrupted(before: int) -> int:
    """One line that says what was written before Ctrl-C: nothing, or what was committed."""
    done = interrupts.written(before)
    what = f" after {'; '.join(done)}" if done else "; nothing was written"
    typer.echo(f"\ninterrupted{what}", err=True)
    return ExitStatus.INTERRUPTED


def _fail(message: str, status: int, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exc()
    common.say(f"error: {message}", err=True)
    return status

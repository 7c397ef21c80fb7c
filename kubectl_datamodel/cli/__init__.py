"""The command line: `kubectl datamodel ...`.

Commands parse options, make one call into the core, render the result and pick an exit
status. ``main`` is the single error boundary: our errors become one ``error:`` line on stderr
and a named exit status; tracebacks appear only with --debug.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from typing import Annotated

import typer
from typer import _click as click
from typer._click import exceptions as parse_errors
from typer.main import get_command

from kubectl_datamodel import __version__, errors, interrupts
from kubectl_datamodel.cli import (
    analyze,
    common,
    completion,
    database,
    diff,
    flags,
    inventory,
    query,
    report,
    snapshot,
    usage,
)
from kubectl_datamodel.exit import ExitStatus

PROG_NAME = "kubectl datamodel"

app = usage.App(
    name="datamodel",
    help=(
        "What is installed in a Kubernetes cluster, and what changed: snapshots of CRDs, "
        "operators and OLM ClusterServiceVersions in a SQLite database."
    ),
    epilog="kubectl datamodel snapshot --from-dir examples/cluster-v1 --context demo",
    pretty_exceptions_enable=False,  # our own boundary below; locals can hold tokens
    pretty_exceptions_show_locals=False,
)
app.command("snapshot", help=snapshot.HELP, epilog=snapshot.EPILOG)(snapshot.snapshot)
app.command("diff", help=diff.HELP, epilog=diff.EPILOG)(diff.diff)
app.command("query", help=query.HELP, epilog=query.EPILOG)(query.query_command)
app.command("analyze", help=analyze.HELP, epilog=analyze.EPILOG)(analyze.analyze_command)
app.command("report", help=report.HELP, short_help=report.SHORT_HELP, epilog=report.EPILOG)(
    report.report_command
)
app.command("completion", help=completion.HELP, epilog=completion.EPILOG)(
    completion.completion_command
)
app.add_typer(database.app, name="database")
app.add_typer(inventory.crd_app, name="crd")
app.add_typer(inventory.operators_app, name="operators")
app.add_typer(inventory.olm_app, name="olm")


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
    """Console-script entry point; exits with an ExitStatus."""
    sys.exit(run(argv))


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

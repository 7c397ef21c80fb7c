"""Shell completion: `kubectl datamodel completion bash|zsh|fish`, kubectl's own completion of
plugins (``kubectl_complete-datamodel``, kubectl 1.26+), and what a SNAPSHOT or a CONTEXT
completes to, read from the database.

The shells' scripts are Typer's: they call ``kubectl-datamodel`` back with
``_KUBECTL_DATAMODEL_COMPLETE`` set. kubectl instead runs ``kubectl_complete-datamodel`` with
the words typed after ``kubectl datamodel`` (the last one the word being completed) and reads
Cobra's answer: one candidate a line (a tab, then its description), then ``:DIRECTIVE``.
Completion never writes, and never fails: a missing or unreadable database completes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from kubectl_datamodel.cli import common

PROG = "kubectl-datamodel"
COMPLETE_VAR = "_KUBECTL_DATAMODEL_COMPLETE"
# Cobra's directives: 4 means "no file completion", 16 "directories only", 0 lets the shell
# complete files.
NO_FILES, DIRECTORIES, FILES = 4, 16, 0


class Shell(str, enum.Enum):
    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"


HELP = (
    "Print the completion script for SHELL (bash, zsh or fish), which completes "
    "`kubectl-datamodel ...`. Load it now with `source <(kubectl datamodel completion bash)`, "
    "or add that line to your shell's rc file. kubectl 1.26+ completes `kubectl datamodel ...` "
    "itself, through `kubectl_complete-datamodel` on your PATH: pip and pipx install it, and "
    "the release archive has it beside the executable (link it onto your PATH too)."
)
EPILOG = "kubectl datamodel completion zsh > ~/.zfunc/_kubectl-datamodel"


def _shells(incomplete: str) -> list[str]:
    return [shell.value for shell in Shell if shell.value.startswith(incomplete)]


def completion_command(
    shell: Annotated[
        str,
        typer.Argument(
            metavar="SHELL", help="bash, zsh or fish.", autocompletion=_shells, show_default=False
        ),
    ],
) -> None:
    from typer._completion_classes import completion_init
    from typer._completion_shared import get_completion_script

    completion_init()
    chosen = _shell(shell)
    typer.echo(get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=chosen))


def _shell(text: str) -> str:
    try:
        return Shell(text.lower()).value
    except ValueError:
        from kubectl_datamodel import errors

        raise errors.UsageError(f"completion {text!r}: expected bash, zsh or fish") from None


def plugin_completions(command: Any, words: Sequence[str]) -> list[str]:
    """Cobra's answer for the words typed after ``kubectl datamodel``: candidates, then the
    directive (the shell completes files where a FILE or DIR is expected)."""
    from typer._click.shell_completion import (
        _resolve_context,
        _resolve_incomplete,
    )

    *args, incomplete = list(words) or [""]
    try:
        context = _resolve_context(command, {}, PROG, args)
        target, incomplete = _resolve_incomplete(context, args, incomplete)
        items = target.shell_complete(context, incomplete)
    except Exception:  # completion shows nothing rather than a traceback
        return [f":{NO_FILES}"]
    lines = [f"{i.value}\t{i.help}" if i.help else str(i.value) for i in items]
    wants = {"FILE": FILES, "DIR": DIRECTORIES}
    directive = wants.get(getattr(target, "metavar", None) or "", NO_FILES)
    return [*lines, f":{directive}"]


def snapshots(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Snapshot ids (newest first, each with its context and time), latest, latest~1 and
    CONTEXT@latest for every context the database holds; nothing when it holds none."""
    summaries = _summaries(ctx)
    candidates = [
        (str(s.id), f"{s.cluster_context} {s.timestamp} {s.notes or ''}".strip()) for s in summaries
    ]
    relative = [("latest", "the newest snapshot"), ("latest~1", "the one before it")]
    candidates += relative[: len(summaries)]
    for context in dict.fromkeys(s.cluster_context for s in summaries):
        candidates.append((f"{context}@latest", f"the newest snapshot of {context}"))
    return [(value, help) for value, help in candidates if value.startswith(incomplete)]


def contexts(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    counts: dict[str, int] = {}
    for summary in _summaries(ctx):
        counts[summary.cluster_context] = counts.get(summary.cluster_context, 0) + 1
    return [
        (name, f"{count} snapshot{'s' if count != 1 else ''}")
        for name, count in counts.items()
        if name.startswith(incomplete)
    ]


def _summaries(ctx: typer.Context) -> list[Any]:
    """The snapshots of the database the command line names (the command's --db-path, else
    the one before the command), read without writing."""
    from kubectl_datamodel.store import database

    given = ctx.params.get("db_path") or ctx.find_root().params.get("db_path")
    try:
        path = common.db_path(ctx, given)
    except Exception:
        return []
    return database.peek(path)

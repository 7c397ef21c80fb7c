"""Every command of the app, read from the app itself: a test that walks them covers a command
added tomorrow without being told."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from typer.core import TyperGroup

from kubectl_datamodel import cli

PROG = "kubectl datamodel"


def root() -> Any:
    return cli.command()


def walk(command: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, command) for the root, every group and every command under them."""
    command = command or root()
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


def leaves() -> list[tuple[tuple[str, ...], Any]]:
    return [(path, command) for path, command in walk() if not isinstance(command, TyperGroup)]


def options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option"]


def option(command: Any, name: str) -> Any | None:
    return next((p for p in options(command) if name in p.opts), None)


def choices(param: Any) -> list[str]:
    """The values a choice parameter accepts, as typed."""
    return [str(getattr(c, "value", c)) for c in param.type_descriptor.choices or ()]


def parse(words: Sequence[str]) -> Any:
    """Parse a command line as `kubectl datamodel` does, down to its command, without running
    it: a flag that is not there or a value refused raises the usage error a user would get."""
    command = root()
    context = command.make_context(PROG, list(words))
    while isinstance(command, TyperGroup):
        name, command, rest = command.resolve_command(
            context, [*context._protected_args, *context.args]
        )
        context = command.make_context(name, rest, parent=context)
    return context

"""The root command, which imports a command's module only when that command is used.

Importing every command module to run one of them, or to print --help, was most of the
start-up: each brings its flags, the core modules it calls and what they import. The root
knows each command by name, by the line --help lists for it, and by a function that imports
its module and builds the command; the module is imported the first time the command is
looked up (to run it, show its own help or complete its arguments). ``kubectl datamodel
--help``, and the completion of a command's name, import none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import typer.main
from typer._click import Command

from kubectl_datamodel.cli import usage

if TYPE_CHECKING:
    from typer._click import Context, HelpFormatter
    from typer._click.shell_completion import CompletionItem


class Entry(NamedTuple):
    """A command before its module is imported (a NamedTuple: a tenth of a dataclass's cost to
    define, and every start defines it)."""

    summary: str  # what --help lists for it: usage.summary of the command, once built
    load: Callable[[str], Command]  # imports the module, returns the command of that name


class Group(usage.Group):
    """``usage.Group`` over the commands a subclass names in ``entries``: help, errors,
    suggestions and the completion of a command's name read as any group's, from the entries
    alone."""

    entries: ClassVar[Mapping[str, Entry]] = {}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.commands = _ImportedWhenLookedUp(self.entries)

    def list_commands(self, ctx: Context) -> list[str]:  # noqa: ARG002 - click's signature
        return list(self.commands)  # TyperGroup's own looks every command up

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The group's own listing, over stand-ins that hold each command's summary alone."""
        stand_ins = [usage.Command(name, short_help=e.summary) for name, e in self.entries.items()]
        usage.Group(commands=stand_ins).format_commands(ctx, formatter)

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        """The commands that begin with ``incomplete``, each with its summary, as TyperGroup's
        offers them but importing none (`kubectl datamodel <TAB>` is a process a keystroke);
        then the group's options, as click's Command offers them."""
        from typer._click.shell_completion import CompletionItem

        names = [
            CompletionItem(name, help=entry.summary)
            for name, entry in self.entries.items()
            if name.startswith(incomplete)
        ]
        return [*names, *Command.shell_complete(self, ctx, incomplete)]


def command(name: str, function: Callable[..., Any], **settings: Any) -> Command:
    """``function`` as the command ``name``: what ``app.command(name, **settings)(function)``
    on the root would have built."""
    holder = usage.App()
    holder.command(name, **settings)(function)
    return _built(holder, name)


def group(name: str, app: typer.Typer) -> Command:
    """``app`` as the group ``name``: what ``add_typer(app, name=name)`` on the root would have
    built."""
    holder = usage.App()
    holder.add_typer(app, name=name)
    return _built(holder, name)


def _built(holder: typer.Typer, name: str) -> Command:
    return typer.main.get_group(holder).commands[name]


class _ImportedWhenLookedUp(MutableMapping[str, "Command"]):
    """Commands by name, each built from its module the first time it is looked up: listing
    the names (for --help, or for a mistyped command's suggestions) imports nothing."""

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self._commands: dict[str, Command | Entry] = dict(entries)

    def __getitem__(self, name: str) -> Command:
        found = self._commands[name]
        if isinstance(found, Entry):
            found = self._commands[name] = found.load(name)
        return found

    def __contains__(self, name: object) -> bool:  # Mapping's own looks the command up
        return name in self._commands

    def __setitem__(self, name: str, command: Command) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        del self._commands[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._commands)

    def __len__(self) -> int:
        return len(self._commands)

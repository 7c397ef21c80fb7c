"""How the command line explains itself, as kubectl does: help that names every value in
capitals and gives examples whole, one a line; a mistyped command line as one ``error:`` line.

Left to itself, Typer's help shows Python types (``SNAPSHOT <str>``), number ranges
(``[1<=x<=64]``) and braces (``{SQL}``), and rewraps an example in the middle of a flag; its
parse errors quote its validation library ("Input should be a valid integer"). Every group and
command is built from the classes here (``App`` makes sure of it), and ``cli.run`` shows every
parse error through ``describe``, so no command can miss either.
"""

from __future__ import annotations

import difflib
import inspect
import re
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer import _click as click
from typer._click import Context, HelpFormatter, Parameter
from typer._click import exceptions as parse_errors
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType

HELP_OPTIONS = ["-h", "--help"]


class App(typer.Typer):
    """A Typer app whose groups and commands write help the kubectl way (``Group``,
    ``Command``), with -h, plain text and no completion options of Typer's own (`completion`
    is a command); ``cls``, a subclass of ``Group``, for the root's (``lazy.Group``)."""

    def __init__(self, *, cls: type[Group] | None = None, **settings: Any) -> None:
        super().__init__(
            cls=cls or Group,
            no_args_is_help=True,
            context_settings={"help_option_names": HELP_OPTIONS},
            add_completion=False,
            rich_markup_mode=None,
            **settings,
        )

    def command(
        self, name: str | None = None, **settings: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=Command, **settings)


class Formatter(HelpFormatter):
    """click's layout of help, wrapping at spaces only: click also breaks at hyphens, which
    cuts a flag or a command's name in two (``kubectl_complete-`` / ``datamodel``)."""

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
        width = max(self.width - self.current_indent, 11)
        self.write(
            "\n\n".join("\n".join(indent + line for line in _wrap(p, width)) for p in paragraphs)
        )
        self.write("\n")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        first_width = min(max(len(first) for first, _ in rows), col_max) + col_spacing
        margin = " " * (self.current_indent + first_width)
        for first, second in rows:
            self.write(f"{' ' * self.current_indent}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_width - col_spacing:
                self.write(" " * (first_width - len(first)))
            else:
                self.write(f"\n{margin}")
            lines = _wrap(second, max(self.width - first_width - 2, 10))
            self.write("".join(f"{margin if i else ''}{line}\n" for i, line in enumerate(lines)))


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False) or [""]


class HelpContext(Context):
    formatter_class = Formatter


class Command(TyperCommand):
    """A command's help: usage line, text, arguments and options without Python types or
    ranges, and its examples; ``-o=json`` read as kubectl reads it (``-o json``)."""

    context_class = HelpContext

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_help(self, ctx, formatter)

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_parameters(self.get_params(ctx), formatter)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        arguments = [_usage_name(p) for p in self.get_params(ctx) if _is_argument(p)]
        return [self.options_metavar or "", *arguments]

    def get_short_help_str(self, limit: int = 45) -> str:  # noqa: ARG002 - never cut
        return summary(self)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _short_options_with_equals(self, ctx, args))


class Group(TyperGroup):
    """A group's help: like a command's, with its commands, each summed up whole."""

    context_class = HelpContext

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_help(self, ctx, formatter)

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_parameters(self.get_params(ctx), formatter)
        self.format_commands(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:  # noqa: ARG002 - never cut
        return summary(self)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """kubectl's words for a command that is not there, with the likely one."""
        name = args[0]
        if name not in self.commands and not name.startswith("-") and not ctx.resilient_parsing:
            close = difflib.get_close_matches(name, list(self.commands))
            guess = f" (did you mean {words([repr(c) for c in close])}?)" if close else ""
            ctx.fail(f"unknown command {name!r} for {ctx.command_path!r}{guess}")
        return super().resolve_command(ctx, args)


def summary(command: TyperCommand | TyperGroup) -> str:
    """The line that stands for a command in its group's list and in completion: its short
    help, else the first sentence of its help, whole (Typer cuts it at 45 characters)."""
    if command.short_help:
        return inspect.cleandoc(command.short_help)
    text = " ".join((command.help or "").split())
    first, stop, _ = text.partition(". ")
    return f"{first}." if stop else text


def _write_help(command: TyperCommand | TyperGroup, ctx: Context, formatter: HelpFormatter) -> None:
    command.format_usage(ctx, formatter)
    command.format_help_text(ctx, formatter)
    command.format_options(ctx, formatter)
    if command.epilog:
        _write_examples(command.epilog, formatter)


def _write_examples(epilog: str, formatter: HelpFormatter) -> None:
    """An epilog is examples, one command a line: written as they are, never rewrapped, so
    each can be copied whole (a long one runs past the width, as in kubectl's help)."""
    examples = [line.strip() for line in inspect.cleandoc(epilog).splitlines() if line.strip()]
    with formatter.section("Examples" if len(examples) > 1 else "Example"):
        indent = " " * formatter.current_indent
        formatter.write("".join(f"{indent}{example}\n" for example in examples))


def _write_parameters(params: Sequence[Parameter], formatter: HelpFormatter) -> None:
    arguments = [(_value_name(p), _help(p)) for p in params if _is_argument(p)]
    options = [(_option_names(p), _option_help(p)) for p in params if _is_shown_option(p)]
    for title, rows in (("Arguments", arguments), ("Options", options)):
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


def _is_argument(param: Parameter) -> bool:
    return param.param_type_name == "argument"


def _is_option(param: Parameter) -> bool:
    return param.param_type_name == "option"


def _is_shown_option(param: Parameter) -> bool:
    return _is_option(param) and not getattr(param, "hidden", False)


def _value_name(param: Parameter) -> str:
    return param.metavar or (param.name or "").upper()


def _usage_name(argument: Parameter) -> str:
    """SNAPSHOT, SNAPSHOT... or [SNAPSHOT]; a metavar that says it already (``[OLD [NEW]]``)
    is left alone."""
    name = _value_name(argument)
    if name.startswith("["):
        return name
    if argument.nargs == -1 and not name.endswith("..."):
        name += "..."
    return name if argument.required else f"[{name}]"


def _option_names(option: Parameter) -> str:
    """``-o, --output FORMAT``: the short name first, and the value's name unless a flag."""
    names = ", ".join(sorted(option.opts, key=lambda o: len(o) - len(o.lstrip("-"))))
    if option.secondary_opts:
        names += " / " + ", ".join(option.secondary_opts)
    if getattr(option, "is_flag", False):
        return names
    return f"{names} {_value_name(option)}"


def _option_help(option: Parameter) -> str:
    """The help as written (defaults are said there, in words), and whether it is required."""
    return f"{_help(option)}  [required]" if option.required else _help(option)


def _help(param: Parameter) -> str:
    return getattr(param, "help", None) or ""


def _short_options_with_equals(command: Command, ctx: Context, args: list[str]) -> list[str]:
    """kubectl takes ``-o=json`` for ``-o json``; click would read the value as ``=json``."""
    short = {
        name
        for param in command.get_params(ctx)
        if _is_option(param) and not getattr(param, "is_flag", False)
        for name in param.opts
        if re.fullmatch(r"-[^-]", name)
    }
    return [f"{a[:2]}{a[3:]}" if a[:2] in short and a[2:3] == "=" else a for a in args]


# -- errors ----------------------------------------------------------------------------------


def describe(exc: parse_errors.UsageError) -> str:
    """The one ``error:`` line for a command line that cannot be parsed, like every other
    error of the tool: the flag, the value and what it takes; or what is wrong with the line
    (an unknown flag, a missing argument), pointing to the command's help."""
    if isinstance(exc, parse_errors.BadParameter) and not isinstance(
        exc, parse_errors.MissingParameter
    ):
        return _bad_value(exc)
    where = f"; see '{exc.ctx.command_path} -h'" if exc.ctx is not None else ""
    return f"{_wrong_line(exc)}{where}"


def _bad_value(exc: parse_errors.BadParameter) -> str:
    """``--limit 'x': expected a whole number``, in the words our own checks use (``--fail-on
    'bad': expected none, any, ...``), whatever Typer's validation said."""
    param = exc.param
    if param is None:
        return _sentence(exc.format_message())
    value = _given_value(exc)
    given = f" {value!r}" if value is not None else ""
    return f"{_param_name(param)}{given}: expected {_expected(param)}"


def _given_value(exc: parse_errors.BadParameter) -> Any:
    """The value as typed, which Typer keeps only in the validation error it wraps."""
    details = getattr(exc.__cause__, "errors", None)
    if not callable(details):
        return None
    found = details()
    return found[0].get("input") if found else None


def _param_name(param: Parameter) -> str:
    if _is_argument(param):
        return _value_name(param)
    return max(param.opts, key=len)


def _expected(param: Parameter) -> str:
    """What the parameter takes, from its declaration: its choices, a number in its range."""
    descriptor = getattr(param, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None)
    if choices:
        return words([str(getattr(c, "value", c)) for c in choices])
    annotation = getattr(descriptor, "annotation", None)
    if annotation is int:
        return "a whole number" + _range(param)
    if annotation is float:
        return "a number" + _range(param)
    return _value_name(param)


def _range(param: Parameter) -> str:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" of at least {low}"
    if high is not None:
        return f" of at most {high}"
    return ""


def _wrong_line(exc: parse_errors.UsageError) -> str:
    if isinstance(exc, parse_errors.NoSuchOption):
        known = sorted(exc.possibilities or ())
        guess = f" (did you mean {words(known)}?)" if known else ""
        return f"unknown flag: {exc.option_name}{guess}"
    if isinstance(exc, parse_errors.MissingParameter) and exc.param is not None:
        return f"{_param_name(exc.param)} is required"
    return _sentence(exc.format_message())


def _sentence(text: str) -> str:
    """Click's message as the rest of an ``error:`` line: lower case first, no full stop."""
    text = " ".join(text.split()).rstrip(".")
    return text[:1].lower() + text[1:]


def words(items: Sequence[str]) -> str:
    """``a, b or c``."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"

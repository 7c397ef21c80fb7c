"""Every command's --help as a user reads it: plain words for values, examples that run, and
-o offering exactly what the command accepts. The commands are read from the app, so a new one
is checked without being listed here."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.core import TyperGroup

from kubectl_datamodel.cli import completion
from tests.support import commands

COMMANDS = list(commands.walk())
IDS = [" ".join(path) or "(root)" for path, _ in COMMANDS]
# Typer's own notation, which a kubectl user has no use for: Python types, number ranges,
# brackets around brackets (and, in the usage line, braces around a required argument).
NOISE = re.compile(
    r"<(?:str|int|float|bool|path|file|dir|list|tuple|datetime)\b|\[?x[<>]=|<=x\]|\[\[|\]\]\.\.\."
)
FORMATS = sorted(
    {
        value
        for _, command in commands.leaves()
        if (found := commands.option(command, "--output")) is not None
        for value in commands.choices(found)
    }
)


def section(text: str, heading: str) -> list[str]:
    """The lines of a help section (``Examples:``), without the heading."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line == f"{heading}:"), None)
    if start is None:
        return []
    body = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        body.append(line)
    return [line.strip() for line in body if line.strip()]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_names_values_in_words_and_cuts_nothing(run, monkeypatch, path, command):
    result = run(*path, "--help")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith(f"Usage: kubectl datamodel {' '.join(path)}".rstrip())
    assert not set("{}") & set(text.splitlines()[0])
    assert NOISE.search(text) is None, NOISE.search(text)
    assert "Input should" not in text
    # No word broken at a hyphen across lines, which click does (`--include-` / `specs`),
    # whatever the terminal's width.
    assert not [line for line in text.splitlines() if re.search(r"\w-$", line)]
    monkeypatch.setenv("COLUMNS", "52")
    narrow = run(*path, "--help").stdout
    assert not [line for line in narrow.splitlines() if re.search(r"\w-$", line)]
    assert narrow.split() == text.split()
    # Every command a group lists is summed up whole, not cut with "...".
    assert not [line for line in section(text, "Commands") if line.endswith("...")]
    # A value-taking option shows the value's name, in capitals.
    for option in commands.options(command):
        if not option.is_flag:
            assert option.metavar and option.metavar.upper() == option.metavar, option.opts


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_examples_are_whole_and_parse(run, path, command):
    """Each example is one line, for this command, with flags and values it accepts."""
    text = run(*path, "--help").stdout
    examples = section(text, "Examples") or section(text, "Example")
    if isinstance(command, TyperGroup) and path:
        assert examples == []  # a group's examples are its commands'
        return
    assert examples, "every command shows an example"
    for example in examples:
        words = shlex.split(example)
        words = words[: next((i for i, w in enumerate(words) if w in (">", "|")), len(words))]
        assert words[:2] == ["kubectl", "datamodel"]
        if path:
            assert tuple(words[2 : 2 + len(path)]) == path, example
        commands.parse(words[2:])  # a usage error fails the test


@pytest.mark.parametrize(
    ("path", "command"),
    [(p, c) for p, c in commands.leaves() if commands.option(c, "--output")],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else "",
)
def test_output_formats_offered_are_those_accepted(path, command):
    """-o's help names, and completion offers, exactly the formats the command takes: none
    it would refuse, none it takes unsaid."""
    accepted = set(commands.choices(commands.option(command, "--output")))
    option_help = commands.option(command, "--output").help
    named = {f for f in FORMATS if re.search(rf"\b{f}\b", option_help)}
    assert named == accepted
    offered = completion.plugin_completions(commands.root(), [*path, "-o", ""])
    assert set(offered[:-1]) == accepted


def test_usage_line_spells_arguments_plainly(run):
    usage = {
        ("diff",): "Usage: kubectl datamodel diff [OPTIONS] [OLD [NEW]]",
        ("database", "delete"): "Usage: kubectl datamodel database delete [OPTIONS] SNAPSHOT...",
        ("analyze",): "Usage: kubectl datamodel analyze [OPTIONS] VIEW [SNAPSHOT]",
        ("query",): "Usage: kubectl datamodel query [OPTIONS] SQL",
    }
    for path, line in usage.items():
        assert run(*path, "-h").stdout.splitlines()[0] == line


def test_a_required_option_says_so(run):
    text = run("report", "-h").stdout
    assert re.search(r"--html FILE +Write the page to FILE[^\[]*\[required\]", text, re.DOTALL)

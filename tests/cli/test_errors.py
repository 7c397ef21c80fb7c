"""A mistyped command line, as a user sees it: one ``error:`` line in our words (never the
validation library's), exit status 2, pointing to the help when the line itself is wrong.
Every typed option and argument is found by walking the app."""

from __future__ import annotations

import re
import typing

import pytest

from tests.support import commands
from tests.support.paths import CLUSTER_V1

# Values that are strings to Typer but read by us, by the name of the value: a bad one must be
# refused as the command line is read, whether or not the command comes to use it.
READ_BY_US = {
    "DURATION": "soon",
    "AGE": "soon",
    "LEVEL": "severe",
    "NAME=VALUE": "depth",
    "SHELL": "tcsh",
    "VIEW": "bogus",
}
# What each command needs besides the bad value, so that the bad value is the only mistake.
NEEDS = {
    "SNAPSHOT": ["1"],
    "SNAPSHOT...": ["1"],
    "SQL": ["SELECT 1"],
    "VIEW": ["overview"],
    "SHELL": ["bash"],
}
LIBRARY_WORDING = ("Input should", "Value error", "pydantic", "Traceback", "validation error")


def bad_values(param) -> list[str]:
    """Values ``param`` must refuse: a word for a number, numbers out of its range, a choice
    it does not offer, a value for a flag, and a malformed value of what we read ourselves."""
    descriptor = param.type_descriptor
    if descriptor.choices:
        return ["bogus"]
    annotation = descriptor.annotation
    if typing.get_origin(annotation) is list:  # a repeatable option: each value is checked
        (annotation,) = typing.get_args(annotation)
    if annotation in (int, float):
        out_of_range = [str(param.min - 1)] if param.min is not None else []
        out_of_range += [str(param.max + 1)] if param.max is not None else []
        return ["x", *out_of_range]
    if getattr(param, "is_flag", False):
        return ["maybe"]
    metavar = param.metavar or ""
    return [READ_BY_US[metavar]] if metavar in READ_BY_US else []


def cases() -> list:
    """Every bad value of every parameter of every command: a flag shared through
    ``cli.flags`` is checked on each command, which may read it its own way."""
    return [
        pytest.param(path, command, param, value, id=f"{' '.join(path)} {name(param)} {value}")
        for path, command in commands.walk()
        for param in command.params
        for value in bad_values(param)
    ]


def name(param) -> str:
    return param.metavar if param.param_type_name == "argument" else param.opts[0]


def command_line(path, command, param, value, tmp_path) -> list[str]:
    """The command with its required arguments and options, and ``value`` for ``param``."""
    words = list(path)
    for other in command.params:
        if other is param or not other.required:
            continue
        if other.param_type_name == "argument":
            words += NEEDS[other.metavar]
        else:
            words += [other.opts[0], str(tmp_path / "out.html")]
    if param.param_type_name == "argument":
        position = [p for p in command.params if p.param_type_name == "argument"].index(param)
        return [*words[: len(path) + position], value, *words[len(path) + position :]]
    if getattr(param, "is_flag", False):
        return [*words, f"{max(param.opts, key=len)}={value}"]
    return [*words, max(param.opts, key=len), value]


@pytest.mark.parametrize(("path", "command", "param", "value"), cases())
def test_a_bad_value_is_one_line_in_our_words(
    run, db_path, tmp_path, monkeypatch, path, command, param, value
):
    """Refused as the command line is read: a command that went on would fail for want of the
    database (status 1), or create it."""
    monkeypatch.setenv("KUBECTL_DATAMODEL_DB", str(db_path))
    words = command_line(path, command, param, value, tmp_path)
    result = run(*words)
    assert result.exit_code == 2, (words, result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    named = param.metavar if param.param_type_name == "argument" else max(param.opts, key=len)
    assert named in lines[0] or value in lines[0]
    if not getattr(param, "is_flag", False):
        assert repr(value) in lines[0]
    assert not [w for w in LIBRARY_WORDING if w in result.stderr]
    assert result.stdout == ""
    assert not db_path.parent.exists()


def test_the_cases_cover_every_kind_of_value():
    """The walk finds what it should: if Typer changed how it describes a parameter, the test
    above would quietly check nothing."""
    found = {case.id.split(" ")[-2] for case in cases()}
    assert {"--limit", "--concurrency", "--qps", "--output", "--yes", "--request-timeout"} <= found
    assert {"--older-than", "--fail-on", "--read-limit", "--markdown-limit", "SHELL"} <= found


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (
            ["database", "list", "--limit", "x"],
            "error: --limit 'x': expected a whole number of at least 1",
        ),
        (
            ["snapshot", "--concurrency", "65"],
            "error: --concurrency '65': expected a whole number from 1 to 64",
        ),
        (
            ["database", "list", "-o", "csv"],
            "error: --output 'csv': expected table, wide, json, yaml, name or rich",
        ),
        (
            ["database", "export", "1", "-o", "table"],
            "error: --output 'table': expected json or yaml",
        ),
        (
            ["diff", "--fail-on", "severe"],
            "error: --fail-on 'severe': expected none, any, warning or breaking",
        ),
    ],
)
def test_the_words_of_a_bad_value(run, words, message):
    result = run(*words)
    assert (result.exit_code, result.stderr) == (2, f"{message}\n")


@pytest.mark.parametrize(
    ("words", "message", "help_of"),
    [
        (["database", "list", "--bogus"], "unknown flag: --bogus", "database list"),
        (
            ["database", "list", "--limt", "3"],
            "unknown flag: --limt (did you mean --limit?)",
            "database list",
        ),
        (
            ["database", "lst"],
            "unknown command 'lst' for 'kubectl datamodel database' (did you mean 'list'?)",
            "database",
        ),
        (["database", "show"], "SNAPSHOT is required", "database show"),
        (["report"], "--html is required", "report"),
    ],
)
def test_a_wrong_command_line_points_to_the_help(run, words, message, help_of):
    result = run(*words)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}; see 'kubectl datamodel {help_of} -h'\n"


def test_a_group_without_a_command_shows_its_help(run):
    result = run("database")
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: kubectl datamodel database [OPTIONS] COMMAND")


def test_kubectl_short_flag_with_equals(run, stored_v1_v2):
    """kubectl takes -o=json; so do we, and the value is not mistaken for '=json'."""
    assert run("database", "list", "-o=name", "--db-path", stored_v1_v2).stdout == (
        "snapshot/2\nsnapshot/1\n"
    )


def path_options() -> list:
    """Every option that takes a FILE or DIR, once per declaration (the database's own path is
    tests/cli/test_cli.py's)."""
    seen = {}
    for path, command in commands.leaves():
        for option in commands.options(command):
            if option.metavar in ("FILE", "DIR") and "--db-path" not in option.opts:
                seen.setdefault(option.opts[0], (path, command, option))
    return [pytest.param(*case, id=f"{' '.join(case[0])} {name}") for name, case in seen.items()]


@pytest.mark.parametrize(("path", "command", "option"), path_options())
def test_a_path_that_is_not_there_is_one_line_naming_it(
    run, stored_v1_v2, tmp_path, path, command, option
):
    missing = tmp_path / "nowhere" / ("in" if option.metavar == "DIR" else "in.yaml")
    words = command_line(path, command, option, str(missing), tmp_path)
    if path == ("diff",):
        words[1:1] = ["1"]  # one snapshot, compared with what the option gives
    if option.opts[0].startswith("--base"):
        words += ["--against-dir", str(CLUSTER_V1)]  # the head the base is compared with
    result = run(*words, "--db-path", stored_v1_v2)
    assert result.exit_code in (1, 2), result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(missing) in lines[0]
    named = {
        name
        for other in commands.options(command)
        for name in other.opts
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", lines[0])
    }
    assert named <= {*option.opts, "--from-dir", "--against-dir"}, lines[0]  # (use --...-dir)
    if option.opts[0].startswith(("--from", "--against", "--base")):
        assert lines[0].startswith(f"error: {option.opts[0]} {missing}: ")

"""The action's workflow module (action/datamodel_action/workflow.py): workflow commands, escaped
so a message cannot start another; step outputs, PATH and the job summary written to the
runner's files; and summaries cut at a line to fit GitHub's limit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from datamodel_action import workflow
from datamodel_action.workflow import ActionError

from tests.support.actionsteps import runner_file_values


@pytest.fixture
def runner_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The files a runner names in GITHUB_OUTPUT and friends, inside tmp_path."""
    folder = tmp_path / "runner"
    folder.mkdir()
    files = {}
    for variable in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH"):
        files[variable] = folder / variable.lower()
        monkeypatch.setenv(variable, str(files[variable]))
    return files


@pytest.mark.parametrize("command", ["error", "warning", "notice"])
def test_workflow_commands_escape_percent_cr_and_lf(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    getattr(workflow, command)("50% done\r\nsecond line\nthird")
    out = capsys.readouterr().out
    assert out == f"::{command}::50%25 done%0D%0Asecond line%0Athird\n"
    assert out.count("\n") == 1  # one command: a newline in the message cannot start another


def test_fail_reports_one_error_and_returns_exit_status_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert workflow.fail("input mode: 'x' is not one of snapshot, diff") == 1
    assert capsys.readouterr().out == "::error::input mode: 'x' is not one of snapshot, diff\n"


def test_set_output_survives_multi_line_values_and_appends(runner_files: dict[str, Path]) -> None:
    tricky = "line one\n\nEOF\nname<<EOF\nkey=value\n"
    workflow.set_output("first", "plain")
    workflow.set_output("report", tricky)
    workflow.set_output("empty", "")
    values = runner_file_values(runner_files["GITHUB_OUTPUT"])
    assert values == {"first": "plain", "report": tricky, "empty": ""}


def test_set_output_uses_a_fresh_delimiter_each_time(runner_files: dict[str, Path]) -> None:
    workflow.set_output("a", "1")
    workflow.set_output("b", "2")
    headers = [
        line for line in runner_files["GITHUB_OUTPUT"].read_text().splitlines() if "<<" in line
    ]
    delimiters = [line.split("<<", 1)[1] for line in headers]
    assert len(set(delimiters)) == 2
    assert all(len(d) > 20 for d in delimiters)  # not guessable from a value


def test_set_output_outside_a_runner_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    with pytest.raises(ActionError, match=r"\$GITHUB_OUTPUT is not set"):
        workflow.set_output("x", "y")


def test_add_path_reaches_later_steps_and_this_process(
    runner_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", os.environ["PATH"])
    workflow.add_path(tmp_path / "bin")
    assert runner_files["GITHUB_PATH"].read_text() == f"{tmp_path / 'bin'}\n"
    assert os.environ["PATH"].split(os.pathsep)[0] == str(tmp_path / "bin")


def test_write_summary_appends(runner_files: dict[str, Path]) -> None:
    workflow.write_summary("## first\n")
    workflow.write_summary("## second\n")
    assert runner_files["GITHUB_STEP_SUMMARY"].read_text() == "## first\n## second\n"


def test_write_summary_cuts_a_huge_report_at_a_line_under_the_limit(
    runner_files: dict[str, Path],
) -> None:
    workflow.write_summary("## heading\n")
    lines = [f"| row {i} | {'x' * 50} |" for i in range(40_000)]  # about 2.4 MB
    markdown = "\n".join(lines) + "\n"
    workflow.write_summary(markdown)
    summary = runner_files["GITHUB_STEP_SUMMARY"]
    assert summary.stat().st_size <= workflow.SUMMARY_LIMIT
    assert summary.stat().st_size > workflow.SUMMARY_LIMIT - 200  # used nearly all of it
    text = summary.read_text(encoding="utf-8")
    assert text.endswith("_The rest of this summary was cut: GitHub shows at most 1 MiB._\n")
    kept = text.removeprefix("## heading\n").split("\n\n_The rest", 1)[0]
    assert markdown.startswith(kept + "\n")  # whole lines only
    assert kept.splitlines()[-1] in lines


def test_write_summary_never_pushes_a_nearly_full_summary_over_the_limit(
    runner_files: dict[str, Path],
) -> None:
    """An earlier step used all but a few bytes: the cut note alone must not overflow it."""
    summary = runner_files["GITHUB_STEP_SUMMARY"]
    summary.write_bytes(b"x" * (workflow.SUMMARY_LIMIT - 10) + b"\n")
    workflow.write_summary("## kubectl-datamodel snapshot 2\n\nmore than ten bytes\n")
    assert summary.stat().st_size <= workflow.SUMMARY_LIMIT


def test_fit_returns_text_within_the_limit_unchanged() -> None:
    text = "## Ünïcödé\n\n日本語\n"
    assert workflow.fit(text, len(text.encode())) == text


@pytest.mark.parametrize("limit", [150, 151, 152, 153, 200, 333, 1000])
def test_fit_counts_bytes_not_characters_and_keeps_whole_lines(limit: int) -> None:
    lines = [f"{i}: 日本語のテキスト é ü 🔴" for i in range(100)]
    markdown = "\n".join(lines) + "\n"
    assert len(markdown) < len(markdown.encode())  # multi-byte text
    fitted = workflow.fit(markdown, limit)
    assert len(fitted.encode("utf-8")) <= limit
    kept, note = fitted.split("\n\n_The rest", 1)
    assert "1 MiB" in note
    assert markdown.startswith(kept)
    assert kept == "" or markdown[len(kept)] == "\n"  # cut at the end of a line


def test_fit_never_keeps_part_of_a_line() -> None:
    """When not even the first line fits beside the note, no line is kept: half a table row
    or an unclosed code span would garble what follows in the summary."""
    markdown = "| " + "a" * 300 + " |\n| b |\n"
    fitted = workflow.fit(markdown, 200)
    assert len(fitted.encode()) <= 200
    assert fitted.startswith("\n_The rest of this summary was cut")

"""On a real terminal: the outputs that used to crash, fold or obey the cluster's data.

Each case runs the installed ``kubectl-datamodel`` on a pseudo-terminal with colour on (no
NO_COLOR) and asserts on the screen pyte draws, and on the raw bytes for what a screen hides.
Before one rendering path, cluster values reached rich as markup: ``[/x]`` crashed ``diff``,
``query`` and ``database show`` halfway (MarkupError, exit 1), ``[link=...]`` became a
hyperlink, ``[bold red]`` a style, and ``versions[v1beta2]`` lost its brackets; and rich
folded cells on a terminal, so a diff was 8,330 lines at 100 columns against 1,882 piped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import CLUSTER_V2
from tests.support.terminal import SCRIPTS, Screen, run_on_terminal, terminal_env

CLI = str(SCRIPTS / "kubectl-datamodel")
SGR = re.compile(rb"\x1b\[[0-9;]*m")
HYPERLINK = b"\x1b]8;"  # OSC 8: what rich writes for [link=...]

# A CSV from cluster-v2 whose strings carry what a cluster may hold: markup, an escape
# sequence that would clear the screen, a right-to-left override, a newline.
DISPLAY_NAME = r"[link=https://evil.example]x[/link] \e[2J\u202Eevil"
PROVIDER = "[/] provider"
NOTES = "[bold red]alarm[/bold red]\nsecond line"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def on_terminal(home: Path, *args: str | Path, columns: int = 200, **env: str) -> Screen:
    command = " ".join(_quoted(a) for a in (CLI, *args))
    return run_on_terminal(command, cwd=home.parent, env=terminal_env(home, **env), columns=columns)


def piped(home: Path, *args: str | Path) -> str:
    result = subprocess.run(
        [CLI, *map(str, args)], capture_output=True, text=True, env=terminal_env(home), check=True
    )
    return result.stdout


def _quoted(arg: str | Path) -> str:
    return "'" + str(arg).replace("'", "'\\''") + "'"


def _plain(screen: Screen) -> str:
    """What the command wrote, as a pipe would have received it: no colour, \\n line ends."""
    return SGR.sub(b"", screen.raw).replace(b"\r\n", b"\n").decode()


@pytest.fixture
def hostile_db(tmp_path: Path, home: Path) -> Path:
    """cluster-v2's OLM folder with one CSV's display name and provider made hostile."""
    source = tmp_path / "olm"
    shutil.copytree(CLUSTER_V2 / "olm", source)
    csv = source / "csvs" / "grafana-operator.clusterserviceversion.yaml"
    text = csv.read_text()
    text = text.replace("  displayName: Grafana Operator\n", f'  displayName: "{DISPLAY_NAME}"\n')
    text = text.replace("    name: Grafana Labs\n", f'    name: "{PROVIDER}"\n')
    assert DISPLAY_NAME in text and PROVIDER in text
    csv.write_text(text)
    db = tmp_path / "hostile.db"
    screen = on_terminal(
        home, "snapshot", "--from-dir", source, "--context", "[/x]", "--notes", NOTES,
        "--db-path", db,
    )  # fmt: skip
    assert screen.exit_code == 0, screen.text
    assert "snapshot 1 stored: context [/x]" in screen.text
    return db


def test_cluster_values_are_shown_as_written_never_as_markup(hostile_db: Path, home: Path):
    screen = on_terminal(home, "database", "show", "1", "--db-path", hostile_db)
    assert screen.exit_code == 0, screen.text
    assert b"Traceback" not in screen.raw and b"MarkupError" not in screen.raw
    assert "# ClusterServiceVersions" in screen.text  # the last section: nothing cut short
    row = next(line for line in screen.lines if "grafana-operator" in line)
    assert "[link=https://evil.example]x[/link] \\x1b[2J\\u202eevil" in row
    assert "[/] provider" in row
    assert HYPERLINK not in screen.raw and "\u202e".encode() not in screen.raw
    notes = next(line for line in screen.lines if line.startswith("Notes"))
    assert notes.endswith("[bold red]alarm[/bold red]\\nsecond line")  # one row, not two
    assert not any(cell.bold or cell.fg != "default" for cell in screen.cells("alarm"))
    assert "Context      [/x]" in screen.lines  # the first line survived the \e[2J


def test_the_same_values_in_lists_and_queries(hostile_db: Path, home: Path):
    listing = on_terminal(home, "database", "list", "-o", "wide", "--db-path", hostile_db)
    assert listing.exit_code == 0, listing.text
    assert "[/x]" in listing.text and "[bold red]alarm[/bold red]\\nsecond line" in listing.text
    select = "SELECT '[/x]' AS a, '[bold red]b[/bold red]' AS b, 'versions[v1beta2]' AS c"
    query = on_terminal(home, "query", select, "--db-path", hostile_db)
    assert query.exit_code == 0, query.text
    assert query.lines[-1].split() == ["[/x]", "[bold", "red]b[/bold", "red]", "versions[v1beta2]"]
    assert not any(cell.bold for cell in query.cells("red]b"))


def test_the_examples_diff_is_whole_and_unfolded_on_a_narrow_terminal(
    stored_v1_v2: Path, home: Path
):
    screen = on_terminal(home, "diff", "1", "2", "-v", "--db-path", stored_v1_v2, columns=100)
    assert screen.exit_code == 0, _plain(screen)[-2000:]
    shown = _plain(screen)
    for title in ("# CRDs", "# Operators", "# ClusterServiceVersions"):
        assert f"\n{title}\n" in f"\n{shown}"
    assert "versions[v1beta2]" in shown
    # The terminal gets exactly what a pipe gets, colour aside: no cell folded into more lines
    # (the terminal itself wraps a long line, and a copy-paste joins it again).
    assert shown == piped(home, "diff", "1", "2", "-v", "--db-path", stored_v1_v2)


def test_names_stay_whole_at_80_columns(stored_v1_v2: Path, home: Path):
    for args in (["database", "list", "-o", "wide"], ["database", "show", "2"]):
        screen = on_terminal(home, *args, "--db-path", stored_v1_v2, columns=80)
        assert screen.exit_code == 0, screen.text
        assert _plain(screen) == piped(home, *args, "--db-path", stored_v1_v2)
    assert any(line.startswith("kafkamirrormaker2s.kafka.strimzi.io ") for line in screen.lines)


def test_colour_means_something_and_no_color_turns_it_off(stored_v1_v2: Path, home: Path):
    coloured = on_terminal(home, "diff", "1", "2", "-v", "--db-path", stored_v1_v2)
    assert all(cell.fg == "red" and cell.bold for cell in coloured.cells("breaking   ")[:8])
    assert not any(cell.fg != "default" for cell in coloured.cells("kafkas.kafka.strimzi.io"))
    overview = on_terminal(home, "diff", "1", "2", "--db-path", stored_v1_v2)
    assert all(cell.fg == "red" and cell.bold for cell in overview.cells("3 objects"))
    assert not any(cell.fg != "default" for cell in overview.cells("unknown"))
    plain = on_terminal(home, "diff", "1", "2", "--db-path", stored_v1_v2, NO_COLOR="1")
    assert b"\x1b[" not in plain.raw

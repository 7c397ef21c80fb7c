"""Values from a cluster are data in every output, never markup or control sequences.

A cluster (or a manifest in a pull request) is written by someone else: its names, labels,
annotations and descriptions may hold rich markup, terminal escape sequences, bidi overrides,
newlines, HTML and Markdown. tests/support/hostile.py puts them in the fields of real upstream
manifests; this module stores two states of that cluster once and reads them back through every
command in every format, checking what the reader gets:

- on a terminal (tables, ``-o name``, the one-line messages, warnings and errors), piped and on
  a terminal where colour is on: markup as it reads, every control and bidi character as a
  visible escape, a row never split, and no colour or hyperlink but our own;
- in JSON, YAML and CSV: the exact values, parsed back; in JSON and YAML no raw control or bidi
  character either;
- in Markdown: a table row never split or widened, no tag, link, mention or code span from data;
- in the HTML page: every value text, no element or attribute from data;
- through a ``--template``: the values as they are, escaped in a template for HTML.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import io
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from kubectl_datamodel import cli
from kubectl_datamodel.render import console, output
from tests.support import browser
from tests.support.hostile import (
    CHART,
    CONTEXT,
    CRD,
    CRD_KIND,
    FILE_NAME,
    FILE_NAME_SHOWN,
    HOSTILE,
    LONG,
    MARKDOWN,
    NAMESPACE,
    NOTES,
    OPERATOR,
    RELEASE,
    SGR,
    SHOWN,
    acted_on,
    csv_name,
    hostile,
    split_rows,
    strings,
    write_cluster,
)
from tests.support.paths import CLUSTER_V1

INCLUDE = ("--include", "namespaces,nodes,helm;v1/ConfigMap")
V2 = "<manifests of state 2>"  # in a command line: the hostile cluster's second state
# Manifests that declare nothing of the hostile cluster: all of it is not managed here.
UNRELATED = ("2", "--against-dir", str(CLUSTER_V1 / "crds" / "gateway-api"))
# The cells our tables colour, by what they say: nothing else may carry a colour.
STYLED = {cell for styles in output.STYLES.values() for cell in styles}


@dataclasses.dataclass(frozen=True)
class Cluster:
    """The hostile cluster's two states as manifests, and a database holding both as
    snapshots 1 and 2 of context CONTEXT, with NOTES."""

    v1: Path
    v2: Path
    database: Path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    """Stored once per module: every test below only reads it."""
    folder = tmp_path_factory.mktemp("hostile")
    v1, v2 = write_cluster(folder / "v1", 1), write_cluster(folder / "v2", 2)
    database = folder / "inventory.db"
    for manifests in (v1, v2):
        args = ["snapshot", "--from-dir", manifests, "--context", CONTEXT, "--notes", NOTES]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert cli.run([str(a) for a in [*args, *INCLUDE, "--db-path", database]]) == 0
    return Cluster(v1, v2, database)


@dataclasses.dataclass(frozen=True)
class Shown:
    """What a command wrote: ``stdout`` and ``stderr`` as written (what another program reads
    of JSON, CSV or a template), ``text`` and ``errors`` as a person reads them on a terminal,
    our own colours taken out (``coloured`` lists the cells that had one)."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def coloured(self) -> list[str]:
        return re.findall(r"\x1b\[[0-9;]*m([^\x1b]*)\x1b\[0m", self.stdout + self.stderr)

    @property
    def text(self) -> str:
        return SGR.sub("", self.stdout)

    @property
    def errors(self) -> str:
        return SGR.sub("", self.stderr)


class Terminal(io.StringIO):
    """Standard output or error as a terminal: rich and click colour what they write to it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(params=["piped", "terminal"])
def screen(request, monkeypatch, cluster) -> Callable[..., Shown]:
    """Run a command on the hostile database (unless it names another), its output piped
    (NO_COLOR, as in every test) or on a terminal with colour on: stdout and stderr are
    terminals, NO_COLOR unset and TERM a 256-colour xterm, so that rich draws the tables and
    click keeps escape sequences."""
    terminal = request.param == "terminal"
    if terminal:
        monkeypatch.delenv("NO_COLOR")
        monkeypatch.delenv("COLORTERM", raising=False)
        monkeypatch.setenv("TERM", "xterm-256color")
    return functools.partial(_run, cluster, terminal)


@pytest.fixture
def piped(cluster) -> Callable[..., Shown]:
    """Like ``screen``, piped only: for the formats programs read (JSON, YAML, CSV, templates,
    the page), which nothing writes differently to a terminal."""
    return functools.partial(_run, cluster, False)


def _run(cluster: Cluster, terminal: bool, *args: str | Path) -> Shown:
    words = [str(cluster.v2) if a == V2 else str(a) for a in args]
    if "--db-path" not in words:
        words += ["--db-path", str(cluster.database)]
    stdout, stderr = (Terminal(), Terminal()) if terminal else (io.StringIO(), io.StringIO())
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.run(words)
    return Shown(code, stdout.getvalue(), stderr.getvalue())


def assert_read_as_text(shown: str) -> None:
    """Terminal text: no control or bidi character but the newlines ending its lines (so no
    ESC: no colour and no hyperlink), no row split by a newline inside a value, and a hostile
    value shown whole: markup as it reads, controls and bidi as escapes."""
    assert acted_on(shown) == []
    assert split_rows(shown) == []
    for piece in SHOWN:
        assert piece in shown


# -- tables and names, piped and on a terminal ---------------------------------------------------

TERMINAL_COMMANDS = [
    pytest.param(("database", "list"), id="database-list"),
    pytest.param(("database", "list", "-o", "wide", "--no-headers"), id="database-list-wide"),
    pytest.param(("database", "show", "latest"), id="database-show"),
    pytest.param(("database", "show", "latest", "-o", "wide"), id="database-show-wide"),
    pytest.param(("database", "show", "1", "--no-headers"), id="database-show-no-headers"),
    pytest.param(("database", "show", "latest", "-o", "name"), id="database-show-name"),
    pytest.param(("database", "stats"), id="database-stats"),
    pytest.param(("crd", "list", "--from-dir", V2, "-q"), id="crd-list"),
    pytest.param(("crd", "list", "--from-dir", V2, "-q", "-o", "wide"), id="crd-list-wide"),
    pytest.param(("crd", "list", "--from-dir", V2, "-q", "-o", "name"), id="crd-list-name"),
    pytest.param(("operators", "list", "--from-dir", V2, "-q"), id="operators-list"),
    pytest.param(("operators", "list", "--from-dir", V2, "-q", "-o", "wide"), id="op-list-wide"),
    pytest.param(("operators", "list", "--from-dir", V2, "-q", "-o", "name"), id="op-list-name"),
    pytest.param(("olm", "list", "--from-dir", V2, "-q", "--no-headers"), id="olm-list"),
    pytest.param(("olm", "list", "--from-dir", V2, "-q", "-o", "wide"), id="olm-list-wide"),
    pytest.param(("olm", "list", "--from-dir", V2, "-q", "-o", "name"), id="olm-list-name"),
    pytest.param(("diff",), id="diff"),
    pytest.param(("diff", *UNRELATED, "-v"), id="diff-unmanaged"),
    pytest.param(("analyze", "security"), id="analyze-security"),
    pytest.param(("analyze", "resources"), id="analyze-resources"),
    pytest.param(("analyze", "deprecations"), id="analyze-deprecations"),
    pytest.param(("analyze", "overview"), id="analyze-overview"),
    pytest.param(("analyze", "history"), id="analyze-history"),
    pytest.param(("query", "SELECT display_name, provider FROM csvs"), id="query"),
    pytest.param(("query", "SELECT * FROM operators", "--no-headers"), id="query-no-headers"),
]


@pytest.mark.parametrize("args", TERMINAL_COMMANDS)
def test_a_terminal_shows_cluster_values_as_text(screen, args):
    shown = screen(*args)
    assert shown.exit_code == 0, shown.stderr
    assert_read_as_text(shown.text)
    assert acted_on(shown.errors) == [] and split_rows(shown.errors) == []
    assert set(shown.coloured) <= STYLED


def test_on_a_terminal_only_our_own_cells_are_coloured(screen, request):
    """The colour check above is not vacuous: on a terminal, rich draws the tables and the
    warnings are yellow (and nothing else has a colour); piped, nothing has one."""
    coloured = screen("diff", "--all").coloured
    on_a_terminal = request.node.callspec.params["screen"] == "terminal"
    assert set(coloured) == ({"warning"} if on_a_terminal else set())


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("database", "show", "latest"), id="database-show"),
        pytest.param(("crd", "list", "--from-dir", V2, "-q"), id="crd-list"),
        pytest.param(("operators", "list", "--from-dir", V2, "-q"), id="operators-list"),
        pytest.param(("olm", "list", "--from-dir", V2, "-q"), id="olm-list"),
    ],
)
def test_o_name_is_one_line_per_object(screen, args):
    """``-o name`` feeds ``xargs`` and ``while read``: one line per object however its name
    reads, as many lines as the JSON document has objects."""
    names = screen(*args, "-o", "name").text.splitlines()
    document = json.loads(screen(*args, "-o", "json").stdout)
    sections = [v for k, v in document.items() if isinstance(v, list) and k != "warnings"]
    assert len(names) == sum(map(len, sections)) > 0
    assert all(re.fullmatch(r"[a-z0-9.]+/\S.*", name) for name in names)


def test_a_long_value_is_shown_whole_on_its_line(screen):
    """kubectl's tables never cut or fold a cell: the 5,000-character label is there, whole,
    on its namespace's line."""
    lines = screen("database", "show", "latest", "-o", "wide").text.splitlines()
    found = [line for line in lines if f"{LONG}-v2" in line]
    assert len(found) == 1 and found[0].startswith(f"namespace {SHOWN[0]} {SHOWN[1]}")


# -- one-line messages, warnings and errors ----------------------------------------------------


def test_snapshot_says_what_it_stored_in_one_line(screen, cluster, tmp_path):
    shown = screen("snapshot", "--from-dir", cluster.v1, "--context", CONTEXT, "--notes", NOTES,
                   "--db-path", tmp_path / "new.db")  # fmt: skip
    assert shown.exit_code == 0
    assert shown.text.count("\n") == 1 and shown.text.startswith("snapshot 1 stored: context")
    assert_read_as_text(shown.text)


def test_warnings_are_one_line_each(screen, cluster, tmp_path):
    """Capture's warnings name files and objects: a file whose name holds escape sequences
    and a newline, with a document that is no object and the hostile operator again."""
    folder = tmp_path / "manifests"
    folder.mkdir()
    operator = (cluster.v1 / "prometheus-operator-deployment.yaml").read_text()
    (folder / FILE_NAME).write_text(f"just: data\n---\n{operator}")
    (folder / "operator.yaml").write_text(operator)
    args = ("snapshot", "--from-dir", folder, "--context", CONTEXT, "--db-path", tmp_path / "w.db")
    shown = screen(*args)
    assert shown.exit_code == 0
    warnings = shown.errors.splitlines()
    assert len(warnings) == 2 and all(w.startswith("warning: ") for w in warnings)
    assert acted_on(shown.errors) == [] and split_rows(shown.errors) == []
    assert FILE_NAME_SHOWN in warnings[0]
    assert SHOWN[0] in warnings[1]  # the operator
    as_json = json.loads(screen(*args, "-o", "json").stdout)["warnings"]
    assert len(as_json) == 2 and str(folder / FILE_NAME) in as_json[0]  # exact, in the document


def test_an_error_naming_a_hostile_file_is_one_line(screen, tmp_path):
    broken = tmp_path / FILE_NAME
    broken.write_text("kind: [unclosed\n")
    shown = screen("snapshot", "--from-file", broken, "--db-path", tmp_path / "e.db")
    assert shown.exit_code != 0 and shown.stdout == ""
    assert shown.errors.count("\n") == 1 and shown.errors.startswith("error: ")
    assert acted_on(shown.errors) == [] and split_rows(shown.errors) == []
    assert FILE_NAME_SHOWN in shown.errors


def test_an_error_naming_a_hostile_context_is_one_line(screen, tmp_path):
    shown = screen("report", "--html", tmp_path / "r.html", "--cluster-context", HOSTILE + "?")
    assert shown.exit_code != 0
    assert shown.errors.count("\n") == 1 and shown.errors.startswith("error: no snapshots")
    assert acted_on(shown.errors) == [] and SHOWN[0] in shown.errors


def test_a_note_naming_a_hostile_context_is_one_line(screen, cluster, tmp_path, monkeypatch):
    """With several contexts stored, `latest` says which it took and names the others."""
    monkeypatch.delenv("KUBECONFIG", raising=False)
    database = tmp_path / "two-contexts.db"
    shutil.copyfile(cluster.database, database)
    screen("snapshot", "--from-dir", cluster.v1, "--context", "plain", "--db-path", database)
    shown = screen("analyze", "overview", "--db-path", database)
    assert shown.exit_code == 0
    assert shown.errors.startswith("note: latest means context plain") and SHOWN[0] in shown.errors
    assert shown.errors.count("\n") == 1 and acted_on(shown.errors) == []


def test_an_ignore_file_error_is_one_line(screen, tmp_path):
    rules = tmp_path / "ignore.yaml"
    rules.write_text(json.dumps({"ignore": [{"kind": "Operator", "path": HOSTILE}]}))
    shown = screen("diff", "--ignore", rules)
    assert shown.exit_code != 0 and shown.errors.startswith("error: ignore file")
    assert shown.errors.count("\n") == 1 and acted_on(shown.errors) == []


def test_ignore_rules_naming_hostile_objects_silence_them(screen, tmp_path):
    """A name is a shell wildcard (``[`` opens a character class), so a rule matches the
    hostile operator by a pattern; the summary counts what it silenced."""
    rules = tmp_path / "ignore.yaml"
    rules.write_text(json.dumps({"ignore": [{"kind": "Operator", "name": "operator *"}]}))
    shown = screen("diff", "--ignore", rules)
    assert shown.exit_code == 0
    assert "ignored) between" in shown.text.splitlines()[0]
    assert "# Operators" not in shown.text
    assert_read_as_text(shown.text)


def test_report_says_where_it_wrote_in_one_line(screen, tmp_path):
    shown = screen("report", "--html", tmp_path / "r.html")
    assert shown.exit_code == 0 and shown.errors.count("\n") == 1
    assert shown.errors.startswith("report of context") and acted_on(shown.errors) == []
    assert split_rows(shown.errors) == [] and SHOWN[1] in shown.errors


def test_a_progress_line_shows_its_description_as_text(monkeypatch):
    """A live capture's progress names what it reads (a CRD's name): text, never markup."""
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr(sys, "stderr", Terminal())
    with console.capture_progress(quiet=False) as display:
        assert display is not None
        display.planned(1)
        display.advance("[link=https://evil.example]x[/link]\x1b[31m")
    written = sys.stderr.getvalue()
    assert "\x1b]8" not in written  # no OSC 8 hyperlink
    assert "[link=https://evil.example]x[/link]\\x1b[31m" in written


# -- JSON and YAML: the exact values -------------------------------------------------------------

# What the records of state 2 hold, as the manifests gave it.
STORED = {
    CONTEXT,
    NOTES,
    NAMESPACE,
    CRD,
    CRD_KIND,
    OPERATOR,
    csv_name(2),
    RELEASE,
    f"{CHART}-1.2.0",  # a chart label without a SemVer ending is the chart's whole name
    hostile("display-name"),
    hostile("provider"),
    hostile("csv-description-v2"),
    hostile("operator-label"),
    hostile("crd-label"),
    hostile("helm-status"),
    hostile("taint"),
    f"{LONG}-v2",
}
# And what only the stored objects (--include-specs) hold.
SPECS = {
    hostile("csv-label"),
    hostile("container"),
    hostile("env"),
    hostile("property"),
    hostile("configmap-key"),
    hostile("configmap-value-v2"),
}
DIFF = {
    CONTEXT,
    CRD,
    OPERATOR,
    RELEASE,
    hostile("deprecation-warning"),
    hostile("configmap-value-v1"),
    hostile("configmap-value-v2"),
    hostile("helm-status"),
}
DOCUMENTS = [
    pytest.param(("database", "list"), {CONTEXT, NOTES}, id="database-list"),
    pytest.param(("database", "show", "latest"), STORED, id="database-show"),
    pytest.param(("database", "export", "2", "--include-specs"), STORED | SPECS, id="export"),
    pytest.param(("database", "export-all"), STORED | {hostile("csv-description-v1")}, id="all"),
    pytest.param(("database", "stats"), {CONTEXT}, id="database-stats"),
    pytest.param(("crd", "list", "--from-dir", V2, "-q"), {CRD_KIND}, id="crd-list"),
    pytest.param(("operators", "list", "--from-dir", V2, "-q"), {OPERATOR}, id="operators-list"),
    pytest.param(("olm", "list", "--from-dir", V2, "-q"), {hostile("provider")}, id="olm-list"),
    pytest.param(("diff",), DIFF, id="diff"),
    pytest.param(("diff", *UNRELATED), {CONTEXT, CRD, OPERATOR}, id="diff-unmanaged"),
    pytest.param(("analyze", "security"), {CONTEXT, OPERATOR}, id="analyze-security"),
    pytest.param(("analyze", "resources"), {CONTEXT, hostile("container")}, id="resources"),
    pytest.param(("analyze", "deprecations"), {CONTEXT, CRD}, id="analyze-deprecations"),
    pytest.param(("analyze", "overview"), {CONTEXT, NOTES}, id="analyze-overview"),
    pytest.param(("analyze", "history"), {CONTEXT, OPERATOR}, id="analyze-history"),
    pytest.param(("query", "SELECT * FROM csvs"), {hostile("display-name")}, id="query"),
]


def steady(document: dict) -> dict:
    """``document`` without what two runs may not share: the capture time of manifests read
    for each run (``diff --against-dir``), which can fall either side of a second."""
    if document.get("kind") == "DriftReport" and document["new"].get("snapshot_id") is None:
        document = {**document, "new": {**document["new"], "timestamp": None}}
    return document


@pytest.mark.parametrize(("args", "values"), DOCUMENTS)
def test_json_and_yaml_hold_the_exact_values(piped, args, values):
    """Both parse to the same document, which holds every hostile value exactly as the
    manifests gave it; neither writes a control or bidi character raw (JSON's and YAML's own
    escapes read back as the character)."""
    as_json, as_yaml = (piped(*args, "-o", fmt) for fmt in ("json", "yaml"))
    assert as_json.exit_code == as_yaml.exit_code == 0
    document = json.loads(as_json.stdout)  # strict: a raw control character is an error
    assert steady(YAML(typ="safe").load(as_yaml.stdout)) == steady(document)
    assert values <= strings(document)
    assert acted_on(as_json.stdout) == [] and acted_on(as_yaml.stdout) == []


def test_snapshot_prints_the_exact_context_and_notes(piped, cluster, tmp_path):
    for fmt in ("json", "yaml"):
        shown = piped("snapshot", "--from-dir", cluster.v1, "--context", CONTEXT, "--notes",
                      NOTES, "-o", fmt, "--db-path", tmp_path / f"{fmt}.db")  # fmt: skip
        snapshot = YAML(typ="safe").load(shown.stdout)["snapshot"]
        assert (snapshot["cluster_context"], snapshot["notes"]) == (CONTEXT, NOTES)
        assert acted_on(shown.stdout) == []


# -- CSV and templates: the values as they are ---------------------------------------------------

QUERY = "SELECT name, namespace, display_name, provider, description FROM csvs ORDER BY name"


def test_csv_parses_back_to_the_exact_values(piped):
    """CSV is data for another program: every value as it is, quoted where it holds a comma,
    a quote or a newline, so that the csv module reads back the rows `-o json` gives."""
    rows = list(csv.reader(io.StringIO(piped("query", QUERY, "-o", "csv").stdout)))
    items = json.loads(piped("query", QUERY, "-o", "json").stdout)["items"]
    assert rows == [list(items[0]), *(list(item.values()) for item in items)]
    first = [csv_name(1), NAMESPACE, hostile("display-name"), hostile("provider")]
    assert rows[1] == [*first, hostile("csv-description-v1")]


def test_a_template_prints_the_values_as_they_are(piped, tmp_path):
    """A template decides its own format (YAML, a shell line): values go in unchanged, and
    are quoted only where the template says so (``|e``, ``toyaml``)."""
    template = tmp_path / "rows.j2"
    template.write_text("{{ display_name }}")
    as_they_are = piped("query", QUERY, "--template", template, "--separator", "\f").stdout
    assert as_they_are.split("\f") == [hostile("display-name")] * 2
    template.write_text("{{ description | e }}")
    escaped = piped("query", QUERY, "--template", template, "--separator", "\f").stdout
    assert "&lt;script&gt;" in escaped and "<script>" not in escaped
    template.write_text("{{ row | toyaml }}")
    documents = YAML(typ="safe").load_all(piped("query", QUERY, "--template", template).stdout)
    assert list(documents) == json.loads(piped("query", QUERY, "-o", "json").stdout)["items"]


@pytest.mark.parametrize("name", ["rows.html", "rows.HTML.j2", "rows.xml.jinja"])
def test_a_template_for_html_escapes_every_value(piped, tmp_path, name):
    """Jinja's convention: a template named for HTML or XML escapes what it prints, so a
    cluster value cannot add an element to the page."""
    template = tmp_path / name
    template.write_text("<tr><td>{{ display_name }}</td><td>{{ description }}</td></tr>\n")
    root = browser.parse(piped("query", QUERY, "--template", template, "--separator", "").stdout)
    assert [e.tag for e in root.iter()] == ["#document", *["tr", "td", "td"] * 2]
    cells = [td.text for td in root.find_all("td")]
    assert cells[:2] == [hostile("display-name"), hostile("csv-description-v1")]


# -- Markdown ------------------------------------------------------------------------------------

MARKDOWN_COMMANDS = [
    pytest.param(("diff",), id="diff"),
    pytest.param(("diff", *UNRELATED), id="diff-unmanaged"),
    *(
        pytest.param(("analyze", view), id=f"analyze-{view}")
        for view in ("security", "resources", "deprecations", "overview", "history")
    ),
]
OUR_TAGS = {"<details>", "<details open>", "</details>", "<summary>", "</summary>"}
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@pytest.mark.parametrize("args", MARKDOWN_COMMANDS)
def test_markdown_makes_cluster_values_inert(screen, args):
    """Posted as a pull-request comment: every table row one line with its header's number of
    cells, no tag but the comment's own <details>, no link, image, mention, issue reference or
    code span from data, and controls and bidi as visible escapes."""
    shown = screen(*args, "-o", "markdown").stdout
    assert acted_on(shown) == [] and split_rows(shown) == []
    for table in _markdown_tables(shown):
        assert len({len(UNESCAPED_PIPE.findall(row)) for row in table}) == 1
        assert all(row.endswith("|") for row in table)
    assert set(re.findall(r"<[^>]*>", shown)) <= OUR_TAGS
    assert re.search(r"(?<!\\)\]\(", shown) is None  # no [text](url), no ![alt](src)
    assert "@admin" not in shown and "#1" not in shown
    code = re.findall(r"(?<!\\)`([^`]*)`", shown)
    assert all(re.fullmatch(r"[a-z][a-z0-9.-]*", span) for span in code)  # rule ids only
    assert r"\\x1b\[31mred" in shown and r"\\u202eevil" in shown
    assert r"\[link\=https\://evil\.example\]x\[/link\]" in shown


def _markdown_tables(text: str) -> list[list[str]]:
    """The tables of a Markdown text: runs of lines that start with a pipe."""
    tables: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        row = line.startswith("|")
        if row and not previous:
            tables.append([])
        if row:
            tables[-1].append(line)
        previous = row
    return tables


def test_the_markdown_file_is_what_o_markdown_prints(screen, tmp_path):
    target = tmp_path / "drift.md"
    shown = screen("diff", "--markdown-file", target)
    assert target.read_text() == screen("diff", "-o", "markdown").stdout
    assert_read_as_text(shown.text)


# -- the HTML page -------------------------------------------------------------------------------


REFERENCES = {"src", "srcset", "href", "xlink:href", "action", "formaction", "poster", "data"}


def test_the_page_shows_cluster_values_as_text(piped, tmp_path):
    """Every element of the page is the template's: no script, image or link from data, no
    event handler, nothing referenced but the page's own sections (the cluster's URL is text).
    The values read as text: markup and HTML as they read, controls and bidi as escapes."""
    page = tmp_path / "report.html"
    assert piped("report", "--html", page).exit_code == 0
    written = page.read_text()
    assert acted_on(written) == []
    root = browser.parse(written)
    tags = {e.tag for e in root.iter()}
    assert not tags & {"script", "img", "iframe", "object", "embed", "link", "base", "form"}
    attributes = [(e.tag, k, v) for e in root.iter() for k, v in e.attrs.items()]
    assert [a for a in attributes if a[1].startswith("on")] == []
    references = [a for a in attributes if a[1] in REFERENCES]
    assert references and all(a[2].startswith("#") for a in references)  # the page's sections
    for piece in SHOWN:
        assert piece in root.text
    heading = root.by_id("context").text
    assert heading.startswith(f"context {SHOWN[0]} {SHOWN[1]}") and heading.endswith(MARKDOWN)

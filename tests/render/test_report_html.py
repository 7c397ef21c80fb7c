"""`kubectl datamodel report --html`: the page in a real browser, its charts, and bad input.

The browser tests load the written file in headless Chromium with the network off
(tests/support/browser.py) and assert on the DOM it built. Without a Chromium they are skipped with
one line saying why; `.ci/run` installs Debian's and sets KUBECTL_DATAMODEL_REQUIRE_BROWSER,
and there a missing browser fails them instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kubectl_datamodel import analysis, cli, store
from kubectl_datamodel.drift.rules import catalog
from kubectl_datamodel.render import charts
from kubectl_datamodel.render import html as html_report
from tests.support import browser

SVG = "{http://www.w3.org/2000/svg}"
LONG_VERSION = "v2.0.0-a-very-long-version"
EVIL = "<script>document.title='pwned'</script>"
EVIL_VALUE = "<img src=x onerror=alert(1)>"
ONE_LINE = "report of context demo (latest snapshot 2, 2 snapshots) written to {}\n"
REFERENCE_ATTRIBUTES = {"src", "href", "xlink:href", "action", "formaction", "poster", "data"}
EVIL_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.evil.example.com
  labels:
    "{key}": "{value}"
spec:
  group: evil.example.com
  names: {{kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}}
  scope: Namespaced
  versions:
  - {{name: v1, served: true, storage: true, schema: {{openAPIV3Schema: {{type: object}}}}}}
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def svg_tree(text: str) -> ET.Element:
    """Our own SVG, parsed as XML: that it parses at all shows it is well-formed."""
    return ET.fromstring(text)  # noqa: S314 - charts.py's output, not outside data


@pytest.fixture(scope="session")
def chromium() -> Path:
    found = browser.find()
    if found is None:
        reason = f"no headless Chromium for the browser tests: {browser.INSTALL_HINT}"
        if os.environ.get(browser.ENV_REQUIRE):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture
def written(run, stored_v1_v2, tmp_path) -> Path:
    """The report of the demo database (snapshots 1 and 2 of context demo), alone in a folder."""
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    result = run("report", "--html", out, "--db-path", stored_v1_v2)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", ONE_LINE.format(out))
    return out


@pytest.fixture(scope="module")
def demo_report(_v1_v2_template, tmp_path_factory) -> Path:
    """The same report, written once for the tests that only read it."""
    folder = tmp_path_factory.mktemp("report")
    database, out = folder / "inventory.db", folder / "out" / "report.html"
    shutil.copyfile(_v1_v2_template, database)
    out.parent.mkdir()
    with pytest.MonkeyPatch.context() as env:  # as conftest's _isolated_env, for the module
        env.setenv("HOME", str(folder / "home"))
        env.delenv("KUBECONFIG", raising=False)
        env.delenv("KUBECTL_DATAMODEL_DB", raising=False)
        assert cli.run(["report", "--html", str(out), "--db-path", str(database)]) == 0
    return out


@pytest.fixture(scope="module")
def page(demo_report, chromium) -> browser.Element:
    """The DOM headless Chromium built from the demo report."""
    return browser.parse(browser.dump_dom(chromium, demo_report))


# -- in the browser ------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_overview_shows_the_latest_snapshots_counts_and_cluster(page):
    counts = {
        k: page.by_id(f"count-{k}").find_all(cls="value")[0].text
        for k in ("crds", "operators", "csvs")
    }
    assert counts == {"crds": "61", "operators": "14", "csvs": "3"}
    info = page.by_id("cluster-info")
    names, values = info.find_all("dt"), info.find_all("dd")
    fields = {name.text: value.text for name, value in zip(names, values, strict=True)}
    assert (fields["context"], fields["snapshot"], fields["notes"]) == (
        "demo",
        "2",
        "after upgrade",
    )
    groups = page.find_all("table", data_table="crd_groups")[0]
    rows = [[td.text for td in tr.find_all("td")] for tr in groups.find_all("tr")]
    assert ["cert-manager.io", "4", "4"] in rows


@pytest.mark.browser
def test_the_findings_are_the_analysis_of_the_latest_snapshot(page, stored_v1_v2):
    with store.open_store(stored_v1_v2) as db:
        views = [analysis.analyze(db, v, 2, "demo") for v in html_report.FINDING_VIEWS]
    found = [f for view in views for f in view.findings]
    expected = {(f.level.label, f.view, f.rule, f.subject, f.message) for f in found}
    rows = page.by_id("findings-table").find_all("tr", cls="finding")
    shown = {tuple(td.text for td in row.find_all("td")) for row in rows}
    assert expected and shown == expected
    assert len(rows) == len(expected)
    top = max(analysis.Level.parse(finding[0]) for finding in expected)
    assert rows[0].find_all("span", cls="level")[0].text == top.label  # most urgent first
    tables = [d.find_all("summary")[0].text for d in page.find_all("details", cls="finding-table")]
    assert tables == [t.title for v in views for t in v.tables]  # the tables behind them, folded


@pytest.mark.browser
def test_each_count_chart_has_one_point_per_snapshot(page, stored_v1_v2):
    with store.open_store(stored_v1_v2) as db:
        stamps = [s.timestamp for s in reversed(db.list_snapshots())]
    svgs = page.by_id("count-charts").find_all("svg", cls="line-chart")
    assert [svg.find_all("title")[0].text for svg in svgs] == [
        "CRDs per snapshot", "Operators per snapshot", "CSVs per snapshot",
    ]  # fmt: skip
    values = [[p.attrs["data-value"] for p in svg.find_all("circle", cls="point")] for svg in svgs]
    assert values == [["60", "61"], ["14", "14"], ["3", "3"]]
    for svg in svgs:
        ticks = [t.text for t in svg.find_all("text", cls="x-tick")]
        assert ticks == [f"#{i}{stamp.replace('T', '')}" for i, stamp in enumerate(stamps, 1)]
        assert {t.text for t in svg.find_all("text", cls="axis-label")} >= {"snapshot taken (UTC)"}
        assert svg.find_all("text", cls="y-tick")[0].text == "0"
        assert len(svg.find_all("polyline")) == 1


@pytest.mark.browser
def test_the_timeline_has_a_row_per_operator_and_a_bar_per_version(page):
    timeline = page.by_id("version-timeline").find_all("svg", cls="timeline")[0]
    rows = {row.attrs["data-label"]: row for row in timeline.find_all("g", cls="row")}
    assert len(rows) == 14
    bars = [b.attrs["data-label"] for b in rows["cert-manager/cert-manager"].find_all(cls="bar")]
    assert bars == ["v1.12.2", "v1.16.1"]
    text = timeline.text
    assert "cert-manager/cert-manager" in text
    assert "v1.12.2" in text and "v1.16.1" in text
    assert "strimzi-cluster-operator" in text and "0.45.0" in text and "1.0.0" in text


@pytest.mark.browser
def test_the_drift_is_what_diff_reports_between_snapshots_1_and_2(page, run, stored_v1_v2):
    result = run("diff", "1", "2", "-o", "json", "--db-path", stored_v1_v2)
    expected = json.loads(result.stdout)
    summary = page.by_id("drift-summary").text
    assert summary.endswith("between snapshot 1 (demo, {}) and snapshot 2 (demo, {})".format(
        expected["old"]["timestamp"], expected["new"]["timestamp"]))  # fmt: skip
    components = page.by_id("drift-components").find_all("tr")[1:]
    assert [row.find_all("td")[0].text for row in components] == [
        c["name"]
        + {"olm": " (OLM)", "helm": " (Helm)", "api-group": " (API group)"}.get(c["source"], "")
        for c in expected["components"]
    ]
    breaking = [
        [td.text for td in row.find_all("td")]
        for row in page.by_id("drift-breaking").find_all("tr")[1:]
    ]
    counted = sum(
        int(m.group(1)) if (m := re.match(r"(?:.* )?(\d+) places: ", r[4])) else 1 for r in breaking
    )
    assert counted == expected["summary"]["breaking"] == 54
    removed = [
        "unknown",
        "strimzi-cluster-operator",
        "kafkamirrormakers.kafka.strimzi.io",
        "crd.removed",
    ]
    assert any(row[:4] == removed for row in breaking)
    why = [li.text for li in page.by_id("drift-why").find_all("li")]
    assert "crd.removed: " + catalog.why("crd.removed") in why
    groups = page.find_all("details", cls="drift-group")
    assert [(g.attrs["data-severity"], "open" in g.attrs) for g in groups] == [
        ("warning", False), ("info", False),
    ]  # fmt: skip
    for group, severity in zip(groups, ("warning", "info"), strict=True):
        counts = [int(row.find_all("td")[2].text) for row in group.find_all("tr")[1:]]
        assert sum(counts) == expected["summary"][severity]


@pytest.mark.browser
def test_cluster_text_is_shown_as_text_never_run(run, tmp_path, chromium):
    database, out = tmp_path / "evil.db", tmp_path / "evil.html"
    for number, value in enumerate((EVIL_VALUE, EVIL_VALUE + "2"), 1):
        folder = tmp_path / f"v{number}"
        folder.mkdir()
        (folder / "crd.yaml").write_text(EVIL_CRD.format(key=EVIL, value=value))
        assert run("snapshot", "--from-dir", folder, "--context", EVIL_VALUE, "--notes", EVIL,
                   "--db-path", database).exit_code == 0  # fmt: skip
    assert run("report", "--html", out, "--db-path", database).exit_code == 0
    for document in (out.read_text(), browser.dump_dom(chromium, out)):
        root = browser.parse(document)
        assert root.find_all("script") == [] and root.find_all("img") == []
        handlers = [(e.tag, a) for e in root.iter() for a in e.attrs if a.startswith("on")]
        assert handlers == []
        assert root.by_id("context").text == EVIL_VALUE
        assert root.find_all("title")[0].text.startswith(EVIL_VALUE)
        assert any(
            f".metadata.labels[{EVIL}]" in td.text for td in root.find_all("td")
        )  # where the drift is, with the label key from the cluster


@pytest.mark.browser
def test_the_browser_is_really_offline(chromium, tmp_path):
    """The harness's claim, checked: a page that asks a loopback server for an image (and has
    no CSP to stop it) gets no connection through."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        page = tmp_path / "online.html"
        page.write_text(
            f'<!DOCTYPE html><html><body><img src="http://127.0.0.1:{port}/x.png">'
            '<link rel="stylesheet" href="http://example.com/s.css"></body></html>'
        )
        assert "x.png" in browser.dump_dom(chromium, page)
        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing connected


# -- the file as written -----------------------------------------------------------------------


def test_the_file_references_nothing_on_the_network(demo_report):
    text = demo_report.read_text()
    root = browser.parse(text)
    references = [
        (e.tag, name, value)
        for e in root.iter()
        for name, value in e.attrs.items()
        if name in REFERENCE_ATTRIBUTES or name == "srcset"
    ]
    assert [r for r in references if not r[2].startswith("#")] == []  # in-page links only
    assert root.find_all("script") == [] and root.find_all("link") == []
    assert root.find_all("iframe") == [] and root.find_all("img") == []
    for style in root.find_all("style"):
        assert "url(" not in style.text and "@import" not in style.text
    policy = root.find_all("meta", http_equiv="Content-Security-Policy")[0].attrs["content"]
    assert policy.startswith("default-src 'none';")
    assert "script-src" not in policy
    xmlns = {e.attrs["xmlns"] for e in root.find_all("svg")}
    assert xmlns == {"http://www.w3.org/2000/svg"}  # a namespace name, never fetched


def test_the_file_is_replaced_whole_with_exports_mode(written, run, stored_v1_v2):
    first = written.read_bytes()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # the owner's alone, like exports
    written.write_text("old")
    assert run("report", "--html", written, "--db-path", stored_v1_v2).exit_code == 0
    assert written.read_bytes() == first  # the same database gives the same bytes
    assert [p.name for p in written.parent.iterdir()] == [written.name]  # no temporary left


def test_one_snapshot_says_there_is_no_drift(run, db_path, tmp_path, captured_v1):
    with store.open_store(db_path, create=True) as db:
        db.write_snapshot(dataclasses.replace(captured_v1, cluster_context="solo"))
    out = tmp_path / "solo.html"
    result = run("report", "--html", out, "--db-path", db_path)
    line = f"report of context solo (latest snapshot 1, 1 snapshot) written to {out}\n"
    assert result.stderr == line
    root = browser.parse(out.read_text())
    assert root.by_id("drift-summary").text == (
        "There is only one snapshot of solo, so there is no drift to show yet."
    )
    assert root.find_all("tr", cls="change") == []
    points = root.by_id("count-charts").find_all("circle", cls="point")
    assert [p.attrs["data-value"] for p in points] == ["60", "14", "3"]


def test_cluster_context_picks_the_context(run, stored_v1_v2, tmp_path, captured_v2):
    with store.open_store(stored_v1_v2) as db:
        db.write_snapshot(dataclasses.replace(captured_v2, cluster_context="prod"))
    out = tmp_path / "demo.html"
    result = run("report", "--html", out, "--cluster-context", "demo", "--db-path", stored_v1_v2)
    assert result.stderr == ONE_LINE.format(out)
    assert browser.parse(out.read_text()).by_id("context").text == "demo"
    result = run("report", "--html", out, "--db-path", stored_v1_v2)  # newest: prod's
    assert "report of context prod (latest snapshot 3, 1 snapshot)" in result.stderr


def test_several_contexts_add_the_fleet_section(run, stored_v1_v2, tmp_path, captured_v1):
    """The fleet view of `analyze fleet`, as it reads: demo runs cluster-v2's releases, prod
    cluster-v1's; a database of one context has no such section."""
    out = tmp_path / "demo.html"
    run("report", "--html", out, "--db-path", stored_v1_v2)
    assert browser.parse(out.read_text()).find_all(id="fleet") == []
    with store.open_store(stored_v1_v2) as db:
        db.write_snapshot(dataclasses.replace(captured_v1, cluster_context="prod"))
    run("report", "--html", out, "--cluster-context", "demo", "--db-path", stored_v1_v2)
    [section] = browser.parse(out.read_text()).find_all(id="fleet")
    tables = {t.attrs["data-table"]: t for t in section.find_all(tag="table", cls="data")}
    assert set(tables) == {"components", "crd-version-skew"}
    rows = [
        [td.text for td in tr.find_all(tag="td")] for tr in tables["components"].find_all(tag="tr")
    ]
    assert ["strimzi-cluster-operator", "operator", "1.0.0", "0.45.0"] in rows


def test_the_report_never_loads_the_kubernetes_client(stored_v1_v2, tmp_path):
    code = (
        "import sys, json; from kubectl_datamodel import cli; "
        f"code = cli.run(['report', '--html', {str(tmp_path / 'r.html')!r}, "
        f"'--db-path', {str(stored_v1_v2)!r}]); "
        "print(json.dumps([code, 'kubernetes' in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.splitlines()[-1]) == [0, False]


# -- bad input: one error line, nothing written, the database untouched ---------------------------


def test_a_missing_folder_is_named(run, stored_v1_v2, tmp_path):
    before = digest(stored_v1_v2)
    out = tmp_path / "nowhere" / "report.html"
    result = run("report", "--html", out, "--db-path", stored_v1_v2)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: --html {out}: the folder {out.parent} does not exist\n"
    assert not out.parent.exists()
    assert digest(stored_v1_v2) == before


def test_a_missing_database_is_named_and_not_created(run, tmp_path):
    database, out = tmp_path / "none.db", tmp_path / "report.html"
    result = run("report", "--html", out, "--db-path", database)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no database at {database} ")
    assert result.stderr.count("\n") == 1
    assert not database.exists() and not out.exists()


def test_an_unknown_context_names_the_known_ones(run, stored_v1_v2, tmp_path):
    before = digest(stored_v1_v2)
    out = tmp_path / "report.html"
    result = run("report", "--html", out, "--cluster-context", "prod", "--db-path", stored_v1_v2)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no snapshots of cluster context 'prod' in {stored_v1_v2}; it holds 'demo'\n"
    )
    assert not out.exists() and digest(stored_v1_v2) == before


def test_an_empty_database_says_to_take_a_snapshot(run, db_path, tmp_path):
    store.open_store(db_path, create=True).close()
    before = digest(db_path)
    out = tmp_path / "report.html"
    for extra in ((), ("--cluster-context", "demo")):
        result = run("report", "--html", out, *extra, "--db-path", db_path)
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: the database {db_path} holds no snapshots; take one with "
            "`kubectl datamodel snapshot` first\n"
        )
    assert not out.exists() and digest(db_path) == before


@pytest.mark.parametrize("target", ["folder", "database"])
def test_the_target_cannot_be_a_folder_or_the_database(run, stored_v1_v2, tmp_path, target):
    before = digest(stored_v1_v2)
    out = tmp_path if target == "folder" else stored_v1_v2
    result = run("report", "--html", out, "--db-path", stored_v1_v2)
    reason = "is a directory" if target == "folder" else "that is the database; name another file"
    assert (result.exit_code, result.stderr) == (1, f"error: --html {out}: {reason}\n")
    assert digest(stored_v1_v2) == before


def test_html_is_required(run, stored_v1_v2):
    result = run("report", "--db-path", stored_v1_v2)
    assert result.exit_code == 2
    assert result.stderr == "error: --html is required; see 'kubectl datamodel report -h'\n"


# -- the charts module ------------------------------------------------------------------------


def test_a_line_chart_is_svg_with_a_point_per_known_value_and_breaks_at_gaps():
    svg = charts.line_chart("Counts", ["a", "b", "c", "d"], [
        charts.Series("crds", (1, 5, None, 7)), charts.Series("csvs", (0, 0, 0, 0)),
    ])  # fmt: skip
    root = svg_tree(svg)
    points = root.findall(f".//{SVG}circle")
    assert [p.get("data-value") for p in points] == ["1", "5", "7", "0", "0", "0", "0"]
    assert len(root.findall(f".//{SVG}polyline")) == 2  # crds: a-b only; csvs: a-d
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "y-tick"] == [
        "0", "2", "4", "6", "8",
    ]  # fmt: skip
    assert {e.get("data-series") for e in root.iter(f"{SVG}g")} == {"crds", "csvs"}


def test_a_single_snapshot_is_one_point_in_the_middle():
    root = svg_tree(charts.line_chart("One", ["only"], [charts.Series("n", (3,))], width=300))
    (point,) = root.findall(f".//{SVG}circle")
    assert float(point.get("cx")) == pytest.approx(56 + (300 - 56 - 36) / 2)


def test_too_many_labels_are_thinned_but_the_last_is_kept():
    labels = [f"snapshot-{i:03}" for i in range(100)]
    root = svg_tree(charts.line_chart("Many", labels, [charts.Series("n", tuple(range(100)))]))
    shown = ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == "x-tick"]
    assert 1 < len(shown) < 10
    assert shown[0] == "snapshot-000" and shown[-1] == "snapshot-099"
    assert len(root.findall(f".//{SVG}circle")) == 100


def test_labels_are_escaped_and_stripped_of_control_characters():
    hostile = '<script>alert("x")</script>&\u202e\x07'
    line = charts.line_chart(hostile, [hostile], [charts.Series(hostile, (1,))])
    row = charts.Row(hostile, (charts.Bar(hostile, 0, 0, hostile),))
    for svg in (line, charts.timeline(hostile, [hostile], [row])):
        assert "<script>" not in svg and "\u202e" not in svg and "\x07" not in svg
        root = svg_tree(svg)  # well-formed, so nothing broke out of its element
        assert root.find(f"{SVG}title").text == '<script>alert("x")</script>&\\u202e\\x07'
        assert not any(e.tag.endswith("script") for e in root.iter())


def test_a_timeline_bar_spans_its_snapshots_and_its_label_is_cut_to_fit():
    rows = [
        charts.Row("ns/op", (charts.Bar("v1.0.0", 0, 1), charts.Bar(LONG_VERSION, 2, 2))),
        charts.Row("other", (charts.Bar("v9", 1, 2),)),
    ]
    root = svg_tree(charts.timeline("Versions", ["1", "2", "3"], rows, width=400))
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    widths = [float(g.find(f"{SVG}rect").get("width")) for g in bars]
    assert widths[0] == pytest.approx(2 * widths[1] + 2, abs=0.2)  # two columns, less gaps
    labels = [g.find(f"{SVG}text").text for g in bars]
    assert labels[0] == "v1.0.0" and labels[1].endswith("…") and labels[2] == "v9"
    assert bars[1].find(f"{SVG}rect/{SVG}title").text == LONG_VERSION


@pytest.mark.parametrize(
    ("top", "ticks"),
    [(0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (61, [0, 20, 40, 60, 80]),
     (14, [0, 5, 10, 15]), (1873, [0, 500, 1000, 1500, 2000])],
)  # fmt: skip
def test_y_ticks_are_round_numbers_from_zero(top, ticks):
    assert charts.nice_ticks(top) == ticks


def test_the_command_is_registered_with_help_and_an_example():
    assert cli.run(["report", "--help"]) == 0

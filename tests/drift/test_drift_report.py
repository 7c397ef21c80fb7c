"""Drift reports as users see them: the JSON contract, tables, the summary line, and the
pull-request comment (escaped, and never longer than GitHub allows)."""

from __future__ import annotations

import io
import json
import re

import pytest

from kubectl_datamodel import model
from kubectl_datamodel.drift import changes
from kubectl_datamodel.render import drift as drift_report
from kubectl_datamodel.render import output, text

BREAKING = changes.Severity.BREAKING
WARNING = changes.Severity.WARNING
INFO = changes.Severity.INFO
HINT = "run `kubectl datamodel diff 1 2 -o json`"

OLD = changes.Side("1", "snapshot", "demo", "2026-03-01T10:00:00Z", snapshot_id=1)
NEW = changes.Side("2", "snapshot", "demo", "2026-03-08T10:00:00Z", snapshot_id=2)
SIDES = "snapshot 1 (demo, 2026-03-01T10:00:00Z) and snapshot 2 (demo, 2026-03-08T10:00:00Z)"

VERSION_REMOVED = changes.Change(
    kind="CRD",
    name="httproutes.gateway.networking.k8s.io",
    rule="crd.version.removed",
    severity=BREAKING,
    action=changes.Action.REMOVED,
    message="served version v1alpha2 was removed",
    path="versions[v1alpha2]",
    old={"served": True, "storage": False},
)
PROPERTY_REMOVED = changes.Change(
    kind="CRD",
    name="certificates.cert-manager.io",
    rule="schema.property.removed",
    severity=BREAKING,
    action=changes.Action.REMOVED,
    message="property .spec.keystores.pkcs12.password was removed",
    version="v1",
    path=".spec.keystores.pkcs12.password",
    old={"type": "string"},
)
STORAGE_FLIP = changes.Change(
    kind="CRD",
    name="httproutes.gateway.networking.k8s.io",
    rule="crd.version.storage-changed",
    severity=WARNING,
    action=changes.Action.CHANGED,
    message="the storage version moved from v1beta1 to v1",
    path="versions[v1].storage",
    old=False,
    new=True,
)
IMAGE = changes.Change(
    kind="Operator",
    namespace="cert-manager",
    name="cert-manager",
    rule="operator.image.changed",
    severity=INFO,
    action=changes.Action.CHANGED,
    message="the image changed",
    path=".images",
    old=["quay.io/jetstack/cert-manager-controller:v1.12.2"],
    new=["quay.io/jetstack/cert-manager-controller:v1.16.1"],
)
UPGRADE = changes.Change(
    kind="CSV",
    namespace="operators",
    name="cert-manager",
    rule="csv.version.changed",
    severity=INFO,
    action=changes.Action.CHANGED,
    message="cert-manager was upgraded from 1.12.2 to 1.16.1",
    path=".spec.version",
    old="1.12.2",
    new="1.16.1",
)
# In the producer's order: kind, severity (breaking first), then name.
ALL = (PROPERTY_REMOVED, VERSION_REMOVED, STORAGE_FLIP, IMAGE, UPGRADE)


def drift(*found: changes.Change, ignored: int = 0, notes: tuple[str, ...] = ()):
    return changes.DriftReport(OLD, NEW, tuple(found), ignored=ignored, notes=notes)


def crd_change(index: int, severity: changes.Severity) -> changes.Change:
    return changes.Change(
        kind="CRD",
        name=f"widgets{index:05d}.example.com",
        rule="schema.property.removed",
        severity=severity,
        action=changes.Action.REMOVED,
        message="a property was removed",
        version="v1",
        path=f".spec.template.spec.containers[].field{index}",
        old={"type": "string", "description": "x" * 80},
    )


# -- the JSON document -------------------------------------------------------------------------


def test_document_keys_are_the_contract():
    document = drift_report.document(drift(*ALL, ignored=4, notes=("n",)), fail_on=BREAKING)
    assert list(document) == [
        "apiVersion",
        "kind",
        "schema_version",
        "old",
        "new",
        "summary",
        "changes",
        "notes",
    ]
    assert document["apiVersion"] == "kubectl-datamodel/v1"
    assert document["kind"] == "DriftReport"
    assert document["schema_version"] == 1
    assert list(document["old"]) == [
        "ref",
        "source",
        "snapshot_id",
        "cluster_context",
        "timestamp",
        "location",
    ]
    assert list(document["summary"]) == [
        "drift",
        "total",
        "breaking",
        "warning",
        "info",
        "ignored",
        "by_kind",
        "fail_on",
        "failed",
    ]
    assert list(document["changes"][0]) == [
        "kind",
        "namespace",
        "name",
        "action",
        "severity",
        "rule",
        "version",
        "path",
        "old",
        "new",
        "message",
    ]
    assert document["notes"] == ["n"]


def test_document_summary_counts_every_kind_and_keeps_the_producers_order():
    document = drift_report.document(drift(*ALL, ignored=4), fail_on=BREAKING)
    assert document["summary"] == {
        "drift": True,
        "total": 5,
        "breaking": 2,
        "warning": 1,
        "info": 2,
        "ignored": 4,
        "by_kind": {
            "CRD": {"breaking": 2, "warning": 1, "info": 0},
            "Operator": {"breaking": 0, "warning": 0, "info": 1},
            "CSV": {"breaking": 0, "warning": 0, "info": 1},
        },
        "fail_on": "breaking",
        "failed": True,
    }
    assert [c["rule"] for c in document["changes"]] == [c.rule for c in ALL]
    assert document["changes"][3] == {
        "kind": "Operator",
        "namespace": "cert-manager",
        "name": "cert-manager",
        "action": "changed",
        "severity": "info",
        "rule": "operator.image.changed",
        "version": None,
        "path": ".images",
        "old": ["quay.io/jetstack/cert-manager-controller:v1.12.2"],
        "new": ["quay.io/jetstack/cert-manager-controller:v1.16.1"],
        "message": "the image changed",
    }


def test_document_without_drift():
    document = drift_report.document(drift(), fail_on=None)
    zeros = {"breaking": 0, "warning": 0, "info": 0}
    assert document["summary"] == {
        "drift": False,
        "total": 0,
        "breaking": 0,
        "warning": 0,
        "info": 0,
        "ignored": 0,
        "by_kind": {"CRD": zeros, "Operator": zeros, "CSV": zeros},
        "fail_on": "none",
        "failed": False,
    }
    assert document["changes"] == [] and document["notes"] == []


@pytest.mark.parametrize(
    ("fail_on", "label", "failed"),
    [
        (None, "none", False),
        (INFO, "info", True),
        (WARNING, "warning", True),
        (BREAKING, "breaking", False),
    ],
)
def test_failed_means_a_change_at_or_above_fail_on(fail_on, label, failed):
    summary = drift_report.document(drift(STORAGE_FLIP, IMAGE), fail_on=fail_on)["summary"]
    assert (summary["fail_on"], summary["failed"]) == (label, failed)


def test_nothing_fails_without_drift():
    assert drift_report.document(drift(), fail_on=INFO)["summary"]["failed"] is False


def test_a_kind_outside_the_known_three_is_counted_after_them():
    other = changes.Change("Webhook", "w", "webhook.removed", INFO, changes.Action.REMOVED, "m")
    by_kind = drift_report.document(drift(other), fail_on=None)["summary"]["by_kind"]
    assert list(by_kind) == ["CRD", "Operator", "CSV", "Webhook"]


def test_document_prints_as_json_and_yaml():
    document = drift_report.document(drift(*ALL), fail_on=WARNING)
    stream = io.StringIO()
    output.write_document(document, output.Format.JSON, stream)
    assert json.loads(stream.getvalue()) == document
    stream = io.StringIO()
    output.write_document(document, output.Format.YAML, stream)
    assert stream.getvalue().startswith("apiVersion: kubectl-datamodel/v1\nkind: DriftReport\n")


# -- tables and the summary line ---------------------------------------------------------------


def test_tables_group_by_kind_with_breaking_rows_first():
    tables = drift_report.tables(
        drift(STORAGE_FLIP, UPGRADE, IMAGE, VERSION_REMOVED, PROPERTY_REMOVED)
    )
    assert [t.title for t in tables] == ["CRDs", "Operators", "ClusterServiceVersions"]
    assert tables[0].columns == ("SEVERITY", "NAME", "CHANGE", "WHERE", "OLD → NEW")
    assert [list(row) for row in tables[0].rows] == [
        [
            "breaking",
            "certificates.cert-manager.io",
            "schema.property.removed",
            "v1 .spec.keystores.pkcs12.password",
            '{"type":"string"} → -',
        ],
        [
            "breaking",
            "httproutes.gateway.networking.k8s.io",
            "crd.version.removed",
            "versions[v1alpha2]",
            '{"served":true,"storage":false} → -',
        ],
        [
            "warning",
            "httproutes.gateway.networking.k8s.io",
            "crd.version.storage-changed",
            "versions[v1].storage",
            "false → true",
        ],
    ]
    assert [list(row) for row in tables[1].rows] == [
        [
            "info",
            "cert-manager/cert-manager",
            "operator.image.changed",
            ".images",
            "quay.io/jetstack/cert-manager-controller:v1.12.2"
            " → quay.io/jetstack/cert-manager-controller:v1.16.1",
        ]
    ]
    assert [list(row) for row in tables[2].rows] == [
        [
            "info",
            "operators/cert-manager",
            "csv.version.changed",
            ".spec.version",
            "1.12.2 → 1.16.1",
        ]
    ]


def test_tables_leave_out_kinds_without_changes_and_keep_producer_order_for_one_name():
    first = STORAGE_FLIP
    second = changes.Change(
        "CRD", STORAGE_FLIP.name, "crd.version.served-changed", WARNING, changes.Action.CHANGED, "m"
    )
    tables = drift_report.tables(drift(first, second))
    assert [t.title for t in tables] == ["CRDs"]
    assert [row[2] for row in tables[0].rows] == [first.rule, second.rule]
    assert tables[0].rows[1][3:] == ("-", "- → -")
    assert drift_report.tables(drift()) == []


def test_tables_print_through_the_shared_writer():
    stream = io.StringIO()
    output.write_tables(drift_report.tables(drift(UPGRADE)), stream, color=False)
    assert stream.getvalue().splitlines() == [
        "SEVERITY   NAME                     CHANGE                WHERE           OLD → NEW",
        "info       operators/cert-manager   csv.version.changed   .spec.version   1.12.2 → 1.16.1",
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "-"),
        ("", '""'),
        ("v1", "v1"),
        (True, "true"),
        (3, "3"),
        ([], "[]"),
        (["v1", "v1beta1"], "v1,v1beta1"),
        ([{"name": "v1"}], '[{"name":"v1"}]'),
        ({"type": "string", "format": "date-time"}, '{"type":"string","format":"date-time"}'),
        ("a\nb\tc\x1b[31m", "a\\nb\\tc\\x1b[31m"),  # shown, never obeyed
        ("x" * 100, "x" * 59 + "…"),
        ({"description": "y" * 100}, '{"description":"' + "y" * 43 + "…"),
    ],
)
def test_values_are_shown_compactly(value, shown):
    assert text.compact(value, drift_report.VALUE_WIDTH) == shown
    assert len(shown) <= 60


def test_summary_line():
    assert drift_report.summary_line(drift(*ALL)) == (
        f"2 breaking, 1 warning, 2 info: 5 changes between {SIDES}"
    )


def test_summary_line_with_ignored_changes_and_plurals():
    assert drift_report.summary_line(drift(STORAGE_FLIP, ignored=4)) == (
        f"0 breaking, 1 warning, 0 info: 1 change (4 ignored) between {SIDES}"
    )
    found = [crd_change(i, WARNING) for i in range(1234)]
    assert drift_report.summary_line(drift(*found)).startswith(
        "0 breaking, 1,234 warnings, 0 info: 1,234 changes between"
    )


def test_summary_line_without_drift():
    assert drift_report.summary_line(drift()) == f"no drift between {SIDES}"
    assert drift_report.summary_line(drift(ignored=4)) == f"no drift (4 ignored) between {SIDES}"
    assert drift_report.summary_line(drift(notes=("CRDs not compared: ...",))) == (
        f"no drift between {SIDES}, in what could be compared (see the notes)"
    )
    live = changes.Side("cluster", "cluster", "prod", location="https://10.0.0.1:6443")
    assert drift_report.summary_line(changes.DriftReport(OLD, live, ())) == (
        "no drift between snapshot 1 (demo, 2026-03-01T10:00:00Z)"
        " and cluster https://10.0.0.1:6443 (prod)"
    )


# -- the pull-request comment ------------------------------------------------------------------

SMALL_COMMENT = """\
### kubectl-datamodel drift

1 breaking, 0 warnings, 1 info: 2 changes between \
snapshot 1 \\(demo, 2026\\-03\\-01T10\\:00\\:00Z\\) and \
snapshot 2 \\(demo, 2026\\-03\\-08T10\\:00\\:00Z\\)

| kind | 🔴 breaking | 🟠 warning | 🔵 info |
| --- | ---: | ---: | ---: |
| CRDs | 1 | 0 | 0 |
| Operators | 0 | 0 | 0 |
| ClusterServiceVersions | 0 | 0 | 1 |
| **total** | **1** | **0** | **1** |

<details open>
<summary>🔴 CRDs: 1 breaking</summary>

| name | change | where | old → new |
| --- | --- | --- | --- |
| httproutes\\.gateway\\.networking\\.k8s\\.io | `crd.version.removed` | versions\\[v1alpha2\\] \
| \\{&quot;served&quot;\\:true,&quot;storage&quot;\\:false\\} → \\- |

</details>

<details>
<summary>🔵 ClusterServiceVersions: 1 info</summary>

| name | change | where | old → new |
| --- | --- | --- | --- |
| operators/cert\\-manager | `csv.version.changed` | \\.spec\\.version | 1\\.12\\.2 → 1\\.16\\.1 |

</details>
"""


def test_markdown_comment():
    assert drift_report.markdown(drift(VERSION_REMOVED, UPGRADE), full_report_hint=HINT) == (
        SMALL_COMMENT
    )


def test_markdown_puts_the_summary_table_first_and_breaking_sections_open():
    text = drift_report.markdown(
        drift(UPGRADE, IMAGE, STORAGE_FLIP, *ALL[:2]), full_report_hint=HINT
    )
    assert text.index("| **total** | **2** | **1** | **2** |") < text.index("<details")
    summaries = re.findall(r"<details( open)?>\n<summary>(.*)</summary>\n\n\| name", text)
    assert summaries == [
        (" open", "🔴 CRDs: 2 breaking"),
        ("", "🟠 CRDs: 1 warning"),
        ("", "🔵 Operators: 1 info"),
        ("", "🔵 ClusterServiceVersions: 1 info"),
    ]
    assert text.count("<details") == text.count("</details>") == 4


def test_markdown_without_drift():
    text = drift_report.markdown(drift(ignored=2), full_report_hint=HINT)
    assert text == (
        "### kubectl-datamodel drift\n\n"
        "No drift (2 ignored) between snapshot 1 \\(demo, 2026\\-03\\-01T10\\:00\\:00Z\\) "
        "and snapshot 2 \\(demo, 2026\\-03\\-08T10\\:00\\:00Z\\)\n"
    )


def test_markdown_lists_notes_but_not_too_many():
    notes = tuple(f"could not compare crd{i}.example.com: no spec" for i in range(12))
    text = drift_report.markdown(drift(UPGRADE, notes=notes), full_report_hint=HINT)
    assert "- could not compare crd0\\.example\\.com\\: no spec\n" in text
    assert "crd10" not in text
    assert f"- …and 2 more notes. Full report: {HINT}\n" in text


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[click](https://evil)",
    "@octocat",
    "#1",
    "| col |",
    "**bold**",
    "line\nbreak",
    "</details>",
    "<!-- x -->",
    "`code` ~~strike~~ $x$ :smile: \\",
]


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<img src=x onerror=alert(1)>", "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;"),
        ("[click](https://evil)", "\\[click\\]\\(https\\://evil\\)"),
        ("@octocat", "&#64;&#8203;octocat"),
        ("#1", "&#35;&#8203;1"),
        ("| col |", "\\| col \\|"),
        ("**bold**", "\\*\\*bold\\*\\*"),
        ("a\nb\r\tc\u202ed", "a\\\\nb\\\\r\\\\tc\\\\u202ed"),  # renders as a\nb\r\tc\u202ed
        ("</details>", "&lt;/details&gt;"),
        ("<!-- x -->", "&lt;\\!\\-\\- x \\-\\-&gt;"),
        ("a&b \"q\" 'q'", "a&amp;b &quot;q&quot; &#39;q&#39;"),
        ("`~_{}+=$\\", "\\`\\~\\_\\{\\}\\+\\=\\$\\\\"),
        ("z" * 300, "z" * 199 + "…"),
    ],
)
def test_escape(raw, escaped):
    assert text.markdown(raw) == escaped


def hostile_report() -> changes.DriftReport:
    found = [
        changes.Change(
            kind=kind,
            namespace=value if kind != "CRD" else None,
            name=value,
            rule="schema.property.removed",
            severity=severity,
            action=changes.Action.CHANGED,
            message=value,
            version=value,
            path=value,
            old=value,
            new={"x": value},
        )
        for value in HOSTILE
        for kind in model.CHANGE_KINDS[:3]
        for severity in (BREAKING, INFO)
    ]
    side = changes.Side("x", "cluster", HOSTILE[0], location=HOSTILE[1])
    return changes.DriftReport(side, side, tuple(found), notes=tuple(HOSTILE))


def test_markdown_cannot_be_injected_from_the_cluster():
    text = drift_report.markdown(hostile_report(), full_report_hint=HINT)
    for dangerous in ("<img", "](", "@octocat", "#1", "**bold", "<!--", "$x$", ":smile:", "~~"):
        assert dangerous not in text
    assert "&lt;img" in text and "&#64;&#8203;octocat" in text
    # Only our own HTML: six sections (3 kinds x 2 severities), each opened and closed once.
    assert text.count("</details>") == text.count("<details") == 6
    assert text.count("<summary>") == text.count("</summary>") == 6
    # Every table row is one line with exactly its own unescaped pipes.
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 4 + 6 * (1 + len(HOSTILE))  # totals table, then the sections
    for row in rows:
        assert row.endswith(" |")
        pipes = len(re.findall(r"(?<!\\)\|", row))
        assert pipes == 5, row


def test_the_hint_is_ours_and_not_escaped():
    found = [crd_change(i, WARNING) for i in range(100)]
    text = drift_report.markdown(drift(*found), limit=5_000, full_report_hint=HINT)
    assert text.endswith(f"Full report: {HINT}\n")


def test_a_long_report_is_cut_to_the_limit_with_breaking_changes_kept():
    found = [crd_change(i, severity) for i in range(5000) for severity in (WARNING,)]
    found[4000:4012] = [crd_change(90000 + i, BREAKING) for i in range(12)]
    text = drift_report.markdown(drift(*found), full_report_hint=HINT)
    assert len(text) <= drift_report.MARKDOWN_LIMIT
    shown = len(re.findall(r"^\| widgets", text, flags=re.MULTILINE))
    assert shown < 5000
    assert text.endswith(
        f"…and {5000 - shown:,} more changes ({5000 - shown:,} warnings) not shown: the comment"
        f" is limited to 65,536 characters. Full report: {HINT}\n"
    )
    assert "| **total** | **12** | **4,988** | **0** |" in text  # full totals
    assert "<summary>🔴 CRDs: 12 breaking</summary>" in text
    assert f"<summary>🟠 CRDs: 4,988 warnings (first {shown - 12:,} shown)</summary>" in text
    assert text.index("widgets90011") < text.index("widgets00000")
    assert text.count("<details") == text.count("</details>") == 2


def test_a_cut_inside_the_breaking_changes_counts_what_is_missing():
    found = [crd_change(i, BREAKING) for i in range(300)] + [crd_change(i, INFO) for i in range(40)]
    text = drift_report.markdown(
        drift(*found), limit=20_000, full_report_hint="artifact drift.json"
    )
    assert len(text) <= 20_000
    shown = len(re.findall(r"^\| widgets", text, flags=re.MULTILINE))
    assert 0 < shown < 300
    assert text.endswith(
        f"…and {340 - shown} more changes ({300 - shown} breaking, 40 info) not shown: the comment"
        " is limited to 20,000 characters. Full report: artifact drift.json\n"
    )
    assert text.count("<details") == text.count("</details>") == 1


@pytest.mark.parametrize("cut", [0, 1, 2, 37])
def test_the_limit_is_exact(cut):
    found = [crd_change(i, severity) for i in range(30) for severity in (BREAKING, INFO)]
    whole = drift_report.markdown(drift(*found), full_report_hint=HINT)
    text = drift_report.markdown(drift(*found), limit=len(whole) - cut, full_report_hint=HINT)
    assert len(text) <= len(whole) - cut
    assert (text == whole) is (cut == 0)
    assert ("not shown" in text) is (cut > 0)


def test_a_limit_too_small_for_the_summary_is_an_error():
    with pytest.raises(ValueError, match="too small"):
        drift_report.markdown(drift(*ALL), limit=500, full_report_hint=HINT)

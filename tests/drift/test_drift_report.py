"""Drift reports as users see them: the JSON contract, tables, the summary line, and the
pull-request comment (escaped, and never longer than GitHub allows)."""

from __future__ import annotations

import dataclasses
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


CERT_MANAGER = changes.Component(
    "olm:operators/cert-manager", "cert-manager", "olm", "1.12.2", "1.16.1"
)
GATEWAY = changes.Component(
    "group:gateway.networking.k8s.io", "gateway.networking.k8s.io", "api-group"
)
WIDGETS = changes.Component("group:example.com", "example.com", "api-group")


def component_of(change: changes.Change) -> changes.Component:
    """The component drift.components would find for these changes."""
    if "gateway" in change.name:
        return GATEWAY
    return WIDGETS if change.name.startswith("widgets") else CERT_MANAGER


def drift(*found: changes.Change, ignored: int = 0, notes: tuple[str, ...] = ()):
    """A report of ``found``, each change placed in its component as the engine does."""
    placed = tuple(dataclasses.replace(c, component=component_of(c).key) for c in found)
    components = tuple({component_of(c).key: component_of(c) for c in found}.values())
    return changes.DriftReport(OLD, NEW, placed, ignored, notes, components)


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
        "components",
        "rules",
        "scope",
        "unmanaged",
        "counts_from",
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
        "role",
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
        "unmanaged",
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
        "component",
        "impact",
    ]
    assert document["notes"] == ["n"]
    assert list(document["components"][0]) == [
        "key",
        "name",
        "source",
        "status",
        "old_version",
        "new_version",
        "crds_changed",
        "breaking",
        "warning",
        "info",
        "objects_at_risk",
    ]


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
        "unmanaged": 0,
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
        "component": "olm:operators/cert-manager",
        "impact": None,
    }
    assert document["components"][0] == {
        "key": "group:gateway.networking.k8s.io",
        "name": "gateway.networking.k8s.io",
        "source": "api-group",
        "status": "changed",
        "old_version": None,
        "new_version": None,
        "crds_changed": 1,
        "breaking": 1,
        "warning": 1,
        "info": 0,
        "objects_at_risk": 0,
    }
    assert document["rules"]["crd.version.removed"] == "clients of a served version get 404"


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
        "unmanaged": 0,
    }
    assert document["changes"] == [] and document["notes"] == []
    assert document["components"] == [] and document["rules"] == {}


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
        f"2 breaking, 1 warning, 2 info (5 changes) between {SIDES}"
    )


def test_summary_line_with_ignored_changes_and_plurals():
    assert drift_report.summary_line(drift(STORAGE_FLIP, ignored=4)) == (
        f"0 breaking, 1 warning, 0 info (1 change, 4 ignored) between {SIDES}"
    )
    found = [crd_change(i, WARNING) for i in range(1234)]
    assert drift_report.summary_line(drift(*found)).startswith(
        "0 breaking, 1,234 warnings, 0 info (1,234 changes) between"
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

❌ **Fails `--fail-on breaking`.** 1 breaking, 0 warnings, 1 info (2 changes) between \
snapshot 1 \\(demo, 2026\\-03\\-01T10\\:00\\:00Z\\) and \
snapshot 2 \\(demo, 2026\\-03\\-08T10\\:00\\:00Z\\)

| component | version | CRDs changed | 🔴 breaking | 🟠 warning | 🔵 info |
| --- | --- | ---: | ---: | ---: | ---: |
| gateway\\.networking\\.k8s\\.io (API group) | - | 1 | 1 | 0 | 0 |
| cert\\-manager (OLM) | 1\\.12\\.2 → 1\\.16\\.1 | 0 | 0 | 0 | 1 |

#### 🔴 Breaking: 1

| impact | component | name | change | where | old → new |
| --- | --- | --- | --- | --- | --- |
| - | gateway\\.networking\\.k8s\\.io | httproutes\\.gateway\\.networking\\.k8s\\.io \
| `crd.version.removed` | versions\\[v1alpha2\\] \
| \\{&quot;served&quot;\\:true,&quot;storage&quot;\\:false\\} → \\- |

Why these break:

- `crd.version.removed`: clients of a served version get 404

<details>
<summary>🔵 1 info, folded by component and rule</summary>

| component | change | count | in | for example |
| --- | --- | ---: | --- | --- |
| cert\\-manager | `csv.version.changed` | 1 | operators/cert\\-manager | \\.spec\\.version |

</details>
"""


def test_markdown_comment():
    text = drift_report.markdown(
        drift(VERSION_REMOVED, UPGRADE), full_report_hint=HINT, fail_on=BREAKING
    )
    assert text == SMALL_COMMENT


def test_markdown_reads_verdict_components_breaking_then_the_rest_folded():
    text = drift_report.markdown(
        drift(UPGRADE, IMAGE, STORAGE_FLIP, *ALL[:2]), full_report_hint=HINT, fail_on=INFO
    )
    order = ["❌ **Fails `--fail-on info`.**", "| component |", "#### 🔴 Breaking: 2", "Why"]
    order += ["<summary>🟠 1 warning", "<summary>🔵 2 info"]
    assert [text.index(part) for part in order] == sorted(text.index(part) for part in order)
    assert text.count("<details") == text.count("</details>") == 2


def test_markdown_verdict_says_when_it_passes():
    text = drift_report.markdown(drift(IMAGE), full_report_hint=HINT, fail_on=WARNING)
    assert "✅ **Passes `--fail-on warning`.** 0 breaking, 0 warnings, 1 info" in text


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
    assert "- …and 2 more notes in the full report\n" in text


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
    # Only our own HTML: the info changes folded in one <details>.
    assert text.count("</details>") == text.count("<details") == 1
    assert text.count("<summary>") == text.count("</summary>") == 1
    # Every table row is one line, with exactly its own unescaped pipes.
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows, text
    for row in rows:
        assert row.endswith(" |")
        header = next(
            h
            for h in reversed(rows[: rows.index(row) + 1])
            if h.startswith("| co") or h.startswith("| im")
        )
        pipes = len(re.findall(r"(?<!\\)\|", row))
        assert pipes == len(re.findall(r"(?<!\\)\|", header)), row


def widgets(count: int, severity: changes.Severity, start: int = 0) -> list[changes.Change]:
    return [crd_change(start + i, severity) for i in range(count)]


def test_the_hint_is_ours_and_not_escaped():
    found = drift(*widgets(3, BREAKING), *widgets(100, WARNING, 100))
    whole = drift_report.markdown(found, full_report_hint=HINT)
    text = drift_report.markdown(found, limit=len(whole) - 1, full_report_hint=HINT)
    assert f"Full report: {HINT}\n" in text


def test_a_long_report_drops_detail_first_and_keeps_the_verdict_components_and_breaking():
    found = drift(*widgets(12, BREAKING, 9000), *widgets(300, WARNING, 5000), *widgets(3000, INFO))
    whole = drift_report.markdown(found, full_report_hint=HINT)
    assert "<summary>🔵 3,000 info, folded" in whole and "<summary>🟠 300 warnings" in whole
    without_info = drift_report.markdown(found, limit=len(whole) - 1, full_report_hint=HINT)
    assert "<summary>🟠 300 warnings" in without_info and "<summary>🔵" not in without_info
    assert "🔵 3,000 info not shown here" in without_info
    head_only = len(without_info) - without_info.index("\n<details>")
    room = len(without_info) - head_only + 300  # the breaking section, and two lines saying so
    text = drift_report.markdown(found, limit=room, full_report_hint=HINT)
    assert "<details" not in text  # the folded sections went whole, never cut in the middle
    assert "🟠 300 warnings not shown here" in text and "🔵 3,000 info not shown here" in text
    assert "| example\\.com (API group) | - | 3,312 | 12 | 300 | 3,000 |" in text
    assert len(re.findall(r"^\| - \| example\\.com \| widgets09", text, flags=re.MULTILINE)) == 12


def test_breaking_changes_beyond_the_limit_are_counted():
    found = widgets(300, BREAKING) + widgets(40, INFO, 1000)
    text = drift_report.markdown(
        drift(*found), limit=20_000, full_report_hint="artifact drift.json"
    )
    assert len(text) <= 20_000
    shown = len(re.findall(r"^\| - \| example", text, flags=re.MULTILINE))
    assert 0 < shown < 300
    assert text.endswith(
        f"…and {300 - shown} more breaking changes and 40 warnings and info not shown, to keep "
        "the comment under GitHub's limit. Full report: artifact drift.json\n"
    )
    assert "| example\\.com (API group) | - | 340 | 300 | 0 | 40 |" in text


@pytest.mark.parametrize("cut", [0, 1, 2, 37])
def test_the_limit_is_exact(cut):
    found = widgets(30, BREAKING) + widgets(30, INFO, 100)
    whole = drift_report.markdown(drift(*found), full_report_hint=HINT)
    text = drift_report.markdown(drift(*found), limit=len(whole) - cut, full_report_hint=HINT)
    assert len(text) <= len(whole) - cut
    assert (text == whole) is (cut == 0)
    assert ("not shown" in text) is (cut > 0)


def test_a_limit_too_small_for_the_summary_is_an_error():
    with pytest.raises(ValueError, match="too small"):
        drift_report.markdown(drift(*ALL), limit=300, full_report_hint=HINT)

"""Drift a reviewer can act on, on the bundled examples (cluster-v1 -> cluster-v2: seven
operators upgraded, three OLM packages, 1,873 changes): the answer first, per component, the
breaking changes with what they hit and why, the rest folded.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from kubectl_datamodel import store
from kubectl_datamodel.drift import engine, sides
from kubectl_datamodel.drift.rules import catalog

# The seven operator upgrades of examples/README.md, as the headlines name them (OLM's
# workloads are pinned by digest, so its digests are what moved).
UPGRADES = [
    "cert-manager v1.12.2 → v1.16.1",
    "prometheus-operator 0.63.0 → 0.75.0",
    "argocd v2.10.0 → v3.0.0",
    "external-secrets (Helm) v0.15.1 → v0.17.0",
    "strimzi-cluster-operator 0.45.0 → 1.0.0",
    "gateway-api-admission-server v0.8.0 → v1.0.0-rc1",
    "olm olm@sha256:b9d011c0fbfb → olm@sha256:b706ee6583c4",
]
PACKAGES = [
    "argocd-operator (OLM) 0.10.0 → 0.13.0",
    "grafana-operator (OLM) 5.20.0 → 5.22.2",
    "packageserver (OLM) 0.16.1 → 0.18.1",
]


@pytest.fixture
def document(run, stored_v1_v2) -> dict:
    result = run("diff", "-o", "json", "--db-path", stored_v1_v2)
    return json.loads(result.stdout)


def test_the_terminal_shows_the_answer_in_150_lines_the_upgrades_in_the_first_40(run, stored_v1_v2):
    result = run("diff", "--fail-on", "breaking", "--db-path", stored_v1_v2)
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert len(lines) <= 150
    assert lines[0].startswith("FAILS --fail-on breaking: 54 breaking, 556 warnings, 1,263 info")
    first = "\n".join(lines[:40])
    for headline in UPGRADES + PACKAGES:
        assert headline in first
    assert "cert-manager v1.12.2 → v1.16.1: 6 CRDs changed, 0 breaking, 3 warnings" in first
    assert lines[-1] == "1,263 info changes not listed: -v lists all."


def test_every_breaking_change_is_listed_with_its_impact_and_why(run, stored_v1_v2, document):
    out = run("diff", "--db-path", stored_v1_v2).stdout
    breaking = out[out.index("# Breaking changes") : out.index("Why these break:")]
    rows = breaking.splitlines()[2:-1]
    folded = sum(int(m.group(1)) if (m := re.search(r" (\d+) places: ", r)) else 1 for r in rows)
    assert folded == document["summary"]["breaking"] == 54
    for change in document["changes"]:
        if change["severity"] == "breaking":
            assert any(change["name"] in r and change["rule"] in r for r in rows), change
    assert all(row.split()[0] in ("unknown", "1", "3") for row in rows)  # objects, or not known
    why = out[out.index("Why these break:") :].split("\n\n")[0]
    for rule in {c["rule"] for c in document["changes"] if c["severity"] == "breaking"}:
        assert f"  {rule}: {catalog.why(rule)}" in why


def test_the_pull_request_comment_is_whole_and_short(run, stored_v1_v2, document):
    result = run("diff", "-o", "markdown", "--fail-on", "breaking", "--db-path", stored_v1_v2)
    comment = result.stdout
    assert len(comment) < 30_000
    assert "not shown" not in comment
    assert comment.splitlines()[2].startswith("❌ **Fails `--fail-on breaking`.** 54 breaking")
    breaking = comment[comment.index("#### 🔴 Breaking: 54") : comment.index("Why these break:")]
    for change in document["changes"]:
        if change["severity"] == "breaking":
            name = change["name"].replace(".", "\\.").replace("-", "\\-")
            row = next(r for r in breaking.splitlines() if name in r and change["rule"] in r)
            assert row.startswith(("| unknown |", "| 1 object |", "| 3 objects |")), row


def test_a_known_count_puts_its_objects_first(stored_v1_v2):
    """Manifests hold few custom resources; a live snapshot knows how many objects a breaking
    change hits, and those come first."""
    with store.open_store(stored_v1_v2) as db:
        old, new = sides.stored(db, 1, "1"), sides.stored(db, 2, "2")
        counted = {
            section: [
                (dataclasses.replace(r, instance_count=42), d)
                if getattr(r, "name", "") == "kafkas.kafka.strimzi.io"
                else (r, d)
                for r, d in entries
            ]
            for section, entries in old.entries.items()
        }
        report = engine.diff(dataclasses.replace(old, entries=counted), new)
    from kubectl_datamodel.drift import summary

    first = summary.breaking(report)[0]
    assert (first.first.name, first.first.rule) == (
        "kafkas.kafka.strimzi.io",
        "crd.version.removed",
    )
    assert first.impact is not None and first.impact.objects == 42
    assert first.impact.of == "kafkas.kafka.strimzi.io at v1beta2"


def test_all_lists_every_change(run, stored_v1_v2, document):
    out = run("diff", "-v", "--db-path", stored_v1_v2).stdout
    rows = [
        line for line in out.splitlines() if line.startswith(("breaking ", "warning ", "info "))
    ]
    assert len(rows) == document["summary"]["total"] == 1873


def test_component_and_severity_narrow_what_is_shown_and_what_fails(run, stored_v1_v2):
    result = run("diff", "--component", "cert-*", "--fail-on", "warning", "--db-path", stored_v1_v2)
    assert result.exit_code == 3  # cert-manager has 3 warnings
    assert "# Components\ncert-manager v1.12.2 → v1.16.1" in result.stdout
    assert "strimzi" not in result.stdout
    only = run("diff", "--component", "cert-manager", "--fail-on", "breaking", "--db-path",
               stored_v1_v2)  # fmt: skip
    assert only.exit_code == 0  # none of cert-manager's changes breaks
    document = json.loads(
        run("diff", "--severity", "breaking", "-o", "json", "--db-path", stored_v1_v2).stdout
    )
    assert {c["severity"] for c in document["changes"]} == {"breaking"}
    assert len(document["changes"]) == 54
    bad = run("diff", "--severity", "fatal", "--db-path", stored_v1_v2)
    assert bad.exit_code == 2 and "--severity 'fatal'" in bad.stderr


def test_components_in_json(document):
    components = {c["name"]: c for c in document["components"]}
    assert components["cert-manager"] == {
        "key": "label:cert-manager/cert-manager".replace("label:", "app.kubernetes.io/instance:"),
        "name": "cert-manager",
        "source": "operator",
        "status": "upgraded",
        "old_version": "v1.12.2",
        "new_version": "v1.16.1",
        "crds_changed": 6,
        "breaking": 0,
        "warning": 3,
        "info": 100,
        "objects_at_risk": 0,
    }
    assert sum(c["breaking"] + c["warning"] + c["info"] for c in components.values()) == 1873
    assert all(c["component"] in {x["key"] for x in document["components"]}
               for c in document["changes"])  # fmt: skip
    assert document["rules"]["crd.removed"] == catalog.why("crd.removed")

"""A change's message reads as English, on one line, with its values as YAML and JSON write
them: ``default "" added at .spec.x``, ``maxLength changed from 63 to 253``, an absent value
said as added, removed or none, never Python's None, True, ``'quoted'`` or ``{'dict': ...}``.

Held on every change the real upgrades give (the examples' diff as the CLI prints it, and
``real_changes``), and word for word for the places those do not reach: absent and
empty values, booleans, objects, and the record rules' fields that may be unknown.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from typing import Any

import pytest

from kubectl_datamodel import model
from kubectl_datamodel.drift import changes
from kubectl_datamodel.drift.rules import csvs, extras, operators
from tests.support import crdcompat, upgrades
from tests.support.crdcompat import both_ways, crd

# Python's spelling of an absent value or a boolean; a string value that happens to be one is
# shown quoted ("None"), so it is not an absent value.
PYTHON_WORDS = re.compile(r'(?<!")\b(?:None|True|False)\b(?!")')
# How Python writes a dict or list holding strings: ['a', 'b'], {'a': 1}.
PYTHON_CONTAINER = re.compile(r"[\[{]'[^']*'(?:: |, |\]|\})")


def assert_in_words(change: dict[str, Any]) -> None:
    """``change`` as the JSON output has it (``Change.as_dict``)."""
    message = change["message"]
    assert message and "\n" not in message and "\r" not in message, message
    assert not PYTHON_WORDS.search(message), message
    python = [repr(v) for v in (change["old"], change["new"]) if repr(v) != json.dumps(v)]
    assert not [spelling for spelling in python if spelling in message], message
    if change["rule"] != "schema.validation-rule":  # it quotes the CEL rule: ['a', 'b'] is CEL's
        assert not PYTHON_CONTAINER.search(message), message


def messages(found: list[changes.Change]) -> list[str]:
    """The changes' messages, each held to reading as words."""
    for change in found:
        assert_in_words(change.as_dict())
    return [c.message for c in found]


def test_every_message_of_the_examples_diff_reads_as_words(stored_v1_v2, run) -> None:
    result = run("diff", "1", "2", "-o", "json", "--db-path", stored_v1_v2)
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)["changes"]
    assert len(found) > 1000
    for change in found:
        assert_in_words(change)


def test_every_message_of_the_real_upgrades_reads_as_words(real_changes) -> None:
    """Both ways, so every added has its removed: the CRD releases and the --include kinds."""
    for change in real_changes:
        assert_in_words(change.as_dict())


# -- schema keywords, word for word, both ways ------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "forward", "backward"),
    [
        (
            {"type": "string"},
            {"type": "string", "default": ""},
            'default "" added at .spec.foo (v1)',
            'default "" removed at .spec.foo (v1)',
        ),
        (
            {"type": "integer", "default": 1},
            {"type": "integer", "default": 2},
            "default changed from 1 to 2 at .spec.foo (v1)",
            "default changed from 2 to 1 at .spec.foo (v1)",
        ),
        (
            {"type": "boolean", "default": False},
            {"type": "boolean", "default": True},
            "default changed from false to true at .spec.foo (v1)",
            "default changed from true to false at .spec.foo (v1)",
        ),
        (
            {"type": "object", "default": {}},
            {"type": "object", "default": {"ports": [80, "https"], "name": None}},
            'default changed from {} to {"ports": [80, "https"], "name": null} at .spec.foo (v1)',
            'default changed from {"ports": [80, "https"], "name": null} to {} at .spec.foo (v1)',
        ),
        (
            {"type": "string", "default": "None"},
            {"type": "string", "default": "on"},
            'default changed from "None" to on at .spec.foo (v1)',
            'default changed from on to "None" at .spec.foo (v1)',
        ),
        (
            {"type": "string"},
            {"type": "string", "maxLength": 63},
            "maxLength 63 added at .spec.foo (v1)",
            "maxLength 63 removed at .spec.foo (v1)",
        ),
        (
            {"type": "number", "minimum": 0.5},
            {"type": "number", "minimum": 1},
            "minimum changed from 0.5 to 1 at .spec.foo (v1)",
            "minimum changed from 1 to 0.5 at .spec.foo (v1)",
        ),
        (
            {"type": "string"},
            {"type": "string", "pattern": "^[a-z]+ [0-9]$"},
            'pattern "^[a-z]+ [0-9]$" added at .spec.foo (v1)',
            'pattern "^[a-z]+ [0-9]$" removed at .spec.foo (v1)',
        ),
        (
            {"type": "string", "format": "date-time"},
            {"type": "string", "format": "duration"},
            "format changed from date-time to duration at .spec.foo (v1)",
            "format changed from duration to date-time at .spec.foo (v1)",
        ),
        (
            {"type": "string"},
            {"type": "integer"},
            "type changed from string to integer at .spec.foo (v1)",
            "type changed from integer to string at .spec.foo (v1)",
        ),
        (
            {},
            {"type": "string"},
            "type string added at .spec.foo (v1)",
            "type string removed at .spec.foo (v1)",
        ),
        (
            {"type": "string", "enum": ["a", ""]},
            {"type": "string", "enum": ["a"]},
            'enum value "" removed at .spec.foo (v1)',
            'enum value "" added at .spec.foo (v1)',
        ),
        (
            {"enum": [True, "1", {"k": "v"}]},
            {"enum": ["1", {"k": "v"}]},
            "enum value true removed at .spec.foo (v1)",
            "enum value true added at .spec.foo (v1)",
        ),
        (
            {"type": "string"},
            {
                "type": "string",
                "x-kubernetes-validations": [{"rule": "self in [\n  'a',\n  'b'\n]"}],
            },
            "validation rule added at .spec.foo (v1): self in [ 'a', 'b' ]",
            "validation rule removed at .spec.foo (v1): self in [ 'a', 'b' ]",
        ),
    ],
)
def test_a_schema_keyword_reads_as_words(old, new, forward, backward) -> None:
    there, back = both_ways(crd(old), crd(new))
    assert (there.message, back.message) == (forward, backward)
    assert_in_words(there.as_dict())
    assert_in_words(back.as_dict())


def test_a_crd_wide_change_reads_as_words() -> None:
    names = {"kind": "Widget", "plural": "widgets"}
    stored = [{"name": "v1", "served": True, "storage": True}]
    found = crdcompat.compare(
        crd(versions=[{**stored[0], "storage": False}], names=names),
        crd(
            versions=stored,
            names={**names, "shortNames": ["wd", "true"]},
            conversion={"strategy": "Webhook"},
        ),
    )
    assert sorted(messages(found)) == [
        "conversion strategy changed from none to Webhook",
        'shortNames entry "true" added',
        "shortNames entry wd added",
        "storage version changed from none to v1: migrate stored objects",
    ]


# -- the record rules, where a field may be unknown --------------------------------------------


@pytest.fixture(scope="module")
def kinds_v1() -> model.Snapshot:
    return upgrades.kinds(1)


def test_a_node_reads_as_words(kinds_v1) -> None:
    node = kinds_v1.nodes[0]
    unknown = dataclasses.replace(
        node,
        kubelet_version=None,
        conditions={k: v for k, v in node.conditions.items() if k != "Ready"},
        capacity={**node.capacity, "nvidia.com/gpu": "1"},
    )
    assert messages(extras.NODES.columns(unknown, node, True)) == [
        "Node node-1: kubelet unknown → v1.29.4",
        "Node node-1: now ready",
        "Node node-1: capacity nvidia.com/gpu 1 removed",
    ]
    not_ready = dataclasses.replace(node, conditions={**node.conditions, "Ready": "False"})
    assert messages(extras.NODES.columns(node, not_ready, True)) == [
        "Node node-1: ready → not ready"
    ]


def test_a_helm_release_reads_as_words(kinds_v1) -> None:
    release = kinds_v1.helm_releases[0]
    unknown = dataclasses.replace(release, app_version=None, status=None)
    assert messages(extras.HELM_RELEASES.columns(unknown, release, True)) == [
        "Helm release NAMESPACE/RELEASE-NAME: app version unknown → v0.15.1",
        "Helm release NAMESPACE/RELEASE-NAME: status unknown → deployed",
    ]


def test_an_operator_reads_as_words(kinds_v1) -> None:
    operator = kinds_v1.operators[0]
    where = "Deployment NAMESPACE/RELEASE-NAME-external-secrets-cert-controller"
    unknown = dataclasses.replace(operator, version=None)
    assert messages(operators.RULES.columns(unknown, operator, True)) == [
        f"{where}: version unknown → v0.15.1"
    ]
    limited = copy.deepcopy(operator.spec)
    container = limited["spec"]["template"]["spec"]["containers"][0]
    container["resources"] = {"requests": {"cpu": "1"}}
    assert operators.RULES.specs is not None
    assert messages(operators.RULES.specs(operator, operator.spec, operator, limited)) == [
        f"{where}: requests.cpu 1 added"
    ]


def test_a_csv_image_reads_as_words(captured_v1) -> None:
    csv = next(c for c in captured_v1.csvs if c.spec)
    old = copy.deepcopy(csv.spec)
    deployment = old["spec"]["install"]["spec"]["deployments"][0]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["name"] = "gone"
    assert csvs.RULES.specs is not None
    found = messages(csvs.RULES.specs(csv, old, csv, csv.spec))
    assert sorted(found) == [
        f"{csv.name}: image {container['image']} added",
        f"{csv.name}: image {container['image']} removed",
    ]

"""The smallest CRDs that show one rule, comparisons of them both ways, and the real CRD files
of upgrades, for the tests of the CRD compatibility rules (drift.rules.crds)."""

from __future__ import annotations

import collections
import functools
import itertools
import json
from pathlib import Path
from typing import Any

from kubectl_datamodel.capture import files, normalize
from kubectl_datamodel.drift import changes
from kubectl_datamodel.drift.rules import crds as crdcompat
from tests.support.paths import CLUSTER_V1, CLUSTER_V2, DATA

JSON = dict[str, Any]
BREAKING, WARNING, INFO = changes.Severity.BREAKING, changes.Severity.WARNING, changes.Severity.INFO
ADDED, REMOVED, CHANGED = changes.Action.ADDED, changes.Action.REMOVED, changes.Action.CHANGED

V1, V2, COPIED = CLUSTER_V1 / "crds", CLUSTER_V2 / "crds", DATA / "corpus" / "crds"


def crd(field: JSON | None = None, *, versions: list[JSON] | None = None, **spec: Any) -> JSON:
    """A one-version CRD whose schema has ``.spec.foo`` = ``field`` (when given)."""
    schema: JSON = {"type": "object", "properties": {"spec": {"type": "object"}}}
    if field is not None:
        schema["properties"]["spec"]["properties"] = {"foo": field}
    default = {"name": "v1", "served": True, "storage": True}
    entries = versions or [{**default, "schema": {"openAPIV3Schema": schema}}]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": entries,
            **spec,
        },
    }


def compare(old: JSON, new: JSON) -> list[changes.Change]:
    return crdcompat.compare(old, new, name="widgets.example.com")


def one(found: list[changes.Change]) -> changes.Change:
    assert len(found) == 1, [c.message for c in found]
    return found[0]


def both_ways(old: JSON, new: JSON) -> tuple[changes.Change, changes.Change]:
    """The single change from old to new and the single change back."""
    return one(compare(old, new)), one(compare(new, old))


def key(change: changes.Change) -> tuple[Any, ...]:
    return (change.version, change.path, _canon(change.old), _canon(change.new), change.action)


def mirrored(change: changes.Change) -> tuple[Any, ...]:
    old, new, action = _canon(change.new), _canon(change.old), change.action.mirrored()
    return (change.version, change.path, old, new, action)


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def assert_mirror(a: JSON, b: JSON) -> None:
    forward, backward = compare(a, b), compare(b, a)
    assert collections.Counter(map(key, backward)) == collections.Counter(map(mirrored, forward))


@functools.cache
def load(path: Path) -> JSON:
    return normalize.normalize(files.read(files=[path]).objects[0].obj)


def with_stored(obj: JSON, *versions: str) -> JSON:
    """The object as a live cluster holds it: status.storedVersions lists what was ever stored."""
    return {**obj, "status": {"storedVersions": list(versions)}}


def real(old: Path, new: Path) -> list[changes.Change]:
    a = load(old)
    return crdcompat.compare(a, load(new), name=a["metadata"]["name"])


def find(
    found: list[changes.Change], rule: str, path: str, version: str | None = None
) -> changes.Change:
    hits = [c for c in found if c.rule == rule and c.path == path and c.version == version]
    assert len(hits) == 1, (rule, path, version, [c.message for c in found])
    return hits[0]


def every_upgrade() -> list[tuple[JSON, JSON]]:
    """Each CRD that more than one of the real releases holds (the examples' two clusters and
    the corpus' copies), paired with each other release of it, both ways."""
    releases = collections.defaultdict(list)
    for folder in (V1, V2, COPIED):
        for path in sorted(folder.rglob("*.yaml")):
            obj = load(path)
            releases[obj["metadata"]["name"]].append(obj)
    return [
        (old, new)
        for objs in releases.values()
        for old, new in itertools.permutations(objs, 2)
        if old != new
    ]

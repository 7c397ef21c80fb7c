"""The field-level difference of two stored objects; the only module that imports deepdiff.

It returns plain ``Leaf`` values (a path and the two values), never DeepDiff objects. Before
comparing, it takes out what the API server writes on its own (``NOISE``), compares resource
quantities by value and set-like lists as sets, and keys lists the API keys by name
(containers, env), so inserting a container does not read as every later one changing.
Afterwards it drops fields one side lacks and the other holds at the server's default.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import Any

from kubectl_datamodel.k8s import defaults, paths, quantities

JSON = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Leaf:
    """One place where two documents differ; ``old`` or ``new`` is None where it is absent."""

    path: str
    old: Any
    new: Any


# Lists whose entries the API identifies by a key (strategic-merge "patchMergeKey"): compared
# entry by entry, so inserting a container does not read as every later one changing.
_LIST_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
    "deployments": "name",
    "owned": "name",
    "required": "name",
    "ports": "containerPort",
    "clusterPermissions": "serviceAccountName",
    "permissions": "serviceAccountName",
}
# A label or annotation, where an empty value is a value (unlike an empty field).
_MAP_ENTRY = re.compile(r"\.(labels|annotations)(\[|\.|$)")
# A CSV's deployments are defaulted like Deployments (from the CSV CRD's schema defaults).
_EMBEDDED_DEPLOYMENT = re.compile(r"^\.spec\.install\.spec\.deployments\[[^\]]*\](?=\.)")
# Maps of resource quantities, which the API server rewrites in canonical form.
_QUANTITY_MAPS = {"limits", "requests"}
# Lists the API treats as sets: their order carries no meaning.
_SET_LISTS = {"finalizers", "shortNames", "categories", "add", "drop", "keywords", "enum"}

# What the API server writes on its own; never drift. Removed before comparing, so an
# annotations map holding only a revision does not read as "annotations added".
NOISE: tuple[tuple[str, ...], ...] = (
    ("metadata", "creationTimestamp"),
    ("metadata", "generation"),
    ("metadata", "namespace"),  # matching already accounts for it
    ("metadata", "annotations", "deployment.kubernetes.io/revision"),
    ("metadata", "annotations", "olm.operatorGroup"),
    ("metadata", "annotations", "olm.operatorNamespace"),
    ("metadata", "annotations", "olm.targetNamespaces"),
    # the deprecated alias the server copies from serviceAccountName, which is compared
    ("spec", "template", "spec", "serviceAccount"),
    ("status",),
    ("spec", "template", "metadata", "creationTimestamp"),
)


def between(old: Any, new: Any, prefix: Sequence[str] = ()) -> list[Leaf]:
    """Every (path, old, new) at which two documents differ, noise and defaults removed."""
    from deepdiff import DeepDiff
    from deepdiff.helper import notpresent

    found: list[Leaf] = []
    difference = DeepDiff(
        _canonical(_without_noise(old)),
        _canonical(_without_noise(new)),
        view="tree",
        threshold_to_diff_deeper=0,
    )
    for levels in difference.values():
        for level in levels:
            keys = [*prefix, *level.path(output_format="list")]
            path = paths.render(keys)
            before = None if level.t1 is notpresent else level.t1
            after = None if level.t2 is notpresent else level.t2
            if _is_default(path, before, after):
                continue
            found.append(Leaf(path, before, after))
    return found


def _without_noise(document: Any) -> Any:
    if not isinstance(document, dict):
        return document
    result = document
    for keys in NOISE:
        result = _without(result, keys)
    return result


def _without(document: JSON, keys: Sequence[str]) -> JSON:
    """``document`` minus the value at ``keys``, copying only the dicts on the way there and
    dropping a dict the removal leaves empty."""
    head, rest = keys[0], keys[1:]
    if head not in document:
        return document
    if not rest:
        return {k: v for k, v in document.items() if k != head}
    child = document[head]
    if not isinstance(child, dict):
        return document
    pruned = _without(child, rest)
    if pruned is child:
        return document
    if not pruned:
        return {k: v for k, v in document.items() if k != head}
    return {**document, head: pruned}


def _canonical(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        if key in _QUANTITY_MAPS:
            return {k: quantities.canonical(v) for k, v in value.items()}
        return {k: _canonical(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        merge_key = _LIST_KEYS.get(key or "")
        if merge_key and items and all(isinstance(i, dict) and merge_key in i for i in items):
            keyed = {f"[{i[merge_key]}]": i for i in items}
            if len(keyed) == len(items):
                return keyed
        if key in _SET_LISTS and all(isinstance(i, str | int | float) for i in items):
            return sorted(items, key=str)
        return items
    return value


def covered(path: str, globs: Iterable[paths.Glob]) -> bool:
    """Whether a rule that reports on ``globs`` already said what changed at ``path``."""
    segments = paths.segments_of(path)
    return any(g.matches_segments(segments) for g in globs)


def _is_default(path: str, before: Any, after: Any) -> bool:
    """A field one side lacks and the other holds at the API server's default (the live
    object was defaulted, the manifest was not), or empty (the server leaves out an empty
    string, list or map a manifest spells out). Not drift."""
    if before is not None and after is not None:
        return False
    present = after if before is None else before
    if present in (None, "", [], {}) and not _MAP_ENTRY.search(path):
        return True
    segments = paths.segments_of(_EMBEDDED_DEPLOYMENT.sub("", path))
    return any(
        present in values and glob.matches_segments(segments, exact=True)
        for glob, values in defaults.DEFAULTS
    )

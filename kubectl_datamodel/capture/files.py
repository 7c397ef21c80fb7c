"""The offline source: Kubernetes objects read from manifest files.

It hands back the same plain dicts a live API server yields, so capture cannot tell the two
sources apart. Reads what people actually have on disk: multi-document YAML, `kind: List` and
`kubectl get -o yaml` dumps, raw API lists (`CustomResourceDefinitionList` with items lacking
apiVersion/kind), JSON, and rendered Helm/Kustomize output. Parsing is ``documents``'.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kubectl_datamodel import documents, errors, k8s, model
from kubectl_datamodel.capture import inventory
from kubectl_datamodel.options import CaptureOptions, ReadLimits

JSON = dict[str, Any]
SUFFIXES = (".yaml", ".yml", ".json")
ETCD_OBJECT_LIMIT = 1536 * 1024  # bytes: etcd's default request size limit


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where an object was read from, for messages a user can act on."""

    path: str
    document: int  # 1-based index of the YAML document within the file

    def __str__(self) -> str:
        return f"{self.path} (document {self.document})"


@dataclasses.dataclass(frozen=True)
class SourceObject:
    obj: dict[str, Any]
    origin: Origin


@dataclasses.dataclass
class ManifestSet:
    objects: list[SourceObject]
    files: list[str]
    warnings: list[str]


def capture(options: CaptureOptions, found: ManifestSet | None = None) -> inventory.CaptureResult:
    """Capture from manifest files: the offline source. ``found`` is the files already read
    (`diff --against-dir` reads them before it opens the database)."""
    if found is None:
        found = read(options.from_dirs, options.from_files, options.limits)
    objects = [s.obj for s in found.objects if _in_namespace(s.obj, options.namespace)]
    inputs = tuple(str(p) for p in (*options.from_dirs, *options.from_files))
    objects_found = inventory.inventory_of(objects, options.components)
    warnings = [*found.warnings, *_missing_kinds(objects_found, options.components)]
    snapshot = inventory.assemble(
        objects_found,
        options,
        context=options.context or _input_name(options),
        cluster_info=model.ClusterInfo(source="manifests", inputs=inputs),
        warnings=warnings,
    )
    return inventory.CaptureResult(snapshot=snapshot, warnings=warnings)


def read(
    dirs: Sequence[Path] = (),
    files: Sequence[Path] = (),
    limits: ReadLimits = documents.DEFAULT_LIMITS,
    flags: tuple[str, str] = ("--from-dir", "--from-file"),
) -> ManifestSet:
    """Read every manifest under ``dirs`` (recursively) and in ``files``.

    Raises ManifestError naming the file (and line) of the first unreadable input, and
    NoObjectsError when nothing in the input is a Kubernetes object: a typo'd path should fail,
    not produce an empty snapshot that later reads as "everything was removed". ``flags`` are
    the options that gave the folders and the files, for a path that is not there.
    """
    dir_flag, file_flag = flags
    paths = [*_expand_dirs(dirs, dir_flag), *_check_files(files, file_flag, dir_flag)]
    result = ManifestSet(objects=[], files=[str(p) for p in paths], warnings=[])
    for path in paths:
        objects, skipped = _read_file(path, limits)
        if skipped:
            result.warnings.append(
                f"{path}: skipped {skipped} document(s) that are not Kubernetes objects"
            )
        result.objects.extend(objects)
    if not result.objects:
        where = ", ".join(str(p) for p in [*dirs, *files])
        raise errors.NoObjectsError(f"no Kubernetes objects found in {where}")
    result.objects = _last_wins(result.objects, result.warnings)
    result.warnings += [_oversized(s) for s in result.objects if _is_oversized(s.obj)]
    return result


def _expand_dirs(dirs: Iterable[Path], flag: str) -> Iterator[Path]:
    for directory in dirs:
        if not directory.exists():
            raise errors.ManifestError(f"{flag} {directory}: no such directory")
        if not directory.is_dir():
            raise errors.ManifestError(f"{flag} {directory}: not a directory")
        found: list[Path] = []
        for root, subdirs, names in os.walk(directory):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            found.extend(Path(root) / n for n in names if n.lower().endswith(SUFFIXES))
        yield from sorted(found)


def _check_files(files: Iterable[Path], flag: str, dir_flag: str) -> Iterator[Path]:
    for path in files:
        if not path.is_file():
            what = f"is a directory (use {dir_flag})" if path.is_dir() else "no such file"
            raise errors.ManifestError(f"{flag} {path}: {what}")
        yield path


def _read_file(path: Path, limits: ReadLimits) -> tuple[list[SourceObject], int]:
    """Return the objects in one file and how many documents were not objects."""
    parsed = documents.read_all(path, limits=limits)
    objects: list[SourceObject] = []
    skipped = 0
    for index, document in enumerate(parsed, start=1):
        if document is None:
            continue
        found = list(_objects_in(document))
        if not found:
            skipped += 1
        objects.extend(SourceObject(obj, Origin(str(path), index)) for obj in found)
    return objects, skipped


def _objects_in(document: Any) -> Iterator[dict[str, Any]]:
    """Yield the Kubernetes objects in a document, expanding lists."""
    if not isinstance(document, dict):
        return
    api_version, kind = document.get("apiVersion"), document.get("kind")
    if not (isinstance(api_version, str) and isinstance(kind, str)):
        return
    items = document.get("items")
    if kind.endswith("List") and isinstance(items, list):
        item_kind = kind[: -len("List")] or None
        for item in items:
            if isinstance(item, dict):
                yield from _objects_in(_with_type(item, api_version, item_kind))
        return
    metadata = document.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("name"), str):
        yield document


def _with_type(item: dict[str, Any], api_version: str, kind: str | None) -> dict[str, Any]:
    """Fill in apiVersion/kind that raw API list items omit (a typed list names them once)."""
    if kind is None or ("apiVersion" in item and "kind" in item):
        return item
    return {"apiVersion": api_version, "kind": kind, **item}


def _identity(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    group = obj["apiVersion"].rpartition("/")[0]
    metadata = obj["metadata"]
    return (group, obj["kind"], metadata.get("namespace") or "", metadata["name"])


def _last_wins(objects: list[SourceObject], warnings: list[str]) -> list[SourceObject]:
    """Keep one object per identity, the last, as `kubectl apply` of the same input would."""
    by_identity: dict[tuple[str, str, str, str], SourceObject] = {}
    for source in objects:
        key = _identity(source.obj)
        earlier = by_identity.pop(key, None)
        if earlier is not None:
            _group, kind, namespace, name = key
            shown = f"{namespace}/{name}" if namespace else name
            warnings.append(
                f"{source.origin}: {kind} {shown} also defined in {earlier.origin}; "
                "keeping the later one"
            )
        by_identity[key] = source
    return list(by_identity.values())


def _missing_kinds(objects: inventory.Inventory, components: Sequence[str]) -> list[str]:
    """Requested kinds the input holds none of: likely a typo, or files that lack them."""
    return [
        f"--include {pattern}: no objects of this kind in the input"
        for pattern, found in objects.resources.items()
        if not found
    ] + [
        f"--include {extra}: no {what} in the input"
        for extra, what, found in (
            ("namespaces", "Namespace objects", objects.namespaces),
            ("nodes", "Node objects", objects.nodes),
            ("helm", "Helm release Secrets or ConfigMaps (owner=helm)", objects.helm_storage),
        )
        if extra in components and not found
    ]


def _in_namespace(obj: JSON, namespace: str | None) -> bool:
    """Whether an object is in scope of ``-n``. Objects without a namespace are kept: they are
    cluster-scoped, or land in whatever namespace they are applied to."""
    if namespace is None:
        return True
    own = (obj.get("metadata") or {}).get("namespace")
    return own is None or own == namespace


def _input_name(options: CaptureOptions) -> str:
    first = (options.from_dirs or tuple(p.parent for p in options.from_files))[0]
    return Path(first).resolve().name or "manifests"


def _is_oversized(obj: dict[str, Any]) -> bool:
    """A CRD larger than etcd stores (the API server refuses it); CRDs are the objects that
    grow that big, their schemas generated from every field of the Go types."""
    return k8s.is_crd(obj) and _json_size(obj) > ETCD_OBJECT_LIMIT


def _oversized(source: SourceObject) -> str:
    name = source.obj["metadata"]["name"]
    return (
        f"{source.origin}: CustomResourceDefinition {name} is "
        f"{_json_size(source.obj) / 1024 / 1024:.1f} MiB as JSON, over the 1.5 MiB etcd "
        "stores: the API server would refuse it"
    )


def _json_size(obj: dict[str, Any]) -> int:
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())

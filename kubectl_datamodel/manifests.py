"""Read Kubernetes objects from manifest files: the offline source.

The only module that imports ruamel.yaml. It hands back the same plain dicts a live API server
yields, so capture cannot tell the two sources apart. Reads what people actually have on disk:
multi-document YAML, `kind: List` and `kubectl get -o yaml` dumps, raw API lists
(`CustomResourceDefinitionList` with items lacking apiVersion/kind), JSON, and rendered
Helm/Kustomize output.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kubectl_datamodel import errors

SUFFIXES = (".yaml", ".yml", ".json")


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


def read(dirs: Sequence[Path] = (), files: Sequence[Path] = ()) -> ManifestSet:
    """Read every manifest under ``dirs`` (recursively) and in ``files``.

    Raises ManifestError naming the file (and line) of the first unreadable input, and
    NoObjectsError when nothing in the input is a Kubernetes object: a typo'd path should fail,
    not produce an empty snapshot that later reads as "everything was removed".
    """
    paths = [*_expand_dirs(dirs), *_check_files(files)]
    result = ManifestSet(objects=[], files=[str(p) for p in paths], warnings=[])
    for path in paths:
        objects, skipped = _read_file(path)
        if skipped:
            result.warnings.append(
                f"{path}: skipped {skipped} document(s) that are not Kubernetes objects"
            )
        result.objects.extend(objects)
    if not result.objects:
        where = ", ".join(str(p) for p in [*dirs, *files])
        raise errors.NoObjectsError(f"no Kubernetes objects found in {where}")
    result.objects = _last_wins(result.objects, result.warnings)
    return result


def load_document(path: Path, what: str) -> Any:
    """The one JSON or YAML document in a file that holds data rather than manifests (an
    export, an ignore file). ``what`` names the file's role in error messages."""
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "no such file"
        raise errors.ManifestError(f"{what} {path}: {problem}")
    documents = [d for d in _documents(path, f"{what} ") if d is not None]
    if len(documents) != 1:
        raise errors.ManifestError(f"{what} {path}: expected one document, found {len(documents)}")
    return documents[0]


def _expand_dirs(dirs: Iterable[Path]) -> Iterator[Path]:
    for directory in dirs:
        if not directory.exists():
            raise errors.ManifestError(f"--from-dir {directory}: no such directory")
        if not directory.is_dir():
            raise errors.ManifestError(f"--from-dir {directory}: not a directory")
        found: list[Path] = []
        for root, subdirs, names in os.walk(directory):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            found.extend(Path(root) / n for n in names if n.lower().endswith(SUFFIXES))
        yield from sorted(found)


def _check_files(files: Iterable[Path]) -> Iterator[Path]:
    for path in files:
        if not path.is_file():
            what = "is a directory (use --from-dir)" if path.is_dir() else "no such file"
            raise errors.ManifestError(f"--from-file {path}: {what}")
        yield path


def _read_file(path: Path) -> tuple[list[SourceObject], int]:
    """Return the objects in one file and how many documents were not objects."""
    documents = _documents(path)
    objects: list[SourceObject] = []
    skipped = 0
    for index, document in enumerate(documents, start=1):
        if document is None:
            continue
        found = list(_objects_in(document))
        if not found:
            skipped += 1
        objects.extend(SourceObject(obj, Origin(str(path), index)) for obj in found)
    return objects, skipped


def _documents(path: Path, role: str = "") -> list[Any]:
    """Every document in a file, JSON or YAML by its suffix; ``role`` ("export file ")
    prefixes read errors."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise errors.ManifestError(f"{role}{path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise errors.ManifestError(f"{role}{path}: {exc.strerror}") from exc
    if path.suffix.lower() == ".json":
        return _parse_json(path, text)
    return _parse_yaml(path, text)


def _parse_json(path: Path, text: str) -> list[Any]:
    try:
        return [json.loads(text)]
    except json.JSONDecodeError as exc:
        raise errors.ManifestError(
            f"{path}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}"
        ) from exc


def _parse_yaml(path: Path, text: str) -> list[Any]:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return list(_yaml().load_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "cannot parse"
        raise errors.ManifestError(f"{where}: malformed YAML: {problem}") from exc
    except YAMLError as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise errors.ManifestError(f"{path}: malformed YAML: {first_line}") from exc


_loader: Any = None


def _yaml() -> Any:
    """The YAML loader, built once per process: building it costs more than reading a file."""
    global _loader  # noqa: PLW0603
    if _loader is None:
        _loader = _kubernetes_yaml_loader()
    return _loader


def _kubernetes_yaml_loader() -> Any:
    """A safe loader (C-accelerated when available) that reads YAML as Kubernetes does.

    Kubernetes turns YAML into JSON with Go's YAML v2, which follows YAML 1.1: ``0644`` is
    octal (420, as in ``defaultMode``), ``yes``/``on`` are true. But Go's reader has no base-60
    numbers (``12:30`` stays a string), keeps timestamps as strings (JSON has no dates), turns
    non-string keys into strings (``on:`` becomes ``"true"``), and reads a bare ``=`` as the
    string "=" where a YAML 1.1 loader expects a ``value`` tag and fails (prometheus-operator's
    AlertmanagerConfig CRD has ``enum: [..., =, =~, ...]``).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    class KubernetesConstructor(SafeConstructor):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            mapping = super().construct_mapping(node, deep=deep)
            if all(isinstance(key, str) for key in mapping):
                return mapping
            return {k if isinstance(k, str) else json.dumps(k): v for k, v in mapping.items()}

        def construct_number(self, node: Any) -> Any:
            if ":" in str(node.value):
                return self.construct_scalar(node)
            if node.tag.endswith(":float"):
                return self.construct_yaml_float(node)
            return self.construct_yaml_int(node)

    strings = ("tag:yaml.org,2002:value", "tag:yaml.org,2002:timestamp")
    for tag in strings:
        KubernetesConstructor.add_constructor(tag, SafeConstructor.construct_yaml_str)
    for tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        KubernetesConstructor.add_constructor(tag, KubernetesConstructor.construct_number)
    loader = YAML(typ="safe", pure=False)
    loader.version = (1, 1)
    loader.Constructor = KubernetesConstructor
    return loader


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

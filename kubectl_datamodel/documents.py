"""JSON and YAML documents in and out; the only module that imports ruamel.yaml.

Reading follows the Kubernetes dialect of YAML (see ``_kubernetes_yaml_loader``), so a file
reads here as the API server would read it; every failure is a ManifestError naming the file
and, where the parser knows it, the line. Writing gives block-style YAML in the field order it
is handed, for the documents `-o yaml` prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from kubectl_datamodel import errors


def load_document(path: Path, what: str) -> Any:
    """The one JSON or YAML document in a file that holds data rather than manifests (an
    export, an ignore file). ``what`` names the file's role in error messages."""
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "no such file"
        raise errors.ManifestError(f"{what} {path}: {problem}")
    documents = [d for d in read_all(path, f"{what} ") if d is not None]
    if len(documents) != 1:
        raise errors.ManifestError(f"{what} {path}: expected one document, found {len(documents)}")
    return documents[0]


def read_all(path: Path, role: str = "") -> list[Any]:
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


def dump_yaml(document: Any, stream: TextIO) -> None:
    """Block-style YAML, keys in the order given (the documented field order), long lines
    kept whole."""
    from ruamel.yaml import YAML

    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = False
    dumper.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keep the documented field order
    dumper.width = 4096
    dumper.dump(document, stream)

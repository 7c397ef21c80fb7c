"""JSON and YAML documents in and out; the only module that imports ruamel.yaml.

Reading follows the Kubernetes dialect of YAML (see ``_kubernetes_yaml_loader``), so a file
reads here as the API server would read it, within ``ReadLimits``: a file's size is checked
before it is read, a document's before it is parsed, and nesting and alias expansion while it
is parsed, before anything is built from it. Every failure is a ManifestError naming the file
and, where the parser knows it, the line. Writing gives block-style YAML in the field order it
is handed, for the documents `-o yaml` prints.
"""

from __future__ import annotations

import functools
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any, TextIO

from kubectl_datamodel import errors
from kubectl_datamodel.options import ReadLimits

DEFAULT_LIMITS = ReadLimits()
_DOCUMENT_START = re.compile(r"^(?:---|\.\.\.)(?=[ \t]|$)", re.MULTILINE)


def load_document(path: Path, what: str, limits: ReadLimits = DEFAULT_LIMITS) -> Any:
    """The one JSON or YAML document in a file that holds data rather than manifests (an
    export, an ignore file). ``what`` names the file's role in error messages."""
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "no such file"
        raise errors.ManifestError(f"{what} {path}: {problem}")
    documents = [d for d in read_all(path, f"{what} ", limits) if d is not None]
    if len(documents) != 1:
        raise errors.ManifestError(f"{what} {path}: expected one document, found {len(documents)}")
    return documents[0]


def read_all(path: Path, role: str = "", limits: ReadLimits = DEFAULT_LIMITS) -> list[Any]:
    """Every document in a file, JSON or YAML by its suffix; ``role`` ("export file ")
    prefixes read errors."""
    try:
        size = path.stat().st_size
        if size > limits.file_size:
            raise errors.ManifestError(
                f"{role}{path}: {_size(size)} is larger than the {_size(limits.file_size)} a "
                "file may be (--read-limit file-size=SIZE raises it)"
            )
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise errors.ManifestError(f"{role}{path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise errors.ManifestError(f"{role}{path}: {exc.strerror}") from exc
    if path.suffix.lower() == ".json":
        return _parse_json(path, text, limits)
    return _parse_yaml(path, text, limits)


def _parse_json(path: Path, text: str, limits: ReadLimits) -> list[Any]:
    _check_document_size(path, text, 0, len(text), limits)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.ManifestError(
            f"{path}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}"
        ) from exc
    except RecursionError:
        raise _too_deep(str(path), limits) from None
    if _depth(document) > limits.depth:
        raise _too_deep(str(path), limits)
    return [document]


def _parse_yaml(path: Path, text: str, limits: ReadLimits) -> list[Any]:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    starts = [m.start() for m in _DOCUMENT_START.finditer(text)]
    for start, end in zip([0, *starts], [*starts, len(text)], strict=True):
        _check_document_size(path, text, start, end, limits)
    try:
        _check_structure(path, text, limits)
        return list(_yaml().load_all(text))
    except RecursionError:
        raise _too_deep(str(path), limits) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot parse"
        raise errors.ManifestError(f"{_where(path, mark)}: malformed YAML: {problem}") from exc
    except YAMLError as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise errors.ManifestError(f"{path}: malformed YAML: {first_line}") from exc


def _check_document_size(path: Path, text: str, start: int, end: int, limits: ReadLimits) -> None:
    if end - start > limits.document_size:
        line = text.count("\n", 0, start) + 1
        raise errors.ManifestError(
            f"{path}:{line}: a document of {_size(end - start)} is larger than the "
            f"{_size(limits.document_size)} one may be (--read-limit document-size=SIZE raises it)"
        )


def _too_deep(where: str, limits: ReadLimits) -> errors.ManifestError:
    return errors.ManifestError(
        f"{where}: nested deeper than {limits.depth} levels (--read-limit depth=N raises the limit)"
    )


def _where(path: Path, mark: Any) -> str:
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)


def _size(size: int) -> str:
    """A size in the unit that shows it: 2.0 KiB, 64.0 MiB, 1.2 GiB."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size / 1024:.1f} KiB"


def _depth(document: Any) -> int:
    """How deep a JSON document nests, without recursion (it may be deeper than Python's)."""
    deepest = 0
    stack = [(document, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, level + 1) for child in children)
    return deepest


def _check_structure(path: Path, text: str, limits: ReadLimits) -> None:
    """Walk the document's parse events (a flat stream, from the C parser when there is one)
    and refuse it before any node is built: deeper than ``limits.depth``, or aliases adding
    more than ``limits.aliases`` nodes. Building is where both bite: the C loader composes
    by recursion (a 50,000-deep document crashes the process), and an alias stands for its
    whole anchored node, so nine levels of nine aliases stand for 387 million nodes."""
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        DocumentStartEvent,
        ScalarEvent,
    )

    sizes: list[int] = []  # per open collection: the nodes it stands for so far
    anchors: dict[str, int] = {}
    names: list[str | None] = []
    added = 0
    for event in _yaml().parse(text):
        if isinstance(event, DocumentStartEvent):
            anchors, added = {}, 0
        elif isinstance(event, CollectionStartEvent):
            if len(sizes) >= limits.depth:
                raise _too_deep(_where(path, event.start_mark), limits)
            sizes.append(1)
            names.append(event.anchor)
        elif isinstance(event, CollectionEndEvent):
            size, name = sizes.pop(), names.pop()
            _add(sizes, anchors, name, size)
        elif isinstance(event, ScalarEvent):
            _add(sizes, anchors, event.anchor, 1)
        elif isinstance(event, AliasEvent):
            size = anchors.get(event.anchor, 1)
            added += size
            if added > limits.aliases:
                raise errors.ManifestError(
                    f"{_where(path, event.start_mark)}: YAML aliases expand to more than "
                    f'{limits.aliases:,} nodes (a "billion laughs" file?); --read-limit aliases=N '
                    "raises the limit"
                )
            _add(sizes, anchors, None, size)


def _add(sizes: list[int], anchors: dict[str, int], anchor: str | None, size: int) -> None:
    """A node of ``size`` nodes is done: it counts toward its parent, and its anchor's size."""
    if sizes:
        sizes[-1] += size
    if anchor is not None:
        anchors[anchor] = size


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
    kept whole, and no control or format character written raw.

    ruamel.yaml escapes C0 and C1 controls and line separators, but YAML counts bidi overrides
    and isolates (U+202E, U+2066...) as printable and writes them raw, where they would
    reorder what a terminal shows. A string holding one is double-quoted, and the character
    written as a ``\\u`` escape, which reads back as the same string.
    """
    from ruamel.yaml import YAML

    dumper = YAML(typ="safe", pure=False)  # libyaml's emitter: 3x faster on CRD specs
    dumper.Representer = _quoting_representer()
    dumper.default_flow_style = False
    dumper.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keep the documented field order
    dumper.width = 4096
    written = io.StringIO()
    dumper.dump(document, written)
    stream.write(_escape_format_characters(written.getvalue()))


@functools.cache
def _quoting_representer() -> Any:
    """ruamel.yaml's safe representer, double-quoting a string that holds a format character."""
    from ruamel.yaml.representer import SafeRepresenter

    class QuotingRepresenter(SafeRepresenter):
        def represent_str(self, data: str) -> Any:
            style = '"' if _has_format_character(data) else None
            return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    QuotingRepresenter.add_representer(str, QuotingRepresenter.represent_str)
    return QuotingRepresenter


def _has_format_character(text: str) -> bool:
    """Whether ``text`` holds a character Unicode calls a format character (category Cf)."""
    return not text.isprintable() and any(unicodedata.category(ch) == "Cf" for ch in text)


def _escape_format_characters(written: str) -> str:
    """Written YAML with its format characters as escapes: only the strings the representer
    double-quoted hold one, and in double quotes an escape means the character itself."""
    if written.isascii():
        return written
    return "\n".join(
        "".join(map(_escaped_in_yaml, line)) if _has_format_character(line) else line
        for line in written.split("\n")
    )


def _escaped_in_yaml(ch: str) -> str:
    if unicodedata.category(ch) != "Cf":
        return ch
    return f"\\u{ord(ch):04X}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08X}"

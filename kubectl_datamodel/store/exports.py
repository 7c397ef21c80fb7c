"""Read a `database export` file back: an export stands in wherever a stored snapshot does.

Teams archive exports, attach them to tickets and pass them between clusters that share no
database; `kubectl datamodel diff` takes one as either side. The file must be the export
contract (docs/json-output.md): anything else is refused with the file and the problem named.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from kubectl_datamodel import contract, documents, errors, model


@dataclasses.dataclass(frozen=True)
class Export:
    snapshot: model.StoredSnapshot
    has_specs: bool  # exported with --include-specs: needed to compare schemas and pod specs
    sections: tuple[str, ...]  # the sections present (--crds-only keeps one)


def read(path: Path) -> Export:
    document = documents.load_document(path, "export file")
    _check_envelope(path, document)
    summary = _parse(path, "snapshot", document.get("snapshot"), model.SnapshotSummary.from_dict)
    sections: dict[str, tuple[Any, ...]] = {}
    has_specs = True
    for kind in model.KINDS:
        name = kind.section
        items = document.get(name)
        if items is None:
            sections[name] = ()
            continue
        if not isinstance(items, list):
            raise errors.ManifestError(f"export file {path}: {name} is not a list")
        sections[name] = tuple(
            _parse(path, f"{name}[{i}]", item, kind.record.from_dict)
            for i, item in enumerate(items)
        )
        has_specs = has_specs and all(isinstance(i, dict) and "spec" in i for i in items)
    warnings = tuple(str(w) for w in document.get("warnings") or ())
    snapshot = model.StoredSnapshot(summary=summary, warnings=warnings, **sections)
    present = tuple(k.section for k in model.KINDS if document.get(k.section) is not None)
    return Export(snapshot=snapshot, has_specs=has_specs, sections=present)


def _check_envelope(path: Path, document: Any) -> None:
    if not isinstance(document, dict):
        raise errors.ManifestError(f"export file {path}: not a kubectl-datamodel export")
    found = (document.get("apiVersion"), document.get("kind"))
    if found != (contract.API_VERSION, "Snapshot"):
        hint = (
            "; export one snapshot with `kubectl datamodel database export ID`"
            if found[1] == "SnapshotExportList"
            else ""
        )
        raise errors.ManifestError(
            f"export file {path}: not a kubectl-datamodel snapshot export (expected apiVersion "
            f"{contract.API_VERSION}, kind Snapshot; found {found[0]!r}, {found[1]!r}){hint}"
        )


def _parse(path: Path, where: str, data: Any, parse: Any) -> Any:
    if not isinstance(data, dict):
        raise errors.ManifestError(f"export file {path}: {where} is not an object")
    try:
        return parse(data)
    except KeyError as exc:
        raise errors.ManifestError(
            f"export file {path}: {where}: missing field {exc.args[0]!r}"
        ) from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise errors.ManifestError(f"export file {path}: {where}: malformed ({exc})") from exc

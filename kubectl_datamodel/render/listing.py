"""What a list or show command prints, as kubectl prints it: records kept by a label selector
(``-l``) and a namespace (``-n``), sorted by a field (``--sort-by``), and written as a table
(with or without headers), as the JSON/YAML document, or as names (``-o name``:
``deployment.apps/cert-manager``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from kubectl_datamodel import contract, errors, k8s, model
from kubectl_datamodel.k8s import selectors
from kubectl_datamodel.render import output, text


@dataclasses.dataclass(frozen=True)
class View:
    """How a list is to be shown: ``-o``, ``--no-headers``, ``--sort-by``, ``-l``, ``-n``."""

    fmt: output.Format = output.Format.TABLE
    headers: bool = True
    sort_by: str | None = None
    selector: selectors.Selector | None = None
    namespace: str | None = None

    @property
    def wide(self) -> bool:
        return self.fmt is output.Format.WIDE


def view(
    fmt: output.Format,
    headers: bool,
    sort_by: str | None,
    selector: str | None,
    namespace: str | None = None,
) -> View:
    """The options as given on the command line; a malformed selector is a usage error."""
    parsed = None
    if selector is not None:
        try:
            parsed = selectors.parse(selector)
        except ValueError as exc:
            raise errors.UsageError(f"-l {selector!r}: {exc}") from None
    return View(fmt, headers, sort_by, parsed, namespace)


def chosen(records: Sequence[Any], shown: View, *, strict: bool = True) -> list[Any]:
    """The records the selector keeps (one without labels matches only a selector of
    absences) and the namespace keeps (one without a namespace is cluster-scoped, and kept, as
    capture's ``-n`` keeps it), in ``--sort-by`` order (unknown values last), else as they
    came. With ``strict`` the records must have the field; else a list without it stays as it
    came (`database show` sorts each kind that has it)."""
    kept = [
        r
        for r in records
        if (shown.selector is None or shown.selector.matches(getattr(r, "labels", None) or {}))
        and _in_namespace(r, shown.namespace)
    ]
    if shown.sort_by is None:
        return kept
    if strict:
        check_field([kept], shown.sort_by)
    path = _path(shown.sort_by)
    documents = [item.as_dict() for item in kept]
    order = sorted(range(len(kept)), key=lambda i: _sort_key(_lookup(documents[i], path)))
    return [kept[i] for i in order]


def _in_namespace(record: Any, namespace: str | None) -> bool:
    own = getattr(record, "namespace", None)
    return namespace is None or own is None or own == namespace


def check_field(groups: Sequence[Sequence[Any]], field: str) -> None:
    """Refuse a ``--sort-by`` field that none of the items has, naming the fields they have."""
    path = _path(field)
    documents = [item.as_dict() for group in groups for item in group]
    if path and (not documents or any(_has(d, path) for d in documents)):
        return
    fields = ", ".join(documents[0]) if documents else "none"
    raise errors.UsageError(f"--sort-by {field!r}: the items have no such field ({fields})")


def _path(field: str) -> list[str]:
    """``name``, ``.name``, ``{.cluster_info.version}``: the keys to follow."""
    return [p for p in field.strip().strip("{}").strip(".").split(".") if p]


def write_records(
    section: str,
    records: Sequence[Any],
    shown: View,
    table: Callable[[Sequence[Any], bool], model.Table],
    list_kind: str,
    stream: TextIO,
    *,
    color: bool,
) -> None:
    """One section's records as the view says: table, document or names."""
    if shown.fmt is output.Format.NAME:
        stream.writelines(f"{name}\n" for name in names(section, records))
    elif shown.fmt.is_table:
        tables = [table(records, shown.wide)]
        output.write_tables(tables, stream, color=color, headers=shown.headers)
    else:
        document = contract.envelope(list_kind, {"items": [r.as_dict() for r in records]})
        output.write_document(document, shown.fmt, stream)


def names(section: str, records: Sequence[Any]) -> list[str]:
    """``-o name``: one line per record, ``text.visible``, so a name holding a newline is still
    one name to ``xargs`` and ``while read``."""
    return [text.visible(_NAMES[section](r)) for r in records]


def _resource_name(record: model.ResourceRecord) -> str:
    group = record.api_version.rpartition("/")[0]
    resource = record.kind.lower() + (f".{group}" if group else "")
    return f"{resource}/{k8s.qualified(None, record.name)}"


# How `-o name` names one record of each section: resource.group/name, as kubectl does.
_NAMES: dict[str, Callable[[Any], str]] = {
    "crds": lambda r: f"customresourcedefinition.apiextensions.k8s.io/{r.name}",
    "operators": lambda r: f"{r.operator_type.lower()}.apps/{r.name}",
    "csvs": lambda r: f"clusterserviceversion.operators.coreos.com/{r.name}",
    "namespaces": lambda r: f"namespace/{r.name}",
    "nodes": lambda r: f"node/{r.name}",
    "helm_releases": lambda r: f"helmrelease/{r.name}",
    "resources": _resource_name,
}


def _has(document: Any, path: Sequence[str]) -> bool:
    for part in path:
        if not isinstance(document, dict) or part not in document:
            return False
        document = document[part]
    return True


def _lookup(document: Any, path: Sequence[str]) -> Any:
    for part in path:
        document = document.get(part) if isinstance(document, dict) else None
    return document


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers by value, then text; unknown (None) last, as kubectl sorts missing fields."""
    if value is None:
        return (2, "")
    if model.is_number(value):
        return (0, value)
    return (1, str(value))

"""The record kinds a snapshot holds, listed once.

Everything that goes over every kind (storing, exporting, reading back, comparing, rendering)
walks ``KINDS`` and finds a kind's records under its ``section``, so a new kind is a record
class, an entry here and its own rules, not an edit in every layer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from kubectl_datamodel.model import records


@dataclasses.dataclass(frozen=True)
class RecordKind:
    """One kind of record.

    ``section`` is the snapshot attribute and export key; ``component`` the word that asks for
    it (``snapshot --no-olm``, ``--include nodes``; None for GROUP/VERSION/Kind patterns, which
    all land in ``resources``); ``change_kind`` what drift calls one of them (None: each
    object's own kind); ``per_snapshot`` the fields that change while the record does not
    (instance and replica counts, a phase), which are stored per snapshot.
    """

    section: str
    component: str | None
    change_kind: str | None
    title: str
    record: type[Any]
    per_snapshot: tuple[str, ...] = ()


KINDS = (
    RecordKind("crds", "crds", "CRD", "CRDs", records.CrdRecord, ("instance_count",)),
    RecordKind(
        "operators",
        "operators",
        "Operator",
        "Operators",
        records.OperatorRecord,
        ("replicas", "ready_replicas"),
    ),
    RecordKind("csvs", "olm", "CSV", "ClusterServiceVersions", records.CsvRecord, ("phase",)),
    RecordKind("namespaces", "namespaces", "Namespace", "Namespaces", records.NamespaceRecord),
    RecordKind("nodes", "nodes", "Node", "Nodes", records.NodeRecord, ("conditions",)),
    RecordKind("helm_releases", "helm", "HelmRelease", "Helm releases", records.HelmReleaseRecord),
    RecordKind("resources", None, None, "Resources", records.ResourceRecord),
)
BY_SECTION = {kind.section: kind for kind in KINDS}

COMPONENTS = ("crds", "operators", "olm")  # what a snapshot holds unless told otherwise
EXTRAS = ("namespaces", "nodes", "helm")  # more kinds on request (`snapshot --include`)
# A snapshot's record sections (its attributes, and the keys of an export), in output order.
SECTIONS = tuple(kind.section for kind in KINDS)
# What drift calls each kind, in report order; objects of --include'd patterns come after.
CHANGE_KINDS = tuple(kind.change_kind for kind in KINDS if kind.change_kind)
_SECTION_OF = {kind.component: kind.section for kind in KINDS if kind.component}


def sections_of(components: Iterable[str]) -> list[str]:
    """The record sections that hold what ``components`` captured: ``olm`` is ``csvs``, and
    every GROUP/VERSION/Kind pattern lands in ``resources``."""
    found = {"resources" if "/" in c else _SECTION_OF.get(c, c) for c in components}
    return [s for s in SECTIONS if s in found]

"""What a breaking change hits, from the snapshots' own instance counts.

"A served version was removed" is the rule; "and 1,204 Certificates are still served at it" is
what decides whether a pull request may merge. Counts come from the side where the objects
were: the old one for what a change takes away (a CRD, a version), the new one for a rule the
objects must now meet (a required field), falling back to the other side when one is not known.
Operators and CSVs hit the objects of the CRDs they manage. Manifests hold few custom
resources, so there the count is usually not known, and says so; when two manifest sets are
compared (what a pull request changes), the counts come from a snapshot of the cluster instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kubectl_datamodel import model
from kubectl_datamodel.drift.changes import Change, Impact, Severity
from kubectl_datamodel.drift.rules import csvs
from kubectl_datamodel.drift.sides import Records

_VERSION_AT = re.compile(r"versions\[([^\]]+)\]")


class Counts:
    """Both sides' instance counts, and what each operator and CSV manages; with
    ``counts_from``, the instance counts of that snapshot stand for both sides'."""

    def __init__(self, old: Records, new: Records, counts_from: Records | None = None) -> None:
        sides = (old, new)
        counted = (counts_from, counts_from) if counts_from is not None else sides
        self._crds: tuple[dict[str, model.CrdRecord], ...] = tuple(
            {crd.name: crd for crd, _ in r.of("crds")} for r in counted
        )
        self._operators: tuple[dict[tuple[str | None, str], model.OperatorRecord], ...] = tuple(
            {(o.namespace, o.name): o for o, _ in r.of("operators")} for r in sides
        )
        self._csvs: tuple[dict[tuple[str | None, str], model.CsvRecord], ...] = tuple(
            {(c.namespace, csvs.package(c)): c for c, _ in r.of("csvs")} for r in sides
        )

    def of(self, change: Change) -> Impact | None:
        """The impact of a breaking change; None for other changes, and for kinds that hold
        no custom resources (a namespace, a node)."""
        if change.severity is not Severity.BREAKING:
            return None
        taken_away = change.action.value == "removed" or change.rule.startswith("crd.version")
        sides = (0, 1) if taken_away else (1, 0)
        if change.kind == "CRD":
            at = _VERSION_AT.search(change.path)
            version = at.group(1) if at else change.version
            where = f"{change.name} at {version}" if version else change.name
            return Impact(self._instances(change.name, sides), where)
        if change.kind in ("Operator", "CSV"):
            managed = self._managed(change, sides)
            if managed is None:
                return None
            noun = "CRD" if len(managed) == 1 else "CRDs"
            total = self._total(managed, sides)
            return Impact(total, f"the {len(managed)} {noun} it manages")
        return None

    def _instances(self, crd: str, sides: Iterable[int]) -> int | None:
        for side in sides:
            record = self._crds[side].get(crd)
            if record is not None and record.instance_count is not None:
                return record.instance_count
        return None

    def _managed(self, change: Change, sides: tuple[int, int]) -> tuple[str, ...] | None:
        for side in sides:
            if change.kind == "Operator":
                operator = self._operators[side].get((change.namespace, change.name))
                if operator is not None:
                    return operator.managed_crds
            else:
                csv = self._csvs[side].get((change.namespace, change.name))
                if csv is not None:
                    return csv.owned_crds
        return None

    def _total(self, crds: Iterable[str], sides: tuple[int, int]) -> int | None:
        """The objects of all ``crds``; not known if none of their counts is."""
        counts = [self._instances(crd, sides) for crd in crds]
        known = [c for c in counts if c is not None]
        return sum(known) if known else None

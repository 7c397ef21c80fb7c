"""Drift rules for OLM ClusterServiceVersions: upgrades by package, phases, owned and required
APIs.

A CSV's name carries its version (``cert-manager.v1.12.2``), so two snapshots across an upgrade
share no CSV name. They are matched by lineage instead: the newer CSV ``replaces`` or ``skips``
the older one, or both belong to the same package (the name before the version).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kubectl_datamodel import model
from kubectl_datamodel.drift import changes, matching
from kubectl_datamodel.drift.changes import Action, Change, Severity
from kubectl_datamodel.drift.leaves import Leaf
from kubectl_datamodel.drift.rules.shape import KindRules, globs
from kubectl_datamodel.k8s import paths

JSON = dict[str, Any]

_VERSIONED_NAME = re.compile(r"(?P<package>.+?)\.v?\d+(?:\.\d+)*(?:[-+].*)?")
_SEMVER = re.compile(r"v?(?P<core>\d+(?:\.\d+)*)(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+.*)?")

# Fields the record-level rules report, or that every release rewrites (createdAt).
COVERED = globs(
    ".metadata.name",
    ".metadata.annotations[createdAt]",
    ".spec.version",
    ".spec.replaces",
    ".spec.skips",
    ".spec.install.spec.deployments[*].spec.template.spec.containers[*].image",
)


def package(csv: model.CsvRecord) -> str:
    """The package a CSV belongs to, from its name: ``cert-manager.v1.12.2`` → cert-manager."""
    return package_name(csv.name)


def package_name(csv_name: str) -> str:
    """The package in a CSV's name (as an ``olm.owner`` label gives it)."""
    match = _VERSIONED_NAME.fullmatch(csv_name)
    return match.group("package") if match else csv_name


def related(old: model.CsvRecord, new: model.CsvRecord) -> bool:
    """One CSV upgrades the other (in either direction, so a downgrade matches too)."""
    if old.namespace != new.namespace:
        return False
    return (
        new.replaces == old.name
        or old.name in new.skips
        or old.replaces == new.name
        or new.name in old.skips
    )


def version_key(text: str | None) -> tuple[Any, ...] | None:
    """A sort key following semver precedence (a pre-release sorts before its release); None
    for a version that is not semver-like."""
    match = _SEMVER.fullmatch(text or "")
    if match is None:
        return None
    core = tuple(int(part) for part in match.group("core").split("."))
    core += (0,) * (3 - len(core))
    pre = match.group("pre")
    if pre is None:
        return (core, 1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (core, 0, parts)


def _presence(csv: model.CsvRecord, action: Action) -> Change:
    added = action is Action.ADDED
    owned = f"; it owned {', '.join(csv.owned_crds)}" if csv.owned_crds and not added else ""
    message = f"CSV {csv.name} {action.value}{owned}"
    return _subject(csv).presence("csv", action, csv.name, message)


def _columns(old: model.CsvRecord, new: model.CsvRecord, _with_specs: bool) -> list[Change]:
    """Version, phase and API ownership changes, read from the records alone."""
    found = _version_change(old, new)
    if old.phase != new.phase and None not in (old.phase, new.phase):
        severity = Severity.WARNING if new.phase == "Failed" else Severity.INFO
        found.append(
            _subject(new).change(
                "csv.phase",
                severity,
                f"{new.name}: phase {old.phase} → {new.phase}",
                path="phase",
                old=old.phase,
                new=new.phase,
            )
        )
    found += _api_changes(new, "owned", old.owned_crds, new.owned_crds)
    found += _api_changes(new, "required", old.required_crds, new.required_crds)
    return found


def _version_change(old: model.CsvRecord, new: model.CsvRecord) -> list[Change]:
    if old.version == new.version:
        if old.name == new.name:
            return []
        return [
            _subject(new).change(
                "csv.renamed",
                Severity.INFO,
                f"CSV {old.name} replaced by {new.name} at the same version",
                path="name",
                old=old.name,
                new=new.name,
            )
        ]
    before, after = version_key(old.version), version_key(new.version)
    if before is not None and after is not None and before != after:
        upgrade = after > before
        rule, severity = (
            ("csv.upgraded", Severity.INFO) if upgrade else ("csv.downgraded", Severity.WARNING)
        )
        word = "upgrade" if upgrade else "downgrade"
    else:
        rule, severity, word = "csv.version", Severity.INFO, "version change"
    return [
        _subject(new).change(
            rule,
            severity,
            f"{old.name} → {new.name} ({word})",
            path="version",
            old=old.version,
            new=new.version,
        )
    ]


def _api_changes(
    new: model.CsvRecord,
    field: str,
    before: tuple[str, ...],
    after: tuple[str, ...],
) -> list[Change]:
    found = []
    for crd in sorted(set(before) ^ set(after)):
        gained = crd in after
        if field == "owned":
            severity = Severity.INFO if gained else Severity.WARNING
            text = "now owns" if gained else "no longer owns"
        else:
            severity = Severity.WARNING if gained else Severity.INFO
            text = "now requires" if gained else "no longer requires"
        found.append(
            _subject(new).change(
                f"csv.{field}",
                severity,
                f"{new.name} {text} {crd}",
                path=f"{field}[{crd}]",
                old=None if gained else crd,
                new=crd if gained else None,
            )
        )
    return found


def _images(_old: Any, old_spec: JSON, new: model.CsvRecord, new_spec: JSON) -> list[Change]:
    """Images of the Deployments the CSV installs, container by container."""
    before, after = _install_images(old_spec), _install_images(new_spec)
    return [
        _subject(new).change(
            "csv.image",
            Severity.INFO,
            f"{new.name}: {changes.went('image', before.get(path), after.get(path))}",
            path=path,
            old=before.get(path),
            new=after.get(path),
        )
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]


def _install_images(spec: JSON) -> dict[str, str]:
    try:
        deployments = spec["spec"]["install"]["spec"]["deployments"] or []
    except (KeyError, TypeError):
        return {}
    images = {}
    for deployment in deployments:
        pod = (((deployment or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
        for container in pod.get("containers") or ():
            path = (
                f".spec.install.spec.deployments[{deployment.get('name')}]"
                f".spec.template.spec.containers[{container.get('name')}].image"
            )
            images[path] = container.get("image")
    return images


def _sections(csv: model.CsvRecord, found: Sequence[Leaf]) -> list[Change]:
    """One change per top-level section (``.spec.install``...) with the number of fields that
    changed in it: a CSV upgrade rewrites hundreds of descriptors, which a person reads as one
    line per section."""
    counts: dict[str, int] = {}
    for leaf in found:
        section = "".join(paths.split(leaf.path)[:2])
        counts[section] = counts.get(section, 0) + 1
    return [
        _subject(csv).change(
            "csv.spec",
            Severity.INFO,
            f"{csv.name}: {'1 field' if count == 1 else f'{count} fields'} changed under {path}",
            path=path,
            old=None,
            new=None,
            action=Action.CHANGED,
        )
        for path, count in counts.items()
    ]


def _subject(csv: model.CsvRecord) -> changes.Subject:
    return changes.Subject("CSV", package(csv), csv.namespace)


RULES = KindRules(
    pairings=(
        matching.Key(lambda r: (r.namespace, r.name)),
        matching.Related(related),
        matching.Key(lambda r: (r.namespace, package(r))),
    ),
    presence=_presence,
    columns=_columns,
    specs=_images,
    fields=_sections,
    covered=COVERED,
)

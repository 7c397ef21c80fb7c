"""OLM ClusterServiceVersions compared: upgrades by package, phases, owned and required APIs.

A CSV's name carries its version (``cert-manager.v1.12.2``), so two snapshots across an upgrade
share no CSV name. They are matched by lineage instead: the newer CSV ``replaces`` or ``skips``
the older one, or both belong to the same package (the name before the version).
"""

from __future__ import annotations

import re
from typing import Any

from kubectl_datamodel import model, paths
from kubectl_datamodel.changes import Action, Change, Severity

JSON = dict[str, Any]

_VERSIONED_NAME = re.compile(r"(?P<package>.+?)\.v?\d+(?:\.\d+)*(?:[-+].*)?")
_SEMVER = re.compile(r"v?(?P<core>\d+(?:\.\d+)*)(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+.*)?")

# Fields the record-level rules report, or that every release rewrites (createdAt).
COVERED = tuple(
    paths.Glob.parse(g)
    for g in (
        ".metadata.name",
        ".metadata.annotations[createdAt]",
        ".spec.version",
        ".spec.replaces",
        ".spec.skips",
        ".spec.install.spec.deployments[*].spec.template.spec.containers[*].image",
    )
)


def package(csv: model.CsvRecord) -> str:
    """The package a CSV belongs to, from its name: ``cert-manager.v1.12.2`` → cert-manager."""
    match = _VERSIONED_NAME.fullmatch(csv.name)
    return match.group("package") if match else csv.name


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


def presence(csv: model.CsvRecord, action: Action) -> Change:
    added = action is Action.ADDED
    owned = f"; it owned {', '.join(csv.owned_crds)}" if csv.owned_crds and not added else ""
    return _change(
        csv,
        "csv.added" if added else "csv.removed",
        Severity.INFO if added else Severity.WARNING,
        "",
        None if added else csv.name,
        csv.name if added else None,
        f"CSV {csv.name} {action.value}{owned}",
    )


def compare_records(old: model.CsvRecord, new: model.CsvRecord) -> list[Change]:
    """Version, phase and API ownership changes, read from the records alone."""
    found = _version_change(old, new)
    if old.phase != new.phase and None not in (old.phase, new.phase):
        severity = Severity.WARNING if new.phase == "Failed" else Severity.INFO
        found.append(
            _change(
                new,
                "csv.phase",
                severity,
                "phase",
                old.phase,
                new.phase,
                f"{new.name}: phase {old.phase} → {new.phase}",
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
            _change(
                new,
                "csv.renamed",
                Severity.INFO,
                "name",
                old.name,
                new.name,
                f"CSV {old.name} replaced by {new.name} at the same version",
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
        _change(
            new,
            rule,
            severity,
            "version",
            old.version,
            new.version,
            f"{old.name} → {new.name} ({word})",
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
            _change(
                new,
                f"csv.{field}",
                severity,
                f"{field}[{crd}]",
                None if gained else crd,
                crd if gained else None,
                f"{new.name} {text} {crd}",
            )
        )
    return found


def compare_images(new: model.CsvRecord, old_spec: JSON, new_spec: JSON) -> list[Change]:
    """Images of the Deployments the CSV installs, container by container."""
    before, after = _install_images(old_spec), _install_images(new_spec)
    return [
        _change(
            new,
            "csv.image",
            Severity.INFO,
            path,
            before.get(path),
            after.get(path),
            f"{new.name}: image {before.get(path) or '-'} → {after.get(path) or '-'}",
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


def section_change(csv: model.CsvRecord, path: str, count: int) -> Change:
    fields = "1 field" if count == 1 else f"{count} fields"
    return _change(
        csv,
        "csv.spec",
        Severity.INFO,
        path,
        None,
        None,
        f"{csv.name}: {fields} changed under {path}",
        action=Action.CHANGED,
    )


def _change(
    csv: model.CsvRecord,
    rule: str,
    severity: Severity,
    path: str,
    old: Any,
    new: Any,
    message: str,
    action: Action | None = None,
) -> Change:
    return Change(
        kind="CSV",
        name=package(csv),
        namespace=csv.namespace,
        rule=rule,
        severity=severity,
        action=action or Action.between(old, new),
        message=message,
        path=path,
        old=old,
        new=new,
    )

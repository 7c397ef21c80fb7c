"""The `deprecations` view: CRD versions on their way out, and data that is still in them.

A deprecated version is removed in some later release of its operator. Clients that still use
it break then; objects still stored in it (``status.storedVersions``) make the API server refuse
the new CRD until they are migrated, so the upgrade itself stops. Stored specs keep
``status.storedVersions`` for this reason (docs/schema.md); manifests rarely carry it, so
without it only the ``spec.versions`` rules can fire.
"""

from __future__ import annotations

from kubectl_datamodel import model
from kubectl_datamodel.analysis import base
from kubectl_datamodel.analysis.base import Finding, Level

VIEW = "deprecations"
RULES = {
    "deprecated-served": Level.INFO,
    "deprecated-storage": Level.WARNING,
    "deprecated-stored": Level.WARNING,
    "deprecated-instances": Level.CRITICAL,
    "stored-version-removed": Level.CRITICAL,
}


def analyze(stored: model.StoredSnapshot) -> tuple[list[Finding], list[model.Table]]:
    found: list[Finding] = []
    rows: list[tuple[object, ...]] = []
    for crd in stored.crds:
        stored_versions = _stored_versions(crd)
        for version in crd.versions:
            finding = _version_finding(crd, version, stored_versions)
            if finding is not None:
                found.append(finding)
            if version.deprecated:
                rows.append(_row(crd, version.name, version, stored_versions))
        defined = {v.name for v in crd.versions}
        for name in [v for v in stored_versions if v not in defined]:
            found.append(_finding("stored-version-removed", crd, _removed_message(name)))
            rows.append(_row(crd, name, None, stored_versions))
    return found, [_versions_table(rows)]


def _stored_versions(crd: model.CrdRecord) -> list[str]:
    """``status.storedVersions``: every version objects may still be persisted in."""
    status = base.mapping(crd.spec.get("status"))
    return [str(v) for v in status.get("storedVersions") or ()]


def _version_finding(
    crd: model.CrdRecord, version: model.CrdVersion, stored_versions: list[str]
) -> Finding | None:
    """At most one finding per deprecated version: the most urgent that applies."""
    if not version.deprecated:
        return None
    name = version.name
    persisted = version.storage or name in stored_versions
    if persisted and (crd.instance_count or 0) > 0:
        where = "the storage version" if version.storage else "in status.storedVersions"
        return _finding(
            "deprecated-instances",
            crd,
            f"{crd.instance_count} object(s) exist and deprecated {name} is {where}: "
            "migrate them before an upgrade removes it",
        )
    if version.storage:
        return _finding(
            "deprecated-storage",
            crd,
            f"deprecated {name} is the storage version: every object written is persisted in it",
        )
    if name in stored_versions:
        return _finding(
            "deprecated-stored",
            crd,
            f"deprecated {name} is in status.storedVersions: objects may still be persisted in it",
        )
    if version.served:
        return _finding(
            "deprecated-served",
            crd,
            f"deprecated {name} is still served: clients using it break when it is removed",
        )
    return None


def _removed_message(name: str) -> str:
    return (
        f"{name} is in status.storedVersions but not in spec.versions: the API server refuses "
        f"such a CRD; migrate the objects persisted in {name} and drop it from storedVersions"
    )


def _finding(rule: str, crd: model.CrdRecord, message: str) -> Finding:
    return Finding(VIEW, rule, RULES[rule], crd.name, message)


def _row(
    crd: model.CrdRecord,
    name: str,
    version: model.CrdVersion | None,
    stored_versions: list[str],
) -> tuple[object, ...]:
    """One version of interest; ``version`` is None for one that is only in storedVersions."""
    return (
        crd.name,
        name,
        version is not None,
        version is not None and version.served,
        version is not None and version.storage,
        version is not None and version.deprecated,
        name in stored_versions,
        crd.instance_count,
    )


def _versions_table(rows: list[tuple[object, ...]]) -> model.Table:
    return model.Table.of(
        (
            "crd",
            "version",
            "in_spec",
            "served",
            "storage",
            "deprecated",
            "in_stored_versions",
            "instances",
        ),
        tuple(rows),
        title="Deprecated and removed CRD versions",
        name="versions",
    )

"""Helm 3 releases, read from labels alone.

Helm stores each revision of a release as a Secret (or a ConfigMap, with HELM_DRIVER=configmap)
labelled ``owner=helm``, ``name``, ``status`` and ``version`` (the revision); the object's
payload is the gzipped release, which holds the user's values and is never read. The chart is
found the same way: Helm annotates what it installs with ``meta.helm.sh/release-name`` and
``-namespace``, and charts label their objects ``helm.sh/chart: NAME-VERSION`` and
``app.kubernetes.io/version``.
"""

from __future__ import annotations

import collections
import datetime
import re
from collections.abc import Iterable
from typing import Any

from kubectl_datamodel import model

JSON = dict[str, Any]

OWNER_SELECTOR = "owner=helm"
STORAGE_KINDS = ("Secret", "ConfigMap")
RELEASE_NAME = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"
CHART_LABEL = "helm.sh/chart"
APP_VERSION_LABEL = "app.kubernetes.io/version"
INSTANCE_LABEL = "app.kubernetes.io/instance"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
# NAME-VERSION, where the version is SemVer (Helm requires it) and the name may hold dashes.
_CHART = re.compile(r"(?P<name>.+)-(?P<version>v?\d+\.\d+\.\d+(?:[-+].*)?)")


def is_release_storage(obj: JSON) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return (
        obj.get("apiVersion") == "v1"
        and obj.get("kind") in STORAGE_KINDS
        and labels.get("owner") == "helm"
        and bool(labels.get("name"))
    )


def storage_metadata(obj: JSON) -> JSON:
    """What is kept of a release object: its identity and labels, never its payload."""
    metadata = obj.get("metadata") or {}
    return {
        "apiVersion": "v1",
        "kind": obj.get("kind"),
        "metadata": {
            "name": metadata.get("name"),
            "namespace": metadata.get("namespace"),
            "labels": dict(metadata.get("labels") or {}),
        },
    }


def releases(storage: Iterable[JSON], installed: Iterable[JSON]) -> list[model.HelmReleaseRecord]:
    """One record per release, at its newest revision, with the chart its objects name."""
    newest: dict[tuple[str, str], JSON] = {}
    for obj in map(storage_metadata, storage):
        key = _release_key(obj)
        if key not in newest or _revision(obj) > _revision(newest[key]):
            newest[key] = obj
    charts = _charts(installed)
    return [
        _record(obj, *charts.get(key, (None, None, None))) for key, obj in sorted(newest.items())
    ]


def split_chart(label: str) -> tuple[str, str | None]:
    """``cert-manager-v1.14.5`` -> (cert-manager, v1.14.5); a label without a version is a
    bare chart name."""
    match = _CHART.fullmatch(label)
    return (match["name"], match["version"]) if match else (label, None)


def _release_key(obj: JSON) -> tuple[str, str]:
    metadata = obj["metadata"]
    return (str(metadata.get("namespace") or ""), str(metadata["labels"]["name"]))


def _revision(obj: JSON) -> int:
    text = str(obj["metadata"]["labels"].get("version") or "")
    return int(text) if text.isdigit() else -1


def release_of(obj: JSON) -> tuple[str, str] | None:
    """(namespace, release) of an object a Helm chart installed, or None."""
    metadata = obj.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    labels = metadata.get("labels") or {}
    release = annotations.get(RELEASE_NAME)
    if not isinstance(release, str) and labels.get(MANAGED_BY_LABEL) == "Helm":
        release = labels.get(INSTANCE_LABEL)
    if not isinstance(release, str) or not isinstance(labels.get(CHART_LABEL), str):
        return None
    namespace = annotations.get(RELEASE_NAMESPACE) or metadata.get("namespace") or ""
    return (str(namespace), release)


def _charts(installed: Iterable[JSON]) -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    """(namespace, release) -> (chart, chart version, app version), by majority: a release's
    subcharts label their own objects with their own chart."""
    votes: dict[tuple[str, str], collections.Counter[tuple[str, str | None]]] = {}
    app_versions: dict[tuple[str, str, str], str] = {}
    for obj in installed:
        key = release_of(obj)
        if key is None:
            continue
        labels = obj["metadata"]["labels"]
        chart = labels[CHART_LABEL]
        votes.setdefault(key, collections.Counter())[split_chart(chart)] += 1
        if isinstance(labels.get(APP_VERSION_LABEL), str):
            app_versions.setdefault((*key, chart), labels[APP_VERSION_LABEL])
    found = {}
    for key, counter in votes.items():
        (name, version), _ = min(counter.items(), key=lambda kv: (-kv[1], kv[0][0]))
        label = f"{name}-{version}" if version else name
        found[key] = (name, version, app_versions.get((*key, label)))
    return found


def _record(
    obj: JSON, chart: str | None, chart_version: str | None, app_version: str | None
) -> model.HelmReleaseRecord:
    labels = obj["metadata"]["labels"]
    revision = _revision(obj)
    return model.HelmReleaseRecord(
        name=str(labels["name"]),
        namespace=str(obj["metadata"].get("namespace") or ""),
        chart=chart,
        chart_version=chart_version,
        app_version=app_version,
        revision=None if revision < 0 else revision,
        status=labels.get("status"),
        storage=str(obj["kind"]),
        updated=_unix_time(labels.get("modifiedAt") or labels.get("createdAt")),
        spec=obj,
    )


def _unix_time(value: Any) -> str | None:
    """Helm's ``modifiedAt``/``createdAt`` (seconds since the epoch) as the database's UTC time."""
    if not isinstance(value, str) or not value.isdigit():
        return None
    moment = datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

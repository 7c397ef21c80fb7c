"""What a platform team installs, found in the two sides: the unit a drift report is read by.

A reviewer thinks "cert-manager went from v1.12.2 to v1.16.1", not "these 41 fields of these 9
objects changed". A component is an OLM package (its CSV and the CRDs it owns), a Helm release,
or a set of operator workloads installed together (one Helm release, one
``app.kubernetes.io/part-of`` or ``instance``, or one namespace of otherwise unlabelled
workloads), with the CRDs those workloads manage (the links ``capture.operators`` found). CRDs
no component claims are grouped by API group; namespaces, nodes and other included kinds each
make one component of their own. Both sides are read, so a component present on one side only
is an added or removed one, and its version on each side comes from the CSV, the Helm chart, or
the workloads (their version label or image tag, else their image).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable, Sequence

from kubectl_datamodel import model
from kubectl_datamodel.drift.changes import Change, Component
from kubectl_datamodel.drift.rules import csvs
from kubectl_datamodel.drift.sides import Records

# Label keys that name what a workload was installed as, most specific first.
_HELM_CHART = "helm.sh/chart"
_INSTANCE = "app.kubernetes.io/instance"
_PART_OF = "app.kubernetes.io/part-of"
_VERSION = "app.kubernetes.io/version"
_OLM_OWNER = "olm.owner"
# What namespaces, nodes and other kinds are called as a whole: Namespaces, Nodes.
_TITLES = {kind.change_kind: kind.title for kind in model.KINDS if kind.change_kind}
# Namespaces where unrelated workloads live side by side: never one component.
_SHARED_NAMESPACES = {None, "", "default", "kube-system"}


@dataclasses.dataclass
class _Found:
    """A component as it is being found: its members' versions on each side."""

    key: str
    name: str
    source: str
    versions: tuple[list[str], list[str]] = dataclasses.field(default_factory=lambda: ([], []))
    present: list[bool] = dataclasses.field(default_factory=lambda: [False, False])

    def saw(self, side: int, version: str | None) -> None:
        self.present[side] = True
        if version:
            self.versions[side].append(version)

    def frozen(self) -> Component:
        return Component(
            key=self.key,
            name=self.name,
            source=self.source,
            old_version=_most_common(self.versions[0]),
            new_version=_most_common(self.versions[1]),
            in_old=self.present[0],
            in_new=self.present[1],
        )


class Components:
    """The components of two sides, and which one each change belongs to."""

    def __init__(self, old: Records, new: Records) -> None:
        self._found: dict[str, _Found] = {}
        self._crds: dict[str, str] = {}  # CRD name -> component key
        self._workloads: dict[tuple[str | None, str], str] = {}
        sides = (old, new)
        for side, records in enumerate(sides):
            for csv, _ in records.of("csvs"):
                self._csv(side, csv)
        for side, records in enumerate(sides):
            for release, _ in records.of("helm_releases"):
                self._helm_release(side, release)
        for side, records in enumerate(sides):
            self._workload_groups(side, [r for r, _ in records.of("operators")])
        for side, records in enumerate(sides):
            for crd, _ in records.of("crds"):
                self._crd(side, crd)

    def key_of(self, change: Change) -> str:
        if change.kind == "CRD":
            return self._crds.get(change.name) or self._other("CRD", change.name)
        if change.kind == "Operator":
            key = self._workloads.get((change.namespace, change.name))
            return key or self._other("Operator", change.name)
        if change.kind == "CSV":
            return _csv_key(change.namespace, change.name)
        if change.kind == "HelmRelease":
            return _helm_key(change.namespace, change.name)
        return self._other(change.kind, change.kind)

    def of_changes(self, found: Sequence[Change]) -> list[Component]:
        """The components ``found`` (changes placed by ``key_of``) belong to, as they came."""
        keys = dict.fromkeys(change.component for change in found)
        return [self._found[key].frozen() for key in keys]

    # -- finding them -------------------------------------------------------------------------

    def _get(self, key: str, name: str, source: str) -> _Found:
        return self._found.setdefault(key, _Found(key, name, source))

    def _csv(self, side: int, csv: model.CsvRecord) -> None:
        package = csvs.package(csv)
        key = _csv_key(csv.namespace, package)
        self._get(key, package, "olm").saw(side, csv.version)
        for crd in csv.owned_crds:
            self._crds.setdefault(crd, key)  # OLM's ownership is the surest link

    def _helm_release(self, side: int, release: model.HelmReleaseRecord) -> None:
        key = _helm_key(release.namespace, release.name)
        self._get(key, release.chart or release.name, "helm").saw(
            side, release.chart_version or release.app_version
        )

    def _workload_groups(self, side: int, workloads: Sequence[model.OperatorRecord]) -> None:
        """Workloads installed together form one component (see the module's docstring)."""
        grouped: dict[tuple[str, str, str], list[model.OperatorRecord]] = {}
        for workload in workloads:
            grouped.setdefault(self._group(workload), []).append(workload)
        alone = collections.Counter(
            members[0].namespace for (how, _, _), members in grouped.items() if how == "workload"
        )
        for (how, key, name), members in grouped.items():
            namespace = members[0].namespace
            if how == "workload" and alone[namespace] > 1 and namespace not in _SHARED_NAMESPACES:
                # unlabelled workloads sharing a namespace of their own: installed together
                how, key, name = "namespace", f"namespace:{namespace}", str(namespace)  # noqa: PLW2901
            source = how if how in ("olm", "helm") else "operator"
            found = self._get(key, name, source)
            for workload in members:
                found.saw(side, _workload_version(workload))
                self._workloads[(workload.namespace, workload.name)] = key
                for crd in workload.managed_crds:
                    self._crds.setdefault(crd, key)

    def _group(self, workload: model.OperatorRecord) -> tuple[str, str, str]:
        """(how, key, name) of the component a workload belongs to."""
        labels = workload.labels
        namespace = workload.namespace
        owner = labels.get(_OLM_OWNER)
        if owner:
            package = csvs.package_name(owner)
            return "olm", _csv_key(namespace, package), package
        instance = labels.get(_INSTANCE)
        chart = labels.get(_HELM_CHART)
        if instance and (chart or workload.framework == "Helm"):
            key = _helm_key(namespace, instance)
            found = self._found.get(key)
            return "helm", key, found.name if found else _chart_name(chart) or instance
        for label in (_PART_OF, _INSTANCE):
            value = labels.get(label)
            if value:
                return "label", f"{label}:{namespace or ''}/{value}", value
        return "workload", f"workload:{namespace or ''}/{workload.name}", workload.name

    def _crd(self, side: int, crd: model.CrdRecord) -> None:
        key = self._crds.get(crd.name)
        if key is None:
            key = self._crds[crd.name] = f"group:{crd.group}"
            self._get(key, crd.group, "api-group")
        found = self._found[key]
        if found.source == "api-group":  # else the component is there as its owner is
            found.saw(side, _crd_bundle_version(crd))

    def _other(self, kind: str, name: str) -> str:
        """Namespaces, nodes, an --include'd kind, or a record no component holds."""
        whole_kind = kind == name
        key = f"kind:{kind}" if whole_kind else f"{kind}:{name}"
        shown = _TITLES.get(kind, kind) if whole_kind else name
        self._get(key, shown, "kind" if whole_kind else kind.lower())
        found = self._found[key]
        found.present = [True, True]
        return key


def _csv_key(namespace: str | None, package: str) -> str:
    return f"olm:{namespace or ''}/{package}"


def _helm_key(namespace: str | None, release: str) -> str:
    return f"helm:{namespace or ''}/{release}"


def _chart_name(chart: str | None) -> str | None:
    """``external-secrets-0.17.0`` -> ``external-secrets`` (the label is NAME-VERSION)."""
    if not chart:
        return None
    name, _, version = chart.rpartition("-")
    return name if name and version[:1].isdigit() else chart


def _workload_version(workload: model.OperatorRecord) -> str | None:
    """The workload's version, else its first image as people write it (a digest shortened),
    so a component pinned by digest still shows that it moved."""
    if workload.version:
        return workload.version
    if not workload.images:
        return None
    image = workload.images[0]
    name, _, digest = image.partition("@")
    short = name.rsplit("/", 1)[-1]
    return f"{short}@{digest[:19]}" if digest else short


def _crd_bundle_version(crd: model.CrdRecord) -> str | None:
    """A release version some projects stamp on their CRDs (gateway-api's bundle-version)."""
    for mapping in (crd.labels, crd.annotations):
        for key, value in mapping.items():
            if key == _VERSION or key.endswith("/bundle-version"):
                return value
    return None


def _most_common(versions: Iterable[str]) -> str | None:
    counted = collections.Counter(versions).most_common()
    return counted[0][0] if counted else None

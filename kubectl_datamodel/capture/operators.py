"""Which workloads are operators, and which CRDs each one manages.

A cluster runs many Deployments; only some are controllers of custom resources. This module
weighs the evidence a snapshot holds and records, for every CRD it links to a workload, the
signal that decided. docs/operators.md explains the rules; in short, strongest first:

``olm``     an OLM ClusterServiceVersion names the workload in its install strategy (or OLM's
            ``olm.owner`` label points at the CSV): the CSV's owned CRDs are managed by it.
``webhook`` the CRD's conversion webhook calls a Service whose selector picks the workload's pods.
``status``  the field manager that writes the CRD's resources' status subresource (read from
            their managedFields) is the workload: its name, a container's name or its command.
``helm``    the workload and the CRD belong to the same Helm release.
``labels``  they share an ``app.kubernetes.io/part-of``, ``app.kubernetes.io/instance`` or
            ``app`` label value.
``group``   the workload's name carries the CRD's group (``cert-manager`` for
            ``cert-manager.io``) or kind (``prometheus`` for ``Prometheus``); a kind match links
            the kind's whole API group, which one controller reconciles in practice.

A workload that a custom resource owns (an ``ownerReferences`` entry of a CRD's kind) is an
operand, such as the Grafana an operator deployed, and never an operator. Otherwise a workload is
reported as an operator when OLM installs it, when it serves a CRD's conversion webhook or writes
its resources' status, when its name carries a CRD's group
or kind, or when its name or component label says it is a controller (``operator``,
``controller``, ``manager``); Helm and label evidence alone never make a Redis or a UI server an
operator just because it ships in the same chart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from kubectl_datamodel import k8s, model
from kubectl_datamodel.capture import build, normalize

JSON = dict[str, Any]

SHARED_LABELS = ("app.kubernetes.io/part-of", "app.kubernetes.io/instance", "app")
NAME_LABELS = ("app.kubernetes.io/name", "app", "k8s-app")
CONTROLLER_WORDS = frozenset({"operator", "controller", "manager"})

# Words in API groups and kinds too common to identify a project.
_GENERIC_TOKENS = frozenset(
    {
        "io",
        "com",
        "org",
        "net",
        "dev",
        "sh",
        "k8s",
        "x-k8s",
        "sigs",
        "kubernetes",
        "api",
        "apis",
        "apps",
        "core",
        "coreos",
        "github",
        "networking",
        "config",
        "policy",
        "operator",
        "operators",
        "controller",
        "controllers",
        "manager",
        "webhook",
        "server",
        "cluster",
        "clusters",
        "status",
    }
)


@dataclasses.dataclass(frozen=True)
class _Crd:
    name: str
    group: str
    labels: dict[str, str]
    annotations: dict[str, str]
    tokens: frozenset[str]


@dataclasses.dataclass(frozen=True)
class _Evidence:
    """What the whole inventory says, indexed once for every workload to consult."""

    crds: Sequence[_Crd]
    by_group: dict[str, list[str]]
    csvs: Sequence[JSON]
    # workload key (namespace, kind, name) -> CRD names, per signal
    webhook: dict[tuple[str, str, str], list[str]]
    status: dict[tuple[str, str, str], list[str]]


def detect(
    workloads: Sequence[JSON],
    crds: Sequence[model.CrdRecord],
    csvs: Sequence[JSON],
    *,
    services: Sequence[JSON] = (),
    status_managers: dict[str, str] | None = None,
) -> list[model.OperatorRecord]:
    """Return an OperatorRecord for every workload that is an operator, sorted by identity."""
    indexed = [_index_crd(c) for c in crds]
    custom_kinds = {c.kind for c in crds} - {k8s.CSV_KIND}
    by_group: dict[str, list[str]] = {}
    for crd in indexed:
        by_group.setdefault(crd.group, []).append(crd.name)
    candidates = [w for w in workloads if not _owner_kinds(w) & custom_kinds]
    evidence = _Evidence(
        crds=indexed,
        by_group=by_group,
        csvs=csvs,
        webhook=_webhook_links(candidates, crds, services),
        status=_status_links(candidates, status_managers or {}),
    )
    operators = []
    for workload in candidates:
        record = _operator(workload, evidence)
        if record is not None:
            operators.append(record)
    return sorted(operators, key=lambda o: (o.namespace or "", o.name, o.operator_type))


def _operator(workload: JSON, found: _Evidence) -> model.OperatorRecord | None:
    crds = found.crds
    metadata = workload["metadata"]
    labels: dict[str, str] = dict(metadata.get("labels") or {})
    owning_csv = _owning_csv(workload, found.csvs)
    evidence: dict[str, str] = {}
    if owning_csv is not None:
        _link(evidence, build.csv_record(owning_csv).owned_crds, "olm")
    _link(evidence, found.webhook.get(_key(workload), ()), "webhook")
    _link(evidence, found.status.get(_key(workload), ()), "status")
    controller_shaped = _looks_like_controller(metadata["name"], labels)
    if controller_shaped:
        release = _helm_release(metadata)
        _link(evidence, (c.name for c in crds if release and _helm_release(c) == release), "helm")
        _link(evidence, (c.name for c in crds if _shares_label(labels, c.labels)), "labels")
    by_name = _group_matches(metadata["name"], labels, crds, found.by_group)
    _link(evidence, by_name, "group")
    if not evidence and not controller_shaped:
        return None
    images = k8s.pod_images(workload)
    replicas, ready = k8s.replica_counts(workload)
    return model.OperatorRecord(
        name=metadata["name"],
        namespace=metadata.get("namespace"),
        operator_type=workload["kind"],
        images=images,
        version=labels.get("app.kubernetes.io/version") or _tag_version(images),
        framework=_framework(metadata, owning_csv is not None),
        replicas=replicas,
        ready_replicas=ready,
        managed_crds=tuple(sorted(evidence)),
        evidence=dict(sorted(evidence.items())),
        creation_timestamp=_str_or_none(metadata.get("creationTimestamp")),
        labels=labels,
        spec=normalize.normalize(workload),
    )


def _key(workload: JSON) -> tuple[str, str, str]:
    metadata = workload["metadata"]
    return (str(metadata.get("namespace") or ""), str(workload["kind"]), str(metadata["name"]))


def _webhook_links(
    workloads: Sequence[JSON], crds: Sequence[model.CrdRecord], services: Sequence[JSON]
) -> dict[tuple[str, str, str], list[str]]:
    """Workloads whose pods a CRD's conversion webhook Service selects."""
    selectors = {
        (str(s["metadata"].get("namespace") or "default"), str(s["metadata"]["name"])): (
            (s.get("spec") or {}).get("selector") or {}
        )
        for s in services
    }
    links: dict[tuple[str, str, str], list[str]] = {}
    for crd in crds:
        service = k8s.conversion_service(crd.spec)
        selector = selectors.get(service) if service else None
        if not selector or service is None:
            continue
        for workload in workloads:
            if (workload["metadata"].get("namespace") or "default") == service[0] and (
                selector.items() <= _pod_labels(workload).items()
            ):
                links.setdefault(_key(workload), []).append(crd.name)
    return links


def _status_links(
    workloads: Sequence[JSON], status_managers: dict[str, str]
) -> dict[tuple[str, str, str], list[str]]:
    """The one workload each status manager names. A manager name several workloads could
    carry (kubebuilder's ``manager``) links nothing rather than guessing."""
    names = [(_key(w), _identities(w)) for w in workloads]
    links: dict[tuple[str, str, str], list[str]] = {}
    for crd_name, manager in sorted(status_managers.items()):
        best = _best_identity_match(manager.lower(), names)
        if best is not None:
            links.setdefault(best, []).append(crd_name)
    return links


def _best_identity_match(
    manager: str, names: Sequence[tuple[tuple[str, str, str], set[str]]]
) -> tuple[str, str, str] | None:
    """The workload with the longest identity equal to the manager or a dash-prefix of it."""
    scored = []
    for key, identities in names:
        lengths = [len(i) for i in identities if manager == i or manager.startswith(f"{i}-")]
        if lengths:
            scored.append((max(lengths), key))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]


def _identities(workload: JSON) -> set[str]:
    """Names a controller may use as its field manager: the workload's, its containers', and
    the program each container runs."""
    found = {str(workload["metadata"]["name"]).lower()}
    template = ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}
    for container in template.get("containers") or ():
        if not isinstance(container, dict):
            continue
        found.add(str(container.get("name") or "").lower())
        command = container.get("command") or ()
        if command:
            found.add(str(command[0]).rsplit("/", 1)[-1].lower())
    return {name for name in found if name}


def _pod_labels(workload: JSON) -> dict[str, str]:
    template = (workload.get("spec") or {}).get("template") or {}
    return dict((template.get("metadata") or {}).get("labels") or {})


def _link(evidence: dict[str, str], crd_names: Iterable[str], signal: str) -> None:
    """Record ``signal`` for each CRD not already linked by a stronger one."""
    for name in crd_names:
        evidence.setdefault(name, signal)


def _owner_kinds(workload: JSON) -> set[str]:
    refs = workload["metadata"].get("ownerReferences") or ()
    return {str(r.get("kind")) for r in refs if isinstance(r, dict)}


def _owning_csv(workload: JSON, csvs: Sequence[JSON]) -> JSON | None:
    metadata = workload["metadata"]
    if workload["kind"] != "Deployment":
        return None
    owner = (metadata.get("labels") or {}).get("olm.owner") or next(
        (
            r.get("name")
            for r in metadata.get("ownerReferences") or ()
            if isinstance(r, dict) and r.get("kind") == k8s.CSV_KIND
        ),
        None,
    )
    namespace = metadata.get("namespace")
    for csv in csvs:
        csv_meta = csv["metadata"]
        if owner is not None and owner == csv_meta["name"]:
            return csv
        same_namespace = (
            not namespace
            or not csv_meta.get("namespace")
            or (namespace == csv_meta.get("namespace"))
        )
        if same_namespace and metadata["name"] in k8s.csv_deployment_names(csv):
            return csv
    return None


def _framework(metadata: JSON, olm_installed: bool) -> str:
    labels = metadata.get("labels") or {}
    annotations = metadata.get("annotations") or {}
    if olm_installed or "olm.owner" in labels or "olm.operatorGroup" in annotations:
        return "OLM"
    if (
        str(labels.get("app.kubernetes.io/managed-by", "")).lower() == "helm"
        or "helm.sh/chart" in labels
        or "meta.helm.sh/release-name" in annotations
    ):
        return "Helm"
    return "Manifests"


def _helm_release(item: JSON | _Crd) -> tuple[str, str] | None:
    """(release namespace, release name) of a Helm-installed object, if it says so."""
    if isinstance(item, _Crd):
        labels, annotations = item.labels, item.annotations
    else:
        labels = item.get("labels") or {}
        annotations = item.get("annotations") or {}
    name = annotations.get("meta.helm.sh/release-name")
    if name:
        return (annotations.get("meta.helm.sh/release-namespace", ""), name)
    if str(labels.get("app.kubernetes.io/managed-by", "")).lower() == "helm":
        instance = labels.get("app.kubernetes.io/instance")
        return ("", instance) if instance else None
    return None


def _shares_label(labels: dict[str, str], crd_labels: dict[str, str]) -> bool:
    return any(labels.get(key) and labels.get(key) == crd_labels.get(key) for key in SHARED_LABELS)


def _looks_like_controller(name: str, labels: dict[str, str]) -> bool:
    words = set(_segments(name))
    for key in ("app.kubernetes.io/component", "app.kubernetes.io/name"):
        words.update(_segments(labels.get(key, "")))
    return bool(words & CONTROLLER_WORDS)


def _group_matches(
    name: str, labels: dict[str, str], crds: Sequence[_Crd], by_group: dict[str, list[str]]
) -> list[str]:
    identifiers = [name, *(labels[k] for k in NAME_LABELS if labels.get(k))]
    padded = [f"-{i.lower()}-" for i in identifiers]
    matched_groups = {
        crd.group for crd in crds if any(f"-{t}-" in p for t in crd.tokens for p in padded)
    }
    return [n for group in sorted(matched_groups) for n in by_group[group]]


def _index_crd(crd: model.CrdRecord) -> _Crd:
    labels_of_group = crd.group.split(".")[:-1]  # the last label is a TLD (io, com, ...)
    words = {*labels_of_group, crd.kind.lower(), crd.plural.lower()}
    return _Crd(
        name=crd.name,
        group=crd.group,
        labels=crd.labels,
        annotations=crd.annotations,
        tokens=frozenset(w for w in words if w and w not in _GENERIC_TOKENS),
    )


def _segments(value: str) -> list[str]:
    return [s for s in str(value).lower().replace("_", "-").split("-") if s]


def _tag_version(images: tuple[str, ...]) -> str | None:
    return k8s.image_tag(images[0]) if images else None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)

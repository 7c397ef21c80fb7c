"""The live source: an Inventory read from an API server, through ``kube``.

The cost of an inventory is the number of requests, so each fact is read the cheapest way the
API allows: one discovery request, one paginated list of CRDs, and for each CRD a metadata-only
list of one item whose ``remainingItemCount`` is the instance count (and whose managedFields name
the controller writing its status). Independent requests run concurrently. A 403 on one kind is
recorded as a warning, the components it feeds are marked partial (``FEEDS``), and capture
carries on; any other failure stops it, and nothing is stored.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import difflib
import functools
import threading
from collections.abc import Callable, Iterable
from typing import Any

from kubectl_datamodel import errors, k8s, model
from kubectl_datamodel.capture import helm, includes, inventory, kube, platform
from kubectl_datamodel.options import CaptureOptions

JSON = dict[str, Any]

CRDS = ("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition")
WORKLOADS = (
    ("apps/v1", "deployments", "Deployment"),
    ("apps/v1", "statefulsets", "StatefulSet"),
    ("apps/v1", "daemonsets", "DaemonSet"),
)
CSVS = ("operators.coreos.com/v1alpha1", "clusterserviceversions", "ClusterServiceVersion")
NODES = ("v1", "nodes", "Node")
NAMESPACES = ("v1", "namespaces", "Namespace")
QUOTAS = ("v1", "resourcequotas", "ResourceQuota")
LIMIT_RANGES = ("v1", "limitranges", "LimitRange")
HELM_STORAGE = (("v1", "secrets", "Secret"), ("v1", "configmaps", "ConfigMap"))
# The components each read feeds, by the name ``_Reading.optional`` knows it by: a 403 there
# leaves them partial. Operators are found by evidence from CRDs, CSVs and conversion webhook
# Services as much as from workloads, and Helm releases take their chart from the workloads
# they installed. Discovery decides whether CSVs are listed at all. Not here: instance counts
# (a refused count is an unknown count), the server version, the nodes read for the platform.
FEEDS = {
    "CRDs": ("crds", "operators"),
    "API discovery": ("olm", "operators"),
    "clusterserviceversions": ("olm", "operators"),
    **{plural: ("operators", "helm") for _, plural, _ in WORKLOADS},
    "nodes": ("nodes",),
    "namespaces": ("namespaces",),
    "resourcequotas": ("namespaces",),
    "limitranges": ("namespaces",),
    **{f"helm {plural}": ("helm",) for _, plural, _ in HELM_STORAGE},
}


@dataclasses.dataclass
class _Reading:
    """Requests to one cluster, and what became of the ones that were not allowed."""

    api: kube.Api
    namespace: str | None
    progress: inventory.Progress | None
    forbidden: list[str] = dataclasses.field(default_factory=list)  # what a 403 kept out
    missing: list[str] = dataclasses.field(default_factory=list)  # what a 404 said is not served
    read: int = 0  # found reads that succeeded: version and discovery do not count
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def optional(
        self, what: str, fetch: Callable[[], Any], *, counted: bool = True, absent: bool = False
    ) -> Any:
        """Run ``fetch``; a 403 or 404 about ``what`` is noted and gives None. With ``absent``
        a 404 is a fact (the cluster has no such API: no OLM), not a problem. Called from
        worker threads."""
        try:
            result = fetch()
        except errors.ApiError as exc:
            if exc.status not in (403, 404):
                raise
            with self._lock:
                if exc.status == 403:
                    self.forbidden.append(what)
                elif not absent:
                    self.missing.append(f"{what} not captured: {exc}")
            result = None
        else:
            with self._lock:
                self.read += counted
        if self.progress is not None:
            self.progress.advance(what)
        return result

    @property
    def partial(self) -> set[str]:
        """The components a 403 kept partly or wholly out."""
        return {component for what in self.forbidden for component in _fed_by(what)}

    @property
    def warnings(self) -> list[str]:
        """One line for everything a 403 kept out (a service account allowed to read only
        some kinds would otherwise get one per kind), then each 404."""
        found = sorted(self.missing)
        if self.forbidden:
            kept_out = ", ".join(sorted(self.forbidden))
            found.insert(
                0,
                f"not allowed to read these (403) in context {self.api.context}, so the "
                f"snapshot leaves them out: {kept_out}",
            )
        return found


def capture(
    options: CaptureOptions, progress: inventory.Progress | None = None
) -> inventory.CaptureResult:
    api = kube.connect(options.cluster)
    with contextlib.closing(api):
        reading = _Reading(api, options.namespace, progress)
        found, info = _read(reading, options)
    if reading.read == 0:
        raise errors.ClusterError(
            f"nothing could be read from context {api.context}: every request was refused "
            "(403); the user needs at least list access to CRDs or workloads"
        )
    warnings = [*api.warnings, *reading.warnings]
    snapshot = inventory.assemble(
        found,
        options,
        context=api.context,
        cluster_info=info,
        warnings=warnings,
        partial=reading.partial,
    )
    return inventory.CaptureResult(snapshot=snapshot, warnings=warnings)


def _fed_by(read: str) -> tuple[str, ...]:
    """The components a read feeds: ``FEEDS``, a conversion webhook's Service (operator
    evidence), or an --include'd GROUP/VERSION/Kind pattern, listed by its own request."""
    if read.startswith("service "):
        return ("operators",)
    if "/" in read:
        return (read,)
    return FEEDS.get(read, ())


def discover(api: kube.Api) -> dict[str, tuple[str, ...]]:
    """Served API groups and their versions, in one request.

    Aggregated discovery answers in one document; an older server answers the same request with
    the legacy group list, which names every group's versions too, so no per-group requests are
    needed either way.
    """
    body = api.get("/apis", accept=kube.ACCEPT_DISCOVERY)
    if body.get("kind") == "APIGroupDiscoveryList":
        return {
            str(item["metadata"]["name"]): tuple(
                str(v["version"]) for v in item.get("versions") or ()
            )
            for item in body.get("items") or ()
        }
    return {
        str(group["name"]): tuple(str(v["version"]) for v in group.get("versions") or ())
        for group in body.get("groups") or ()
    }


def _read(
    reading: _Reading, options: CaptureOptions
) -> tuple[inventory.Inventory, model.ClusterInfo]:
    api = reading.api
    if reading.progress is not None:
        reading.progress.planned(3)
    version = reading.optional("server version", lambda: _get(api, "/version"), counted=False) or {}
    groups = reading.optional("API discovery", lambda: discover(api), counted=False) or {}
    crds = reading.optional("CRDs", lambda: _list(api, CRDS, None)) or []
    wanted = set(options.components)
    resolved = _resolve(reading, includes.patterns_of(options.components))
    jobs: dict[str, Callable[[], Any]] = {"nodes": lambda: _nodes(api, full="nodes" in wanted)}
    if wanted & {"crds", "operators"}:
        jobs.update(_count_jobs(api, crds, reading.namespace))
    jobs.update(_requested_jobs(api, wanted, resolved, reading.namespace))
    if wanted & {"operators", "helm"}:
        for resource in WORKLOADS:
            jobs[resource[1]] = functools.partial(_list, api, resource, reading.namespace)
        for namespace, name in _webhook_services(crds):
            path = f"/api/v1/namespaces/{namespace}/services/{name}"
            jobs[f"service {namespace}/{name}"] = functools.partial(_get, api, path)
    csvs_served = "v1alpha1" in groups.get("operators.coreos.com", ())
    if csvs_served and wanted & {"olm", "operators"}:
        jobs["clusterserviceversions"] = functools.partial(_list, api, CSVS, reading.namespace)
    results = _run_all(reading, jobs, options.cluster.concurrency)
    csvs = results.get("clusterserviceversions")
    found = _inventory(crds, results)
    _add_requested(found, results, resolved)
    nodes = results.get("nodes")
    info = model.ClusterInfo(
        source="cluster",
        server=api.server,
        version=version.get("gitVersion"),
        platform=platform.detect(version.get("gitVersion"), nodes or (), groups),
        node_count=None if nodes is None else len(nodes),
        olm=_olm(groups, csvs, "clusterserviceversions" in reading.forbidden),
    )
    return found, info


def _olm(groups: dict[str, tuple[str, ...]], csvs: Any, forbidden: bool) -> bool | None:
    """Whether OLM runs here: its ClusterServiceVersions are served and could be listed.
    None when that is not known (discovery or the list was not allowed)."""
    if not groups or forbidden:
        return None
    return csvs is not None


def _count_jobs(
    api: kube.Api, crds: Iterable[JSON], namespace: str | None
) -> dict[str, Callable[[], Any]]:
    jobs: dict[str, Callable[[], Any]] = {}
    for crd in crds:
        path = _instances_path(crd, namespace)
        if path is not None:
            jobs[_count_key(crd)] = functools.partial(api.count, path)
    return jobs


def _count_key(crd: JSON) -> str:
    return f"instances of {crd['metadata']['name']}"


def _run_all(
    reading: _Reading, jobs: dict[str, Callable[[], Any]], concurrency: int
) -> dict[str, Any]:
    """Run independent reads concurrently; the first fatal error cancels what has not started."""
    if reading.progress is not None:
        reading.progress.planned(len(jobs))
    results: dict[str, Any] = {}
    pool = concurrent.futures.ThreadPoolExecutor(max(1, concurrency), "capture")
    try:
        futures = {
            pool.submit(reading.optional, key, job, absent=_absent_is_a_fact(key)): key
            for key, job in jobs.items()
        }
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def _absent_is_a_fact(key: str) -> bool:
    """Reads whose 404 says what the cluster is, not what went wrong: no OLM, or a CRD whose
    resource is not served (yet); its instance count is then unknown."""
    return key == "clusterserviceversions" or key.startswith("instances of ")


def _inventory(crds: list[JSON], results: dict[str, Any]) -> inventory.Inventory:
    found = inventory.Inventory(crds=crds)
    for crd in crds:
        counted = results.get(_count_key(crd))
        if isinstance(counted, kube.Count):
            found.instance_counts[crd["metadata"]["name"]] = counted.total
            manager = k8s.status_manager(counted.sample or {})
            if manager:
                found.status_managers[crd["metadata"]["name"]] = manager
    for _, plural, _ in WORKLOADS:
        found.workloads.extend(results.get(plural) or ())
    found.csvs.extend(
        csv for csv in results.get("clusterserviceversions") or () if not k8s.is_copied_csv(csv)
    )
    found.services.extend(
        service for key, service in results.items() if key.startswith("service ") and service
    )
    return found


def _list(
    api: kube.Api,
    resource: tuple[str, str, str],
    namespace: str | None,
    *,
    metadata_only: bool = False,
    query: tuple[tuple[str, str], ...] = (),
) -> list[JSON]:
    """Every object of a kind, with apiVersion/kind filled in (list items omit them) and
    managedFields dropped. ``metadata_only`` asks for metadata alone and accepts nothing
    else: what a Secret holds never crosses the wire."""
    api_version, plural, kind = resource

    def typed(item: JSON) -> JSON:
        item["apiVersion"], item["kind"] = api_version, kind
        (item.get("metadata") or {}).pop("managedFields", None)
        return item

    accept = kube.METADATA_LIST if metadata_only else kube.ACCEPT_JSON
    return api.collect(_path(api_version, plural, namespace), typed, query, accept=accept)


# -- kinds captured on request (`--include`) ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Served:
    """Where the server lists an `--include`d kind."""

    pattern: includes.ResourceKind
    plural: str
    namespaced: bool


def _resolve(reading: _Reading, patterns: list[includes.ResourceKind]) -> list[_Served]:
    """Each pattern's resource name, from one discovery request per group-version. A kind the
    server does not serve is an error: a snapshot silently without it would read as "none"."""
    served = []
    for api_version in sorted({p.api_version for p in patterns}):
        prefix = "/api" if api_version == "v1" else "/apis"
        wanted = [p for p in patterns if p.api_version == api_version]
        try:
            body = reading.api.get(f"{prefix}/{api_version}")
        except errors.ApiError as exc:
            if exc.status != 404:
                raise
            raise errors.UnknownKindError(
                f"--include {wanted[0].pattern}: context {reading.api.context} does not serve "
                f"{api_version}"
            ) from exc
        listed = {
            str(r.get("kind")): r
            for r in body.get("resources") or ()
            if "/" not in str(r.get("name")) and "list" in (r.get("verbs") or ())
        }
        for pattern in wanted:
            if pattern.kind not in listed:
                raise _unserved(pattern, listed, reading.api.context)
            resource = listed[pattern.kind]
            served.append(_Served(pattern, str(resource["name"]), bool(resource.get("namespaced"))))
    return served


def _unserved(
    pattern: includes.ResourceKind, listed: dict[str, Any], context: str
) -> errors.UnknownKindError:
    close = difflib.get_close_matches(pattern.kind, listed, n=1)
    hint = f"; did you mean {pattern.api_version}/{close[0]}?" if close else ""
    return errors.UnknownKindError(
        f"--include {pattern.pattern}: context {context} serves no kind {pattern.kind} in "
        f"{pattern.api_version}{hint}"
    )


def _requested_jobs(
    api: kube.Api, wanted: set[str], resolved: list[_Served], namespace: str | None
) -> dict[str, Callable[[], Any]]:
    jobs: dict[str, Callable[[], Any]] = {}
    if "namespaces" in wanted:
        jobs["namespaces"] = functools.partial(_list, api, NAMESPACES, None)
        jobs["resourcequotas"] = functools.partial(_list, api, QUOTAS, namespace)
        jobs["limitranges"] = functools.partial(_list, api, LIMIT_RANGES, namespace)
    if "helm" in wanted:
        for resource in HELM_STORAGE:
            jobs[f"helm {resource[1]}"] = functools.partial(
                _list,
                api,
                resource,
                namespace,
                metadata_only=True,
                query=(("labelSelector", helm.OWNER_SELECTOR),),
            )
    for served in resolved:
        pattern = served.pattern
        jobs[pattern.pattern] = functools.partial(
            _list,
            api,
            (pattern.api_version, served.plural, pattern.kind),
            namespace if served.namespaced else None,
            metadata_only=pattern.metadata_only,
        )
    return jobs


def _add_requested(
    found: inventory.Inventory, results: dict[str, Any], resolved: list[_Served]
) -> None:
    found.namespaces.extend(results.get("namespaces") or ())
    found.resource_quotas.extend(results.get("resourcequotas") or ())
    found.limit_ranges.extend(results.get("limitranges") or ())
    found.nodes.extend(results.get("nodes") or ())
    for _, plural, _ in HELM_STORAGE:
        listed = results.get(f"helm {plural}") or ()
        found.helm_storage.extend(o for o in listed if helm.is_release_storage(o))
    found.helm_installed.extend(w for w in found.workloads if helm.release_of(w))
    for served in resolved:
        found.resources[served.pattern.pattern] = results.get(served.pattern.pattern) or []


def _get(api: kube.Api, path: str) -> JSON:
    return api.get(path)


def _nodes(api: kube.Api, *, full: bool) -> list[JSON]:
    """Nodes, cut down to what platform detection reads unless node records are wanted: a
    5,000-node cluster stays small. A node's image list (hundreds of entries) always goes."""
    if not full:
        return api.collect(_path(NODES[0], NODES[1], None), _platform_facts)

    def node(item: JSON) -> JSON:
        (item.get("status") or {}).pop("images", None)
        (item.get("metadata") or {}).pop("managedFields", None)
        return {"apiVersion": "v1", "kind": "Node", **item}

    return api.collect(_path(NODES[0], NODES[1], None), node)


def _platform_facts(node: JSON) -> JSON:
    return {
        "metadata": {"labels": (node.get("metadata") or {}).get("labels") or {}},
        "spec": {"providerID": (node.get("spec") or {}).get("providerID")},
    }


def _instances_path(crd: JSON, namespace: str | None) -> str | None:
    """Where a CRD's instances are listed: at its storage version when that is served, else at
    the first served version; None when no version is served."""
    spec = crd.get("spec") or {}
    versions = k8s.crd_versions(spec)
    chosen = next((v for v in versions if v.storage and v.served), None) or next(
        (v for v in versions if v.served), None
    )
    plural = (spec.get("names") or {}).get("plural")
    if chosen is None or not plural or not spec.get("group"):
        return None
    scoped = namespace if spec.get("scope", "Namespaced") == "Namespaced" else None
    return _path(f"{spec['group']}/{chosen.name}", plural, scoped)


def _path(api_version: str, plural: str, namespace: str | None) -> str:
    prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    return f"{prefix}/namespaces/{namespace}/{plural}" if namespace else f"{prefix}/{plural}"


def _webhook_services(crds: Iterable[JSON]) -> set[tuple[str, str]]:
    return {s for s in map(k8s.conversion_service, crds) if s is not None}

""":class:`FakeCluster`, the API server's contents: discovery (built-in from the corpus, plus
CRDs, with the defaults and ``status`` kube-apiserver gives them) and the objects."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from tests.support.fakeapi.corpus import DEFAULT_DISCOVERY, DEFAULT_VERSION_FILE, load_manifests
from tests.support.fakeapi.objects import Collection, Generator, Resource, Snapshot
from tests.support.fakeapi.protocol import (
    AGGREGATED_GROUP,
    _dumps,
    _now,
    split_api_version,
    storage_version_hash,
    version_priority,
)

CRD_GROUP = "apiextensions.k8s.io"
#: Verbs kube-apiserver lists for every custom resource, in its order.
CRD_VERBS = ("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch")
SUBRESOURCE_VERBS = ("get", "patch", "update")


def _read_json(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


class FakeCluster:
    """The API server's contents: discovery (built-in from the corpus + CRDs) and objects.

    Thread-safe: servers read it from many threads while a test may still be adding objects.
    """

    def __init__(
        self, discovery_dir: Path = DEFAULT_DISCOVERY, version: dict[str, Any] | None = None
    ) -> None:
        self.discovery_dir = discovery_dir
        self.version = version if version is not None else _read_json(DEFAULT_VERSION_FILE)
        self._lock = threading.RLock()
        self._rv = 100
        self._names = 0
        self._api = _read_json(discovery_dir / "api.json")
        self._core = _read_json(discovery_dir / "api__v1.json")
        self._apis = _read_json(discovery_dir / "apis.json")
        self._groups: dict[str, dict[str, Any]] = {}
        self._group_versions: dict[tuple[str, str], dict[str, Any]] = {("", "v1"): self._core}
        self._aggregated: dict[str, dict[str, Any]] = {}
        self._load_builtin_discovery()
        self._builtin = self._resources_from_legacy()
        self._crds: dict[str, list[Resource]] = {}
        self._collections: dict[tuple[str, str], Collection] = {}
        self._index: dict[tuple[str, str, str], Resource] | None = None
        self._kinds: dict[tuple[str, str, str], Resource] = {}
        self._group_kinds: dict[tuple[str, str], Resource] = {}
        self._discovery_cache: dict[tuple[str, ...], bytes | None] = {}

    # -- loading built-in discovery ------------------------------------------------------------

    def _load_builtin_discovery(self) -> None:
        for path in sorted(self.discovery_dir.glob("apis__*.json")):
            parts = path.stem.split("__")
            if len(parts) == 2:
                self._groups[parts[1]] = _read_json(path)
            elif len(parts) == 3:
                self._group_versions[(parts[1], parts[2])] = _read_json(path)
        v2 = self.discovery_dir / "aggregated_v2.json"
        v2beta1 = self.discovery_dir / "aggregated_v2beta1.json"
        if v2.exists():
            self._aggregated["v2"] = _read_json(v2)
        if v2beta1.exists():
            self._aggregated["v2beta1"] = _read_json(v2beta1)
        # v2 is v2beta1 promoted unchanged, so either serves as the other when only one was
        # recorded (kubernetes 1.33 recorded only v2).
        for have, want in (("v2", "v2beta1"), ("v2beta1", "v2")):
            if have in self._aggregated and want not in self._aggregated:
                doc = copy.deepcopy(self._aggregated[have])
                doc["apiVersion"] = f"{AGGREGATED_GROUP}/{want}"
                self._aggregated[want] = doc

    def _resources_from_legacy(self) -> dict[tuple[str, str, str], Resource]:
        out: dict[tuple[str, str, str], Resource] = {}
        for (group, version), doc in self._group_versions.items():
            subs: dict[str, list[str]] = {}
            for r in doc["resources"]:
                if "/" in r["name"]:
                    parent, _, sub = r["name"].partition("/")
                    subs.setdefault(parent, []).append(sub)
            for r in doc["resources"]:
                if "/" in r["name"]:
                    continue
                out[(group, version, r["name"])] = Resource(
                    group=group,
                    version=version,
                    plural=r["name"],
                    kind=r["kind"],
                    namespaced=bool(r["namespaced"]),
                    singular=r.get("singularName") or r["kind"].lower(),
                    verbs=tuple(r.get("verbs", ())),
                    short_names=tuple(r.get("shortNames", ())),
                    categories=tuple(r.get("categories", ())),
                    subresources=tuple(subs.get(r["name"], ())),
                    storage_hash=r.get("storageVersionHash"),
                )
        return out

    # -- resource index ------------------------------------------------------------------------

    def _invalidate_discovery(self) -> None:
        self._index = None
        self._discovery_cache.clear()

    def _ensure_index(self) -> dict[tuple[str, str, str], Resource]:
        with self._lock:
            if self._index is None:
                index = dict(self._builtin)
                for infos in self._crds.values():
                    for res in infos:
                        index.setdefault((res.group, res.version, res.plural), res)
                self._kinds = {(r.group, r.version, r.kind): r for r in index.values()}
                self._group_kinds = {}
                for r in sorted(index.values(), key=lambda r: version_priority(r.version)):
                    self._group_kinds.setdefault((r.group, r.kind), r)
                self._index = index
            return self._index

    def resource(self, group: str, version: str, plural: str) -> Resource | None:
        """The resource served at ``/apis/<group>/<version>/<plural>``, if any."""
        return self._ensure_index().get((group, version, plural))

    def resource_for(self, api_version: str, kind: str) -> Resource:
        """Which resource stores objects of this apiVersion/kind.

        Falls back to the same kind at another served version of the group (the object is
        stored once and served at every version, as kube does); ValueError if nobody serves it.
        """
        self._ensure_index()
        group, version = split_api_version(api_version)
        with self._lock:
            res = self._kinds.get((group, version, kind)) or self._group_kinds.get((group, kind))
        if res is None:
            raise ValueError(f"no resource serves {kind} in {api_version!r}")
        return res

    def served_versions(self, group: str) -> list[str]:
        """The group's versions in discovery order (built-in order, then CRD ones by priority)."""
        self._ensure_index()
        versions = [v["version"] for v in self._groups.get(group, {}).get("versions", [])]
        extra = {r.version for infos in self._crds.values() for r in infos if r.group == group}
        return versions + sorted(extra - set(versions), key=version_priority)

    # -- adding and removing -------------------------------------------------------------------

    def add(self, *objs: dict[str, Any]) -> None:
        """Store objects as if created through the API.

        CRDs in the batch are registered first, so a batch may hold CRDs and their instances
        in any order. Fills ``uid``, ``resourceVersion``, ``creationTimestamp`` when absent,
        defaults the namespace of namespaced objects to ``default``, drops it from cluster-scoped
        ones, and gives CRDs kube's defaults and ``status``. Raises ValueError for a kind no
        served resource has.
        """

        def is_crd(obj: Mapping[str, Any]) -> bool:
            return obj.get("kind") == "CustomResourceDefinition" and str(
                obj.get("apiVersion", "")
            ).startswith(f"{CRD_GROUP}/")

        with self._lock:
            for obj in [o for o in objs if is_crd(o)] + [o for o in objs if not is_crd(o)]:
                self._add_one(obj)

    def _add_one(self, obj: Mapping[str, Any]) -> None:
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise ValueError(f"object without apiVersion/kind: {str(obj)[:200]}")
        stored: dict[str, Any] = copy.deepcopy(dict(obj))
        if kind == "CustomResourceDefinition" and split_api_version(api_version)[0] == CRD_GROUP:
            self._default_crd(stored)
        res = self.resource_for(api_version, kind)
        md = stored.setdefault("metadata", {})
        if not md.get("name"):
            if not md.get("generateName"):
                raise ValueError(f"{kind} without metadata.name")
            self._names += 1
            md["name"] = f"{md['generateName']}{self._names:05x}"
        if res.namespaced:
            md["namespace"] = md.get("namespace") or "default"
        else:
            md.pop("namespace", None)
        self._rv += 1
        md.setdefault("uid", self._uid(res, md))
        md["resourceVersion"] = md.get("resourceVersion") or str(self._rv)
        md["creationTimestamp"] = md.get("creationTimestamp") or _now()
        if res.crd is None and res.group == CRD_GROUP and res.plural == "customresourcedefinitions":
            self._register_crd(stored)
        coll = self._collections.setdefault((res.group, res.plural), Collection())
        coll.objects[(md.get("namespace", ""), md["name"])] = stored
        coll.snapshot = None

    def _uid(self, res: Resource, md: Mapping[str, Any]) -> str:
        """Deterministic per object and add, so runs are reproducible."""
        h = hashlib.sha256(
            f"{res.group_resource}/{md.get('namespace', '')}/{md['name']}/{self._rv}".encode()
        ).hexdigest()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    @staticmethod
    def _default_crd(crd: dict[str, Any]) -> None:
        """What kube-apiserver fills in on create: names defaults, conversion, and status."""
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        if not (spec.get("group") and names.get("plural") and names.get("kind")):
            raise ValueError("CustomResourceDefinition without spec.group/names.plural/kind")
        expected = f"{names['plural']}.{spec['group']}"
        if crd.get("metadata", {}).get("name") != expected:
            raise ValueError(f"CRD metadata.name must be {expected!r}")
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", f"{names['kind']}List")
        spec.setdefault("conversion", {"strategy": "None"})
        if "status" not in crd:
            now = _now()
            storage = [v["name"] for v in spec.get("versions", []) if v.get("storage")]
            crd["status"] = {
                "acceptedNames": dict(names),
                "conditions": [
                    {
                        "type": "NamesAccepted",
                        "status": "True",
                        "lastTransitionTime": now,
                        "reason": "NoConflicts",
                        "message": "no conflicts found",
                    },
                    {
                        "type": "Established",
                        "status": "True",
                        "lastTransitionTime": now,
                        "reason": "InitialNamesAccepted",
                        "message": "the initial names have been accepted",
                    },
                ],
                "storedVersions": storage,
            }

    def _register_crd(self, crd: Mapping[str, Any]) -> None:
        spec = crd["spec"]
        names = spec["names"]
        storage = next((v["name"] for v in spec.get("versions", []) if v.get("storage")), None)
        group, kind = spec["group"], names["kind"]
        infos = [
            Resource(
                group=group,
                version=v["name"],
                plural=names["plural"],
                kind=kind,
                namespaced=spec.get("scope") == "Namespaced",
                singular=names.get("singular") or kind.lower(),
                verbs=CRD_VERBS,
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=tuple(
                    s for s in ("status", "scale") if s in (v.get("subresources") or {})
                ),
                crd=crd["metadata"]["name"],
                storage_hash=storage_version_hash(group, storage or v["name"], kind),
            )
            for v in spec.get("versions", [])
            if v.get("served")
        ]
        self._crds[crd["metadata"]["name"]] = infos
        self._invalidate_discovery()

    def add_from_files(self, *paths: Path) -> None:
        """Add every document of these YAML/JSON files (all in one batch: CRDs go first)."""
        objs: list[dict[str, Any]] = []
        for path in paths:
            objs.extend(load_manifests(Path(path)))
        self.add(*objs)

    def generate(
        self,
        crd_name: str,
        count: int,
        *,
        namespaces: Sequence[str] = ("default",),
        status_manager: str | None = None,
        payload_bytes: int = 512,
    ) -> None:
        """Serve ``count`` synthetic instances of an added CRD, built lazily per request.

        Items go round-robin over ``namespaces`` (ignored when cluster-scoped) and are named
        ``<singular>-<NNNNN>``, numbering on from earlier ``generate`` calls of the same CRD.
        Labels: ``app.kubernetes.io/managed-by=fakeapi`` and ``fakeapi.test/shard=<i % 10>``.
        With ``status_manager``, items carry a status and managedFields of kubectl (spec) and of
        that manager (status subresource).
        """
        with self._lock:
            infos = self._crds.get(crd_name)
            if not infos:
                raise ValueError(f"CRD {crd_name!r} has not been added (or serves no version)")
            crd = self._collections[(CRD_GROUP, "customresourcedefinitions")].objects[
                ("", crd_name)
            ]
            storage = next(
                (v["name"] for v in crd["spec"]["versions"] if v.get("storage")), infos[0].version
            )
            res = next((r for r in infos if r.version == storage), infos[0])
            coll = self._collections.setdefault((res.group, res.plural), Collection())
            self._rv += 1
            gen = Generator(
                res,
                start=sum(g.count for g in coll.generators),
                count=count,
                namespaces=namespaces,
                status_manager=status_manager,
                payload_bytes=payload_bytes,
                resource_version=str(self._rv),
            )
            coll.generators.append(gen)
            coll.snapshot = None

    def remove(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> None:
        """Delete one object (stored or generated). Deleting a CRD deletes its instances and
        stops serving its resource, as in kube. KeyError if there is no such object."""
        with self._lock:
            res = self.resource_for(api_version, kind)
            key = ((namespace or "default") if res.namespaced else "", name)
            coll = self._collections.get((res.group, res.plural))
            snap = coll.build() if coll is not None else None
            i = bisect_left(snap.keys, key) if snap is not None else 0
            if coll is None or snap is None or i >= len(snap.keys) or snap.keys[i] != key:
                raise KeyError(f"{res.group_resource} {key[0]}/{name} not found")
            if key in coll.objects:
                del coll.objects[key]
            else:
                coll.removed.add(key)
            coll.snapshot = None
            self._rv += 1
            if res.group == CRD_GROUP and res.plural == "customresourcedefinitions":
                for gone in self._crds.pop(name, []):
                    self._collections.pop((gone.group, gone.plural), None)
                self._invalidate_discovery()

    # -- reads used by the server --------------------------------------------------------------

    @property
    def resource_version(self) -> str:
        """The cluster-wide resourceVersion (etcd revision) lists report."""
        return str(self._rv)

    def snapshot(self, res: Resource) -> Snapshot:
        """Sorted keys/entries of a resource; cached until the next change."""
        with self._lock:
            coll = self._collections.get((res.group, res.plural))
            if coll is None:
                return Snapshot([], [])
            return coll.build()

    def discovery(self, *key: str) -> bytes | None:
        """A serialized discovery document, cached until CRDs change; None = not served.

        Keys: ``("api",)``, ``("apis",)``, ``("group", g)``, ``("gv", g, v)``,
        ``("aggregated", "api"|"apis", version)``.
        """
        with self._lock:
            if key not in self._discovery_cache:
                self._ensure_index()
                doc = self._build_discovery(key)
                self._discovery_cache[key] = None if doc is None else _dumps(doc)
            return self._discovery_cache[key]

    def _build_discovery(self, key: tuple[str, ...]) -> dict[str, Any] | None:  # noqa: PLR0911
        match key:
            case ("api",):
                return self._api
            case ("apis",):
                return self._apis_doc()
            case ("group", group):
                return self._group_doc(group)
            case ("gv", group, version):
                return self._group_version_doc(group, version)
            case ("aggregated", "api", version):
                return self._aggregated_core(version)
            case ("aggregated", "apis", version):
                return self._aggregated_apis(version)
        return None

    def _crd_resources(self, group: str, version: str) -> list[Resource]:
        return sorted(
            (
                r
                for infos in self._crds.values()
                for r in infos
                if r.group == group and r.version == version
            ),
            key=lambda r: r.plural,
        )

    def _crd_groups(self) -> list[str]:
        """Groups only CRDs serve, alphabetically (kube sorts equal-priority groups by name)."""
        return sorted({r.group for infos in self._crds.values() for r in infos} - set(self._groups))

    def _group_entry(self, group: str) -> dict[str, Any] | None:
        versions = self.served_versions(group)
        if not versions:
            return None
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        builtin = self._groups.get(group)
        preferred = builtin["preferredVersion"] if builtin else gvs[0]
        return {"name": group, "versions": gvs, "preferredVersion": preferred}

    def _apis_doc(self) -> dict[str, Any]:
        doc = dict(self._apis)
        crd_groups = {r.group for infos in self._crds.values() for r in infos}
        groups = [
            (self._group_entry(g["name"]) if g["name"] in crd_groups else None) or g
            for g in self._apis["groups"]
        ]
        groups += [e for g in self._crd_groups() if (e := self._group_entry(g)) is not None]
        doc["groups"] = groups
        return doc

    def _group_doc(self, group: str) -> dict[str, Any] | None:
        entry = self._group_entry(group)
        if entry is None:
            return None
        return {"kind": "APIGroup", "apiVersion": "v1", **entry}

    @staticmethod
    def _legacy_resources(res: Resource) -> list[dict[str, Any]]:
        """APIResourceList entries of a custom resource, as kube's CRD discovery writes them."""
        main: dict[str, Any] = {
            "name": res.plural,
            "singularName": res.singular,
            "namespaced": res.namespaced,
            "kind": res.kind,
            "verbs": list(res.verbs),
        }
        if res.short_names:
            main["shortNames"] = list(res.short_names)
        if res.categories:
            main["categories"] = list(res.categories)
        if res.storage_hash:
            main["storageVersionHash"] = res.storage_hash
        out = [main]
        if "status" in res.subresources:
            out.append(
                {
                    "name": f"{res.plural}/status",
                    "singularName": "",
                    "namespaced": res.namespaced,
                    "kind": res.kind,
                    "verbs": list(SUBRESOURCE_VERBS),
                }
            )
        if "scale" in res.subresources:
            out.append(
                {
                    "name": f"{res.plural}/scale",
                    "singularName": "",
                    "namespaced": res.namespaced,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": list(SUBRESOURCE_VERBS),
                }
            )
        return out

    def _group_version_doc(self, group: str, version: str) -> dict[str, Any] | None:
        builtin = self._group_versions.get((group, version))
        crds = self._crd_resources(group, version)
        if builtin is None and not crds:
            return None
        if not crds:
            return builtin
        doc: dict[str, Any] = (
            dict(builtin)
            if builtin
            else {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": f"{group}/{version}",
            }
        )
        resources = list(doc.get("resources", []))
        for res in crds:
            resources.extend(self._legacy_resources(res))
        doc["resources"] = sorted(resources, key=itemgetter("name"))
        return doc

    @staticmethod
    def _aggregated_resource(res: Resource) -> dict[str, Any]:
        kind = {"group": res.group, "kind": res.kind, "version": res.version}
        entry: dict[str, Any] = {
            "resource": res.plural,
            "responseKind": kind,
            "scope": "Namespaced" if res.namespaced else "Cluster",
            "singularResource": res.singular,
            "verbs": list(res.verbs),
        }
        if res.short_names:
            entry["shortNames"] = list(res.short_names)
        if res.categories:
            entry["categories"] = list(res.categories)
        subs = []
        if "scale" in res.subresources:
            subs.append(
                {
                    "subresource": "scale",
                    "verbs": list(SUBRESOURCE_VERBS),
                    "responseKind": {"group": "autoscaling", "kind": "Scale", "version": "v1"},
                }
            )
        if "status" in res.subresources:
            subs.append(
                {"subresource": "status", "responseKind": kind, "verbs": list(SUBRESOURCE_VERBS)}
            )
        if subs:
            entry["subresources"] = subs
        return entry

    def _aggregated_apis(self, version: str) -> dict[str, Any] | None:
        base = self._aggregated.get(version)
        if base is None:
            return None
        items = []
        for item in base["items"]:
            group = item["metadata"]["name"]
            extra = [v for v in self.served_versions(group) if self._crd_resources(group, v)]
            if not extra:
                items.append(item)
                continue
            item = copy.deepcopy(item)  # noqa: PLW2901 (the corpus copy must stay pristine)
            by_version = {v["version"]: v for v in item["versions"]}
            for v in extra:
                entry = by_version.get(v)
                if entry is None:
                    entry = {"freshness": "Current", "resources": [], "version": v}
                    item["versions"].append(entry)
                entry["resources"].extend(
                    self._aggregated_resource(r) for r in self._crd_resources(group, v)
                )
                entry["resources"].sort(key=itemgetter("resource"))
            items.append(item)
        for group in self._crd_groups():
            items.append(
                {
                    "metadata": {"creationTimestamp": None, "name": group},
                    "versions": [
                        {
                            "freshness": "Current",
                            "resources": [
                                self._aggregated_resource(r) for r in self._crd_resources(group, v)
                            ],
                            "version": v,
                        }
                        for v in self.served_versions(group)
                    ],
                }
            )
        return {**base, "items": items}

    def _aggregated_core(self, version: str) -> dict[str, Any] | None:
        """``/api`` as an APIGroupDiscoveryList: the core group alone, built from /api/v1."""
        if version not in self._aggregated:
            return None
        subs: dict[str, list[dict[str, Any]]] = {}
        for r in self._core["resources"]:
            if "/" in r["name"]:
                parent, _, sub = r["name"].partition("/")
                subs.setdefault(parent, []).append(
                    {
                        "responseKind": {
                            "group": r.get("group", ""),
                            "kind": r["kind"],
                            "version": r.get("version", ""),
                        },
                        "subresource": sub,
                        "verbs": r.get("verbs", []),
                    }
                )
        resources = []
        for r in self._core["resources"]:
            if "/" in r["name"]:
                continue
            entry: dict[str, Any] = {
                "resource": r["name"],
                "responseKind": {"group": "", "kind": r["kind"], "version": ""},
                "scope": "Namespaced" if r["namespaced"] else "Cluster",
                "singularResource": r.get("singularName", ""),
                "verbs": r.get("verbs", []),
            }
            for src, dst in (("shortNames", "shortNames"), ("categories", "categories")):
                if r.get(src):
                    entry[dst] = r[src]
            if r["name"] in subs:
                entry["subresources"] = subs[r["name"]]
            resources.append(entry)
        return {
            "kind": "APIGroupDiscoveryList",
            "apiVersion": f"{AGGREGATED_GROUP}/{version}",
            "metadata": {},
            "items": [
                {
                    "metadata": {"creationTimestamp": None},
                    "versions": [{"freshness": "Current", "resources": resources, "version": "v1"}],
                }
            ],
        }

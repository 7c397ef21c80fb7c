"""A real kube-apiserver + etcd for the tests (scripts/test-cluster.sh), and a loader for it.

The loader plays `kubectl create`, then a merge patch for what exists, through the real
client's dynamic API: namespaces first, then CRDs (waiting until they are Established), then
everything else, leaving out webhook configurations. It does not use server-side apply:
Kubernetes 1.20 refuses an applied CRD holding fields newer than itself ("x-kubernetes-
validations: field not declared in schema"), where a plain create drops them, as a 1.20
cluster does.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.paths import ROOT

SCRIPT = ROOT / "scripts" / "test-cluster.sh"
# Read before any test points HOME elsewhere (conftest isolates HOME per test).
CACHE = Path(
    os.environ.get("KDM_CLUSTER_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kubectl-datamodel"
)
# The external-secrets manifests are a Helm chart's test snapshot, with the chart's
# placeholders left in; Helm would fill them in, and the API server refuses them as names.
RELEASE, NAMESPACE = ("RELEASE-NAME", "release-name"), ("NAMESPACE", "external-secrets")
# Nothing runs here (no kubelet), so a webhook would fail every write it is called for.
LEFT_OUT = {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}


def built() -> bool:
    """Has scripts/test-cluster.sh build left a kube-apiserver in the cache?"""
    return any(CACHE.glob("kube-apiserver-*/kube-apiserver"))


def up(folder: Path) -> Path:
    """Start a cluster whose files live in `folder`; return its admin kubeconfig."""
    result = script("up", folder)
    if result.returncode != 0:
        raise RuntimeError(f"scripts/test-cluster.sh up failed:\n{result.stderr}")
    return folder / "kubeconfig"


def down(folder: Path) -> None:
    script("down", folder)


def script(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KDM_CLUSTER_DIR": str(folder), "KDM_CLUSTER_CACHE": str(CACHE)}
    return subprocess.run(
        ["bash", str(SCRIPT), command], env=env, capture_output=True, text=True, check=False
    )


@dataclass
class Cluster:
    """The admin's view of the running cluster."""

    kubeconfig: Path

    def __post_init__(self) -> None:
        from kubernetes import config, dynamic

        self.api = config.new_client_from_config(config_file=str(self.kubeconfig))
        self.dynamic = dynamic.DynamicClient(self.api)

    def load(self, objects: Iterable[dict[str, Any]]) -> list[str]:
        """Create or update every object, in the order a cluster needs them.

        Returns what the server refused as invalid (422), one line each, as `kubectl apply`
        reports and goes on: upstream example resources are not always valid for their CRDs
        (or have none installed), and an upgraded CRD may not drop a version objects are still
        stored at.
        """
        objects = [_filled(o) for o in objects if o["kind"] not in LEFT_OUT]
        named = {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"}
        namespaces = named | {o["metadata"].get("namespace") for o in objects} - {None}
        for name in sorted(namespaces):
            self.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        refused: list[str] = []
        crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
        for crd in [c for c in crds if self._attempt(c, refused)]:
            self.wait_established(crd["metadata"]["name"])
        self.dynamic.resources.invalidate_cache()
        for obj in objects:
            if obj["kind"] not in {"CustomResourceDefinition", "Namespace"}:
                self._attempt(obj, refused)
        return refused

    def _attempt(self, obj: dict[str, Any], refused: list[str]) -> bool:
        from kubernetes.dynamic.exceptions import ResourceNotFoundError, UnprocessibleEntityError

        try:
            self.put(obj)
        except UnprocessibleEntityError as error:
            refused.append(json.loads(error.body)["message"])
            return False
        except ResourceNotFoundError:  # kubectl: "ensure CRDs are installed first"
            refused.append(f"no kind {obj['kind']} in version {obj['apiVersion']}")
            return False
        return True

    def put(self, obj: dict[str, Any]) -> None:
        from kubernetes.dynamic.exceptions import ConflictError

        resource = self.dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        namespace = obj["metadata"].get("namespace", "default") if resource.namespaced else None
        body = copy.deepcopy(obj)
        if namespace:
            body["metadata"]["namespace"] = namespace
        try:
            resource.create(body=body, namespace=namespace)
        except ConflictError:  # it exists: merge, keeping what the server set (a clusterIP)
            resource.patch(
                body=body, namespace=namespace, content_type="application/merge-patch+json"
            )

    def wait_established(self, name: str, seconds: float = 30) -> None:
        crds = self.dynamic.resources.get(
            api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
        )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            conditions = crds.get(name=name).to_dict().get("status", {}).get("conditions") or []
            if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
                return
            time.sleep(0.1)
        raise TimeoutError(f"CRD {name} not Established after {seconds} s")

    def requests(self) -> Counter[tuple[str, str, str]]:
        """Requests the server has answered so far, by (verb, group, resource), from its own
        metrics (apiserver_request_total, which does not count reading it)."""
        response = self.api.call_api("GET", f"{self.api.configuration.host}/metrics")
        counted: Counter[tuple[str, str, str]] = Counter()
        for line in response.read().decode().splitlines():
            if line.startswith("apiserver_request_total{"):
                labels, value = line.rsplit(" ", 1)
                found = dict(re.findall(r'(\w+)="([^"]*)"', labels))
                key = (found["verb"], found.get("group", ""), found.get("resource", ""))
                counted[key] += int(float(value))
        return counted

    def list_items(self, api_version: str, kind: str) -> list[dict[str, Any]]:
        """Every object of a kind, all namespaces, as the admin sees them."""
        resource = self.dynamic.resources.get(api_version=api_version, kind=kind)
        return resource.get().to_dict()["items"]


def _filled(obj: dict[str, Any]) -> dict[str, Any]:
    filled = json.loads(json.dumps(obj).replace(*RELEASE))
    if filled["metadata"].get("namespace") == NAMESPACE[0]:
        filled["metadata"]["namespace"] = NAMESPACE[1]
    return filled
